//! Instagram Login's token endpoints: the authorization code for a short-lived token
//! (`POST {oauth}/oauth/access_token`), that for a 60-day token
//! (`GET {graph}/access_token?grant_type=ig_exchange_token`), and a 60-day token for a new one
//! (`GET {graph}/refresh_access_token?grant_type=ig_refresh_token`).
//! <https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login>
//!
//! The code exchange is not RFC 6749 shaped (its answer is a `data` array with `user_id` and a
//! comma-joined `permissions`, or the same fields flat; errors come as `error_type` /
//! `error_message`), and the other two steps are plain GETs, so these are three small calls
//! rather than a generic OAuth client. Tokens never appear in a message or a log line.

use serde::Deserialize;
use serde_json::Value;

use super::{ErrorEnvelope, classify, usage::Pacing, wire::id_text};
use crate::source::{SourceError, SourceResult, http::describe};

/// What the code exchange gives: a token valid for an hour.
pub struct ShortLivedToken {
    pub access_token: String,
    /// The Instagram-scoped id of the account that logged in.
    pub user_id: Option<String>,
    /// The permissions the person granted (may be fewer than asked for).
    pub permissions: Vec<String>,
}

impl std::fmt::Debug for ShortLivedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShortLivedToken")
            .field("user_id", &self.user_id)
            .field("permissions", &self.permissions)
            .finish_non_exhaustive()
    }
}

/// A 60-day token and its lifetime in seconds.
pub struct LongLivedToken {
    pub access_token: String,
    pub expires_in: Option<i64>,
}

impl std::fmt::Debug for LongLivedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LongLivedToken")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// The Meta app Instagram Login runs under.
pub struct MetaApp {
    pub id: String,
    pub secret: String,
}

#[derive(Deserialize)]
struct WireShort {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    user_id: Option<Value>,
    #[serde(default)]
    permissions: Option<Value>,
}

#[derive(Deserialize)]
struct WireShortEnvelope {
    #[serde(default)]
    data: Vec<WireShort>,
}

#[derive(Deserialize)]
struct WireLong {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
}

/// The OAuth endpoint's own error shape.
#[derive(Deserialize)]
struct FlatError {
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    error_message: Option<String>,
}

fn permissions(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// What a failed token call means.
fn refused(status: u16, body: &[u8]) -> SourceError {
    if let Ok(e) = serde_json::from_slice::<ErrorEnvelope>(body) {
        return classify(status, Some(&e.error), None, &Pacing::default());
    }
    if let Ok(e) = serde_json::from_slice::<FlatError>(body)
        && (e.error_type.is_some() || e.error_message.is_some())
    {
        let message = e
            .error_message
            .or(e.error_type)
            .unwrap_or_else(|| format!("HTTP {status}"));
        return if status >= 500 {
            SourceError::Unavailable(message)
        } else {
            SourceError::BadRequest(message)
        };
    }
    classify(status, None, None, &Pacing::default())
}

async fn answer(response: reqwest::Response) -> SourceResult<Vec<u8>> {
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| SourceError::Unavailable(describe(e)))?;
    if status.is_success() {
        Ok(body.to_vec())
    } else {
        Err(refused(status.as_u16(), &body))
    }
}

fn unreadable(e: serde_json::Error) -> SourceError {
    SourceError::Unavailable(format!("unexpected answer from Instagram: {e}"))
}

/// The authorization code (valid for an hour, once) for a short-lived token.
pub async fn exchange_code(
    http: &reqwest::Client,
    oauth_base: &str,
    app: &MetaApp,
    redirect_uri: &str,
    code: &str,
) -> SourceResult<ShortLivedToken> {
    let response = http
        .post(format!(
            "{}/oauth/access_token",
            oauth_base.trim_end_matches('/')
        ))
        .form(&[
            ("client_id", app.id.as_str()),
            ("client_secret", app.secret.as_str()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", redirect_uri),
            ("code", code),
        ])
        .send()
        .await
        .map_err(|e| SourceError::Unavailable(describe(e)))?;
    let body = answer(response).await?;
    let value: Value = serde_json::from_slice(&body).map_err(unreadable)?;
    let wire = if value.get("data").is_some() {
        serde_json::from_value::<WireShortEnvelope>(value)
            .map_err(unreadable)?
            .data
            .into_iter()
            .next()
    } else {
        Some(serde_json::from_value::<WireShort>(value).map_err(unreadable)?)
    };
    let Some(wire) = wire else {
        return Err(SourceError::Unavailable(
            "Instagram answered the code exchange without a token".into(),
        ));
    };
    let Some(access_token) = wire.access_token.filter(|t| !t.is_empty()) else {
        return Err(SourceError::Unavailable(
            "Instagram answered the code exchange without a token".into(),
        ));
    };
    Ok(ShortLivedToken {
        access_token,
        user_id: wire.user_id.as_ref().and_then(id_text),
        permissions: permissions(wire.permissions.as_ref()),
    })
}

async fn long_lived_get(
    http: &reqwest::Client,
    url: String,
    query: &[(&str, &str)],
) -> SourceResult<LongLivedToken> {
    let response = http
        .get(url)
        .query(query)
        .send()
        .await
        .map_err(|e| SourceError::Unavailable(describe(e)))?;
    let body = answer(response).await?;
    let wire: WireLong = serde_json::from_slice(&body).map_err(unreadable)?;
    Ok(LongLivedToken {
        access_token: wire.access_token,
        expires_in: wire.expires_in,
    })
}

/// A short-lived token for a 60-day one.
pub async fn long_lived(
    http: &reqwest::Client,
    graph_base: &str,
    app_secret: &str,
    short_lived: &str,
) -> SourceResult<LongLivedToken> {
    long_lived_get(
        http,
        format!("{}/access_token", graph_base.trim_end_matches('/')),
        &[
            ("grant_type", "ig_exchange_token"),
            ("client_secret", app_secret),
            ("access_token", short_lived),
        ],
    )
    .await
}

/// A 60-day token (at least 24 hours old, not expired) for a new 60-day one.
pub async fn refresh(
    http: &reqwest::Client,
    graph_base: &str,
    token: &str,
) -> SourceResult<LongLivedToken> {
    long_lived_get(
        http,
        format!("{}/refresh_access_token", graph_base.trim_end_matches('/')),
        &[("grant_type", "ig_refresh_token"), ("access_token", token)],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_come_as_a_list_or_joined() {
        assert_eq!(
            permissions(Some(&serde_json::json!(
                "instagram_business_basic,instagram_business_manage_insights"
            ))),
            [
                "instagram_business_basic",
                "instagram_business_manage_insights"
            ]
        );
        assert_eq!(
            permissions(Some(&serde_json::json!(["instagram_business_basic"]))),
            ["instagram_business_basic"]
        );
        assert!(permissions(None).is_empty());
    }

    #[test]
    fn oauth_errors_in_either_shape() {
        let flat = br#"{"error_type": "OAuthException", "code": 400, "error_message": "Invalid authorization code"}"#;
        assert_eq!(
            refused(400, flat),
            SourceError::BadRequest("Invalid authorization code".into())
        );
        let graph = br#"{"error": {"message": "Error validating access token: Session has expired", "type": "OAuthException", "code": 190, "error_subcode": 463, "fbtrace_id": "AbC"}}"#;
        assert!(matches!(refused(400, graph), SourceError::Reconnect(_)));
        assert!(refused(502, b"<html>bad gateway</html>").is_temporary());
    }
}
