//! Rate-limit pacing for the Graph API. Every answer carries how much of its budget the app
//! has used: `X-App-Usage` (the app's platform limit) and `X-Business-Use-Case-Usage` (per
//! Instagram account and app: `calls per 24 h = 4800 × impressions`), as percentages, plus
//! `estimated_time_to_regain_access` (minutes) once blocked.
//! <https://developers.facebook.com/docs/graph-api/overview/rate-limiting>
//!
//! The last usage seen per app–user (and for the app as a whole) is kept in memory, shared by
//! every call of this process, so the *next* call knows before it is made: past
//! [`Pacing::slow_from`] calls are spaced out, past [`Pacing::stop_from`] none is made until
//! the window frees — Meta penalises apps that keep calling once throttled. Usage decays over
//! a rolling window, so a reading older than [`Pacing::forget_after`] no longer counts.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

use reqwest::header::HeaderMap;
use serde::Deserialize;

/// When to slow down and when to stop.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// Past this percentage of any budget, calls are spaced out…
    pub slow_from: f64,
    /// …by this much per percentage point above `slow_from`.
    pub slow_step: Duration,
    /// Past this percentage no call is made until the window frees.
    pub stop_from: f64,
    /// How long to stay away when Meta gives no estimate of its own.
    pub default_pause: Duration,
    /// A reading this old is forgotten (the budgets are rolling windows).
    pub forget_after: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            slow_from: 80.0,
            // 85 % → 2 s between calls, 95 % → 6 s: a few hundred calls an hour at most.
            slow_step: Duration::from_millis(400),
            stop_from: 95.0,
            default_pause: Duration::from_secs(600),
            forget_after: Duration::from_secs(3600),
        }
    }
}

/// One reading of a budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The highest of call count, CPU time and total time, in percent.
    pub percent: f64,
    /// Meta's estimate of when access comes back, when it gave one (seconds).
    pub regain_secs: Option<u64>,
    pub seen_at: Instant,
}

/// What the next call should do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    Go,
    /// Wait this long, then call.
    Wait(Duration),
    /// Do not call; try again after this many seconds.
    Stop {
        retry_after_secs: u64,
    },
}

fn readings() -> &'static Mutex<HashMap<String, Reading>> {
    static READINGS: OnceLock<Mutex<HashMap<String, Reading>>> = OnceLock::new();
    READINGS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Stores a reading under `key` (the newest reading replaces the previous one).
pub fn record(key: &str, reading: Reading) {
    let mut map = match readings().lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    // Old readings of other keys go on the way: the map stays as small as the active set.
    map.retain(|_, r| r.seen_at.elapsed() < Duration::from_secs(86_400));
    map.insert(key.to_string(), reading);
}

/// Forgets the readings of one API base (`{base}|…` keys): its host was replaced — or, in
/// tests, its local server is gone and the next one may get the same port.
pub fn forget(base: &str) {
    let prefix = format!("{}|", base.trim_end_matches('/'));
    let mut map = match readings().lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    map.retain(|k, _| !k.starts_with(&prefix));
}

/// The decision for a call that counts against every budget named in `keys`.
pub fn decide(keys: &[String], pacing: &Pacing) -> Decision {
    let map = match readings().lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    let mut decision = Decision::Go;
    for r in keys.iter().filter_map(|k| map.get(k)) {
        let age = r.seen_at.elapsed();
        if age >= pacing.forget_after {
            continue;
        }
        let next = if r.percent > pacing.stop_from {
            let pause = r
                .regain_secs
                .filter(|s| *s > 0)
                .map(Duration::from_secs)
                .unwrap_or(pacing.default_pause);
            match pause.checked_sub(age) {
                // Once the pause is over one call may go: its answer tells the new usage.
                None => Decision::Go,
                // Rounded up: waiting a little long is fine, calling early is not.
                Some(left) => Decision::Stop {
                    retry_after_secs: (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1),
                },
            }
        } else if r.percent > pacing.slow_from {
            Decision::Wait(pacing.slow_step.mul_f64(r.percent - pacing.slow_from))
        } else {
            Decision::Go
        };
        decision = stricter(decision, next);
    }
    decision
}

fn stricter(a: Decision, b: Decision) -> Decision {
    match (a, b) {
        (
            Decision::Stop {
                retry_after_secs: x,
            },
            Decision::Stop {
                retry_after_secs: y,
            },
        ) => Decision::Stop {
            retry_after_secs: x.max(y),
        },
        (s @ Decision::Stop { .. }, _) | (_, s @ Decision::Stop { .. }) => s,
        (Decision::Wait(x), Decision::Wait(y)) => Decision::Wait(x.max(y)),
        (w @ Decision::Wait(_), _) | (_, w @ Decision::Wait(_)) => w,
        _ => Decision::Go,
    }
}

#[derive(Debug, Default, Deserialize)]
struct Counts {
    #[serde(default)]
    call_count: Option<f64>,
    #[serde(default)]
    total_cputime: Option<f64>,
    #[serde(default)]
    total_time: Option<f64>,
    /// Minutes (business use case header only).
    #[serde(default)]
    estimated_time_to_regain_access: Option<f64>,
}

impl Counts {
    fn reading(&self, seen_at: Instant) -> Reading {
        let percent = [self.call_count, self.total_cputime, self.total_time]
            .into_iter()
            .flatten()
            .fold(0.0, f64::max);
        Reading {
            percent,
            regain_secs: self
                .estimated_time_to_regain_access
                .filter(|m| *m > 0.0)
                .map(|m| (m * 60.0).ceil() as u64),
            seen_at,
        }
    }
}

/// The usage an answer reported.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Reported {
    /// `X-App-Usage`: the app's own budget.
    pub app: Option<Reading>,
    /// `X-Business-Use-Case-Usage`: (business object id, i.e. the Instagram account, reading).
    pub accounts: Vec<(String, Reading)>,
}

impl Reported {
    /// The highest account reading (the one a call for that account is bound by).
    pub fn worst_account(&self) -> Option<Reading> {
        self.accounts
            .iter()
            .map(|(_, r)| *r)
            .reduce(|a, b| if b.percent > a.percent { b } else { a })
    }
}

/// Reads both usage headers; a malformed header is ignored (it only informs pacing).
pub fn parse(headers: &HeaderMap, seen_at: Instant) -> Reported {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let app = header("x-app-usage")
        .and_then(|v| serde_json::from_str::<Counts>(v).ok())
        .map(|c| c.reading(seen_at));
    let accounts = header("x-business-use-case-usage")
        .and_then(|v| serde_json::from_str::<HashMap<String, Vec<Counts>>>(v).ok())
        .map(|by_id| {
            by_id
                .into_iter()
                .filter_map(|(id, entries)| {
                    entries
                        .iter()
                        .map(|c| c.reading(seen_at))
                        .reduce(worse)
                        .map(|r| (id, r))
                })
                .collect()
        })
        .unwrap_or_default();
    Reported { app, accounts }
}

fn worse(a: Reading, b: Reading) -> Reading {
    Reading {
        percent: a.percent.max(b.percent),
        regain_secs: match (a.regain_secs, b.regain_secs) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        },
        seen_at: a.seen_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn both_headers_are_read() {
        let now = Instant::now();
        let r = parse(
            &headers(&[
                (
                    "x-app-usage",
                    r#"{"call_count":28,"total_time":25,"total_cputime":31}"#,
                ),
                (
                    "x-business-use-case-usage",
                    r#"{"17841400000000001":[{"type":"instagram","call_count":12,"total_cputime":88,"total_time":3,"estimated_time_to_regain_access":0}]}"#,
                ),
            ]),
            now,
        );
        assert_eq!(r.app.map(|a| a.percent), Some(31.0));
        assert_eq!(r.accounts.len(), 1);
        assert_eq!(r.accounts[0].0, "17841400000000001");
        assert_eq!(r.accounts[0].1.percent, 88.0);
        assert_eq!(r.accounts[0].1.regain_secs, None);
        let blocked = parse(
            &headers(&[(
                "x-business-use-case-usage",
                r#"{"1":[{"type":"instagram","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":7}]}"#,
            )]),
            now,
        );
        assert_eq!(
            blocked.worst_account().and_then(|r| r.regain_secs),
            Some(420)
        );
        assert_eq!(
            parse(&headers(&[("x-app-usage", "not json")]), now),
            Reported::default()
        );
    }

    #[test]
    fn slow_past_80_stop_past_95_until_the_window_frees() {
        let pacing = Pacing::default();
        let key = |s: &str| vec![format!("unit-test|{s}")];
        let at = |percent, regain_secs, ago: u64| Reading {
            percent,
            regain_secs,
            seen_at: Instant::now()
                .checked_sub(Duration::from_secs(ago))
                .unwrap(),
        };
        record("unit-test|calm", at(50.0, None, 0));
        assert_eq!(decide(&key("calm"), &pacing), Decision::Go);
        record("unit-test|busy", at(85.0, None, 0));
        assert_eq!(
            decide(&key("busy"), &pacing),
            Decision::Wait(Duration::from_secs(2))
        );
        record("unit-test|full", at(96.0, None, 0));
        assert_eq!(
            decide(&key("full"), &pacing),
            Decision::Stop {
                retry_after_secs: 600
            }
        );
        record("unit-test|blocked", at(100.0, Some(300), 100));
        assert_eq!(
            decide(&key("blocked"), &pacing),
            Decision::Stop {
                retry_after_secs: 200
            }
        );
        // The pause is over: one call may go and bring the new usage.
        record("unit-test|freed", at(100.0, Some(300), 301));
        assert_eq!(decide(&key("freed"), &pacing), Decision::Go);
        // An old reading no longer counts.
        record("unit-test|old", at(90.0, None, 4000));
        assert_eq!(decide(&key("old"), &pacing), Decision::Go);
        // The strictest budget wins.
        let both = vec!["unit-test|busy".to_string(), "unit-test|full".to_string()];
        assert!(matches!(decide(&both, &pacing), Decision::Stop { .. }));
    }
}
