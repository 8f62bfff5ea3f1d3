//! Accounts: email verification, sign-in (password step), password reset, magic links,
//! password / email / profile changes. Sign-up is in [`super::signup`] (re-exported here).

use platform::{
    AppState, Ctx, Error, FieldError, Origin, Result, Role,
    audit::{self, Event},
    db::{is_unique_violation, now},
    mail,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use uuid::Uuid;

pub use super::signup::{SignedUp, SignupInput, new_user, signup, signup_first_owner};
use super::{
    Email, devices, links, links::Purpose, sessions, signup::send_verification, text, throttling,
    workspaces,
};
use crate::{model::user, password};

pub async fn resend_verification(state: &AppState, ctx: &Ctx) -> Result<()> {
    let user = find_user(&state.db, ctx.user_id()).await?;
    if user.email_verified_at.is_some() {
        return Err(Error::Conflict(
            "Your email address is already verified".into(),
        ));
    }
    let txn = platform::db::begin_write(&state.db).await?;
    send_verification(state, &txn, &user).await?;
    txn.commit().await?;
    state.jobs.wake();
    Ok(())
}

pub async fn verify_email(state: &AppState, origin: &Origin, token: &str) -> Result<user::Model> {
    let txn = platform::db::begin_write(&state.db).await?;
    let link = links::consume(&txn, Purpose::VerifyEmail, token).await?;
    let user = find_user(&txn, link.user_id.ok_or(Error::NotFound)?).await?;
    let mut active = user.into_active_model();
    active.email_verified_at = Set(Some(now()));
    active.updated_at = Set(now());
    let user = active.update(&txn).await?;
    audit::record(
        &txn,
        Event::new("user.email_verified")
            .from_origin(origin)
            .actor(Some(user.id), &user.email)
            .target("user", user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

pub async fn find_user(conn: &impl ConnectionTrait, id: Uuid) -> Result<user::Model> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn find_by_email(
    conn: &impl ConnectionTrait,
    email_lower: &str,
) -> Result<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::EmailLower.eq(email_lower))
        .one(conn)
        .await?)
}

// ---- sign-in ------------------------------------------------------------------------------

pub enum SignIn {
    /// Fully signed in.
    Done(sessions::Issued, user::Model),
    /// Password was right; a second factor is needed (the session is `mfa_pending`).
    NeedsSecondFactor(sessions::Issued, user::Model),
}

/// Checks email + password and returns the user. The attempt takes its throttle slots before
/// the hash is verified (see [`throttling`]); `device` is the remembered-device cookie of the
/// browser, if any: from a device of this account the attempt counts against the device.
pub async fn check_password(
    state: &AppState,
    origin: &Origin,
    email: &str,
    password: &str,
    device: Option<&str>,
) -> Result<user::Model> {
    let key = email.trim().to_lowercase();
    let user = find_by_email(&state.db, &key).await?;
    let device = match (device, &user) {
        (Some(token), Some(u)) => devices::recognise(&state.db, token, u.id).await?,
        _ => None,
    };
    let attempt = throttling::guess(state, origin, "signin", &key, device).await?;
    let ok = match &user {
        Some(u) => match &u.password_hash {
            Some(h) => password::verify(password, h).await?,
            None => {
                password::dummy_verify(password).await;
                false
            }
        },
        None => {
            password::dummy_verify(password).await;
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        attempt.failed(state, None).await?;
        return Err(Error::InvalidCredentials);
    };
    attempt.succeeded(state).await?;
    if user.status != "active" {
        audit::record(
            &state.db,
            Event::new("auth.blocked_sign_in")
                .from_origin(origin)
                .actor(Some(user.id), &user.email),
        )
        .await?;
        return Err(Error::forbidden(
            "This account is blocked. Contact support.",
        ));
    }
    Ok(user)
}

/// The password step of the sign-in form: a full session, or a pending one awaiting 2FA.
pub async fn sign_in(
    state: &AppState,
    origin: &Origin,
    email: &str,
    password: &str,
    device: Option<&str>,
) -> Result<SignIn> {
    let user = check_password(state, origin, email, password, device).await?;
    start_session(state, origin, user, "password").await
}

/// Opens a session for a user who proved the first factor (password, magic link, Google).
pub async fn start_session(
    state: &AppState,
    origin: &Origin,
    user: user::Model,
    method: &str,
) -> Result<SignIn> {
    let workspace = workspaces::first_for_user(&state.db, user.id)
        .await?
        .map(|w| w.id);
    if user.totp_enabled_at.is_some() {
        let issued =
            sessions::issue(&state.db, user.id, workspace, sessions::MFA_PENDING, origin).await?;
        return Ok(SignIn::NeedsSecondFactor(issued, user));
    }
    let issued = sessions::issue(&state.db, user.id, workspace, sessions::ACTIVE, origin).await?;
    audit::record(
        &state.db,
        Event::new("auth.signed_in")
            .from_origin(origin)
            .actor(Some(user.id), &user.email)
            .workspace(workspace)
            .detail(serde_json::json!({ "method": method })),
    )
    .await?;
    Ok(SignIn::Done(issued, user))
}

// ---- password reset -----------------------------------------------------------------------

/// A link mailed on request (password reset, magic sign-in): what differs between them.
struct MailedLink {
    /// Throttle and audit family.
    kind: &'static str,
    purpose: Purpose,
    ttl: chrono::Duration,
    /// Page the link opens, with `?token=` appended.
    path: &'static str,
    subject: String,
    /// What the link does and how long it lasts, for the mail body.
    what: &'static str,
    audit_action: &'static str,
}

/// Mails the link if an active account has this address. Answers the same either way (no
/// account discovery); every request counts against the throttle so the endpoint cannot be
/// used to flood an inbox. A new link voids the older ones of its kind.
async fn mail_link(state: &AppState, origin: &Origin, email: &str, spec: MailedLink) -> Result<()> {
    let key = email.trim().to_lowercase();
    throttling::mailed_link(state, origin, spec.kind, &key)
        .await?
        .spent();
    let Some(user) = find_by_email(&state.db, &key)
        .await?
        .filter(|u| u.status == "active")
    else {
        return Ok(());
    };
    let event = Event::new(spec.audit_action)
        .from_origin(origin)
        .actor(Some(user.id), &user.email);
    send_link(state, &user, &spec, event).await
}

/// Voids the older links of the kind, mails a new one and records `event`, in one transaction.
async fn send_link(
    state: &AppState,
    user: &user::Model,
    spec: &MailedLink,
    event: Event,
) -> Result<()> {
    let txn = platform::db::begin_write(&state.db).await?;
    links::void_for_user(&txn, spec.purpose, user.id).await?;
    let token = links::create(&txn, spec.purpose, Some(user.id), spec.ttl).await?;
    let url = super::link(state, &format!("{}?token={token}", spec.path));
    let body = format!(
        "Hello {},\n\n{}:\n\n{url}\n\nIf you did not ask for this, ignore this message.\n",
        user.name, spec.what
    );
    mail::enqueue(&txn, &user.email, &spec.subject, &body).await?;
    audit::record(&txn, event).await?;
    txn.commit().await?;
    state.jobs.wake();
    Ok(())
}

fn reset_link(state: &AppState) -> MailedLink {
    MailedLink {
        kind: "reset",
        purpose: Purpose::PasswordReset,
        ttl: super::RESET_TTL,
        path: "/reset-password",
        subject: format!("Reset your {} password", state.platform_name()),
        what: "set a new password by opening this link (valid for 1 hour, usable once; until then your password stays as it is)",
        audit_action: "auth.reset_requested",
    }
}

/// Mails a password-reset link to an account on behalf of staff (support); `event` is the
/// staff member's audit entry. A blocked account gets none: it could not sign in anyway.
pub async fn send_reset_link_for(
    state: &AppState,
    user_id: Uuid,
    event: Event,
) -> Result<user::Model> {
    let user = find_user(&state.db, user_id).await?;
    if user.status != "active" {
        return Err(Error::Conflict(
            "This account is blocked: unblock it before sending a reset link".into(),
        ));
    }
    send_link(state, &user, &reset_link(state), event).await?;
    Ok(user)
}

pub async fn request_password_reset(state: &AppState, origin: &Origin, email: &str) -> Result<()> {
    mail_link(state, origin, email, reset_link(state)).await
}

/// Sets a new password from a reset link and ends every session of the account.
pub async fn reset_password(
    state: &AppState,
    origin: &Origin,
    token: &str,
    new_password: &str,
) -> Result<user::Model> {
    let attempt = throttling::link_try(state, origin, "reset").await?;
    let link = match links::peek(&state.db, Purpose::PasswordReset, token).await {
        Ok(l) => l,
        Err(e) => {
            attempt.failed(state, None).await?;
            return Err(e);
        }
    };
    attempt.succeeded(state).await?;
    let user = find_user(&state.db, link.user_id.ok_or(Error::NotFound)?).await?;
    password::check_policy("password", new_password, &user.email)?;
    let hash = password::hash(new_password).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    links::consume(&txn, Purpose::PasswordReset, token).await?;
    let mut active = user.into_active_model();
    active.password_hash = Set(Some(hash));
    // The mail reached its inbox: that proves the address too.
    if active.email_verified_at.as_ref().is_none() {
        active.email_verified_at = Set(Some(now()));
    }
    active.updated_at = Set(now());
    let user = active.update(&txn).await?;
    sessions::revoke_others(&txn, user.id, None).await?;
    devices::forget_all(&txn, user.id).await?;
    audit::record(
        &txn,
        Event::new("user.password_reset")
            .from_origin(origin)
            .actor(Some(user.id), &user.email)
            .target("user", user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

// ---- magic links --------------------------------------------------------------------------

pub async fn request_magic_link(state: &AppState, origin: &Origin, email: &str) -> Result<()> {
    let spec = MailedLink {
        kind: "magic",
        purpose: Purpose::MagicLink,
        ttl: super::MAGIC_LINK_TTL,
        path: "/magic-link",
        subject: format!("Your {} sign-in link", state.platform_name()),
        what: "open this link to sign in (valid for 15 minutes, usable once)",
        audit_action: "auth.magic_link_requested",
    };
    mail_link(state, origin, email, spec).await
}

pub async fn consume_magic_link(state: &AppState, origin: &Origin, token: &str) -> Result<SignIn> {
    let link = links::consume(&state.db, Purpose::MagicLink, token).await?;
    let user = find_user(&state.db, link.user_id.ok_or(Error::NotFound)?).await?;
    if user.status != "active" {
        return Err(Error::forbidden(
            "This account is blocked. Contact support.",
        ));
    }
    let user = if user.email_verified_at.is_none() {
        let mut a = user.into_active_model();
        a.email_verified_at = Set(Some(now()));
        a.update(&state.db).await?
    } else {
        user
    };
    start_session(state, origin, user, "magic_link").await
}

// ---- account settings ---------------------------------------------------------------------

pub async fn update_profile(state: &AppState, ctx: &Ctx, name: &str) -> Result<user::Model> {
    ctx.require_session()?;
    let name = text("name", "Name", name, 100).map_err(|e| Error::Validation(vec![e]))?;
    let mut active = find_user(&state.db, ctx.user_id())
        .await?
        .into_active_model();
    active.name = Set(name);
    active.updated_at = Set(now());
    Ok(active.update(&state.db).await?)
}

/// Re-authentication for sensitive changes: the current password, throttled like sign-in.
pub async fn confirm_password(
    state: &AppState,
    ctx: &Ctx,
    field: &str,
    password: &str,
) -> Result<user::Model> {
    let origin = Origin {
        request_id: ctx.request_id.clone(),
        ip: ctx.ip,
        user_agent: None,
    };
    // Its own family: guesses on the sign-in form (anyone's) must not block a signed-in
    // owner from confirming, and this one needs a session to be tried at all.
    let key = ctx.user.email.to_lowercase();
    let attempt = throttling::guess(state, &origin, "reauth", &key, None).await?;
    let user = find_user(&state.db, ctx.user_id()).await?;
    let ok = match &user.password_hash {
        Some(h) => password::verify(password, h).await?,
        None => false,
    };
    if !ok {
        attempt.failed(state, Some(user.id)).await?;
        return Err(Error::Validation(vec![FieldError::new(
            field,
            "The current password is not correct",
        )]));
    }
    attempt.succeeded(state).await?;
    Ok(user)
}

/// Changes the password and ends every other session.
pub async fn change_password(state: &AppState, ctx: &Ctx, current: &str, new: &str) -> Result<u64> {
    ctx.require_session()?;
    let user = confirm_password(state, ctx, "current_password", current).await?;
    password::check_policy("new_password", new, &user.email)?;
    let hash = password::hash(new).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let mut active = user.into_active_model();
    active.password_hash = Set(Some(hash));
    active.updated_at = Set(now());
    active.update(&txn).await?;
    let ended = sessions::revoke_others(&txn, ctx.user_id(), ctx.session_id()).await?;
    devices::forget_all(&txn, ctx.user_id()).await?;
    audit::record(
        &txn,
        Event::new("user.password_changed")
            .by(ctx)
            .target("user", ctx.user_id()),
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// Changes the sign-in email after re-entering the password. The new address must be
/// verified again; the old one is told.
pub async fn change_email(
    state: &AppState,
    ctx: &Ctx,
    password: &str,
    new_email: &str,
) -> Result<user::Model> {
    ctx.require_session()?;
    let email = Email::parse("email", new_email).map_err(|e| Error::Validation(vec![e]))?;
    let user = confirm_password(state, ctx, "password", password).await?;
    if email.lower == user.email_lower {
        return Err(Error::validation(
            "email",
            "This is already your email address",
        ));
    }
    let old_email = user.email.clone();
    let txn = platform::db::begin_write(&state.db).await?;
    let mut active = user.into_active_model();
    active.email = Set(email.display.clone());
    active.email_lower = Set(email.lower.clone());
    active.email_verified_at = Set(None);
    active.updated_at = Set(now());
    let user = active.update(&txn).await.map_err(|e| {
        if is_unique_violation(&e) {
            Error::validation("email", "Another account uses this email address")
        } else {
            e.into()
        }
    })?;
    send_verification(state, &txn, &user).await?;
    mail::enqueue(
        &txn,
        &old_email,
        &format!("Your {} email address was changed", state.platform_name()),
        &format!("Hello {},\n\nthe sign-in email of your account was changed to {}. If this was not you, reset your password and contact support.\n", user.name, user.email),
    )
    .await?;
    audit::record(
        &txn,
        Event::new("user.email_changed")
            .by(ctx)
            .target("user", user.id)
            .detail(serde_json::json!({ "from": old_email, "to": user.email })),
    )
    .await?;
    txn.commit().await?;
    state.jobs.wake();
    Ok(user)
}

/// Role of a user in a workspace (used by `Ctx` resolution).
pub fn parse_role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| Error::internal(format!("unknown role {s:?} in database")))
}
