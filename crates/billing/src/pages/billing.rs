//! `/billing`: what the workspace is on and what it uses, how to change it, its credits and
//! invoices. Everyone in the workspace may look; owners and admins act.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Query;
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope,
    http::extract::Form,
    web::{
        csv_export, flash,
        format::{money, number},
        forms::{action_failed, after_action, html, redirect, redirect_flash},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;

use super::view::{self, MeterRow, PlanLine};
use crate::{
    service::{
        credits::{self, LedgerFilter},
        limits, mode, plans, pricing,
    },
    stripe,
};

const PATH: &str = "/billing";

pub struct LedgerRow {
    pub at: String,
    pub kind: &'static str,
    pub amount: String,
    pub balance_after: String,
    pub action: String,
    pub reason: String,
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
    pub label: String,
    pub price: String,
}

#[derive(Template)]
#[template(path = "billing/billing.html")]
struct BillingPage {
    shell: Shell,
    plan_name: String,
    /// Which situation applies, in the customer's words (said once).
    situation: String,
    status: &'static str,
    billed: &'static str,
    period: String,
    price: String,
    cancel_at_period_end: bool,
    past_due: bool,
    limited: bool,
    grace_ends: String,
    subscribed_name: String,
    /// This server sells plans (Stripe is configured).
    stripe_ready: bool,
    stripe_subscription: bool,
    status_canceled: bool,
    has_customer: bool,
    can_manage: bool,
    meters: Vec<MeterRow>,
    /// The plans on offer, grouped by product line.
    plan_lines: Vec<PlanLine>,
    credits_unlimited: bool,
    balance: String,
    allowance: String,
    purchased: String,
    allowance_left: bool,
    packs: Vec<Pack>,
    discount: i32,
    ledger: Vec<LedgerRow>,
    next_cursor: String,
    filter_kind: String,
    filter_action: String,
    kinds: Vec<(&'static str, &'static str)>,
    actions: Vec<(String, String)>,
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
    let scope = Scope::of(&ctx)?;
    // The standing observes the server's mode (and enrols a self-hosted workspace) first.
    let standing = limits::standing(&state, &scope).await?;
    credits::refresh_allowance(&state, &scope).await?;
    let mode = mode::recorded(&state.db).await?;
    let stripe_ready = mode.takes_payments();
    let balance = credits::balance(&state.db, &scope).await?;
    let all = plans::all(&state.db).await?;
    let prices = pricing::all(&state.db).await?;
    let sub = standing.subscription.as_ref();
    let ledger = match credits::ledger(&state.db, &scope, &filter_of(&q, 25)).await {
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
                            number: i.number.unwrap_or_default(),
                            date: i.created.as_ref().map(day).unwrap_or_default(),
                            status: view::invoice_words(i.status.as_deref().unwrap_or_default())
                                .to_string(),
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
    let label_of = |action: &str| {
        prices
            .iter()
            .find(|p| p.action == action)
            .map_or_else(|| action.to_string(), |p| p.label.clone())
    };
    let offered = all.iter().filter(|p| p.enabled && !p.is_self_hosted());
    let plan_lines = view::plan_lines(offered.map(|p| {
        (
            p.product_line,
            view::plan_card(&state, p, Some(&standing.plan)),
        )
    }));
    let (jar, flashes) = flash::take(jar);
    let page = BillingPage {
        shell: shell::for_request(&state, Some(&ctx), "Billing", PATH, flashes).await?,
        plan_name: standing.plan.name.clone(),
        situation: view::situation(mode, &standing),
        status: view::status_words(sub.map_or("active", |s| s.status.as_str())),
        billed: view::billed_words(&standing),
        period: match sub.filter(|_| !standing.plan.is_self_hosted()) {
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
        stripe_subscription: sub.is_some_and(|s| s.origin == crate::service::subscriptions::STRIPE),
        status_canceled: sub.is_some_and(|s| s.status == "canceled"),
        has_customer,
        can_manage: ctx.can(Permission::BillingManage),
        meters: view::meters(&state, &scope, &standing, balance.allowance).await?,
        plan_lines,
        credits_unlimited: standing.plan.credits_unlimited(),
        balance: number(balance.balance),
        allowance: number(balance.allowance),
        purchased: number(balance.purchased),
        allowance_left: balance.allowance > 0,
        packs: stripe::TOPUP_PACKS
            .iter()
            .map(|c| Pack {
                credits: *c,
                label: number(*c),
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
                    format!("+{}", number(t.amount))
                } else {
                    number(t.amount)
                },
                kind: view::kind_words(&t.kind),
                balance_after: number(t.balance_after),
                action: t.action.as_deref().map(label_of).unwrap_or_default(),
                reason: t.reason.unwrap_or_default(),
            })
            .collect(),
        filter_kind: q.kind.clone(),
        filter_action: q.action.clone(),
        kinds: credits::KINDS
            .iter()
            .map(|k| (*k, view::kind_words(k)))
            .collect(),
        actions: prices
            .iter()
            .map(|p| (p.action.clone(), p.label.clone()))
            .collect(),
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
    let scope = Scope::of(&ctx)?;
    let base = filter_of(&q, csv_export::BATCH);
    // Checked before the download starts: a bad filter is a clear error, not a cut file.
    credits::ledger(
        &state.db,
        &scope,
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
                let page = credits::ledger(&db, &scope, &filter).await?;
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
    csv_export::response("credits.csv", body).await
}
