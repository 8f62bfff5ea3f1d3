//! Staff web sessions. The cookie holds a 256-bit random token; the table holds its SHA-256.
//! A session is `pending` after the password (10 minutes to give the second factor or finish
//! enrolment), then `active` under a new token (rotation) for at most 8 hours, ended by 30
//! minutes without a request.

use chrono::{Duration, Utc};
use platform::{Error, Origin, Result, crypto, db::now};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::model::{staff, staff_session};

pub const PENDING: &str = "pending";
pub const ACTIVE: &str = "active";
/// Absolute lifetime of a signed-in staff session (as the staff API tokens).
pub const SESSION_TTL: Duration = Duration::hours(8);
/// A session without a request for this long is over.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// Time to give the second factor or finish enrolment after the password.
pub const PENDING_TTL: Duration = Duration::minutes(10);

/// A session just created: the cookie value is only ever in this struct.
pub struct Issued {
    pub token: String,
    pub session: staff_session::Model,
}

async fn issue(
    conn: &impl ConnectionTrait,
    staff_id: Uuid,
    state: &str,
    origin: &Origin,
) -> Result<Issued> {
    let token = crypto::random_token().map_err(Error::internal)?;
    let t = now();
    let ttl = if state == PENDING {
        PENDING_TTL
    } else {
        SESSION_TTL
    };
    let session = staff_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        staff_id: Set(staff_id),
        token_hash: Set(crypto::token_hash(&token)),
        state: Set(state.to_string()),
        created_at: Set(t),
        last_seen_at: Set(t),
        expires_at: Set(t + ttl),
        ip: Set(origin.ip.map(|ip| ip.to_string())),
        user_agent: Set(origin.user_agent.clone()),
    }
    .insert(conn)
    .await?;
    Ok(Issued { token, session })
}

/// After the password: a short-lived session that only reaches the second-factor and
/// enrolment pages.
pub async fn start_pending(
    conn: &impl ConnectionTrait,
    staff_id: Uuid,
    origin: &Origin,
) -> Result<Issued> {
    issue(conn, staff_id, PENDING, origin).await
}

/// After the second factor: the pending session ends and an active one with a new token
/// begins (a token seen before sign-in completed is worth nothing after).
pub async fn activate(
    conn: &impl ConnectionTrait,
    pending: &staff_session::Model,
    origin: &Origin,
) -> Result<Issued> {
    staff_session::Entity::delete_by_id(pending.id)
        .exec(conn)
        .await?;
    issue(conn, pending.staff_id, ACTIVE, origin).await
}

/// Whether a session is over at `now`: past its absolute end, or (once active) idle too long.
pub fn is_over(session: &staff_session::Model, at: chrono::DateTime<Utc>) -> bool {
    session.expires_at <= at
        || (session.state == ACTIVE && at - session.last_seen_at > IDLE_TIMEOUT)
}

/// The live session and its active staff member for a cookie value. Touches `last_seen_at`
/// (at most once a minute: writing on every request would serialise readers on SQLite).
pub async fn resolve(
    conn: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<(staff_session::Model, staff::Model)>> {
    let Some(session) = staff_session::Entity::find()
        .filter(staff_session::Column::TokenHash.eq(crypto::token_hash(token)))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let at = Utc::now();
    if is_over(&session, at) {
        staff_session::Entity::delete_by_id(session.id)
            .exec(conn)
            .await?;
        return Ok(None);
    }
    let Some(member) = staff::Entity::find_by_id(session.staff_id)
        .one(conn)
        .await?
        .filter(|s| s.status == super::staff::ACTIVE)
    else {
        return Ok(None);
    };
    if at - session.last_seen_at > Duration::minutes(1) {
        staff_session::Entity::update_many()
            .col_expr(staff_session::Column::LastSeenAt, Expr::value(now()))
            .filter(staff_session::Column::Id.eq(session.id))
            .exec(conn)
            .await?;
    }
    Ok(Some((session, member)))
}

pub async fn end(conn: &impl ConnectionTrait, token: &str) -> Result<()> {
    staff_session::Entity::delete_many()
        .filter(staff_session::Column::TokenHash.eq(crypto::token_hash(token)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of a staff member (disabled, 2FA reset, role change); returns how many.
pub async fn end_all(conn: &impl ConnectionTrait, staff_id: Uuid) -> Result<u64> {
    Ok(staff_session::Entity::delete_many()
        .filter(staff_session::Column::StaffId.eq(staff_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// A staff member's signed-in sessions, most recently used first.
pub async fn list_active(
    conn: &impl ConnectionTrait,
    staff_id: Uuid,
) -> Result<Vec<staff_session::Model>> {
    let at = Utc::now();
    Ok(staff_session::Entity::find()
        .filter(staff_session::Column::StaffId.eq(staff_id))
        .filter(staff_session::Column::State.eq(ACTIVE))
        .order_by_desc(staff_session::Column::LastSeenAt)
        .all(conn)
        .await?
        .into_iter()
        .filter(|s| !is_over(s, at))
        .collect())
}

/// Deletes sessions that are over (the daily housekeeping job).
pub async fn prune(conn: &impl ConnectionTrait) -> Result<u64> {
    let at = now();
    Ok(staff_session::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(staff_session::Column::ExpiresAt.lte(at))
                .add(
                    sea_orm::Condition::all()
                        .add(staff_session::Column::State.eq(ACTIVE))
                        .add(staff_session::Column::LastSeenAt.lt(at - IDLE_TIMEOUT)),
                ),
        )
        .exec(conn)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(state: &str, age_mins: i64, idle_mins: i64) -> staff_session::Model {
        let at = Utc::now();
        staff_session::Model {
            id: Uuid::now_v7(),
            staff_id: Uuid::now_v7(),
            token_hash: String::new(),
            state: state.into(),
            created_at: at - Duration::minutes(age_mins),
            last_seen_at: at - Duration::minutes(idle_mins),
            expires_at: at - Duration::minutes(age_mins) + SESSION_TTL,
            ip: None,
            user_agent: None,
        }
    }

    #[test]
    fn eight_hours_absolute_and_thirty_minutes_idle() {
        let at = Utc::now();
        assert!(!is_over(&session(ACTIVE, 60, 29), at));
        assert!(is_over(&session(ACTIVE, 60, 31), at), "idle");
        assert!(is_over(&session(ACTIVE, 8 * 60 + 1, 0), at), "absolute");
        assert!(!is_over(&session(ACTIVE, 8 * 60 - 1, 0), at));
    }
}
