//! One error domain, rendered twice: RFC 9457 `application/problem+json` for the API and
//! htmx-aware HTML (redirect, toast or error page) for the UI.
//!
//! Every variant has a stable `code` that API clients and the UI match on; the problem `type`
//! is `/problems/<code>`. Internal details (database errors, I/O) are logged with the request id
//! and never sent to the client.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::http::meta::{self, RequestMeta};

/// A problem with one input field, for forms and `errors: [{field, message}]`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No or an invalid session / token.
    #[error("Sign-in required")]
    Unauthorized,
    #[error("Wrong email or password")]
    InvalidCredentials,
    /// A sign-in that checks every factor at once (the staff API) and answers the same
    /// whichever was wrong, so the answer never says the password was right.
    #[error("Wrong email, password or code")]
    InvalidCredentialsOrCode,
    #[error("A second-factor code is required")]
    OtpRequired,
    #[error("The second-factor code is wrong or was already used")]
    OtpInvalid,
    /// The caller is known but its role or token scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// Also the answer for another workspace's rows: no existence leak.
    #[error("Not found")]
    NotFound,
    #[error("The input is not valid")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    /// The plan or the credit balance does not cover this: `code` is `limit-reached` or
    /// `insufficient-credits`; the message names the limit and what lifts it.
    #[error("{message}")]
    PaymentRequired { code: &'static str, message: String },
    #[error("Too many attempts; try again in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("{0}")]
    BadRequest(String),
    /// An expired, used or unknown single-use link or code.
    #[error("{0}")]
    InvalidLink(String),
    #[error("The request body is too large")]
    PayloadTooLarge,
    #[error("The request took too long")]
    Timeout,
    /// An outside service we depend on cannot answer now (a data source down or still busy).
    #[error("{message}")]
    Unavailable {
        message: String,
        retry_after_secs: u64,
    },
    /// Something this request needs is not set up on this server (an integration without its
    /// key): not temporary, so no `Retry-After`. `code` names what is missing (e.g.
    /// `source-not-configured`); the message says who can set it up and what works meanwhile.
    #[error("{message}")]
    NotConfigured { code: &'static str, message: String },
    #[error("Database error")]
    Database(#[from] sea_orm::DbErr),
    #[error("Internal error")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Error::Internal(e.to_string())
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, message)])
    }

    pub fn forbidden(reason: impl Into<String>) -> Self {
        Error::Forbidden(reason.into())
    }

    /// A request body that could not be read (a multipart form or one of its parts, from the
    /// `status` axum gave the failure): over the route's size limit it is a 413, anything else
    /// a 400 that says `what` to do.
    pub fn unreadable_body(status: StatusCode, what: &str) -> Self {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge
        } else {
            Error::BadRequest(what.into())
        }
    }

    /// Stable machine-readable code; the problem `type` ends with it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthorized => "unauthorized",
            Error::InvalidCredentials | Error::InvalidCredentialsOrCode => "invalid-credentials",
            Error::OtpRequired => "otp-required",
            Error::OtpInvalid => "otp-invalid",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound => "not-found",
            Error::Validation(_) => "validation",
            Error::Conflict(_) => "conflict",
            Error::PaymentRequired { code, .. } => code,
            Error::TooManyRequests { .. } => "rate-limited",
            Error::BadRequest(_) => "bad-request",
            Error::InvalidLink(_) => "invalid-link",
            Error::PayloadTooLarge => "payload-too-large",
            Error::Timeout => "timeout",
            Error::Unavailable { .. } => "unavailable",
            Error::NotConfigured { code, .. } => code,
            Error::Database(_) | Error::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::Unauthorized
            | Error::InvalidCredentials
            | Error::InvalidCredentialsOrCode
            | Error::OtpRequired
            | Error::OtpInvalid => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PaymentRequired { .. } => StatusCode::PAYMENT_REQUIRED,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::BadRequest(_) | Error::InvalidLink(_) => StatusCode::BAD_REQUEST,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Timeout => StatusCode::REQUEST_TIMEOUT,
            Error::Unavailable { .. } | Error::NotConfigured { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Error::Database(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Short, human title of the problem type.
    pub fn title(&self) -> &'static str {
        match self {
            Error::Unauthorized => "Sign-in required",
            Error::InvalidCredentials | Error::InvalidCredentialsOrCode => "Invalid credentials",
            Error::OtpRequired => "Second factor required",
            Error::OtpInvalid => "Second factor invalid",
            Error::Forbidden(_) => "Not allowed",
            Error::NotFound => "Not found",
            Error::Validation(_) => "Invalid input",
            Error::Conflict(_) => "Conflict",
            Error::PaymentRequired { .. } => "Not covered by the plan or credits",
            Error::TooManyRequests { .. } => "Too many attempts",
            Error::BadRequest(_) => "Bad request",
            Error::InvalidLink(_) => "Link or code not valid",
            Error::PayloadTooLarge => "Request too large",
            Error::Timeout => "Request timed out",
            Error::Unavailable { .. } => "Temporarily unavailable",
            Error::NotConfigured { .. } => "Not set up",
            Error::Database(_) | Error::Internal(_) => "Something went wrong",
        }
    }

    /// What the client is told; internal errors say nothing about their cause.
    pub fn detail(&self) -> String {
        match self {
            Error::Database(_) | Error::Internal(_) => {
                "An internal error occurred. It has been logged; quote the request id when asking for help.".into()
            }
            Error::Validation(errors) if errors.len() == 1 => errors[0].message.clone(),
            Error::TooManyRequests { retry_after_secs } => too_many(*retry_after_secs),
            other => other.to_string(),
        }
    }

    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Validation(errors) => errors,
            _ => &[],
        }
    }

    /// The message for a given form field, or `""` — what templates show inline.
    pub fn field(&self, name: &str) -> &str {
        self.field_errors()
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.as_str())
            .unwrap_or("")
    }
}

/// "Too many attempts. Wait 5 minutes and try again.": the wait in words a person reads.
pub fn too_many(retry_after_secs: u64) -> String {
    let wait = if retry_after_secs < 60 {
        format!("{} seconds", retry_after_secs.max(1))
    } else {
        let minutes = retry_after_secs.div_ceil(60);
        if minutes == 1 {
            "a minute".into()
        } else {
            format!("{minutes} minutes")
        }
    };
    format!("Too many attempts. Wait {wait} and try again.")
}

/// The RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub request_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Error {
    pub fn problem(&self, request_id: &str) -> Problem {
        Problem {
            kind: format!("/problems/{}", self.code()),
            title: self.title().into(),
            status: self.status().as_u16(),
            detail: self.detail(),
            request_id: request_id.into(),
            errors: self.field_errors().to_vec(),
        }
    }

    fn log(&self, meta: &RequestMeta) {
        match self {
            Error::Database(e) => {
                tracing::error!(request_id = %meta.request_id, error = %e, "database error")
            }
            Error::Internal(e) => {
                tracing::error!(request_id = %meta.request_id, error = %e, "internal error")
            }
            _ => {
                tracing::debug!(request_id = %meta.request_id, code = self.code(), "request refused")
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let meta = meta::current();
        self.log(&meta);
        if meta.wants_html {
            return crate::web::error_page::render(&self, &meta);
        }
        problem_response(&self, &meta.request_id)
    }
}

/// The JSON form, also used by layers that answer before a handler runs.
pub fn problem_response(error: &Error, request_id: &str) -> Response {
    let mut response = (error.status(), Json(error.problem(request_id))).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if let Error::TooManyRequests { retry_after_secs }
    | Error::Unavailable {
        retry_after_secs, ..
    } = error
        && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
    {
        headers.insert(header::RETRY_AFTER, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = Error::Internal("password=hunter2 at db".into());
        let p = e.problem("rid");
        assert!(!p.detail.contains("hunter2"));
        assert_eq!(p.status, 500);
        assert_eq!(p.kind, "/problems/internal");
    }

    #[test]
    fn an_unreadable_body_is_too_large_or_bad() {
        let big = Error::unreadable_body(StatusCode::PAYLOAD_TOO_LARGE, "send it again");
        assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let bad = Error::unreadable_body(StatusCode::BAD_REQUEST, "send it again");
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        assert_eq!(bad.problem("x").detail, "send it again");
    }

    #[test]
    fn otp_problem_type_is_stable() {
        assert!(
            Error::OtpRequired
                .problem("x")
                .kind
                .ends_with("/otp-required")
        );
        assert!(
            Error::OtpInvalid
                .problem("x")
                .kind
                .ends_with("/otp-invalid")
        );
    }
}
