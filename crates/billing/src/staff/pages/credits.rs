//! A workspace's credits in the back office: balance, the newest ledger entries and the
//! adjustment form. They are on the workspace's billing page and, through [`section`], on the
//! back office's workspace page; the form posts to `POST /admin/workspaces/{id}/credits`
//! ([`adjust`]) and returns to the page it came from.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Path;
use platform::{
    AppState, Error, Result,
    http::extract::Form,
    staff::{Staff, StaffPage, StaffPermission},
    web::{
        forms::{FormErrors, fmt_time, parse_id, redirect_flash},
        shell::FlashKind,
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::subscriptions::{LIST, detail_page};
use crate::{
    service::credits::{Balance, LedgerEntry},
    staff::service,
};

pub struct LedgerRow {
    pub at: String,
    pub kind: String,
    pub amount: i64,
    pub balance_after: i64,
    pub what: String,
    pub actor: String,
}

pub fn ledger_rows(entries: Vec<LedgerEntry>) -> Vec<LedgerRow> {
    entries
        .into_iter()
        .map(|e| LedgerRow {
            at: fmt_time(&e.created_at),
            what: [e.action, e.reason, e.reference]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            kind: e.kind,
            amount: e.amount,
            balance_after: e.balance_after,
            actor: e.actor,
        })
        .collect()
}

/// A workspace's credits as the billing and workspace pages show them (`_credits.html`).
pub struct CreditsView {
    pub workspace_id: String,
    pub balance: Balance,
    pub ledger: Vec<LedgerRow>,
    /// Where the adjustment form returns.
    pub back: String,
    /// What a refused adjustment typed, shown back with its errors.
    pub typed: AdjustForm,
    pub errors: FormErrors,
}

impl CreditsView {
    pub fn new(
        workspace_id: String,
        balance: Balance,
        ledger: Vec<LedgerRow>,
        back: String,
    ) -> Self {
        CreditsView {
            workspace_id,
            balance,
            ledger,
            back,
            typed: AdjustForm::default(),
            errors: FormErrors::default(),
        }
    }

    /// The balance in words (`1,000`).
    pub fn figure(&self, n: impl std::borrow::Borrow<i64>) -> String {
        platform::web::format::number(*n.borrow())
    }
}

#[derive(Template)]
#[template(path = "billing/staff/_credits.html")]
struct Section {
    credits: Option<CreditsView>,
}

/// The credits section of the back office's workspace page (the form returns to `back`), as
/// HTML; `None` for a role without the billing permission.
pub async fn section(
    state: &AppState,
    staff: &Staff,
    workspace_id: Uuid,
    back: String,
) -> Result<Option<String>> {
    if !staff.can(StaffPermission::Billing) {
        return Ok(None);
    }
    let (balance, ledger) = service::credits_of(staff, state, workspace_id).await?;
    let credits = CreditsView::new(workspace_id.to_string(), balance, ledger_rows(ledger), back);
    Section {
        credits: Some(credits),
    }
    .render()
    .map(Some)
    .map_err(|e| Error::internal(format!("render: {e}")))
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct AdjustForm {
    pub amount: String,
    pub reason: String,
    /// The page to return to (the workspace page or this billing page).
    pub back: String,
}

/// `POST /admin/workspaces/{id}/credits`: a staff correction of the balance.
pub async fn adjust(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<AdjustForm>,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let ws = parse_id(&id)?;
    let back = platform::web::forms::safe_next(&form.back, &format!("{LIST}/{ws}"));
    let outcome = match form.amount.trim().parse::<i64>() {
        Ok(amount) => service::adjust_credits(&staff, &state, ws, amount, &form.reason).await,
        Err(_) => Err(Error::validation(
            "amount",
            "Give a whole number of credits (negative to take credits away)",
        )),
    };
    match outcome {
        Ok(b) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "Credits adjusted: the balance is {} now.",
                platform::web::format::number(b.balance)
            ),
            &back,
        )),
        // A refused value is shown beside its field, with what was typed, on this
        // workspace's billing page (the form returns to `back` once it is accepted).
        Err(e @ Error::Validation(_)) => {
            let errors = FormErrors::from_error(e)?;
            detail_page(&state, &staff, jar, &id, Some((form, errors))).await
        }
        Err(e) => platform::web::forms::action_failed(jar, e, &back),
    }
}
