//! How the Instagram pages write figures: counts with thousands separators, rates with two
//! decimals, "not yet fetched" for what is unknown, and the source label of each figure.

use chrono::{DateTime, Utc};

use crate::source::Source;

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

pub fn when(t: Option<&DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "not yet".into())
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
    }
}
