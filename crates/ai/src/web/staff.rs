//! The back office's AI pages: usage monitoring (`/admin/ai`, staff with the billing
//! permission: requests today and this month, tokens, estimated cost by model and by feature,
//! top workspaces and users, failures by kind, a 30-day chart) and the models (`/admin/ai/models`,
//! super admins: enable a model, set its prices per million tokens, test the connection and
//! list what the server offers). Also the AI card of the staff dashboard.

use askama::Template;
use axum::{
    extract::State,
    response::Response,
    routing::{get, post},
};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use platform::{
    AppState, Error, Result,
    http::extract::Form,
    staff::{
        Chrome, Staff, StaffGroup, StaffNavEntry, StaffPage, StaffPermission, StaffRoutes,
        dashboard::{DashboardCards, DashboardFacts},
        frame,
    },
    web::{
        charts::{self, DailyValues, Style},
        format::number,
        forms::{Answer, FormErrors, fmt_time, html_with, redirect_flash},
        shell::{FlashKind, Icon, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    call,
    features::AiFeature,
    meter::{self, Figures},
    model::call as call_row,
    models::{self, ModelInput},
    provider::Failure,
    web::usd,
};

pub const USAGE: &str = "/admin/ai";
pub const MODELS: &str = "/admin/ai/models";

pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .route(USAGE, get(usage_page))
        .route(MODELS, get(models_page).post(save_model))
        .route("/admin/ai/models/test", post(test_connection))
}

pub fn nav() -> Vec<StaffNavEntry> {
    vec![
        StaffNavEntry {
            group: StaffGroup::Money,
            order: 30,
            label: "AI usage",
            path: USAGE,
            icon: Icon::Sparkle,
            permission: StaffPermission::Billing,
        },
        StaffNavEntry {
            group: StaffGroup::System,
            order: 30,
            label: "AI models",
            path: MODELS,
            icon: Icon::Sparkle,
            permission: StaffPermission::System,
        },
    ]
}

struct GroupRow {
    label: String,
    link: String,
    requests: String,
    failed: String,
    tokens: String,
    cost: String,
    credits: String,
}

fn group_row(label: String, link: String, f: &Figures) -> GroupRow {
    GroupRow {
        label,
        link,
        requests: number(f.requests),
        failed: number(f.failed),
        tokens: number(f.prompt_tokens + f.completion_tokens),
        cost: usd(f.cost_micros),
        credits: number(f.credits),
    }
}

#[derive(Template)]
#[template(path = "ai/staff/usage.html")]
struct UsagePage {
    shell: Shell,
    chrome: Option<Chrome>,
    today: GroupRow,
    month: GroupRow,
    by_model: Vec<GroupRow>,
    by_feature: Vec<GroupRow>,
    top_workspaces: Vec<GroupRow>,
    top_users: Vec<GroupRow>,
    failures: Vec<(String, String)>,
    chart: String,
    month_name: String,
    unpriced: Vec<String>,
}

async fn usage_page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let db = &state.db;
    let now = Utc::now();
    let today_start = now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
    let month_start = meter::month_start(now);
    let today = meter::total(db, None, today_start).await?;
    let month = meter::total(db, None, month_start).await?;
    let by_model = meter::grouped::<String>(db, None, month_start, call_row::Column::Model, 20)
        .await?
        .into_iter()
        .map(|(k, f)| group_row(k.unwrap_or_default(), String::new(), &f))
        .collect();
    let by_feature = meter::grouped::<String>(db, None, month_start, call_row::Column::Feature, 20)
        .await?
        .into_iter()
        .map(|(k, f)| {
            group_row(
                AiFeature::label_of(&k.unwrap_or_default()).into(),
                String::new(),
                &f,
            )
        })
        .collect();
    let workspaces =
        meter::grouped::<Uuid>(db, None, month_start, call_row::Column::WorkspaceId, 10).await?;
    let names = state
        .directory
        .names(&state, workspaces.iter().filter_map(|(k, _)| *k).collect())
        .await?;
    let top_workspaces = workspaces
        .into_iter()
        .map(|(k, f)| match k {
            Some(id) => group_row(
                names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| "A removed workspace".into()),
                format!("/admin/workspaces/{id}"),
                &f,
            ),
            None => group_row("Back office (connection tests)".into(), String::new(), &f),
        })
        .collect();
    let users = meter::grouped::<Uuid>(db, None, month_start, call_row::Column::UserId, 10).await?;
    let emails = state
        .directory
        .user_emails(&state, users.iter().filter_map(|(k, _)| *k).collect())
        .await?;
    let top_users = users
        .into_iter()
        .map(|(k, f)| match k {
            Some(id) => group_row(
                emails
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| "A removed user".into()),
                format!("/admin/users/{id}"),
                &f,
            ),
            None => group_row("The server (jobs)".into(), String::new(), &f),
        })
        .collect();
    let failures = meter::grouped::<String>(db, None, month_start, call_row::Column::Outcome, 20)
        .await?
        .into_iter()
        .filter(|(k, _)| k.as_deref() != Some("ok"))
        .map(|(k, f)| {
            (
                Failure::label(k.as_deref().unwrap_or_default()).to_string(),
                number(f.requests),
            )
        })
        .collect();
    let days = meter::per_day(db, now.date_naive(), 30).await?;
    let points: Vec<_> = days.iter().map(|(d, n, _)| (*d, *n as f64)).collect();
    let chart = charts::daily_values(&DailyValues {
        title: "AI requests per day, last 30 days (UTC)",
        series: "Requests",
        points: &points,
        style: Style::Bar,
        unit: "",
    })?;
    let unpriced = models::enabled(db)
        .await?
        .into_iter()
        .filter(|m| !m.has_price())
        .map(|m| m.model)
        .collect();
    let (jar, shell, chrome) = frame(&state, &staff, "AI usage", USAGE, jar).await?;
    let view = UsagePage {
        shell,
        chrome,
        today: group_row("Today".into(), String::new(), &today),
        month: group_row("This month".into(), String::new(), &month),
        by_model,
        by_feature,
        top_workspaces,
        top_users,
        failures,
        chart,
        month_name: month_start.format("%B %Y").to_string(),
        unpriced,
    };
    Ok(html_with(Answer::OK, jar, &view))
}

struct ModelRow {
    form: ModelForm,
    updated: String,
    priced: bool,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ModelForm {
    model: String,
    label: String,
    enabled: Option<String>,
    input_per_million: String,
    output_per_million: String,
}

#[derive(Template)]
#[template(path = "ai/staff/models.html")]
struct ModelsPage {
    shell: Shell,
    chrome: Option<Chrome>,
    rows: Vec<ModelRow>,
    new: ModelForm,
    errors: FormErrors,
    offered: Vec<String>,
    test_result: String,
    test_ok: bool,
    default_model: String,
    model_max: usize,
}

async fn models_with(
    state: &AppState,
    staff: &Staff,
    jar: CookieJar,
    failed: Option<(ModelForm, FormErrors)>,
    tested: Option<std::result::Result<Vec<String>, Failure>>,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    let all = models::all(&state.db).await?;
    let rows = all
        .iter()
        .map(|m| ModelRow {
            form: ModelForm {
                model: m.model.clone(),
                label: m.label.clone(),
                enabled: m.enabled.then(|| "on".into()),
                input_per_million: models::dollars(m.input_micros_per_million),
                output_per_million: models::dollars(m.output_micros_per_million),
            },
            updated: fmt_time(&m.updated_at),
            priced: m.has_price(),
        })
        .collect();
    let (new, errors) = failed.unwrap_or_default();
    let (offered, test_result, test_ok) = match tested {
        None => (Vec::new(), String::new(), false),
        Some(Ok(list)) => {
            let known: Vec<&str> = all.iter().map(|m| m.model.as_str()).collect();
            let n = list.len();
            (
                list.into_iter()
                    .filter(|m| !known.contains(&m.as_str()))
                    .take(200)
                    .collect(),
                format!("Connected: the server offers {} models.", number(n as i64)),
                true,
            )
        }
        Some(Err(f)) => (Vec::new(), Error::from(f).to_string(), false),
    };
    let (jar, shell, chrome) = frame(state, staff, "AI models", MODELS, jar).await?;
    let answer = errors.answer;
    let view = ModelsPage {
        shell,
        chrome,
        rows,
        new,
        errors,
        offered,
        test_result,
        test_ok,
        default_model: state
            .settings
            .get(platform::settings::DEFAULT_AI_MODEL)
            .await
            .unwrap_or_default(),
        model_max: models::MODEL_MAX,
    };
    Ok(html_with(answer, jar, &view))
}

async fn models_page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    models_with(&state, &staff, jar, None, None).await
}

async fn save_model(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
    Form(form): Form<ModelForm>,
) -> Result<Response> {
    let input = ModelInput {
        model: form.model.clone(),
        label: form.label.clone(),
        enabled: form.enabled.is_some(),
        input_per_million: form.input_per_million.clone(),
        output_per_million: form.output_per_million.clone(),
    };
    match models::save(&state, &staff, &input).await {
        Ok(saved) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("Saved {}.", saved.model),
            MODELS,
        )),
        Err(e @ Error::Validation(_)) => {
            let errors = FormErrors::from_error(e)?;
            models_with(&state, &staff, jar, Some((form, errors)), None).await
        }
        Err(e) => Err(e),
    }
}

async fn test_connection(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::System)?;
    let result = call::test_connection(&state).await;
    models_with(&state, &staff, jar, None, Some(result)).await
}

#[derive(Template)]
#[template(path = "ai/staff/_dashboard_totals.html")]
struct Totals {
    today: String,
    failed_today: String,
    month_cost: String,
    month_tokens: String,
}

/// The AI card of the staff dashboard (staff with the billing permission).
pub fn dashboard_cards() -> Vec<platform::staff::dashboard::DashboardCardFn> {
    vec![|state, staff, facts| Box::pin(async move { card(&state, &staff, facts).await })]
}

async fn card(state: &AppState, staff: &Staff, _: DashboardFacts) -> Result<DashboardCards> {
    if !staff.can(StaffPermission::Billing) {
        return Ok(DashboardCards::default());
    }
    let now = Utc::now();
    let today = meter::total(
        &state.db,
        None,
        now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc(),
    )
    .await?;
    let month = meter::total(&state.db, None, meter::month_start(now)).await?;
    Ok(DashboardCards {
        totals: Totals {
            today: number(today.requests),
            failed_today: number(today.failed),
            month_cost: usd(month.cost_micros),
            month_tokens: number(month.prompt_tokens + month.completion_tokens),
        }
        .render()
        .map_err(|e| Error::Internal(format!("render: {e}")))?,
        charts: String::new(),
    })
}
