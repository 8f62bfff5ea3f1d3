//! The circuit breaker: after repeated failures of the model server, calls fail fast for a
//! while instead of each waiting out its timeouts and retries; then one call is let through
//! (half-open) and its result closes or reopens the circuit.
//!
//! State is per process and per base URL (a node learns of the outage from its own calls; a
//! cluster of N nodes sends at most N trial calls per pause). Failures that say nothing about
//! the server's health — a refused key, an unknown model, a refused request — do not count.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

/// How the breaker and the client behave for one base URL.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Consecutive failures that open the circuit.
    pub failures_to_open: u32,
    /// How long it stays open.
    pub open_for: Duration,
    /// Waiting for the answer's headers (a local model loading may take a while).
    pub first_byte_timeout: Duration,
    /// Silence between two streamed chunks.
    pub idle_timeout: Duration,
    /// Attempts per call (retries on 429 and 5xx before the first token).
    pub attempts: u32,
    /// A `Retry-After` longer than this is not waited for: the call fails and says when.
    pub max_retry_wait: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            failures_to_open: 5,
            open_for: Duration::from_secs(60),
            first_byte_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            attempts: 3,
            max_retry_wait: Duration::from_secs(20),
        }
    }
}

#[derive(Debug, Default)]
struct Circuit {
    failures: u32,
    open_until: Option<Instant>,
    /// A trial call is under way (half-open): others still fail fast.
    trial: bool,
    tuning: Option<Tuning>,
}

fn circuits() -> &'static Mutex<HashMap<String, Circuit>> {
    static CIRCUITS: OnceLock<Mutex<HashMap<String, Circuit>>> = OnceLock::new();
    CIRCUITS.get_or_init(Default::default)
}

fn with<T>(base: &str, f: impl FnOnce(&mut Circuit) -> T) -> T {
    let mut all = circuits().lock().unwrap_or_else(|p| p.into_inner());
    f(all.entry(base.to_string()).or_default())
}

/// Sets the tuning of one base URL (tests use short pauses; a server may need longer
/// timeouts).
pub fn tune(base: &str, tuning: Tuning) {
    with(base, |c| c.tuning = Some(tuning));
}

pub fn tuning(base: &str) -> Tuning {
    with(base, |c| c.tuning.unwrap_or_default())
}

/// Whether a call may go out now; `Err(seconds)` while the circuit is open.
pub fn admit(base: &str) -> Result<(), u64> {
    with(base, |c| {
        let Some(until) = c.open_until else {
            return Ok(());
        };
        let now = Instant::now();
        if now < until {
            return Err((until - now).as_secs().max(1));
        }
        if c.trial {
            // The pause is over but the trial call has not come back yet.
            return Err(1);
        }
        c.trial = true;
        Ok(())
    })
}

/// The call reached the server and it answered properly.
pub fn succeeded(base: &str) {
    with(base, |c| {
        c.failures = 0;
        c.open_until = None;
        c.trial = false;
    });
}

/// The server failed (unreachable, 5xx, timed out, rate-limited after retries, unreadable).
pub fn failed(base: &str) {
    with(base, |c| {
        let tuning = c.tuning.unwrap_or_default();
        c.failures += 1;
        if c.trial || c.failures >= tuning.failures_to_open {
            c.open_until = Some(Instant::now() + tuning.open_for);
            c.trial = false;
        }
    });
}

/// A call that ended without saying anything of the server's health (cancelled, refused key).
pub fn neutral(base: &str) {
    with(base, |c| c.trial = false);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_repeated_failures_then_lets_one_trial_through() {
        let base = "http://breaker-unit-test";
        tune(
            base,
            Tuning {
                failures_to_open: 3,
                open_for: Duration::from_millis(50),
                ..Tuning::default()
            },
        );
        for _ in 0..2 {
            assert!(admit(base).is_ok());
            failed(base);
        }
        assert!(admit(base).is_ok(), "two failures leave it closed");
        failed(base);
        assert!(admit(base).is_err(), "the third opens it");
        std::thread::sleep(Duration::from_millis(60));
        assert!(admit(base).is_ok(), "the pause over, one trial goes");
        assert!(admit(base).is_err(), "a second waits for the trial");
        failed(base);
        assert!(admit(base).is_err(), "a failed trial reopens at once");
        std::thread::sleep(Duration::from_millis(60));
        assert!(admit(base).is_ok());
        succeeded(base);
        assert!(
            admit(base).is_ok() && admit(base).is_ok(),
            "a good trial closes it"
        );
    }
}
