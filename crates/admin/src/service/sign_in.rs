//! Staff sign-in, for the web (password step, then the second factor or enrolment, each its
//! own request) and for the admin API (everything at once → an 8-hour token). Both share the
//! checks: the deployment's access code when set, the password, the member's status and IP
//! allow-list, and the TOTP or backup code. Failures are throttled per account and per client
//! IP, as for customers, and every refusal is in the activity log.

use chrono::{DateTime, Utc};
use platform::{
    AppState, Error, Origin, Result,
    audit::{self, Event},
    crypto,
    db::now,
    password,
    throttle::{self, Limit},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::{allowlist, staff::ACTIVE, two_factor};
use crate::{
    model::{staff, staff_token},
    roles::StaffRole,
};

pub const TOKEN_PREFIX: &str = "gds_";
/// Staff tokens (and sessions) last at most 8 hours.
pub const TOKEN_TTL: chrono::Duration = chrono::Duration::hours(8);

fn account_limit(state: &AppState) -> Limit {
    Limit {
        attempts: state.config.throttle_account_attempts,
        window_secs: state.config.throttle_window_secs,
    }
}

fn ip_limit(state: &AppState) -> Limit {
    Limit {
        attempts: state.config.throttle_ip_attempts,
        window_secs: state.config.throttle_window_secs,
    }
}

/// The throttle keys of one attempt: the account (or member, for the second factor) and the
/// client address.
struct Keys {
    account: String,
    ip: Option<String>,
}

impl Keys {
    fn new(kind: &str, account: &str, origin: &Origin) -> Self {
        Self {
            account: format!("staff:{kind}:{account}"),
            ip: origin.ip.map(|ip| format!("staff:ip:{ip}")),
        }
    }

    async fn check(&self, state: &AppState) -> Result<()> {
        throttle::check(&state.db, &self.account, account_limit(state)).await?;
        if let Some(ip) = &self.ip {
            throttle::check(&state.db, ip, ip_limit(state)).await?;
        }
        Ok(())
    }

    async fn fail(&self, state: &AppState) -> Result<()> {
        throttle::fail(&state.db, &self.account, account_limit(state)).await?;
        if let Some(ip) = &self.ip {
            throttle::fail(&state.db, ip, ip_limit(state)).await?;
        }
        Ok(())
    }

    async fn clear(&self, state: &AppState) -> Result<()> {
        throttle::clear(&state.db, &self.account).await
    }
}

/// Records the refusal (activity log + throttle) and answers `error`.
async fn refuse<T>(
    state: &AppState,
    origin: &Origin,
    keys: &Keys,
    email: &str,
    action: &'static str,
    why: &str,
    error: Error,
) -> Result<T> {
    keys.fail(state).await?;
    audit::record(
        &state.db,
        Event::new(action)
            .from_origin(origin)
            .actor(None, format!("staff:{email}"))
            .detail(serde_json::json!({ "reason": why })),
    )
    .await?;
    Err(error)
}

/// The first step: access code (when the deployment sets one), password, an active member,
/// and a client address inside the member's allow-list.
pub async fn check_password(
    state: &AppState,
    origin: &Origin,
    email: &str,
    password_plain: &str,
    access_code: Option<&str>,
) -> Result<staff::Model> {
    let email_lower = email.trim().to_lowercase();
    let keys = Keys::new("acct", &email_lower, origin);
    keys.check(state).await?;
    const FAILED: &str = "staff.sign_in_failed";
    if let Some(expected) = &state.config.admin_access_code {
        let given = access_code.unwrap_or_default().trim();
        if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return refuse(
                state,
                origin,
                &keys,
                &email_lower,
                FAILED,
                "access code",
                Error::InvalidCredentials,
            )
            .await;
        }
    }
    let found = staff::Entity::find()
        .filter(staff::Column::EmailLower.eq(&email_lower))
        .one(&state.db)
        .await?;
    let ok = match &found {
        Some(s) if !s.password_hash.is_empty() => {
            password::verify(password_plain, &s.password_hash).await?
        }
        _ => {
            password::dummy_verify(password_plain).await;
            false
        }
    };
    let Some(member) = found.filter(|_| ok) else {
        return refuse(
            state,
            origin,
            &keys,
            &email_lower,
            FAILED,
            "password",
            Error::InvalidCredentials,
        )
        .await;
    };
    if member.status != ACTIVE {
        return refuse(
            state,
            origin,
            &keys,
            &email_lower,
            FAILED,
            "disabled",
            Error::InvalidCredentials,
        )
        .await;
    }
    if !allowlist::allows(member.ip_allowlist.as_deref(), origin.ip) {
        return refuse(
            state,
            origin,
            &keys,
            &email_lower,
            "staff.sign_in_refused_ip",
            "address outside the member's IP allow-list",
            Error::forbidden("Signing in from this network is not allowed for this account"),
        )
        .await;
    }
    keys.clear(state).await?;
    Ok(member)
}

/// The second step: a TOTP code or an unused backup code (a first valid TOTP code confirms
/// the authenticator). `OtpRequired` for an empty code, `OtpInvalid` when wrong or reused.
pub async fn check_second_factor(
    state: &AppState,
    origin: &Origin,
    member: &staff::Model,
    code: &str,
) -> Result<()> {
    if code.trim().is_empty() {
        return Err(Error::OtpRequired);
    }
    let keys = Keys::new("2fa", &member.id.to_string(), origin);
    keys.check(state).await?;
    if member.totp_secret.is_none() {
        return refuse(
            state,
            origin,
            &keys,
            &member.email,
            "staff.sign_in_failed",
            "no authenticator enrolled",
            Error::forbidden(
                "No authenticator is set up for this account: sign in at /admin/login to set one up",
            ),
        )
        .await;
    }
    if !two_factor::check_code(&state.db, state, member, code).await? {
        return refuse(
            state,
            origin,
            &keys,
            &member.email,
            "staff.sign_in_failed",
            "code",
            Error::OtpInvalid,
        )
        .await;
    }
    keys.clear(state).await?;
    staff::Entity::update_many()
        .col_expr(
            staff::Column::LastSignInAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(staff::Column::Id.eq(member.id))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Records a completed sign-in.
pub async fn signed_in(
    conn: &impl ConnectionTrait,
    origin: &Origin,
    member: &staff::Model,
    how: &str,
) -> Result<()> {
    audit::record(
        conn,
        Event::new("staff.signed_in")
            .from_origin(origin)
            .actor(None, format!("staff:{}", member.email))
            .target("staff", member.id)
            .detail(serde_json::json!({ "via": how })),
    )
    .await
}

/// The web sign-in's last step: the pending session becomes an active one under a new token
/// (rotation), recorded as `staff.signed_in`.
pub async fn complete_web(
    state: &AppState,
    origin: &Origin,
    pending: &crate::model::staff_session::Model,
    member: &staff::Model,
    how: &str,
) -> Result<super::sessions::Issued> {
    let txn = platform::db::begin_write(&state.db).await?;
    let issued = super::sessions::activate(&txn, pending, origin).await?;
    signed_in(&txn, origin, member, how).await?;
    txn.commit().await?;
    Ok(issued)
}

/// Enrolment's last step, after its first valid code: ten backup codes (returned to show
/// once), `staff.2fa_enrolled`, and the session made active.
pub async fn complete_enrolment(
    state: &AppState,
    origin: &Origin,
    pending: &crate::model::staff_session::Model,
    member: &staff::Model,
) -> Result<(super::sessions::Issued, Vec<String>)> {
    let txn = platform::db::begin_write(&state.db).await?;
    let codes = two_factor::replace_backup_codes(&txn, member.id).await?;
    audit::record(
        &txn,
        Event::new("staff.2fa_enrolled")
            .from_origin(origin)
            .actor(None, format!("staff:{}", member.email))
            .target("staff", member.id),
    )
    .await?;
    let issued = super::sessions::activate(&txn, pending, origin).await?;
    signed_in(&txn, origin, member, "web, enrolment").await?;
    txn.commit().await?;
    Ok((issued, codes))
}

/// Ends the web session behind a cookie value, recorded as `staff.signed_out`.
pub async fn sign_out(state: &AppState, origin: &Origin, token: &str) -> Result<()> {
    if let Some((_, member)) = super::sessions::resolve(&state.db, token).await? {
        audit::record(
            &state.db,
            Event::new("staff.signed_out")
                .from_origin(origin)
                .actor(None, format!("staff:{}", member.email))
                .target("staff", member.id),
        )
        .await?;
    }
    super::sessions::end(&state.db, token).await
}

pub struct IssuedToken {
    pub token: String,
    pub role: StaffRole,
    pub expires_at: DateTime<Utc>,
}

/// Email + password + TOTP (+ access code when the deployment sets one) → an 8-hour API
/// token. A member who has never enrolled an authenticator enrols in the web back office first.
pub async fn sign_in(
    state: &AppState,
    origin: &Origin,
    email: &str,
    password_plain: &str,
    otp: &str,
    access_code: Option<&str>,
) -> Result<IssuedToken> {
    let member = check_password(state, origin, email, password_plain, access_code).await?;
    check_second_factor(state, origin, &member, otp).await?;
    let role =
        StaffRole::parse(&member.role).ok_or_else(|| Error::internal("unknown staff role"))?;
    let token = format!(
        "{TOKEN_PREFIX}{}",
        crypto::random_token().map_err(Error::internal)?
    );
    let expires_at = now() + TOKEN_TTL;
    staff_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        staff_id: Set(member.id),
        prefix: Set(token.chars().take(TOKEN_PREFIX.len() + 8).collect()),
        token_hash: Set(crypto::token_hash(&token)),
        created_at: Set(now()),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(&state.db)
    .await?;
    signed_in(&state.db, origin, &member, "api token").await?;
    Ok(IssuedToken {
        token,
        role,
        expires_at,
    })
}

/// The staff member behind a bearer token, if the token is live, the member active and the
/// client address inside their allow-list.
pub async fn resolve_token(
    conn: &impl ConnectionTrait,
    token: &str,
    ip: Option<std::net::IpAddr>,
) -> Result<Option<(staff::Model, StaffRole)>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(t) = staff_token::Entity::find()
        .filter(staff_token::Column::TokenHash.eq(crypto::token_hash(token)))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if t.revoked_at.is_some() || t.expires_at <= Utc::now() {
        return Ok(None);
    }
    let Some(member) = staff::Entity::find_by_id(t.staff_id)
        .one(conn)
        .await?
        .filter(|s| s.status == ACTIVE && allowlist::allows(s.ip_allowlist.as_deref(), ip))
    else {
        return Ok(None);
    };
    Ok(StaffRole::parse(&member.role).map(|r| (member, r)))
}
