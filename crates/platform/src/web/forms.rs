//! What every feature's page handlers share: answering a form (status, inline field errors,
//! a summary), redirects with a flash, the message of a failed action, cookies, and the small
//! formatting of times and counts. Pages of customers (identity) and of staff (admin) use the
//! same pieces, so a form error looks and answers the same everywhere.

use askama::Template;
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{flash, shell::FlashKind};
use crate::{
    error::{Error, FieldError, Result},
    state::AppState,
};

// ---- cookies --------------------------------------------------------------------------------

/// An HTTP-only, `SameSite=Lax` cookie on path `/`, `Secure` when served over https (so a
/// `__Host-` name is accepted by browsers).
pub fn cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.is_https())
        .build()
}

/// Sets `Max-Age` without naming `time::Duration` (axum-extra does not re-export `time`):
/// the cookie crate parses the attribute for us.
pub fn with_max_age(mut cookie: Cookie<'static>, secs: i64) -> Cookie<'static> {
    if let Ok(parsed) = Cookie::parse(format!("x=y; Max-Age={}", secs.max(0))) {
        cookie.set_max_age(parsed.max_age());
    }
    cookie
}

/// A cookie to pass to `CookieJar::remove` (same path and `Secure`, so `__Host-` removals work).
pub fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    cookie(state, name, String::new())
}

// ---- redirects ------------------------------------------------------------------------------

/// A redirect target from user input: a local path only, else `default`.
pub fn safe_next(next: &str, default: &str) -> String {
    let n = next.trim();
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && !n.starts_with("/\\")
        && !n.chars().any(|c| c.is_control() || c == '\\');
    if local {
        n.to_string()
    } else {
        default.to_string()
    }
}

pub fn encode(s: &str) -> String {
    urlencoding::encode(s).into_owned()
}

pub fn redirect(jar: CookieJar, to: &str) -> Response {
    (jar, Redirect::to(to)).into_response()
}

pub fn redirect_flash(
    jar: CookieJar,
    kind: FlashKind,
    message: impl Into<String>,
    to: &str,
) -> Response {
    redirect(flash::push(jar, kind, message), to)
}

// ---- rendering ------------------------------------------------------------------------------

/// Status and `Retry-After` for a page answering a failed form.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    pub status: StatusCode,
    pub retry_after: Option<u64>,
}

impl Answer {
    pub const OK: Answer = Answer {
        status: StatusCode::OK,
        retry_after: None,
    };

    pub fn status(status: StatusCode) -> Answer {
        Answer {
            status,
            retry_after: None,
        }
    }
}

pub fn html<T: Template>(jar: CookieJar, template: &T) -> Response {
    (jar, super::render(template)).into_response()
}

pub fn html_with<T: Template>(answer: Answer, jar: CookieJar, template: &T) -> Response {
    let mut response = (answer.status, jar, super::render(template)).into_response();
    if let Some(secs) = answer.retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

// ---- errors ---------------------------------------------------------------------------------

/// What a form shows after a failed submission: inline field errors and a summary.
#[derive(Debug, Clone)]
pub struct FormErrors {
    pub fields: Vec<FieldError>,
    /// The summary above the form (`m::form_errors`).
    pub messages: Vec<String>,
    pub answer: Answer,
}

impl Default for FormErrors {
    fn default() -> Self {
        Self {
            fields: Vec::new(),
            messages: Vec::new(),
            answer: Answer::OK,
        }
    }
}

impl FormErrors {
    /// The errors a form can show; anything else (sign-in required, internal errors) is passed
    /// on to the error page.
    pub fn from_error(error: Error) -> Result<FormErrors> {
        let answer = Answer {
            status: error.status(),
            retry_after: None,
        };
        match error {
            Error::Validation(fields) => {
                let messages = fields.iter().map(|f| f.message.clone()).collect();
                Ok(FormErrors {
                    fields,
                    messages,
                    answer,
                })
            }
            Error::TooManyRequests { retry_after_secs } => Ok(FormErrors {
                fields: Vec::new(),
                messages: vec![crate::error::too_many(retry_after_secs)],
                answer: Answer {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    retry_after: Some(retry_after_secs),
                },
            }),
            Error::InvalidCredentials => Ok(Self::message(
                StatusCode::UNAUTHORIZED,
                "Wrong email or password.",
            )),
            Error::OtpInvalid => Ok(Self::message(
                StatusCode::UNAUTHORIZED,
                "That code is not right or was already used",
            )),
            e @ (Error::OtpRequired
            | Error::Forbidden(_)
            | Error::Conflict(_)
            | Error::BadRequest(_)
            | Error::InvalidLink(_)) => Ok(FormErrors {
                fields: Vec::new(),
                messages: vec![e.detail()],
                answer,
            }),
            other => Err(other),
        }
    }

    pub fn message(status: StatusCode, message: impl Into<String>) -> FormErrors {
        FormErrors {
            fields: Vec::new(),
            messages: vec![message.into()],
            answer: Answer::status(status),
        }
    }

    pub fn from_fields(fields: Vec<FieldError>) -> FormErrors {
        let messages = fields.iter().map(|f| f.message.clone()).collect();
        FormErrors {
            fields,
            messages,
            answer: Answer::status(StatusCode::UNPROCESSABLE_ENTITY),
        }
    }

    /// The inline message for a field, or `""`.
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.field == name)
            .map(|f| f.message.as_str())
            .unwrap_or("")
    }
}

/// The message of a failed action to show in an error flash; errors that need the error page
/// (sign-in required, internal) are passed on.
pub fn action_message(error: Error) -> Result<String> {
    match error {
        Error::Validation(fields) => Ok(fields
            .into_iter()
            .next()
            .map(|f| f.message)
            .unwrap_or_else(|| "The input is not valid".into())),
        Error::NotFound => Ok("That item was not found. It may have been removed already.".into()),
        Error::TooManyRequests { retry_after_secs } => Ok(crate::error::too_many(retry_after_secs)),
        e @ (Error::Forbidden(_)
        | Error::Conflict(_)
        | Error::BadRequest(_)
        | Error::InvalidLink(_)
        | Error::PaymentRequired { .. }
        | Error::InvalidCredentials
        | Error::OtpInvalid
        | Error::OtpRequired) => Ok(e.detail()),
        other => Err(other),
    }
}

/// Redirects back to `to` with an error flash for a failed action; an htmx request (a button
/// that swaps a fragment) stays where it is and gets the message as a toast instead.
pub fn action_failed(jar: CookieJar, error: Error, to: &str) -> Result<Response> {
    let status = error.status();
    let retry_after = match &error {
        Error::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
        _ => None,
    };
    let title = error.title();
    let message = action_message(error)?;
    if crate::http::meta::current().is_htmx {
        let mut response = super::htmx::toast(status, FlashKind::Error, title, &message);
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(response);
    }
    Ok(redirect_flash(jar, FlashKind::Error, message, to))
}

/// The answer to a page action (a POST that changes one thing): back to `to` with a success
/// flash saying what happened, or with the failure's message (errors that need the error page
/// are passed on).
pub fn after_action<T>(
    jar: CookieJar,
    to: &str,
    outcome: Result<T>,
    said: impl FnOnce(T) -> String,
) -> Result<Response> {
    match outcome {
        Ok(done) => Ok(redirect_flash(jar, FlashKind::Success, said(done), to)),
        Err(e) => action_failed(jar, e, to),
    }
}

/// An id from the path; a malformed one is simply not found.
pub fn parse_id(raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Error::NotFound)
}

/// Reads a `YYYY-MM-DD` date of a filter form as the start of that day (UTC); empty is `None`.
pub fn day_start(field: &str, raw: &str) -> Result<Option<DateTime<Utc>>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Some(t.and_utc()))
        .ok_or_else(|| Error::validation(field, "Use a date like 2026-12-31"))
}

/// A filter's "to" date includes that whole day: the start of the next one.
pub fn day_end(field: &str, raw: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(day_start(field, raw)?.map(|t| t + chrono::Duration::days(1)))
}

// ---- formatting -----------------------------------------------------------------------------

pub fn fmt_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn fmt_opt_time(t: Option<&DateTime<Utc>>, none: &str) -> String {
    t.map(fmt_time).unwrap_or_else(|| none.to_string())
}

/// `1 session`, `2 sessions` (see [`super::format::count`], which this writes with).
pub fn plural(n: u64, one: &str, many: &str) -> String {
    super::format::count(i64::try_from(n).unwrap_or(i64::MAX), one, many)
}

// ---- free-text limits -----------------------------------------------------------------------
// Every free-text field has a length limit, checked on the server (an inline error that keeps
// what was typed) and given to the browser as `maxlength` (the form macros add it by input
// kind: names and other text 100, email 254, unless a template passes its own).

/// Names: people, workspaces, API tokens, staff, API clients.
pub const NAME_MAX: usize = 100;
/// An email address (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;
/// A sentence saying why (credit corrections, refunds).
pub const REASON_MAX: usize = 500;
/// A short description (plans).
pub const DESCRIPTION_MAX: usize = 300;

/// Whether `value` (trimmed) fits in `max` characters; else the field's inline error.
pub fn within(field: &str, label: &str, value: &str, max: usize) -> Result<(), FieldError> {
    if value.trim().chars().count() > max {
        return Err(FieldError::new(
            field,
            format!(
                "{label} can be at most {} long",
                super::format::count(
                    i64::try_from(max).unwrap_or(i64::MAX),
                    "character",
                    "characters"
                )
            ),
        ));
    }
    Ok(())
}

/// "Firefox on Linux" from a user agent string; the raw string if nothing is recognised.
pub fn short_user_agent(ua: &str) -> String {
    let browser = if ua.contains("Edg/") {
        Some("Edge")
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        Some("Opera")
    } else if ua.contains("Firefox/") {
        Some("Firefox")
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        Some("Chrome")
    } else if ua.contains("Safari/") {
        Some("Safari")
    } else if ua.starts_with("curl/") {
        Some("curl")
    } else {
        None
    };
    let os = if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        Some("iOS")
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS")
    } else if ua.contains("CrOS") {
        Some("ChromeOS")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b.to_string(),
        (None, Some(o)) => format!("Browser on {o}"),
        (None, None) => {
            let s: String = ua.chars().take(60).collect();
            if s.is_empty() {
                "Unknown device".into()
            } else {
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_local() {
        assert_eq!(
            safe_next("/workspace/members?x=1", "/home"),
            "/workspace/members?x=1"
        );
        for bad in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "home",
        ] {
            assert_eq!(safe_next(bad, "/home"), "/home", "{bad}");
        }
    }

    #[test]
    fn user_agents() {
        assert_eq!(
            short_user_agent(
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
            ),
            "Firefox on Linux"
        );
        assert_eq!(short_user_agent(""), "Unknown device");
    }

    #[test]
    fn long_text_is_refused_with_the_limit() {
        assert!(within("name", "Name", &"a".repeat(100), NAME_MAX).is_ok());
        assert!(
            within(
                "name",
                "Name",
                &format!("  {}  ", "é".repeat(100)),
                NAME_MAX
            )
            .is_ok()
        );
        let e = within("name", "Name", &"a".repeat(101), NAME_MAX).unwrap_err();
        assert_eq!(e.field, "name");
        assert_eq!(e.message, "Name can be at most 100 characters long");
    }

    #[test]
    fn waits() {
        assert_eq!(
            crate::error::too_many(30),
            "Too many attempts. Wait 30 seconds and try again."
        );
        assert_eq!(
            crate::error::too_many(900),
            "Too many attempts. Wait 15 minutes and try again."
        );
    }
}
