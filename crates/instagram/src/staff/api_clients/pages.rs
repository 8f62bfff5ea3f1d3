//! API clients of the social-data service (super admin and support): the list with this
//! month's usage and the form to add a client; one client with its keys, a 30-day usage chart
//! per key, rotation and revocation. A new key is shown on the page that created it, once.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use platform::{
    AppState, Error, Result,
    http::extract::{Form, Path},
    staff::{Chrome, Staff, StaffPage, StaffPermission, frame},
    web::{
        charts::{self, Daily, Style},
        forms::{
            Answer, FormErrors, after_action, fmt_opt_time, fmt_time, html, html_with, parse_id,
        },
        shell::Shell,
    },
};
use serde::Deserialize;

use super::service::{self, USAGE_DAYS};
use crate::social::{
    clients::{ACTIVE, ClientSummary, KeyState, NewClient},
    tiers::{Endpoint, Tier},
};

const LIST: &str = "/admin/api-clients";

struct Row {
    id: String,
    name: String,
    tier: &'static str,
    limits: String,
    status: String,
    working_keys: u64,
    requests_today: u64,
    requests_this_month: u64,
    created: String,
}

fn limits_text(s: &ClientSummary) -> String {
    format!(
        "{}/min · {}/month · {}",
        s.limits.requests_per_minute,
        s.limits.requests_per_month,
        Endpoint::join(&s.limits.endpoints)
    )
}

fn tier_label(raw: &str) -> &'static str {
    Tier::parse(raw).map_or("unknown", |t| t.label())
}

fn row(s: ClientSummary) -> Row {
    Row {
        limits: limits_text(&s),
        id: s.client.id.to_string(),
        tier: tier_label(&s.client.tier),
        name: s.client.name,
        status: s.client.status,
        working_keys: s.working_keys,
        requests_today: s.requests_today,
        requests_this_month: s.requests_this_month,
        created: fmt_time(&s.client.created_at),
    }
}

/// (value, label with its figures) of each tier, for the form.
fn tier_options() -> Vec<(&'static str, String)> {
    Tier::ALL
        .iter()
        .map(|t| {
            let l = t.limits();
            (
                t.as_str(),
                format!(
                    "{} — {}/min, {}/month, {}",
                    t.label(),
                    l.requests_per_minute,
                    l.requests_per_month,
                    Endpoint::join(&l.endpoints)
                ),
            )
        })
        .collect()
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    pub name: String,
    pub tier: String,
    pub requests_per_minute: String,
    pub requests_per_month: String,
}

#[derive(Template)]
#[template(path = "instagram/staff/api_clients.html")]
struct ListPage {
    shell: Shell,
    chrome: Option<Chrome>,
    rows: Vec<Row>,
    tiers: Vec<(&'static str, String)>,
    form: CreateForm,
    errors: FormErrors,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    jar: CookieJar,
    form: CreateForm,
    errors: FormErrors,
) -> Result<Response> {
    let rows = service::list(staff, state).await?;
    let (jar, shell, chrome) = frame(state, staff, "API clients", LIST, jar).await?;
    let answer = errors.answer;
    let page = ListPage {
        shell,
        chrome,
        rows: rows.into_iter().map(row).collect(),
        tiers: tier_options(),
        form,
        errors,
    };
    Ok(html_with(answer, jar, &page))
}

pub async fn list(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::DataService)?;
    list_page(
        &state,
        &staff,
        jar,
        CreateForm::default(),
        FormErrors::default(),
    )
    .await
}

/// The page showing a new key, once.
#[derive(Template)]
#[template(path = "instagram/staff/api_key_shown.html")]
struct KeyShownPage {
    shell: Shell,
    chrome: Option<Chrome>,
    client_id: String,
    client_name: String,
    key: String,
    /// When the previous keys stop (rotation), formatted.
    previous_until: Option<String>,
}

fn optional_number(field: &str, raw: &str) -> Result<Option<i64>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>().map(Some).map_err(|_| {
        Error::validation(
            field,
            "Use a whole number, or leave it empty for the tier's",
        )
    })
}

fn parse_form(form: &CreateForm) -> Result<NewClient> {
    let tier = Tier::parse(&form.tier).ok_or_else(|| Error::validation("tier", "Choose a tier"))?;
    Ok(NewClient {
        name: form.name.clone(),
        tier,
        requests_per_minute: optional_number("requests_per_minute", &form.requests_per_minute)?,
        requests_per_month: optional_number("requests_per_month", &form.requests_per_month)?,
        endpoints: None,
    })
}

pub async fn create(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
    Form(form): Form<CreateForm>,
) -> Result<Response> {
    staff.require(StaffPermission::DataService)?;
    let created = match parse_form(&form) {
        Ok(new) => service::create(&staff, &state, &new).await,
        Err(e) => Err(e),
    };
    match created {
        Ok((client, key)) => {
            let (jar, shell, chrome) = frame(&state, &staff, "New API key", LIST, jar).await?;
            let page = KeyShownPage {
                shell,
                chrome,
                client_id: client.id.to_string(),
                client_name: client.name,
                key: key.secret,
                previous_until: None,
            };
            Ok(html_with(Answer::status(StatusCode::CREATED), jar, &page))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            list_page(&state, &staff, jar, form, errors).await
        }
    }
}

struct KeyRow {
    id: String,
    prefix: String,
    state: &'static str,
    working: bool,
    created: String,
    expires: String,
    last_used: String,
}

struct UsageChart {
    prefix: String,
    total: u64,
    /// Sanitised SVG (`platform::web::charts`).
    svg: String,
}

#[derive(Template)]
#[template(path = "instagram/staff/api_client.html")]
struct ClientPage {
    shell: Shell,
    chrome: Option<Chrome>,
    client: Row,
    active: bool,
    keys: Vec<KeyRow>,
    charts: Vec<UsageChart>,
    days: u32,
    overlap_hours: f64,
}

pub async fn detail(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::DataService)?;
    let d = service::detail(&staff, &state, parse_id(&id)?, USAGE_DAYS).await?;
    let at = Utc::now();
    let mut chart_list = Vec::new();
    for (k, points) in d.keys.iter().zip(&d.usage) {
        let title = format!(
            "Requests per day of key {}, last {USAGE_DAYS} days",
            k.prefix
        );
        chart_list.push(UsageChart {
            prefix: k.prefix.clone(),
            total: points.iter().map(|(_, n)| n).sum(),
            svg: charts::daily(&Daily {
                title: &title,
                series: "Requests",
                points,
                style: Style::Bar,
            })?,
        });
    }
    let keys = d
        .keys
        .iter()
        .map(|k| {
            let state = KeyState::of(k, at);
            KeyRow {
                id: k.id.to_string(),
                prefix: k.prefix.clone(),
                state: state.as_str(),
                working: state.works(),
                created: fmt_time(&k.created_at),
                expires: fmt_opt_time(k.expires_at.as_ref(), "—"),
                last_used: fmt_opt_time(k.last_used_at.as_ref(), "never"),
            }
        })
        .collect();
    let active = d.summary.client.status == ACTIVE;
    let title = d.summary.client.name.clone();
    let path = format!("{LIST}/{id}");
    let (jar, shell, chrome) = frame(&state, &staff, &title, &path, jar).await?;
    let page = ClientPage {
        shell,
        chrome,
        client: row(d.summary),
        active,
        keys,
        charts: chart_list,
        days: USAGE_DAYS,
        overlap_hours: state.config.get(&crate::settings::SOCIAL_KEY_OVERLAP_SECS) as f64 / 3600.0,
    };
    Ok(html(jar, &page))
}

pub async fn rotate(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::DataService)?;
    let back = format!("{LIST}/{id}");
    let client_id = parse_id(&id)?;
    match service::rotate(&staff, &state, client_id).await {
        Ok((key, until)) => {
            let client = service::detail(&staff, &state, client_id, 1).await?;
            let (jar, shell, chrome) = frame(&state, &staff, "New API key", LIST, jar).await?;
            let page = KeyShownPage {
                shell,
                chrome,
                client_id: id,
                client_name: client.summary.client.name,
                key: key.secret,
                previous_until: Some(fmt_time(&until)),
            };
            Ok(html_with(Answer::status(StatusCode::CREATED), jar, &page))
        }
        Err(e) => platform::web::forms::action_failed(jar, e, &back),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::DataService)?;
    let back = format!("{LIST}/{id}");
    let outcome = service::revoke(&staff, &state, parse_id(&id)?).await;
    after_action(jar, &back, outcome, |c| {
        format!("{} is revoked: every key stopped working.", c.name)
    })
}

pub async fn revoke_key(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, key_id)): Path<(String, String)>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::DataService)?;
    let back = format!("{LIST}/{id}");
    let outcome = service::revoke_key(&staff, &state, parse_id(&id)?, parse_id(&key_id)?).await;
    after_action(jar, &back, outcome, |k| {
        format!("Key {}… is revoked.", k.prefix)
    })
}
