//! Cron schedules declared in code (`Schedule::new`), overridable in config
//! (`[cron] name = "expr"`, or `GROWTHDECK_CRON='{name="expr"}'`; `"off"` disables one).
//!
//! Every node runs the scheduler. At each tick every node enqueues the tick's job with the
//! unique key `cron:<name>:<tick time>`, so exactly one job exists per tick however many
//! nodes there are, and a node that is down costs nothing.

use std::{str::FromStr, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use croner::Cron;
use tokio::sync::watch;

use super::{Enqueue, Job, enqueue_raw};
use crate::{error::Result, state::AppState};

type MakePayload = Arc<dyn Fn() -> Result<serde_json::Value> + Send + Sync>;

#[derive(Clone)]
pub struct Schedule {
    pub name: &'static str,
    pub expr: String,
    kind: &'static str,
    queue: &'static str,
    max_attempts: i32,
    payload: MakePayload,
}

impl Schedule {
    /// `expr` is standard cron (`0 */6 * * *`), optionally with a leading seconds field.
    pub fn new<J: Job>(name: &'static str, expr: &str, make: fn() -> J) -> Self {
        Self {
            name,
            expr: expr.to_string(),
            kind: J::KIND,
            queue: J::QUEUE,
            max_attempts: J::MAX_ATTEMPTS,
            payload: Arc::new(move || serde_json::to_value(make()).map_err(crate::Error::internal)),
        }
    }
}

/// Applies config overrides; an unparsable expression is a start-up error, not a silent skip.
pub fn effective(
    schedules: Vec<Schedule>,
    overrides: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<(Schedule, Cron)>> {
    let mut out = Vec::new();
    for mut s in schedules {
        if let Some(expr) = overrides.get(s.name) {
            s.expr = expr.clone();
        }
        if s.expr.trim() == "off" {
            continue;
        }
        let cron = Cron::from_str(&s.expr).map_err(|e| {
            crate::Error::internal(format!("cron schedule {}: {:?}: {e}", s.name, s.expr))
        })?;
        out.push((s, cron));
    }
    Ok(out)
}

fn next_after(cron: &Cron, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    cron.find_next_occurrence(&t, false).ok()
}

/// Enqueues the job of one tick (a duplicate from another node is a no-op).
pub async fn enqueue_tick(
    state: &AppState,
    schedule: &Schedule,
    tick: DateTime<Utc>,
) -> Result<bool> {
    let opts = Enqueue {
        unique: Some((
            format!("cron:{}:{}", schedule.name, tick.timestamp()),
            Duration::from_secs(2 * 86_400),
        )),
        run_at: Some(tick),
        ..Enqueue::default()
    };
    let id = enqueue_raw(
        &state.db,
        schedule.kind,
        schedule.queue,
        (schedule.payload)()?,
        schedule.max_attempts,
        &opts,
    )
    .await?;
    if id.is_some() {
        state.jobs.wake();
    }
    Ok(id.is_some())
}

/// The scheduler loop of this node; ends when `stop` turns true.
pub async fn run(
    state: AppState,
    schedules: Vec<(Schedule, Cron)>,
    mut stop: watch::Receiver<bool>,
) {
    if schedules.is_empty() {
        return;
    }
    let now = Utc::now();
    let mut next: Vec<Option<DateTime<Utc>>> =
        schedules.iter().map(|(_, c)| next_after(c, now)).collect();
    loop {
        let Some(soonest) = next.iter().flatten().min().copied() else {
            return;
        };
        let wait = (soonest - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        let now = Utc::now();
        for (i, (schedule, cron)) in schedules.iter().enumerate() {
            let Some(tick) = next[i] else { continue };
            if tick > now {
                continue;
            }
            match enqueue_tick(&state, schedule, tick).await {
                Ok(true) => tracing::debug!(schedule = schedule.name, %tick, "cron job enqueued"),
                Ok(false) => {
                    tracing::debug!(schedule = schedule.name, %tick, "cron tick already enqueued by another node")
                }
                Err(e) => {
                    tracing::warn!(schedule = schedule.name, error = %e, "cron enqueue failed")
                }
            }
            next[i] = next_after(cron, tick);
        }
    }
}
