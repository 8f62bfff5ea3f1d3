//! Rate limits of API clients: requests per minute in a fixed window per client (all its keys
//! together, so a rotation's overlap does not double a client's allowance), counted in this
//! process or — when Redis is configured — in Redis, so that every node of a scale-out shares
//! one count; and requests per month from the recorded usage (read with the key).
//!
//! A fixed window is what the `RateLimit-*` headers describe exactly (a limit, what is left,
//! and when it resets); its known cost is that a client may send up to twice its limit across a
//! window boundary. Redis keys are `gd:rl:<client>:<minute>`, expiring after two minutes.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{RedisLink, clients::Grant, clients::next_month};

/// One limit as the headers show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window starts again.
    pub reset_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    MinuteExceeded,
    MonthExceeded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    pub minute: Quota,
    pub month: Quota,
}

impl Decision {
    /// The limit the headers report: the one refusing, else the one with less left.
    pub fn shown(&self) -> Quota {
        match self.verdict {
            Verdict::MinuteExceeded => self.minute,
            Verdict::MonthExceeded => self.month,
            Verdict::Allowed if self.month.remaining < self.minute.remaining => self.month,
            Verdict::Allowed => self.minute,
        }
    }

    /// `RateLimit-Policy`: both windows (quota;w=seconds).
    pub fn policy(&self) -> String {
        format!("{};w=60, {};w=2592000", self.minute.limit, self.month.limit)
    }

    /// The refusal when the month's last requests went to concurrent ones meanwhile.
    pub fn month_spent(&self) -> Decision {
        Decision {
            verdict: Verdict::MonthExceeded,
            minute: self.minute,
            month: Quota {
                remaining: 0,
                ..self.month
            },
        }
    }

    pub fn retry_after(&self) -> Option<u64> {
        match self.verdict {
            Verdict::Allowed => None,
            _ => Some(self.shown().reset_secs.max(1)),
        }
    }
}

/// Per-client counts of the current minute, when no Redis is configured (one node).
#[derive(Default)]
struct LocalWindows {
    counts: Mutex<HashMap<Uuid, (u64, u64)>>,
}

impl LocalWindows {
    fn hit(&self, client: Uuid, window: u64) -> u64 {
        let mut counts = match self.counts.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Old windows are dropped once the map grows: one entry per active client remains.
        if counts.len() > 10_000 {
            counts.retain(|_, (w, _)| *w == window);
        }
        let entry = counts.entry(client).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        entry.1
    }
}

pub struct Limiter {
    local: LocalWindows,
    redis: Option<Arc<RedisLink>>,
}

impl Limiter {
    pub fn new(redis: Option<Arc<RedisLink>>) -> Self {
        Self {
            local: LocalWindows::default(),
            redis,
        }
    }

    /// Counts this request in the client's minute and returns the count so far.
    async fn count(&self, client: Uuid, window: u64) -> u64 {
        if let Some(redis) = &self.redis {
            let key = format!("gd:rl:{client}:{window}");
            let mut pipe = redis::pipe();
            pipe.atomic().incr(&key, 1u64).expire(&key, 120).ignore();
            match redis.query::<(u64,)>(pipe).await {
                Some((n,)) => return n,
                // Redis unreachable: keep limiting, per node, rather than not at all.
                None => metrics::counter!("social_ratelimit_redis_fallbacks_total").increment(1),
            }
        }
        self.local.hit(client, window)
    }

    /// Counts a request of `grant`'s client and decides on it.
    pub async fn decide(&self, grant: &Grant, at: DateTime<Utc>) -> Decision {
        let secs = at.timestamp().max(0) as u64;
        let window = secs / 60;
        let count = self.count(grant.client_id, window).await;
        let rpm = grant.limits.requests_per_minute;
        let minute = Quota {
            limit: rpm,
            remaining: rpm.saturating_sub(count),
            reset_secs: 60 - secs % 60,
        };
        let monthly = grant.limits.requests_per_month;
        let month_reset = (next_month(at) - at).num_seconds().max(1) as u64;
        let verdict = if count > rpm {
            Verdict::MinuteExceeded
        } else if grant.month_used >= monthly {
            Verdict::MonthExceeded
        } else {
            Verdict::Allowed
        };
        let used = grant.month_used + u64::from(verdict == Verdict::Allowed);
        Decision {
            verdict,
            minute,
            month: Quota {
                limit: monthly,
                remaining: monthly.saturating_sub(used),
                reset_secs: month_reset,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::social::tiers::Tier;

    fn grant(rpm: i64, month: i64, used: u64) -> Grant {
        Grant {
            key_id: Uuid::now_v7(),
            client_id: Uuid::now_v7(),
            limits: Tier::Pro.with_overrides(Some(rpm), Some(month), None),
            month_used: used,
        }
    }

    #[tokio::test]
    async fn minute_then_month() {
        let limiter = Limiter::new(None);
        let at = Utc::now();
        let g = grant(2, 100, 0);
        let first = limiter.decide(&g, at).await;
        assert_eq!(first.verdict, Verdict::Allowed);
        assert_eq!(first.minute.remaining, 1);
        assert_eq!(first.month.remaining, 99);
        assert_eq!(limiter.decide(&g, at).await.verdict, Verdict::Allowed);
        let third = limiter.decide(&g, at).await;
        assert_eq!(third.verdict, Verdict::MinuteExceeded);
        assert_eq!(third.shown().remaining, 0);
        assert!(third.retry_after().is_some_and(|s| (1..=60).contains(&s)));

        let spent = grant(10, 5, 5);
        let d = limiter.decide(&spent, at).await;
        assert_eq!(d.verdict, Verdict::MonthExceeded);
        assert_eq!(d.shown().limit, 5);
        assert_eq!(d.shown().remaining, 0);
    }
}
