//! The analysis page of an account or tracked profile (`/instagram/{accounts|tracked}/{id}/
//! analysis`): what its posts are about (categories), in which languages, how they sound
//! (sentiment, by month), a content quality score with its formula, and the newest posts'
//! labels with the evidence — each figure with the source of the posts and the time of the
//! analysis, and the methods that produced them. "Analyse now" queues the job and shows its
//! progress live. The account page links here through `platform::web::links`.

pub mod ab_tests;
pub mod dm_templates;
pub mod planner;
pub mod studio;

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Utc};
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Permission, Result,
    http::{extract::Path, meta},
    web::{
        charts::{self, Format, Series, Step, Style, Timeline},
        flash,
        format::number,
        forms::{after_action, html, parse_id},
        links::ObjectLink,
        pages::{PageRoutes, get},
        shell::{self, Shell},
    },
};

use crate::{
    model::post_analysis,
    service::{
        analyze,
        summary::{self, QUALITY_FORMULA, Share},
    },
};

/// Posts listed with their labels.
const LISTED: u64 = 30;

const ALREADY_QUEUED: &str = "An analysis is already on its way.";

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(
            "/instagram/accounts/{id}/analysis",
            get(account_page).post(analyze_account),
        )
        .route(
            "/instagram/tracked/{id}/analysis",
            get(tracked_page).post(analyze_tracked),
        )
}

/// The links on the account and tracked-profile pages.
pub fn links() -> [ObjectLink; 2] {
    [
        ObjectLink {
            object: instagram::ACCOUNT_OBJECT,
            label: "Post analysis",
            path: "/instagram/accounts/{id}/analysis",
            order: 10,
        },
        ObjectLink {
            object: instagram::TRACKED_OBJECT,
            label: "Post analysis",
            path: "/instagram/tracked/{id}/analysis",
            order: 10,
        },
    ]
}

struct Bar {
    label: String,
    posts: String,
    count: i64,
    share: String,
}

struct PostRow {
    date: String,
    language: String,
    sentiment: &'static str,
    sentiment_class: &'static str,
    score: String,
    method: String,
    category: String,
    evidence: String,
}

#[derive(Template)]
#[template(path = "intelligence/analysis.html")]
struct AnalysisPage {
    shell: Shell,
    username: String,
    back: String,
    action: String,
    demo: bool,
    can_write: bool,
    analysed_posts: String,
    primary_category: String,
    mean_sentiment: String,
    quality_score: String,
    quality_formula: &'static str,
    provenance: String,
    total: i64,
    categories: Vec<Bar>,
    languages: Vec<Bar>,
    sentiments: Vec<Bar>,
    chart: String,
    posts: Vec<PostRow>,
    method_language: &'static str,
    method_sentiment: &'static str,
    method_category: &'static str,
    method_version: u32,
    comments_analysed: i64,
    comments_count: String,
    comment_sentiments: Vec<Bar>,
    comments_mean: String,
}

#[derive(Template)]
#[template(path = "intelligence/_started.html")]
struct Started {
    job_id: String,
    username: String,
}

#[derive(Template)]
#[template(source = r#"<p class="hint">{{ message }}</p>"#, ext = "html")]
struct Waiting {
    message: &'static str,
}

pub(crate) fn when(t: Option<&DateTime<Utc>>) -> String {
    t.map(|t| t.format("%b %-d, %Y, %H:%M UTC").to_string())
        .unwrap_or_else(|| "not yet".into())
}

pub(crate) fn source_labels(sources: &[String]) -> String {
    if sources.is_empty() {
        return "no posts analysed yet".into();
    }
    sources
        .iter()
        .map(|s| {
            instagram::source::Source::parse(s)
                .map(|s| s.label())
                .unwrap_or("Unknown source")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn bars(shares: Vec<Share>, total: i64, label: impl Fn(&str) -> String) -> Vec<Bar> {
    shares
        .into_iter()
        .map(|s| Bar {
            label: label(&s.key),
            posts: number(s.posts),
            count: s.posts,
            share: if total > 0 {
                format!("{:.1} %", s.posts as f64 * 100.0 / total as f64)
            } else {
                "—".into()
            },
        })
        .collect()
}

fn category_label(key: &str) -> String {
    key.parse::<analysis::Category>()
        .map(|c| c.label().to_string())
        .unwrap_or_else(|_| "No category detected".into())
}

fn language_label(key: &str) -> String {
    if key == "none" {
        "No language detected".into()
    } else {
        analysis::language::language_name(key).to_string()
    }
}

fn sentiment_label(key: &str) -> (&'static str, &'static str) {
    match key {
        "positive" => ("Positive", "badge-success"),
        "negative" => ("Negative", "badge-danger"),
        "neutral" => ("Neutral", "badge-muted"),
        _ => ("Not analysed", "badge-muted"),
    }
}

fn sentiment_bars(shares: Vec<Share>, total: i64) -> Vec<Bar> {
    bars(shares, total, |key| sentiment_label(key).0.to_string())
}

fn signed2(x: f64) -> String {
    if x > 0.0 {
        format!("+{x:.2}")
    } else {
        format!("{x:.2}")
    }
}

fn post_row(m: post_analysis::Model) -> PostRow {
    let (sentiment, sentiment_class) = sentiment_label(&m.sentiment);
    let evidence = m.evidence();
    let method = match m.sentiment_method.as_deref() {
        Some("vader_en") => "VADER (English)".to_string(),
        Some("emoji") => "Emoji sentiment".to_string(),
        _ => m
            .sentiment_reason()
            .map(|mut r| {
                if let Some(first) = r.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                r
            })
            .unwrap_or_default(),
    };
    PostRow {
        date: m.posted_at.format("%b %-d, %Y").to_string(),
        language: match (&m.language, m.language_confidence) {
            (Some(code), Some(c)) => format!(
                "{} ({:.0} %)",
                analysis::language::language_name(code),
                c * 100.0
            ),
            _ => "—".into(),
        },
        sentiment,
        sentiment_class,
        score: m.sentiment_score.map(signed2).unwrap_or_else(|| "—".into()),
        method,
        category: match (&m.category, m.category_confidence) {
            (Some(c), Some(conf)) => format!("{} ({:.0} %)", category_label(c), conf * 100.0),
            _ => "—".into(),
        },
        evidence: evidence.join(", "),
    }
}

async fn page(state: AppState, ctx: Ctx, subject: Subject, jar: CookieJar) -> Result<Response> {
    let profile = subject.profile().clone();
    let s = summary::profile(&state.db, profile.id).await?;
    let recent = summary::recent_posts(&state.db, profile.id, LISTED).await?;
    let comments = summary::comments(&state.db, profile.id).await?;
    let total = s.analysed_posts;
    let months: Vec<_> = s.sentiment_by_month.iter().map(|m| m.month).collect();
    let values: Vec<Option<f64>> = s.sentiment_by_month.iter().map(|m| m.mean_score).collect();
    let chart = if months.is_empty() {
        String::new()
    } else {
        charts::timeline(&Timeline {
            title: "Mean sentiment of the posts, by month posted",
            points: &months,
            step: Step::Month,
            series: &[Series {
                name: "Mean sentiment (−1 to 1)",
                values: &values,
            }],
            style: Style::Bar,
            format: Format::Unit(""),
            zero_based: true,
        })?
    };
    let back = subject.path();
    let (jar, flashes) = flash::take(jar);
    let title = format!("Post analysis · @{}", profile.username);
    let sentiments = sentiment_bars(s.sentiments, total);
    let view = AnalysisPage {
        shell: shell::for_request(&state, Some(&ctx), &title, "/instagram", flashes).await?,
        username: profile.username.clone(),
        action: format!("{back}/analysis"),
        back,
        demo: profile.pool == "demo",
        can_write: ctx.can(Permission::WorkspaceWrite),
        analysed_posts: number(total),
        primary_category: s
            .primary_category
            .as_deref()
            .map(category_label)
            .unwrap_or_else(|| "—".into()),
        mean_sentiment: s.mean_sentiment.map(signed2).unwrap_or_else(|| "—".into()),
        quality_score: s
            .quality_score
            .map(|q| format!("{q:.1}"))
            .unwrap_or_else(|| "—".into()),
        quality_formula: QUALITY_FORMULA,
        provenance: format!(
            "{}, analysed {}",
            source_labels(&s.sources),
            when(s.analysed_at.as_ref())
        ),
        total,
        categories: bars(s.categories, total, category_label),
        languages: bars(s.languages, total, language_label),
        sentiments,
        chart,
        posts: recent.into_iter().map(post_row).collect(),
        method_language: analysis::METHOD.language,
        method_sentiment: analysis::METHOD.sentiment,
        method_category: analysis::METHOD.category,
        method_version: analysis::METHOD.version,
        comments_analysed: comments.analysed,
        comments_count: number(comments.analysed),
        comment_sentiments: sentiment_bars(comments.sentiments, comments.analysed),
        comments_mean: comments
            .mean_sentiment
            .map(signed2)
            .unwrap_or_else(|| "—".into()),
    };
    Ok(html(jar, &view))
}

async fn queue(state: AppState, ctx: Ctx, subject: Subject, jar: CookieJar) -> Result<Response> {
    let job = analyze::request(&state, &ctx, &subject).await?;
    let back = format!("{}/analysis", subject.path());
    if meta::current().is_htmx {
        return Ok(match job {
            Some(id) => platform::web::render(&Started {
                job_id: id.to_string(),
                username: subject.profile().username.clone(),
            }),
            None => platform::web::render(&Waiting {
                message: ALREADY_QUEUED,
            }),
        });
    }
    after_action(jar, &back, Ok(job), |job| match job {
        Some(_) => "Analysis started: the figures update when it finishes.".into(),
        None => ALREADY_QUEUED.into(),
    })
}

async fn account_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let subject = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    page(state, ctx, subject, jar).await
}

async fn tracked_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let subject = Subject::tracked(&state, &ctx, parse_id(&id)?).await?;
    page(state, ctx, subject, jar).await
}

async fn analyze_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let subject = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    queue(state, ctx, subject, jar).await
}

async fn analyze_tracked(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let subject = Subject::tracked(&state, &ctx, parse_id(&id)?).await?;
    queue(state, ctx, subject, jar).await
}
