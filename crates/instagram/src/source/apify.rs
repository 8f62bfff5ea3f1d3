//! Public profiles through Apify's Instagram scrapers, each a synchronous actor run
//! (`POST {apify}/v2/acts/{owner~name}/run-sync-get-dataset-items`, bearer token from the
//! system setting `APIFY_TOKEN`): the profile from `apify~instagram-profile-scraper`, posts
//! from `apify~instagram-scraper` (`resultsType: posts`).
//! <https://docs.apify.com/api/v2/act-run-sync-get-dataset-items-post>
//!
//! Runs are slow (up to 300 s, then 408 while the run goes on) and billed per result, so:
//! one run per page of posts and no cursor (a scraper cannot resume: a "next page" would pay
//! for every earlier post again); comments are the ones the posts run already returned with
//! each post (`latestComments`) — a separate comments run per post would cost a run start and
//! a result per comment, so other posts' comments are [`SourceError::Unsupported`]; private
//! insights do not exist in public data.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::{
    AccountInsightsDay, DataSource, FetchedComment, FetchedMedia, FetchedProfile, MediaInsights,
    MediaPage, MediaType, Source, SourceError, SourceResult, Target, http::describe,
};

pub const PROFILE_ACTOR: &str = "apify~instagram-profile-scraper";
pub const POSTS_ACTOR: &str = "apify~instagram-scraper";
/// A synchronous run answers within 300 s (else 408); the margin covers the transfer.
const RUN_TIMEOUT: Duration = Duration::from_secs(330);
/// How long to stay away when the Apify account is out of credit.
const QUOTA_PAUSE_SECS: u64 = 3600;

pub struct ApifySource {
    http: reqwest::Client,
    base: String,
    token: String,
    /// Comments that came with the posts of this source's runs, by media id.
    comments_seen: Mutex<HashMap<String, Vec<FetchedComment>>>,
}

#[derive(Deserialize)]
struct ApifyError {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct ApifyErrorEnvelope {
    error: ApifyError,
}

/// What a refused run means.
pub fn classify(status: u16, body: &[u8], retry_after: Option<u64>) -> SourceError {
    let error = serde_json::from_slice::<ApifyErrorEnvelope>(body)
        .ok()
        .map(|e| e.error);
    let kind = error
        .as_ref()
        .and_then(|e| e.kind.clone())
        .unwrap_or_default();
    let message = error
        .and_then(|e| e.message)
        .unwrap_or_else(|| format!("HTTP {status}"));
    let quota = kind.contains("usage") || kind.contains("limit-exceeded") || kind.contains("quota");
    match status {
        408 => SourceError::Unavailable(
            "the Apify run took longer than 300 s; the refresh is tried again later".into(),
        ),
        // Shown on customer pages as the refresh error: it says who can act, not which key.
        401 | 403 => SourceError::NotConfigured(format!(
            "The public data source refused its access token ({message}); an administrator can renew it in the back office's system settings."
        )),
        402 => SourceError::Throttled {
            retry_after_secs: QUOTA_PAUSE_SECS,
            message: format!("the Apify account is out of credit: {message}"),
        },
        429 => SourceError::Throttled {
            retry_after_secs: retry_after.unwrap_or(60),
            message: format!("Apify rate limit: {message}"),
        },
        _ if quota => SourceError::Throttled {
            retry_after_secs: QUOTA_PAUSE_SECS,
            message: format!("the Apify account reached a usage limit: {message}"),
        },
        _ if status >= 500 || kind.starts_with("run-") => {
            SourceError::Unavailable(format!("the Apify run failed: {message}"))
        }
        _ => SourceError::BadRequest(format!("Apify refused the run: {message}")),
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn id(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A count; scrapers write -1 for a count the owner hid.
fn count(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64).filter(|n| *n >= 0)
}

fn time(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// An item saying the input gave nothing (`{"error": "not_found", ...}`), not a result.
fn is_error_item(v: &Value) -> bool {
    v.get("error").is_some_and(|e| !e.is_null())
}

pub fn profile_of(item: &Value) -> Option<FetchedProfile> {
    Some(FetchedProfile {
        ig_user_id: id(item, "id"),
        username: text(item, "username")?.to_lowercase(),
        full_name: text(item, "fullName"),
        biography: text(item, "biography"),
        website: text(item, "externalUrl"),
        picture_url: text(item, "profilePicUrlHD").or_else(|| text(item, "profilePicUrl")),
        followers_count: count(item, "followersCount"),
        follows_count: count(item, "followsCount"),
        media_count: count(item, "postsCount"),
        is_verified: item.get("verified").and_then(Value::as_bool),
        is_business: item.get("isBusinessAccount").and_then(Value::as_bool),
    })
}

fn product_type(item: &Value) -> Option<String> {
    match item.get("productType").and_then(Value::as_str)? {
        "clips" => Some("REELS".into()),
        "feed" | "carousel_container" | "igtv" => Some("FEED".into()),
        "story" => Some("STORY".into()),
        _ => None,
    }
}

pub fn media_of(item: &Value) -> Option<FetchedMedia> {
    let media_type = match item.get("type").and_then(Value::as_str)? {
        "Image" => MediaType::Image,
        "Video" => MediaType::Video,
        "Sidecar" => MediaType::CarouselAlbum,
        _ => return None,
    };
    let shortcode = text(item, "shortCode");
    let display = text(item, "displayUrl");
    let (media_url, thumbnail_url) = match media_type {
        MediaType::Video => (text(item, "videoUrl").or(display.clone()), display),
        _ => (display, None),
    };
    Some(FetchedMedia {
        ig_media_id: id(item, "id").or_else(|| shortcode.clone())?,
        permalink: text(item, "url").or_else(|| {
            shortcode
                .as_ref()
                .map(|c| format!("https://www.instagram.com/p/{c}/"))
        }),
        shortcode,
        caption: text(item, "caption"),
        media_type,
        product_type: product_type(item),
        posted_at: time(item, "timestamp")?,
        like_count: count(item, "likesCount"),
        comments_count: count(item, "commentsCount"),
        view_count: count(item, "videoViewCount").or_else(|| count(item, "videoPlayCount")),
        media_url,
        thumbnail_url,
    })
}

pub fn comments_of(item: &Value) -> Vec<FetchedComment> {
    item.get("latestComments")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|c| {
                    Some(FetchedComment {
                        ig_comment_id: id(c, "id")?,
                        username: text(c, "ownerUsername"),
                        text: text(c, "text")?,
                        like_count: count(c, "likesCount"),
                        posted_at: time(c, "timestamp"),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

impl ApifySource {
    pub fn new(http: reqwest::Client, base: &str, token: &str) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            token: token.trim().to_string(),
            comments_seen: Mutex::new(HashMap::new()),
        }
    }

    /// One synchronous actor run; its dataset items.
    async fn run(&self, actor: &str, input: Value) -> SourceResult<Vec<Value>> {
        let response = self
            .http
            .post(format!(
                "{}/v2/acts/{actor}/run-sync-get-dataset-items",
                self.base
            ))
            .bearer_auth(&self.token)
            .timeout(RUN_TIMEOUT)
            .json(&input)
            .send()
            .await
            .map_err(|e| SourceError::Unavailable(describe(e)))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let body = response
            .bytes()
            .await
            .map_err(|e| SourceError::Unavailable(describe(e)))?;
        if !status.is_success() {
            return Err(classify(status.as_u16(), &body, retry_after));
        }
        serde_json::from_slice::<Vec<Value>>(&body)
            .map_err(|e| SourceError::Unavailable(format!("unexpected answer from Apify: {e}")))
    }

    fn remember_comments(&self, media_id: &str, comments: Vec<FetchedComment>) {
        let mut seen = match self.comments_seen.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        seen.insert(media_id.to_string(), comments);
    }
}

#[async_trait::async_trait]
impl DataSource for ApifySource {
    fn source(&self) -> Source {
        Source::Apify
    }

    async fn profile(&self, target: &Target) -> SourceResult<FetchedProfile> {
        let items = self
            .run(
                PROFILE_ACTOR,
                serde_json::json!({ "usernames": [target.username] }),
            )
            .await?;
        let wanted = target.username.to_lowercase();
        let profiles: Vec<FetchedProfile> = items
            .iter()
            .filter(|i| !is_error_item(i))
            .filter_map(profile_of)
            .collect();
        let found = profiles
            .iter()
            .find(|p| p.username == wanted)
            .or(profiles.first())
            .cloned();
        found.ok_or_else(|| {
            let why = items
                .iter()
                .find_map(|i| text(i, "errorDescription").or_else(|| text(i, "error")));
            SourceError::NotFound(match why {
                Some(why) => format!("@{}: {why}", target.username),
                None => format!("@{} gave no public profile", target.username),
            })
        })
    }

    async fn media(
        &self,
        target: &Target,
        after: Option<&str>,
        limit: usize,
    ) -> SourceResult<MediaPage> {
        // No cursors (see the module docs): everything this source gives came on page one.
        if after.is_some() {
            return Ok(MediaPage::default());
        }
        let items = self
            .run(
                POSTS_ACTOR,
                serde_json::json!({
                    "directUrls": [format!("https://www.instagram.com/{}/", target.username)],
                    "resultsType": "posts",
                    "resultsLimit": limit.max(1),
                }),
            )
            .await?;
        let mut media = Vec::new();
        for item in items.iter().filter(|i| !is_error_item(i)) {
            if let Some(m) = media_of(item) {
                self.remember_comments(&m.ig_media_id, comments_of(item));
                media.push(m);
            }
        }
        // Pinned posts come first in the scraper's output: newest first, as the trait says.
        media.sort_by_key(|m| std::cmp::Reverse(m.posted_at));
        Ok(MediaPage {
            items: media,
            next: None,
        })
    }

    async fn comments(&self, _: &Target, media_id: &str) -> SourceResult<Vec<FetchedComment>> {
        let seen = match self.comments_seen.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        seen.get(media_id).cloned().ok_or(SourceError::Unsupported)
    }

    async fn media_insights(&self, _: &Target, _: &FetchedMedia) -> SourceResult<MediaInsights> {
        Err(SourceError::Unsupported)
    }

    async fn account_insights(&self, _: &Target, _: u32) -> SourceResult<Vec<AccountInsightsDay>> {
        Err(SourceError::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_what_to_do() {
        assert!(classify(408, b"", None).is_temporary());
        let bad_token = br#"{"error":{"type":"token-not-valid","message":"Authentication token is not valid."}}"#;
        let e = classify(401, bad_token, None);
        assert!(
            matches!(&e, SourceError::NotConfigured(m) if m.contains("administrator") && !m.contains("APIFY"))
        );
        assert!(matches!(
            classify(403, b"{}", None),
            SourceError::NotConfigured(_)
        ));
        assert!(matches!(
            classify(402, b"{}", None),
            SourceError::Throttled { .. }
        ));
        let quota = br#"{"error":{"type":"platform-feature-disabled-monthly-usage-limit-exceeded","message":"Monthly usage hard limit exceeded"}}"#;
        assert!(matches!(
            classify(400, quota, None),
            SourceError::Throttled { .. }
        ));
        assert!(matches!(
            classify(429, b"{}", Some(7)),
            SourceError::Throttled {
                retry_after_secs: 7,
                ..
            }
        ));
        assert!(classify(502, b"", None).is_temporary());
        let failed = br#"{"error":{"type":"run-failed","message":"Actor run did not succeed (run ID: x, status: FAILED)"}}"#;
        assert!(classify(400, failed, None).is_temporary());
        let invalid = br#"{"error":{"type":"invalid-input","message":"Input is not valid: Field input.usernames is required"}}"#;
        assert!(matches!(
            classify(400, invalid, None),
            SourceError::BadRequest(_)
        ));
    }
}
