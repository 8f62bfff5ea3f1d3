//! Connecting a professional Instagram account with Instagram Login (Business Login): our
//! authorize link → Instagram's consent page → `/instagram/callback` with a code → a 60-day
//! token → the account's profile → the workspace's account, connected and refreshed.
//!
//! The `state` of each attempt is random, stored hashed with the person and workspace that
//! started it, valid ten minutes and used once: a callback is completed only by the same
//! person in the same workspace, so a link carrying someone else's code cannot connect their
//! Instagram account to our workspace (or ours to theirs). The token is sealed with the
//! platform key before it is stored and never leaves the server. Network calls happen before
//! the one short transaction that records the result.

use chrono::{Duration, Utc};
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope, audit, crypto, db::now, jobs::Job,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::{
    accounts::{AccountCard, Kind, Status},
    profiles::{self, Pool},
    refresh::TOKEN_PURPOSE,
};
use crate::{
    jobs::{RefreshProfile, queue_for},
    model::{account, oauth_state},
    source::{
        DataSource, FetchedProfile, Source, SourceError, Target,
        graph::{
            GraphSource,
            login::{self, MetaApp},
        },
        http,
    },
};

/// What a connection asks for: the profile and media, and the insights.
pub const SCOPES: [&str; 2] = [
    "instagram_business_basic",
    "instagram_business_manage_insights",
];

/// How long an attempt may take from our link to the callback.
pub fn attempt_lifetime() -> Duration {
    Duration::minutes(10)
}

/// Where Instagram sends the person back; must be registered in the Meta app as is.
pub fn redirect_uri(state: &AppState) -> String {
    format!("{}/instagram/callback", state.config.base_url())
}

/// The Meta app from the system settings, when both its id and secret are set.
pub async fn meta_app(state: &AppState) -> Option<MetaApp> {
    let get = |key| async move {
        state
            .settings
            .get(key)
            .await
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    Some(MetaApp {
        id: get(crate::settings::META_APP_ID.name).await?,
        secret: get(crate::settings::META_APP_SECRET.name).await?,
    })
}

/// What to tell people when Instagram Login is not set up.
pub fn not_configured_message(state: &AppState) -> String {
    format!(
        "Connecting Instagram accounts needs a Meta app with Instagram Login: a super admin sets its app ID and app secret (META_APP_ID and META_APP_SECRET) in the back office's system settings, and registers {} as a valid OAuth redirect URI of the app.",
        redirect_uri(state)
    )
}

/// Whether the connect button can be offered; otherwise what to configure.
pub async fn availability(state: &AppState) -> std::result::Result<(), String> {
    match meta_app(state).await {
        Some(_) => Ok(()),
        None => Err(not_configured_message(state)),
    }
}

/// Starts a connection: stores the attempt and gives Instagram's authorize URL.
pub async fn start(state: &AppState, ctx: &Ctx) -> Result<String> {
    ctx.require(Permission::WorkspaceWrite)?;
    let workspace_id = ctx.workspace_id()?;
    let app = meta_app(state)
        .await
        .ok_or_else(|| Error::BadRequest(not_configured_message(state)))?;
    let secret = crypto::random_token().map_err(Error::internal)?;
    let t = now();
    // Abandoned attempts of anyone are worthless once expired: swept here, where they are made.
    oauth_state::Entity::delete_many()
        .filter(oauth_state::Column::ExpiresAt.lt(t))
        .exec(&state.db)
        .await?;
    oauth_state::ActiveModel {
        id: Set(Uuid::now_v7()),
        state_hash: Set(crypto::token_hash(&secret)),
        user_id: Set(ctx.user_id()),
        workspace_id: Set(workspace_id),
        created_at: Set(t),
        expires_at: Set(t + attempt_lifetime()),
    }
    .insert(&state.db)
    .await?;
    let base = state.config.get(&crate::settings::INSTAGRAM_OAUTH_BASE);
    let base = base.trim_end_matches('/');
    let url = url::Url::parse_with_params(
        &format!("{base}/oauth/authorize"),
        &[
            ("client_id", app.id.as_str()),
            ("redirect_uri", redirect_uri(state).as_str()),
            ("response_type", "code"),
            ("scope", SCOPES.join(",").as_str()),
            ("state", secret.as_str()),
        ],
    )
    .map_err(Error::internal)?;
    Ok(url.to_string())
}

fn attempt_invalid() -> Error {
    Error::InvalidLink(
        "This Instagram connection was not started here, has expired or was already used. Start it again from your Instagram accounts.".into(),
    )
}

/// Takes the attempt (once) if it belongs to this person and workspace and has not expired.
async fn take_attempt(state: &AppState, ctx: &Ctx, state_param: &str) -> Result<()> {
    let taken = oauth_state::Entity::delete_many()
        .filter(oauth_state::Column::StateHash.eq(crypto::token_hash(state_param)))
        .filter(oauth_state::Column::UserId.eq(ctx.user_id()))
        .filter(oauth_state::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .filter(oauth_state::Column::ExpiresAt.gt(Utc::now()))
        .exec(&state.db)
        .await?;
    // Whoever deletes the row owns the attempt: a replay or a parallel callback finds none.
    if taken.rows_affected == 1 {
        Ok(())
    } else {
        Err(attempt_invalid())
    }
}

/// The person cancelled on Instagram's page: the attempt is dropped.
pub async fn abandon(state: &AppState, ctx: &Ctx, state_param: &str) -> Result<()> {
    take_attempt(state, ctx, state_param).await
}

/// An Instagram refusal in words for the person (details go to the log).
fn refused(step: &str, e: SourceError) -> Error {
    tracing::warn!(step, error = %e, "Instagram connection failed");
    Error::BadRequest(match e {
        SourceError::BadRequest(m) | SourceError::Reconnect(m) => {
            format!("Instagram did not accept the connection ({m}). Start it again.")
        }
        SourceError::Throttled { .. } => {
            "Instagram is limiting requests right now. Try connecting again in a few minutes."
                .into()
        }
        SourceError::Unavailable(_) => {
            "Instagram could not be reached. Try connecting again in a moment.".into()
        }
        SourceError::NotFound(_) => {
            "Instagram gave no professional account for this login. Only business and creator accounts can be connected.".into()
        }
        SourceError::NotConfigured(m) => m,
        SourceError::Unsupported => "Instagram did not accept the connection. Start it again.".into(),
    })
}

/// How a connection ended.
#[derive(Debug, Clone)]
pub struct Connected {
    pub card: AccountCard,
    /// An account of this workspace connected before was connected again (its token had
    /// stopped working, or the person connected it twice).
    pub reconnected: bool,
    /// Asked-for permissions the person did not grant.
    pub missing_scopes: Vec<String>,
}

/// Completes a connection from Instagram's callback.
pub async fn finish(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    state_param: &str,
) -> Result<Connected> {
    ctx.require(Permission::WorkspaceWrite)?;
    let workspace_id = ctx.workspace_id()?;
    take_attempt(state, ctx, state_param).await?;
    let app = meta_app(state)
        .await
        .ok_or_else(|| Error::BadRequest(not_configured_message(state)))?;
    let client = http::client().map_err(|e| refused("client", e))?;
    let short = login::exchange_code(
        &client,
        &state.config.get(&crate::settings::INSTAGRAM_OAUTH_BASE),
        &app,
        &redirect_uri(state),
        code,
    )
    .await
    .map_err(|e| refused("code exchange", e))?;
    let long = login::long_lived(
        &client,
        &state.config.get(&crate::settings::INSTAGRAM_GRAPH_BASE),
        &app.secret,
        &short.access_token,
    )
    .await
    .map_err(|e| refused("long-lived token", e))?;
    let graph = GraphSource::new(
        client,
        &state.config.get(&crate::settings::INSTAGRAM_GRAPH_BASE),
    );
    let fetched = graph
        .profile(&Target {
            username: String::new(),
            ig_user_id: None,
            access_token: Some(long.access_token.clone()),
        })
        .await
        .map_err(|e| refused("profile", e))?;
    let sealed = state
        .keys
        .encrypt_str(TOKEN_PURPOSE, &long.access_token)
        .map_err(Error::internal)?;
    let missing_scopes: Vec<String> = if short.permissions.is_empty() {
        Vec::new()
    } else {
        SCOPES
            .iter()
            .filter(|s| !short.permissions.iter().any(|p| p == *s))
            .map(|s| s.to_string())
            .collect()
    };
    let token = Token {
        sealed,
        expires_at: long
            .expires_in
            .filter(|s| *s > 0)
            .map(|s| now() + Duration::seconds(s)),
        scopes: (!short.permissions.is_empty()).then(|| short.permissions.join(",")),
    };
    let (card, reconnected) = record(state, ctx, workspace_id, &fetched, token).await?;
    state.jobs.wake();
    Ok(Connected {
        card,
        reconnected,
        missing_scopes,
    })
}

/// Queues the profile's refresh now. The usual refresh is unique for five minutes, so a
/// connection right after a failed refresh (the reason to reconnect) would wait for the next
/// schedule: when no refresh is due to run, one more is queued under this connection's key.
async fn queue_refresh(
    conn: &impl ConnectionTrait,
    profile_id: Uuid,
    workspace_id: Uuid,
    account_id: Uuid,
) -> Result<()> {
    if RefreshProfile::enqueue(conn, profile_id, Some(workspace_id))
        .await?
        .is_some()
    {
        return Ok(());
    }
    let t = Utc::now();
    let waiting = platform::jobs::store::live_of_kind(conn, RefreshProfile::KIND)
        .await?
        .into_iter()
        .any(|j| {
            j.state == platform::jobs::model::AVAILABLE
                && j.run_at <= t
                && j.payload["profile_id"] == profile_id.to_string()
        });
    if !waiting {
        platform::jobs::enqueue_with(
            conn,
            &RefreshProfile {
                profile_id,
                workspace_id: Some(workspace_id),
            },
            platform::jobs::Enqueue {
                queue: Some(queue_for(Pool::Live, Some(Source::Graph)).into()),
                unique: Some((
                    format!("ig-connect:{account_id}:{}", t.timestamp()),
                    std::time::Duration::from_secs(300),
                )),
                ..Default::default()
            },
        )
        .await?;
    }
    Ok(())
}

struct Token {
    sealed: String,
    expires_at: Option<chrono::DateTime<Utc>>,
    scopes: Option<String>,
}

/// Creates or updates the workspace's account of this Instagram account, with its token, and
/// queues its first refresh — one transaction.
async fn record(
    state: &AppState,
    ctx: &Ctx,
    workspace_id: Uuid,
    fetched: &FetchedProfile,
    token: Token,
) -> Result<(AccountCard, bool)> {
    let t = now();
    let txn = platform::db::begin_write(&state.db).await?;
    // The same Instagram account under a new username is still the same account.
    let by_id = match &fetched.ig_user_id {
        Some(id) => {
            account::Entity::find()
                .filter(account::Column::WorkspaceId.eq(workspace_id))
                .filter(account::Column::IgUserId.eq(id.as_str()))
                .order_by_asc(account::Column::CreatedAt)
                .one(&txn)
                .await?
        }
        None => None,
    };
    let profile = match &by_id {
        Some(a) => profiles::get(&txn, a.profile_id).await?,
        None => profiles::find_or_create(&txn, Pool::Live, &fetched.username).await?,
    };
    let existing = match by_id {
        Some(a) => Some(a),
        None => {
            account::Entity::find()
                .filter(account::Column::WorkspaceId.eq(workspace_id))
                .filter(account::Column::ProfileId.eq(profile.id))
                .one(&txn)
                .await?
        }
    };
    // A new real account needs room in the plan; a demo account turning real does too.
    if existing
        .as_ref()
        .is_none_or(|a| a.kind == Kind::Demo.as_str())
    {
        super::accounts::check_account_limit(state, &txn, &Scope::of(ctx)?).await?;
    }
    // An account added by username before becomes a connected one: that is a first connection.
    let reconnected = existing
        .as_ref()
        .is_some_and(|a| a.kind == Kind::InstagramLogin.as_str());
    let saved = match existing {
        Some(a) => {
            let mut active = a.into_active_model();
            active.kind = Set(Kind::InstagramLogin.as_str().into());
            active.source = Set(Source::Graph.as_str().into());
            active.status = Set(Status::Active.as_str().into());
            active.ig_user_id = Set(fetched.ig_user_id.clone());
            active.access_token = Set(Some(token.sealed));
            active.token_expires_at = Set(token.expires_at);
            active.token_refreshed_at = Set(Some(t));
            active.scopes = Set(token.scopes);
            active.updated_at = Set(t);
            active.update(&txn).await?
        }
        None => {
            account::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(workspace_id),
                profile_id: Set(profile.id),
                kind: Set(Kind::InstagramLogin.as_str().into()),
                source: Set(Source::Graph.as_str().into()),
                status: Set(Status::Active.as_str().into()),
                ig_user_id: Set(fetched.ig_user_id.clone()),
                access_token: Set(Some(token.sealed)),
                token_expires_at: Set(token.expires_at),
                token_refreshed_at: Set(Some(t)),
                scopes: Set(token.scopes),
                last_refresh_at: Set(None),
                last_refresh_error: Set(None),
                created_by: Set(Some(ctx.user_id())),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(&txn)
            .await?
        }
    };
    audit::record(
        &txn,
        audit::Event::new(if reconnected {
            "instagram.account_reconnected"
        } else {
            "instagram.account_connected"
        })
        .by(ctx)
        .target("instagram_account", saved.id)
        .detail(serde_json::json!({
            "username": profile.username,
            "kind": Kind::InstagramLogin.as_str(),
            "source": Source::Graph.as_str(),
        })),
    )
    .await?;
    queue_refresh(&txn, profile.id, workspace_id, saved.id).await?;
    txn.commit().await?;
    Ok((
        AccountCard {
            account: saved,
            profile,
        },
        reconnected,
    ))
}
