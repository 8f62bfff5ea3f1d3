//! Texts the model writes for a feature, stored with the prompt as sent and streamed to
//! whoever watches.
//!
//! [`start`] checks everything that can refuse the call (configuration, model, budget,
//! credits) before answering, so a form shows the refusal at once; then the call runs in its
//! own task — closing the page does not waste a paid answer — and its text is kept in a hub
//! of this process that any number of viewers follow ([`follow`]): a late viewer gets the
//! text so far, then the rest. The text is also written to the row every second, so a viewer
//! on another node (or after a restart) follows it from the database. A row left `running`
//! longer than any call can last was cut off by a restart and reads as failed.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use chrono::Utc;
use futures::{SinkExt, Stream, channel::mpsc};
use platform::{AppState, Error, Result, Scope};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::{
    budget,
    call::{self, Ask, Caller},
    features::AiFeature,
    model::generation,
    prompt::Prompt,
    provider::{self, wire::Message},
};

/// Longer than any call can run (timeouts and retries included).
const STALE_AFTER: chrono::Duration = chrono::Duration::minutes(10);
const FLUSH_EVERY: Duration = Duration::from_secs(1);
const POLL_EVERY: Duration = Duration::from_millis(700);

/// What a feature asks to have written.
pub struct NewText<'a> {
    pub feature: AiFeature,
    /// The feature's name for what the text is about ("audit:<id>", "account:<id>").
    pub reference: String,
    pub title: String,
    pub prompt: &'a Prompt,
    pub model: Option<&'a str>,
    /// Where the finished text is used (the feature's editor), shown as the next step; `{id}`
    /// stands for the text's id.
    pub next_path: Option<String>,
}

/// A generation as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = AiGeneration)]
pub struct Generation {
    pub id: Uuid,
    pub feature: AiFeature,
    pub reference: String,
    pub title: String,
    pub model: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    /// The text so far (complete when `done`). Written by an AI model.
    pub output: String,
    /// Always true: this text was written by an AI model.
    pub ai_written: bool,
    pub error: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub finished_at: Option<chrono::DateTime<Utc>>,
    /// Server-sent events of the text as it is written.
    pub stream_url: String,
}

impl From<&generation::Model> for Generation {
    fn from(g: &generation::Model) -> Self {
        let (status, error) = effective_status(g);
        Generation {
            id: g.id,
            feature: AiFeature::parse(&g.feature).unwrap_or(AiFeature::Caption),
            reference: g.reference.clone(),
            title: g.title.clone(),
            model: g.model.clone(),
            status: status.into(),
            output: g.output.clone(),
            ai_written: true,
            error,
            created_at: g.created_at,
            finished_at: g.finished_at,
            stream_url: format!("/api/v1/ai/generations/{}/stream", g.id),
        }
    }
}

/// The status as it stands (a `running` row older than any call was cut off).
pub fn effective_status(g: &generation::Model) -> (&'static str, Option<String>) {
    match g.status.as_str() {
        "done" => ("done", None),
        "failed" => ("failed", g.error.clone()),
        _ if g.started_at.unwrap_or(g.created_at) + STALE_AFTER < Utc::now() => (
            "failed",
            Some("The writing was interrupted (the server restarted). Ask again.".into()),
        ),
        _ => ("running", None),
    }
}

pub fn is_finished(g: &generation::Model) -> bool {
    effective_status(g).0 != "running"
}

/// A generation of the caller's workspace; another workspace's is a 404.
pub async fn find_in(state: &AppState, scope: &Scope, id: Uuid) -> Result<generation::Model> {
    generation::Entity::find_by_id(id)
        .filter(generation::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound)
}

/// The latest generation of a feature about one thing (an audit's summary).
pub async fn latest_for(
    state: &AppState,
    scope: &Scope,
    feature: AiFeature,
    reference: &str,
) -> Result<Option<generation::Model>> {
    Ok(generation::Entity::find()
        .filter(generation::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(generation::Column::Feature.eq(feature.as_str()))
        .filter(generation::Column::Reference.eq(reference))
        .order_by_desc(generation::Column::CreatedAt)
        .one(&state.db)
        .await?)
}

/// Checks that the call can be made, stores the generation and starts writing it.
pub async fn start(
    state: &AppState,
    caller: &Caller,
    new: NewText<'_>,
) -> Result<generation::Model> {
    let conn = provider::connection(state).await?;
    let scope = &caller.scope;
    let model = call::model_for(state, scope, new.model, &conn).await?;
    let quote = state
        .credits
        .can_perform(state, scope, new.feature.action())
        .await?;
    budget::check(&budget::of(&state.db, scope).await?, quote.cost)?;
    if !quote.allowed {
        return Err(Error::PaymentRequired {
            code: "insufficient-credits",
            message: format!(
                "Writing this with AI costs {} credits and the balance is {}. Buy credits on the billing page.",
                quote.cost, quote.balance
            ),
        });
    }
    let messages = new.prompt.messages();
    let id = Uuid::now_v7();
    let row = generation::ActiveModel {
        id: Set(id),
        workspace_id: Set(scope.workspace_id()),
        user_id: Set(caller.user_id),
        feature: Set(new.feature.as_str().into()),
        reference: Set(new.reference.chars().take(120).collect()),
        title: Set(new.title.chars().take(200).collect()),
        messages: Set(serde_json::to_value(&messages).map_err(Error::internal)?),
        model: Set(model.clone()),
        status: Set("running".into()),
        output: Set(String::new()),
        error: Set(None),
        call_id: Set(None),
        // `{id}` in the path is this text's id (the feature's editor of it).
        next_path: Set(new.next_path.map(|p| p.replace("{id}", &id.to_string()))),
        created_at: Set(platform::db::now()),
        started_at: Set(Some(platform::db::now())),
        finished_at: Set(None),
    }
    .insert(&state.db)
    .await?;
    let hub = Hub::register(row.id);
    tokio::spawn(run(
        state.clone(),
        caller.clone(),
        row.clone(),
        new.feature,
        messages,
        hub,
    ));
    Ok(row)
}

async fn run(
    state: AppState,
    caller: Caller,
    row: generation::Model,
    feature: AiFeature,
    messages: Vec<Message>,
    hub: Arc<Hub>,
) {
    let id = row.id;
    // Writes the text so far to the row while the call runs (viewers on other nodes).
    let flusher = {
        let state = state.clone();
        let hub = hub.clone();
        tokio::spawn(async move {
            let mut written = 0;
            loop {
                tokio::time::sleep(FLUSH_EVERY).await;
                let text = hub.text();
                if text.len() != written {
                    written = text.len();
                    let _ = generation::Entity::update_many()
                        .col_expr(
                            generation::Column::Output,
                            sea_orm::sea_query::Expr::value(text),
                        )
                        .filter(generation::Column::Id.eq(id))
                        .filter(generation::Column::Status.eq("running"))
                        .exec(&state.db)
                        .await;
                }
            }
        })
    };
    let reference = row.reference.clone();
    let model = row.model.clone();
    let mut on_text = |piece: &str| hub.push(piece);
    let result = call::complete(
        &state,
        &caller,
        Ask {
            feature,
            messages: &messages,
            model: Some(&model),
            reference: &reference,
            generation_id: Some(id),
        },
        &mut on_text,
    )
    .await;
    flusher.abort();
    let mut active: generation::ActiveModel = row.into();
    active.finished_at = Set(Some(platform::db::now()));
    match result {
        Ok(answer) => {
            active.status = Set("done".into());
            active.output = Set(answer.text);
            active.call_id = Set(Some(answer.call.id));
        }
        Err(e) => {
            active.status = Set("failed".into());
            active.output = Set(hub.text());
            active.error = Set(Some(customer_message(&e)));
        }
    }
    if let Err(e) = active.update(&state.db).await {
        tracing::error!(generation = %id, error = %e, "storing an AI text failed");
    }
    hub.finish();
    Hub::unregister(id);
}

/// What a failed generation says (the error's own sentence; internals stay hidden).
fn customer_message(e: &Error) -> String {
    match e {
        Error::Database(_) | Error::Internal(_) => {
            "Something went wrong while writing; nothing was charged. Ask again.".into()
        }
        other => other.to_string(),
    }
}

/// What a viewer receives.
#[derive(Debug, Clone)]
pub enum Update {
    /// More text (append it).
    Text(String),
    /// Finished (done or failed): the row as stored.
    Finished(Box<generation::Model>),
}

/// Follows a generation of the caller's workspace: the text so far, the rest as it comes,
/// then the finished row.
pub async fn follow(
    state: &AppState,
    scope: &Scope,
    id: Uuid,
) -> Result<impl Stream<Item = Update> + use<>> {
    let row = find_in(state, scope, id).await?;
    let (mut tx, rx) = mpsc::channel::<Update>(64);
    let state = state.clone();
    tokio::spawn(async move {
        if is_finished(&row) {
            let _ = tx.send(Update::Finished(Box::new(row))).await;
            return;
        }
        if let Some(hub) = Hub::get(id) {
            let (so_far, mut pieces) = hub.subscribe();
            if !so_far.is_empty() && tx.send(Update::Text(so_far)).await.is_err() {
                return;
            }
            loop {
                match pieces.recv().await {
                    Ok(Piece::Text(t)) => {
                        if tx.send(Update::Text(t)).await.is_err() {
                            return;
                        }
                    }
                    Ok(Piece::Finished) | Err(broadcast::error::RecvError::Closed) => break,
                    // Fell behind (a very slow viewer): the finished row has the whole text.
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                }
            }
        }
        // Not written here, or just finished: read the row until it is finished.
        let mut sent = None::<usize>;
        loop {
            let Ok(Some(current)) = generation::Entity::find_by_id(id).one(&state.db).await else {
                return;
            };
            if is_finished(&current) {
                let _ = tx.send(Update::Finished(Box::new(current))).await;
                return;
            }
            if let Some(n) = sent {
                if current.output.len() > n
                    && let Some(more) = current.output.get(n..)
                    && tx.send(Update::Text(more.to_string())).await.is_err()
                {
                    return;
                }
            } else if !current.output.is_empty()
                && tx.send(Update::Text(current.output.clone())).await.is_err()
            {
                return;
            }
            sent = Some(current.output.len());
            tokio::time::sleep(POLL_EVERY).await;
        }
    });
    Ok(rx)
}

#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Finished,
}

/// The text of a generation being written in this process.
struct Hub {
    text: Mutex<String>,
    tx: broadcast::Sender<Piece>,
}

fn hubs() -> &'static Mutex<HashMap<Uuid, Arc<Hub>>> {
    static HUBS: OnceLock<Mutex<HashMap<Uuid, Arc<Hub>>>> = OnceLock::new();
    HUBS.get_or_init(Default::default)
}

impl Hub {
    fn register(id: Uuid) -> Arc<Hub> {
        // Room for a whole answer's pieces (a token each), so no viewer falls behind.
        let (tx, _) = broadcast::channel(4096);
        let hub = Arc::new(Hub {
            text: Mutex::new(String::new()),
            tx,
        });
        hubs()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, hub.clone());
        hub
    }

    fn get(id: Uuid) -> Option<Arc<Hub>> {
        hubs()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }

    fn unregister(id: Uuid) {
        hubs().lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    }

    fn push(&self, piece: &str) {
        // Appending and sending under one lock: a viewer subscribing meanwhile gets the piece
        // either in its "so far" or as a message, never both, never neither.
        let mut text = self.text.lock().unwrap_or_else(|p| p.into_inner());
        text.push_str(piece);
        let _ = self.tx.send(Piece::Text(piece.to_string()));
    }

    fn finish(&self) {
        let _guard = self.text.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self.tx.send(Piece::Finished);
    }

    fn text(&self) -> String {
        self.text.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn subscribe(&self) -> (String, broadcast::Receiver<Piece>) {
        let text = self.text.lock().unwrap_or_else(|p| p.into_inner());
        (text.clone(), self.tx.subscribe())
    }
}
