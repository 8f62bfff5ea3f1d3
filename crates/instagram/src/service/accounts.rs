//! A workspace's Instagram accounts: connected (Instagram Login), added by username, or demo.
//! Every query here filters by the caller's workspace; another workspace's account is not found.

use chrono::{Duration, Utc};
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope, audit,
    db::now,
    events::{Event, Toast, ToastKind, Topic},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::profiles::{self, Pool};
use crate::{
    jobs::RefreshProfile,
    model::{account, profile},
    source::{Source, Username},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Connected with Instagram Login (Graph API, private insights).
    InstagramLogin,
    /// Added by username: public data only.
    Manual,
    /// A demo account: generated data, labelled everywhere.
    Demo,
}

impl Kind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::InstagramLogin => "instagram_login",
            Kind::Manual => "manual",
            Kind::Demo => "demo",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    /// The token stopped working: the workspace must connect the account again.
    ReconnectNeeded,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::ReconnectNeeded => "reconnect_needed",
        }
    }
}

/// An account with its (public) profile.
#[derive(Debug, Clone)]
pub struct AccountCard {
    pub account: account::Model,
    pub profile: profile::Model,
}

pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<AccountCard>> {
    ctx.require(Permission::WorkspaceRead)?;
    let accounts = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .order_by_asc(account::Column::CreatedAt)
        .all(&state.db)
        .await?;
    let profiles = profile::Entity::find()
        .filter(profile::Column::Id.is_in(accounts.iter().map(|a| a.profile_id)))
        .all(&state.db)
        .await?;
    Ok(accounts
        .into_iter()
        .filter_map(|a| {
            profiles
                .iter()
                .find(|p| p.id == a.profile_id)
                .cloned()
                .map(|profile| AccountCard {
                    account: a,
                    profile,
                })
        })
        .collect())
}

/// One account of the caller's workspace (another workspace's id is not found).
pub async fn find_in(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<AccountCard> {
    ctx.require(Permission::WorkspaceRead)?;
    let account = account::Entity::find_by_id(id)
        .filter(account::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound)?;
    let profile = profiles::get(&state.db, account.profile_id).await?;
    Ok(AccountCard { account, profile })
}

async fn insert(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    profile: &profile::Model,
    kind: Kind,
    source: Source,
    created_by: Option<Uuid>,
) -> Result<account::Model> {
    let t = now();
    account::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        profile_id: Set(profile.id),
        kind: Set(kind.as_str().into()),
        source: Set(source.as_str().into()),
        status: Set(Status::Active.as_str().into()),
        ig_user_id: Set(profile.ig_user_id.clone()),
        access_token: Set(None),
        token_expires_at: Set(None),
        token_refreshed_at: Set(None),
        scopes: Set(None),
        last_refresh_at: Set(None),
        last_refresh_error: Set(None),
        created_by: Set(created_by),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if platform::db::is_unique_violation(&e) {
            Error::validation("username", "This account is already in your workspace")
        } else {
            e.into()
        }
    })
}

/// Adds an account by username and queues its first refresh. It holds real public data (and
/// counts against the plan) unless `as_demo` is asked for or the username is a demo username
/// (`demo.…`, generated data, labelled); a real username without a live public source is
/// refused with `source-not-configured` and nothing is stored ([`profiles::pool_for_new`]).
pub async fn add_by_username(
    state: &AppState,
    ctx: &Ctx,
    username: &str,
    as_demo: bool,
) -> Result<AccountCard> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    let username = Username::parse(username)?;
    let pool = profiles::pool_for_new(state, &username, as_demo).await?;
    let (kind, source) = match pool {
        Pool::Demo => (Kind::Demo, Source::Demo),
        Pool::Live => (Kind::Manual, Source::Apify),
    };
    add(state, &scope, &username, pool, kind, source, Some(ctx)).await
}

/// Adds a demo account to the scope's workspace; `by` is the member acting (`None`: the
/// command line, e.g. the `demo` command).
pub async fn add_demo(
    state: &AppState,
    scope: &Scope,
    username: &str,
    by: Option<&Ctx>,
) -> Result<AccountCard> {
    let username = Username::parse(username)?;
    add(
        state,
        scope,
        &username,
        Pool::Demo,
        Kind::Demo,
        Source::Demo,
        by,
    )
    .await
}

/// Real (non-demo) accounts of a workspace: what the plan's `accounts` limit counts.
pub async fn real_count(conn: &impl ConnectionTrait, scope: &Scope) -> Result<i64> {
    Ok(account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(account::Column::Kind.ne(Kind::Demo.as_str()))
        .count(conn)
        .await? as i64)
}

/// Whether the plan allows one more real account (connected or added by username). Demo
/// accounts are not Instagram accounts and never count, so a fresh install works on any plan.
pub async fn check_account_limit(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    scope: &Scope,
) -> Result<()> {
    let real = real_count(txn, scope).await?;
    state
        .limits
        .check_addition_in(state, txn, scope, "accounts", real)
        .await
}

async fn add(
    state: &AppState,
    scope: &Scope,
    username: &Username,
    pool: Pool,
    kind: Kind,
    source: Source,
    by: Option<&Ctx>,
) -> Result<AccountCard> {
    let workspace_id = scope.workspace_id();
    let txn = platform::db::begin_write(&state.db).await?;
    if kind != Kind::Demo {
        check_account_limit(state, &txn, scope).await?;
    }
    let profile = profiles::find_or_create(&txn, pool, username.as_str()).await?;
    let account = insert(
        &txn,
        workspace_id,
        &profile,
        kind,
        source,
        by.map(Ctx::user_id),
    )
    .await?;
    let mut event = audit::Event::new("instagram.account_added")
        .workspace(Some(workspace_id))
        .target("instagram_account", account.id)
        .detail(serde_json::json!({ "username": profile.username, "kind": kind.as_str(), "source": source.as_str() }));
    if let Some(ctx) = by {
        event = event.by(ctx);
    } else {
        event = event.actor(None, "command line");
    }
    audit::record(&txn, event).await?;
    RefreshProfile::enqueue(&txn, profile.id, Some(workspace_id)).await?;
    txn.commit().await?;
    state.jobs.wake();
    Ok(AccountCard { account, profile })
}

pub async fn remove(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<()> {
    ctx.require(Permission::WorkspaceWrite)?;
    let card = find_in(state, ctx, id).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    account::Entity::delete_by_id(card.account.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        audit::Event::new("instagram.account_removed")
            .by(ctx)
            .target("instagram_account", id)
            .detail(serde_json::json!({ "username": card.profile.username })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What "refresh now" did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshRequest {
    Queued(Uuid),
    /// A refresh of this profile is already waiting or running.
    AlreadyQueued,
}

/// How soon after a refresh another may be asked for by hand.
pub fn manual_refresh_interval() -> Duration {
    Duration::minutes(5)
}

/// Queues a refresh of an account now (at most one per [`manual_refresh_interval`]).
pub async fn request_refresh(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<RefreshRequest> {
    ctx.require(Permission::WorkspaceWrite)?;
    let card = find_in(state, ctx, id).await?;
    if let Some(last) = card.profile.last_refresh_at {
        let wait = last + manual_refresh_interval() - Utc::now();
        if wait > Duration::zero() {
            return Err(Error::TooManyRequests {
                retry_after_secs: wait.num_seconds().max(1) as u64,
            });
        }
    }
    let queued =
        RefreshProfile::enqueue(&state.db, card.profile.id, Some(ctx.workspace_id()?)).await?;
    state.jobs.wake();
    Ok(match queued {
        Some(job) => RefreshRequest::Queued(job),
        None => RefreshRequest::AlreadyQueued,
    })
}

/// Accounts of a profile whose private insights a refresh reads (Graph-connected and active,
/// or demo).
pub async fn with_insights(
    conn: &impl ConnectionTrait,
    profile_id: Uuid,
) -> Result<Vec<account::Model>> {
    Ok(account::Entity::find()
        .filter(account::Column::ProfileId.eq(profile_id))
        .filter(account::Column::Status.eq(Status::Active.as_str()))
        .filter(account::Column::Source.is_in([Source::Graph.as_str(), Source::Demo.as_str()]))
        .all(conn)
        .await?)
}

/// An account's token stopped working: it needs reconnecting, and its workspace hears of it
/// (a toast on open pages and an activity-log entry). Other workspaces that connected the same
/// Instagram account keep their own tokens and are not touched.
pub async fn reconnect_needed(state: &AppState, account_id: Uuid, why: &str) -> Result<()> {
    let Some(a) = account::Entity::find_by_id(account_id)
        .filter(account::Column::Source.eq(Source::Graph.as_str()))
        .filter(account::Column::Status.eq(Status::Active.as_str()))
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    let profile = profiles::get(&state.db, a.profile_id).await?;
    let mut active: account::ActiveModel = a.clone().into();
    active.status = Set(Status::ReconnectNeeded.as_str().into());
    active.updated_at = Set(now());
    active.update(&state.db).await?;
    audit::record(
        &state.db,
        audit::Event::new("instagram.reconnect_needed")
            .actor(None, "instagram")
            .workspace(Some(a.workspace_id))
            .target("instagram_account", a.id)
            .detail(serde_json::json!({ "username": profile.username, "reason": why })),
    )
    .await?;
    if let Ok(event) = Event::typed(
        Topic::Workspace(a.workspace_id),
        &Toast {
            kind: ToastKind::Warning,
            title: Some("Reconnect Instagram".into()),
            message: format!(
                "@{} must be connected again to keep its data current.",
                profile.username
            ),
        },
    ) && let Err(e) = state.events.publish(event).await
    {
        tracing::warn!(error = %e, "reconnect notice not published");
    }
    Ok(())
}
