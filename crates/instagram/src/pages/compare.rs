//! `/instagram/compare`: own accounts and tracked profiles side by side over a range — a
//! table of public figures and overlaid charts (follower change, engagement rate), one
//! series per profile. The choice of profiles and the range are in the address
//! (`?days=30&profile=…&profile=…`); with no choice, the first six are shown.

use askama::Template;
use axum::{
    extract::{RawQuery, State},
    http::StatusCode,
    response::Response,
};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, Result,
    web::{
        charts::{self, Format, Series, Step, Style, Timeline},
        flash,
        forms::{Answer, html_with},
        shell::{self, Shell},
    },
};

use super::format::{count, day, provenance_of_all, rate, signed, source_label, when};
use crate::service::{
    compare::{self, Compared, MAX_CHOSEN},
    engagement,
    figures::Provenance,
    period::{Bucket, Period},
    subject::Subject,
};

struct Choice {
    id: String,
    username: String,
    relation: &'static str,
    checked: bool,
}

struct RangeOption {
    days: u16,
    checked: bool,
}

struct Row {
    username: String,
    link: String,
    relation: &'static str,
    demo: bool,
    followers: String,
    change: String,
    change_note: String,
    engagement: String,
    per_week: String,
    posts: String,
    follows: String,
    source: String,
}

#[derive(Template)]
#[template(path = "instagram/compare.html")]
struct ComparePage {
    shell: Shell,
    ranges: Vec<RangeOption>,
    days: u16,
    period_label: String,
    choices: Vec<Choice>,
    max: usize,
    /// Why the choice or the range was refused; empty: fine.
    error: String,
    /// Chosen profiles that are not (or no longer) in this workspace.
    unknown_note: String,
    rows: Vec<Row>,
    followers_chart: String,
    engagement_chart: String,
    charts_source: String,
    definition_link: &'static str,
}

fn relation(s: &Subject) -> &'static str {
    if s.is_tracked() {
        "Tracked"
    } else {
        "Your account"
    }
}

fn step(b: Bucket) -> Step {
    match b {
        Bucket::Day => Step::Day,
        Bucket::Week => Step::Week,
    }
}

fn row(c: &Compared) -> Row {
    let p = c.subject.profile();
    let f = &c.figures;
    let change = f.follower_change();
    Row {
        username: p.username.clone(),
        link: c.subject.path(),
        relation: relation(&c.subject),
        demo: p.pool == "demo",
        followers: count(p.followers_count),
        change: change
            .map(|c| signed(c.gained()))
            .unwrap_or_else(|| "—".into()),
        change_note: match change {
            Some(c) => {
                let pct = c
                    .percent()
                    .map(|p| format!("{p:+.2} %"))
                    .unwrap_or_default();
                if c.inexact {
                    format!("{pct} since {}", day(c.from))
                } else {
                    pct
                }
            }
            None => "not enough history".into(),
        },
        engagement: rate(f.engagement_rate()),
        per_week: format!("{:.1}", f.posts_per_week()),
        posts: count(Some(f.post_count())),
        follows: count(p.follows_count),
        source: {
            // The newest fetch of the row's figures, and every source among them.
            let mut all = Provenance::of(&p.source, p.fetched_at);
            for part in [&f.followers_provenance, &f.posts_provenance] {
                for s in &part.sources {
                    all.add(s, part.fetched_at);
                }
            }
            let sources: Vec<&str> = all.sources.iter().map(|s| source_label(s)).collect();
            format!(
                "{} · fetched {}",
                sources.join(", "),
                when(all.fetched_at.as_ref())
            )
        },
    }
}

fn charts_of(compared: &[Compared], period: Period) -> Result<(String, String)> {
    if compared.is_empty() {
        return Ok((String::new(), String::new()));
    }
    let names: Vec<String> = compared
        .iter()
        .map(|c| format!("@{}", c.subject.profile().username))
        .collect();
    let today = compared[0].figures.today;

    let daily = period.daily_bucket();
    let points = period.buckets(daily, today);
    let values: Vec<Vec<Option<f64>>> = compared
        .iter()
        .map(|c| {
            c.figures
                .follower_change_by(daily)
                .into_iter()
                .map(|(_, v)| v)
                .collect()
        })
        .collect();
    let series: Vec<Series> = names
        .iter()
        .zip(&values)
        .map(|(name, values)| Series { name, values })
        .collect();
    let followers = charts::timeline(&Timeline {
        title: "Follower change since the start of the range, in %",
        points: &points,
        step: step(daily),
        series: &series,
        style: Style::Line,
        format: Format::SignedPercent,
        zero_based: true,
    })?;

    let posts = period.post_bucket();
    let points = period.buckets(posts, today);
    let values: Vec<Vec<Option<f64>>> = compared
        .iter()
        .map(|c| {
            c.figures
                .engagement_by(posts)
                .into_iter()
                .map(|(_, v)| v)
                .collect()
        })
        .collect();
    let series: Vec<Series> = names
        .iter()
        .zip(&values)
        .map(|(name, values)| Series { name, values })
        .collect();
    let engagement = charts::timeline(&Timeline {
        title: match posts {
            Bucket::Day => "Engagement rate of posts, by day posted",
            Bucket::Week => "Engagement rate of posts, by week posted",
        },
        points: &points,
        step: step(posts),
        series: &series,
        style: Style::Line,
        format: Format::Percent,
        zero_based: true,
    })?;
    Ok((followers, engagement))
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
    jar: CookieJar,
) -> Result<Response> {
    let mut days: Option<String> = None;
    let mut requested: Vec<String> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "days" => days = Some(v.into_owned()),
            "profile" => requested.push(v.into_owned()),
            _ => {}
        }
    }
    let mut errors: Vec<String> = Vec::new();
    let period = Period::parse(days.as_deref()).unwrap_or_else(|_| {
        errors.push(Period::INVALID.to_string());
        Period::DEFAULT
    });
    let candidates = compare::candidates(&state, &ctx).await?;
    let choice = match compare::choose(&candidates, &requested) {
        Ok(c) => c,
        Err(Error::Validation(fields)) => {
            errors.extend(fields.into_iter().map(|f| f.message));
            // What was typed stays ticked; the first six of it are compared.
            let ids: Vec<&str> = requested.iter().map(|r| r.trim()).collect();
            compare::Choice {
                chosen: candidates
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| ids.contains(&c.id().to_string().as_str()))
                    .map(|(i, _)| i)
                    .take(MAX_CHOSEN)
                    .collect(),
                unknown: 0,
            }
        }
        Err(e) => return Err(e),
    };
    let requested_ids: Vec<&str> = requested.iter().map(|r| r.trim()).collect();
    let choices = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| Choice {
            id: c.id().to_string(),
            username: c.profile().username.clone(),
            relation: relation(c),
            checked: choice.chosen.contains(&i)
                || requested_ids.contains(&c.id().to_string().as_str()),
        })
        .collect();
    let chosen: Vec<Subject> = choice
        .chosen
        .iter()
        .filter_map(|i| candidates.get(*i).cloned())
        .collect();
    let compared = compare::compare(&state, chosen, period).await?;
    let (followers_chart, engagement_chart) = charts_of(&compared, period)?;
    let charts_source = provenance_of_all(
        compared
            .iter()
            .flat_map(|c| [&c.figures.followers_provenance, &c.figures.posts_provenance]),
    );
    let rows = compared.iter().map(row).collect();
    let (jar, flashes) = flash::take(jar);
    let answer = if errors.is_empty() {
        Answer::OK
    } else {
        Answer::status(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let page = ComparePage {
        shell: shell::for_request(
            &state,
            Some(&ctx),
            "Compare profiles",
            "/instagram",
            flashes,
        )
        .await?,
        ranges: Period::all()
            .map(|p| RangeOption {
                days: p.days(),
                checked: p == period,
            })
            .collect(),
        days: period.days(),
        period_label: period.label(),
        choices,
        max: MAX_CHOSEN,
        error: errors.join(" "),
        unknown_note: match choice.unknown {
            0 => String::new(),
            1 => "One chosen profile is not in this workspace (any more) and is left out.".into(),
            n => format!(
                "{n} chosen profiles are not in this workspace (any more) and are left out."
            ),
        },
        rows,
        followers_chart,
        engagement_chart,
        charts_source,
        definition_link: engagement::DEFINITION_LINK,
    };
    Ok(html_with(answer, jar, &page))
}
