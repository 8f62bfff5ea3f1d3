//! Who a demo account is, read from its username: `demo.travel.mia` is Mia, who posts about
//! travel — in German, since Mia is one of the German names, from a German-speaking city. A
//! word of the username names the niche (`kitchen` → food, `gymrat` → fitness), a first name
//! the person and her language, a city or a language's word (`paris`, `cucina`) the language
//! and the place. What the username leaves open is drawn from a generator seeded by the
//! username, so the same username is always the same persona. A username that is neither a
//! name nor only niche words (`demo.wanderlust.co`, `natgeo`) is a brand, named after it.
//!
//! The persona also fixes the account's size and how it grows: a follower tier, a yearly
//! growth with a few jumps (a post that travelled, a mention) and slow waves (seasons, quiet
//! months), so a year of daily history reads like a real account's.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use super::{
    content::{Lang, Niche, fold},
    engagement::Tier,
    epoch, normal, rng,
};
use crate::source::Username;

/// What a demo account is like: fixed by its username.
#[derive(Debug, Clone)]
pub struct Persona {
    pub username: String,
    pub niche: Niche,
    pub lang: Lang,
    /// A person's first and last name, or a brand's name.
    pub display_name: String,
    /// A person (a silhouette avatar) rather than a brand (a monogram-like mark).
    pub person: bool,
    pub city: &'static str,
    /// The account's engagement against the typical of its size (log-normal around 1).
    pub affinity: f64,
    /// Posts published before the timeline starts (they count in the profile's posts).
    pub older_posts: i64,
    /// Mean days between posts.
    pub cadence_days: f64,
    start_followers: f64,
    /// ln of the yearly growth factor.
    growth_ln: f64,
    /// (day since the epoch, ln of the jump): follower jumps spread over about three days.
    jumps: Vec<(f64, f64)>,
    /// (period in days, phase, amplitude of ln followers): slow ups and downs.
    waves: [(f64, f64, f64); 2],
    follows_start: f64,
    follows_per_year: f64,
}

/// How far ahead of the epoch follower jumps are drawn (later days have none).
const JUMP_HORIZON_DAYS: f64 = 365.0 * 25.0;

impl Persona {
    pub fn of(username: &Username) -> Persona {
        let words = username.words();
        let mut r = rng(&["persona", username.as_str()]);

        // The niche: the word naming one most clearly (the first on a tie), else by chance.
        let named = words
            .iter()
            .enumerate()
            .flat_map(|(i, w)| {
                Niche::ALL
                    .into_iter()
                    .map(move |n| (n.named_by(w), usize::MAX - i, n))
            })
            .filter(|(strength, _, _)| *strength > 0)
            .max_by_key(|(strength, order, _)| (*strength, *order));
        let niche = named
            .map(|(_, _, n)| n)
            .unwrap_or(Niche::ALL[r.random_range(0..Niche::ALL.len())]);
        let name = words.iter().find_map(|w| {
            Lang::ALL.into_iter().find_map(|l| {
                l.first_names()
                    .iter()
                    .find(|n| fold(n) == *w)
                    .map(|n| (l, *n))
            })
        });
        let city_named = words.iter().find_map(|w| {
            Lang::ALL
                .into_iter()
                .find_map(|l| l.cities().iter().find(|c| fold(c) == *w).map(|c| (l, *c)))
        });
        let lang_hinted = words
            .iter()
            .find_map(|w| Lang::ALL.into_iter().find(|l| l.hint_words().contains(w)));
        let lang = city_named
            .map(|(l, _)| l)
            .or(lang_hinted)
            .or(name.map(|(l, _)| l))
            .unwrap_or(Lang::ALL[r.random_range(0..Lang::ALL.len())]);
        let cities = lang.cities();
        let city = city_named
            .filter(|(l, _)| *l == lang)
            .map(|(_, c)| c)
            .unwrap_or(cities[r.random_range(0..cities.len())]);
        let last_names = lang.last_names();
        let last = last_names[r.random_range(0..last_names.len())];
        // Words that say nothing about niche, language or place make a brand's name.
        let plain = |w: &&str| {
            Niche::ALL.into_iter().all(|n| n.named_by(w) < 3)
                && !Lang::ALL.into_iter().any(|l| {
                    l.hint_words().contains(w) || l.cities().iter().any(|c| fold(c) == **w)
                })
        };
        let (display_name, person) = match name {
            Some((_, first)) => (format!("{first} {last}"), true),
            None if words.iter().any(plain) || words.is_empty() => (title_case(&words), false),
            None => {
                let firsts = lang.first_names();
                let first = firsts[r.random_range(0..firsts.len())];
                (format!("{first} {last}"), true)
            }
        };

        let tier = pick_tier(r.random_range(0..100));
        let (lo, hi) = tier.start_followers();
        let start_followers = (lo.ln() + r.random_range(0.0..1.0) * (hi.ln() - lo.ln())).exp();
        let (g_lo, g_hi) = tier.yearly_growth();
        let growth_ln = r.random_range(g_lo..g_hi).ln();
        let mut jumps = Vec::new();
        let mut day = 0.0;
        loop {
            day += -140.0 * (1.0 - r.random_range(0.0..0.999_f64)).ln();
            if day > JUMP_HORIZON_DAYS {
                break;
            }
            let size: f64 = match tier {
                Tier::Nano | Tier::Micro => r.random_range(0.01..0.07),
                _ => r.random_range(0.005..0.03),
            };
            jumps.push((day, size.ln_1p()));
        }
        let mut wave = |period: (f64, f64), amplitude: (f64, f64)| {
            (
                r.random_range(period.0..period.1),
                r.random_range(0.0..std::f64::consts::TAU),
                r.random_range(amplitude.0..amplitude.1),
            )
        };
        let waves = [
            wave((60.0, 120.0), (0.003, 0.01)),
            wave((200.0, 400.0), (0.005, 0.015)),
        ];
        let big = matches!(tier, Tier::Macro | Tier::Mega);
        Persona {
            niche,
            lang,
            display_name,
            person,
            city,
            affinity: (0.22 * normal(&mut r)).exp().clamp(0.6, 1.6),
            older_posts: if big {
                r.random_range(400..3000)
            } else {
                r.random_range(20..900)
            },
            cadence_days: r.random_range(1.2..4.5),
            start_followers,
            growth_ln,
            jumps,
            waves,
            follows_start: if big {
                r.random_range(150.0..900.0)
            } else {
                r.random_range(200.0..1800.0)
            },
            follows_per_year: r.random_range(10.0..120.0),
            username: username.as_str().to_string(),
        }
    }

    /// Followers at a moment: growth, jumps and waves, with a small wobble of the day.
    pub fn followers_at(&self, at: DateTime<Utc>) -> i64 {
        let days = (at - epoch()).num_minutes().max(0) as f64 / (24.0 * 60.0);
        let mut ln = self.start_followers.ln() + self.growth_ln * days / 365.0;
        for (period, phase, amplitude) in self.waves {
            ln += amplitude * ((std::f64::consts::TAU * days / period + phase).sin() - phase.sin());
        }
        for (day, size) in &self.jumps {
            if *day > days + 20.0 {
                break;
            }
            ln += size / (1.0 + (-(days - day) / 0.8).exp());
        }
        let mut r = rng(&["followers", &self.username, &at.date_naive().to_string()]);
        ln += r.random_range(-0.0006..0.0006);
        ln.exp().round() as i64
    }

    pub fn follows_at(&self, at: DateTime<Utc>) -> i64 {
        let years = (at - epoch()).num_days().max(0) as f64 / 365.0;
        (self.follows_start + self.follows_per_year * years).round() as i64
    }

    /// The follower band the account is in at `at`.
    pub fn tier_at(&self, at: DateTime<Utc>) -> Tier {
        Tier::of(self.followers_at(at))
    }

    /// The bio, in the persona's language: what it posts about, where, how to reach it (on
    /// two lines, as Instagram shows bios; still readable where a page joins the lines).
    pub fn biography(&self) -> String {
        format!(
            "{} {}\n📍 {} · {}",
            self.niche.tagline(self.lang),
            self.niche.emoji(),
            self.city,
            self.lang.collab()
        )
    }

    /// A site under `.example`, a domain that can never belong to anyone.
    pub fn website(&self) -> String {
        format!(
            "https://{}.example",
            self.username.replace(['.', '_'], "-").trim_matches('-')
        )
    }

    /// Whether Instagram would show a verified badge (the biggest accounts).
    pub fn verified_at(&self, at: DateTime<Utc>) -> bool {
        matches!(self.tier_at(at), Tier::Mega)
            || (self.tier_at(at) == Tier::Macro
                && rng(&["verified", &self.username]).random_bool(0.5))
    }

    /// The time of every post from the epoch to `until`, oldest first: mostly regular, with a
    /// pause of one to four weeks now and then, posted between 7 and 22 h.
    pub fn post_times(&self, until: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        use chrono::Timelike;
        let mut r = rng(&["timeline", &self.username]);
        let mut t = epoch() + Duration::minutes(r.random_range(0..(24 * 60)));
        let mut times: Vec<DateTime<Utc>> = Vec::new();
        while t <= until {
            times.push(t);
            let gap_days = if r.random_bool(0.03) {
                r.random_range(7.0..30.0)
            } else {
                -self.cadence_days * (1.0 - r.random_range(0.0..0.999_f64)).ln()
            };
            let next = t + Duration::minutes((gap_days * 24.0 * 60.0).max(90.0) as i64);
            let hour = r.random_range(7..23);
            let minute = r.random_range(0..60);
            let snapped = next
                .with_hour(hour)
                .and_then(|x| x.with_minute(minute))
                .unwrap_or(next);
            t = if snapped <= t {
                t + Duration::hours(3)
            } else {
                snapped
            };
        }
        times
    }
}

fn pick_tier(roll: u32) -> Tier {
    let mut acc = 0;
    for tier in Tier::ALL {
        acc += tier.weight();
        if roll < acc {
            return tier;
        }
    }
    Tier::Mega
}

fn title_case(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn persona(raw: &str) -> Persona {
        Persona::of(&Username::parse(raw).unwrap())
    }

    #[test]
    fn the_username_names_niche_person_and_language() {
        let mia = persona("demo.travel.mia");
        assert_eq!(mia.niche, Niche::Travel);
        assert!(mia.display_name.starts_with("Mia "), "{}", mia.display_name);
        assert!(mia.person);
        assert_eq!(mia.lang, Lang::De);
        assert!(Lang::De.cities().contains(&mia.city));
        assert!(
            Lang::De
                .last_names()
                .iter()
                .any(|l| mia.display_name.ends_with(l))
        );

        let leon = persona("demo.fit.leon");
        assert_eq!((leon.niche, leon.lang), (Niche::Fitness, Lang::De));
        let sofia = persona("demo.kitchen.sofia");
        assert_eq!((sofia.niche, sofia.lang), (Niche::Food, Lang::Es));
        assert!(sofia.display_name.starts_with("Sofía "));

        let brand = persona("demo.wanderlust.co");
        assert_eq!(brand.niche, Niche::Travel);
        assert_eq!(brand.display_name, "Wanderlust Co");
        assert!(!brand.person);
        let lisbon = persona("lisboa.bakes");
        assert_eq!(
            (lisbon.niche, lisbon.lang, lisbon.city),
            (Niche::Food, Lang::Pt, "Lisboa")
        );
        // "modern" starts like "mode" (fashion) but "kitchen" names food outright.
        assert_eq!(persona("modern.kitchen").niche, Niche::Food);
        // Only niche words: a person with a name of the drawn language.
        let chef = persona("demo.food");
        assert!(
            chef.person
                && chef
                    .lang
                    .first_names()
                    .iter()
                    .any(|f| chef.display_name.starts_with(f))
        );
    }

    #[test]
    fn followers_grow_believably_day_by_day() {
        let p = persona("demo.steady.growth");
        let start = epoch() + Duration::days(700);
        let days: Vec<i64> = (0..365)
            .map(|d| p.followers_at(start + Duration::days(d)))
            .collect();
        for w in days.windows(2) {
            let change = (w[1] - w[0]) as f64 / w[0] as f64;
            assert!(change.abs() < 0.08, "{change} in a day");
        }
        let year = days[364] as f64 / days[0] as f64;
        assert!((0.85..2.2).contains(&year), "{year}");
    }
}
