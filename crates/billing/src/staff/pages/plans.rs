//! Plans: the list with subscriber counts, grouped by product line (each group in sort order),
//! the create and edit forms (prices typed in dollars and stored in cents, the product line
//! chosen from the known ones, a limit per meter — a number, `unlimited`, or empty for not
//! included — feature checkboxes), and enable / disable. A failed save shows the form again
//! with the input kept and each field's error beside it.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Path;
use platform::{
    AppState, Error, Result,
    http::extract::Form,
    web::{
        forms::{FormErrors, after_action, html, html_with, parse_id, redirect_flash},
        shell::FlashKind,
        shell::Shell,
    },
};

use super::{cents_to_dollars, dollars_to_cents, fields_error, money, whole_number};
use crate::{Feature, Limit, Meter, ProductLine, plans::Plan, plans::PlanInput, staff::service};
use platform::staff::{Chrome, Staff, StaffPage, StaffPermission, frame};

pub const LIST: &str = "/admin/billing/plans";

struct Row {
    id: String,
    key: String,
    name: String,
    monthly: String,
    yearly: String,
    enabled: bool,
    subscribers: u64,
    limits: String,
    features: String,
}

/// One product line's plans, under its heading.
struct LineGroup {
    key: &'static str,
    label: &'static str,
    rows: Vec<Row>,
}

/// The plans grouped by line, in the lines' order; `plans` comes in sort order and each group
/// keeps it. A line without plans is left out.
fn groups(plans: Vec<(Plan, u64)>) -> Vec<LineGroup> {
    let mut groups: Vec<LineGroup> = ProductLine::ALL
        .into_iter()
        .map(|l| LineGroup {
            key: l.as_str(),
            label: l.label(),
            rows: Vec::new(),
        })
        .collect();
    for (p, n) in plans {
        if let Some(g) = groups.iter_mut().find(|g| g.key == p.product_line.as_str()) {
            g.rows.push(row((p, n)));
        }
    }
    groups.retain(|g| !g.rows.is_empty());
    groups
}

/// What staff type for "no limit".
const UNLIMITED: &str = "unlimited";

fn row((p, subscribers): (Plan, u64)) -> Row {
    let price = |c: Option<i64>| c.map_or_else(|| "—".into(), |c| money(c, &p.currency));
    Row {
        id: p.id.to_string(),
        monthly: price(p.price_monthly),
        yearly: price(p.price_yearly),
        limits: Meter::ALL
            .iter()
            .map(|m| format!("{}: {}", m.label(), p.limit_of(*m).figure()))
            .collect::<Vec<_>>()
            .join(" · "),
        features: p
            .features
            .iter()
            .map(|f| f.label())
            .collect::<Vec<_>>()
            .join(", "),
        key: p.key,
        name: p.name,
        enabled: p.enabled,
        subscribers,
    }
}

#[derive(Template)]
#[template(path = "billing/staff/plans.html")]
struct ListPage {
    shell: Shell,
    chrome: Option<Chrome>,
    groups: Vec<LineGroup>,
}

pub async fn list(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let rows = service::plans(&staff, &state).await?;
    let (jar, shell, chrome) = frame(&state, &staff, "Plans", LIST, jar).await?;
    let page = ListPage {
        shell,
        chrome,
        groups: groups(rows),
    };
    Ok(html(jar, &page))
}

/// The plan form as typed (strings, so a bad value is shown back as it was).
#[derive(Debug, Default, Clone)]
pub struct PlanForm {
    pub key: String,
    pub name: String,
    pub description: String,
    pub currency: String,
    pub price_monthly: String,
    pub price_yearly: String,
    pub stripe_price_monthly: String,
    pub stripe_price_yearly: String,
    pub enabled: bool,
    pub sort_order: String,
    /// As chosen (`growth`, `discovery`); empty: not sent (an edit keeps the plan's line).
    pub product_line: String,
    /// Meter name → typed limit.
    pub limits: Vec<(Meter, String)>,
    pub features: Vec<Feature>,
    pub topup_discount_percent: String,
    pub allowance_rollover: bool,
}

impl PlanForm {
    /// From the posted pairs: limits are `limit_<meter>`, features `feature_<name>=on`.
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let on = |k: &str| pairs.iter().any(|(n, _)| n == k);
        PlanForm {
            key: get("key"),
            name: get("name"),
            description: get("description"),
            currency: get("currency"),
            price_monthly: get("price_monthly"),
            price_yearly: get("price_yearly"),
            stripe_price_monthly: get("stripe_price_monthly"),
            stripe_price_yearly: get("stripe_price_yearly"),
            enabled: on("enabled"),
            sort_order: get("sort_order"),
            product_line: get("product_line"),
            limits: Meter::ALL
                .iter()
                .map(|m| (*m, get(&format!("limit_{}", m.as_str()))))
                .collect(),
            features: Feature::ALL
                .into_iter()
                .filter(|f| on(&format!("feature_{}", f.as_str())))
                .collect(),
            topup_discount_percent: get("topup_discount_percent"),
            allowance_rollover: on("allowance_rollover"),
        }
    }

    fn of(p: &Plan) -> Self {
        PlanForm {
            key: p.key.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            currency: p.currency.clone(),
            price_monthly: cents_to_dollars(p.price_monthly),
            price_yearly: cents_to_dollars(p.price_yearly),
            stripe_price_monthly: p.stripe_price_monthly.clone().unwrap_or_default(),
            stripe_price_yearly: p.stripe_price_yearly.clone().unwrap_or_default(),
            enabled: p.enabled,
            sort_order: p.sort_order.to_string(),
            product_line: p.product_line.as_str().into(),
            limits: Meter::ALL
                .iter()
                .map(|m| {
                    let typed = match p.limit_of(*m) {
                        Limit::NotIncluded => String::new(),
                        Limit::Upto(n) => n.to_string(),
                        Limit::Unlimited => UNLIMITED.into(),
                    };
                    (*m, typed)
                })
                .collect(),
            features: p.features.clone(),
            topup_discount_percent: p.topup_discount_percent.to_string(),
            allowance_rollover: p.allowance_rollover,
        }
    }

    fn blank() -> Self {
        PlanForm {
            currency: "usd".into(),
            enabled: true,
            sort_order: "100".into(),
            product_line: ProductLine::default().as_str().into(),
            topup_discount_percent: "0".into(),
            limits: Meter::ALL.iter().map(|m| (*m, String::new())).collect(),
            ..Default::default()
        }
    }

    /// The service's input; typing errors (not a number, not dollars) are field errors.
    pub fn input(&self) -> Result<PlanInput> {
        let mut errors = Vec::new();
        let mut keep = |r: std::result::Result<Option<i64>, platform::FieldError>| {
            r.unwrap_or_else(|e| {
                errors.push(e);
                None
            })
        };
        let price_monthly = keep(dollars_to_cents("price_monthly", &self.price_monthly));
        let price_yearly = keep(dollars_to_cents("price_yearly", &self.price_yearly));
        let sort_order = keep(whole_number("sort_order", &self.sort_order));
        let discount = keep(whole_number(
            "topup_discount_percent",
            &self.topup_discount_percent,
        ));
        let mut limits = std::collections::BTreeMap::new();
        for (m, raw) in &self.limits {
            let field = format!("limits.{}", m.as_str());
            // Empty: not included (left out); `unlimited`: null; else a whole number.
            if raw.trim().eq_ignore_ascii_case(UNLIMITED) {
                limits.insert(m.as_str().to_string(), None);
            } else if let Some(n) = keep(whole_number(&field, raw).map_err(|_| {
                platform::FieldError::new(
                    &field,
                    "Use a whole number, “unlimited”, or leave it empty (not included)",
                )
            })) {
                limits.insert(m.as_str().to_string(), Some(n));
            }
        }
        fields_error(errors)?;
        let small = |v: Option<i64>, field: &str| {
            i32::try_from(v.unwrap_or(0))
                .map_err(|_| Error::validation(field, "This number is too large"))
        };
        Ok(PlanInput {
            key: Some(self.key.clone()),
            name: self.name.clone(),
            description: self.description.clone(),
            currency: self.currency.clone(),
            price_monthly,
            price_yearly,
            stripe_price_monthly: Some(self.stripe_price_monthly.clone()),
            stripe_price_yearly: Some(self.stripe_price_yearly.clone()),
            enabled: self.enabled,
            sort_order: small(sort_order, "sort_order")?,
            // Checked by the service against the known lines (an inline error when unknown).
            product_line: Some(self.product_line.trim().to_string()).filter(|l| !l.is_empty()),
            limits,
            features: self.features.iter().map(|f| f.as_str().into()).collect(),
            topup_discount_percent: small(discount, "topup_discount_percent")?,
            allowance_rollover: self.allowance_rollover,
        })
    }
}

/// One limit input with its error.
struct LimitField {
    name: String,
    label: &'static str,
    value: String,
    error: String,
}

struct FeatureBox {
    name: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "billing/staff/plan_form.html")]
struct FormPage {
    shell: Shell,
    chrome: Option<Chrome>,
    /// `None` for a new plan.
    plan_id: Option<String>,
    subscribers: u64,
    action: String,
    form: PlanForm,
    /// (stored name, label) of each product line, for the select.
    lines: Vec<(&'static str, &'static str)>,
    limits: Vec<LimitField>,
    features: Vec<FeatureBox>,
    errors: FormErrors,
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    jar: CookieJar,
    plan_id: Option<uuid::Uuid>,
    form: PlanForm,
    errors: FormErrors,
) -> Result<Response> {
    let (title, action, subscribers) = match plan_id {
        Some(id) => {
            let n = service::plans(staff, state)
                .await?
                .into_iter()
                .find(|(p, _)| p.id == id)
                .map_or(0, |(_, n)| n);
            (format!("Plan {}", form.name), format!("{LIST}/{id}"), n)
        }
        None => ("New plan".to_string(), format!("{LIST}/new"), 0),
    };
    let (jar, shell, chrome) = frame(state, staff, &title, LIST, jar).await?;
    let limits = form
        .limits
        .iter()
        .map(|(m, v)| LimitField {
            name: format!("limit_{}", m.as_str()),
            label: m.label(),
            value: v.clone(),
            error: errors.field(&format!("limits.{}", m.as_str())).to_string(),
        })
        .collect();
    let features = Feature::ALL
        .into_iter()
        .map(|f| FeatureBox {
            name: f.as_str(),
            label: f.label(),
            checked: form.features.contains(&f),
        })
        .collect();
    let answer = errors.answer;
    let page = FormPage {
        shell,
        chrome,
        plan_id: plan_id.map(|id| id.to_string()),
        subscribers,
        action,
        form,
        lines: ProductLine::ALL
            .into_iter()
            .map(|l| (l.as_str(), l.label()))
            .collect(),
        limits,
        features,
        errors,
    };
    Ok(html_with(answer, jar, &page))
}

pub async fn new_form(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    form_page(
        &state,
        &staff,
        jar,
        None,
        PlanForm::blank(),
        FormErrors::default(),
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let form = PlanForm::from_pairs(&pairs);
    let saved = match form.input() {
        Ok(input) => service::create_plan(&staff, &state, &input).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(plan) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("Plan {} is created.", plan.name),
            &format!("{LIST}/{}", plan.id),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            form_page(&state, &staff, jar, None, form, errors).await
        }
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let plan = service::plan(&staff, &state, parse_id(&id)?).await?;
    let form = PlanForm::of(&plan);
    form_page(
        &state,
        &staff,
        jar,
        Some(plan.id),
        form,
        FormErrors::default(),
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let plan_id = parse_id(&id)?;
    let mut form = PlanForm::from_pairs(&pairs);
    // The key is not editable; show the stored one.
    form.key = service::plan(&staff, &state, plan_id).await?.key;
    let saved = match form.input() {
        Ok(input) => service::update_plan(&staff, &state, plan_id, &input).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(plan) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "Plan {} is saved; its limits apply to its subscribers now.",
                plan.name
            ),
            &format!("{LIST}/{}", plan.id),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            form_page(&state, &staff, jar, Some(plan_id), form, errors).await
        }
    }
}

async fn set_enabled(
    state: AppState,
    staff: Staff,
    id: String,
    jar: CookieJar,
    on: bool,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let outcome = service::set_plan_enabled(&staff, &state, parse_id(&id)?, on).await;
    after_action(jar, LIST, outcome, |p| {
        if on {
            format!("Plan {} is enabled.", p.name)
        } else {
            format!(
                "Plan {} is disabled: no longer offered; its subscribers keep it.",
                p.name
            )
        }
    })
}

pub async fn enable(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    set_enabled(state, staff, id, jar, true).await
}

pub async fn disable(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    set_enabled(state, staff, id, jar, false).await
}
