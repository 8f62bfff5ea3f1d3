//! The demo source: a deterministic generator seeded by the username. Any valid username
//! resolves to a coherent persona ([`persona`]: name, language, niche, city and size read from
//! the username where it names them), who posts on an absolute timeline ([`posts`]: captions,
//! hashtags and comments in its language and niche; likes, comments, saves, shares, reach and
//! views from one draw per post, with engagement typical of its follower tier —
//! [`engagement`]), has a year of daily history, and pictures drawn locally ([`picture`]).
//!
//! "Deterministic" means: the same username and the same `now` give the same data; a later
//! `now` adds posts and grows counts, and never rewrites history. Everything it makes is
//! labelled `demo` wherever it is shown, and nothing links to instagram.com: there is no
//! Instagram page behind a demo post.

pub mod content;
pub mod engagement;
pub mod persona;
pub mod picture;
pub mod posts;
#[cfg(test)]
mod tests;

use chrono::{DateTime, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

pub use engagement::Tier;
pub use persona::Persona;

use super::{
    AccountInsightsDay, DataSource, FetchedComment, FetchedMedia, FetchedProfile, MediaInsights,
    MediaPage, ProfileDay, Source, SourceError, SourceResult, Target, Username,
};

/// When every demo account's timeline starts.
fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

fn seed(parts: &[&str]) -> u64 {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    let d = h.finalize();
    u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

fn rng(parts: &[&str]) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed(parts))
}

/// A standard normal value (Box–Muller), for log-normal spreads.
fn normal(r: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = r.random_range(f64::EPSILON..1.0);
    let u2: f64 = r.random_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Demo accounts a showcase workspace gets (`growthdeck demo`): own accounts, then tracked
/// competitors with a note. Chosen so that together they cover every niche, several
/// languages and follower tiers from nano to mega (a unit test keeps it so).
pub const SHOWCASE_ACCOUNTS: &[&str] = &[
    "demo.travel.mia",
    "demo.fit.oliver",
    "demo.kitchen.sofia",
    "demo.style.chloe",
    "demo.tech.tiago",
];
pub const SHOWCASE_COMPETITORS: &[(&str, &str)] = &[
    ("demo.wanderlust.co", "travel competitor"),
    ("demo.run.harry", "fitness competitor"),
    ("demo.beauty.giulia", "beauty creator to watch"),
];

/// The demo [`DataSource`]. `now` is fixed in tests; the running source uses the clock.
pub struct DemoSource {
    now: Option<DateTime<Utc>>,
}

impl DemoSource {
    pub fn new() -> Self {
        Self { now: None }
    }

    /// A source whose clock stands still at `now` (tests, benchmarks).
    pub fn at(now: DateTime<Utc>) -> Self {
        Self { now: Some(now) }
    }

    fn now(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }
}

impl Default for DemoSource {
    fn default() -> Self {
        Self::new()
    }
}

fn persona(target: &Target) -> SourceResult<Persona> {
    Username::parse(&target.username)
        .map(|u| Persona::of(&u))
        .map_err(|_| SourceError::NotFound(target.username.clone()))
}

#[async_trait::async_trait]
impl DataSource for DemoSource {
    fn source(&self) -> Source {
        Source::Demo
    }

    async fn profile(&self, target: &Target) -> SourceResult<FetchedProfile> {
        Ok(persona(target)?.profile(self.now()))
    }

    async fn media(
        &self,
        target: &Target,
        after: Option<&str>,
        limit: usize,
    ) -> SourceResult<MediaPage> {
        let posts = persona(target)?.posts(self.now());
        let start = match after {
            Some(cursor) => cursor
                .parse::<usize>()
                .map_err(|_| SourceError::BadRequest(format!("bad cursor {cursor:?}")))?,
            None => 0,
        };
        let items: Vec<FetchedMedia> = posts.iter().skip(start).take(limit).cloned().collect();
        let end = start + items.len();
        Ok(MediaPage {
            next: (end < posts.len()).then(|| end.to_string()),
            items,
        })
    }

    async fn comments(&self, target: &Target, media_id: &str) -> SourceResult<Vec<FetchedComment>> {
        let persona = persona(target)?;
        let media = persona
            .post_by_id(media_id, self.now())
            .ok_or_else(|| SourceError::NotFound(media_id.to_string()))?;
        Ok(persona.comments(&media))
    }

    async fn media_insights(
        &self,
        target: &Target,
        media: &FetchedMedia,
    ) -> SourceResult<MediaInsights> {
        Ok(persona(target)?.media_insights(media, self.now()))
    }

    async fn account_insights(
        &self,
        target: &Target,
        days: u32,
    ) -> SourceResult<Vec<AccountInsightsDay>> {
        Ok(persona(target)?.account_insights(self.now(), days))
    }

    async fn history(&self, target: &Target, days: u32) -> SourceResult<Vec<ProfileDay>> {
        Ok(persona(target)?.history(self.now(), days))
    }
}
