//! Billing's background work: releasing credit reservations whose work never reported back.

use platform::{
    AppState,
    jobs::{Job, JobError, JobMeta, cron::Schedule},
};
use serde::{Deserialize, Serialize};

/// Releases reservations held for over an hour (a process died mid-work).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ReleaseStaleReservations;

impl Job for ReleaseStaleReservations {
    const KIND: &'static str = "billing.release_stale_reservations";

    async fn run(self, state: AppState, _: JobMeta) -> std::result::Result<(), JobError> {
        let n =
            crate::service::credits::release_stale(&state.db, chrono::Duration::hours(1)).await?;
        if n > 0 {
            tracing::warn!(released = n, "released credit reservations held too long");
        }
        Ok(())
    }
}

pub fn schedules() -> Vec<Schedule> {
    vec![Schedule::new(
        "billing_release_reservations",
        "*/10 * * * *",
        ReleaseStaleReservations::default,
    )]
}
