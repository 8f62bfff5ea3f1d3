//! Billing's back-office screens (super admin and finance): plans, subscriptions, credit
//! pricing, credit adjustments, revenue and the self-hosted plan, as pages under
//! `/admin/billing` and the staff API under `/api/v1/admin/billing`, in the staff frame.

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
