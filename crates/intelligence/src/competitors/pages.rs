//! `/instagram/accounts/{id}/competitors`: an own account beside the tracked profiles chosen
//! on the page (saved, so they are there next time): overlaid follower and engagement charts
//! by week, the figures side by side, content and format mix, top posts, best slots, hashtags
//! the others use with lift, and the CSV and PDF downloads. Every figure names its source and
//! fetch time; demo data is labelled.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use instagram::service::{subject::Subject, tracked};
use platform::{
    AppState, Ctx, Permission, Result,
    http::extract::Path,
    web::{
        charts::{self, Format, Series, Step, Style, Timeline},
        flash,
        forms::{after_action, html, parse_id},
        links::ObjectLink,
        pages::{PageRoutes, get},
        shell::{self, Shell},
    },
};

use crate::{
    pages::{planner::source_label, when},
    service::{
        audit::inputs::day,
        competitors::{
            CompetitorAnalysis, CompetitorShare, MAX_DAYS, MAX_TRACKED, MIN_DAYS, analysis, set,
        },
    },
};

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route("/instagram/accounts/{id}/competitors", get(page).post(save))
        .route("/instagram/accounts/{id}/competitors/csv", get(csv))
        .route("/instagram/accounts/{id}/competitors/pdf", get(pdf))
}

/// The link on the account page.
pub fn link() -> ObjectLink {
    ObjectLink {
        object: instagram::ACCOUNT_OBJECT,
        label: "Competitors",
        path: "/instagram/accounts/{id}/competitors",
        order: 26,
    }
}

struct Pick {
    id: String,
    label: String,
    checked: bool,
}

struct Row {
    username: String,
    mine: bool,
    followers: String,
    growth: String,
    posts: String,
    cadence: String,
    rate: String,
    share: String,
    media: String,
    categories: String,
    slots: String,
    top: Vec<(String, String, Option<String>)>,
    provenance: String,
}

struct TagRow {
    tag: String,
    lift: String,
    posts: usize,
    rates: String,
    used_by: String,
}

#[derive(Template)]
#[template(path = "intelligence/competitors.html")]
struct CompetitorsPage {
    shell: Shell,
    username: String,
    back: String,
    action: String,
    can_write: bool,
    demo: bool,
    picks: Vec<Pick>,
    ranges: Vec<(i64, bool)>,
    max_tracked: usize,
    min_days: i64,
    max_days: i64,
    period: String,
    gone: usize,
    followers_chart: String,
    engagement_chart: String,
    rows: Vec<Row>,
    tags: Vec<TagRow>,
    method: &'static str,
    computed: String,
}

fn mix(v: &[CompetitorShare]) -> String {
    if v.is_empty() {
        return "—".into();
    }
    v.iter()
        .map(|s| format!("{} {:.0} %", s.label, s.share))
        .collect::<Vec<_>>()
        .join(", ")
}

fn charts_of(a: &CompetitorAnalysis) -> Result<(String, String)> {
    let Some(first) = a.profiles.first() else {
        return Ok((String::new(), String::new()));
    };
    let points: Vec<chrono::NaiveDate> = first.weeks.iter().map(|w| w.week).collect();
    let names: Vec<String> = a
        .profiles
        .iter()
        .map(|p| format!("@{}", p.username))
        .collect();
    // Followers as the change since the period's start (in %), so profiles of any size share
    // one axis.
    let growth: Vec<Vec<Option<f64>>> = a
        .profiles
        .iter()
        .map(|p| {
            p.weeks
                .iter()
                .map(|w| match (p.followers_start, w.followers) {
                    (Some(s), Some(f)) if s > 0 => Some((f - s) as f64 * 100.0 / s as f64),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let rates: Vec<Vec<Option<f64>>> = a
        .profiles
        .iter()
        .map(|p| p.weeks.iter().map(|w| w.median_rate).collect())
        .collect();
    let growth_series: Vec<Series> = names
        .iter()
        .zip(&growth)
        .map(|(name, values)| Series { name, values })
        .collect();
    let rate_series: Vec<Series> = names
        .iter()
        .zip(&rates)
        .map(|(name, values)| Series { name, values })
        .collect();
    let followers = charts::timeline(&Timeline {
        title: "Follower change since the start of the period, in %, by week",
        points: &points,
        step: Step::Week,
        series: &growth_series,
        style: Style::Line,
        format: Format::SignedPercent,
        zero_based: true,
    })?;
    let engagement = charts::timeline(&Timeline {
        title: "Median engagement rate of the week's posts",
        points: &points,
        step: Step::Week,
        series: &rate_series,
        style: Style::Line,
        format: Format::Percent,
        zero_based: true,
    })?;
    Ok((followers, engagement))
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let account = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    let chosen = set::saved(&state, &ctx, &account).await?;
    let a = analysis::analyse(&state, &ctx, &account, &chosen).await?;
    let picks = tracked::list(&state, &ctx)
        .await?
        .into_iter()
        .map(|t| Pick {
            checked: chosen.tracked.iter().any(|c| c.id() == t.tracked.id),
            id: t.tracked.id.to_string(),
            label: format!("@{}", t.profile.username),
        })
        .collect();
    let (followers_chart, engagement_chart) = charts_of(&a)?;
    let rows = a
        .profiles
        .iter()
        .map(|p| Row {
            username: p.username.clone(),
            mine: p.kind == "account",
            followers: p
                .followers_end
                .map(platform::web::format::number)
                .unwrap_or_else(|| "—".into()),
            growth: p
                .follower_growth
                .map(|g| format!("{g:+.1} %"))
                .unwrap_or_else(|| "—".into()),
            posts: p.posts.to_string(),
            cadence: format!("{:.1}", p.posts_per_week),
            rate: p
                .median_rate
                .map(|r| format!("{r:.2} %"))
                .unwrap_or_else(|| "—".into()),
            share: p
                .engagement_share
                .map(|s| format!("{s:.1} %"))
                .unwrap_or_else(|| "—".into()),
            media: mix(&p.media_mix),
            categories: mix(&p.category_mix),
            slots: if p.best_slots.is_empty() {
                "Not enough posts at any hour yet".into()
            } else {
                p.best_slots
                    .iter()
                    .map(|s| format!("{} ({} posts)", s.label, s.posts))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            top: p
                .top_posts
                .iter()
                .map(|t| {
                    (
                        t.posted_at.format("%b %-d, %Y").to_string(),
                        format!(
                            "{} · {}",
                            t.media_type.to_lowercase().replace('_', " "),
                            t.rate
                                .map(|r| format!("{r:.2} %"))
                                .unwrap_or_else(|| "—".into())
                        ),
                        t.permalink.clone().filter(|l| l.starts_with("https://")),
                    )
                })
                .collect(),
            provenance: format!(
                "{}, fetched {}",
                source_label(&p.source),
                when(p.fetched_at.as_ref())
            ),
        })
        .collect();
    let tags = a
        .hashtags
        .iter()
        .map(|h| TagRow {
            tag: h.tag.clone(),
            lift: format!("{:.2}×", h.lift),
            posts: h.posts_with,
            rates: format!("{:.2} % with, {:.2} % without", h.rate_with, h.rate_without),
            used_by: h.used_by.join(", "),
        })
        .collect();
    let username = a.username.clone();
    let (jar, flashes) = flash::take(jar);
    let title = format!("Competitors · @{username}");
    let view = CompetitorsPage {
        shell: shell::for_request(&state, Some(&ctx), &title, "/instagram", flashes).await?,
        back: account.path(),
        action: format!("{}/competitors", account.path()),
        can_write: ctx.can(Permission::WorkspaceWrite),
        demo: a.is_demo(),
        picks,
        ranges: [30, 90, 180, 365]
            .into_iter()
            .map(|d| (d, d == chosen.days))
            .collect(),
        max_tracked: MAX_TRACKED,
        min_days: MIN_DAYS,
        max_days: MAX_DAYS,
        period: format!("{} – {}", day(a.from), day(a.to)),
        gone: a.gone,
        followers_chart,
        engagement_chart,
        rows,
        tags,
        method: analysis::METHOD,
        computed: when(Some(&a.computed_at)),
        username,
    };
    Ok(html(jar, &view))
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    body: String,
) -> Result<Response> {
    let account = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    let mut tracked: Vec<String> = Vec::new();
    let mut days: Option<i64> = None;
    // Repeated `tracked` checkboxes: read the pairs as sent.
    for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
        match k.as_ref() {
            "tracked" => tracked.push(v.chars().take(64).collect()),
            "days" => days = Some(v.trim().parse().unwrap_or(-1)),
            _ => {}
        }
    }
    let back = format!("{}/competitors", account.path());
    let result = set::save(&state, &ctx, &account, &tracked, days).await;
    after_action(jar, &back, result, |c| {
        format!(
            "Saved: @{} beside {}.",
            account.profile().username,
            platform::web::format::count(
                c.tracked.len() as i64,
                "tracked profile",
                "tracked profiles"
            )
        )
    })
}

async fn csv(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response> {
    super::api::csv_download(&state, &ctx, &id).await
}

async fn pdf(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response> {
    super::api::pdf_download(&state, &ctx, &id).await
}
