//! The account lifecycle: seven states and the only moves between them.
//!
//! ```text
//! imported ⇄ proxy_assigned → warming_up → ready → active → cleanup → ready
//!                              warming_up ⇄ human_review
//! ```
//!
//! `proxy_assigned → imported` is the inverse of an assignment (the proxy was taken away before
//! warm-up began). Every move is one conditional update (`WHERE state = from`), so two callers
//! racing for the same account cannot both move it, and one `fleet_events` row saying who
//! (a user, a worker or the system), when and why, written in the same transaction.

use platform::{Error, Result};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use crate::model::{account, event};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Imported,
    ProxyAssigned,
    WarmingUp,
    HumanReview,
    Ready,
    Active,
    Cleanup,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Imported,
        State::ProxyAssigned,
        State::WarmingUp,
        State::HumanReview,
        State::Ready,
        State::Active,
        State::Cleanup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Imported => "imported",
            State::ProxyAssigned => "proxy_assigned",
            State::WarmingUp => "warming_up",
            State::HumanReview => "human_review",
            State::Ready => "ready",
            State::Active => "active",
            State::Cleanup => "cleanup",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Imported => "Imported",
            State::ProxyAssigned => "Proxy assigned",
            State::WarmingUp => "Warming up",
            State::HumanReview => "Needs review",
            State::Ready => "Ready",
            State::Active => "Active in persona",
            State::Cleanup => "Cleanup",
        }
    }

    /// The label of a stored value (an unknown value is shown as it is).
    pub fn label_of(s: &str) -> &str {
        State::parse(s).map(State::label).unwrap_or(s)
    }

    /// Whether the lifecycle allows `self → to`.
    pub fn can_move_to(self, to: State) -> bool {
        use State::*;
        matches!(
            (self, to),
            (Imported, ProxyAssigned)
                | (ProxyAssigned, Imported)
                | (ProxyAssigned, WarmingUp)
                | (WarmingUp, Ready)
                | (WarmingUp, HumanReview)
                | (HumanReview, WarmingUp)
                | (Ready, Active)
                | (Active, Cleanup)
                | (Cleanup, Ready)
        )
    }
}

/// Who made a change: shown on the timeline.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `user`, `worker` or `system`.
    pub kind: &'static str,
    pub id: Option<Uuid>,
    pub label: String,
}

impl Actor {
    pub fn user(ctx: &platform::Ctx) -> Actor {
        Actor {
            kind: "user",
            id: Some(ctx.user.id),
            label: if ctx.user.name.trim().is_empty() {
                ctx.user.email.clone()
            } else {
                ctx.user.name.clone()
            },
        }
    }

    pub fn worker(id: Uuid, name: &str) -> Actor {
        Actor {
            kind: "worker",
            id: Some(id),
            label: format!("Worker {name}"),
        }
    }

    pub fn system(label: &str) -> Actor {
        Actor {
            kind: "system",
            id: None,
            label: label.to_string(),
        }
    }
}

/// The refusal of a move the lifecycle does not allow (409).
pub fn refused(from: &str, to: State) -> Error {
    Error::Conflict(format!(
        "An account that is {} cannot become {}.",
        State::label_of(from).to_lowercase(),
        to.label().to_lowercase()
    ))
}

/// Writes one timeline row.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    account_id: Option<Uuid>,
    proxy_id: Option<Uuid>,
    kind: &str,
    states: (Option<&str>, Option<&str>),
    actor: &Actor,
    reason: &str,
) -> Result<()> {
    event::Entity::insert(event::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        account_id: Set(account_id),
        proxy_id: Set(proxy_id),
        kind: Set(kind.to_string()),
        from_state: Set(states.0.map(str::to_string)),
        to_state: Set(states.1.map(str::to_string)),
        actor_kind: Set(actor.kind.to_string()),
        actor_id: Set(actor.id),
        actor_label: Set(actor.label.chars().take(160).collect()),
        reason: Set(reason.to_string()),
        at: Set(platform::db::now()),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Moves one account `from → to` if it is still `from`, with the extra column changes `set`
/// (applied in the same statement), and logs it. A move the lifecycle does not allow, or an
/// account that is no longer `from`, is a 409 and changes nothing.
pub async fn transition(
    conn: &impl ConnectionTrait,
    account: &account::Model,
    to: State,
    actor: &Actor,
    reason: &str,
    set: Vec<(account::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<()> {
    let from = State::parse(&account.state)
        .ok_or_else(|| Error::internal(format!("unknown account state {}", account.state)))?;
    if !from.can_move_to(to) {
        return Err(refused(&account.state, to));
    }
    let mut update = account::Entity::update_many()
        .col_expr(account::Column::State, Expr::value(to.as_str()))
        .col_expr(account::Column::UpdatedAt, Expr::value(platform::db::now()));
    for (col, value) in set {
        update = update.col_expr(col, value);
    }
    let done = update
        .filter(account::Column::Id.eq(account.id))
        .filter(account::Column::WorkspaceId.eq(account.workspace_id))
        .filter(account::Column::State.eq(from.as_str()))
        .exec(conn)
        .await?;
    if done.rows_affected == 0 {
        return Err(Error::Conflict(
            "The account changed meanwhile; reload and try again.".into(),
        ));
    }
    record(
        conn,
        account.workspace_id,
        Some(account.id),
        account.proxy_id,
        "transition",
        (Some(from.as_str()), Some(to.as_str())),
        actor,
        reason,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_documented_moves_are_allowed() {
        let allowed: Vec<(State, State)> = State::ALL
            .into_iter()
            .flat_map(|a| State::ALL.into_iter().map(move |b| (a, b)))
            .filter(|(a, b)| a.can_move_to(*b))
            .collect();
        use State::*;
        assert_eq!(
            allowed,
            vec![
                (Imported, ProxyAssigned),
                (ProxyAssigned, Imported),
                (ProxyAssigned, WarmingUp),
                (WarmingUp, HumanReview),
                (WarmingUp, Ready),
                (HumanReview, WarmingUp),
                (Ready, Active),
                (Active, Cleanup),
                (Cleanup, Ready),
            ]
        );
        // 49 pairs, 9 allowed: every other pair (including staying put) is refused.
        let refused = State::ALL.len() * State::ALL.len() - allowed.len();
        assert_eq!(refused, 40);
        for s in State::ALL {
            assert!(!s.can_move_to(s), "{s:?} → itself");
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
    }
}
