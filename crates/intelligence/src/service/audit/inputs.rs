//! What the components read, and the small statistics they share. The audit's posts are the
//! subject's posts in the range; its record before the range (the same length again) is the
//! account's own history that consistency, growth and reach are judged against.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use instagram::service::history::{History, PostRecord};
use uuid::Uuid;

use super::report::PostRef;
use crate::model::{benchmark, restricted_tag};

/// What post analysis said of a post.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Labels {
    pub language: Option<String>,
    pub category: Option<String>,
}

pub struct Context<'a> {
    /// From the start of the baseline (the range's length before `from`) to now.
    pub history: &'a History,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub benchmarks: &'a [benchmark::Model],
    /// By tag, lower case without `#`.
    pub restricted: &'a HashMap<String, restricted_tag::Model>,
    pub labels: &'a HashMap<Uuid, Labels>,
    /// Languages of the stored comments (the audience), most first.
    pub audience_languages: &'a [(String, i64)],
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    /// The posts in the range, oldest first.
    pub fn posts(&self) -> Vec<&PostRecord> {
        self.history
            .posts
            .iter()
            .filter(|p| {
                let d = p.posted_at.date_naive();
                d >= self.from && d <= self.to
            })
            .collect()
    }

    /// The posts of the baseline: the range's length before it.
    pub fn baseline_posts(&self) -> Vec<&PostRecord> {
        self.history
            .posts
            .iter()
            .filter(|p| p.posted_at.date_naive() < self.from)
            .collect()
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// The median; none of an empty list. NaN values are left out.
pub fn median(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    })
}

pub fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .into_iter()
        .filter(|x| x.is_finite())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// The hashtags of a caption, lower case without `#`, each once, in order of appearance.
pub fn hashtags(caption: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Some(text) = caption else {
        return out;
    };
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '#' && c != '＃' {
            continue;
        }
        let mut tag = String::new();
        while let Some(&(_, n)) = chars.peek() {
            if n.is_alphanumeric() || n == '_' {
                tag.extend(n.to_lowercase());
                chars.next();
            } else {
                break;
            }
        }
        if !tag.is_empty() && !tag.chars().all(|c| c.is_ascii_digit()) && !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// `2.41 %`: engagement rates are written with two decimals on every page.
pub fn rate(r: f64) -> String {
    format!("{r:.2} %")
}

/// `42.0 %`: shares of posts.
pub fn share(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "—".into();
    }
    format!("{:.1} %", part as f64 * 100.0 / whole as f64)
}

/// `Sep 30, 2026`, as the pages write dates.
pub fn day(d: NaiveDate) -> String {
    d.format("%b %-d, %Y").to_string()
}

pub fn post_ref(p: &PostRecord, note: impl Into<String>) -> PostRef {
    PostRef {
        id: p.id,
        posted_at: p.posted_at,
        media_type: p.media_type.clone(),
        permalink: p.permalink.clone(),
        rate: p.rate,
        note: note.into(),
    }
}

/// A clamped linear map of `x` from `[x0, x1]` onto `[y0, y1]`.
pub fn scale(x: f64, x0: f64, x1: f64, y0: f64, y1: f64) -> f64 {
    if !x.is_finite() || x1 == x0 {
        return y0;
    }
    let t = ((x - x0) / (x1 - x0)).clamp(0.0, 1.0);
    y0 + t * (y1 - y0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtags_are_read_once_in_lower_case() {
        assert_eq!(
            hashtags(Some(
                "Sunny #Beach day #beach #café_au_lait, #2024 #x1 ＃Tokyo"
            )),
            vec!["beach", "café_au_lait", "x1", "tokyo"]
        );
        assert!(hashtags(Some("no tags # here")).is_empty());
        assert!(hashtags(None).is_empty());
    }

    #[test]
    fn medians_and_scales() {
        assert_eq!(median([3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median([4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median([f64::NAN]), None);
        assert_eq!(scale(5.0, 0.0, 10.0, 0.0, 100.0), 50.0);
        assert_eq!(scale(50.0, 0.0, 10.0, 0.0, 100.0), 100.0);
        assert_eq!(scale(f64::NAN, 0.0, 10.0, 0.0, 100.0), 0.0);
    }
}
