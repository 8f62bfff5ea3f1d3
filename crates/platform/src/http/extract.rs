//! `Json` and `Form` extractors whose rejections are our problem documents (or form errors):
//! malformed JSON, wrong types and oversize bodies get a clear, stable answer.

use axum::{
    extract::{
        FromRequest, Request,
        rejection::{FormRejection, JsonRejection},
    },
    http::StatusCode,
};
use serde::de::DeserializeOwned;

use crate::error::{Error, FieldError};

#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

fn json_rejection(rejection: JsonRejection) -> Error {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Error::PayloadTooLarge;
    }
    match rejection {
        JsonRejection::JsonDataError(e) => {
            // serde's message names the field path and the expected type.
            let text = e.body_text();
            let field = field_from_serde_message(&text);
            Error::Validation(vec![FieldError::new(field, readable(&text))])
        }
        JsonRejection::JsonSyntaxError(e) => {
            Error::BadRequest(format!("Malformed JSON: {}", e.body_text()))
        }
        JsonRejection::MissingJsonContentType(_) => {
            Error::BadRequest("Expected `Content-Type: application/json`".into())
        }
        other => Error::BadRequest(other.body_text()),
    }
}

/// Pulls `email` out of "Failed to deserialize the JSON body into the target type: email: invalid
/// type…" or "missing field `email`".
fn field_from_serde_message(text: &str) -> String {
    if let Some(start) = text.find("missing field `") {
        let rest = &text[start + 15..];
        if let Some(end) = rest.find('`') {
            return rest[..end].to_string();
        }
    }
    if let Some(start) = text.find("unknown field `") {
        let rest = &text[start + 15..];
        if let Some(end) = rest.find('`') {
            return rest[..end].to_string();
        }
    }
    let body = text.split("target type: ").nth(1).unwrap_or("");
    match body.split_once(": ") {
        Some((path, _)) if !path.contains(' ') => path.to_string(),
        _ => "body".into(),
    }
}

/// serde's message without the extractor's preamble and the position suffix.
fn readable(text: &str) -> String {
    let body = text.split("target type: ").nth(1).unwrap_or(text);
    let body = body.split(" at line ").next().unwrap_or(body);
    if let Some(rest) = body.strip_prefix("missing field ") {
        return format!("{rest} is required");
    }
    body.to_string()
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

impl<S, T> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Form(value)),
            Err(rejection) => Err(form_rejection(rejection)),
        }
    }
}

fn form_rejection(rejection: FormRejection) -> Error {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Error::PayloadTooLarge;
    }
    Error::BadRequest(format!(
        "The form could not be read: {}",
        rejection.body_text()
    ))
}

#[cfg(test)]
mod tests {
    use super::field_from_serde_message;

    #[test]
    fn field_names_are_recovered() {
        assert_eq!(
            super::readable(
                "Failed to deserialize the JSON body into the target type: missing field `email` at line 1 column 2"
            ),
            "`email` is required"
        );
        assert_eq!(
            field_from_serde_message(
                "Failed to deserialize the JSON body into the target type: missing field `email` at line 1"
            ),
            "email"
        );
        assert_eq!(
            field_from_serde_message(
                "Failed to deserialize the JSON body into the target type: password: invalid type: integer `1`, expected a string at line 1 column 14"
            ),
            "password"
        );
    }
}
