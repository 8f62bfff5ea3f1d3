//! Two-factor authentication: TOTP set-up (secret + QR), enabling with a valid code, ten
//! single-use backup codes (shown once, stored hashed), disabling and regenerating with the
//! password and a code, and the second step of sign-in.

use platform::{
    AppState, Ctx, Error, Origin, Result,
    audit::{self, Event},
    crypto,
    db::now,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use uuid::Uuid;

use super::{accounts, sessions, throttling};
use crate::{
    model::{backup_code, session, user},
    totp,
};

const PURPOSE: &str = "totp";
pub use platform::totp::BACKUP_CODES;

pub struct Setup {
    pub secret: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

/// Starts (or restarts) set-up: a new secret is kept, encrypted, until a code confirms it.
pub async fn setup(state: &AppState, ctx: &Ctx) -> Result<Setup> {
    let user = accounts::find_user(&state.db, ctx.user_id()).await?;
    if user.totp_enabled_at.is_some() {
        return Err(Error::Conflict(
            "Two-factor authentication is already on. Turn it off first to set up a new device."
                .into(),
        ));
    }
    let secret = totp::new_secret()?;
    let sealed = state
        .keys
        .encrypt_str(PURPOSE, &secret)
        .map_err(Error::internal)?;
    let email = user.email.clone();
    let mut active = user.into_active_model();
    active.totp_pending_secret = Set(Some(sealed));
    active.update(&state.db).await?;
    let otpauth_uri = totp::otpauth_uri(&secret, &state.platform_name(), &email)?;
    let qr_svg = totp::qr_svg(&otpauth_uri)?;
    Ok(Setup {
        secret,
        otpauth_uri,
        qr_svg,
    })
}

/// The set-up in progress, for re-rendering the page after a wrong code.
pub async fn pending_setup(state: &AppState, ctx: &Ctx) -> Result<Option<Setup>> {
    let user = accounts::find_user(&state.db, ctx.user_id()).await?;
    let Some(sealed) = user
        .totp_pending_secret
        .filter(|_| user.totp_enabled_at.is_none())
    else {
        return Ok(None);
    };
    let secret = state
        .keys
        .decrypt_str(PURPOSE, &sealed)
        .map_err(Error::internal)?;
    let otpauth_uri = totp::otpauth_uri(&secret, &state.platform_name(), &user.email)?;
    let qr_svg = totp::qr_svg(&otpauth_uri)?;
    Ok(Some(Setup {
        secret,
        otpauth_uri,
        qr_svg,
    }))
}

async fn replace_backup_codes(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<String>> {
    backup_code::Entity::delete_many()
        .filter(backup_code::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    let set = totp::new_backup_code_set()?;
    backup_code::Entity::insert_many(set.iter().map(|(_, hash)| backup_code::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        code_hash: Set(hash.clone()),
        used_at: Set(None),
        created_at: Set(now()),
    }))
    .exec_without_returning(conn)
    .await?;
    let codes = set.into_iter().map(|(code, _)| code).collect();
    Ok(codes)
}

/// Confirms set-up with a code from the app; returns the backup codes (shown once). Other
/// sessions end: a factor change is a reason to re-authenticate everywhere.
pub async fn enable(state: &AppState, ctx: &Ctx, code: &str) -> Result<Vec<String>> {
    let user = accounts::find_user(&state.db, ctx.user_id()).await?;
    if user.totp_enabled_at.is_some() {
        return Err(Error::Conflict(
            "Two-factor authentication is already on".into(),
        ));
    }
    let Some(sealed) = user.totp_pending_secret.clone() else {
        return Err(Error::Conflict("Start the set-up first".into()));
    };
    let secret = state
        .keys
        .decrypt_str(PURPOSE, &sealed)
        .map_err(Error::internal)?;
    let origin = Origin {
        request_id: ctx.request_id.clone(),
        ip: ctx.ip,
        user_agent: None,
    };
    let key = user.id.to_string();
    let attempt = throttling::guess(state, &origin, "2fa", &key, None).await?;
    let Some(step) = totp::verify(&secret, code, totp::unix_now(), None)? else {
        attempt.failed(state, Some(user.id)).await?;
        return Err(Error::validation(
            "code",
            "That code is not right. Check the time on your phone and try the current code.",
        ));
    };
    attempt.succeeded(state).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let mut active = user.into_active_model();
    active.totp_secret = Set(Some(sealed));
    active.totp_pending_secret = Set(None);
    active.totp_enabled_at = Set(Some(now()));
    active.totp_last_step = Set(Some(step));
    active.update(&txn).await?;
    let codes = replace_backup_codes(&txn, ctx.user_id()).await?;
    sessions::revoke_others(&txn, ctx.user_id(), ctx.session_id()).await?;
    audit::record(
        &txn,
        Event::new("user.2fa_enabled")
            .by(ctx)
            .target("user", ctx.user_id()),
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}

/// Checks a TOTP code (single use per step) or an unused backup code for the user.
pub async fn check_code(state: &AppState, user: &user::Model, code: &str) -> Result<bool> {
    let Some(sealed) = &user.totp_secret else {
        return Ok(false);
    };
    let secret = state
        .keys
        .decrypt_str(PURPOSE, sealed)
        .map_err(Error::internal)?;
    if let Some(step) = totp::verify(&secret, code, totp::unix_now(), user.totp_last_step)? {
        // Conditional update: two requests racing with the same code cannot both win.
        let mut q = user::Entity::update_many()
            .col_expr(
                user::Column::TotpLastStep,
                sea_orm::sea_query::Expr::value(step),
            )
            .filter(user::Column::Id.eq(user.id));
        q = match user.totp_last_step {
            Some(last) => q.filter(user::Column::TotpLastStep.eq(last)),
            None => q.filter(user::Column::TotpLastStep.is_null()),
        };
        return Ok(q.exec(&state.db).await?.rows_affected == 1);
    }
    let normalised = totp::normalise_backup_code(code);
    if !totp::looks_like_backup_code(&normalised) {
        return Ok(false);
    }
    let res = backup_code::Entity::update_many()
        .col_expr(
            backup_code::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(backup_code::Column::UserId.eq(user.id))
        .filter(backup_code::Column::CodeHash.eq(crypto::token_hash(&normalised)))
        .filter(backup_code::Column::UsedAt.is_null())
        .exec(&state.db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// A second-factor code, throttled per account and IP: `OtpInvalid` when wrong or reused.
pub async fn verify_code(
    state: &AppState,
    origin: &Origin,
    user: &user::Model,
    code: &str,
) -> Result<()> {
    let key = user.id.to_string();
    let attempt = throttling::guess(state, origin, "2fa", &key, None).await?;
    if !check_code(state, user, code).await? {
        attempt.failed(state, Some(user.id)).await?;
        return Err(Error::OtpInvalid);
    }
    attempt.succeeded(state).await
}

/// A code check for account changes: the same check, reported as a form-field error.
async fn require_code(state: &AppState, ctx: &Ctx, user: &user::Model, code: &str) -> Result<()> {
    let origin = Origin {
        request_id: ctx.request_id.clone(),
        ip: ctx.ip,
        user_agent: None,
    };
    match verify_code(state, &origin, user, code).await {
        Err(Error::OtpInvalid) => Err(Error::validation(
            "code",
            "That code is not right or was already used",
        )),
        other => other,
    }
}

pub async fn disable(state: &AppState, ctx: &Ctx, password: &str, code: &str) -> Result<()> {
    let user = accounts::confirm_password(state, ctx, "password", password).await?;
    if user.totp_enabled_at.is_none() {
        return Err(Error::Conflict(
            "Two-factor authentication is not on".into(),
        ));
    }
    require_code(state, ctx, &user, code).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let mut active = accounts::find_user(&txn, user.id)
        .await?
        .into_active_model();
    active.totp_secret = Set(None);
    active.totp_pending_secret = Set(None);
    active.totp_enabled_at = Set(None);
    active.totp_last_step = Set(None);
    active.update(&txn).await?;
    backup_code::Entity::delete_many()
        .filter(backup_code::Column::UserId.eq(user.id))
        .exec(&txn)
        .await?;
    sessions::revoke_others(&txn, ctx.user_id(), ctx.session_id()).await?;
    audit::record(
        &txn,
        Event::new("user.2fa_disabled")
            .by(ctx)
            .target("user", ctx.user_id()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn regenerate_backup_codes(
    state: &AppState,
    ctx: &Ctx,
    password: &str,
    code: &str,
) -> Result<Vec<String>> {
    let user = accounts::confirm_password(state, ctx, "password", password).await?;
    if user.totp_enabled_at.is_none() {
        return Err(Error::Conflict(
            "Two-factor authentication is not on".into(),
        ));
    }
    require_code(state, ctx, &user, code).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let codes = replace_backup_codes(&txn, user.id).await?;
    audit::record(
        &txn,
        Event::new("user.backup_codes_regenerated")
            .by(ctx)
            .target("user", user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}

pub async fn unused_backup_codes(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(backup_code::Entity::find()
        .filter(backup_code::Column::UserId.eq(user_id))
        .filter(backup_code::Column::UsedAt.is_null())
        .count(conn)
        .await?)
}

/// The second step of sign-in: a pending session plus a valid code becomes a new, active
/// session (a fresh token: the pending one is deleted).
pub async fn complete_sign_in(
    state: &AppState,
    origin: &Origin,
    pending_token: &str,
    code: &str,
) -> Result<(sessions::Issued, user::Model)> {
    let pending = session::Entity::find()
        .filter(session::Column::TokenHash.eq(crypto::token_hash(pending_token)))
        .filter(session::Column::State.eq(sessions::MFA_PENDING))
        .one(&state.db)
        .await?
        .filter(|s| s.expires_at > chrono::Utc::now())
        .ok_or(Error::Unauthorized)?;
    let user = accounts::find_user(&state.db, pending.user_id).await?;
    verify_code(state, origin, &user, code).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    session::Entity::delete_by_id(pending.id).exec(&txn).await?;
    let issued = sessions::issue(
        &txn,
        user.id,
        pending.workspace_id,
        sessions::ACTIVE,
        origin,
    )
    .await?;
    audit::record(
        &txn,
        Event::new("auth.signed_in")
            .from_origin(origin)
            .actor(Some(user.id), &user.email)
            .workspace(pending.workspace_id)
            .detail(serde_json::json!({ "method": "password+totp" })),
    )
    .await?;
    txn.commit().await?;
    Ok((issued, user))
}
