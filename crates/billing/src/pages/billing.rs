//! `/billing`: what the workspace is on and what it uses, how to change it, its credits and
//! invoices. Everyone in the workspace may look; owners and admins act.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::Response,
};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, Permission, Result,
    http::extract::Form,
    web::{
        csv_export, flash,
        forms::{action_failed, after_action, html, redirect, redirect_flash},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;

use super::view::{self, MeterRow, PlanCard, money};
use crate::{
    service::{
        credits::{self, LedgerFilter},
        limits, plans,
    },
    stripe::{self, StripeClient},
};

const PATH: &str = "/billing";

pub struct LedgerRow {
    pub at: String,
    pub kind: String,
    pub amount: String,
    pub balance_after: i64,
    pub action: String,
    pub reason: String,
    pub reference: String,
}

pub struct InvoiceRow {
    pub number: String,
    pub date: String,
    pub status: String,
    pub amount: String,
    pub url: String,
}

pub struct Pack {
    pub credits: i64,
    pub price: String,
}

#[derive(Template)]
#[template(path = "billing/billing.html")]
struct BillingPage {
    shell: Shell,
    plan_name: String,
    status: String,
    origin: String,
    period: String,
    price: String,
    cancel_at_period_end: bool,
    past_due: bool,
    limited: bool,
    grace_ends: String,
    subscribed_name: String,
    stripe_ready: bool,
    not_configured: &'static str,
    has_customer: bool,
    can_manage: bool,
    meters: Vec<MeterRow>,
    plans: Vec<PlanCard>,
    balance: i64,
    allowance: i64,
    purchased: i64,
    packs: Vec<Pack>,
    discount: i32,
    ledger: Vec<LedgerRow>,
    next_cursor: String,
    filter_kind: String,
    filter_action: String,
    kinds: [&'static str; 8],
    invoices: Vec<InvoiceRow>,
    invoices_error: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    kind: String,
    action: String,
    cursor: String,
}

fn day(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn filter_of(q: &PageQuery, limit: u64) -> LedgerFilter {
    LedgerFilter {
        kind: Some(q.kind.trim().to_string()).filter(|k| !k.is_empty()),
        action: Some(q.action.trim().to_string()).filter(|a| !a.is_empty()),
        cursor: Some(q.cursor.trim().to_string()).filter(|c| !c.is_empty()),
        limit: Some(limit),
        ..Default::default()
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceRead)?;
    let ws = ctx.workspace_id()?;
    credits::refresh_allowance(&state, ws).await?;
    let standing = limits::standing(&state, ws).await?;
    let balance = credits::balance(&state.db, ws).await?;
    let all = plans::all(&state.db).await?;
    let stripe_ready = StripeClient::from_state(&state).await?.is_some();
    let sub = standing.subscription.as_ref();
    let ledger = match credits::ledger(&state.db, ws, &filter_of(&q, 25)).await {
        Ok(page) => page,
        // A bad filter in the address: show the unfiltered history and say so.
        Err(Error::Validation(errors)) => {
            let message = errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_default();
            return Ok(redirect_flash(
                jar,
                FlashKind::Error,
                format!("That filter is not valid: {message}"),
                PATH,
            ));
        }
        Err(e) => return Err(e),
    };
    let has_customer = sub.is_some_and(|s| s.stripe_customer_id.is_some());
    let (invoices, invoices_error) =
        if has_customer && stripe_ready && ctx.can(Permission::BillingManage) {
            match stripe::invoices(&state, &ctx).await {
                Ok(list) => (
                    list.into_iter()
                        .map(|i| InvoiceRow {
                            number: i.number.unwrap_or_else(|| i.id.clone()),
                            date: i.created.as_ref().map(day).unwrap_or_default(),
                            status: i.status.unwrap_or_default(),
                            amount: money(
                                if i.amount_paid > 0 {
                                    i.amount_paid
                                } else {
                                    i.amount_due
                                },
                                &i.currency,
                            ),
                            url: i.hosted_invoice_url.unwrap_or_default(),
                        })
                        .collect(),
                    String::new(),
                ),
                Err(e) => (Vec::new(), e.detail()),
            }
        } else {
            (Vec::new(), String::new())
        };
    let discount = standing.plan.topup_discount_percent;
    let (jar, flashes) = flash::take(jar);
    let page = BillingPage {
        shell: shell::for_request(&state, Some(&ctx), "Billing", PATH, flashes).await?,
        plan_name: standing.plan.name.clone(),
        status: sub
            .map(|s| s.status.clone())
            .unwrap_or_else(|| "free".into()),
        origin: sub
            .map(|s| s.origin.clone())
            .unwrap_or_else(|| "free".into()),
        period: match sub {
            Some(s) => match (s.current_period_start, s.current_period_end) {
                (Some(a), Some(b)) => format!("{} – {}", day(&a), day(&b)),
                (Some(a), None) => format!("since {}", day(&a)),
                _ => String::new(),
            },
            None => String::new(),
        },
        price: sub
            .and_then(|s| {
                s.price_amount.map(|p| {
                    format!(
                        "{} / {}",
                        money(p, &s.currency),
                        s.interval.clone().unwrap_or_else(|| "period".into())
                    )
                })
            })
            .unwrap_or_default(),
        cancel_at_period_end: sub.is_some_and(|s| s.cancel_at_period_end),
        past_due: standing.past_due,
        limited: standing.limited,
        grace_ends: standing.grace_ends_at.as_ref().map(day).unwrap_or_default(),
        subscribed_name: standing
            .subscribed
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        stripe_ready,
        not_configured: stripe::NOT_CONFIGURED,
        has_customer,
        can_manage: ctx.can(Permission::BillingManage),
        meters: view::meters(&state, ws, &standing, balance.allowance).await?,
        plans: all
            .iter()
            .filter(|p| p.enabled)
            .map(|p| view::plan_card(p, Some(&standing.plan)))
            .collect(),
        balance: balance.balance,
        allowance: balance.allowance,
        purchased: balance.purchased,
        packs: stripe::TOPUP_PACKS
            .iter()
            .map(|c| Pack {
                credits: *c,
                price: money(stripe::topup_price(*c, discount), "usd"),
            })
            .collect(),
        discount,
        next_cursor: ledger.next_cursor.clone().unwrap_or_default(),
        ledger: ledger
            .items
            .into_iter()
            .map(|t| LedgerRow {
                at: t.created_at.format("%Y-%m-%d %H:%M").to_string(),
                amount: if t.amount > 0 {
                    format!("+{}", t.amount)
                } else {
                    t.amount.to_string()
                },
                kind: t.kind,
                balance_after: t.balance_after,
                action: t.action.unwrap_or_default(),
                reason: t.reason.unwrap_or_default(),
                reference: t.reference.unwrap_or_default(),
            })
            .collect(),
        filter_kind: q.kind.clone(),
        filter_action: q.action.clone(),
        kinds: credits::KINDS,
        invoices,
        invoices_error,
    };
    Ok(html(jar, &page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CheckoutForm {
    plan: String,
    interval: String,
}

/// Off to Stripe Checkout; a refusal comes back as a flash saying why.
pub async fn checkout(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<CheckoutForm>,
) -> Result<Response> {
    match stripe::checkout(&state, &ctx, &form.plan, &form.interval).await {
        Ok(url) => Ok(redirect(jar, &url)),
        Err(e) => action_failed(jar, e, PATH),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TopupForm {
    credits: i64,
}

pub async fn topup(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<TopupForm>,
) -> Result<Response> {
    match stripe::topup_checkout(&state, &ctx, form.credits).await {
        Ok(url) => Ok(redirect(jar, &url)),
        Err(e) => action_failed(jar, e, PATH),
    }
}

pub async fn portal(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    match stripe::portal(&state, &ctx).await {
        Ok(url) => Ok(redirect(jar, &url)),
        Err(e) => action_failed(jar, e, PATH),
    }
}

pub async fn cancel(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    let outcome = stripe::cancel_at_period_end(&state, &ctx).await;
    after_action(jar, PATH, outcome, |s| match s.current_period_end {
        Some(end) => format!(
            "The subscription ends on {}; until then nothing changes.",
            day(&end)
        ),
        None => "The subscription will end at the end of the period.".into(),
    })
}

pub async fn resume(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    let outcome = stripe::resume(&state, &ctx).await;
    after_action(jar, PATH, outcome, |_| {
        "The subscription continues; the cancellation is withdrawn.".to_string()
    })
}

/// The credit history as CSV, with the page's filters, streamed page by page.
pub async fn credits_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceRead)?;
    let ws = ctx.workspace_id()?;
    let base = filter_of(&q, csv_export::BATCH);
    // Checked before the download starts: a bad filter is a clear error, not a cut file.
    credits::ledger(
        &state.db,
        ws,
        &LedgerFilter {
            limit: Some(1),
            ..base.clone()
        },
    )
    .await?;
    let db = state.db.clone();
    let body = csv_export::stream(
        &[
            "time",
            "kind",
            "amount",
            "balance_after",
            "action",
            "reference",
            "reason",
            "actor",
        ],
        move |cursor: Option<String>| {
            let db = db.clone();
            let filter = LedgerFilter {
                cursor: cursor.or(base.cursor.clone()),
                ..base.clone()
            };
            async move {
                let page = credits::ledger(&db, ws, &filter).await?;
                let rows = page
                    .items
                    .into_iter()
                    .map(|t| {
                        vec![
                            t.created_at.to_rfc3339(),
                            t.kind,
                            t.amount.to_string(),
                            t.balance_after.to_string(),
                            t.action.unwrap_or_default(),
                            t.reference.unwrap_or_default(),
                            t.reason.unwrap_or_default(),
                            t.actor,
                        ]
                    })
                    .collect();
                Ok((rows, page.next_cursor))
            }
        },
    );
    Ok(csv_export::response("credits.csv", body))
}
