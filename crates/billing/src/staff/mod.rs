//! Billing's back-office screens (super admin and finance): plans, subscriptions, credit
//! pricing, credit adjustments, revenue and the self-hosted plan, as pages under
//! `/admin/billing` ([`pages`]) and the staff API under `/api/v1/admin/billing` ([`api`]),
//! in the staff frame; both act through [`service`], which checks the staff permission and
//! writes the activity log. The sidebar entry and the dashboard cards are here too.

pub mod api;
pub mod dashboard;
pub mod pages;
pub mod service;

use platform::{
    staff::{StaffGroup, StaffNavEntry, StaffPermission},
    web::shell::Icon,
};

/// Billing's entry of the staff sidebar.
pub fn nav() -> Vec<StaffNavEntry> {
    vec![StaffNavEntry {
        group: StaffGroup::Money,
        order: 10,
        label: "Billing",
        path: "/admin/billing",
        icon: Icon::Card,
        permission: StaffPermission::Billing,
    }]
}

/// Billing's cards on the staff dashboard.
pub fn dashboard_cards() -> Vec<platform::staff::dashboard::DashboardCardFn> {
    vec![|state, staff, facts| {
        Box::pin(async move { dashboard::cards(&state, &staff, facts).await })
    }]
}
