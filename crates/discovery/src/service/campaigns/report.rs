//! The campaign report: a PDF with charts (the `report` crate, rendered on a blocking thread)
//! and the same figures as CSV rows (one per creator, then the total), each with its source
//! and time. Demo data is labelled as such in both.

use platform::{
    AppState, Ctx, Error, Result,
    web::format::{money, number},
};
use report::{Align, Bar, Block, Column, Cover, Document, Tone};
use tabular::Cell;
use uuid::Uuid;

use super::{
    Detail, Status, kind_label,
    performance::{self, Figures, Performance, Sourced},
};

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || "—".into(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// A source as read: "Apify", "Demo data (not real)", "Apify + Demo data".
pub fn source_label(s: &Sourced) -> String {
    if s.source.is_empty() {
        return "no data".into();
    }
    s.source
        .split('+')
        .map(|x| match instagram::Source::parse(x) {
            Some(src) if x == "demo" => format!("{} (not real)", src.label()),
            Some(src) => src.label().to_string(),
            None if x == "manual" => "Entered by hand".to_string(),
            None => x.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

pub fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "not available".into(), |r| format!("{r:.2} %"))
}

pub fn engagement(e: Option<i64>) -> String {
    e.map_or_else(|| "not available".into(), number)
}

pub fn reach(f: &Figures) -> String {
    match f.reach {
        Some(r) if f.reach_posts < f.posts => {
            format!("{} (of {} posts)", number(r), number(f.reach_posts as i64))
        }
        Some(r) => number(r),
        None => "not available".into(),
    }
}

/// Cost per engagement as money: minor units per engagement, two decimals of the major unit.
pub fn cpe(f: &Figures, currency: &str) -> String {
    match f.cost_per_engagement {
        // Rounded to a whole minor unit; below one shows as such rather than as zero.
        Some(c) if c >= 0.5 => money(c.round() as i64, currency),
        Some(_) => format!("less than {}", money(1, currency)),
        None => "not available".into(),
    }
}

/// The CSV columns.
pub const COLUMNS: [&str; 15] = [
    "creator",
    "status",
    "followers",
    "fee_minor",
    "currency",
    "posts",
    "engagement",
    "engagement_rate_pct",
    "baseline_rate_pct",
    "reach",
    "cost_per_engagement_minor",
    "engagement_source",
    "engagement_as_of",
    "baseline_source",
    "reach_source",
];

fn row(who: &str, status: &str, followers: Option<i64>, f: &Figures, currency: &str) -> Vec<Cell> {
    let opt_i = |v: Option<i64>| v.map_or(Cell::Empty, Cell::Int);
    let opt_f =
        |v: Option<f64>| v.map_or(Cell::Empty, |x| Cell::Float((x * 100.0).round() / 100.0));
    vec![
        Cell::Text(who.to_string()),
        Cell::Text(status.to_string()),
        opt_i(followers),
        Cell::Int(f.fee_minor),
        Cell::Text(currency.to_string()),
        Cell::Int(f.posts as i64),
        opt_i(f.engagement),
        opt_f(f.engagement_rate),
        opt_f(f.baseline_rate),
        opt_i(f.reach),
        opt_f(f.cost_per_engagement),
        Cell::Text(f.engagement_source.source.clone()),
        f.engagement_source.as_of.map_or(Cell::Empty, Cell::Time),
        Cell::Text(f.baseline_source.source.clone()),
        Cell::Text(f.reach_source.source.clone()),
    ]
}

/// The CSV rows: one per creator, then the total.
pub fn rows(p: &Performance) -> Vec<Vec<Cell>> {
    let mut out: Vec<Vec<Cell>> = p
        .creators
        .iter()
        .map(|c| {
            // The username without `@`: a cell starting with `@` is written as text with a
            // leading quote (spreadsheet formula guard), which would change the name.
            row(
                &c.username,
                c.status.as_str(),
                c.followers,
                &c.figures,
                &p.currency,
            )
        })
        .collect();
    out.push(row("total", "", None, &p.total, &p.currency));
    out
}

fn short(s: &str, n: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= n {
        s
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// The report as a document.
pub fn document(d: &Detail, p: &Performance) -> Document {
    let c = &d.campaign;
    let t = &p.total;
    let demo = p.posts.iter().any(|x| x.source == "demo")
        || d.creators
            .iter()
            .any(|x| x.creator.as_ref().is_some_and(|c| c.pool == "demo"));
    let window = format!("{} – {}", c.starts_on, c.ends_on);
    let facts = vec![
        ("Window".to_string(), window.clone()),
        ("Creators".to_string(), number(d.creators.len() as i64)),
        ("Posts".to_string(), number(t.posts as i64)),
        ("Engagement".to_string(), engagement(t.engagement)),
        ("Engagement rate".to_string(), rate(t.engagement_rate)),
        ("Baseline rate".to_string(), rate(t.baseline_rate)),
        ("Reach".to_string(), reach(t)),
        ("Cost per engagement".to_string(), cpe(t, &c.currency)),
        (
            "Budget".to_string(),
            format!(
                "{} planned, {} spent",
                money(c.budget_planned_minor, &c.currency),
                money(c.budget_spent_minor, &c.currency)
            ),
        ),
    ];
    let mut blocks = Vec::new();
    if demo {
        blocks.push(Block::Callout {
            title: "Demo data".into(),
            body: "Some creators or posts of this campaign are generated demo data, not real Instagram figures.".into(),
            tone: Tone::Warning,
        });
    }
    if !c.brief.is_empty() {
        blocks.push(Block::Heading("Brief".into()));
        blocks.push(Block::Paragraph(c.brief.clone()));
    }
    blocks.push(Block::Heading("Performance".into()));
    blocks.push(Block::KeyValues(vec![
        (
            "Engagement (likes + comments)".into(),
            engagement(t.engagement),
        ),
        (
            "Engagement rate of the campaign's posts".into(),
            rate(t.engagement_rate),
        ),
        (
            "The creators' usual rate (baseline)".into(),
            rate(t.baseline_rate),
        ),
        ("Reach".into(), reach(t)),
        ("Cost per engagement".into(), cpe(t, &c.currency)),
        (
            "Fees of agreed creators".into(),
            money(t.fee_minor, &c.currency),
        ),
    ]));
    blocks.push(Block::Note(format!(
        "Engagement from {} posts, source {}, fetched {}. Baseline source {}, as of {}. Reach source {}, as of {}. Computed {}.",
        number(t.posts_counted as i64),
        source_label(&t.engagement_source),
        when(t.engagement_source.as_of),
        source_label(&t.baseline_source),
        when(t.baseline_source.as_of),
        source_label(&t.reach_source),
        when(t.reach_source.as_of),
        when(Some(p.computed_at)),
    )));
    let with_posts: Vec<_> = p.creators.iter().filter(|x| x.figures.posts > 0).collect();
    if !with_posts.is_empty() {
        blocks.push(Block::Bars {
            title: "Engagement by creator".into(),
            unit: "likes + comments".into(),
            bars: with_posts
                .iter()
                .map(|x| Bar {
                    label: format!("@{}", x.username),
                    value: x.figures.engagement.map_or(f64::NAN, |e| e as f64),
                    tone: Tone::Neutral,
                    annotation: Some(format!("{} posts", number(x.figures.posts as i64))),
                })
                .collect(),
            max: None,
        });
        blocks.push(Block::Bars {
            title: "Engagement rate on the campaign vs the creator's baseline".into(),
            unit: "%".into(),
            bars: with_posts
                .iter()
                .map(|x| {
                    let (r, b) = (x.figures.engagement_rate, x.figures.baseline_rate);
                    Bar {
                        label: format!("@{}", x.username),
                        value: r.unwrap_or(f64::NAN),
                        tone: match (r, b) {
                            (Some(r), Some(b)) if r >= b => Tone::Good,
                            (Some(_), Some(_)) => Tone::Warning,
                            _ => Tone::Neutral,
                        },
                        annotation: Some(format!("baseline {}", rate(b))),
                    }
                })
                .collect(),
            max: None,
        });
    }
    if p.posts.len() >= 2 {
        let mut by_day: std::collections::BTreeMap<chrono::NaiveDate, i64> = Default::default();
        for x in &p.posts {
            *by_day.entry(x.posted_at.date_naive()).or_default() += x.engagement.unwrap_or(0);
        }
        let mut sum = 0;
        blocks.push(Block::Line {
            title: "Engagement of the campaign's posts, cumulative by posting day".into(),
            unit: "likes + comments".into(),
            points: by_day
                .into_iter()
                .map(|(day, e)| {
                    sum += e;
                    (day.format("%b %-d").to_string(), sum as f64)
                })
                .collect(),
        });
    }
    blocks.push(Block::Heading("Creators".into()));
    blocks.push(Block::Table {
        columns: vec![
            col("Creator", Align::Left, 2.0),
            col("Status", Align::Left, 1.2),
            col("Fee", Align::Right, 1.4),
            col("Posts", Align::Right, 0.8),
            col("Engagement", Align::Right, 1.3),
            col("Rate", Align::Right, 1.0),
            col("Baseline", Align::Right, 1.0),
            col("Cost / eng.", Align::Right, 1.3),
        ],
        rows: p
            .creators
            .iter()
            .map(|x| {
                vec![
                    format!("@{}", x.username),
                    x.status.label().into(),
                    money(x.figures.fee_minor, &c.currency),
                    number(x.figures.posts as i64),
                    engagement(x.figures.engagement),
                    rate(x.figures.engagement_rate),
                    rate(x.figures.baseline_rate),
                    cpe(&x.figures, &c.currency),
                ]
            })
            .collect(),
        caption: Some(format!(
            "Rates in percent of followers. Fees in {}.",
            c.currency
        )),
    });
    if !p.posts.is_empty() {
        blocks.push(Block::Heading("Posts".into()));
        blocks.push(Block::Table {
            columns: vec![
                col("Posted", Align::Left, 1.2),
                col("Creator", Align::Left, 1.5),
                col("Caption", Align::Left, 3.0),
                col("Engagement", Align::Right, 1.2),
                col("Rate", Align::Right, 0.9),
                col("Found", Align::Left, 1.4),
            ],
            rows: p
                .posts
                .iter()
                .map(|x| {
                    vec![
                        x.posted_at.format("%Y-%m-%d").to_string(),
                        format!("@{}", x.username),
                        short(&x.caption, 90),
                        engagement(x.engagement),
                        rate(x.engagement_rate),
                        if x.how == "tracked" {
                            format!("tracked: {}", x.matched)
                        } else {
                            "attached by hand".into()
                        },
                    ]
                })
                .collect(),
            caption: None,
        });
    }
    let by_status: Vec<(Status, usize)> = Status::ALL
        .into_iter()
        .map(|s| (s, p.creators.iter().filter(|x| x.status == s).count()))
        .collect();
    blocks.push(Block::Bars {
        title: "Creators by status".into(),
        unit: "creators".into(),
        bars: by_status
            .into_iter()
            .map(|(s, n)| Bar {
                label: s.label().into(),
                value: n as f64,
                tone: Tone::Neutral,
                annotation: None,
            })
            .collect(),
        max: None,
    });
    if !d.milestones.is_empty() || !d.deliverables.is_empty() {
        blocks.push(Block::Heading("Milestones and deliverables".into()));
    }
    if !d.milestones.is_empty() {
        blocks.push(Block::Table {
            columns: vec![
                col("Milestone", Align::Left, 3.0),
                col("Due", Align::Left, 1.0),
                col("Done", Align::Left, 1.0),
            ],
            rows: d
                .milestones
                .iter()
                .map(|m| {
                    vec![
                        m.name.clone(),
                        m.due_on.to_string(),
                        if m.done { "yes" } else { "no" }.into(),
                    ]
                })
                .collect(),
            caption: None,
        });
    }
    if !d.deliverables.is_empty() {
        blocks.push(Block::Table {
            columns: vec![
                col("Creator", Align::Left, 2.0),
                col("Deliverable", Align::Left, 1.0),
                col("Due", Align::Left, 1.0),
                col("Done", Align::Left, 1.0),
            ],
            rows: d
                .deliverables
                .iter()
                .map(|x| {
                    vec![
                        d.creator(x.profile_id)
                            .map_or_else(|| "—".into(), |c| format!("@{}", c.username())),
                        kind_label(&x.kind).into(),
                        x.due_on.to_string(),
                        if x.done { "yes" } else { "no" }.into(),
                    ]
                })
                .collect(),
            caption: None,
        });
    }
    Document {
        title: format!("Campaign report: {}", c.name),
        subject: format!("{} · {window}", c.name),
        keywords: vec!["campaign".into(), "report".into()],
        created: p.computed_at,
        footer: format!("{} · computed {}", c.name, when(Some(p.computed_at))),
        cover: Cover {
            kicker: "Campaign report".into(),
            heading: c.name.clone(),
            subheading: window,
            score: None,
            facts,
            note: Some(
                "Engagement is likes + comments of the campaign's posts; rates are in percent of the creator's followers and compare with the creator's usual rate. Reach is shown only where a connected account's insights give it.".into(),
            ),
        },
        blocks,
    }
}

fn col(title: &str, align: Align, weight: f32) -> Column {
    Column {
        title: title.into(),
        align,
        weight,
    }
}

/// The PDF of a campaign and its file name stem.
pub async fn pdf(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<(String, Vec<u8>)> {
    let (d, p) = performance::performance(state, ctx, id).await?;
    let doc = document(&d, &p);
    let bytes = tokio::task::spawn_blocking(move || report::render(&doc))
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)?;
    Ok((file_stem(&d.campaign.name), bytes))
}

/// A file name stem from a campaign's name: letters, digits and dashes.
pub fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let s: String = s.chars().take(80).collect();
    if s.is_empty() {
        "campaign-report".into()
    } else {
        format!("campaign-{s}")
    }
}
