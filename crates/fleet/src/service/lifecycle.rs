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
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait};
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

/// One timeline row to write.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub account_id: Option<Uuid>,
    pub proxy_id: Option<Uuid>,
    pub kind: &'a str,
    pub states: (Option<&'a str>, Option<&'a str>),
    pub actor: &'a Actor,
    pub reason: String,
}

/// Writes timeline rows of one workspace with one statement (nothing for none).
pub async fn record_many(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    entries: &[Entry<'_>],
) -> Result<()> {
    let mut timeline = Timeline::default();
    timeline.add(workspace_id, entries);
    timeline.write(conn).await
}

/// Timeline rows gathered over one transaction and written with one statement at its end:
/// the worker API's batches log their claims' and their completions' moves together.
#[derive(Default)]
pub struct Timeline(Vec<event::ActiveModel>);

impl Timeline {
    /// Adds rows of one workspace, stamped now.
    pub fn add(&mut self, workspace_id: Uuid, entries: &[Entry<'_>]) {
        let at = platform::db::now();
        self.0.extend(entries.iter().map(|e| event::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(workspace_id),
            account_id: Set(e.account_id),
            proxy_id: Set(e.proxy_id),
            kind: Set(e.kind.to_string()),
            from_state: Set(e.states.0.map(str::to_string)),
            to_state: Set(e.states.1.map(str::to_string)),
            actor_kind: Set(e.actor.kind.to_string()),
            actor_id: Set(e.actor.id),
            actor_label: Set(e.actor.label.chars().take(160).collect()),
            reason: Set(e.reason.clone()),
            at: Set(at),
        }));
    }

    /// Writes what was gathered (nothing for none).
    pub async fn write(self, conn: &impl ConnectionTrait) -> Result<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        event::Entity::insert_many(self.0)
            .exec_without_returning(conn)
            .await?;
        Ok(())
    }
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
    let entry = Entry {
        account_id,
        proxy_id,
        kind,
        states,
        actor,
        reason: reason.to_string(),
    };
    record_many(conn, workspace_id, &[entry]).await
}

/// One account of a [`transition_many`], with who moves it.
pub struct Move<'a> {
    pub account: &'a account::Model,
    pub actor: &'a Actor,
}

/// Moves the accounts of one workspace that are still `from` to `to` with one conditional
/// update (`WHERE state = from`), applying the extra column changes `set` to each, and logs
/// every move that happened. Returns the ids moved; an account no longer `from` is left as it
/// is (its caller decides whether that is a conflict).
pub async fn transition_many(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    from: State,
    to: State,
    moves: &[Move<'_>],
    reason: &str,
    set: Vec<(account::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<Vec<Uuid>> {
    let (moved, entries) = move_many(conn, workspace_id, from, to, moves, reason, set).await?;
    record_many(conn, workspace_id, &entries).await?;
    Ok(moved)
}

/// [`transition_many`] without writing the timeline: the ids moved and the timeline rows the
/// caller must write in the same transaction (with others of its own, in one statement).
pub async fn move_many<'a>(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    from: State,
    to: State,
    moves: &[Move<'a>],
    reason: &str,
    set: Vec<(account::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<(Vec<Uuid>, Vec<Entry<'a>>)> {
    if !from.can_move_to(to) {
        return Err(refused(from.as_str(), to));
    }
    if moves.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut update = sea_orm::sea_query::Query::update();
    update
        .table(account::Entity)
        .value(account::Column::State, to.as_str())
        .value(account::Column::UpdatedAt, platform::db::now());
    for (col, value) in set {
        update.value(col, value);
    }
    update
        .and_where(platform::db::eq_beside_ids(
            account::Column::WorkspaceId,
            workspace_id,
        ))
        .and_where(
            account::Column::Id.is_in(platform::db::padded(moves.iter().map(|m| m.account.id))),
        )
        .and_where(account::Column::State.eq(from.as_str()))
        .returning_col(account::Column::Id);
    let backend = conn.get_database_backend();
    let moved: Vec<Uuid> = conn
        .query_all_raw(backend.build(&update))
        .await?
        .iter()
        .map(|row| row.try_get::<Uuid>("", "id"))
        .collect::<std::result::Result<_, _>>()?;
    let entries = moves
        .iter()
        .filter(|m| moved.contains(&m.account.id))
        .map(|m| Entry {
            account_id: Some(m.account.id),
            proxy_id: m.account.proxy_id,
            kind: "transition",
            states: (Some(from.as_str()), Some(to.as_str())),
            actor: m.actor,
            reason: reason.to_string(),
        })
        .collect();
    Ok((moved, entries))
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
    let moved = transition_many(
        conn,
        account.workspace_id,
        from,
        to,
        &[Move { account, actor }],
        reason,
        set,
    )
    .await?;
    if moved.is_empty() {
        return Err(Error::Conflict(
            "The account changed meanwhile; reload and try again.".into(),
        ));
    }
    Ok(())
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
