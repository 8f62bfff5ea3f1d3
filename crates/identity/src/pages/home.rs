//! `/home`: the agency's overview. The sections come from the features (`platform::home`
//! panels: the Instagram accounts, what needs attention); identity adds the recent activity in
//! sentences and, for a workspace that is still empty, the first-steps checklist (each feature
//! contributes its steps; inviting a colleague is identity's). A user without any workspace is
//! offered to create one.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use platform::{
    AppState, Ctx, Permission, Result,
    home::{FirstStep, Part, ago},
    web::{
        flash,
        shell::{Shell, for_request},
    },
};

use super::common::{FormErrors, fmt_time, html};
use crate::service::{accounts, activity_feed, invitations, members};

const HOME: &str = "/home";

struct ActivityLine {
    /// RFC 3339, for `<time datetime>`.
    at: String,
    /// "3 hours ago".
    ago: String,
    /// "2026-03-01 14:05 UTC".
    exact: String,
    parts: Vec<Part>,
}

struct Step {
    title: String,
    hint: String,
    href: String,
    link: String,
    done: bool,
}

#[derive(Template)]
#[template(path = "identity/home.html")]
struct HomePage {
    shell: Shell,
    user_name: String,
    email: String,
    unverified: bool,
    has_workspace: bool,
    workspace_name: String,
    role_label: String,
    /// The features' sections, rendered by their own templates.
    panels: Vec<String>,
    /// No feature has anything to show yet: the checklist leads the page.
    empty: bool,
    /// A section could not be worked out (logged); the page says so.
    missing: bool,
    steps: Vec<Step>,
    steps_done: usize,
    /// `None`: the caller may not read the activity log.
    activity: Option<Vec<ActivityLine>>,
    can_invite: bool,
    /// For the "create a workspace" form shown to a user without any.
    errors: FormErrors,
}

/// Identity's step: a colleague invited (or already in).
async fn invite_step(state: &AppState, ctx: &Ctx) -> Result<Option<FirstStep>> {
    if !ctx.can(Permission::MembersInvite) {
        return Ok(None);
    }
    let scope = platform::Scope::of(ctx)?;
    let done = members::count(&state.db, &scope).await? > 1
        || invitations::pending_count(&state.db, &scope).await? > 0;
    Ok(Some(FirstStep {
        order: 200,
        title: "Invite a colleague".into(),
        hint: "Work on the accounts together; each person gets their own sign-in and role.".into(),
        href: "/workspace/members#invite-title".into(),
        link: "Invite someone".into(),
        done,
    }))
}

pub async fn home(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    let user = accounts::find_user(&state.db, ctx.user_id()).await?;
    let (jar, flashes) = flash::take(jar);
    let mut page = HomePage {
        shell: for_request(&state, Some(&ctx), "Home", HOME, flashes).await?,
        user_name: user.name,
        email: user.email,
        unverified: user.email_verified_at.is_none(),
        has_workspace: false,
        workspace_name: String::new(),
        role_label: String::new(),
        panels: Vec::new(),
        empty: false,
        missing: false,
        steps: Vec::new(),
        steps_done: 0,
        activity: None,
        can_invite: false,
        errors: FormErrors::default(),
    };
    let Some((workspace, role)) = ctx.workspace.clone() else {
        return Ok(html(jar, &page));
    };
    let (panels, failed) = state.home.panels(&state, &ctx).await;
    let mut steps: Vec<FirstStep> = panels
        .iter()
        .flat_map(|p| p.first_steps.iter().cloned())
        .collect();
    steps.extend(invite_step(&state, &ctx).await?);
    steps.sort_by_key(|s| s.order);
    let activity = if ctx.can(Permission::AuditRead) {
        let now = Utc::now();
        Some(
            activity_feed::recent(&state, &ctx, activity_feed::RECENT)
                .await?
                .into_iter()
                .map(|item| ActivityLine {
                    at: item.at.to_rfc3339(),
                    ago: ago(item.at, now),
                    exact: fmt_time(&item.at),
                    parts: item.sentence.0,
                })
                .collect(),
        )
    } else {
        None
    };
    page.has_workspace = true;
    page.workspace_name = workspace.name;
    page.role_label = role.label().to_string();
    page.missing = failed > 0;
    page.empty = failed == 0 && panels.iter().all(|p| p.html.is_none());
    page.panels = panels.into_iter().filter_map(|p| p.html).collect();
    page.steps_done = steps.iter().filter(|s| s.done).count();
    page.steps = steps
        .into_iter()
        .map(|s| Step {
            title: s.title,
            hint: s.hint,
            href: s.href,
            link: s.link,
            done: s.done,
        })
        .collect();
    page.activity = activity;
    page.can_invite = ctx.can(Permission::MembersInvite);
    Ok(html(jar, &page))
}
