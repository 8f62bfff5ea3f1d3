//! Staff sign-in, for the web (password step, then the second factor or enrolment, each its
//! own request) and for the admin API (everything at once → an 8-hour token). Both share the
//! checks: the deployment's access code when set, the password, the member's status and IP
//! allow-list, and the TOTP or backup code. Attempts are throttled per client IP, per account
//! and per account from one IP, as for customers (a slot is taken before anything is checked),
//! and every refusal is in the activity log.

use chrono::{DateTime, Utc};
use platform::{
    AppState, Error, Origin, Result,
    audit::{self, Event},
    crypto,
    db::now,
    password,
    throttle::{self, Bucket, Limit, Slots},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::{allowlist, staff::ACTIVE, two_factor};
use crate::model::{staff, staff_token};
use platform::staff::StaffRole;

pub const TOKEN_PREFIX: &str = "gds_";
/// Staff tokens (and sessions) last at most 8 hours.
pub const TOKEN_TTL: chrono::Duration = chrono::Duration::hours(8);

fn limit(state: &AppState, attempts: u32) -> Limit {
    Limit {
        attempts,
        window_secs: state.config.throttle_window_secs,
    }
}

/// The throttle buckets of one attempt (`kind`: `acct` for the password step, `2fa` for the
/// code): the client address, the account from anywhere (the looser ceiling) and the account
/// from this address (growing delays; a lock-out an attacker causes stays on their address).
/// Slots are taken before anything is checked, so attempts in flight cannot overshoot.
fn buckets(state: &AppState, kind: &str, account: &str, origin: &Origin) -> Vec<Bucket> {
    let c = &state.config;
    let ip = origin
        .ip
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into());
    vec![
        Bucket::shared(
            format!("staff:ip:{ip}"),
            limit(state, c.throttle_ip_attempts),
        ),
        Bucket::shared(
            format!("staff:{kind}:{account}"),
            limit(state, c.throttle_account_ceiling),
        ),
        Bucket::guesser(
            format!("staff:{kind}:pair:{ip}:{account}"),
            limit(state, c.throttle_account_attempts),
        ),
    ]
}

/// Takes an attempt's slots; a refusal is in the activity log like any other.
async fn take(
    state: &AppState,
    origin: &Origin,
    kind: &str,
    account: &str,
    email: &str,
) -> Result<Slots> {
    match throttle::take(&state.db, buckets(state, kind, account, origin)).await {
        Err(e @ Error::TooManyRequests { retry_after_secs }) => {
            audit::record(
                &state.db,
                Event::new("auth.throttled")
                    .from_origin(origin)
                    .actor(None, format!("staff:{email}"))
                    .detail(serde_json::json!({ "kind": format!("staff:{kind}"), "retry_after_secs": retry_after_secs })),
            )
            .await?;
            Err(e)
        }
        other => other,
    }
}

/// Why an attempt was refused: the activity-log entry and what the web step answers.
struct Refusal {
    action: &'static str,
    reason: &'static str,
    error: Error,
}

const FAILED: &str = "staff.sign_in_failed";

impl Refusal {
    fn failed(reason: &'static str, error: Error) -> Self {
        Self {
            action: FAILED,
            reason,
            error,
        }
    }

    /// Settles the slots as a failure and records the refusal.
    async fn record(
        &self,
        state: &AppState,
        origin: &Origin,
        slots: Slots,
        email: &str,
    ) -> Result<()> {
        slots.failed(&state.db).await?;
        audit::record(
            &state.db,
            Event::new(self.action)
                .from_origin(origin)
                .actor(None, format!("staff:{email}"))
                .detail(serde_json::json!({ "reason": self.reason })),
        )
        .await
    }
}

/// The first factor's checks: access code (when the deployment sets one), password, an active
/// member, and a client address inside the member's allow-list.
async fn first_factor(
    state: &AppState,
    origin: &Origin,
    email_lower: &str,
    password_plain: &str,
    access_code: Option<&str>,
) -> Result<std::result::Result<staff::Model, Refusal>> {
    if let Some(expected) = &state.config.admin_access_code {
        let given = access_code.unwrap_or_default().trim();
        if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return Ok(Err(Refusal::failed(
                "access code",
                Error::InvalidCredentials,
            )));
        }
    }
    let found = staff::Entity::find()
        .filter(staff::Column::EmailLower.eq(email_lower))
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
        return Ok(Err(Refusal::failed("password", Error::InvalidCredentials)));
    };
    if member.status != ACTIVE {
        return Ok(Err(Refusal::failed("disabled", Error::InvalidCredentials)));
    }
    if !allowlist::allows(member.ip_allowlist.as_deref(), origin.ip) {
        return Ok(Err(Refusal {
            action: "staff.sign_in_refused_ip",
            reason: "address outside the member's IP allow-list",
            error: Error::forbidden("Signing in from this network is not allowed for this account"),
        }));
    }
    Ok(Ok(member))
}

/// The second factor's check: a TOTP code or an unused backup code (a first valid TOTP code
/// confirms the authenticator).
async fn code_matches(
    state: &AppState,
    member: &staff::Model,
    code: &str,
) -> Result<std::result::Result<(), Refusal>> {
    if member.totp_secret.is_none() {
        return Ok(Err(Refusal::failed(
            "no authenticator enrolled",
            Error::forbidden(
                "No authenticator is set up for this account: sign in at /admin/login to set one up",
            ),
        )));
    }
    if !two_factor::check_code(&state.db, state, member, code).await? {
        return Ok(Err(Refusal::failed("code", Error::OtpInvalid)));
    }
    Ok(Ok(()))
}

async fn note_sign_in(state: &AppState, member: &staff::Model) -> Result<()> {
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

/// The web sign-in's first step (the next page asks for the code).
pub async fn check_password(
    state: &AppState,
    origin: &Origin,
    email: &str,
    password_plain: &str,
    access_code: Option<&str>,
) -> Result<staff::Model> {
    let email_lower = email.trim().to_lowercase();
    let slots = take(state, origin, "acct", &email_lower, &email_lower).await?;
    match first_factor(state, origin, &email_lower, password_plain, access_code).await? {
        Ok(member) => {
            slots.succeeded(&state.db).await?;
            Ok(member)
        }
        Err(refusal) => {
            refusal.record(state, origin, slots, &email_lower).await?;
            Err(refusal.error)
        }
    }
}

/// The web sign-in's second step: `OtpRequired` for an empty code, `OtpInvalid` when wrong
/// or reused.
pub async fn check_second_factor(
    state: &AppState,
    origin: &Origin,
    member: &staff::Model,
    code: &str,
) -> Result<()> {
    if code.trim().is_empty() {
        return Err(Error::OtpRequired);
    }
    let slots = take(state, origin, "2fa", &member.id.to_string(), &member.email).await?;
    match code_matches(state, member, code).await? {
        Ok(()) => {
            slots.succeeded(&state.db).await?;
            note_sign_in(state, member).await
        }
        Err(refusal) => {
            refusal.record(state, origin, slots, &member.email).await?;
            Err(refusal.error)
        }
    }
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
/// token. Every factor is checked in one attempt, and any wrong one gets the same answer
/// (`invalid-credentials`, "Wrong email, password or code"): a guesser never learns that the
/// password was right. The activity log keeps which one it was. An empty code is refused
/// before anything is checked. A member who has never enrolled an authenticator enrols in the
/// web back office first.
pub async fn sign_in(
    state: &AppState,
    origin: &Origin,
    email: &str,
    password_plain: &str,
    otp: &str,
    access_code: Option<&str>,
) -> Result<IssuedToken> {
    if otp.trim().is_empty() {
        return Err(Error::OtpRequired);
    }
    let email_lower = email.trim().to_lowercase();
    let slots = take(state, origin, "acct", &email_lower, &email_lower).await?;
    let checked =
        match first_factor(state, origin, &email_lower, password_plain, access_code).await? {
            Ok(member) => code_matches(state, &member, otp).await?.map(|()| member),
            Err(refusal) => Err(refusal),
        };
    let member = match checked {
        Ok(member) => member,
        Err(refusal) => {
            refusal.record(state, origin, slots, &email_lower).await?;
            return Err(Error::InvalidCredentialsOrCode);
        }
    };
    slots.succeeded(&state.db).await?;
    note_sign_in(state, &member).await?;
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
