//! Stripe: the client, the webhook, and the service fns that start Checkout, open the portal,
//! cancel or resume, list invoices, and the staff's sync / cancel / change-plan.

pub mod account;
pub mod apply;
pub mod client;
pub mod objects;
pub mod signature;
pub mod staff;
pub mod webhook;

pub use account::{
    CENTS_PER_CREDIT, InvoiceView, TOPUP_PACKS, cancel_at_period_end, checkout, invoices, portal,
    resume, topup_checkout, topup_price,
};
pub use client::{NOT_CONFIGURED, StripeClient};
pub use staff::{StaffActor, staff_cancel, staff_change_plan, sync};
