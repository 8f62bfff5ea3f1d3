//! `/instagram/{accounts|tracked}/{id}/hashtags`: the suggested tags with their evidence (posts
//! with and without, both medians, the lift, the tags they go with, whose posts they come
//! from, with source and time) and a form to narrow them to seed tags. The form is a GET: it
//! changes nothing, and the address can be kept.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Result,
    http::extract::{Path, Query},
    web::{
        flash,
        forms::{FormErrors, html_with, parse_id},
        links::ObjectLink,
        pages::{PageRoutes, get},
        shell::{self, Shell},
    },
};
use serde::Deserialize;

use crate::{
    pages::{planner::source_label, when},
    service::{
        audit::inputs::day,
        hashtags::{DEFAULT_DAYS, HashtagSuggestions, MAX_DAYS, METHOD, MIN_DAYS, Options},
    },
};

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route("/instagram/accounts/{id}/hashtags", get(account_page))
        .route("/instagram/tracked/{id}/hashtags", get(tracked_page))
}

/// The links on the account and tracked-profile pages.
pub fn links() -> [ObjectLink; 2] {
    [
        ObjectLink {
            object: instagram::ACCOUNT_OBJECT,
            label: "Hashtags",
            path: "/instagram/accounts/{id}/hashtags",
            order: 25,
        },
        ObjectLink {
            object: instagram::TRACKED_OBJECT,
            label: "Hashtags",
            path: "/instagram/tracked/{id}/hashtags",
            order: 25,
        },
    ]
}

/// The form's fields, as typed (checked by [`Options::parse`]).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SeedForm {
    seeds: String,
    days: String,
}

struct SuggestionView {
    tag: String,
    lift: String,
    with: String,
    without: String,
    rates: String,
    mine: String,
    seed: bool,
    co_tags: String,
    origins: String,
}

struct ProfileView {
    username: String,
    kind: &'static str,
    posts: usize,
    source: &'static str,
    fetched: String,
}

#[derive(Template)]
#[template(path = "intelligence/hashtags.html")]
struct HashtagsPage {
    shell: Shell,
    username: String,
    back: String,
    action: String,
    demo: bool,
    seeds: String,
    ranges: Vec<(i64, bool)>,
    min_days: i64,
    max_days: i64,
    errors: FormErrors,
    computed: bool,
    period: String,
    posts_read: usize,
    posts_tagged: usize,
    tags_measured: usize,
    unknown_seeds: String,
    restricted: String,
    suggestions: Vec<SuggestionView>,
    profiles: Vec<ProfileView>,
    provenance: String,
    method: &'static str,
}

fn tags(list: impl IntoIterator<Item = String>) -> String {
    list.into_iter()
        .map(|t| format!("#{t}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn view(s: &HashtagSuggestions) -> (Vec<SuggestionView>, Vec<ProfileView>, String) {
    let suggestions = s
        .suggestions
        .iter()
        .map(|x| SuggestionView {
            tag: x.tag.clone(),
            lift: format!("{:.2}×", x.lift),
            with: format!("{} posts, median {:.2}", x.posts_with, x.relative_with),
            without: format!(
                "{} posts, median {:.2}",
                x.posts_without, x.relative_without
            ),
            rates: format!("{:.2} % with, {:.2} % without", x.rate_with, x.rate_without),
            mine: if x.used_by_account == 0 {
                "New to this account".into()
            } else {
                platform::web::format::count(x.used_by_account as i64, "post", "posts")
            },
            seed: x.seed,
            co_tags: x
                .co_tags
                .iter()
                .map(|p| format!("#{} ({})", p.tag, p.posts))
                .collect::<Vec<_>>()
                .join(", "),
            origins: x
                .origins
                .iter()
                .map(|o| {
                    format!(
                        "@{}: {} ({}, {})",
                        o.username,
                        platform::web::format::count(o.posts as i64, "post", "posts"),
                        source_label(&o.source),
                        when(o.fetched_at.as_ref())
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect();
    let profiles: Vec<ProfileView> = s
        .profiles
        .iter()
        .map(|p| ProfileView {
            username: p.username.clone(),
            kind: if p.kind == "account" {
                "Your account"
            } else {
                "Tracked"
            },
            posts: p.posts,
            source: source_label(&p.source),
            fetched: when(p.fetched_at.as_ref()),
        })
        .collect();
    let mut sources: Vec<&'static str> =
        s.profiles.iter().map(|p| source_label(&p.source)).collect();
    sources.sort_unstable();
    sources.dedup();
    let provenance = format!(
        "{} posts of {} profiles, {} – {}; {}; computed {}",
        s.posts_read,
        s.profiles.len(),
        day(s.from),
        day(s.to),
        sources.join(", "),
        when(Some(&s.computed_at))
    );
    (suggestions, profiles, provenance)
}

async fn page(
    state: AppState,
    ctx: Ctx,
    subject: Subject,
    form: SeedForm,
    jar: CookieJar,
) -> Result<Response> {
    let days = match form.days.trim() {
        "" => None,
        d => Some(d.parse::<i64>().unwrap_or(-1)),
    };
    let parsed = Options::parse(days, &form.seeds, None);
    let (result, errors) = match parsed {
        Ok(options) => (
            Some(super::api::suggestions_for(&state, &ctx, &subject, &options).await?),
            FormErrors::default(),
        ),
        Err(e) => (None, FormErrors::from_error(e)?),
    };
    let username = subject.profile().username.clone();
    let chosen = days.unwrap_or(DEFAULT_DAYS);
    let (suggestions, profiles, provenance) = result.as_ref().map(view).unwrap_or_default();
    let (jar, flashes) = flash::take(jar);
    let title = format!("Hashtags · @{username}");
    let view = HashtagsPage {
        shell: shell::for_request(&state, Some(&ctx), &title, "/instagram", flashes).await?,
        username,
        back: subject.path(),
        action: format!("{}/hashtags", subject.path()),
        demo: result
            .as_ref()
            .is_some_and(|r| r.profiles.iter().any(|p| p.source == "demo")),
        seeds: form.seeds.chars().take(700).collect(),
        ranges: [90, 180, 365]
            .into_iter()
            .map(|d| (d, d == chosen))
            .collect(),
        min_days: MIN_DAYS,
        max_days: MAX_DAYS,
        errors,
        computed: result.is_some(),
        period: result
            .as_ref()
            .map(|r| format!("{} – {}", day(r.from), day(r.to)))
            .unwrap_or_default(),
        posts_read: result.as_ref().map(|r| r.posts_read).unwrap_or(0),
        posts_tagged: result.as_ref().map(|r| r.posts_tagged).unwrap_or(0),
        tags_measured: result.as_ref().map(|r| r.tags_measured).unwrap_or(0),
        unknown_seeds: tags(
            result
                .as_ref()
                .map(|r| r.unknown_seeds.clone())
                .unwrap_or_default(),
        ),
        restricted: tags(
            result
                .as_ref()
                .map(|r| r.restricted_left_out.clone())
                .unwrap_or_default(),
        ),
        suggestions,
        profiles,
        provenance,
        method: METHOD,
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn account_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(form): Query<SeedForm>,
    jar: CookieJar,
) -> Result<Response> {
    let subject = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    page(state, ctx, subject, form, jar).await
}

async fn tracked_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(form): Query<SeedForm>,
    jar: CookieJar,
) -> Result<Response> {
    let subject = Subject::tracked(&state, &ctx, parse_id(&id)?).await?;
    page(state, ctx, subject, form, jar).await
}
