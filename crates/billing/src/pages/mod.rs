//! The customer's billing page: plan and period, usage against limits, plans to move to,
//! credits (balance, top-ups, history with filters and CSV), invoices from Stripe.

mod billing;
mod view;

use platform::web::pages::{PageRoutes, get, post};

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route("/billing", get(billing::page))
        .route("/billing/checkout", post(billing::checkout))
        .route("/billing/topup", post(billing::topup))
        .route("/billing/portal", post(billing::portal))
        .route("/billing/cancel", post(billing::cancel))
        .route("/billing/resume", post(billing::resume))
        .route("/billing/credits.csv", get(billing::credits_csv))
}
