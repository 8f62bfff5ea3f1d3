//! Workspace pages: creating and switching workspaces, members and invitations (the invite
//! form keeps what was typed and says what is wrong next to the field). API tokens are in
//! `tokens`, the workspace's settings in `settings`.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::http::extract::Path;
use platform::{
    AppState, Ctx, Error, FieldError, Permission, Result, Role,
    authz::{PERMISSION_TABLE, grantable_roles},
    http::extract::Form,
    web::{
        flash,
        shell::{FlashKind, Shell, for_request},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use super::common::{
    FormErrors, action_failed, fmt_time, html, html_with, parse_id, redirect, redirect_flash,
};
use crate::service::{invitations, members, workspaces};

const HOME: &str = "/home";
const MEMBERS: &str = "/workspace/members";

// ---- workspaces -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "identity/workspace_new.html")]
struct NewWorkspacePage {
    shell: Shell,
    name_value: String,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NameForm {
    name: String,
}

pub async fn new_workspace_form(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response> {
    let (jar, flashes) = flash::take(jar);
    let page = NewWorkspacePage {
        shell: for_request(
            &state,
            Some(&ctx),
            "New workspace",
            "/workspaces/new",
            flashes,
        )
        .await?,
        name_value: String::new(),
        errors: FormErrors::default(),
    };
    Ok(html(jar, &page))
}

pub async fn new_workspace(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<NameForm>,
) -> Result<Response> {
    let errors = match workspaces::create(&state, &ctx, &form.name).await {
        Ok(ws) => {
            return Ok(redirect_flash(
                jar,
                FlashKind::Success,
                format!("Workspace {} is ready.", ws.name),
                HOME,
            ));
        }
        Err(e) => FormErrors::from_error(e)?,
    };
    let (jar, flashes) = flash::take(jar);
    let page = NewWorkspacePage {
        shell: for_request(
            &state,
            Some(&ctx),
            "New workspace",
            "/workspaces/new",
            flashes,
        )
        .await?,
        name_value: form.name,
        errors,
    };
    Ok(html_with(page.errors.answer, jar, &page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SwitchForm {
    slug: String,
}

pub async fn switch_workspace(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<SwitchForm>,
) -> Result<Response> {
    match workspaces::switch(&state, &ctx, &form.slug).await {
        Ok(ws) => Ok(redirect_flash(
            jar,
            FlashKind::Info,
            format!("You are now working in {}.", ws.name),
            HOME,
        )),
        Err(e) => action_failed(jar, e, HOME),
    }
}

// ---- members --------------------------------------------------------------------------------

struct RoleOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn role_options(roles: &[Role], selected: Role) -> Vec<RoleOption> {
    roles
        .iter()
        .map(|r| RoleOption {
            value: r.as_str(),
            label: r.label(),
            selected: *r == selected,
        })
        .collect()
}

struct MemberRow {
    user_id: Uuid,
    name: String,
    email: String,
    role_label: &'static str,
    is_owner: bool,
    two_factor: bool,
    joined: String,
    is_self: bool,
    can_manage: bool,
    role_options: Vec<RoleOption>,
}

struct InvitationRow {
    id: Uuid,
    email: String,
    role_label: &'static str,
    sent: String,
    expires: String,
}

struct PermissionRow {
    description: &'static str,
    cells: Vec<bool>,
}

struct MemberChoice {
    user_id: Uuid,
    label: String,
}

#[derive(Template)]
#[template(path = "identity/members.html")]
struct MembersPage {
    shell: Shell,
    workspace_name: String,
    members: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    can_invite: bool,
    /// Whether mail leaves this server: the invite form says "we email them" only then.
    mail_delivered: bool,
    invite_roles: Vec<RoleOption>,
    /// The invite form as typed, and what is wrong with it.
    invite_email: String,
    invite_errors: FormErrors,
    can_transfer: bool,
    transfer_choices: Vec<MemberChoice>,
    role_labels: Vec<&'static str>,
    permissions: Vec<PermissionRow>,
}

/// The invite form as it was sent, with its errors (empty for a fresh page).
#[derive(Default)]
struct Invite {
    email: String,
    role: Option<Role>,
    errors: FormErrors,
}

pub async fn members(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    members_page(&state, &ctx, jar, Invite::default()).await
}

async fn members_page(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    invite: Invite,
) -> Result<Response> {
    let Some((workspace, actor)) = ctx.workspace.clone() else {
        return Ok(redirect(jar, HOME));
    };
    let can_manage = ctx.can(Permission::MembersManage);
    // Owners may make other owners; everyone else grants at most their own rank, never owner.
    let assignable: Vec<Role> = if actor == Role::Owner {
        Role::ALL.to_vec()
    } else {
        grantable_roles(actor)
    };
    let list = members::list(state, ctx).await?;
    let rows: Vec<MemberRow> = list
        .iter()
        .map(|m| {
            let is_self = m.user_id == ctx.user_id();
            MemberRow {
                user_id: m.user_id,
                name: m.name.clone(),
                email: m.email.clone(),
                role_label: m.role.label(),
                is_owner: m.role == Role::Owner,
                two_factor: m.two_factor,
                joined: fmt_time(&m.joined_at),
                is_self,
                can_manage: can_manage && !is_self && m.role.rank() <= actor.rank(),
                role_options: role_options(&assignable, m.role),
            }
        })
        .collect();
    let invitations = invitations::list(state, ctx)
        .await?
        .into_iter()
        .map(|i| InvitationRow {
            id: i.id,
            email: i.email,
            role_label: i.role.label(),
            sent: fmt_time(&i.created_at),
            expires: fmt_time(&i.expires_at),
        })
        .collect();
    let transfer_choices = list
        .iter()
        .filter(|m| m.user_id != ctx.user_id())
        .map(|m| MemberChoice {
            user_id: m.user_id,
            label: format!("{} ({})", m.name, m.email),
        })
        .collect();
    let permissions = PERMISSION_TABLE
        .iter()
        .map(|(_, description, roles)| PermissionRow {
            description,
            cells: Role::ALL.iter().map(|r| roles.contains(r)).collect(),
        })
        .collect();
    let (jar, flashes) = flash::take(jar);
    let page = MembersPage {
        shell: for_request(state, Some(ctx), "Members", MEMBERS, flashes).await?,
        workspace_name: workspace.name,
        members: rows,
        invitations,
        can_invite: ctx.can(Permission::MembersInvite),
        mail_delivered: crate::service::signup::mail_delivered(state),
        invite_roles: role_options(&grantable_roles(actor), invite.role.unwrap_or(Role::Member)),
        invite_email: invite.email,
        invite_errors: invite.errors,
        can_transfer: ctx.can(Permission::OwnershipTransfer),
        transfer_choices,
        role_labels: Role::ALL.iter().map(|r| r.label()).collect(),
        permissions,
    };
    Ok(html_with(page.invite_errors.answer, jar, &page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(user_id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response> {
    let user_id = parse_id(&user_id)?;
    let Some(role) = Role::parse(&form.role) else {
        return Ok(redirect_flash(
            jar,
            FlashKind::Error,
            "Choose one of the listed roles.",
            MEMBERS,
        ));
    };
    match members::change_role(&state, &ctx, user_id, role).await {
        Ok(m) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("{} is now {}.", m.name, m.role.label()),
            MEMBERS,
        )),
        Err(e) => action_failed(jar, e, MEMBERS),
    }
}

pub async fn remove_member(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(user_id): Path<String>,
) -> Result<Response> {
    let user_id = parse_id(&user_id)?;
    let leaving = user_id == ctx.user_id();
    let workspace_name = ctx.workspace().map(|w| w.name.clone()).unwrap_or_default();
    match members::remove(&state, &ctx, user_id).await {
        Ok(()) if leaving => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("You left {workspace_name}."),
            HOME,
        )),
        Ok(()) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "The member was removed from the workspace.",
            MEMBERS,
        )),
        Err(e) => action_failed(jar, e, MEMBERS),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TransferForm {
    user_id: String,
}

pub async fn transfer_ownership(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<TransferForm>,
) -> Result<Response> {
    let Ok(to) = Uuid::parse_str(form.user_id.trim()) else {
        return Ok(redirect_flash(
            jar,
            FlashKind::Error,
            "Choose the member who becomes the owner.",
            MEMBERS,
        ));
    };
    match members::transfer_ownership(&state, &ctx, to).await {
        Ok(()) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Ownership transferred. You are now an admin of this workspace.",
            MEMBERS,
        )),
        Err(e) => action_failed(jar, e, MEMBERS),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    email: String,
    role: String,
}

pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<InviteForm>,
) -> Result<Response> {
    let role = Role::parse(form.role.trim());
    let outcome = match role {
        Some(role) => invitations::invite(&state, &ctx, &form.email, role).await,
        None => Err(Error::validation("role", "Choose one of the listed roles")),
    };
    let errors = match outcome {
        Ok(inv) => {
            return Ok(redirect_flash(
                jar,
                FlashKind::Success,
                if crate::service::signup::mail_delivered(&state) {
                    format!("Invitation sent to {} as {}.", inv.email, inv.role.label())
                } else {
                    format!(
                        "Invitation for {} as {} created. This server does not send email yet: \
                         the link is in the server log and the mail outbox for the \
                         administrator to pass on.",
                        inv.email,
                        inv.role.label()
                    )
                },
                MEMBERS,
            ));
        }
        Err(e) => invite_errors(e)?,
    };
    let typed = Invite {
        email: form.email,
        role,
        errors,
    };
    members_page(&state, &ctx, jar, typed).await
}

/// Every refusal of an invitation shown next to the field it is about; a plan's seat limit
/// (which names the plan) is about the address that would take the seat.
fn invite_errors(error: Error) -> Result<FormErrors> {
    match error {
        e @ Error::PaymentRequired { .. } => {
            let status = e.status();
            let mut errors = FormErrors::from_fields(vec![FieldError::new("email", e.detail())]);
            errors.answer.status = status;
            Ok(errors)
        }
        other => FormErrors::from_error(other),
    }
}

pub async fn revoke_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match invitations::revoke(&state, &ctx, id).await {
        Ok(()) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "The invitation was revoked.",
            MEMBERS,
        )),
        Err(e) => action_failed(jar, e, MEMBERS),
    }
}
