//! Billing's domain logic: plain async fns over the database, no HTTP types.

pub mod credits;
pub mod limits;
pub mod mode;
pub mod plans;
pub mod pricing;
pub mod revenue;
pub mod subscriptions;
