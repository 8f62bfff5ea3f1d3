//! Staff accounts: creation (command line), token sign-in (password + TOTP, and the
//! deployment's access code when one is set), token resolution.

use chrono::{DateTime, Utc};
use platform::{
    AppState, Error, FieldError, Origin, Result,
    audit::{self, Event},
    crypto,
    db::now,
    password,
    throttle::{self, Limit},
    totp,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::{
    model::{staff, staff_token},
    roles::StaffRole,
};

const TOTP_PURPOSE: &str = "staff_totp";
pub const TOKEN_PREFIX: &str = "gds_";
/// Staff tokens (and sessions) last at most 8 hours.
pub const TOKEN_TTL: chrono::Duration = chrono::Duration::hours(8);

/// A new staff member and their TOTP enrolment (shown once, on the operator's terminal).
pub struct Created {
    pub staff: staff::Model,
    pub otpauth_uri: String,
    pub secret: String,
}

/// Creates a staff member with a password (policy as for customers) and a TOTP secret.
pub async fn create(
    state: &AppState,
    email: &str,
    name: &str,
    role: StaffRole,
    password_plain: &str,
) -> Result<Created> {
    let trimmed = email.trim();
    if !trimmed.contains('@') || trimmed.len() > 254 {
        return Err(Error::validation("email", "Enter a valid email address"));
    }
    password::check_policy("password", password_plain, trimmed)?;
    let hash = password::hash(password_plain).await?;
    let secret = totp::new_secret()?;
    let sealed = state
        .keys
        .encrypt_str(TOTP_PURPOSE, &secret)
        .map_err(Error::internal)?;
    let t = now();
    let model = staff::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(trimmed.to_string()),
        email_lower: Set(trimmed.to_lowercase()),
        name: Set(if name.trim().is_empty() {
            trimmed.to_string()
        } else {
            name.trim().to_string()
        }),
        password_hash: Set(hash),
        role: Set(role.as_str().into()),
        status: Set("active".into()),
        totp_secret: Set(Some(sealed)),
        totp_confirmed_at: Set(None),
        totp_last_step: Set(None),
        last_sign_in_at: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(&state.db)
    .await
    .map_err(|e| {
        if platform::db::is_unique_violation(&e) {
            Error::Validation(vec![FieldError::new(
                "email",
                "A staff member with this email exists",
            )])
        } else {
            e.into()
        }
    })?;
    let otpauth_uri = totp::otpauth_uri(
        &secret,
        &format!("{} staff", state.config.platform_name),
        &model.email,
    )?;
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

pub struct IssuedToken {
    pub token: String,
    pub role: StaffRole,
    pub expires_at: DateTime<Utc>,
}

fn limit(state: &AppState) -> Limit {
    Limit {
        attempts: state.config.throttle_account_attempts,
        window_secs: state.config.throttle_window_secs,
    }
}

async fn refuse(
    state: &AppState,
    origin: &Origin,
    key: &str,
    email: &str,
    why: &str,
    error: Error,
) -> Result<IssuedToken> {
    throttle::fail(&state.db, key, limit(state)).await?;
    audit::record(
        &state.db,
        Event::new("staff.sign_in_failed")
            .from_origin(origin)
            .actor(None, format!("staff:{email}"))
            .detail(serde_json::json!({ "reason": why })),
    )
    .await?;
    Err(error)
}

/// Email + password + TOTP (+ access code when the deployment sets one) → an 8-hour token.
pub async fn sign_in(
    state: &AppState,
    origin: &Origin,
    email: &str,
    password_plain: &str,
    otp: &str,
    access_code: Option<&str>,
) -> Result<IssuedToken> {
    let email_lower = email.trim().to_lowercase();
    let key = format!("staff:acct:{email_lower}");
    throttle::check(&state.db, &key, limit(state)).await?;
    if let Some(expected) = &state.config.admin_access_code {
        let given = access_code.unwrap_or_default();
        if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return refuse(
                state,
                origin,
                &key,
                &email_lower,
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
        Some(s) => password::verify(password_plain, &s.password_hash).await?,
        None => {
            password::dummy_verify(password_plain).await;
            false
        }
    };
    let Some(member) = found.filter(|s| ok && s.status == "active") else {
        return refuse(
            state,
            origin,
            &key,
            &email_lower,
            "password",
            Error::InvalidCredentials,
        )
        .await;
    };
    let Some(sealed) = &member.totp_secret else {
        return refuse(
            state,
            origin,
            &key,
            &email_lower,
            "no TOTP enrolled",
            Error::OtpRequired,
        )
        .await;
    };
    if otp.trim().is_empty() {
        return Err(Error::OtpRequired);
    }
    let secret = state
        .keys
        .decrypt_str(TOTP_PURPOSE, sealed)
        .map_err(Error::internal)?;
    let Some(step) = totp::verify(&secret, otp, totp::unix_now(), member.totp_last_step)? else {
        return refuse(state, origin, &key, &email_lower, "code", Error::OtpInvalid).await;
    };
    // Single use: only the request that moves the last step forward wins.
    let mut q = staff::Entity::update_many()
        .col_expr(
            staff::Column::TotpLastStep,
            sea_orm::sea_query::Expr::value(step),
        )
        .col_expr(
            staff::Column::LastSignInAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(staff::Column::Id.eq(member.id));
    q = match member.totp_last_step {
        Some(last) => q.filter(staff::Column::TotpLastStep.eq(last)),
        None => q.filter(staff::Column::TotpLastStep.is_null()),
    };
    if q.exec(&state.db).await?.rows_affected != 1 {
        return refuse(
            state,
            origin,
            &key,
            &email_lower,
            "code reused",
            Error::OtpInvalid,
        )
        .await;
    }
    if member.totp_confirmed_at.is_none() {
        staff::Entity::update_many()
            .col_expr(
                staff::Column::TotpConfirmedAt,
                sea_orm::sea_query::Expr::value(now()),
            )
            .filter(staff::Column::Id.eq(member.id))
            .exec(&state.db)
            .await?;
    }
    throttle::clear(&state.db, &key).await?;
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
    audit::record(
        &state.db,
        Event::new("staff.signed_in")
            .from_origin(origin)
            .actor(None, format!("staff:{}", member.email))
            .target("staff", member.id),
    )
    .await?;
    Ok(IssuedToken {
        token,
        role,
        expires_at,
    })
}

/// The staff member behind a bearer token, if the token is live and the member active.
pub async fn resolve_token(
    conn: &impl ConnectionTrait,
    token: &str,
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
        .filter(|s| s.status == "active")
    else {
        return Ok(None);
    };
    Ok(StaffRole::parse(&member.role).map(|r| (member, r)))
}
