//! Job types of the platform itself: pruning of finished jobs, and two diagnostics used by
//! `growthdeck jobs` commands, the benchmark and the crash tests.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use super::{Job, JobError, JobMeta, Registry, cron::Schedule, model};
use crate::{db::now, state::AppState};

/// Does nothing: measures the queue itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Noop {}

impl Job for Noop {
    const KIND: &'static str = "platform.noop";

    async fn run(self, _: AppState, _: JobMeta) -> Result<(), JobError> {
        Ok(())
    }
}

/// Sleeps: a job that takes a while (crash and shutdown tests, operator checks).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sleep {
    pub millis: u64,
}

impl Job for Sleep {
    const KIND: &'static str = "platform.sleep";

    async fn run(self, _: AppState, _: JobMeta) -> Result<(), JobError> {
        tokio::time::sleep(Duration::from_millis(self.millis)).await;
        Ok(())
    }
}

/// Deletes finished jobs older than a week and expired unique keys.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Prune {}

impl Job for Prune {
    const KIND: &'static str = "platform.prune_jobs";
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(self, state: AppState, _: JobMeta) -> Result<(), JobError> {
        let cutoff = now() - chrono::Duration::days(7);
        let jobs = model::job::Entity::delete_many()
            .filter(model::job::Column::State.is_in([model::COMPLETED, model::DISCARDED]))
            .filter(model::job::Column::CompletedAt.lt(cutoff))
            .exec(&state.db)
            .await?;
        let keys = model::unique::Entity::delete_many()
            .filter(model::unique::Column::ExpiresAt.lt(now()))
            .exec(&state.db)
            .await?;
        tracing::info!(
            jobs = jobs.rows_affected,
            unique_keys = keys.rows_affected,
            "pruned finished jobs"
        );
        Ok(())
    }
}

pub fn register(registry: Registry) -> Registry {
    registry
        .register::<Noop>()
        .register::<Sleep>()
        .register::<Prune>()
}

pub fn schedules() -> Vec<Schedule> {
    vec![Schedule::new("prune_jobs", "17 3 * * *", Prune::default)]
}
