//! How the Instagram pages write figures: counts with thousands separators, rates with two
//! decimals, "not yet fetched" for what is unknown, and the source label of each figure.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{service::figures::Provenance, source::Source};

/// `12,345`; `—` when unknown.
pub fn count(n: Option<i64>) -> String {
    match n {
        None => "—".into(),
        Some(n) => {
            let digits = n.unsigned_abs().to_string();
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            if n < 0 { format!("-{out}") } else { out }
        }
    }
}

pub fn rate(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.2} %")).unwrap_or_else(|| "—".into())
}

/// `Dec 5, 2026, 08:27 UTC` (no hyphens: a narrow card wraps it at its spaces only).
pub fn when(t: Option<&DateTime<Utc>>) -> String {
    t.map(|t| t.format("%b %-d, %Y, %H:%M UTC").to_string())
        .unwrap_or_else(|| "not yet".into())
}

/// `+1,234`, `-12`, `0`.
pub fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{}", count(Some(n)))
    } else {
        count(Some(n))
    }
}

/// `Nov 3, 2026`.
pub fn day(d: NaiveDate) -> String {
    d.format("%b %-d, %Y").to_string()
}

/// `Source: Demo data · fetched 2026-12-04 10:00 UTC` — what every figure block says.
pub fn provenance(p: &Provenance) -> String {
    let sources: Vec<&str> = p.sources.iter().map(|s| source_label(s)).collect();
    let sources = if sources.is_empty() {
        "Unknown source".to_string()
    } else {
        sources.join(", ")
    };
    format!(
        "Source: {sources} · fetched {}",
        when(p.fetched_at.as_ref())
    )
}

/// The provenance of several profiles' figures side by side: their sources, and the span
/// of their fetch times.
pub fn provenance_of_all<'a>(all: impl IntoIterator<Item = &'a Provenance>) -> String {
    let mut sources: Vec<&str> = Vec::new();
    let mut times: Vec<DateTime<Utc>> = Vec::new();
    for p in all {
        for s in &p.sources {
            let label = source_label(s);
            if !sources.contains(&label) {
                sources.push(label);
            }
        }
        times.extend(p.fetched_at);
    }
    let (oldest, newest) = (when(times.iter().min()), when(times.iter().max()));
    let fetched = if oldest == newest {
        format!("fetched {newest}")
    } else {
        format!("fetched {oldest} to {newest}")
    };
    if sources.is_empty() {
        return format!("Source: unknown · {fetched}");
    }
    format!("Source: {} · {fetched}", sources.join(", "))
}

pub fn source_label(s: &str) -> &'static str {
    Source::parse(s)
        .map(|s| s.label())
        .unwrap_or("Unknown source")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_well() {
        assert_eq!(count(Some(0)), "0");
        assert_eq!(count(Some(999)), "999");
        assert_eq!(count(Some(1_234_567)), "1,234,567");
        assert_eq!(count(Some(-1200)), "-1,200");
        assert_eq!(count(None), "—");
        assert_eq!(rate(Some(4.256)), "4.26 %");
        assert_eq!(signed(1200), "+1,200");
        assert_eq!(signed(-3), "-3");
        assert_eq!(signed(0), "0");
        let p = Provenance::of("demo", None);
        assert_eq!(provenance(&p), "Source: Demo data · fetched not yet");
    }
}
