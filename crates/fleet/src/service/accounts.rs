//! Managed accounts: the scoped finder every id-taking route uses, the sealing of the
//! passwords they hold, and the lists the pages show. Passwords are sealed with the platform
//! key (AEAD, purpose-bound) and opened only for the worker API and an owner's audited reveal.

use platform::{AppState, Error, Result, Scope};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::model::account;

/// The AEAD purpose the fleet's secrets are sealed under (a ciphertext of another feature
/// cannot be opened as one of these).
const PURPOSE: &str = "fleet-secret";

/// The scope's accounts among `ids`, by id (another workspace's are left out).
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, account::Model>> {
    Ok(account::Entity::find()
        .filter(platform::db::eq_beside_ids(
            account::Column::WorkspaceId,
            scope.workspace_id(),
        ))
        .filter(account::Column::Id.is_in(platform::db::padded(ids)))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

/// The account with this id in the scope's workspace; another workspace's is not found.
pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<account::Model> {
    account::Entity::find_by_id(id)
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Seals a password (account, e-mail or proxy) for storage.
pub fn seal(state: &AppState, plaintext: &str) -> Result<String> {
    state
        .keys
        .encrypt_str(PURPOSE, plaintext)
        .map_err(|_| Error::internal("a fleet secret could not be sealed"))
}

/// Opens a sealed password.
pub fn open(state: &AppState, ciphertext: &str) -> Result<String> {
    state
        .keys
        .decrypt_str(PURPOSE, ciphertext)
        .map_err(|_| Error::internal("a fleet secret could not be opened"))
}

/// A page of the workspace's accounts, newest first, optionally in one state and/or matching
/// a username prefix.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    state: Option<&str>,
    search: &str,
    offset: u64,
    limit: u64,
) -> Result<Vec<account::Model>> {
    let mut q =
        account::Entity::find().filter(account::Column::WorkspaceId.eq(scope.workspace_id()));
    if let Some(s) = state {
        q = q.filter(account::Column::State.eq(s));
    }
    let search = search.trim().to_lowercase();
    if !search.is_empty() {
        q = q.filter(account::Column::UsernameLower.starts_with(&search));
    }
    Ok(q.order_by_desc(account::Column::CreatedAt)
        .order_by_desc(account::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(conn)
        .await?)
}

/// An account with what its page shows: its proxy, persona, step log and timeline.
#[derive(Debug, Clone)]
pub struct Detail {
    pub account: account::Model,
    pub proxy: Option<crate::model::proxy::Model>,
    pub persona: Option<crate::model::persona::Model>,
    pub tasks: Vec<crate::model::task::Model>,
    pub timeline: Vec<crate::model::event::Model>,
    pub steps_total: usize,
}

/// The account page's data (workspace read).
pub async fn detail(state: &AppState, ctx: &platform::Ctx, id: Uuid) -> Result<Detail> {
    let scope = super::access::read(state, ctx).await?;
    detail_in(&state.db, &scope, id).await
}

pub async fn detail_in(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<Detail> {
    use crate::model::{event, persona, proxy};
    let account = find_in(conn, scope, id).await?;
    let proxy = match account.proxy_id {
        Some(p) => {
            proxy::Entity::find_by_id(p)
                .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
                .one(conn)
                .await?
        }
        None => None,
    };
    let persona = match account.persona_id {
        Some(p) => {
            persona::Entity::find_by_id(p)
                .filter(persona::Column::WorkspaceId.eq(scope.workspace_id()))
                .one(conn)
                .await?
        }
        None => None,
    };
    let tasks = super::tasks::of_account(conn, scope, id).await?;
    let timeline = event::Entity::find()
        .filter(event::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(event::Column::AccountId.eq(id))
        .order_by_desc(event::Column::At)
        .order_by_desc(event::Column::Id)
        .limit(200)
        .all(conn)
        .await?;
    let steps_total = super::settings::get(conn, scope).await?.steps.len();
    Ok(Detail {
        account,
        proxy,
        persona,
        tasks,
        timeline,
        steps_total,
    })
}

/// The accounts waiting for a person (in review, or a cleanup step failed), oldest error
/// first.
pub async fn needing_review(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    limit: u64,
) -> Result<Vec<account::Model>> {
    use sea_orm::sea_query::Condition;
    Ok(account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(
            Condition::any()
                .add(account::Column::State.eq(super::lifecycle::State::HumanReview.as_str()))
                .add(account::Column::RequiresHumanReview.eq(true)),
        )
        .order_by_asc(account::Column::LastErrorAt)
        .order_by_asc(account::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Accounts per state in the workspace.
pub async fn count_by_state(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<(String, i64)>> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    Ok(account::Entity::find()
        .select_only()
        .column(account::Column::State)
        .column_as(Expr::col(account::Column::Id).count(), "n")
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .group_by(account::Column::State)
        .into_tuple::<(String, i64)>()
        .all(conn)
        .await?)
}
