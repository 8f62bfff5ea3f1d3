//! Credit pricing: what each action costs and its free uses per month, one small form per
//! action. A refused value is shown back beside its field.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Path;
use platform::{
    AppState, Error, Result,
    http::extract::Form,
    web::{
        forms::{FormErrors, fmt_time, html_with, redirect_flash},
        shell::FlashKind,
        shell::Shell,
    },
};
use serde::Deserialize;

use super::whole_number;
use crate::{service::pricing::PriceInput, staff::service};
use platform::staff::{Chrome, Staff, StaffPage, StaffPermission, frame};

pub const PAGE: &str = "/admin/billing/pricing";

struct Row {
    action: String,
    label: String,
    cost: String,
    free_per_month: String,
    updated: String,
    cost_error: String,
    free_error: String,
}

#[derive(Template)]
#[template(path = "billing/staff/pricing.html")]
struct PricingPage {
    shell: Shell,
    chrome: Option<Chrome>,
    rows: Vec<Row>,
    errors: FormErrors,
}

/// The page; `failed` is (action, typed form, errors) of a refused save.
async fn page_with(
    state: &AppState,
    staff: &Staff,
    jar: CookieJar,
    failed: Option<(&str, &PriceForm, FormErrors)>,
) -> Result<Response> {
    let prices = service::prices(staff, state).await?;
    let (jar, shell, chrome) = frame(state, staff, "Credit pricing", PAGE, jar).await?;
    let mut errors = FormErrors::default();
    let rows = prices
        .into_iter()
        .map(|p| {
            let mut row = Row {
                cost: p.cost.to_string(),
                free_per_month: p.free_per_month.to_string(),
                updated: fmt_time(&p.updated_at),
                cost_error: String::new(),
                free_error: String::new(),
                action: p.action,
                label: p.label,
            };
            if let Some((action, form, e)) = &failed
                && *action == row.action
            {
                row.cost = form.cost.clone();
                row.free_per_month = form.free_per_month.clone();
                row.cost_error = e.field("cost").to_string();
                row.free_error = e.field("free_per_month").to_string();
                errors = e.clone();
            }
            row
        })
        .collect();
    let answer = errors.answer;
    Ok(html_with(
        answer,
        jar,
        &PricingPage {
            shell,
            chrome,
            rows,
            errors,
        },
    ))
}

pub async fn page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    page_with(&state, &staff, jar, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PriceForm {
    pub cost: String,
    pub free_per_month: String,
}

impl PriceForm {
    fn input(&self) -> Result<PriceInput> {
        let mut errors = Vec::new();
        let cost = whole_number("cost", &self.cost).unwrap_or_else(|e| {
            errors.push(e);
            None
        });
        let free = whole_number("free_per_month", &self.free_per_month).unwrap_or_else(|e| {
            errors.push(e);
            None
        });
        if cost.is_none() && errors.is_empty() {
            errors.push(platform::FieldError::new(
                "cost",
                "Give the cost in credits",
            ));
        }
        super::fields_error(errors)?;
        Ok(PriceInput {
            cost: cost.unwrap_or(0),
            free_per_month: free.unwrap_or(0),
        })
    }
}

pub async fn update(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(action): Path<String>,
    jar: CookieJar,
    Form(form): Form<PriceForm>,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let saved = match form.input() {
        Ok(input) => service::update_price(&staff, &state, &action, &input).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(p) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "{} costs {} credits with {} free uses a month.",
                p.label, p.cost, p.free_per_month
            ),
            PAGE,
        )),
        Err(Error::NotFound) => Err(Error::NotFound),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            page_with(&state, &staff, jar, Some((&action, &form, errors))).await
        }
    }
}
