//! What the Graph API sends, as typed shapes, and how it maps onto the normalised types:
//! ids that come as numbers or strings, `+0000` timestamps, `paging.cursors`, insights as
//! per-period `values` or a `total_value`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::source::{FetchedMedia, MediaInsights, MediaType};

/// A value Graph sends as a number or a string (ids).
pub(super) fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Graph timestamps: `2024-05-01T18:10:00+0000` (no colon in the offset), or RFC 3339.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[derive(Deserialize)]
pub(super) struct WireProfile {
    #[serde(default)]
    pub(super) id: Option<Value>,
    #[serde(default)]
    pub(super) user_id: Option<Value>,
    pub(super) username: String,
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) biography: Option<String>,
    #[serde(default)]
    pub(super) followers_count: Option<i64>,
    #[serde(default)]
    pub(super) follows_count: Option<i64>,
    #[serde(default)]
    pub(super) media_count: Option<i64>,
    #[serde(default)]
    pub(super) profile_picture_url: Option<String>,
    #[serde(default)]
    pub(super) website: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WireMedia {
    pub(super) id: Value,
    #[serde(default)]
    pub(super) caption: Option<String>,
    #[serde(default)]
    pub(super) media_type: Option<String>,
    #[serde(default)]
    pub(super) media_product_type: Option<String>,
    #[serde(default)]
    pub(super) permalink: Option<String>,
    #[serde(default)]
    pub(super) shortcode: Option<String>,
    #[serde(default)]
    pub(super) timestamp: Option<String>,
    #[serde(default)]
    pub(super) like_count: Option<i64>,
    #[serde(default)]
    pub(super) comments_count: Option<i64>,
    #[serde(default)]
    pub(super) media_url: Option<String>,
    #[serde(default)]
    pub(super) thumbnail_url: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WireComment {
    pub(super) id: Value,
    #[serde(default)]
    pub(super) text: Option<String>,
    #[serde(default)]
    pub(super) timestamp: Option<String>,
    #[serde(default)]
    pub(super) username: Option<String>,
    #[serde(default)]
    pub(super) like_count: Option<i64>,
}

#[derive(Deserialize)]
pub(super) struct WirePage<T> {
    #[serde(default = "Vec::new")]
    pub(super) data: Vec<T>,
    #[serde(default)]
    pub(super) paging: Option<Paging>,
}

#[derive(Deserialize)]
pub(super) struct Paging {
    #[serde(default)]
    pub(super) cursors: Option<Cursors>,
    /// Present only when there is a next page.
    #[serde(default)]
    pub(super) next: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Cursors {
    #[serde(default)]
    pub(super) after: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WireInsights {
    #[serde(default)]
    pub(super) data: Vec<WireMetric>,
}

#[derive(Deserialize)]
pub(super) struct WireMetric {
    pub(super) name: String,
    #[serde(default)]
    pub(super) values: Vec<WireValue>,
    #[serde(default)]
    pub(super) total_value: Option<WireTotal>,
}

#[derive(Deserialize)]
pub(super) struct WireValue {
    #[serde(default)]
    pub(super) value: Value,
    #[serde(default)]
    pub(super) end_time: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WireTotal {
    #[serde(default)]
    pub(super) value: Value,
}

impl WireMetric {
    /// The metric's single number: its total value, else its (only or last) value.
    pub(super) fn number(&self) -> Option<i64> {
        self.total_value
            .as_ref()
            .and_then(|t| t.value.as_i64())
            .or_else(|| self.values.last().and_then(|v| v.value.as_i64()))
    }
}

pub(super) fn media_of(w: WireMedia) -> Option<FetchedMedia> {
    let media_type = w.media_type.as_deref().and_then(MediaType::parse)?;
    let posted_at = w.timestamp.as_deref().and_then(parse_time)?;
    Some(FetchedMedia {
        ig_media_id: id_text(&w.id)?,
        shortcode: w.shortcode,
        caption: w.caption,
        media_type,
        product_type: w.media_product_type,
        permalink: w.permalink,
        posted_at,
        like_count: w.like_count,
        comments_count: w.comments_count,
        view_count: None,
        media_url: w.media_url,
        thumbnail_url: w.thumbnail_url,
    })
}

/// The insights a post of this kind has (Graph refuses the others with error 100): stories
/// have no saves; album children have none at all (they are never asked for).
pub(super) fn metrics_for(media: &FetchedMedia) -> &'static [&'static str] {
    match media.product_type.as_deref() {
        Some("STORY") => &["views", "reach", "shares", "total_interactions"],
        _ => &["views", "reach", "saved", "shares", "total_interactions"],
    }
}

pub(super) fn set_media_metric(out: &mut MediaInsights, name: &str, value: Option<i64>) {
    match name {
        "views" => out.views = value,
        "reach" => out.reach = value,
        "saved" => out.saved = value,
        "shares" => out.shares = value,
        "total_interactions" => out.total_interactions = value,
        _ => {}
    }
}

/// Unix seconds of a day's midnight (UTC).
pub(super) fn midnight(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or_default()
}

/// A daily value's `end_time` marks the end of the day it counts.
pub(super) fn day_ending(end_time: Option<&str>) -> Option<NaiveDate> {
    end_time
        .and_then(parse_time)
        .map(|t| (t - Duration::days(1)).date_naive())
}

pub(super) fn hours(v: &Value) -> Option<Vec<i64>> {
    let map = v.as_object().filter(|m| !m.is_empty())?;
    Some(
        (0..24)
            .map(|h| map.get(&h.to_string()).and_then(Value::as_i64).unwrap_or(0))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_times_and_days() {
        let t = parse_time("2024-05-01T18:10:00+0000").unwrap();
        assert_eq!(t.to_rfc3339(), "2024-05-01T18:10:00+00:00");
        assert_eq!(
            day_ending(Some("2024-05-02T07:00:00+0000")),
            NaiveDate::from_ymd_opt(2024, 5, 1)
        );
        let by_hour = hours(&serde_json::json!({"0": 5, "13": 40})).unwrap();
        assert_eq!(by_hour.len(), 24);
        assert_eq!((by_hour[0], by_hour[1], by_hour[13]), (5, 0, 40));
        assert_eq!(hours(&serde_json::json!({})), None);
    }
}
