//! Keeping connected accounts' tokens alive. An Instagram Login token lives 60 days and can be
//! exchanged for a fresh 60-day one once it is at least 24 hours old and not expired; a daily
//! job renews those expiring within [`RENEW_WITHIN_DAYS`] days (or last renewed more than
//! [`RENEW_EVERY_DAYS`] days ago, so a missed day or two never lets one lapse). A token
//! Instagram refuses (190) puts the account in "reconnect needed"; a passing failure is tried
//! again by the job.

use chrono::{DateTime, Duration, Utc};
use platform::{AppState, Error, Result, db::now};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{accounts, refresh::TOKEN_PURPOSE};
use crate::{
    model::account,
    source::{
        Source, SourceError,
        graph::login::{self, LongLivedToken},
        http,
    },
};

/// Renew tokens that expire within this many days…
pub const RENEW_WITHIN_DAYS: i64 = 10;
/// …or that were last renewed this many days ago.
pub const RENEW_EVERY_DAYS: i64 = 7;
/// Instagram refuses to renew a token younger than this.
pub const MIN_AGE_HOURS: i64 = 24;
/// A token's life.
pub const LIFETIME_DAYS: i64 = 60;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renewal {
    pub renewed: usize,
    /// Refused by Instagram: the account must be connected again.
    pub reconnect: usize,
    /// Passing failures (network, throttling): the next attempt tries again.
    pub temporary: usize,
    /// Other refusals, logged.
    pub failed: usize,
}

/// Whether an account's token should be renewed now.
pub fn is_due(a: &account::Model, at: DateTime<Utc>) -> bool {
    let issued = a.token_refreshed_at.unwrap_or(a.created_at);
    let age = at - issued;
    let expires = a
        .token_expires_at
        .unwrap_or(issued + Duration::days(LIFETIME_DAYS));
    a.access_token.is_some()
        && age >= Duration::hours(MIN_AGE_HOURS)
        && age < Duration::days(LIFETIME_DAYS)
        && expires > at
        && (expires - at <= Duration::days(RENEW_WITHIN_DAYS)
            || age > Duration::days(RENEW_EVERY_DAYS))
}

/// Connected accounts whose token is due for renewal.
pub async fn due(state: &AppState) -> Result<Vec<account::Model>> {
    let at = Utc::now();
    Ok(account::Entity::find()
        .filter(account::Column::Source.eq(Source::Graph.as_str()))
        .filter(account::Column::Status.eq(accounts::Status::Active.as_str()))
        .filter(account::Column::AccessToken.is_not_null())
        .all(&state.db)
        .await?
        .into_iter()
        .filter(|a| is_due(a, at))
        .collect())
}

/// Stores a renewed token, unless the account was connected again meanwhile (its token then
/// is newer than the one renewed).
async fn store(state: &AppState, a: &account::Model, new: &LongLivedToken) -> Result<()> {
    let sealed = state
        .keys
        .encrypt_str(TOKEN_PURPOSE, &new.access_token)
        .map_err(Error::internal)?;
    let t = now();
    let expires_at = t + Duration::seconds(
        new.expires_in
            .filter(|s| *s > 0)
            .unwrap_or(LIFETIME_DAYS * 86_400),
    );
    account::Entity::update_many()
        .col_expr(
            account::Column::AccessToken,
            sea_orm::sea_query::Expr::value(Some(sealed)),
        )
        .col_expr(
            account::Column::TokenExpiresAt,
            sea_orm::sea_query::Expr::value(Some(expires_at)),
        )
        .col_expr(
            account::Column::TokenRefreshedAt,
            sea_orm::sea_query::Expr::value(Some(t)),
        )
        .col_expr(
            account::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(t),
        )
        .filter(account::Column::Id.eq(a.id))
        .filter(account::Column::AccessToken.eq(a.access_token.clone()))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Renews every due token, one call each, outside any transaction.
pub async fn renew_due(state: &AppState) -> Result<Renewal> {
    let mut out = Renewal::default();
    let due = due(state).await?;
    if due.is_empty() {
        return Ok(out);
    }
    let client = http::client().map_err(Error::internal)?;
    for a in due {
        let token = match a
            .access_token
            .as_deref()
            .map(|sealed| state.keys.decrypt_str(TOKEN_PURPOSE, sealed))
        {
            Some(Ok(t)) => t,
            Some(Err(e)) => {
                // Sealed with a key this installation no longer has: only a new login helps.
                tracing::warn!(account = %a.id, error = %e, "stored Instagram token does not open");
                accounts::reconnect_needed(state, a.id, "the stored token cannot be read").await?;
                out.reconnect += 1;
                continue;
            }
            None => continue,
        };
        match login::refresh(
            &client,
            &state.config.get(&crate::settings::INSTAGRAM_GRAPH_BASE),
            &token,
        )
        .await
        {
            Ok(new) => {
                store(state, &a, &new).await?;
                out.renewed += 1;
            }
            Err(SourceError::Reconnect(why)) => {
                accounts::reconnect_needed(state, a.id, &why).await?;
                out.reconnect += 1;
            }
            Err(e) if e.is_temporary() => {
                tracing::warn!(account = %a.id, error = %e, "Instagram token not renewed; will retry");
                out.temporary += 1;
            }
            Err(e) => {
                tracing::warn!(account = %a.id, error = %e, "Instagram token not renewed");
                out.failed += 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn account(issued_days_ago: i64, expires_in_days: Option<i64>) -> account::Model {
        let at = Utc::now();
        account::Model {
            id: Uuid::now_v7(),
            workspace_id: Uuid::now_v7(),
            profile_id: Uuid::now_v7(),
            kind: "instagram_login".into(),
            source: "graph".into(),
            status: "active".into(),
            ig_user_id: None,
            access_token: Some("sealed".into()),
            token_expires_at: expires_in_days.map(|d| at + Duration::days(d)),
            token_refreshed_at: Some(at - Duration::days(issued_days_ago)),
            scopes: None,
            last_refresh_at: None,
            last_refresh_error: None,
            created_by: None,
            created_at: at - Duration::days(90),
            updated_at: at,
        }
    }

    #[test]
    fn which_tokens_are_renewed() {
        let at = Utc::now();
        // Fresh from the login: too young, even if it claimed to expire soon.
        assert!(!is_due(&account(0, Some(5)), at));
        // Expiring within ten days.
        assert!(is_due(&account(52, Some(8)), at));
        // Renewed more than a week ago.
        assert!(is_due(&account(8, Some(52)), at));
        // Renewed three days ago, far from expiry.
        assert!(!is_due(&account(3, Some(57)), at));
        // Expired: only a new login helps.
        assert!(!is_due(&account(61, Some(-1)), at));
        let mut none = account(52, Some(8));
        none.access_token = None;
        assert!(!is_due(&none, at));
    }
}
