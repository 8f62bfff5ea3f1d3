//! Billing's parts of the back office's customer pages, which are the admin feature's
//! (registered through `platform::staff::panels`): on a workspace's page a link to its
//! subscription and its credits; on a user's page a change-of-plan form beside each workspace
//! the user owns, posting to [`change_plan`] here. Staff without the billing permission see
//! none of it.

use std::collections::HashMap;

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Error, Result, Role,
    http::extract::{Form, Path},
    staff::{
        Staff, StaffPage, StaffPermission,
        panels::{Membership, PanelLink, WorkspacePanel},
    },
    web::forms::{after_action, parse_id},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{credits, subscriptions::LIST};
use crate::staff::service::{self, PlanChange};

/// The workspace page's part: `Billing` → the workspace's subscription page, and its credits.
pub async fn workspace_panel(
    state: &AppState,
    staff: &Staff,
    workspace_id: Uuid,
    back: String,
) -> Result<WorkspacePanel> {
    let Some(html) = credits::section(state, staff, workspace_id, back).await? else {
        return Ok(WorkspacePanel::default());
    };
    Ok(WorkspacePanel {
        links: vec![PanelLink {
            label: "Billing".into(),
            href: format!("{LIST}/{workspace_id}"),
        }],
        html,
    })
}

#[derive(Template)]
#[template(path = "billing/staff/_change_plan.html")]
struct ChangePlanForm<'a> {
    user_id: Uuid,
    workspace_id: Uuid,
    /// Paid through Stripe: the change goes through Stripe, prorated.
    stripe: bool,
    /// (plan id, name) of the enabled plans.
    plans: &'a [(String, String)],
    subscriptions: &'static str,
}

/// The user page's part: a change-of-plan form beside each workspace the user owns.
pub async fn membership_panel(
    state: &AppState,
    staff: &Staff,
    user_id: Uuid,
    memberships: Vec<Membership>,
) -> Result<HashMap<Uuid, String>> {
    let owned: Vec<Uuid> = memberships
        .iter()
        .filter(|m| m.role == Role::Owner)
        .map(|m| m.workspace_id)
        .collect();
    if owned.is_empty() || !staff.can(StaffPermission::Billing) {
        return Ok(HashMap::new());
    }
    let plans: Vec<(String, String)> = service::plans(staff, state)
        .await?
        .into_iter()
        .filter(|(p, _)| p.enabled)
        .map(|(p, _)| (p.id.to_string(), p.name))
        .collect();
    if plans.is_empty() {
        return Ok(HashMap::new());
    }
    let mut forms = HashMap::with_capacity(owned.len());
    for workspace_id in owned {
        let form = ChangePlanForm {
            user_id,
            workspace_id,
            stripe: service::stripe_backed(staff, state, workspace_id).await?,
            plans: &plans,
            subscriptions: LIST,
        }
        .render()
        .map_err(|e| Error::internal(format!("render: {e}")))?;
        forms.insert(workspace_id, form);
    }
    Ok(forms)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    workspace_id: String,
    plan_id: String,
}

/// `POST /admin/users/{id}/plan`: puts a workspace the user owns on a plan — through Stripe
/// (prorated) when its subscription is paid through Stripe, otherwise comped (not charged).
/// Returns to the user's page.
pub async fn change_plan(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<PlanForm>,
) -> Result<Response> {
    staff.require(StaffPermission::Billing)?;
    let user = parse_id(&id)?;
    let back = format!("/admin/users/{user}");
    let mut owned = None;
    if let Ok(ws) = Uuid::parse_str(&form.workspace_id)
        && state.directory.role_of(&state, user, ws).await? == Some(Role::Owner)
    {
        owned = Some(ws);
    }
    let outcome = match (owned, super::chosen_plan(&form.plan_id)) {
        (None, _) => Err(Error::validation(
            "workspace_id",
            "Choose a workspace this user owns",
        )),
        (Some(_), Err(e)) => Err(e),
        (Some(ws), Ok(plan)) => {
            async {
                let how = service::change_plan(&staff, &state, ws, plan).await?;
                Ok((state.directory.find(&state, ws).await?.name, how))
            }
            .await
        }
    };
    after_action(jar, &back, outcome, |(name, how)| match how {
        PlanChange::Stripe => format!(
            "{name} is on the chosen plan now, through Stripe (prorated on the next invoice)."
        ),
        PlanChange::Comped => format!("{name} is on the chosen plan now, comped (not charged)."),
    })
}
