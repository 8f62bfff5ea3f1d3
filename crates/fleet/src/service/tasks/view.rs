//! What a worker (or an operator acting as one) is handed for a task: the step, the
//! account's credentials, the proxy and the content picked for it.

use chrono::{DateTime, Utc};
use platform::{AppState, Error, Result, Scope};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::model::{account, proxy, task};
use crate::service::accounts;

/// The account a task is for, with its credentials.
#[derive(Debug, Serialize, ToSchema)]
pub struct FleetWorkerAccount {
    pub id: Uuid,
    pub username: String,
    pub password: String,
    pub email: String,
    pub email_password: Option<String>,
    /// The import line's extra fields.
    pub extra: serde_json::Value,
}

/// The proxy the worker must connect through.
#[derive(Debug, Serialize, ToSchema)]
pub struct FleetWorkerProxy {
    /// `http` or `socks5`.
    pub kind: String,
    pub host: String,
    pub port: i32,
    pub username: Option<String>,
    pub password: Option<String>,
    pub location: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FleetWorkerImage {
    pub id: Uuid,
    pub kind: String,
    pub mime: String,
    pub caption: Option<String>,
    /// Download with the worker's token.
    pub image_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FleetWorkerText {
    pub id: Uuid,
    pub kind: String,
    pub text: String,
}

/// The content a step uses (either part may be absent: a bio step has no image).
#[derive(Debug, Serialize, ToSchema)]
pub struct FleetWorkerContent {
    pub image: Option<FleetWorkerImage>,
    pub text: Option<FleetWorkerText>,
}

/// A task claimed for the worker.
#[derive(Debug, Serialize, ToSchema)]
pub struct FleetWorkerTask {
    pub task_id: Uuid,
    /// `warmup` or `cleanup`.
    pub kind: String,
    pub step_number: i32,
    /// What to do: `change_pfp`, `change_bio`, `post_highlight`, `post_story`, `post_post`
    /// (as configured), or for cleanup `reset_bio`, `reset_pfp`, `delete_posts`.
    pub step_name: String,
    pub step_label: String,
    /// Attempts of this step before this one.
    pub retry_count: i32,
    pub account: FleetWorkerAccount,
    /// `null` when the account has no proxy (it shows under "needs attention").
    pub proxy: Option<FleetWorkerProxy>,
    pub content: FleetWorkerContent,
    /// Send a heartbeat with this task before then, or it goes back to the queue.
    pub lease_expires_at: DateTime<Utc>,
}

pub fn content_of(t: &task::Model) -> FleetWorkerContent {
    let used = t.content_used.clone().unwrap_or(serde_json::Value::Null);
    let image = used.get("image").and_then(|i| {
        Some(FleetWorkerImage {
            id: i.get("id")?.as_str()?.parse().ok()?,
            kind: i.get("kind")?.as_str()?.to_string(),
            mime: i.get("mime")?.as_str()?.to_string(),
            caption: i
                .get("caption")
                .and_then(|c| c.as_str())
                .map(str::to_string),
            image_url: format!("/api/bot/images/{}", i.get("id")?.as_str()?),
        })
    });
    let text = used.get("text").and_then(|x| {
        Some(FleetWorkerText {
            id: x.get("id")?.as_str()?.parse().ok()?,
            kind: x.get("kind")?.as_str()?.to_string(),
            text: x.get("text")?.as_str()?.to_string(),
        })
    });
    FleetWorkerContent { image, text }
}

/// The content chosen for warm-up step `step` of an account (when its task was claimed); not
/// found when the account is another workspace's or the step has none yet.
pub async fn content_for_step(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    account_id: Uuid,
    step: i32,
) -> Result<FleetWorkerContent> {
    let a = accounts::find_in(conn, scope, account_id).await?;
    let t = task::Entity::find()
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(task::Column::AccountId.eq(a.id))
        .filter(task::Column::Kind.eq(super::WARMUP))
        .filter(task::Column::StepNumber.eq(step))
        .filter(task::Column::ContentUsed.is_not_null())
        .order_by_desc(task::Column::CreatedAt)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(content_of(&t))
}

/// Everything a claimant needs for a task it holds, read afresh: credentials opened, proxy,
/// content.
pub async fn of_task(state: &AppState, scope: &Scope, t: &task::Model) -> Result<FleetWorkerTask> {
    let a = accounts::find_in(&state.db, scope, t.account_id).await?;
    let proxy = match a.proxy_id {
        Some(pid) => {
            proxy::Entity::find_by_id(pid)
                .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
                .one(&state.db)
                .await?
        }
        None => None,
    };
    build(state, t, &a, proxy.as_ref())
}

/// The worker's view of a task from rows already read (a claim returns them): the account's
/// and the proxy's secrets are opened here, never stored in the clear.
pub fn build(
    state: &AppState,
    t: &task::Model,
    a: &account::Model,
    p: Option<&proxy::Model>,
) -> Result<FleetWorkerTask> {
    let proxy = p
        .map(|p| -> Result<FleetWorkerProxy> {
            Ok(FleetWorkerProxy {
                kind: p.kind.clone(),
                host: p.host.clone(),
                port: p.port,
                username: (!p.username.is_empty()).then(|| p.username.clone()),
                password: p
                    .password_enc
                    .as_deref()
                    .map(|c| accounts::open(state, c))
                    .transpose()?,
                location: p.location.clone(),
            })
        })
        .transpose()?;
    Ok(FleetWorkerTask {
        task_id: t.id,
        kind: t.kind.clone(),
        step_number: t.step_number,
        step_name: t.step_name.clone(),
        step_label: t.step_label.clone(),
        retry_count: t.retry_count,
        account: FleetWorkerAccount {
            id: a.id,
            username: a.username.clone(),
            password: accounts::open(state, &a.password_enc)?,
            email: a.email.clone(),
            email_password: a
                .email_password_enc
                .as_deref()
                .map(|c| accounts::open(state, c))
                .transpose()?,
            extra: a.extra.clone(),
        },
        proxy,
        content: content_of(t),
        lease_expires_at: t.lease_expires_at.unwrap_or_else(platform::db::now),
    })
}
