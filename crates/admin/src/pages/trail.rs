//! Activity-log entries as the back office lists them (the log page, and the trail on a user's
//! or workspace's page).

use platform::{audit::AuditEvent, web::forms::fmt_time};

pub struct TrailRow {
    pub when: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub target_link: String,
    pub ip: String,
    pub detail: String,
}

/// Where a target's page is in the back office, if it has one.
fn target_link(kind: &str, id: &str) -> String {
    match kind {
        "user" => format!("/admin/users/{id}"),
        "staff" => format!("/admin/staff/{id}"),
        "workspace" => format!("/admin/workspaces/{id}"),
        _ => String::new(),
    }
}

pub fn trail_rows(events: Vec<AuditEvent>) -> Vec<TrailRow> {
    events
        .into_iter()
        .map(|e| {
            let (target, target_link) = match (&e.target_type, &e.target_id) {
                (Some(t), Some(id)) => (format!("{t} {id}"), target_link(t, id)),
                (Some(t), None) => (t.clone(), String::new()),
                _ => (String::new(), String::new()),
            };
            TrailRow {
                when: fmt_time(&e.created_at),
                actor: e.actor_label,
                action: e.action,
                target,
                target_link,
                ip: e.ip.unwrap_or_default(),
                detail: e.detail.map(|d| d.to_string()).unwrap_or_default(),
            }
        })
        .collect()
}
