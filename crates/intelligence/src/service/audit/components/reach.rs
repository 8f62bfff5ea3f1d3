//! Reach-risk signals (what people call "shadowban risk"). Instagram exposes no such flag, so
//! these are signals with their evidence, never a verdict: reach falling against the
//! account's own baseline (own accounts with insights), reported restricted tags in use, and
//! engagement collapsing after a date.

use crate::service::audit::{
    inputs::{Context, day, hashtags, mean, median, rate},
    report::{Finding, Level},
};

/// How the signals are found, shown with them.
pub const METHOD: &str = "Daily reach of the last 14 days against the 28 days before (own accounts with insights; a fall of 30 % or more is a signal); reach per post ÷ followers, the last 10 posts against the 20 before (30 % or more); tags on the restricted list; and the date that best splits the posts' engagement rates into a before and an after, when the after's median is under half the before's (each side at least 8 posts and a tenth of the period's). Non-follower reach is not collected, so it is not part of these signals.";

pub fn signals(cx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();

    // Daily reach against the baseline.
    let reach: Vec<(chrono::NaiveDate, i64)> = cx
        .history
        .account_days
        .iter()
        .filter(|d| d.day <= cx.to)
        .filter_map(|d| d.reach.map(|r| (d.day, r)))
        .collect();
    if let Some((last_day, _)) = reach.last() {
        let recent_from = *last_day - chrono::Duration::days(13);
        let base_from = recent_from - chrono::Duration::days(28);
        let recent = mean(
            reach
                .iter()
                .filter(|(d, _)| *d >= recent_from)
                .map(|(_, r)| *r as f64),
        );
        let base = mean(
            reach
                .iter()
                .filter(|(d, _)| *d >= base_from && *d < recent_from)
                .map(|(_, r)| *r as f64),
        );
        if let (Some(r), Some(b)) = (recent, base)
            && b > 0.0
            && r < b * 0.7
        {
            out.push(Finding {
                level: Level::Risk,
                text: format!(
                    "Daily reach fell {:.0} %: {:.0} a day in the 14 days to {} against {:.0} in the 28 days before.",
                    (1.0 - r / b) * 100.0,
                    r,
                    day(*last_day),
                    b
                ),
                posts: Vec::new(),
            });
        }
    }

    // Reach per post against the account's earlier posts.
    let with_reach: Vec<(&instagram::service::history::PostRecord, f64)> = cx
        .history
        .posts
        .iter()
        .filter(|p| p.posted_at.date_naive() <= cx.to)
        .filter_map(|p| match (p.reach, p.followers) {
            (Some(r), Some(f)) if f > 0 => Some((p, r as f64 / f as f64 * 100.0)),
            _ => None,
        })
        .collect();
    if with_reach.len() >= 15 {
        let split = with_reach.len().saturating_sub(10);
        let recent = median(with_reach[split..].iter().map(|(_, r)| *r));
        let before = median(
            with_reach[split.saturating_sub(20)..split]
                .iter()
                .map(|(_, r)| *r),
        );
        if let (Some(r), Some(b)) = (recent, before)
            && b > 0.0
            && r < b * 0.7
        {
            out.push(Finding {
                level: Level::Risk,
                text: format!(
                    "Reach per post fell from {:.1} % to {:.1} % of followers (median of the last 10 posts against the 20 before).",
                    b, r
                ),
                posts: with_reach[split..].iter().map(|(p, _)| p.id).collect(),
            });
        }
    }

    // Restricted tags.
    let posts = cx.posts();
    let flagged: Vec<uuid::Uuid> = posts
        .iter()
        .filter(|p| {
            hashtags(p.caption.as_deref())
                .iter()
                .any(|t| cx.restricted.contains_key(t))
        })
        .map(|p| p.id)
        .collect();
    if !flagged.is_empty() {
        out.push(Finding {
            level: Level::Risk,
            text: format!(
                "{} of the period use a tag reported banned or restricted (see hashtag hygiene).",
                platform::web::format::count(flagged.len() as i64, "post", "posts")
            ),
            posts: flagged,
        });
    }

    // Engagement collapse after a date.
    let rated: Vec<&instagram::service::history::PostRecord> =
        posts.iter().filter(|p| p.rate.is_some()).copied().collect();
    // Each side holds at least 8 posts and a tenth of them: a handful of weak posts at the
    // end is noise, not a collapse.
    let side = (rated.len() / 10).max(8);
    if rated.len() >= 2 * side {
        let mut worst: Option<(usize, f64, f64, f64)> = None;
        for k in side..=rated.len() - side {
            let before = median(rated[..k].iter().filter_map(|p| p.rate));
            let after = median(rated[k..].iter().filter_map(|p| p.rate));
            if let (Some(b), Some(a)) = (before, after)
                && b > 0.0
            {
                let ratio = a / b;
                if worst.is_none_or(|w| ratio < w.1) {
                    worst = Some((k, ratio, b, a));
                }
            }
        }
        if let Some((k, ratio, b, a)) = worst
            && ratio < 0.5
        {
            out.push(Finding {
                level: Level::Risk,
                text: format!(
                    "Engagement collapsed after {}: median {} over the {} posts since, against {} over the {} before.",
                    day(rated[k].posted_at.date_naive()),
                    rate(a),
                    rated.len() - k,
                    rate(b),
                    k
                ),
                posts: rated[k..].iter().take(10).map(|p| p.id).collect(),
            });
        }
    }
    out
}
