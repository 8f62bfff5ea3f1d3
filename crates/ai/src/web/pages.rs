//! The workspace's AI page (`/workspace/ai`): whether AI is available here and with which
//! model, the monthly AI budget and the model (owners and admins change them), this month's
//! usage by feature with tokens, credits and estimated cost, and the latest calls. Also the
//! streamed texts every AI feature shows: `/ai/generations/{id}` (the fragment) and its events.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope,
    http::extract::{Form, Path},
    web::{
        flash,
        forms::{FormErrors, fmt_time, html_with, parse_id, redirect_flash},
        pages::{PageRoutes, get},
        shell::{self, FlashKind, Icon, NavArea, NavEntry, Shell},
    },
};
use serde::Deserialize;

use crate::{
    budget::{self, Input},
    features::AiFeature,
    generation, meter,
    model::call as call_row,
    models,
    provider::{self, Failure},
    web::{stream, usd},
};

pub const PAGE: &str = "/workspace/ai";

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(PAGE, get(page).post(save))
        .route("/ai/generations/{id}", get(generation_fragment))
        .route("/ai/generations/{id}/events", get(generation_events))
}

pub fn nav() -> Vec<NavEntry> {
    vec![NavEntry {
        label: "AI usage",
        href: PAGE,
        area: NavArea::Workspace,
        icon: Icon::Sparkle,
        order: 850,
        keywords: "ai budget model tokens credits llm usage",
    }]
}

struct FeatureRow {
    label: &'static str,
    requests: String,
    failed: String,
    tokens: String,
    credits: String,
    cost: String,
}

struct CallRow {
    when: String,
    feature: &'static str,
    model: String,
    outcome: &'static str,
    ok: bool,
    tokens: String,
    credits: String,
    latency: String,
}

#[derive(Template)]
#[template(path = "ai/workspace.html")]
struct WorkspacePage {
    shell: Shell,
    available: bool,
    status: String,
    can_change: bool,
    budget: String,
    model: String,
    models: Vec<(String, String)>,
    default_model: String,
    spent: String,
    budget_label: String,
    percent: i64,
    rows: Vec<FeatureRow>,
    total: FeatureRow,
    calls: Vec<CallRow>,
    errors: FormErrors,
    month: String,
}

fn row(label: &'static str, f: &meter::Figures, priced: bool) -> FeatureRow {
    use platform::web::format::number;
    FeatureRow {
        label,
        requests: number(f.requests),
        failed: number(f.failed),
        tokens: number(f.prompt_tokens + f.completion_tokens),
        credits: number(f.credits),
        cost: if priced || f.cost_micros > 0 {
            usd(f.cost_micros)
        } else {
            "no price set".into()
        },
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    form: Option<(SettingsForm, FormErrors)>,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceRead)?;
    let scope = Scope::of(ctx)?;
    let settings = budget::of(&state.db, &scope).await?;
    let enabled = models::enabled(&state.db).await?;
    let priced = enabled.iter().any(|m| m.has_price());
    let conn = provider::connection(state).await;
    let (available, status, default_model) = match &conn {
        Ok(c) => (
            true,
            format!(
                "AI is available on this server; it writes with {} unless you choose another model below.",
                settings.model.as_deref().unwrap_or(&c.default_model)
            ),
            c.default_model.clone(),
        ),
        Err(Failure::NotConfigured) | Err(_) => (
            false,
            "AI is not set up on this server yet: a super admin sets its address, key and default model. Everything that does not need AI keeps working.".into(),
            String::new(),
        ),
    };
    let since = meter::month_start(chrono::Utc::now());
    let ws = Some(scope.workspace_id());
    let rows = meter::grouped::<String>(&state.db, ws, since, call_row::Column::Feature, 50)
        .await?
        .into_iter()
        .map(|(k, f)| row(AiFeature::label_of(&k.unwrap_or_default()), &f, priced))
        .collect();
    let total = meter::total(&state.db, ws, since).await?;
    let calls = meter::recent(&state.db, scope.workspace_id(), 20)
        .await?
        .into_iter()
        .map(|c| CallRow {
            when: fmt_time(&c.created_at),
            feature: AiFeature::label_of(&c.feature),
            model: c.model.clone(),
            outcome: Failure::label(&c.outcome),
            ok: c.outcome == "ok",
            tokens: format!(
                "{}{}",
                platform::web::format::number(c.prompt_tokens + c.completion_tokens),
                if c.usage_estimated {
                    " (estimated)"
                } else {
                    ""
                }
            ),
            credits: platform::web::format::number(c.credits),
            latency: format!("{:.1} s", c.latency_ms as f64 / 1000.0),
        })
        .collect();
    let (form, errors) = form.unwrap_or_else(|| {
        (
            SettingsForm {
                monthly_credits: settings
                    .monthly_credits
                    .map(|b| b.to_string())
                    .unwrap_or_default(),
                model: settings.model.clone().unwrap_or_default(),
            },
            FormErrors::default(),
        )
    });
    let (jar, flashes) = flash::take(jar);
    let answer = errors.answer;
    let view = WorkspacePage {
        shell: shell::for_request(state, Some(ctx), "AI usage", PAGE, flashes).await?,
        available,
        status,
        can_change: ctx.can(Permission::WorkspaceSettings),
        budget: form.monthly_credits,
        model: form.model,
        models: enabled
            .iter()
            .map(|m| (m.model.clone(), m.label.clone()))
            .collect(),
        default_model,
        spent: platform::web::format::number(settings.spent_this_month),
        budget_label: settings
            .monthly_credits
            .map(|b| format!("of {} credits", platform::web::format::number(b)))
            .unwrap_or_else(|| "credits (no monthly cap)".into()),
        percent: settings
            .monthly_credits
            .filter(|b| *b > 0)
            .map(|b| (settings.spent_this_month * 100 / b).min(100))
            .unwrap_or(0),
        rows,
        total: row("All features", &total, priced),
        calls,
        errors,
        month: since.format("%B %Y").to_string(),
    };
    Ok(html_with(answer, jar, &view))
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    render(&state, &ctx, jar, None).await
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    monthly_credits: String,
    model: String,
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<SettingsForm>,
) -> Result<Response> {
    let raw = form.monthly_credits.trim().replace(',', "");
    let monthly_credits = if raw.is_empty() {
        None
    } else {
        match raw.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let errors = FormErrors::from_fields(vec![platform::FieldError::new(
                    "monthly_credits",
                    "Enter a whole number of credits, or leave it empty for no cap.",
                )]);
                return render(&state, &ctx, jar, Some((form, errors))).await;
            }
        }
    };
    let input = Input {
        monthly_credits,
        model: Some(form.model.clone()),
    };
    match budget::save(&state, &ctx, &input).await {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "AI settings saved.",
            PAGE,
        )),
        Err(e @ Error::Validation(_)) => {
            let errors = FormErrors::from_error(e)?;
            render(&state, &ctx, jar, Some((form, errors))).await
        }
        Err(e) => Err(e),
    }
}

/// The text's fragment (what the page shows once it is written, or the stream meanwhile).
pub async fn generation_fragment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceRead)?;
    let g = generation::find_in(&state, &Scope::of(&ctx)?, parse_id(&id)?).await?;
    stream::fragment_response(&g)
}

pub async fn generation_events(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceRead)?;
    stream::page_events(&state, &Scope::of(&ctx)?, parse_id(&id)?).await
}
