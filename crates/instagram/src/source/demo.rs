//! The demo source: a deterministic generator seeded by the username. Any username resolves
//! to a plausible professional profile — follower tier, niche, main language — with posts on
//! an absolute timeline (so ids are stable and new posts appear as days pass), likes and
//! comments distributed by tier and format, counts that grow with a post's age, comments of
//! mixed sentiment, posting gaps, and private insights for demo-connected accounts.
//!
//! "Deterministic" means: the same username and the same `now` give the same data; a later
//! `now` adds posts and grows counts, and never rewrites history. Everything it makes is
//! labelled `demo` wherever it is shown.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use super::{
    AccountInsightsDay, DataSource, FetchedComment, FetchedMedia, FetchedProfile, MediaInsights,
    MediaPage, MediaType, Source, SourceError, SourceResult, Target,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Nano,
    Micro,
    Mid,
    Macro,
}

impl Tier {
    /// (min, max) followers at the epoch.
    fn followers(&self) -> (f64, f64) {
        match self {
            Tier::Nano => (1_000.0, 10_000.0),
            Tier::Micro => (10_000.0, 100_000.0),
            Tier::Mid => (100_000.0, 500_000.0),
            Tier::Macro => (500_000.0, 3_000_000.0),
        }
    }

    /// Typical likes per follower of a feed image (engagement falls as audiences grow).
    fn like_rate(&self) -> f64 {
        match self {
            Tier::Nano => 0.055,
            Tier::Micro => 0.03,
            Tier::Mid => 0.016,
            Tier::Macro => 0.009,
        }
    }
}

const NICHES: &[(&str, &[&str])] = &[
    (
        "fitness",
        &[
            "fitness",
            "workout",
            "gym",
            "healthylifestyle",
            "motivation",
            "fitfam",
        ],
    ),
    (
        "food",
        &[
            "foodie",
            "recipe",
            "homecooking",
            "foodphotography",
            "yummy",
            "vegan",
        ],
    ),
    (
        "travel",
        &[
            "travel",
            "wanderlust",
            "travelgram",
            "explore",
            "roadtrip",
            "sunset",
        ],
    ),
    (
        "fashion",
        &[
            "fashion",
            "ootd",
            "style",
            "streetstyle",
            "outfit",
            "vintage",
        ],
    ),
    (
        "tech",
        &[
            "tech",
            "gadgets",
            "coding",
            "setup",
            "startup",
            "productivity",
        ],
    ),
    (
        "beauty",
        &[
            "beauty",
            "skincare",
            "makeup",
            "selfcare",
            "glow",
            "naturalbeauty",
        ],
    ),
];

const LANGUAGES: &[&str] = &["en", "de", "es", "fr", "pt", "it"];

/// Caption openers per language (the niche's words fill in).
fn openers(lang: &str) -> &'static [&'static str] {
    match lang {
        "de" => &[
            "Neuer Tag, neues Ziel",
            "Heute teile ich mit euch",
            "Was sagt ihr dazu?",
            "Endlich Wochenende",
            "Kleiner Einblick in meinen Alltag",
        ],
        "es" => &[
            "Nuevo día, nueva meta",
            "Hoy os comparto",
            "¿Qué opináis?",
            "Por fin fin de semana",
            "Un pequeño vistazo a mi día",
        ],
        "fr" => &[
            "Nouveau jour, nouvel objectif",
            "Aujourd'hui je partage avec vous",
            "Qu'en pensez-vous ?",
            "Enfin le week-end",
            "Un petit aperçu de ma journée",
        ],
        "pt" => &[
            "Novo dia, nova meta",
            "Hoje compartilho com vocês",
            "O que acham?",
            "Finalmente fim de semana",
            "Um pouco do meu dia",
        ],
        "it" => &[
            "Nuovo giorno, nuovo obiettivo",
            "Oggi condivido con voi",
            "Che ne pensate?",
            "Finalmente weekend",
            "Un piccolo assaggio della mia giornata",
        ],
        _ => &[
            "New day, new goal",
            "Sharing something special today",
            "What do you think?",
            "Weekend mode on",
            "A little look at my day",
            "Swipe for the details",
        ],
    }
}

const EMOJI: &[&str] = &[
    "✨", "🔥", "💪", "🌿", "📸", "🙌", "😍", "☀️", "🎉", "❤️", "🚀", "🍃",
];

/// Comments of mixed sentiment: (text, sentiment) per language family.
fn comment_texts(lang: &str) -> &'static [(&'static str, &'static str)] {
    match lang {
        "de" => &[
            ("Wunderschön! 😍", "positive"),
            ("Mega Inspiration, danke!", "positive"),
            ("Wo ist das?", "neutral"),
            ("Gefällt mir nicht so sehr", "negative"),
            ("Toller Beitrag 🔥", "positive"),
            ("Schon wieder Werbung…", "negative"),
        ],
        "es" => &[
            ("¡Precioso! 😍", "positive"),
            ("Qué inspiración, gracias", "positive"),
            ("¿Dónde es esto?", "neutral"),
            ("No me convence", "negative"),
            ("¡Increíble! 🔥", "positive"),
            ("Otra vez publicidad…", "negative"),
        ],
        "fr" => &[
            ("Magnifique ! 😍", "positive"),
            ("Trop inspirant, merci", "positive"),
            ("C'est où ?", "neutral"),
            ("Pas convaincu", "negative"),
            ("Génial 🔥", "positive"),
            ("Encore de la pub…", "negative"),
        ],
        "pt" => &[
            ("Lindo! 😍", "positive"),
            ("Que inspiração, obrigado", "positive"),
            ("Onde é isso?", "neutral"),
            ("Não gostei muito", "negative"),
            ("Incrível 🔥", "positive"),
            ("Mais propaganda…", "negative"),
        ],
        "it" => &[
            ("Bellissimo! 😍", "positive"),
            ("Che ispirazione, grazie", "positive"),
            ("Dove si trova?", "neutral"),
            ("Non mi convince", "negative"),
            ("Fantastico 🔥", "positive"),
            ("Ancora pubblicità…", "negative"),
        ],
        _ => &[
            ("Love this! 😍", "positive"),
            ("So inspiring, thank you", "positive"),
            ("Where is this?", "neutral"),
            ("Not my favourite, honestly", "negative"),
            ("Amazing 🔥", "positive"),
            ("Too many ads lately…", "negative"),
            ("Saved for later", "positive"),
            ("How long did this take?", "neutral"),
        ],
    }
}

const FIRST_NAMES: &[&str] = &[
    "Mia", "Leon", "Sofia", "Lucas", "Emma", "Noah", "Lina", "Mateo", "Chloé", "Luca", "Ana",
    "Jonas", "Giulia", "Hugo", "Marta", "Theo",
];
const LAST_NAMES: &[&str] = &[
    "Weber", "García", "Martin", "Rossi", "Silva", "Becker", "Dubois", "López", "Costa", "Schmidt",
    "Moreau", "Ricci",
];

/// What a demo account is like: fixed by its username.
#[derive(Debug, Clone)]
pub struct Persona {
    pub username: String,
    pub tier: Tier,
    pub niche: usize,
    pub lang: &'static str,
    base_followers: f64,
    /// Yearly growth factor of followers (0.9–1.6).
    growth: f64,
    follows: i64,
    older_posts: i64,
    /// Mean days between posts.
    cadence_days: f64,
    full_name: String,
}

impl Persona {
    pub fn of(username: &str) -> Persona {
        let lower = username.trim().trim_start_matches('@').to_lowercase();
        let mut r = rng(&["persona", &lower]);
        let tier = match r.random_range(0..100) {
            0..40 => Tier::Nano,
            40..75 => Tier::Micro,
            75..93 => Tier::Mid,
            _ => Tier::Macro,
        };
        let (lo, hi) = tier.followers();
        let base_followers = (lo.ln() + r.random_range(0.0..1.0) * (hi.ln() - lo.ln())).exp();
        let niche = r.random_range(0..NICHES.len());
        let lang = LANGUAGES[r.random_range(0..LANGUAGES.len())];
        let full_name = format!(
            "{} {}",
            FIRST_NAMES[r.random_range(0..FIRST_NAMES.len())],
            LAST_NAMES[r.random_range(0..LAST_NAMES.len())]
        );
        Persona {
            tier,
            niche,
            lang,
            base_followers,
            growth: r.random_range(0.9..1.6),
            follows: r.random_range(150..2500),
            older_posts: r.random_range(20..900),
            cadence_days: r.random_range(1.2..4.5),
            full_name,
            username: lower,
        }
    }

    /// Followers on a given moment: smooth growth with a small daily wobble.
    pub fn followers_at(&self, at: DateTime<Utc>) -> i64 {
        let years = (at - epoch()).num_hours().max(0) as f64 / (24.0 * 365.0);
        let day = at.date_naive().to_string();
        let mut r = rng(&["followers", &self.username, &day]);
        let wobble = 1.0 + r.random_range(-0.002..0.002);
        (self.base_followers * self.growth.powf(years) * wobble).round() as i64
    }

    fn niche_name(&self) -> &'static str {
        NICHES[self.niche].0
    }

    fn tags(&self) -> &'static [&'static str] {
        NICHES[self.niche].1
    }

    /// Post `i` of the timeline (its time and everything fixed about it), or `None` when the
    /// timeline has not reached it by `now`.
    fn post_times(&self, until: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut r = rng(&["timeline", &self.username]);
        let mut t = epoch() + Duration::minutes(r.random_range(0..(24 * 60)));
        let mut times = Vec::new();
        while t <= until {
            times.push(t);
            // Mostly regular; sometimes a pause of one to four weeks (holidays, burn-out).
            let gap_days = if r.random_bool(0.03) {
                r.random_range(7.0..30.0)
            } else {
                -self.cadence_days * (1.0 - r.random_range(0.0..0.999_f64)).ln()
            };
            let next = t + Duration::minutes((gap_days * 24.0 * 60.0).max(90.0) as i64);
            // Snap to a plausible hour of posting (7–22 h).
            let hour = r.random_range(7..23);
            t = next
                .with_hour(hour)
                .and_then(|x| x.with_minute(r.random_range(0..60)))
                .unwrap_or(next);
            if t <= *times.last().unwrap_or(&epoch()) {
                t = *times.last().unwrap_or(&epoch()) + Duration::hours(3);
            }
        }
        times
    }

    fn media(&self, index: usize, posted_at: DateTime<Utc>, now: DateTime<Utc>) -> FetchedMedia {
        let id = format!(
            "demo_{}_{index}",
            seed(&["media", &self.username, &index.to_string()]) % 1_000_000_000_000
        );
        let mut r = rng(&["post", &self.username, &index.to_string()]);
        let media_type = match r.random_range(0..100) {
            0..50 => MediaType::Image,
            50..78 => MediaType::CarouselAlbum,
            _ => MediaType::Video,
        };
        let product_type = if media_type == MediaType::Video && r.random_bool(0.8) {
            "REELS"
        } else {
            "FEED"
        };
        let format_boost = match (media_type, product_type) {
            (MediaType::Video, "REELS") => 1.45,
            (MediaType::Video, _) => 1.1,
            (MediaType::CarouselAlbum, _) => 1.15,
            _ => 1.0,
        };
        let followers = self.followers_at(posted_at) as f64;
        // Log-normal spread around the tier's rate; a few posts break out.
        let spread = (0.45 * normal(&mut r)).exp();
        let breakout = if r.random_bool(0.04) {
            r.random_range(2.0..6.0)
        } else {
            1.0
        };
        let final_likes = followers * self.tier.like_rate() * format_boost * spread * breakout;
        // Counts grow with age and level off after about two days.
        let age_hours = (now - posted_at).num_minutes().max(0) as f64 / 60.0;
        let grown = 1.0 - (-age_hours / 14.0).exp();
        let likes = (final_likes * grown).round() as i64;
        let comment_ratio = r.random_range(0.015..0.06);
        let comments = (likes as f64 * comment_ratio).round() as i64;
        let views = (media_type == MediaType::Video)
            .then(|| (likes as f64 * r.random_range(8.0..25.0)).round() as i64);
        let lang = if r.random_bool(0.3) { "en" } else { self.lang };
        let opener = openers(lang)[r.random_range(0..openers(lang).len())];
        let tags: Vec<String> = (0..r.random_range(2..7))
            .map(|_| format!("#{}", self.tags()[r.random_range(0..self.tags().len())]))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let emoji = EMOJI[r.random_range(0..EMOJI.len())];
        let caption = format!(
            "{opener} {emoji} #{}\n\n{}",
            self.niche_name(),
            tags.join(" ")
        );
        let shortcode = format!(
            "D{}",
            &hex::encode(seed(&["code", &id]).to_le_bytes())[..10]
        );
        FetchedMedia {
            permalink: Some(format!("https://www.instagram.com/p/{shortcode}/")),
            shortcode: Some(shortcode),
            ig_media_id: id,
            caption: Some(caption),
            media_type,
            product_type: Some(product_type.to_string()),
            posted_at,
            like_count: Some(likes),
            comments_count: Some(comments),
            view_count: views,
            media_url: None,
            thumbnail_url: None,
        }
    }

    /// The profile as of `now`.
    pub fn profile(&self, now: DateTime<Utc>) -> FetchedProfile {
        let posts = self.post_times(now).len() as i64;
        let niche = self.niche_name();
        let bio = match self.lang {
            "de" => format!("{niche} · Tipps & Alltag ✨ Kooperationen per DM"),
            "es" => format!("{niche} · consejos y día a día ✨ Colaboraciones por DM"),
            "fr" => format!("{niche} · conseils & quotidien ✨ Collabs en DM"),
            "pt" => format!("{niche} · dicas e dia a dia ✨ Parcerias por DM"),
            "it" => format!("{niche} · consigli e quotidianità ✨ Collaborazioni in DM"),
            _ => format!("{niche} · tips & everyday life ✨ Collabs via DM"),
        };
        FetchedProfile {
            ig_user_id: Some(format!(
                "demo{}",
                seed(&["user", &self.username]) % 100_000_000_000
            )),
            username: self.username.clone(),
            full_name: Some(self.full_name.clone()),
            biography: Some(bio),
            website: Some(format!(
                "https://{}.example",
                self.username.replace(['.', '_'], "-")
            )),
            picture_url: None,
            followers_count: Some(self.followers_at(now)),
            follows_count: Some(self.follows),
            media_count: Some(self.older_posts + posts),
            is_verified: Some(self.tier == Tier::Macro),
            is_business: Some(true),
        }
    }

    /// The last year of posts as of `now`, newest first.
    pub fn posts(&self, now: DateTime<Utc>) -> Vec<FetchedMedia> {
        let from = now - Duration::days(365);
        let times = self.post_times(now);
        let mut out: Vec<FetchedMedia> = times
            .iter()
            .enumerate()
            .filter(|(_, t)| **t >= from)
            .map(|(i, t)| self.media(i, *t, now))
            .collect();
        out.reverse();
        out
    }

    pub fn comments(&self, media: &FetchedMedia) -> Vec<FetchedComment> {
        let mut r = rng(&["comments", &self.username, &media.ig_media_id]);
        let n = media.comments_count.unwrap_or(0).clamp(0, 12) as usize;
        (0..n)
            .map(|i| {
                let lang = if r.random_bool(0.6) { self.lang } else { "en" };
                let texts = comment_texts(lang);
                let (text, _) = texts[r.random_range(0..texts.len())];
                FetchedComment {
                    ig_comment_id: format!("{}_c{i}", media.ig_media_id),
                    username: Some(format!(
                        "{}{}",
                        FIRST_NAMES[r.random_range(0..FIRST_NAMES.len())].to_lowercase(),
                        r.random_range(10..9999)
                    )),
                    text: text.to_string(),
                    like_count: Some(r.random_range(0..40)),
                    posted_at: Some(media.posted_at + Duration::minutes(r.random_range(5..3000))),
                }
            })
            .collect()
    }

    pub fn media_insights(&self, media: &FetchedMedia) -> MediaInsights {
        let mut r = rng(&["insights", &self.username, &media.ig_media_id]);
        let likes = media.like_count.unwrap_or(0) as f64;
        let followers = self.followers_at(media.posted_at) as f64;
        let reach = (followers * r.random_range(0.12..0.45))
            .max(likes * 1.5)
            .round() as i64;
        let views = (reach as f64 * r.random_range(1.1..1.9)).round() as i64;
        let saved = (likes * r.random_range(0.02..0.09)).round() as i64;
        let shares = (likes * r.random_range(0.01..0.05)).round() as i64;
        MediaInsights {
            ig_media_id: media.ig_media_id.clone(),
            views: Some(views),
            reach: Some(reach),
            saved: Some(saved),
            shares: Some(shares),
            total_interactions: Some(
                likes as i64 + media.comments_count.unwrap_or(0) + saved + shares,
            ),
        }
    }

    pub fn account_insights(&self, now: DateTime<Utc>, days: u32) -> Vec<AccountInsightsDay> {
        (1..=days)
            .rev()
            .map(|back| {
                let day = now.date_naive() - Duration::days(back as i64);
                let at = day
                    .and_hms_opt(12, 0, 0)
                    .map(|t| t.and_utc())
                    .unwrap_or(now);
                let mut r = rng(&["account", &self.username, &day.to_string()]);
                let followers = self.followers_at(at) as f64;
                let reach = (followers * r.random_range(0.05..0.16)).round() as i64;
                let weekday_peak = if day.weekday().number_from_monday() >= 6 {
                    1.15
                } else {
                    1.0
                };
                let online: Vec<i64> = (0..24)
                    .map(|h: i32| {
                        let evening = (-((h - 20) as f64).powi(2) / 8.0).exp();
                        let noon = 0.6 * (-((h - 12) as f64).powi(2) / 6.0).exp();
                        (followers * 0.08 * (evening + noon + 0.05) * weekday_peak).round() as i64
                    })
                    .collect();
                let previous = self.followers_at(at - Duration::days(1));
                AccountInsightsDay {
                    day: Some(day),
                    views: Some((reach as f64 * r.random_range(1.4..3.2)).round() as i64),
                    reach: Some(reach),
                    accounts_engaged: Some(
                        (reach as f64 * r.random_range(0.04..0.12)).round() as i64
                    ),
                    follower_count: Some((self.followers_at(at) - previous).max(0)),
                    online_followers: Some(online),
                }
            })
            .collect()
    }
}

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

/// Instagram usernames: 1–30 of letters, digits, `.` and `_`.
pub fn valid_username(username: &str) -> bool {
    let u = username.trim().trim_start_matches('@');
    !u.is_empty()
        && u.len() <= 30
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
}

#[async_trait::async_trait]
impl DataSource for DemoSource {
    fn source(&self) -> Source {
        Source::Demo
    }

    async fn profile(&self, target: &Target) -> SourceResult<FetchedProfile> {
        if !valid_username(&target.username) {
            return Err(SourceError::NotFound(target.username.clone()));
        }
        Ok(Persona::of(&target.username).profile(self.now()))
    }

    async fn media(
        &self,
        target: &Target,
        after: Option<&str>,
        limit: usize,
    ) -> SourceResult<MediaPage> {
        if !valid_username(&target.username) {
            return Err(SourceError::NotFound(target.username.clone()));
        }
        let posts = Persona::of(&target.username).posts(self.now());
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
        let persona = Persona::of(&target.username);
        let posts = persona.posts(self.now());
        let media = posts
            .iter()
            .find(|m| m.ig_media_id == media_id)
            .ok_or_else(|| SourceError::NotFound(media_id.to_string()))?;
        Ok(persona.comments(media))
    }

    async fn media_insights(
        &self,
        target: &Target,
        media: &FetchedMedia,
    ) -> SourceResult<MediaInsights> {
        Ok(Persona::of(&target.username).media_insights(media))
    }

    async fn account_insights(
        &self,
        target: &Target,
        days: u32,
    ) -> SourceResult<Vec<AccountInsightsDay>> {
        Ok(Persona::of(&target.username).account_insights(self.now(), days))
    }
}

/// The day a demo figure stands for (used by tests that pin the clock).
pub fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).single().unwrap()
    }

    #[test]
    fn the_same_username_gives_the_same_data() {
        let now = at(2026, 12, 2);
        let a = Persona::of("Travel.With.Mia");
        let b = Persona::of("@travel.with.mia");
        assert_eq!(a.profile(now), b.profile(now));
        assert_eq!(a.posts(now), b.posts(now));
        assert_ne!(a.profile(now), Persona::of("another_one").profile(now));
    }

    #[test]
    fn history_is_stable_and_grows() {
        let earlier = at(2026, 11, 1);
        let later = at(2026, 12, 1);
        let p = Persona::of("steady_poster");
        let old = p.posts(earlier);
        let new = p.posts(later);
        assert!(!new.is_empty() && !old.is_empty());
        // Every post of a month ago is still there with the same id and time…
        for post in old
            .iter()
            .filter(|m| m.posted_at > later - Duration::days(330))
        {
            let same = new
                .iter()
                .find(|m| m.ig_media_id == post.ig_media_id)
                .unwrap();
            assert_eq!(same.posted_at, post.posted_at);
            // …and its counts did not shrink.
            assert!(same.like_count >= post.like_count);
        }
        assert!(new[0].posted_at > old[0].posted_at || new[0].ig_media_id == old[0].ig_media_id);
    }

    #[test]
    fn a_year_of_plausible_posts() {
        let now = at(2026, 12, 2);
        for name in ["alpha", "beta.gamma", "delta_99", "epsilon", "zeta.eta"] {
            let p = Persona::of(name);
            let profile = p.profile(now);
            let posts = p.posts(now);
            assert!(
                (40..400).contains(&posts.len()),
                "{name}: {} posts",
                posts.len()
            );
            assert!(
                posts.windows(2).all(|w| w[0].posted_at > w[1].posted_at),
                "newest first"
            );
            assert!(
                posts
                    .iter()
                    .all(|m| m.posted_at >= now - Duration::days(365))
            );
            let followers = profile.followers_count.unwrap() as f64;
            let settled: Vec<f64> = posts
                .iter()
                .filter(|m| now - m.posted_at > Duration::days(3))
                .map(|m| m.like_count.unwrap() as f64 / followers)
                .collect();
            let mean = settled.iter().sum::<f64>() / settled.len() as f64;
            assert!((0.002..0.2).contains(&mean), "{name}: like rate {mean}");
            assert!(
                posts
                    .iter()
                    .all(|m| m.caption.as_deref().unwrap().contains('#'))
            );
            assert!(profile.media_count.unwrap() >= posts.len() as i64);
        }
    }

    #[test]
    fn comments_have_mixed_sentiment_across_many_posts() {
        let now = at(2026, 12, 2);
        let p = Persona::of("chatty.creator");
        let mut sentiments = std::collections::BTreeSet::new();
        for post in p.posts(now).iter().take(40) {
            for c in p.comments(post) {
                for lang in LANGUAGES {
                    if let Some((_, s)) = comment_texts(lang).iter().find(|(t, _)| *t == c.text) {
                        sentiments.insert(*s);
                    }
                }
            }
        }
        assert_eq!(sentiments.len(), 3, "{sentiments:?}");
    }

    #[test]
    fn usernames_are_checked() {
        assert!(valid_username("a.b_c9"));
        assert!(!valid_username("has space"));
        assert!(!valid_username(""));
        assert!(!valid_username(&"x".repeat(31)));
    }
}
