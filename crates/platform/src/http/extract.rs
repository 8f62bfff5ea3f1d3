//! The extractors every handler uses instead of axum's (`Json`, `Form`, `Query`, `Path`): their
//! rejections are our [`Error`]s, so an API caller gets an RFC 9457 problem document and a page
//! visitor the error page or htmx toast — never axum's `text/plain` "Failed to deserialize…".
//!
//! - `Json`: malformed JSON is a 400 `bad-request`, a wrong type or missing field a 422
//!   `validation` naming the field, an oversize body a 413.
//! - `Query`: a parameter of the wrong type or out of its range is a 422 naming the parameter.
//!   Numeric parameters are [`Bounded`], so the range is checked while parsing and the same
//!   bounds are written into the OpenAPI document (`minimum`/`maximum`).
//! - `Path`: a segment that cannot be what the route expects is a 404 (no such resource),
//!   like a well-formed id of nothing.
//! - `Form`: an unreadable form is a 400.

use std::borrow::Cow;

use axum::{
    extract::{
        FromRequest, FromRequestParts, Request,
        rejection::{FormRejection, JsonRejection, PathRejection},
    },
    http::{StatusCode, request::Parts},
};
use serde::{Deserialize, Deserializer, Serialize, de::DeserializeOwned};

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
    Error::unreadable_body(
        rejection.status(),
        &format!("The form could not be read: {}", rejection.body_text()),
    )
}

/// The query string, deserialized; a bad parameter is a 422 that names it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

/// Parses a query string (or a form body) into `T`; the error names the parameter.
pub fn parse_query<T: DeserializeOwned>(raw: &str) -> Result<T, Error> {
    let deserializer =
        serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(raw.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = match e.path().to_string() {
            path if path.is_empty() || path == "." => "query".to_string(),
            path => path,
        };
        Error::Validation(vec![FieldError::new(
            field,
            readable_query_error(&e.inner().to_string()),
        )])
    })
}

/// serde_urlencoded's messages in words a caller can act on.
fn readable_query_error(text: &str) -> String {
    if text.contains("invalid digit")
        || text.contains("empty string")
        || text.contains("too large")
        || text.contains("too small")
    {
        return "must be a whole number".into();
    }
    if text.contains("provided string was not `true` or `false`") {
        return "must be true or false".into();
    }
    if let Some(rest) = text.strip_prefix("missing field ") {
        return format!("{rest} is required");
    }
    text.to_string()
}

/// Path parameters. A segment that does not parse into what the route expects names no
/// resource: 404, like a well-formed id of nothing (ids are never told apart by a 400).
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(Error::NotFound),
            // A route whose pattern does not match its handler's parameters: our bug.
            Err(other) => Err(Error::internal(other.body_text())),
        }
    }
}

/// A whole number in `MIN..=MAX`, for query parameters (and JSON fields): out of range or not a
/// number is refused while parsing (422 naming the parameter), and the OpenAPI schema carries
/// the same bounds. Name the ranges with type aliases ([`PageNumber`], [`PageSize`]) and mark
/// the field `#[param(inline, nullable = false)]` in an `IntoParams` struct so the bounds are written inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bounded<const MIN: u64, const MAX: u64>(u64);

/// A 1-based page number. The bound keeps `(page - 1) * size` far inside the database's
/// signed 64-bit offsets (a page past the last one is simply empty).
pub type PageNumber = Bounded<1, 1_000_000>;

/// How many items a page holds, when the caller chooses (1–200).
pub type PageSize = Bounded<1, 200>;

impl<const MIN: u64, const MAX: u64> Bounded<MIN, MAX> {
    /// The bounds, for code that clamps an internal value to the same range.
    pub const MIN_VALUE: u64 = MIN;
    pub const MAX_VALUE: u64 = MAX;

    /// `None` outside the range.
    pub fn new(value: u64) -> Option<Self> {
        (MIN..=MAX).contains(&value).then_some(Self(value))
    }

    pub const fn get(self) -> u64 {
        self.0
    }

    /// For values that arrive another way (a field of a service's filter): out of range is the
    /// same 422 naming `field`.
    pub fn check(field: &str, value: u64) -> Result<Self, Error> {
        Self::new(value).ok_or_else(|| Error::validation(field, Self::expectation()))
    }

    /// The value, or `default` when the parameter was left out.
    pub fn or(value: Option<Self>, default: u64) -> u64 {
        value.map_or(default, Self::get)
    }

    fn expectation() -> String {
        format!("must be a whole number from {MIN} to {MAX}")
    }
}

impl<'de, const MIN: u64, const MAX: u64> Deserialize<'de> for Bounded<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = u64::deserialize(deserializer)
            .map_err(|_| serde::de::Error::custom(Self::expectation()))?;
        Self::new(value).ok_or_else(|| serde::de::Error::custom(Self::expectation()))
    }
}

impl<const MIN: u64, const MAX: u64> Serialize for Bounded<MIN, MAX> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<const MIN: u64, const MAX: u64> utoipa::PartialSchema for Bounded<MIN, MAX> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(MIN as f64))
            .maximum(Some(MAX as f64))
            .into()
    }
}

impl<const MIN: u64, const MAX: u64> utoipa::ToSchema for Bounded<MIN, MAX> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("Integer{MIN}To{MAX}"))
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((
            <Self as utoipa::ToSchema>::name().into_owned(),
            <Self as utoipa::PartialSchema>::schema(),
        ));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::field_from_serde_message;
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Listing {
        page: Option<PageNumber>,
        limit: Option<PageSize>,
        unread: Option<bool>,
    }

    fn refused(raw: &str) -> (String, String) {
        match parse_query::<Listing>(raw) {
            Err(Error::Validation(errors)) => (errors[0].field.clone(), errors[0].message.clone()),
            other => panic!("{raw}: expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn numeric_parameters_are_range_checked_while_parsing() {
        let ok = parse_query::<Listing>("page=3&limit=200").unwrap();
        assert_eq!(ok.page.map(Bounded::get), Some(3));
        assert_eq!(ok.limit.map(Bounded::get), Some(200));
        assert_eq!(
            refused("page=18446744073709551615"),
            (
                "page".into(),
                "must be a whole number from 1 to 1000000".into()
            )
        );
        assert_eq!(refused("page=99999999999999999999999").0, "page");
        assert_eq!(refused("page=0").0, "page");
        assert_eq!(refused("page=-1").0, "page");
        assert_eq!(refused("limit=201").0, "limit");
        assert_eq!(refused("limit=abc").0, "limit");
        assert_eq!(
            refused("unread=maybe"),
            ("unread".into(), "must be true or false".into())
        );
        let none = parse_query::<Listing>("").unwrap();
        assert!(none.page.is_none() && none.limit.is_none() && none.unread.is_none());
    }

    #[test]
    fn bounded_schema_carries_the_range() {
        let schema = serde_json::to_value(<PageSize as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["minimum"], 1.0);
        assert_eq!(schema["maximum"], 200.0);
    }

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
