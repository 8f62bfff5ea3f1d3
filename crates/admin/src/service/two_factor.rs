//! Staff second factor: TOTP (mandatory) with backup codes. Enrolment — a secret, its QR code,
//! the first valid code, then ten backup codes shown once — comes before anything else for a
//! member without a confirmed authenticator (new, invited, or after a 2FA reset).

use platform::{AppState, Error, Result, crypto, db::now, totp};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, sea_query::Expr,
};
use uuid::Uuid;

use crate::model::{staff, staff_backup_code};

/// The purpose bound to the sealed TOTP secret.
pub const TOTP_PURPOSE: &str = "staff_totp";

/// What the enrolment page shows.
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

pub fn issuer(state: &AppState) -> String {
    format!("{} staff", state.platform_name())
}

/// Seals a fresh secret for a member (stored unconfirmed until the first valid code).
pub fn new_sealed_secret(state: &AppState) -> Result<(String, String)> {
    let secret = totp::new_secret()?;
    let sealed = state
        .keys
        .encrypt_str(TOTP_PURPOSE, &secret)
        .map_err(Error::internal)?;
    Ok((secret, sealed))
}

/// The member's unconfirmed secret (made now if they have none) as QR code and manual key.
/// A member whose authenticator is confirmed has nothing to enrol.
pub async fn enrolment(state: &AppState, member: &staff::Model) -> Result<Enrolment> {
    if member.totp_confirmed_at.is_some() {
        return Err(Error::Conflict(
            "Your authenticator is already set up".into(),
        ));
    }
    let secret = match &member.totp_secret {
        Some(sealed) => state
            .keys
            .decrypt_str(TOTP_PURPOSE, sealed)
            .map_err(Error::internal)?,
        None => {
            let (secret, sealed) = new_sealed_secret(state)?;
            // Only the request that finds no secret stores one: two tabs show the same code.
            let stored = staff::Entity::update_many()
                .col_expr(staff::Column::TotpSecret, Expr::value(sealed))
                .col_expr(staff::Column::UpdatedAt, Expr::value(now()))
                .filter(staff::Column::Id.eq(member.id))
                .filter(staff::Column::TotpSecret.is_null())
                .exec(&state.db)
                .await?;
            if stored.rows_affected == 1 {
                secret
            } else {
                let fresh = super::staff::get(&state.db, member.id).await?;
                let sealed = fresh.totp_secret.ok_or(Error::NotFound)?;
                state
                    .keys
                    .decrypt_str(TOTP_PURPOSE, &sealed)
                    .map_err(Error::internal)?
            }
        }
    };
    let otpauth_uri = totp::otpauth_uri(&secret, &issuer(state), &member.email)?;
    let qr_svg = totp::qr_svg(&otpauth_uri)?;
    Ok(Enrolment {
        secret,
        otpauth_uri,
        qr_svg,
    })
}

/// Checks a TOTP code (single use per step) or an unused backup code. A first valid TOTP code
/// confirms the authenticator. Backup codes count only once enrolment is done.
pub async fn check_code(
    conn: &impl ConnectionTrait,
    state: &AppState,
    member: &staff::Model,
    code: &str,
) -> Result<bool> {
    let Some(sealed) = &member.totp_secret else {
        return Ok(false);
    };
    let secret = state
        .keys
        .decrypt_str(TOTP_PURPOSE, sealed)
        .map_err(Error::internal)?;
    if let Some(step) = totp::verify(&secret, code, totp::unix_now(), member.totp_last_step)? {
        // Conditional update: two requests racing with the same code cannot both win.
        let mut q = staff::Entity::update_many()
            .col_expr(staff::Column::TotpLastStep, Expr::value(step))
            .filter(staff::Column::Id.eq(member.id));
        q = match member.totp_last_step {
            Some(last) => q.filter(staff::Column::TotpLastStep.eq(last)),
            None => q.filter(staff::Column::TotpLastStep.is_null()),
        };
        if q.exec(conn).await?.rows_affected != 1 {
            return Ok(false);
        }
        if member.totp_confirmed_at.is_none() {
            staff::Entity::update_many()
                .col_expr(staff::Column::TotpConfirmedAt, Expr::value(now()))
                .filter(staff::Column::Id.eq(member.id))
                .exec(conn)
                .await?;
        }
        return Ok(true);
    }
    if member.totp_confirmed_at.is_none() {
        return Ok(false);
    }
    let normalised = totp::normalise_backup_code(code);
    if !totp::looks_like_backup_code(&normalised) {
        return Ok(false);
    }
    let used = staff_backup_code::Entity::update_many()
        .col_expr(staff_backup_code::Column::UsedAt, Expr::value(now()))
        .filter(staff_backup_code::Column::StaffId.eq(member.id))
        .filter(staff_backup_code::Column::CodeHash.eq(crypto::token_hash(&normalised)))
        .filter(staff_backup_code::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(used.rows_affected == 1)
}

/// Replaces a member's backup codes; returns the new ones (shown once).
pub async fn replace_backup_codes(
    conn: &impl ConnectionTrait,
    staff_id: Uuid,
) -> Result<Vec<String>> {
    staff_backup_code::Entity::delete_many()
        .filter(staff_backup_code::Column::StaffId.eq(staff_id))
        .exec(conn)
        .await?;
    let set = totp::new_backup_code_set()?;
    staff_backup_code::Entity::insert_many(set.iter().map(|(_, hash)| {
        staff_backup_code::ActiveModel {
            id: Set(Uuid::now_v7()),
            staff_id: Set(staff_id),
            code_hash: Set(hash.clone()),
            used_at: Set(None),
            created_at: Set(now()),
        }
    }))
    .exec_without_returning(conn)
    .await?;
    let codes = set.into_iter().map(|(code, _)| code).collect();
    Ok(codes)
}

pub async fn unused_backup_codes(conn: &impl ConnectionTrait, staff_id: Uuid) -> Result<u64> {
    Ok(staff_backup_code::Entity::find()
        .filter(staff_backup_code::Column::StaffId.eq(staff_id))
        .filter(staff_backup_code::Column::UsedAt.is_null())
        .count(conn)
        .await?)
}
