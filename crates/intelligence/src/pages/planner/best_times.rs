//! `/instagram/{accounts|tracked}/{id}/best-times`: the weekday × hour heatmap of the median
//! engagement rate in the subject's time zone (thin cells hatched as "not enough data", never
//! coloured as zero), the followers online by hour where the account reports them, the three
//! best slots with their confidence, the method with its weights, and the source and time of
//! every figure. The time zone is chosen here (POST), a bad name answered inline.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use chrono_tz::Tz;
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Error, Permission, Result,
    http::extract::{Form, Path},
    web::{
        flash,
        forms::{FormErrors, html_with, redirect_flash},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;

use super::{Kind, ZoneOption, source_label, subject_of, when_utc, zone_options};
use crate::service::{
    best_times::{self, BestTimes, Cell, Confidence, WEEKDAYS},
    planner::{self, zone},
};

pub(crate) struct HeatCell {
    pub text: String,
    pub class: &'static str,
    pub title: String,
}

pub(crate) struct HeatRow {
    pub day: &'static str,
    pub day_full: &'static str,
    pub cells: Vec<HeatCell>,
}

struct SlotView {
    rank: usize,
    label: String,
    confidence: &'static str,
    badge: &'static str,
    statement: String,
}

#[derive(Template)]
#[template(path = "intelligence/best_times.html")]
struct BestTimesPage {
    shell: Shell,
    username: String,
    back: String,
    action: String,
    planner: String,
    demo: bool,
    can_write: bool,
    time_zone: String,
    zones: Vec<ZoneOption>,
    errors: FormErrors,
    hours: Vec<String>,
    rows: Vec<HeatRow>,
    audience_rows: Vec<HeatRow>,
    audience_note: String,
    top: Vec<SlotView>,
    method: String,
    provenance: String,
    min_posts: usize,
    window_days: i64,
    account_median: String,
    weight: String,
}

/// The level class of a ratio to the typical (1.0): five steps.
fn level(ratio: f64) -> &'static str {
    if ratio < 0.8 {
        "heat-1"
    } else if ratio < 0.95 {
        "heat-2"
    } else if ratio < 1.05 {
        "heat-3"
    } else if ratio < 1.25 {
        "heat-4"
    } else {
        "heat-5"
    }
}

fn rate_cell(c: &Cell) -> HeatCell {
    let slot = best_times::slot_label(c.weekday, c.hour);
    match (c.lift, c.median_rate) {
        (Some(lift), Some(m)) => HeatCell {
            text: format!("{m:.1}"),
            class: level(lift),
            title: format!(
                "{slot}: median {m:.2} % over {} posts ({lift:.2}× the account's median)",
                c.posts
            ),
        },
        _ => HeatCell {
            text: String::new(),
            class: "heat-none",
            title: format!(
                "{slot}: not enough data ({})",
                platform::web::format::count(c.posts as i64, "post", "posts")
            ),
        },
    }
}

fn audience_cell(c: &Cell) -> HeatCell {
    let slot = best_times::slot_label(c.weekday, c.hour);
    match (c.online, c.audience) {
        (Some(online), Some(share)) => HeatCell {
            text: platform::web::format::number(online.round() as i64),
            class: level(share),
            title: format!(
                "{slot}: {} followers online on average ({:.0} % of the average hour)",
                platform::web::format::number(online.round() as i64),
                share * 100.0
            ),
        },
        _ => HeatCell {
            text: String::new(),
            class: "heat-none",
            title: format!("{slot}: no reading"),
        },
    }
}

pub(crate) fn rows(best: &BestTimes, cell: fn(&Cell) -> HeatCell) -> Vec<HeatRow> {
    (0..7u8)
        .map(|wd| HeatRow {
            day: &WEEKDAYS[usize::from(wd)][..3],
            day_full: WEEKDAYS[usize::from(wd)],
            cells: (0..24u8)
                .map(|h| {
                    best.cell(wd, h).map(cell).unwrap_or(HeatCell {
                        text: String::new(),
                        class: "heat-none",
                        title: String::new(),
                    })
                })
                .collect(),
        })
        .collect()
}

pub(crate) fn provenance(best: &BestTimes) -> String {
    let sources: Vec<&str> = best.sources.iter().map(|s| source_label(s)).collect();
    if sources.is_empty() {
        return format!("No posts in the last {} days", best_times::WINDOW_DAYS);
    }
    format!(
        "{} posts since {} ({}), fetched up to {}",
        best.posts,
        best.from.format("%b %-d, %Y"),
        sources.join(", "),
        when_utc(best.fetched_at.as_ref())
    )
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    subject: &Subject,
    tz: Tz,
    errors: FormErrors,
    jar: CookieJar,
) -> Result<Response> {
    let history = planner::record(state, subject).await?;
    let best = best_times::of(&history, tz, Utc::now());
    let profile = subject.profile();
    let back = subject.path();
    let (jar, flashes) = flash::take(jar);
    let title = format!("Best times · @{}", profile.username);
    let audience_note = match &best.audience {
        Some(a) => format!(
            "Average followers online by hour over {} days ({}, fetched up to {}), moved from \
             Instagram's Pacific-time hours into {} day by day.",
            a.days,
            source_label(&a.source),
            when_utc(a.fetched_at.as_ref()),
            tz.name()
        ),
        None => String::new(),
    };
    let view = BestTimesPage {
        shell: shell::for_request(state, Some(ctx), &title, "/instagram", flashes).await?,
        username: profile.username.clone(),
        action: format!("{back}/best-times"),
        planner: format!("{back}/planner"),
        back,
        demo: best.is_demo() || profile.pool == "demo",
        can_write: ctx.can(Permission::WorkspaceWrite),
        time_zone: tz.name().to_string(),
        zones: zone_options(tz),
        errors,
        hours: (0..24).map(|h| format!("{h:02}")).collect(),
        rows: rows(&best, rate_cell),
        audience_rows: if best.audience.is_some() {
            rows(&best, audience_cell)
        } else {
            Vec::new()
        },
        audience_note,
        top: best
            .top
            .iter()
            .enumerate()
            .map(|(i, s)| SlotView {
                rank: i + 1,
                label: s.label(),
                confidence: s.confidence.label(),
                badge: match s.confidence {
                    Confidence::High => "badge-success",
                    Confidence::Medium => "badge-warning",
                    Confidence::Low => "badge-muted",
                },
                statement: s.statement.clone(),
            })
            .collect(),
        method: best_times::method(),
        provenance: provenance(&best),
        min_posts: best_times::MIN_POSTS,
        window_days: best_times::WINDOW_DAYS,
        account_median: best
            .account_median
            .map(|m| format!("{m:.2} %"))
            .unwrap_or_else(|| "—".into()),
        weight: format!("{:.0} %", best_times::AUDIENCE_WEIGHT * 100.0),
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn page(
    state: AppState,
    ctx: Ctx,
    kind: Kind,
    id: String,
    jar: CookieJar,
) -> Result<Response> {
    let (subject, key) = subject_of(&state, &ctx, kind, &id).await?;
    let tz = zone::of(&state.db, &key).await?;
    render(&state, &ctx, &subject, tz, FormErrors::default(), jar).await
}

#[derive(Debug, Deserialize)]
pub struct ZoneForm {
    #[serde(default)]
    time_zone: String,
}

async fn set_zone(
    state: AppState,
    ctx: Ctx,
    kind: Kind,
    id: String,
    form: ZoneForm,
    jar: CookieJar,
) -> Result<Response> {
    let (subject, key) = subject_of(&state, &ctx, kind, &id).await?;
    match zone::set(&state.db, &ctx, &key, &form.time_zone).await {
        Ok(tz) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("Time zone set to {}.", tz.name()),
            &format!("{}/best-times", subject.path()),
        )),
        Err(e @ Error::Validation(_)) => {
            let tz = zone::of(&state.db, &key).await?;
            render(&state, &ctx, &subject, tz, FormErrors::from_error(e)?, jar).await
        }
        Err(e) => {
            platform::web::forms::action_failed(jar, e, &format!("{}/best-times", subject.path()))
        }
    }
}

pub async fn account_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    page(state, ctx, Kind::Account, id, jar).await
}

pub async fn tracked_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    page(state, ctx, Kind::Tracked, id, jar).await
}

pub async fn account_zone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<ZoneForm>,
) -> Result<Response> {
    set_zone(state, ctx, Kind::Account, id, form, jar).await
}

pub async fn tracked_zone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<ZoneForm>,
) -> Result<Response> {
    set_zone(state, ctx, Kind::Tracked, id, form, jar).await
}
