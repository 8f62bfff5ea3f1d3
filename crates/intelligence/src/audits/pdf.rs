//! An audit as a PDF a professional can send to a client: a cover with the score and what
//! was read, then each component (score, summary, evidence table, findings, how it was
//! computed, the benchmark), the reach-risk signals said as signals, the recommendations
//! ranked by impact, and the source and time of every figure. Rendered by the `report` crate
//! on a blocking thread.

use platform::{Error, Result};
use report::{Align, Bar, Block, Column, Cover, Document, Score, Tone};

use crate::{
    model::audit,
    service::audit::{Level, Report, inputs::day, run},
};

fn tone_of_score(s: Option<f64>) -> Tone {
    match s {
        Some(s) if s >= 70.0 => Tone::Good,
        Some(s) if s >= 45.0 => Tone::Warning,
        Some(_) => Tone::Bad,
        None => Tone::Neutral,
    }
}

fn tone_of(level: Level) -> Tone {
    match level {
        Level::Good => Tone::Good,
        Level::Info => Tone::Neutral,
        Level::Warning => Tone::Warning,
        Level::Risk => Tone::Bad,
    }
}

/// The file name and the document of a finished audit.
pub fn document(
    row: &audit::Model,
    report: &Report,
    summary: Option<&ai::model::generation::Model>,
) -> (String, Document) {
    let score = report
        .overall
        .map(|s| format!("{s:.0}/100"))
        .unwrap_or_else(|| "not scored".into());
    let sources = report.inputs.sources.join(", ");
    let demo = report.inputs.sources.iter().any(|s| s == "demo");
    let period = format!("{} – {}", day(report.inputs.from), day(report.inputs.to));
    let fetched = report
        .inputs
        .fetched_at
        .map(|t| t.format("%b %-d, %Y %H:%M UTC").to_string())
        .unwrap_or_else(|| "—".into());
    let computed = report
        .inputs
        .computed_at
        .format("%b %-d, %Y %H:%M UTC")
        .to_string();
    let mut facts = vec![
        ("Period".to_string(), period.clone()),
        (
            "Posts read".to_string(),
            platform::web::format::number(report.inputs.posts as i64),
        ),
        (
            "Followers".to_string(),
            report
                .inputs
                .followers
                .map(platform::web::format::number)
                .unwrap_or_else(|| "—".into()),
        ),
        (
            "Data source".to_string(),
            if demo {
                format!("{sources} (demo data, not real)")
            } else {
                sources.clone()
            },
        ),
        ("Data fetched".to_string(), fetched.clone()),
        ("Computed".to_string(), computed.clone()),
    ];
    if row.cost > 0 {
        facts.push(("Credits".to_string(), row.cost.to_string()));
    }
    let mut blocks = vec![
        Block::Heading("Scores".into()),
        Block::Bars {
            title: "Score by component (0–100)".into(),
            unit: "points".into(),
            bars: report
                .components
                .iter()
                .map(|c| Bar {
                    label: c.title.clone(),
                    value: c.score.unwrap_or(f64::NAN),
                    tone: tone_of_score(c.score),
                    annotation: Some(match c.score {
                        Some(_) => format!("weight {:.0} %", c.weight * 100.0),
                        None => "not enough data".to_string(),
                    }),
                })
                .collect(),
            max: Some(100.0),
        },
        Block::Note(report.overall_method.clone()),
    ];
    if let Some(g) = summary {
        blocks.push(Block::Heading("AI-written summary and action plan".into()));
        blocks.push(Block::Note(format!(
            "AI-written by {} on {} from this audit's evidence only; check it against the figures.",
            g.model,
            g.finished_at
                .unwrap_or(g.created_at)
                .format("%b %-d, %Y %H:%M UTC")
        )));
        blocks.push(Block::Paragraph(g.output.clone()));
    }
    if !report.recommendations.is_empty() {
        blocks.push(Block::Heading("Recommendations".into()));
        blocks.push(Block::Table {
            columns: vec![
                Column {
                    title: "#".into(),
                    align: Align::Right,
                    weight: 0.4,
                },
                Column {
                    title: "What to do".into(),
                    align: Align::Left,
                    weight: 5.0,
                },
                Column {
                    title: "Up to".into(),
                    align: Align::Right,
                    weight: 1.2,
                },
            ],
            rows: report
                .recommendations
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    vec![
                        (i + 1).to_string(),
                        format!("{}: {}", r.title, r.detail),
                        format!("+{:.1} pts", r.impact),
                    ]
                })
                .collect(),
            caption: Some(
                "Ranked by expected impact: the overall points each could add if fully followed."
                    .into(),
            ),
        });
    }
    blocks.push(Block::Heading("Reach-risk signals".into()));
    if report.risk_signals.is_empty() {
        blocks.push(Block::Paragraph(
            "No signal of reduced reach was found in the data read.".into(),
        ));
    }
    for s in &report.risk_signals {
        blocks.push(Block::Callout {
            title: "Risk signal".into(),
            body: s.text.clone(),
            tone: Tone::Warning,
        });
    }
    blocks.push(Block::Note(format!(
        "Instagram exposes no shadowban flag: these are signals to look into, with their evidence, never a verdict. {}",
        crate::service::audit::components::reach::METHOD
    )));
    for c in &report.components {
        blocks.push(Block::PageBreak);
        blocks.push(Block::Heading(format!(
            "{} — {}",
            c.title,
            c.score
                .map(|s| format!("{s:.0}/100"))
                .unwrap_or_else(|| "not scored".into())
        )));
        blocks.push(Block::Paragraph(c.summary.clone()));
        if !c.figures.is_empty() {
            blocks.push(Block::KeyValues(
                c.figures
                    .iter()
                    .map(|f| (f.label.clone(), f.value.clone()))
                    .collect(),
            ));
        }
        for f in &c.findings {
            blocks.push(Block::Callout {
                title: f.level.label().into(),
                body: f.text.clone(),
                tone: tone_of(f.level),
            });
        }
        if !c.posts.is_empty() {
            blocks.push(Block::Table {
                columns: vec![
                    Column {
                        title: "Posted".into(),
                        align: Align::Left,
                        weight: 1.4,
                    },
                    Column {
                        title: "Format".into(),
                        align: Align::Left,
                        weight: 1.3,
                    },
                    Column {
                        title: "Rate".into(),
                        align: Align::Right,
                        weight: 1.0,
                    },
                    Column {
                        title: "Why it is named".into(),
                        align: Align::Left,
                        weight: 3.5,
                    },
                ],
                rows: c
                    .posts
                    .iter()
                    .map(|p| {
                        vec![
                            p.posted_at.format("%b %-d, %Y %H:%M").to_string(),
                            p.media_type.to_lowercase().replace('_', " "),
                            p.rate
                                .map(|r| format!("{r:.2} %"))
                                .unwrap_or_else(|| "—".into()),
                            p.note.clone(),
                        ]
                    })
                    .collect(),
                caption: Some(format!(
                    "Posts in the evidence; times in UTC; source {sources}."
                )),
            });
        }
        blocks.push(Block::SubHeading("How it was computed".into()));
        blocks.push(Block::Note(c.method.clone()));
        blocks.push(Block::SubHeading("Judged against".into()));
        blocks.push(Block::Note(c.benchmark.clone()));
    }
    let subject = format!("Audit of @{}: overall score {score}", row.username);
    let doc = Document {
        title: format!("Account audit — @{}", row.username),
        subject,
        keywords: vec!["Instagram".into(), "audit".into(), row.username.clone()],
        created: report.inputs.computed_at,
        footer: format!(
            "@{} · {period} · source {sources}{} · computed {}",
            row.username,
            if demo { " (demo data)" } else { "" },
            report.inputs.computed_at.format("%b %-d, %Y")
        ),
        cover: Cover {
            kicker: "Account audit".into(),
            heading: format!("@{}", row.username),
            subheading: period,
            score: report.overall.map(|value| Score {
                value,
                label: "Overall score".into(),
            }),
            facts,
            note: Some(format!(
                "{} Method version {}.",
                report.overall_method, report.inputs.method_version
            )),
        },
        blocks,
    };
    let name = format!(
        "audit-{}-{}.pdf",
        row.username.replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '_',
            "-"
        ),
        report.inputs.to.format("%Y-%m-%d")
    );
    (name, doc)
}

/// The file name and bytes of a finished audit's PDF (409 while it is not done).
pub async fn render(
    row: &audit::Model,
    summary: Option<&ai::model::generation::Model>,
) -> Result<(String, Vec<u8>)> {
    let Some(report) = run::report_of(row) else {
        return Err(Error::Conflict("The audit has not finished yet".into()));
    };
    let (name, doc) = document(row, &report, summary);
    let bytes = tokio::task::spawn_blocking(move || report::render(&doc))
        .await
        .map_err(|e| Error::internal(format!("the PDF renderer stopped: {e}")))?
        .map_err(Error::internal)?;
    Ok((name, bytes))
}
