//! Staff members: creation from the command line, invitations by a super admin, roles,
//! disabling, 2FA resets and IP allow-lists. Every change is in the activity log; the last
//! active super admin cannot be demoted or disabled (the back office would have no one left
//! to run it).

use chrono::{Duration, Utc};
use platform::{
    AppState, Error, FieldError, Result,
    audit::{self, Event},
    crypto,
    db::{begin_write, now},
    mail, password,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, sea_query::Expr,
};
use uuid::Uuid;

use super::{allowlist, sessions, two_factor};
use crate::model::{staff, staff_backup_code, staff_token};
use platform::staff::{Staff, StaffPermission, StaffRole};

pub const ACTIVE: &str = "active";
pub const DISABLED: &str = "disabled";
pub const INVITED: &str = "invited";
/// How long a staff invitation link stays valid.
pub const INVITE_TTL: Duration = Duration::days(3);

/// A new staff member and their TOTP enrolment (shown once, on the operator's terminal).
pub struct Created {
    pub staff: staff::Model,
    pub otpauth_uri: String,
    pub secret: String,
}

fn email_field(raw: &str) -> Result<(String, String)> {
    let trimmed = raw.trim();
    if !email_address::EmailAddress::is_valid(trimmed) || trimmed.len() > 254 {
        return Err(Error::validation("email", "Enter a valid email address"));
    }
    Ok((trimmed.to_string(), trimmed.to_lowercase()))
}

/// The name to show (the email when none is given); a name past the limit is refused.
fn name_or_email(name: &str, email: &str) -> Result<String> {
    platform::web::forms::within("name", "The name", name, platform::web::forms::NAME_MAX)
        .map_err(|e| Error::Validation(vec![e]))?;
    let name = name.trim();
    Ok(if name.is_empty() {
        email.to_string()
    } else {
        name.to_string()
    })
}

fn duplicate_email(e: sea_orm::DbErr) -> Error {
    if platform::db::is_unique_violation(&e) {
        Error::Validation(vec![FieldError::new(
            "email",
            "A staff member with this email exists",
        )])
    } else {
        e.into()
    }
}

fn new_row(
    email: String,
    email_lower: String,
    name: String,
    role: StaffRole,
) -> staff::ActiveModel {
    let t = now();
    staff::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email),
        email_lower: Set(email_lower),
        name: Set(name),
        password_hash: Set(String::new()),
        role: Set(role.as_str().into()),
        status: Set(ACTIVE.into()),
        totp_secret: Set(None),
        totp_confirmed_at: Set(None),
        totp_last_step: Set(None),
        last_sign_in_at: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
        ip_allowlist: Set(None),
        invite_token_hash: Set(None),
        invite_expires_at: Set(None),
    }
}

/// Creates a staff member with a password (policy as for customers) and a TOTP secret
/// (`growthdeck admin create`).
pub async fn create(
    state: &AppState,
    email: &str,
    name: &str,
    role: StaffRole,
    password_plain: &str,
) -> Result<Created> {
    let (email, email_lower) = email_field(email)?;
    password::check_policy("password", password_plain, &email)?;
    let hash = password::hash(password_plain).await?;
    let (secret, sealed) = two_factor::new_sealed_secret(state)?;
    let mut row = new_row(
        email.clone(),
        email_lower,
        name_or_email(name, &email)?,
        role,
    );
    row.password_hash = Set(hash);
    row.totp_secret = Set(Some(sealed));
    let model = row.insert(&state.db).await.map_err(duplicate_email)?;
    let otpauth_uri =
        platform::totp::otpauth_uri(&secret, &two_factor::issuer(state), &model.email)?;
    audit::record(
        &state.db,
        Event::new("staff.created")
            .actor(None, "command line")
            .target("staff", model.id)
            .detail(serde_json::json!({ "email": model.email, "role": model.role })),
    )
    .await?;
    Ok(Created {
        staff: model,
        otpauth_uri,
        secret,
    })
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<staff::Model> {
    staff::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Every staff member, by name.
pub async fn list(by: &Staff, conn: &impl ConnectionTrait) -> Result<Vec<staff::Model>> {
    by.require(StaffPermission::System)?;
    Ok(staff::Entity::find()
        .order_by_asc(staff::Column::EmailLower)
        .all(conn)
        .await?)
}

/// One member with what the staff page shows of them.
pub struct MemberDetail {
    pub member: staff::Model,
    pub backup_codes_left: u64,
    pub sessions: u64,
}

pub async fn detail(by: &Staff, state: &AppState, id: Uuid) -> Result<MemberDetail> {
    by.require(StaffPermission::System)?;
    let member = get(&state.db, id).await?;
    Ok(MemberDetail {
        backup_codes_left: two_factor::unused_backup_codes(&state.db, id).await?,
        sessions: sessions::list_active(&state.db, id).await?.len() as u64,
        member,
    })
}

/// Invites a staff member by mail: they set a password from the link, then enrol an
/// authenticator at their first sign-in.
pub async fn invite(
    by: &Staff,
    state: &AppState,
    email: &str,
    name: &str,
    role: StaffRole,
) -> Result<staff::Model> {
    by.require(StaffPermission::System)?;
    let (email, email_lower) = email_field(email)?;
    let token = crypto::random_token().map_err(Error::internal)?;
    let mut row = new_row(
        email.clone(),
        email_lower,
        name_or_email(name, &email)?,
        role,
    );
    row.status = Set(INVITED.into());
    row.invite_token_hash = Set(Some(crypto::token_hash(&token)));
    row.invite_expires_at = Set(Some(now() + INVITE_TTL));
    let txn = begin_write(&state.db).await?;
    let model = row.insert(&txn).await.map_err(duplicate_email)?;
    let link = format!("{}/admin/invitation/{token}", state.config.base_url());
    mail::enqueue(
        &txn,
        &model.email,
        &format!("You are invited to the {} back office", state.platform_name()),
        &format!(
            "{} invited you to the {} back office as {}.\n\nSet your password here (valid for 3 days, usable once):\n{link}\n\nAt your first sign-in you will set up an authenticator app; it is required for every staff sign-in.\n",
            by.email,
            state.platform_name(),
            role.label()
        ),
    )
    .await?;
    audit::record(
        &txn,
        by.audit("staff.invited")
            .target("staff", model.id)
            .detail(serde_json::json!({ "email": model.email, "role": model.role })),
    )
    .await?;
    txn.commit().await?;
    state.jobs.wake();
    Ok(model)
}

/// The invited member behind a link, if it is still valid.
pub async fn invitation(conn: &impl ConnectionTrait, token: &str) -> Result<staff::Model> {
    staff::Entity::find()
        .filter(staff::Column::InviteTokenHash.eq(crypto::token_hash(token)))
        .filter(staff::Column::Status.eq(INVITED))
        .one(conn)
        .await?
        .filter(|m| m.invite_expires_at.is_some_and(|at| at > Utc::now()))
        .ok_or_else(|| {
            Error::InvalidLink(
                "This invitation has expired or was already used. Ask a super admin for a new one."
                    .into(),
            )
        })
}

/// Sets the invited member's password; they become active and enrol at their first sign-in.
pub async fn accept_invitation(
    state: &AppState,
    origin: &platform::Origin,
    token: &str,
    password_plain: &str,
) -> Result<staff::Model> {
    let member = invitation(&state.db, token).await?;
    password::check_policy("password", password_plain, &member.email)?;
    let hash = password::hash(password_plain).await?;
    let txn = begin_write(&state.db).await?;
    let updated = staff::Entity::update_many()
        .col_expr(staff::Column::PasswordHash, Expr::value(hash))
        .col_expr(staff::Column::Status, Expr::value(ACTIVE))
        .col_expr(
            staff::Column::InviteTokenHash,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            staff::Column::InviteExpiresAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(staff::Column::UpdatedAt, Expr::value(now()))
        .filter(staff::Column::Id.eq(member.id))
        .filter(staff::Column::Status.eq(INVITED))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(Error::InvalidLink(
            "This invitation was already used.".into(),
        ));
    }
    audit::record(
        &txn,
        Event::new("staff.invitation_accepted")
            .from_origin(origin)
            .actor(None, format!("staff:{}", member.email))
            .target("staff", member.id),
    )
    .await?;
    txn.commit().await?;
    get(&state.db, member.id).await
}

async fn active_super_admins(conn: &impl ConnectionTrait) -> Result<u64> {
    Ok(staff::Entity::find()
        .filter(staff::Column::Role.eq(StaffRole::SuperAdmin.as_str()))
        .filter(staff::Column::Status.eq(ACTIVE))
        .count(conn)
        .await?)
}

/// Refuses a change that would leave no active super admin.
async fn keep_a_super_admin(conn: &impl ConnectionTrait, member: &staff::Model) -> Result<()> {
    if member.role == StaffRole::SuperAdmin.as_str()
        && member.status == ACTIVE
        && active_super_admins(conn).await? <= 1
    {
        return Err(Error::Conflict(
            "This is the last active super admin: make someone else super admin first".into(),
        ));
    }
    Ok(())
}

/// Revokes a member's API tokens and ends their sessions.
async fn sign_out_everywhere(conn: &impl ConnectionTrait, staff_id: Uuid) -> Result<()> {
    sessions::end_all(conn, staff_id).await?;
    staff_token::Entity::update_many()
        .col_expr(staff_token::Column::RevokedAt, Expr::value(now()))
        .filter(staff_token::Column::StaffId.eq(staff_id))
        .filter(staff_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn change_role(
    by: &Staff,
    state: &AppState,
    id: Uuid,
    role: StaffRole,
) -> Result<staff::Model> {
    by.require(StaffPermission::System)?;
    let txn = begin_write(&state.db).await?;
    let member = get(&txn, id).await?;
    if member.role == role.as_str() {
        return Ok(member);
    }
    keep_a_super_admin(&txn, &member).await?;
    let before = member.role.clone();
    let mut active = member.into_active_model();
    active.role = Set(role.as_str().into());
    active.updated_at = Set(now());
    let member = active.update(&txn).await?;
    // What a session could reach changed: it signs in again.
    sign_out_everywhere(&txn, id).await?;
    audit::record(
        &txn,
        by.audit("staff.role_changed").target("staff", id).detail(
            serde_json::json!({ "email": member.email, "from": before, "to": member.role }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(member)
}

/// Disables (sessions end, tokens stop at once) or re-enables a member.
pub async fn set_disabled(
    by: &Staff,
    state: &AppState,
    id: Uuid,
    disabled: bool,
) -> Result<staff::Model> {
    by.require(StaffPermission::System)?;
    if disabled && id == by.id {
        return Err(Error::Conflict("You cannot disable yourself".into()));
    }
    let txn = begin_write(&state.db).await?;
    let member = get(&txn, id).await?;
    if member.status == INVITED {
        return Err(Error::Conflict(
            "This invitation is not accepted yet; it expires by itself".into(),
        ));
    }
    if disabled {
        keep_a_super_admin(&txn, &member).await?;
    }
    let mut active = member.into_active_model();
    active.status = Set(if disabled { DISABLED } else { ACTIVE }.into());
    active.updated_at = Set(now());
    let member = active.update(&txn).await?;
    if disabled {
        sign_out_everywhere(&txn, id).await?;
    }
    audit::record(
        &txn,
        by.audit(if disabled {
            "staff.disabled"
        } else {
            "staff.enabled"
        })
        .target("staff", id)
        .detail(serde_json::json!({ "email": member.email })),
    )
    .await?;
    txn.commit().await?;
    Ok(member)
}

/// Removes a member's authenticator and backup codes; they enrol again at their next sign-in.
/// Never one's own: whoever holds a super admin's password and session (or token) alone must
/// not be able to swap the authenticator for one of their own.
pub async fn reset_two_factor(by: &Staff, state: &AppState, id: Uuid) -> Result<staff::Model> {
    by.require(StaffPermission::System)?;
    if id == by.id {
        return Err(Error::forbidden(
            "You cannot reset your own authenticator: ask another super admin (a new one can be created on the server with `growthdeck admin create`)",
        ));
    }
    let txn = begin_write(&state.db).await?;
    let member = get(&txn, id).await?;
    let mut active = member.into_active_model();
    active.totp_secret = Set(None);
    active.totp_confirmed_at = Set(None);
    active.totp_last_step = Set(None);
    active.updated_at = Set(now());
    let member = active.update(&txn).await?;
    staff_backup_code::Entity::delete_many()
        .filter(staff_backup_code::Column::StaffId.eq(id))
        .exec(&txn)
        .await?;
    sign_out_everywhere(&txn, id).await?;
    audit::record(
        &txn,
        by.audit("staff.2fa_reset")
            .target("staff", id)
            .detail(serde_json::json!({ "email": member.email })),
    )
    .await?;
    txn.commit().await?;
    Ok(member)
}

/// Replaces a member's IP allow-list (`raw`: CIDRs or addresses; empty = anywhere).
pub async fn set_allowlist(
    by: &Staff,
    state: &AppState,
    id: Uuid,
    raw: &str,
) -> Result<staff::Model> {
    by.require(StaffPermission::System)?;
    let list = allowlist::normalise(raw)?;
    if id == by.id && !allowlist::allows(list.as_deref(), by.ip) {
        return Err(Error::validation(
            "ip_allowlist",
            "This list would lock you out: it does not include the address you are using now",
        ));
    }
    let txn = begin_write(&state.db).await?;
    let member = get(&txn, id).await?;
    let mut active = member.into_active_model();
    active.ip_allowlist = Set(list.clone());
    active.updated_at = Set(now());
    let member = active.update(&txn).await?;
    audit::record(
        &txn,
        by.audit("staff.ip_allowlist_changed")
            .target("staff", id)
            .detail(serde_json::json!({ "email": member.email, "allowlist": list })),
    )
    .await?;
    txn.commit().await?;
    Ok(member)
}

// ---- a member's own account -----------------------------------------------------------------

/// Changes the acting member's password (the current one first); their other sessions end.
pub async fn change_own_password(
    by: &Staff,
    state: &AppState,
    current: &str,
    new: &str,
) -> Result<()> {
    let member = get(&state.db, by.id).await?;
    if !password::verify(current, &member.password_hash).await? {
        return Err(Error::validation(
            "current_password",
            "This is not your current password",
        ));
    }
    password::check_policy("new_password", new, &member.email)?;
    let hash = password::hash(new).await?;
    let txn = begin_write(&state.db).await?;
    staff::Entity::update_many()
        .col_expr(staff::Column::PasswordHash, Expr::value(hash))
        .col_expr(staff::Column::UpdatedAt, Expr::value(now()))
        .filter(staff::Column::Id.eq(by.id))
        .exec(&txn)
        .await?;
    end_other_sessions_in(&txn, by).await?;
    audit::record(
        &txn,
        by.audit("staff.password_changed").target("staff", by.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn end_other_sessions_in(conn: &impl ConnectionTrait, by: &Staff) -> Result<u64> {
    use crate::model::staff_session;
    let mut q =
        staff_session::Entity::delete_many().filter(staff_session::Column::StaffId.eq(by.id));
    if let Some(current) = by.session_id {
        q = q.filter(staff_session::Column::Id.ne(current));
    }
    Ok(q.exec(conn).await?.rows_affected)
}

/// Ends the acting member's other sessions; returns how many.
pub async fn end_other_sessions(by: &Staff, state: &AppState) -> Result<u64> {
    let txn = begin_write(&state.db).await?;
    let ended = end_other_sessions_in(&txn, by).await?;
    audit::record(
        &txn,
        by.audit("staff.sessions_ended")
            .target("staff", by.id)
            .detail(serde_json::json!({ "count": ended })),
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// New backup codes for the acting member, after a current authenticator code.
pub async fn regenerate_backup_codes(
    by: &Staff,
    state: &AppState,
    code: &str,
) -> Result<Vec<String>> {
    let member = get(&state.db, by.id).await?;
    match super::sign_in::check_second_factor(state, &by.origin(), &member, code).await {
        Err(Error::OtpInvalid | Error::OtpRequired) => {
            return Err(Error::validation(
                "code",
                "That code is not right or was already used",
            ));
        }
        other => other?,
    }
    let txn = begin_write(&state.db).await?;
    let codes = two_factor::replace_backup_codes(&txn, by.id).await?;
    audit::record(
        &txn,
        by.audit("staff.backup_codes_regenerated")
            .target("staff", by.id),
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}
