//! The Instagram Graph API with Instagram Login (host `graph.instagram.com`): the data of a
//! connected professional account, read with that account's own token (given per call in
//! [`Target::access_token`]) — profile, media with cursor paging, media and account insights,
//! and comments where the token's permissions allow.
//!
//! Every answer's usage headers feed [`usage`], so calls slow down before Meta's limits and
//! stop while an account is throttled. Graph errors are mapped to what to do about them:
//! 190 (token invalid or expired) → [`SourceError::Reconnect`]; 4, 17, 32, 613 and 80002
//! (throttling) → [`SourceError::Throttled`]; 100 (bad parameter) → [`SourceError::BadRequest`];
//! 10 and 200–299 (a permission the token lacks) → `Reconnect` for what a connection must be
//! able to read (profile, media) and [`SourceError::Unsupported`] for the optional reads
//! (insights, comments); 5xx, transient errors and the network → [`SourceError::Unavailable`].
//! <https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login>

pub mod login;
pub mod usage;
mod wire;

use std::time::Instant;

use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{
    AccountInsightsDay, DataSource, FetchedComment, FetchedMedia, FetchedProfile, MediaInsights,
    MediaPage, Source, SourceError, SourceResult, Target,
};
use usage::{Decision, Pacing, Reading};
pub use wire::parse_time;
use wire::{
    WireComment, WireInsights, WireMedia, WireMetric, WirePage, WireProfile, day_ending, hours,
    id_text, media_of, metrics_for, midnight, set_media_metric,
};

/// The Graph API version every call names (unversioned calls get the oldest one available,
/// which lacks the `views` metric).
pub const VERSION: &str = "v23.0";

const PROFILE_FIELDS: &str = "id,user_id,username,name,biography,followers_count,follows_count,media_count,profile_picture_url,website";
const MEDIA_FIELDS: &str = "id,caption,media_type,media_product_type,permalink,shortcode,timestamp,like_count,comments_count,media_url,thumbnail_url";
const COMMENT_FIELDS: &str = "id,text,timestamp,username,like_count";
/// Graph pages hold at most this many media.
const MAX_PAGE: usize = 100;
/// Comments read per post (the first page, newest first).
const COMMENTS_PER_POST: usize = 50;

pub struct GraphSource {
    http: reqwest::Client,
    base: String,
    pacing: Pacing,
}

/// A Graph error as the API reports it (`{"error": {...}}`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GraphError {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub error_subcode: Option<i64>,
    #[serde(default)]
    pub is_transient: Option<bool>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: GraphError,
}

/// A failed call: the Graph error code (when there was one) and what it means for us.
#[derive(Debug)]
struct Failure {
    code: Option<i64>,
    error: SourceError,
}

impl From<Failure> for SourceError {
    fn from(f: Failure) -> Self {
        f.error
    }
}

impl Failure {
    fn is_permission(&self) -> bool {
        self.code.is_some_and(is_permission_code)
    }

    fn is_bad_parameter(&self) -> bool {
        self.code == Some(100)
    }
}

fn is_permission_code(code: i64) -> bool {
    code == 10 || (200..=299).contains(&code)
}

fn is_throttle_code(code: i64) -> bool {
    // 80002: the Instagram business-use-case limit of one account.
    matches!(code, 4 | 17 | 32 | 613 | 80002)
}

/// What a failed answer means. `regain_secs` is Meta's own estimate from the usage headers.
pub fn classify(
    status: u16,
    error: Option<&GraphError>,
    regain_secs: Option<u64>,
    pacing: &Pacing,
) -> SourceError {
    let message = error
        .and_then(|e| e.message.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    let throttled = |message: String| SourceError::Throttled {
        retry_after_secs: regain_secs.unwrap_or(pacing.default_pause.as_secs()),
        message,
    };
    match error.and_then(|e| e.code) {
        Some(190 | 102) => SourceError::Reconnect(message),
        Some(code) if is_throttle_code(code) => throttled(message),
        Some(100) => SourceError::BadRequest(message),
        Some(code) if is_permission_code(code) => SourceError::Reconnect(format!(
            "a permission this connection needs was not granted or was withdrawn ({message})"
        )),
        Some(1 | 2) => SourceError::Unavailable(message),
        _ if error.and_then(|e| e.is_transient) == Some(true) => SourceError::Unavailable(message),
        _ if status == 429 => throttled(message),
        _ if status >= 500 => SourceError::Unavailable(message),
        _ => SourceError::BadRequest(message),
    }
}

impl GraphSource {
    pub fn new(http: reqwest::Client, base: &str) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            pacing: Pacing::default(),
        }
    }

    /// Other pacing thresholds (tests).
    pub fn with_pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    fn account_key(&self, id: &str) -> String {
        format!("{}|account:{id}", self.base)
    }

    /// The budgets a call counts against: the app's, and its account's — by Instagram id once
    /// known, else by a digest of the token (never the token itself).
    fn keys(&self, target: &Target, token: &str) -> (String, [String; 2]) {
        let account = match target.ig_user_id.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => self.account_key(id),
            None => {
                let digest = hex::encode(Sha256::digest(token.as_bytes()));
                self.account_key(&format!("token:{}", &digest[..16]))
            }
        };
        let app = format!("{}|app", self.base);
        (account.clone(), [account, app])
    }

    fn remember(&self, account_key: &str, app_key: &str, reported: &usage::Reported) {
        if let Some(app) = reported.app {
            usage::record(app_key, app);
        }
        for (id, reading) in &reported.accounts {
            usage::record(&self.account_key(id), *reading);
        }
        if let Some(worst) = reported.worst_account() {
            usage::record(account_key, worst);
        }
    }

    /// One GET of `path` (under the API version) with the target's token.
    async fn call(
        &self,
        target: &Target,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Value, Failure> {
        let fail = |error| Failure { code: None, error };
        let token = target
            .access_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                fail(SourceError::Reconnect(
                    "this account has no Instagram token".into(),
                ))
            })?;
        let (account_key, keys) = self.keys(target, token);
        match usage::decide(&keys, &self.pacing) {
            Decision::Go => {}
            Decision::Wait(pause) => {
                tracing::debug!(
                    pause_ms = pause.as_millis() as u64,
                    "Instagram API usage past its slow-down mark"
                );
                tokio::time::sleep(pause).await;
            }
            Decision::Stop { retry_after_secs } => {
                return Err(fail(SourceError::Throttled {
                    retry_after_secs,
                    message: "Instagram API usage is at its limit; no calls until the window frees"
                        .into(),
                }));
            }
        }
        let response = self
            .http
            .get(format!("{}/{VERSION}/{path}", self.base))
            .query(query)
            .query(&[("access_token", token)])
            .send()
            .await
            .map_err(|e| fail(SourceError::Unavailable(super::http::describe(e))))?;
        let status = response.status();
        let reported = usage::parse(response.headers(), Instant::now());
        self.remember(&account_key, &keys[1], &reported);
        let body = response
            .bytes()
            .await
            .map_err(|e| fail(SourceError::Unavailable(super::http::describe(e))))?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| {
                fail(SourceError::Unavailable(format!(
                    "unreadable Instagram answer: {e}"
                )))
            });
        }
        let error = serde_json::from_slice::<ErrorEnvelope>(&body)
            .ok()
            .map(|e| e.error);
        let regain = reported
            .worst_account()
            .and_then(|r| r.regain_secs)
            .or(reported.app.and_then(|r| r.regain_secs));
        let mapped = classify(status.as_u16(), error.as_ref(), regain, &self.pacing);
        if let SourceError::Throttled {
            retry_after_secs, ..
        } = &mapped
        {
            // Throttled: later calls of this process wait too, without asking.
            usage::record(
                &account_key,
                Reading {
                    percent: 100.0,
                    regain_secs: Some(*retry_after_secs),
                    seen_at: Instant::now(),
                },
            );
        }
        tracing::debug!(
            status = status.as_u16(),
            code = error.as_ref().and_then(|e| e.code),
            subcode = error.as_ref().and_then(|e| e.error_subcode),
            kind = error.as_ref().and_then(|e| e.kind.clone()),
            "Instagram API refused a call"
        );
        Err(Failure {
            code: error.and_then(|e| e.code),
            error: mapped,
        })
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        target: &Target,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, Failure> {
        let value = self.call(target, path, query).await?;
        serde_json::from_value(value).map_err(|e| Failure {
            code: None,
            error: SourceError::Unavailable(format!("unexpected Instagram answer: {e}")),
        })
    }

    /// The account's node: its Instagram id once known, else the token's own (`me`).
    fn node(target: &Target) -> String {
        target
            .ig_user_id
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "me".into())
    }

    async fn insights(
        &self,
        target: &Target,
        node: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<WireMetric>, Failure> {
        self.get::<WireInsights>(target, &format!("{node}/insights"), query)
            .await
            .map(|i| i.data)
    }

    /// Time-series day metrics (`reach`, `follower_count`) into `days`.
    async fn daily_series(
        &self,
        target: &Target,
        node: &str,
        metrics: &[&str],
        range: (NaiveDate, NaiveDate),
        days: &mut std::collections::BTreeMap<NaiveDate, AccountInsightsDay>,
    ) -> Result<(), Failure> {
        let query = [
            ("metric", metrics.join(",")),
            ("period", "day".to_string()),
            ("since", midnight(range.0).to_string()),
            ("until", midnight(range.1).to_string()),
        ];
        for metric in self.insights(target, node, &query).await? {
            for v in &metric.values {
                let Some(day) = day_ending(v.end_time.as_deref()) else {
                    continue;
                };
                let entry = days.entry(day).or_insert_with(|| AccountInsightsDay {
                    day: Some(day),
                    ..Default::default()
                });
                match metric.name.as_str() {
                    "reach" => entry.reach = v.value.as_i64(),
                    "follower_count" => entry.follower_count = v.value.as_i64(),
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl DataSource for GraphSource {
    fn source(&self) -> Source {
        Source::Graph
    }

    async fn profile(&self, target: &Target) -> SourceResult<FetchedProfile> {
        // Always the token's own account (`me`): a stored id may predate a reconnection.
        let w: WireProfile = self
            .get(target, "me", &[("fields", PROFILE_FIELDS.to_string())])
            .await?;
        Ok(FetchedProfile {
            ig_user_id: w
                .user_id
                .as_ref()
                .and_then(id_text)
                .or_else(|| w.id.as_ref().and_then(id_text)),
            username: w.username,
            full_name: w.name.filter(|s| !s.is_empty()),
            biography: w.biography.filter(|s| !s.is_empty()),
            website: w.website.filter(|s| !s.is_empty()),
            picture_url: w.profile_picture_url,
            followers_count: w.followers_count,
            follows_count: w.follows_count,
            media_count: w.media_count,
            is_verified: None,
            // Only professional accounts can use Instagram Login.
            is_business: Some(true),
        })
    }

    async fn media(
        &self,
        target: &Target,
        after: Option<&str>,
        limit: usize,
    ) -> SourceResult<MediaPage> {
        let mut query = vec![
            ("fields", MEDIA_FIELDS.to_string()),
            ("limit", limit.clamp(1, MAX_PAGE).to_string()),
        ];
        if let Some(cursor) = after {
            query.push(("after", cursor.to_string()));
        }
        let page: WirePage<WireMedia> = self
            .get(target, &format!("{}/media", Self::node(target)), &query)
            .await?;
        let next = page
            .paging
            .filter(|p| p.next.is_some())
            .and_then(|p| p.cursors)
            .and_then(|c| c.after);
        let items = page.data.into_iter().filter_map(media_of).collect();
        Ok(MediaPage { items, next })
    }

    async fn comments(&self, target: &Target, media_id: &str) -> SourceResult<Vec<FetchedComment>> {
        let query = [
            ("fields", COMMENT_FIELDS.to_string()),
            ("limit", COMMENTS_PER_POST.to_string()),
        ];
        let page: WirePage<WireComment> = match self
            .get(target, &format!("{media_id}/comments"), &query)
            .await
        {
            Ok(p) => p,
            // Comments need a permission the basic connection does not ask for.
            Err(f) if f.is_permission() => return Err(SourceError::Unsupported),
            Err(f) => return Err(f.into()),
        };
        Ok(page
            .data
            .into_iter()
            .filter_map(|c| {
                Some(FetchedComment {
                    ig_comment_id: id_text(&c.id)?,
                    username: c.username,
                    text: c.text.unwrap_or_default(),
                    like_count: c.like_count,
                    posted_at: c.timestamp.as_deref().and_then(parse_time),
                })
            })
            .collect())
    }

    async fn media_insights(
        &self,
        target: &Target,
        media: &FetchedMedia,
    ) -> SourceResult<MediaInsights> {
        let path = format!("{}/insights", media.ig_media_id);
        let mut out = MediaInsights {
            ig_media_id: media.ig_media_id.clone(),
            ..Default::default()
        };
        let wanted = metrics_for(media);
        match self
            .get::<WireInsights>(target, &path, &[("metric", wanted.join(","))])
            .await
        {
            Ok(i) => {
                for m in &i.data {
                    set_media_metric(&mut out, &m.name, m.number());
                }
                return Ok(out);
            }
            Err(f) if f.is_permission() => return Err(SourceError::Unsupported),
            Err(f) if !f.is_bad_parameter() => return Err(f.into()),
            Err(_) => {}
        }
        // One metric was refused for this post (its type, its age, a post from before the
        // account turned professional): ask for each alone and keep what is given.
        for metric in wanted {
            match self
                .get::<WireInsights>(target, &path, &[("metric", metric.to_string())])
                .await
            {
                Ok(i) => {
                    for m in &i.data {
                        set_media_metric(&mut out, &m.name, m.number());
                    }
                }
                Err(f) if f.is_bad_parameter() => {}
                Err(f) if f.is_permission() => return Err(SourceError::Unsupported),
                Err(f) => return Err(f.into()),
            }
        }
        Ok(out)
    }

    async fn account_insights(
        &self,
        target: &Target,
        days: u32,
    ) -> SourceResult<Vec<AccountInsightsDay>> {
        // Graph keeps 30 days of daily values; today is not over.
        let days = i64::from(days.clamp(1, 30));
        let today = Utc::now().date_naive();
        let range = (today - Duration::days(days), today);
        let node = Self::node(target);
        let mut out = std::collections::BTreeMap::new();

        // `follower_count` exists only for accounts of 100+ followers: without it, reach alone.
        match self
            .daily_series(target, &node, &["reach", "follower_count"], range, &mut out)
            .await
        {
            Ok(()) => {}
            Err(f) if f.is_permission() => return Err(SourceError::Unsupported),
            Err(f) if f.is_bad_parameter() => {
                match self
                    .daily_series(target, &node, &["reach"], range, &mut out)
                    .await
                {
                    Ok(()) => {}
                    Err(f) if f.is_bad_parameter() => {}
                    Err(f) => return Err(f.into()),
                }
            }
            Err(f) => return Err(f.into()),
        }

        // `views` and `accounts_engaged` are totals over a range only: one range per day.
        let mut day = range.0;
        while day < range.1 {
            let query = [
                ("metric", "views,accounts_engaged".to_string()),
                ("period", "day".to_string()),
                ("metric_type", "total_value".to_string()),
                ("since", midnight(day).to_string()),
                ("until", midnight(day + Duration::days(1)).to_string()),
            ];
            match self.insights(target, &node, &query).await {
                Ok(metrics) => {
                    let entry = out.entry(day).or_insert_with(|| AccountInsightsDay {
                        day: Some(day),
                        ..Default::default()
                    });
                    for m in &metrics {
                        match m.name.as_str() {
                            "views" => entry.views = m.number(),
                            "accounts_engaged" => entry.accounts_engaged = m.number(),
                            _ => {}
                        }
                    }
                }
                Err(f) if f.is_bad_parameter() => break,
                Err(f) => return Err(f.into()),
            }
            day += Duration::days(1);
        }

        // Followers online by hour, per day of the last 30 (100+ followers only).
        let query = [
            ("metric", "online_followers".to_string()),
            ("period", "lifetime".to_string()),
            ("since", midnight(range.0).to_string()),
            ("until", midnight(range.1).to_string()),
        ];
        match self.insights(target, &node, &query).await {
            Ok(metrics) => {
                for v in metrics.iter().flat_map(|m| m.values.iter()) {
                    if let (Some(day), Some(by_hour)) =
                        (day_ending(v.end_time.as_deref()), hours(&v.value))
                        && let Some(entry) = out.get_mut(&day)
                    {
                        entry.online_followers = Some(by_hour);
                    }
                }
            }
            Err(f) if f.is_bad_parameter() || f.is_permission() => {}
            Err(f) => return Err(f.into()),
        }
        Ok(out.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_map_to_what_to_do() {
        let pacing = Pacing::default();
        let err = |code: i64| GraphError {
            message: Some(format!("error {code}")),
            code: Some(code),
            ..Default::default()
        };
        assert!(matches!(
            classify(400, Some(&err(190)), None, &pacing),
            SourceError::Reconnect(_)
        ));
        for code in [4, 17, 32, 613] {
            assert_eq!(
                classify(400, Some(&err(code)), Some(120), &pacing),
                SourceError::Throttled {
                    retry_after_secs: 120,
                    message: format!("error {code}")
                }
            );
        }
        assert!(matches!(
            classify(400, Some(&err(4)), None, &pacing),
            SourceError::Throttled {
                retry_after_secs: 600,
                ..
            }
        ));
        assert!(matches!(
            classify(400, Some(&err(100)), None, &pacing),
            SourceError::BadRequest(_)
        ));
        for code in [10, 200, 299] {
            assert!(matches!(
                classify(403, Some(&err(code)), None, &pacing),
                SourceError::Reconnect(_)
            ));
        }
        assert!(matches!(
            classify(500, Some(&err(2)), None, &pacing),
            SourceError::Unavailable(_)
        ));
        assert!(matches!(
            classify(503, None, None, &pacing),
            SourceError::Unavailable(_)
        ));
        let transient = GraphError {
            code: Some(9999),
            is_transient: Some(true),
            ..Default::default()
        };
        assert!(classify(400, Some(&transient), None, &pacing).is_temporary());
    }
}
