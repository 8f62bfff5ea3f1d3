//! One call to the model, the way every feature makes it: the model the workspace may use,
//! its monthly AI budget, the circuit breaker, credits held before the call and captured
//! after it (released when it fails: a failed call costs nothing), the streamed answer handed
//! on piece by piece, and one meter row whatever happened.
//!
//! Order matters: the budget and the breaker are asked before the credits are held, so a
//! refusal holds nothing; the meter row is written after the capture or release, so its
//! `credits` is what was really spent.

use std::time::Instant;

use chrono::Utc;
use platform::{
    AppState, Ctx, Error, Result, Scope,
    credits::Actor,
    notify::{self, Notice},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    budget,
    features::AiFeature,
    meter::{self, Reading},
    model::call,
    models,
    provider::{self, Failure, breaker, client, wire::Message},
};

/// Who is asking, in which workspace.
#[derive(Debug, Clone)]
pub struct Caller {
    pub scope: Scope,
    pub user_id: Option<Uuid>,
}

impl Caller {
    /// A member who may change the workspace's data (an AI call spends its credits; a
    /// read-only token cannot make one).
    pub fn of(ctx: &Ctx) -> Result<Self> {
        ctx.require(platform::Permission::WorkspaceWrite)?;
        Ok(Caller {
            scope: Scope::of(ctx)?,
            user_id: Some(ctx.user_id()),
        })
    }

    /// Work of the server itself for a workspace (a job).
    pub fn system(scope: Scope) -> Self {
        Caller {
            scope,
            user_id: None,
        }
    }

    fn actor(&self) -> Actor {
        match self.user_id {
            Some(id) => Actor::User(id),
            None => Actor::System,
        }
    }
}

/// What to ask.
#[derive(Debug, Clone)]
pub struct Ask<'a> {
    pub feature: AiFeature,
    pub messages: &'a [Message],
    /// A model the caller chose (checked against the enabled ones); None: the workspace's or
    /// the server's default.
    pub model: Option<&'a str>,
    /// The asking feature's name for the subject ("audit:<id>"), on the ledger entry.
    pub reference: &'a str,
    pub generation_id: Option<Uuid>,
}

/// The answer and its meter row.
#[derive(Debug, Clone)]
pub struct Answer {
    pub text: String,
    pub model: String,
    pub call: call::Model,
}

/// The model a workspace's call uses.
pub async fn model_for(
    state: &AppState,
    scope: &Scope,
    requested: Option<&str>,
    conn: &provider::Connection,
) -> Result<String> {
    models::ensure_default(&state.db, &conn.default_model).await?;
    if let Some(m) = requested.map(str::trim).filter(|m| !m.is_empty()) {
        return Ok(models::require_enabled(&state.db, m, "model").await?.model);
    }
    let settings = budget::of(&state.db, scope).await?;
    if let Some(m) = settings.model
        && let Some(row) = models::find(&state.db, &m).await?
        && row.enabled
    {
        return Ok(row.model);
    }
    match models::find(&state.db, &conn.default_model).await? {
        Some(row) if row.enabled => Ok(row.model),
        _ => Err(Error::NotConfigured {
            code: "ai-no-model",
            message:
                "No AI model is enabled on this server: a super admin enables one under AI models."
                    .into(),
        }),
    }
}

/// Makes the call, streaming the answer's pieces into `on_text`.
pub async fn complete(
    state: &AppState,
    caller: &Caller,
    ask: Ask<'_>,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<Answer> {
    let conn = provider::connection(state).await?;
    let scope = &caller.scope;
    let model = model_for(state, scope, ask.model, &conn).await?;
    let action = ask.feature.action();
    let quote = state.credits.can_perform(state, scope, action).await?;
    budget::check(&budget::of(&state.db, scope).await?, quote.cost)?;

    let reading = |outcome: &'static str,
                   error: Option<String>,
                   attempts: u32,
                   first: Option<std::time::Duration>,
                   started: Instant| Reading {
        workspace_id: Some(scope.workspace_id()),
        user_id: caller.user_id,
        feature: ask.feature.as_str(),
        model: model.clone(),
        prompt_tokens: 0,
        completion_tokens: 0,
        usage_estimated: false,
        latency_ms: started.elapsed().as_millis() as i64,
        first_token_ms: first.map(|d| d.as_millis() as i64),
        attempts: attempts as i32,
        outcome,
        error,
        cost_micros: 0,
        credits: 0,
        generation_id: ask.generation_id,
    };

    if let Err(secs) = breaker::admit(&conn.base_url) {
        let failure = Failure::CircuitOpen {
            retry_after_secs: secs,
        };
        meter::record(
            &state.db,
            reading(
                failure.outcome(),
                Some(failure.detail()),
                0,
                None,
                Instant::now(),
            ),
        )
        .await?;
        return Err(failure.into());
    }

    let actor = caller.actor();
    let held = state
        .credits
        .reserve(state, scope, action, &actor, Some(ask.reference))
        .await
        .inspect_err(|_| breaker::neutral(&conn.base_url))?;
    let tuning = breaker::tuning(&conn.base_url);
    let started = Instant::now();
    let result = client::stream_chat(
        &conn,
        &tuning,
        &model,
        ask.messages,
        Some(ask.feature.max_tokens()),
        on_text,
    )
    .await;

    match result {
        Ok(streamed) => {
            breaker::succeeded(&conn.base_url);
            state.credits.capture(state, scope, held.id, &actor).await?;
            let (prompt_tokens, completion_tokens, estimated) = match streamed.usage {
                Some(u) => (u.prompt_tokens, u.completion_tokens, false),
                None => (
                    estimate_tokens(ask.messages.iter().map(|m| m.content.as_str())),
                    estimate_tokens([streamed.text.as_str()]),
                    true,
                ),
            };
            let price = models::find(&state.db, &model).await?;
            let cost = price
                .map(|p| {
                    models::cost_micros(
                        prompt_tokens,
                        completion_tokens,
                        p.input_micros_per_million,
                        p.output_micros_per_million,
                    )
                })
                .unwrap_or(0);
            let mut r = reading("ok", None, streamed.attempts, streamed.first_token, started);
            r.prompt_tokens = prompt_tokens;
            r.completion_tokens = completion_tokens;
            r.usage_estimated = estimated;
            r.cost_micros = cost;
            r.credits = held.cost;
            let row = meter::record(&state.db, r).await?;
            if let Err(e) = budget::warn_if_near(state, scope).await {
                tracing::warn!(error = %e, "AI budget warning not sent");
            }
            Ok(Answer {
                text: streamed.text,
                model,
                call: row,
            })
        }
        Err(failed) => {
            if failed.failure.is_health() {
                breaker::failed(&conn.base_url);
            } else {
                breaker::neutral(&conn.base_url);
            }
            if let Err(e) = state
                .credits
                .release(state, scope, held.id, &actor, "the AI call failed")
                .await
            {
                // The wallet's sweeper releases it later.
                tracing::error!(reservation = %held.id, error = %e, "releasing AI credits failed");
            }
            let mut r = reading(
                failed.failure.outcome(),
                Some(failed.failure.detail()),
                failed.attempts,
                failed.first_token,
                started,
            );
            r.completion_tokens = estimate_tokens([failed.partial.as_str()]);
            r.usage_estimated = true;
            meter::record(&state.db, r).await?;
            if let Err(e) = watch_errors(state).await {
                tracing::warn!(error = %e, "AI error-spike check failed");
            }
            Err(failed.failure.into())
        }
    }
}

/// About four characters per token (OpenAI's rule of thumb for English), for servers that do
/// not report usage; marked as estimated wherever shown.
pub fn estimate_tokens<'a>(texts: impl IntoIterator<Item = &'a str>) -> i64 {
    let chars: usize = texts.into_iter().map(|t| t.chars().count()).sum();
    chars.div_ceil(4) as i64
}

/// Failures in the last 10 minutes that make a spike: at least this many, and at least half
/// of the calls.
const SPIKE_FAILURES: i64 = 10;

/// Tells staff (system audience) when AI calls fail in bulk, at most once an hour.
async fn watch_errors(state: &AppState) -> Result<()> {
    let (failed, requests) = meter::recent_failures(&state.db, 10).await?;
    if failed < SPIKE_FAILURES || failed * 2 < requests {
        return Ok(());
    }
    let hour_ago = Utc::now() - chrono::Duration::hours(1);
    let recent = notify::entity::Entity::find()
        .filter(notify::entity::Column::Kind.eq("ai.errors_spike"))
        .filter(notify::entity::Column::CreatedAt.gte(hour_ago))
        .count(&state.db)
        .await?;
    if recent > 0 {
        return Ok(());
    }
    notify::send(
        &state.db,
        &state.events,
        Notice {
            kind: "ai.errors_spike",
            audience: notify::audience::SYSTEM,
            title: "AI calls are failing".into(),
            body: format!(
                "{failed} of {requests} AI calls failed in the last 10 minutes; the failures by kind are on the AI usage page."
            ),
            link: Some("/admin/ai".into()),
        },
    )
    .await
}

/// The connection test of the back office: lists the server's models (no credits, metered
/// with no workspace).
pub async fn test_connection(state: &AppState) -> std::result::Result<Vec<String>, Failure> {
    let conn = provider::connection(state).await?;
    let tuning = breaker::tuning(&conn.base_url);
    client::list_models(&conn, &tuning).await
}
