//! Billing's pages of the back office (super admin and finance): plans, subscriptions, credit
//! pricing, credit adjustments, revenue and the self-hosted plan. Every route is declared in
//! [`routes`], so the product lists them among the staff pages (the role matrix test walks
//! each one).

pub mod credits;
pub mod customer;
pub mod plans;
pub mod pricing;
pub mod revenue;
pub mod self_hosted;
pub mod subscriptions;

use axum::routing::{get, post};
use platform::staff::StaffRoutes;

use platform::{Error, FieldError};

pub use platform::web::format::money;

pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .route("/admin/billing", get(revenue::index))
        .route("/admin/billing/revenue", get(revenue::page))
        .route("/admin/billing/plans", get(plans::list).post(plans::create))
        .route("/admin/billing/plans/new", get(plans::new_form))
        .route(
            "/admin/billing/plans/{id}",
            get(plans::edit_form).post(plans::update),
        )
        .route("/admin/billing/plans/{id}/enable", post(plans::enable))
        .route("/admin/billing/plans/{id}/disable", post(plans::disable))
        .route("/admin/billing/subscriptions", get(subscriptions::list))
        .route(
            "/admin/billing/subscriptions/{id}",
            get(subscriptions::detail),
        )
        .route(
            "/admin/billing/subscriptions/{id}/comp",
            post(subscriptions::comp),
        )
        .route(
            "/admin/billing/subscriptions/{id}/end-comp",
            post(subscriptions::end_comp),
        )
        .route(
            "/admin/billing/subscriptions/{id}/cancel",
            post(subscriptions::cancel),
        )
        .route(
            "/admin/billing/subscriptions/{id}/cancel-now",
            post(subscriptions::cancel_now),
        )
        .route(
            "/admin/billing/subscriptions/{id}/change-plan",
            post(subscriptions::change_plan),
        )
        .route(
            "/admin/billing/subscriptions/{id}/sync",
            post(subscriptions::sync),
        )
        .route("/admin/billing/pricing", get(pricing::page))
        .route("/admin/billing/self-hosted", get(self_hosted::page))
        .route(
            "/admin/billing/self-hosted/move-all",
            post(self_hosted::move_all),
        )
        .route(
            "/admin/billing/self-hosted/{id}/move",
            post(self_hosted::move_one),
        )
        .route("/admin/billing/pricing/{action}", post(pricing::update))
        // The adjustment form is also on the back office's workspace page (see `credits`).
        .route("/admin/workspaces/{id}/credits", post(credits::adjust))
        // The change-of-plan form is on the back office's user page (see `customer`).
        .route("/admin/users/{id}/plan", post(customer::change_plan))
}

/// The plan a staff form chose (`plan_id`), refused beside its field when it is not one.
pub fn chosen_plan(raw: &str) -> Result<uuid::Uuid, Error> {
    uuid::Uuid::parse_str(raw).map_err(|_| Error::validation("plan_id", "Choose a plan"))
}

/// A price typed in dollars (`49`, `49.5`, `49.00`) as cents; empty is `None`.
pub fn dollars_to_cents(field: &str, raw: &str) -> Result<Option<i64>, FieldError> {
    let raw = raw.trim().trim_start_matches('$').replace(',', "");
    if raw.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new(field, "Give an amount in dollars, e.g. 49 or 49.00");
    let (whole, frac) = raw.split_once('.').unwrap_or((&raw, ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .map(Some)
        .ok_or_else(bad)
}

/// Cents as the form shows them (`49.00`), empty for `None`.
pub fn cents_to_dollars(cents: Option<i64>) -> String {
    cents.map_or_else(String::new, |c| format!("{}.{:02}", c / 100, c % 100))
}

/// A whole number from a form; `None` when empty.
pub fn whole_number(field: &str, raw: &str) -> Result<Option<i64>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| FieldError::new(field, "Use a whole number"))
}

/// Field errors collected while reading a form, as the error the pages show.
pub fn fields_error(errors: Vec<FieldError>) -> Result<(), Error> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// A rate as a percentage with two decimals, or a dash when undefined.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{:.2}%", r * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_become_cents() {
        let c = |s| dollars_to_cents("p", s).map_err(|e| e.field);
        assert_eq!(c("49"), Ok(Some(4900)));
        assert_eq!(c("49.5"), Ok(Some(4950)));
        assert_eq!(c("$1,490.05"), Ok(Some(149005)));
        assert_eq!(c(".99"), Ok(Some(99)));
        assert_eq!(c(""), Ok(None));
        for bad in ["4.999", "abc", "-5", "1.2.3", "."] {
            assert!(c(bad).is_err(), "{bad}");
        }
        assert_eq!(cents_to_dollars(Some(4950)), "49.50");
        assert_eq!(money(123456789, "usd"), "$1,234,567.89");
        assert_eq!(money(-1500, "eur"), "-€15.00");
    }
}
