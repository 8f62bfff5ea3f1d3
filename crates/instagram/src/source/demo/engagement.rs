//! How big demo accounts are and how their audiences react, modelled on what is typical on
//! Instagram: engagement rates fall as audiences grow (about 4 % for a few thousand followers,
//! under 1 % for millions), a post's result varies log-normally around its account's typical
//! one, and a rare post travels further — a few times the typical, never more than
//! [`MAX_PERFORMANCE`] times it. Likes, comments, saves, shares, reach and views of a post all
//! follow from one draw, so they agree with each other.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::normal;
use crate::source::MediaType;

/// Follower bands as the industry names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// Under 10,000 followers.
    Nano,
    /// 10,000 to 100,000.
    Micro,
    /// 100,000 to 500,000.
    Mid,
    /// 500,000 to 1 million.
    Macro,
    /// 1 million and more.
    Mega,
}

impl Tier {
    pub const ALL: [Tier; 5] = [Tier::Nano, Tier::Micro, Tier::Mid, Tier::Macro, Tier::Mega];

    /// The band of an account of this many followers.
    pub fn of(followers: i64) -> Tier {
        match followers {
            ..10_000 => Tier::Nano,
            10_000..100_000 => Tier::Micro,
            100_000..500_000 => Tier::Mid,
            500_000..1_000_000 => Tier::Macro,
            _ => Tier::Mega,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Tier::Nano => "nano",
            Tier::Micro => "micro",
            Tier::Mid => "mid",
            Tier::Macro => "macro",
            Tier::Mega => "mega",
        }
    }

    /// Of 100 demo accounts, how many start in this band (small accounts are the many).
    pub(super) fn weight(self) -> u32 {
        match self {
            Tier::Nano => 32,
            Tier::Micro => 34,
            Tier::Mid => 17,
            Tier::Macro => 10,
            Tier::Mega => 7,
        }
    }

    /// Followers when the demo timeline starts (drawn log-uniformly in between).
    pub(super) fn start_followers(self) -> (f64, f64) {
        match self {
            Tier::Nano => (1_200.0, 8_000.0),
            Tier::Micro => (11_000.0, 85_000.0),
            Tier::Mid => (110_000.0, 420_000.0),
            Tier::Macro => (520_000.0, 900_000.0),
            Tier::Mega => (1_100_000.0, 8_000_000.0),
        }
    }

    /// Yearly growth factor of followers: small accounts can grow fast, big ones barely.
    pub(super) fn yearly_growth(self) -> (f64, f64) {
        match self {
            Tier::Nano => (1.08, 1.8),
            Tier::Micro => (1.04, 1.5),
            Tier::Mid => (1.02, 1.3),
            Tier::Macro => (0.99, 1.18),
            Tier::Mega => (0.97, 1.1),
        }
    }
}

/// A viral post reaches at most this many times its account's typical engagement.
pub const MAX_PERFORMANCE: f64 = 4.0;

/// `y` at `x` on a line through anchor points, both on log scales (clamped at the ends).
fn log_interpolate(anchors: &[(f64, f64)], x: f64) -> f64 {
    let lx = x.max(1.0).ln();
    let mut prev = anchors[0];
    if lx <= prev.0.ln() {
        return prev.1;
    }
    for &next in &anchors[1..] {
        if lx <= next.0.ln() {
            let t = (lx - prev.0.ln()) / (next.0.ln() - prev.0.ln());
            return (prev.1.ln() + t * (next.1.ln() - prev.1.ln())).exp();
        }
        prev = next;
    }
    prev.1
}

/// The typical engagement rate ((likes + comments) ÷ followers) at this audience size.
pub fn typical_rate(followers: f64) -> f64 {
    log_interpolate(
        &[
            (1_000.0, 0.050),
            (5_000.0, 0.038),
            (30_000.0, 0.022),
            (200_000.0, 0.014),
            (700_000.0, 0.011),
            (3_000_000.0, 0.008),
            (20_000_000.0, 0.006),
        ],
        followers,
    )
}

/// Comments per like: small audiences talk more.
fn comments_per_like(followers: f64) -> f64 {
    log_interpolate(
        &[(1_000.0, 0.045), (50_000.0, 0.025), (1_000_000.0, 0.012)],
        followers,
    )
}

/// Likes per account a post reaches: most of a small account's audience sees its posts.
fn likes_per_reach(followers: f64) -> f64 {
    log_interpolate(
        &[
            (1_000.0, 0.13),
            (10_000.0, 0.10),
            (100_000.0, 0.075),
            (1_000_000.0, 0.06),
            (10_000_000.0, 0.05),
        ],
        followers,
    )
}

/// How a format fares against a plain image.
pub fn format_factor(media_type: MediaType, reel: bool) -> f64 {
    match (media_type, reel) {
        (MediaType::Video, true) => 1.3,
        (MediaType::Video, false) => 0.9,
        (MediaType::CarouselAlbum, _) => 1.12,
        (MediaType::Image, _) => 1.0,
    }
}

/// A post against its account's typical result: log-normal (most posts within ±40 %), and
/// about one post in eighty travels further — bounded by [`MAX_PERFORMANCE`].
pub fn performance(r: &mut ChaCha8Rng) -> f64 {
    let ordinary = (0.32 * normal(r)).exp().clamp(0.35, 2.2);
    let viral = if r.random_bool(0.0125) {
        r.random_range(1.6..2.4)
    } else {
        1.0
    };
    (ordinary * viral).min(MAX_PERFORMANCE)
}

/// A post's figures once it has settled (two days after posting), before they grow in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settled {
    pub likes: f64,
    pub comments: f64,
    pub saves: f64,
    pub shares: f64,
    pub reach: f64,
    pub views: f64,
}

/// What a post of an account of `followers` makes; `affinity` is the account's own level
/// against the typical of its size, `saves_per_like` its niche's.
pub fn settle(
    r: &mut ChaCha8Rng,
    followers: f64,
    affinity: f64,
    media_type: MediaType,
    reel: bool,
    saves_per_like: f64,
) -> Settled {
    let rate = typical_rate(followers) * affinity * format_factor(media_type, reel);
    let engagements = followers * rate * performance(r);
    let per_like = comments_per_like(followers) * (0.3 * normal(r)).exp();
    let likes = engagements / (1.0 + per_like);
    let comments = engagements - likes;
    let carousel = if media_type == MediaType::CarouselAlbum {
        1.4
    } else {
        1.0
    };
    let saves = likes * saves_per_like * carousel * (0.3 * normal(r)).exp();
    let shares = likes * 0.025 * if reel { 1.8 } else { 1.0 } * (0.35 * normal(r)).exp();
    let reach = likes / (likes_per_reach(followers) * (0.2 * normal(r)).exp());
    let views = reach
        * if reel {
            r.random_range(1.5..2.4)
        } else {
            r.random_range(1.15..1.6)
        };
    Settled {
        likes,
        comments,
        saves,
        shares,
        reach,
        views,
    }
}

/// How much of its settled figures a post has `age_hours` after posting: most engagement
/// arrives in the first day, little after two.
pub fn grown(age_hours: f64) -> f64 {
    1.0 - (-age_hours.max(0.0) / 14.0).exp()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn typical_rates_fall_with_audience_size() {
        let rates: Vec<f64> = [2_000.0, 20_000.0, 200_000.0, 700_000.0, 5_000_000.0]
            .into_iter()
            .map(typical_rate)
            .collect();
        assert!(rates.windows(2).all(|w| w[0] > w[1]), "{rates:?}");
        assert!((0.035..0.05).contains(&rates[0]));
        assert!((0.006..0.01).contains(&rates[4]));
    }

    #[test]
    fn performance_is_bounded_and_mostly_ordinary() {
        let mut r = ChaCha8Rng::seed_from_u64(7);
        let draws: Vec<f64> = (0..20_000).map(|_| performance(&mut r)).collect();
        assert!(draws.iter().all(|p| (0.35..=MAX_PERFORMANCE).contains(p)));
        let ordinary = draws.iter().filter(|p| (0.6..1.6).contains(*p)).count();
        assert!(ordinary > 16_000, "{ordinary}");
        let viral = draws.iter().filter(|p| **p > 2.2).count();
        assert!((50..600).contains(&viral), "{viral}");
    }

    #[test]
    fn a_posts_figures_agree_with_each_other() {
        let mut r = ChaCha8Rng::seed_from_u64(11);
        for followers in [3_000.0, 40_000.0, 300_000.0, 2_000_000.0] {
            for _ in 0..500 {
                let s = settle(&mut r, followers, 1.0, MediaType::Image, false, 0.05);
                assert!(s.comments < s.likes * 0.2);
                assert!(s.saves < s.likes && s.shares < s.likes);
                assert!(s.reach > s.likes + s.comments, "{s:?}");
                assert!(s.views >= s.reach);
            }
        }
    }
}
