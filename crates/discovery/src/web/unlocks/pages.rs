//! `/discover/creators/{profile_id}`: a creator's profile, locked (the public card and what an
//! unlock costs) or unlocked (the full analytics, the email unlock, the detailed post
//! analytics); `/discover/unlocked`: the workspace's unlocked creators, their exports and the
//! export trail. Paid actions are POST forms; their answer says what they cost and what is
//! left.

use askama::Template;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Permission, Result, Scope,
    home::ago,
    http::extract::{Form, Path},
    web::{
        flash,
        format::number,
        forms::{action_failed, fmt_opt_time, fmt_time, html, parse_id, redirect_flash},
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, NavEntry, Shell},
    },
};
use serde::Deserialize;

use crate::model::creator;
use crate::service::{
    exports::{self, Format, Record},
    lookalikes,
    profile::{self, Analytics, PostAnalytics},
    unlocks,
};
use crate::web::api::{band_word, pictures, top_categories};

const UNLOCKED: &str = "/discover/unlocked";

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route("/discover/creators/{id}", get(profile_page))
        .route("/discover/creators/{id}/unlock", post(unlock))
        .route("/discover/creators/{id}/email", post(unlock_email))
        .route(
            "/discover/creators/{id}/post-analytics",
            post(post_analytics),
        )
        .route("/discover/creators/{id}/audit", post(audit))
        .route(UNLOCKED, get(unlocked_page))
        .route("/discover/exports/{kind}", post(export))
        .route("/discover/fetch", post(fetch))
}

/// No sidebar entry: unlocked creators are reached from the Discover page's head and from each
/// unlock's message (the sidebar must fit a 900 px high screen without hiding the workspace's
/// entries).
pub fn nav() -> Vec<NavEntry> {
    Vec::new()
}

fn href(profile_id: uuid::Uuid) -> String {
    format!("/discover/creators/{profile_id}")
}

fn source_label(source: &str) -> &'static str {
    instagram::Source::parse(source)
        .map(|s| s.label())
        .unwrap_or("Unknown source")
}

fn percent(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2} %")).unwrap_or_else(|| "—".into())
}

fn signed_percent(x: Option<f64>) -> String {
    x.map(|v| format!("{v:+.1} %"))
        .unwrap_or_else(|| "—".into())
}

/// A post row of the analytics tables.
struct PostRow {
    posted: String,
    posted_exact: String,
    kind: String,
    link: String,
    likes: String,
    comments: String,
    rate: String,
    category: String,
    language: String,
    sentiment: String,
}

fn post_rows(posts: &[profile::PostFigures], now: DateTime<Utc>) -> Vec<PostRow> {
    posts
        .iter()
        .map(|p| PostRow {
            posted: ago(p.posted_at, now),
            posted_exact: fmt_time(&p.posted_at),
            kind: match p.media_type.as_str() {
                "VIDEO" => "Video",
                "CAROUSEL_ALBUM" => "Carousel",
                _ => "Image",
            }
            .into(),
            link: p.permalink.clone().unwrap_or_default(),
            likes: p.likes.map(number).unwrap_or_else(|| "—".into()),
            comments: p.comments.map(number).unwrap_or_else(|| "—".into()),
            rate: percent(p.engagement_rate),
            category: p.category.clone().unwrap_or_else(|| "—".into()),
            language: p.language.clone().unwrap_or_else(|| "—".into()),
            sentiment: p
                .sentiment
                .as_deref()
                .map(|s| match s {
                    "not_analysed" => "Not analysed".to_string(),
                    other => {
                        let mut c = other.chars();
                        c.next()
                            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                            .unwrap_or_default()
                    }
                })
                .unwrap_or_else(|| "—".into()),
        })
        .collect()
}

/// A bar of a mix (category or language).
struct Bar {
    name: String,
    percent: String,
    width: u32,
}

fn bars(shares: &[profile::Share]) -> Vec<Bar> {
    shares
        .iter()
        .take(8)
        .map(|s| Bar {
            name: s.name.clone(),
            percent: format!("{:.0} %", s.percent),
            width: s.percent.round().clamp(0.0, 100.0) as u32,
        })
        .collect()
}

struct AnalyticsView {
    rate: String,
    growth_30: String,
    growth_90: String,
    avg_likes: String,
    avg_comments: String,
    per_week: String,
    categories: Vec<Bar>,
    languages: Vec<Bar>,
    hashtags: String,
    posts: Vec<PostRow>,
    computed: String,
}

fn analytics_view(a: &Analytics, now: DateTime<Utc>) -> AnalyticsView {
    AnalyticsView {
        rate: percent(a.engagement_rate),
        growth_30: signed_percent(a.growth_30d),
        growth_90: signed_percent(a.growth_90d),
        avg_likes: a
            .avg_likes
            .map(|v| number(v.round() as i64))
            .unwrap_or_else(|| "—".into()),
        avg_comments: a
            .avg_comments
            .map(|v| number(v.round() as i64))
            .unwrap_or_else(|| "—".into()),
        per_week: a
            .posts_per_week
            .map(|v| format!("{v:.1}"))
            .unwrap_or_else(|| "—".into()),
        categories: bars(&a.categories),
        languages: bars(&a.languages),
        hashtags: a
            .hashtags
            .iter()
            .take(15)
            .map(|(t, n)| format!("#{t} ({n})"))
            .collect::<Vec<_>>()
            .join(", "),
        posts: post_rows(&a.posts, now),
        computed: fmt_time(&a.computed_at),
    }
}

struct GroupRow {
    key: String,
    posts: String,
    rate: String,
}

struct PostAnalyticsView {
    by_weekday: Vec<GroupRow>,
    by_hour: Vec<GroupRow>,
    by_media_type: Vec<GroupRow>,
    cost: String,
    computed: String,
}

fn group_rows(groups: &[profile::Group], label: impl Fn(&str) -> String) -> Vec<GroupRow> {
    groups
        .iter()
        .map(|g| GroupRow {
            key: label(&g.key),
            posts: number(g.posts),
            rate: format!("{:.2} %", g.engagement_rate),
        })
        .collect()
}

fn post_analytics_view(p: &PostAnalytics) -> PostAnalyticsView {
    PostAnalyticsView {
        by_weekday: group_rows(&p.by_weekday, |k| k.to_string()),
        by_hour: group_rows(&p.by_hour, |k| format!("{k}:00 UTC")),
        by_media_type: group_rows(&p.by_media_type, |k| {
            match k {
                "VIDEO" => "Video",
                "CAROUSEL_ALBUM" => "Carousel",
                _ => "Image",
            }
            .to_string()
        }),
        cost: cost_words(p.cost, p.balance),
        computed: fmt_time(&p.computed_at),
    }
}

fn cost_words(cost: i64, balance: i64) -> String {
    if cost == 0 {
        format!("No credits charged; balance {}.", number(balance))
    } else {
        format!(
            "{} credits charged; balance {}.",
            number(cost),
            number(balance)
        )
    }
}

#[derive(Template)]
#[template(path = "discovery/creator.html")]
struct ProfilePage {
    shell: Shell,
    profile_id: String,
    username: String,
    full_name: String,
    initial: String,
    picture: String,
    bio: String,
    followers: String,
    engagement: &'static str,
    categories: String,
    language: String,
    location: String,
    verified: bool,
    business: bool,
    has_email: bool,
    demo: bool,
    source: &'static str,
    fetched: String,
    fetched_exact: String,
    unlocked: bool,
    email: String,
    can_pay: bool,
    unlock_price: String,
    email_price: String,
    analytics_price: String,
    analytics: Option<AnalyticsView>,
    post_analytics: Option<PostAnalyticsView>,
    /// The creator's audits (once the workspace tracks it), or empty.
    audits_href: String,
    /// The nearest creators of the same pool (public cards), with how near.
    lookalikes: Vec<LookalikeView>,
    lookalike_method: &'static str,
}

/// A similar creator on the profile page.
struct LookalikeView {
    href: String,
    username: String,
    followers: String,
    engagement: &'static str,
    distance: String,
}

/// How many similar creators the profile page shows (the API gives up to 50).
const LOOKALIKES_SHOWN: usize = 6;

async fn price_words(state: &AppState, ctx: &Ctx, action: &str) -> Result<String> {
    let scope = Scope::of(ctx)?;
    let p = state.credits.can_perform(state, &scope, action).await?;
    Ok(if p.cost == 0 {
        if p.free_remaining > 0 {
            format!("free ({} free this month)", number(p.free_remaining))
        } else {
            "no credits charged on your plan".into()
        }
    } else {
        format!("{} credits (balance {})", number(p.cost), number(p.balance))
    })
}

async fn render_profile(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    id: uuid::Uuid,
    post_analytics: Option<PostAnalytics>,
) -> Result<Response> {
    let p = profile::of(state, ctx, id).await?;
    let c: &creator::Model = &p.creator;
    let pics = pictures(state, &[c]).await?;
    let now = platform::db::now();
    let (jar, flashes) = flash::take(jar);
    let title = format!("@{} · Discover", c.username);
    let shell = shell::for_request(state, Some(ctx), &title, "/discover", flashes).await?;
    let page = ProfilePage {
        shell,
        profile_id: c.profile_id.to_string(),
        username: c.username.clone(),
        full_name: c.full_name.clone().unwrap_or_default(),
        initial: c
            .username
            .chars()
            .find(|ch| ch.is_alphanumeric())
            .map(|ch| ch.to_uppercase().collect())
            .unwrap_or_else(|| "?".into()),
        picture: pics.get(c.picture_url.as_deref()).unwrap_or_default(),
        // The address is what an email unlock sells: shown in the bio once it is unlocked.
        bio: match (&c.bio, &p.email) {
            (Some(bio), Some(_)) => bio.clone(),
            (Some(bio), None) => crate::service::index::without_emails(bio),
            (None, _) => String::new(),
        },
        followers: number(c.followers),
        engagement: band_word(c.engagement_rate),
        categories: top_categories(&c.categories).join(", "),
        language: c.language.clone().unwrap_or_default(),
        location: c.location.clone().unwrap_or_default(),
        verified: c.is_verified,
        business: c.is_business,
        has_email: c.has_email,
        demo: c.pool == "demo" || c.source == "demo",
        source: source_label(&c.source),
        fetched: c
            .fetched_at
            .map_or_else(|| "at an unknown time".into(), |t| ago(t, now)),
        fetched_exact: fmt_opt_time(c.fetched_at.as_ref(), ""),
        unlocked: p.unlocked,
        email: p.email.clone().unwrap_or_default(),
        can_pay: ctx.can(Permission::WorkspaceWrite),
        unlock_price: price_words(state, ctx, unlocks::Kind::Profile.action()).await?,
        email_price: price_words(state, ctx, unlocks::Kind::Email.action()).await?,
        analytics_price: price_words(state, ctx, profile::POST_ANALYTICS_ACTION).await?,
        analytics: p.analytics.as_ref().map(|a| analytics_view(a, now)),
        post_analytics: post_analytics.as_ref().map(post_analytics_view),
        lookalikes: lookalikes::nearest(&state.db, c, LOOKALIKES_SHOWN)
            .await?
            .iter()
            .map(|(l, d)| LookalikeView {
                href: href(l.profile_id),
                username: l.username.clone(),
                followers: number(l.followers),
                engagement: band_word(l.engagement_rate),
                distance: format!("{:.2}", d.total),
            })
            .collect(),
        lookalike_method: crate::web::api::LOOKALIKE_METHOD,
        audits_href: if p.unlocked {
            profile::tracked_id(state, ctx, c.profile_id)
                .await?
                .map(audits_page)
                .unwrap_or_default()
        } else {
            String::new()
        },
    };
    Ok(html(jar, &page))
}

async fn profile_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    render_profile(&state, &ctx, jar, id, None).await
}

async fn unlock(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let to = href(id);
    match unlocks::unlock_profile(&state, &ctx, id).await {
        Ok(o) => {
            let message = if o.already_unlocked {
                "Your workspace had already unlocked this creator: nothing was charged.".to_string()
            } else {
                format!(
                    "Unlocked for your whole team, for good. {}",
                    cost_words(o.cost, o.balance)
                )
            };
            Ok(redirect_flash(jar, FlashKind::Success, message, &to))
        }
        Err(e) => action_failed(jar, e, &to),
    }
}

async fn unlock_email(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let to = href(id);
    match unlocks::unlock_email(&state, &ctx, id).await {
        Ok(o) => {
            let message = match o.unlock {
                None => "No email available for this creator: nothing was charged.".to_string(),
                Some(u) if u.already_unlocked => {
                    "Your workspace had already unlocked this email: nothing was charged.".into()
                }
                Some(u) => format!("Email unlocked. {}", cost_words(u.cost, u.balance)),
            };
            Ok(redirect_flash(jar, FlashKind::Success, message, &to))
        }
        Err(e) => action_failed(jar, e, &to),
    }
}

async fn post_analytics(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match profile::post_analytics(&state, &ctx, id).await {
        Ok(p) => render_profile(&state, &ctx, jar, id, Some(p)).await,
        Err(e) => action_failed(jar, e, &href(id)),
    }
}

/// A tracked profile's audits page (crate `intelligence`).
fn audits_page(tracked_id: uuid::Uuid) -> String {
    format!("/instagram/tracked/{tracked_id}/audits")
}

/// Tracks the unlocked creator (if it is not yet) and opens its audits.
async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match profile::track_for_audit(&state, &ctx, id).await {
        Ok(tracked) => Ok(Redirect::to(&audits_page(tracked)).into_response()),
        Err(e) => action_failed(jar, e, &href(id)),
    }
}

struct UnlockedRow {
    href: String,
    username: String,
    full_name: String,
    followers: String,
    engagement: String,
    categories: String,
    demo: bool,
    source: &'static str,
    unlocked: String,
    unlocked_exact: String,
}

struct ExportRow {
    what: String,
    format: String,
    rows: String,
    state: &'static str,
    cost: String,
    when: String,
    when_exact: String,
}

fn export_row(r: &Record, now: DateTime<Utc>) -> ExportRow {
    ExportRow {
        what: match r.kind.as_str() {
            "creators" => "Unlocked creators".into(),
            "posts" => "Posts of unlocked creators".into(),
            "list" => format!("List: {}", r.name),
            "campaign" => format!("Campaign: {}", r.name),
            "campaign_report" => format!("Campaign report: {}", r.name),
            _ => r.name.clone(),
        },
        format: r.format.to_uppercase(),
        rows: r.rows.map(number).unwrap_or_else(|| "—".into()),
        state: match r.state.as_str() {
            "done" => "Done",
            "failed" => "Failed",
            _ => "Running",
        },
        cost: number(r.cost),
        when: ago(r.created_at, now),
        when_exact: fmt_time(&r.created_at),
    }
}

#[derive(Template)]
#[template(path = "discovery/unlocked.html")]
struct UnlockedPage {
    shell: Shell,
    rows: Vec<UnlockedRow>,
    total: String,
    exports: Vec<ExportRow>,
    can_export: bool,
    export_price: String,
    computed: String,
}

async fn unlocked_page(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response> {
    let (rows, total) = unlocks::unlocked_creators(&state, &ctx, 200).await?;
    let history = exports::history(&state, &ctx, 50).await?;
    let now = platform::db::now();
    let (jar, flashes) = flash::take(jar);
    let shell =
        shell::for_request(&state, Some(&ctx), "Unlocked creators", UNLOCKED, flashes).await?;
    let page = UnlockedPage {
        shell,
        rows: rows
            .iter()
            .map(|(u, c)| UnlockedRow {
                href: href(c.profile_id),
                username: c.username.clone(),
                full_name: c.full_name.clone().unwrap_or_default(),
                followers: number(c.followers),
                engagement: percent(c.engagement_rate),
                categories: top_categories(&c.categories).join(", "),
                demo: c.pool == "demo" || c.source == "demo",
                source: source_label(&c.source),
                unlocked: u.unlocked_at.map_or_else(String::new, |t| ago(t, now)),
                unlocked_exact: fmt_opt_time(u.unlocked_at.as_ref(), ""),
            })
            .collect(),
        total: number(total as i64),
        exports: history.iter().map(|r| export_row(r, now)).collect(),
        can_export: ctx.can(Permission::WorkspaceWrite),
        export_price: price_words(&state, &ctx, exports::ACTION).await?,
        computed: fmt_time(&now),
    };
    Ok(html(jar, &page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExportForm {
    format: String,
}

async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(kind): Path<String>,
    jar: CookieJar,
    Form(form): Form<ExportForm>,
) -> Result<Response> {
    let Some(format) = Format::parse(&form.format) else {
        return action_failed(
            jar,
            platform::Error::validation("format", "Choose CSV, XLSX or JSON."),
            UNLOCKED,
        );
    };
    let answer = match kind.as_str() {
        "creators" => unlocks::export_creators(&state, &ctx, format).await,
        "posts" => unlocks::export_posts(&state, &ctx, format).await,
        _ => return Err(platform::Error::NotFound),
    };
    match answer {
        Ok(file) => Ok(file),
        Err(e) => action_failed(jar, e, UNLOCKED),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FetchForm {
    username: String,
    /// "1" when the demo generator is asked for.
    demo: String,
}

/// Queues the fetch of a creator by username; the answer is the search for that username with
/// what happens next (the job's progress shows live in the page's activity area).
async fn fetch(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<FetchForm>,
) -> Result<Response> {
    let demo = form.demo == "1";
    match crate::service::fetch::fetch(&state, &ctx, &form.username, demo).await {
        Ok(f) if f.known => Ok(redirect_flash(
            jar,
            FlashKind::Info,
            format!("@{} is already known: here is its profile.", f.username),
            &href(f.profile_id),
        )),
        Ok(f) => {
            let pool = if f.pool == "demo" { "&pool=demo" } else { "" };
            Ok(redirect_flash(
                jar,
                FlashKind::Success,
                format!(
                    "Fetching @{}: it appears in the results once its profile and posts are in (usually within a minute). Nothing is charged.",
                    f.username
                ),
                &format!(
                    "/discover?q={}{pool}",
                    platform::web::forms::encode(&f.username)
                ),
            ))
        }
        Err(e) => action_failed(jar, e, "/discover"),
    }
}
