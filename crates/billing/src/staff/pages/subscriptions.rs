//! Subscriptions: every workspace's subscription with filters (plan, status, period end) and
//! pages; one workspace's billing — plan in force, event history, credit balance and ledger —
//! with its actions: comp a plan, end a comp, adjust credits, and for a subscription paid
//! through Stripe: cancel (at the period's end or now), change plan, sync with Stripe. When
//! Stripe is not configured the page says so instead of offering the Stripe actions.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::{PageNumber, Path, Query};
use platform::{
    AppState, Error, Result,
    http::extract::Form,
    staff::{Chrome, Pager, Staff, StaffPage, StaffPermission, frame, with_query},
    web::{
        forms::{
            FormErrors, after_action, day_start, fmt_opt_time, fmt_time, html_with, parse_id,
            redirect_flash,
        },
        shell::{FlashKind, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    credits::{AdjustForm, CreditsView, ledger_rows},
    money,
};
use crate::{
    service::subscriptions::{ListFilter, SELF_HOSTED, STATUSES},
    staff::service,
};

pub const LIST: &str = "/admin/billing/subscriptions";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub plan: String,
    pub status: String,
    /// `YYYY-MM-DD` (UTC): period ends on or after this day.
    pub period_end_after: String,
    /// `YYYY-MM-DD` (UTC): period ends before this day.
    pub period_end_before: String,
    pub page: Option<PageNumber>,
}

impl ListQuery {
    fn filter(&self) -> Result<ListFilter> {
        let plan_id = if self.plan.is_empty() {
            None
        } else {
            Some(
                Uuid::parse_str(&self.plan)
                    .map_err(|_| Error::validation("plan", "Choose a plan from the list"))?,
            )
        };
        if !self.status.is_empty() && !STATUSES.contains(&self.status.as_str()) {
            return Err(Error::validation("status", "Choose a status from the list"));
        }
        Ok(ListFilter {
            plan_id,
            status: Some(self.status.clone()).filter(|s| !s.is_empty()),
            period_end_after: day_start("period_end_after", &self.period_end_after)?,
            period_end_before: day_start("period_end_before", &self.period_end_before)?,
        })
    }

    fn pairs(&self) -> Vec<(&str, &str)> {
        vec![
            ("plan", self.plan.as_str()),
            ("status", self.status.as_str()),
            ("period_end_after", self.period_end_after.as_str()),
            ("period_end_before", self.period_end_before.as_str()),
        ]
    }
}

struct Row {
    workspace_id: String,
    workspace: String,
    plan: String,
    status: String,
    origin: String,
    price: String,
    period_end: String,
    cancel_at_period_end: bool,
}

#[derive(Template)]
#[template(path = "billing/staff/subscriptions.html")]
struct ListPage {
    shell: Shell,
    chrome: Option<Chrome>,
    query: ListQuery,
    plans: Vec<(String, String)>,
    statuses: &'static [&'static str],
    rows: Vec<Row>,
    pager: Pager,
    errors: FormErrors,
}

pub async fn list(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<ListQuery>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let page = PageNumber::or(query.page, 1);
    let (rows, total, errors) = match query.filter() {
        Ok(filter) => {
            let (rows, total) = service::subscriptions(&staff, &state, &filter, page).await?;
            (rows, total, FormErrors::default())
        }
        Err(e) => (Vec::new(), 0, FormErrors::from_error(e)?),
    };
    let plans = service::plans(&staff, &state)
        .await?
        .into_iter()
        .map(|(p, _)| (p.id.to_string(), p.name))
        .collect();
    let base = with_query(LIST, &query.pairs());
    let (jar, shell, chrome) = frame(&state, &staff, "Subscriptions", LIST, jar).await?;
    let answer = errors.answer;
    let page = ListPage {
        shell,
        chrome,
        plans,
        statuses: &STATUSES,
        rows: rows
            .into_iter()
            .map(|r| Row {
                workspace_id: r.row.workspace_id.to_string(),
                workspace: r.workspace_name,
                plan: r.plan.map_or_else(|| "(deleted plan)".into(), |p| p.name),
                price: r.row.price_amount.map_or_else(
                    || "—".into(),
                    |a| {
                        format!(
                            "{} / {}",
                            money(a, &r.row.currency),
                            r.row.interval.as_deref().unwrap_or("period")
                        )
                    },
                ),
                status: r.row.status,
                origin: r.row.origin,
                period_end: fmt_opt_time(r.row.current_period_end.as_ref(), "—"),
                cancel_at_period_end: r.row.cancel_at_period_end,
            })
            .collect(),
        pager: Pager::new(&base, page, service::PER_PAGE, total),
        query,
        errors,
    };
    Ok(html_with(answer, jar, &page))
}

struct EventRow {
    at: String,
    kind: String,
    plan: String,
    status: String,
    mrr: String,
    actor: String,
}

#[derive(Template)]
#[template(path = "billing/staff/subscription.html")]
struct DetailPage {
    shell: Shell,
    chrome: Option<Chrome>,
    workspace_id: String,
    workspace: String,
    plan_in_force: String,
    subscribed: String,
    status: String,
    origin: String,
    comped: bool,
    /// On the Self-hosted plan by its row (from a time the server took no payments).
    self_hosted: bool,
    /// The server sells plans (a Stripe key is set): a self-hosted workspace can be moved.
    selling: bool,
    period_end: String,
    limited: bool,
    plans: Vec<(String, String)>,
    /// Stripe has a secret key here.
    stripe_configured: bool,
    /// Paid through Stripe and not canceled: cancel and change plan apply.
    stripe_live: bool,
    /// Has a Stripe customer: can be synced with Stripe.
    stripe_syncable: bool,
    cancel_at_period_end: bool,
    /// (plan id, name) of enabled plans with a Stripe price for the subscription's interval.
    stripe_plans: Vec<(String, String)>,
    history: Vec<EventRow>,
    credits: Option<CreditsView>,
}

pub async fn detail(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    detail_page(&state, &staff, jar, &id, None).await
}

/// The page; `refused` is a credit adjustment shown back with its errors.
pub(super) async fn detail_page(
    state: &AppState,
    staff: &Staff,
    jar: CookieJar,
    id: &str,
    refused: Option<(AdjustForm, FormErrors)>,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let b = service::workspace_billing(staff, state, parse_id(id)?).await?;
    let enabled: Vec<_> = service::plans(staff, state)
        .await?
        .into_iter()
        .filter(|(p, _)| p.enabled)
        .map(|(p, _)| p)
        .collect();
    let sub = b.standing.subscription.as_ref();
    let yearly = sub.and_then(|s| s.interval.as_deref()) == Some("year");
    let stripe_plans = enabled
        .iter()
        .filter(|p| {
            let price = if yearly {
                &p.stripe_price_yearly
            } else {
                &p.stripe_price_monthly
            };
            price.as_deref().is_some_and(|p| !p.is_empty())
        })
        .map(|p| (p.id.to_string(), p.name.clone()))
        .collect();
    let plans = enabled
        .into_iter()
        .map(|p| (p.id.to_string(), p.name))
        .collect();
    let stripe_configured = service::stripe_configured(state).await?;
    let path = format!("{LIST}/{id}");
    let answer = refused
        .as_ref()
        .map_or(platform::web::forms::Answer::OK, |(_, e)| e.answer);
    let (jar, shell, chrome) = frame(state, staff, &b.workspace.name, LIST, jar).await?;
    let page = DetailPage {
        shell,
        chrome,
        workspace_id: b.workspace.id.to_string(),
        workspace: b.workspace.name.clone(),
        plan_in_force: b.standing.plan.name.clone(),
        subscribed: b
            .standing
            .subscribed
            .as_ref()
            .map_or_else(|| "none".into(), |p| p.name.clone()),
        status: sub.map_or_else(|| "—".into(), |s| s.status.clone()),
        origin: sub.map_or_else(|| "—".into(), |s| s.origin.clone()),
        comped: sub.is_some_and(|s| s.origin == "comped" && s.status != "canceled"),
        self_hosted: sub.is_some_and(|s| s.origin == SELF_HOSTED && s.status != "canceled"),
        selling: stripe_configured,
        period_end: fmt_opt_time(sub.and_then(|s| s.current_period_end.as_ref()), "—"),
        limited: b.standing.limited,
        plans,
        stripe_configured,
        stripe_live: sub.is_some_and(service::stripe_live),
        stripe_syncable: sub.is_some_and(service::stripe_syncable),
        cancel_at_period_end: sub.is_some_and(|s| s.cancel_at_period_end),
        stripe_plans,
        history: b
            .history
            .into_iter()
            .map(|e| EventRow {
                at: fmt_time(&e.at),
                mrr: money(e.mrr, &e.currency),
                kind: e.kind,
                plan: e.plan_key,
                status: e.status,
                actor: e.actor,
            })
            .collect(),
        credits: Some({
            let mut view = CreditsView::new(id.to_string(), b.balance, ledger_rows(b.ledger), path);
            if let Some((typed, errors)) = refused {
                view.back = platform::web::forms::safe_next(&typed.back, &view.back);
                view.typed = typed;
                view.errors = errors;
            }
            view
        }),
    };
    Ok(html_with(answer, jar, &page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CompForm {
    pub plan_id: String,
}

pub async fn comp(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<CompForm>,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let back = format!("{LIST}/{id}");
    let outcome = match super::chosen_plan(&form.plan_id) {
        Ok(plan) => service::comp(&staff, &state, parse_id(&id)?, plan).await,
        Err(e) => Err(e),
    };
    after_action(jar, &back, outcome, |_| {
        "The workspace is on the comped plan now (not charged).".to_string()
    })
}

pub async fn end_comp(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let back = format!("{LIST}/{id}");
    let ws = parse_id(&id)?;
    let outcome = match service::end_comp(&staff, &state, ws).await {
        Ok(_) => service::workspace_billing(&staff, &state, ws)
            .await
            .map(|b| b.standing.plan.name),
        Err(e) => Err(e),
    };
    after_action(jar, &back, outcome, |plan| {
        format!("The comp ended: the workspace is on the {plan} plan.")
    })
}

/// `POST …/{id}/cancel`: the Stripe subscription ends at the end of the paid period.
pub async fn cancel(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let back = format!("{LIST}/{id}");
    let outcome = service::stripe_cancel(&staff, &state, parse_id(&id)?, false).await;
    stripe_outcome(jar, &back, outcome, |s| {
        format!(
            "The Stripe subscription is canceled at the end of the period ({}); the plan stays until then.",
            fmt_opt_time(s.current_period_end.as_ref(), "no period end known")
        )
    })
}

/// `POST …/{id}/cancel-now`: the Stripe subscription ends at once (no refund is made).
pub async fn cancel_now(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let back = format!("{LIST}/{id}");
    let outcome = service::stripe_cancel(&staff, &state, parse_id(&id)?, true).await;
    stripe_outcome(jar, &back, outcome, |s| {
        format!(
            "The Stripe subscription is canceled now (status {}); no refund was made.",
            s.status
        )
    })
}

/// `POST …/{id}/change-plan`: moves the Stripe subscription to another plan, prorated.
pub async fn change_plan(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<CompForm>,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let back = format!("{LIST}/{id}");
    let ws = parse_id(&id)?;
    let outcome = match super::chosen_plan(&form.plan_id) {
        Ok(plan) => service::stripe_change_plan(&staff, &state, ws, plan).await,
        Err(e) => Err(e),
    };
    stripe_outcome(jar, &back, outcome, |_| {
        "The Stripe subscription is on the chosen plan now; Stripe prorates the difference on the next invoice.".to_string()
    })
}

/// `POST …/{id}/sync`: re-reads the subscription from Stripe and says what was repaired.
pub async fn sync(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let back = format!("{LIST}/{id}");
    let outcome = service::stripe_sync(&staff, &state, parse_id(&id)?).await;
    stripe_outcome(jar, &back, outcome, |(changes, _)| {
        if changes.is_empty() {
            "Synced with Stripe: nothing differed.".to_string()
        } else {
            format!("Synced with Stripe. Changed: {}.", changes.join("; "))
        }
    })
}

/// Like `after_action`, but Stripe being unreachable or refusing our key is said in the flash
/// too (with its message) instead of an error page: the staff member stays on the page.
fn stripe_outcome<T>(
    jar: CookieJar,
    back: &str,
    outcome: Result<T>,
    said: impl FnOnce(T) -> String,
) -> Result<Response> {
    match outcome {
        Err(Error::Unavailable { message, .. }) => Ok(redirect_flash(
            jar,
            FlashKind::Error,
            format!("Stripe could not be used: {message}"),
            back,
        )),
        outcome => after_action(jar, back, outcome, said),
    }
}
