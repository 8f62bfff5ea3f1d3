//! The analysis as a CSV (one row per profile and figure, so a spreadsheet can pivot it) and
//! as a PDF report (the `report` crate, rendered on a blocking thread). Both name the source
//! and fetch time of every profile's figures and mark demo data.

use platform::{Error, Result, web::csv_export::safe_cell};
use report::{Align, Block, Column, Cover, Document};

use crate::service::{audit::inputs::day, competitors::CompetitorAnalysis};

fn stamp(t: Option<&chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map(|v| format!("{v:.decimals$}")).unwrap_or_default()
}

fn file_stem(a: &CompetitorAnalysis) -> String {
    format!(
        "competitors-{}-{}",
        a.username.replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '_',
            "-"
        ),
        a.to.format("%Y-%m-%d")
    )
}

/// The file name and the CSV bytes.
pub fn csv(a: &CompetitorAnalysis) -> Result<(String, Vec<u8>)> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let head = [
        "profile",
        "kind",
        "figure",
        "value",
        "period_from",
        "period_to",
        "source",
        "fetched_at",
    ];
    w.write_record(head).map_err(Error::internal)?;
    for p in &a.profiles {
        let mut rows: Vec<(String, String)> = vec![
            (
                "followers_start".into(),
                p.followers_start.map(|v| v.to_string()).unwrap_or_default(),
            ),
            (
                "followers_end".into(),
                p.followers_end.map(|v| v.to_string()).unwrap_or_default(),
            ),
            ("follower_growth_pct".into(), opt(p.follower_growth, 2)),
            ("posts".into(), p.posts.to_string()),
            ("posts_per_week".into(), format!("{:.2}", p.posts_per_week)),
            ("median_engagement_rate_pct".into(), opt(p.median_rate, 2)),
            ("engagement_likes_comments".into(), p.engagement.to_string()),
            ("engagement_share_pct".into(), opt(p.engagement_share, 2)),
        ];
        for m in &p.media_mix {
            rows.push((
                format!("media_share_pct:{}", m.label),
                format!("{:.1}", m.share),
            ));
        }
        for c in &p.category_mix {
            rows.push((
                format!("category_share_pct:{}", c.label),
                format!("{:.1}", c.share),
            ));
        }
        for (i, s) in p.best_slots.iter().enumerate() {
            rows.push((
                format!("best_slot_{}", i + 1),
                format!("{} UTC ({} posts, {})", s.label, s.posts, s.confidence),
            ));
        }
        for wk in &p.weeks {
            rows.push((
                format!("week:{}:followers", wk.week),
                wk.followers.map(|v| v.to_string()).unwrap_or_default(),
            ));
            rows.push((
                format!("week:{}:median_rate_pct", wk.week),
                opt(wk.median_rate, 2),
            ));
        }
        let source = if p.source == "demo" {
            "demo (not real)".to_string()
        } else {
            p.source.clone()
        };
        for (figure, value) in rows {
            w.write_record([
                safe_cell(&p.username),
                p.kind.clone(),
                safe_cell(&figure),
                safe_cell(&value),
                a.from.to_string(),
                a.to.to_string(),
                source.clone(),
                stamp(p.fetched_at.as_ref()),
            ])
            .map_err(Error::internal)?;
        }
    }
    for h in &a.hashtags {
        w.write_record([
            String::new(),
            "group".into(),
            safe_cell(&format!("hashtag_lift:{}", h.tag)),
            format!("{:.2}", h.lift),
            a.from.to_string(),
            a.to.to_string(),
            safe_cell(&h.used_by.join(" ")),
            stamp(Some(&a.computed_at)),
        ])
        .map_err(Error::internal)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::internal(e.to_string()))?;
    Ok((format!("{}.csv", file_stem(a)), bytes))
}

fn col(title: &str, align: Align, weight: f32) -> Column {
    Column {
        title: title.into(),
        align,
        weight,
    }
}

/// The report document.
pub fn document(a: &CompetitorAnalysis) -> Document {
    let period = format!("{} – {}", day(a.from), day(a.to));
    let demo = a.is_demo();
    let mut blocks = vec![
        Block::Heading("Side by side".into()),
        Block::Table {
            columns: vec![
                col("Profile", Align::Left, 2.2),
                col("Followers", Align::Right, 1.2),
                col("Growth", Align::Right, 1.0),
                col("Posts/week", Align::Right, 1.0),
                col("Median rate", Align::Right, 1.1),
                col("Share", Align::Right, 1.0),
            ],
            rows: a
                .profiles
                .iter()
                .map(|p| {
                    vec![
                        format!("@{}", p.username),
                        p.followers_end
                            .map(platform::web::format::number)
                            .unwrap_or_else(|| "—".into()),
                        p.follower_growth
                            .map(|g| format!("{g:+.1} %"))
                            .unwrap_or_else(|| "—".into()),
                        format!("{:.1}", p.posts_per_week),
                        p.median_rate
                            .map(|r| format!("{r:.2} %"))
                            .unwrap_or_else(|| "—".into()),
                        p.engagement_share
                            .map(|s| format!("{s:.1} %"))
                            .unwrap_or_else(|| "—".into()),
                    ]
                })
                .collect(),
            caption: Some(format!(
                "{period}. Share: of the group's likes and comments. Sources: {}.",
                a.profiles
                    .iter()
                    .map(|p| format!(
                        "@{} {} fetched {}",
                        p.username,
                        p.source,
                        stamp(p.fetched_at.as_ref())
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        },
    ];
    for p in &a.profiles {
        blocks.push(Block::Line {
            title: format!("@{}: followers by week", p.username),
            unit: "followers".into(),
            points: p
                .weeks
                .iter()
                .map(|w| {
                    (
                        w.week.format("%b %-d").to_string(),
                        w.followers.map(|f| f as f64).unwrap_or(f64::NAN),
                    )
                })
                .collect(),
        });
    }
    blocks.push(Block::Heading("Content mix".into()));
    blocks.push(Block::Table {
        columns: vec![
            col("Profile", Align::Left, 1.6),
            col("Formats", Align::Left, 2.6),
            col("Categories", Align::Left, 2.8),
        ],
        rows: a
            .profiles
            .iter()
            .map(|p| {
                let mix = |v: &[crate::service::competitors::CompetitorShare]| {
                    v.iter()
                        .map(|s| format!("{} {:.0} %", s.label, s.share))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                vec![
                    format!("@{}", p.username),
                    mix(&p.media_mix),
                    mix(&p.category_mix),
                ]
            })
            .collect(),
        caption: Some("Shares of each profile's posts of the period.".into()),
    });
    blocks.push(Block::Heading("Best slots (UTC)".into()));
    blocks.push(Block::Table {
        columns: vec![
            col("Profile", Align::Left, 1.6),
            col("Slots", Align::Left, 4.0),
        ],
        rows: a
            .profiles
            .iter()
            .map(|p| {
                vec![
                    format!("@{}", p.username),
                    if p.best_slots.is_empty() {
                        "Not enough posts at any hour yet".into()
                    } else {
                        p.best_slots
                            .iter()
                            .map(|s| {
                                format!(
                                    "{} ({} posts, median {})",
                                    s.label,
                                    s.posts,
                                    s.median_rate
                                        .map(|r| format!("{r:.2} %"))
                                        .unwrap_or_else(|| "—".into())
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("; ")
                    },
                ]
            })
            .collect(),
        caption: None,
    });
    blocks.push(Block::Heading("Hashtags they use with lift".into()));
    if a.hashtags.is_empty() {
        blocks.push(Block::Paragraph(
            "No tag of the others has enough posts and a lift that the account does not use yet."
                .into(),
        ));
    } else {
        blocks.push(Block::Table {
            columns: vec![
                col("Tag", Align::Left, 1.6),
                col("Lift", Align::Right, 0.8),
                col("Posts", Align::Right, 0.8),
                col("Used by", Align::Left, 2.6),
            ],
            rows: a
                .hashtags
                .iter()
                .map(|h| {
                    vec![
                        format!("#{}", h.tag),
                        format!("{:.2}×", h.lift),
                        h.posts_with.to_string(),
                        h.used_by.join(", "),
                    ]
                })
                .collect(),
            caption: None,
        });
    }
    blocks.push(Block::SubHeading("How it was computed".into()));
    blocks.push(Block::Note(a.method.clone()));
    Document {
        title: format!("Competitor analysis — @{}", a.username),
        subject: format!(
            "@{} beside {} tracked profiles",
            a.username,
            a.profiles.len().saturating_sub(1)
        ),
        keywords: vec!["Instagram".into(), "competitors".into(), a.username.clone()],
        created: a.computed_at,
        footer: format!(
            "@{} · {period}{} · computed {}",
            a.username,
            if demo { " · demo data" } else { "" },
            a.computed_at.format("%b %-d, %Y")
        ),
        cover: Cover {
            kicker: "Competitor analysis".into(),
            heading: format!("@{}", a.username),
            subheading: period,
            score: None,
            facts: a
                .profiles
                .iter()
                .map(|p| {
                    (
                        format!("@{}", p.username),
                        format!(
                            "{}{}, fetched {}",
                            p.source,
                            if p.source == "demo" {
                                " (demo data, not real)"
                            } else {
                                ""
                            },
                            stamp(p.fetched_at.as_ref())
                        ),
                    )
                })
                .collect(),
            note: Some(a.method.clone()),
        },
        blocks,
    }
}

/// The file name and the PDF bytes.
pub async fn pdf(a: &CompetitorAnalysis) -> Result<(String, Vec<u8>)> {
    let doc = document(a);
    let bytes = tokio::task::spawn_blocking(move || report::render(&doc))
        .await
        .map_err(|e| Error::internal(format!("the PDF renderer stopped: {e}")))?
        .map_err(Error::internal)?;
    Ok((format!("{}.pdf", file_stem(a)), bytes))
}
