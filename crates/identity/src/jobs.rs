//! Background jobs of the identity feature.

use platform::{
    AppState,
    db::now,
    jobs::{Job, JobError, JobMeta, cron::Schedule},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::model::{oauth_state, one_time_token, session};

/// Daily housekeeping: expired sessions, links and sign-in attempts, and throttle counters
/// whose window is long over. Nothing here is needed once expired; the audit log keeps the
/// history.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PruneExpired {}

impl Job for PruneExpired {
    const KIND: &'static str = "identity.prune_expired";
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(self, state: AppState, _: JobMeta) -> Result<(), JobError> {
        let t = now();
        let sessions = session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lt(t))
            .exec(&state.db)
            .await?;
        // Used or expired links are kept a day, so a late click still explains itself.
        let links = one_time_token::Entity::delete_many()
            .filter(one_time_token::Column::ExpiresAt.lt(t - chrono::Duration::days(1)))
            .exec(&state.db)
            .await?;
        let attempts = oauth_state::Entity::delete_many()
            .filter(oauth_state::Column::ExpiresAt.lt(t))
            .exec(&state.db)
            .await?;
        let window = chrono::Duration::seconds(state.config.throttle_window_secs as i64);
        let counters = platform::throttle::prune(&state.db, t - window).await?;
        let devices = crate::service::devices::prune(&state.db).await?;
        tracing::info!(
            sessions = sessions.rows_affected,
            links = links.rows_affected,
            sign_in_attempts = attempts.rows_affected,
            throttle_counters = counters,
            remembered_devices = devices,
            "pruned expired identity records"
        );
        Ok(())
    }
}

pub fn schedules() -> Vec<Schedule> {
    vec![Schedule::new(
        "prune_identity",
        "41 3 * * *",
        PruneExpired::default,
    )]
}
