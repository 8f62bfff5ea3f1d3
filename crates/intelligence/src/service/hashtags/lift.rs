//! The computation behind hashtag suggestions, on plain post records: for every tag, the posts
//! that carry it, the median engagement of posts with it against posts without it, and the tags
//! it appears with.
//!
//! Engagement rates of different profiles are not comparable (a large profile's posts reach a
//! smaller share of its followers), so pooling an account's posts with its competitors' would
//! credit a tag merely for being used by the profile with the higher rate. Each post's rate is
//! therefore read relative to its own profile's median rate first (1.0 = the profile's typical
//! post); with a single profile that is a constant scale and changes no lift.
//!
//! Lift is a ratio: the median relative engagement of the posts with the tag divided by that of
//! the posts without it (1.25 = posts with the tag do 25 % better).

use std::collections::HashMap;

/// At least this many posts with a tag (and as many without it) before its lift is stated.
pub const MIN_POSTS: usize = 3;

/// How many co-occurring tags are kept per tag, most frequent first.
pub const CO_TAGS: usize = 5;

/// One post as the computation reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedPost {
    /// Lower case without `#`, each once (see `audit::inputs::hashtags`).
    pub tags: Vec<String>,
    /// The engagement rate in %.
    pub rate: f64,
    /// Which profile it belongs to: an index the caller chooses (into its list of profiles).
    pub profile: usize,
}

/// What the posts say about one tag.
#[derive(Debug, Clone, PartialEq)]
pub struct TagStats {
    pub tag: String,
    pub posts_with: usize,
    pub posts_without: usize,
    /// Median relative engagement of the posts with the tag (1.0 = the profile's median post).
    pub relative_with: f64,
    pub relative_without: f64,
    /// Median engagement rate (%) of the posts with and without it, as measured.
    pub rate_with: f64,
    pub rate_without: f64,
    /// `relative_with / relative_without`; `None` when the posts without it have a median of 0.
    pub lift: Option<f64>,
    /// (tag, posts carrying both), most first, at most [`CO_TAGS`].
    pub co_tags: Vec<(String, usize)>,
    /// (profile index, posts of that profile with the tag), most first.
    pub profiles: Vec<(usize, usize)>,
}

impl TagStats {
    /// Enough posts on both sides to state a lift.
    pub fn has_sample(&self) -> bool {
        self.posts_with >= MIN_POSTS && self.posts_without >= MIN_POSTS
    }
}

/// Every tag of `posts` with its figures, ordered by tag. Posts whose rate is not finite, and
/// the posts of a profile whose median rate is not positive (nothing to be relative to), are
/// left out. Runs in O(P log P + Σ n_tag log n_tag + Σ tags_per_post²).
pub fn table(posts: &[TaggedPost]) -> Vec<TagStats> {
    let usable = relative_rates(posts);
    if usable.is_empty() {
        return Vec::new();
    }
    // Every usable post gets a rank in the order of its relative engagement; a tag's posts are
    // a sorted list of ranks, from which the median of the others is found without copying them.
    let mut order: Vec<usize> = (0..usable.len()).collect();
    order.sort_by(|a, b| usable[*a].1.total_cmp(&usable[*b].1));
    let mut rank_of = vec![0usize; usable.len()];
    for (rank, i) in order.iter().enumerate() {
        rank_of[*i] = rank;
    }
    let relative_sorted: Vec<f64> = order.iter().map(|i| usable[*i].1).collect();
    let mut rates_sorted: Vec<f64> = usable.iter().map(|(p, _)| p.rate).collect();
    rates_sorted.sort_by(f64::total_cmp);
    let mut rate_order: Vec<usize> = (0..usable.len()).collect();
    rate_order.sort_by(|a, b| usable[*a].0.rate.total_cmp(&usable[*b].0.rate));
    let mut rate_rank_of = vec![0usize; usable.len()];
    for (rank, i) in rate_order.iter().enumerate() {
        rate_rank_of[*i] = rank;
    }

    // Tags interned as indices, so pairs are counted on integers.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut names: Vec<&str> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut pairs: HashMap<(usize, usize), usize> = HashMap::new();
    for (i, (post, _)) in usable.iter().enumerate() {
        let ids: Vec<usize> = post
            .tags
            .iter()
            .map(|t| {
                *index.entry(t.as_str()).or_insert_with(|| {
                    names.push(t.as_str());
                    members.push(Vec::new());
                    names.len() - 1
                })
            })
            .collect();
        for (k, a) in ids.iter().enumerate() {
            if members[*a].last() == Some(&i) {
                continue; // a tag listed twice on one post counts once
            }
            members[*a].push(i);
            for b in &ids[k + 1..] {
                if a != b {
                    *pairs.entry(((*a).min(*b), (*a).max(*b))).or_default() += 1;
                }
            }
        }
    }
    let mut co: Vec<Vec<(usize, usize)>> = vec![Vec::new(); names.len()];
    for ((a, b), n) in pairs {
        co[a].push((b, n));
        co[b].push((a, n));
    }

    let total = usable.len();
    let mut out: Vec<TagStats> = names
        .iter()
        .enumerate()
        .map(|(t, name)| {
            let posts = &members[t];
            let mut ranks: Vec<usize> = posts.iter().map(|i| rank_of[*i]).collect();
            ranks.sort_unstable();
            let mut rate_ranks: Vec<usize> = posts.iter().map(|i| rate_rank_of[*i]).collect();
            rate_ranks.sort_unstable();
            let relative_with = median_of_ranks(&relative_sorted, &ranks);
            let relative_without = median_excluding(&relative_sorted, &ranks);
            let mut with_tags = std::mem::take(&mut co[t]);
            with_tags.sort_by(|a, b| b.1.cmp(&a.1).then(names[a.0].cmp(names[b.0])));
            let mut by_profile: HashMap<usize, usize> = HashMap::new();
            for i in posts {
                *by_profile.entry(usable[*i].0.profile).or_default() += 1;
            }
            let mut profiles: Vec<(usize, usize)> = by_profile.into_iter().collect();
            profiles.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            TagStats {
                tag: (*name).to_string(),
                posts_with: posts.len(),
                posts_without: total - posts.len(),
                relative_with,
                relative_without,
                rate_with: median_of_ranks(&rates_sorted, &rate_ranks),
                rate_without: median_excluding(&rates_sorted, &rate_ranks),
                lift: (relative_without > 0.0 && relative_without.is_finite())
                    .then(|| relative_with / relative_without),
                co_tags: with_tags
                    .into_iter()
                    .take(CO_TAGS)
                    .map(|(b, n)| (names[b].to_string(), n))
                    .collect(),
                profiles,
            }
        })
        .collect();
    out.sort_by(|a, b| a.tag.cmp(&b.tag));
    out
}

/// The usable posts with their rate relative to their profile's median.
fn relative_rates(posts: &[TaggedPost]) -> Vec<(&TaggedPost, f64)> {
    let mut by_profile: HashMap<usize, Vec<f64>> = HashMap::new();
    for p in posts.iter().filter(|p| p.rate.is_finite()) {
        by_profile.entry(p.profile).or_default().push(p.rate);
    }
    let medians: HashMap<usize, f64> = by_profile
        .into_iter()
        .filter_map(|(k, v)| crate::service::audit::inputs::median(v).map(|m| (k, m)))
        .filter(|(_, m)| *m > 0.0)
        .collect();
    posts
        .iter()
        .filter(|p| p.rate.is_finite())
        .filter_map(|p| medians.get(&p.profile).map(|m| (p, p.rate / m)))
        .collect()
}

/// The median of the values at `ranks` (sorted) of `sorted`; NaN when there are none.
fn median_of_ranks(sorted: &[f64], ranks: &[usize]) -> f64 {
    let n = ranks.len();
    let at = |k: usize| ranks.get(k).and_then(|r| sorted.get(*r)).copied();
    median_by(n, at)
}

/// The median of the values of `sorted` whose ranks are not in `taken` (sorted, distinct):
/// the k-th remaining rank is k pushed up by one for each taken rank at or below it, so each
/// tag costs O(its posts) rather than a copy of all the others.
fn median_excluding(sorted: &[f64], taken: &[usize]) -> f64 {
    let n = sorted.len().saturating_sub(taken.len());
    let at = |k: usize| {
        let mut r = k;
        for w in taken {
            if *w <= r {
                r += 1;
            } else {
                break;
            }
        }
        sorted.get(r).copied()
    };
    median_by(n, at)
}

fn median_by(n: usize, at: impl Fn(usize) -> Option<f64>) -> f64 {
    if n == 0 {
        return f64::NAN;
    }
    let mid = n / 2;
    let value = if n.is_multiple_of(2) {
        match (at(mid - 1), at(mid)) {
            (Some(a), Some(b)) => Some((a + b) / 2.0),
            _ => None,
        }
    } else {
        at(mid)
    };
    value.unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(tags: &[&str], rate: f64, profile: usize) -> TaggedPost {
        TaggedPost {
            tags: tags.iter().map(|t| t.to_string()).collect(),
            rate,
            profile,
        }
    }

    fn stats<'a>(t: &'a [TagStats], tag: &str) -> &'a TagStats {
        t.iter().find(|s| s.tag == tag).unwrap()
    }

    /// Ten posts of one profile; #sun is on the four best, #rain on three weak ones, #city on
    /// posts of both kinds. Medians by hand: all rates 1..=10 (%), profile median 5.5.
    fn one_profile() -> Vec<TaggedPost> {
        vec![
            post(&["rain", "city"], 1.0, 0),
            post(&["rain"], 2.0, 0),
            post(&["rain", "city"], 3.0, 0),
            post(&[], 4.0, 0),
            post(&["city"], 5.0, 0),
            post(&[], 6.0, 0),
            post(&["sun", "city"], 7.0, 0),
            post(&["sun"], 8.0, 0),
            post(&["sun", "city", "beach"], 9.0, 0),
            post(&["sun", "beach"], 10.0, 0),
        ]
    }

    #[test]
    fn lift_is_the_ratio_of_medians_with_and_without() {
        let t = table(&one_profile());
        let sun = stats(&t, "sun");
        assert_eq!((sun.posts_with, sun.posts_without), (4, 6));
        // With: 7, 8, 9, 10 → 8.5; without: 1..=6 → 3.5.
        assert_eq!((sun.rate_with, sun.rate_without), (8.5, 3.5));
        assert!((sun.lift.unwrap() - 8.5 / 3.5).abs() < 1e-12);
        assert!((sun.relative_with - 8.5 / 5.5).abs() < 1e-12);
        assert!(sun.has_sample());

        let rain = stats(&t, "rain");
        // With: 1, 2, 3 → 2; without: 4..=10 → 7.
        assert_eq!((rain.rate_with, rain.rate_without), (2.0, 7.0));
        assert!((rain.lift.unwrap() - 2.0 / 7.0).abs() < 1e-12);

        let city = stats(&t, "city");
        // With: 1, 3, 5, 7, 9 → 5; without: 2, 4, 6, 8, 10 → 6.
        assert_eq!((city.rate_with, city.rate_without), (5.0, 6.0));
        assert_eq!(
            city.co_tags,
            vec![
                ("rain".to_string(), 2),
                ("sun".to_string(), 2),
                ("beach".to_string(), 1)
            ]
        );

        let beach = stats(&t, "beach");
        assert_eq!(beach.posts_with, 2);
        assert!(!beach.has_sample(), "two posts are too few");
        assert_eq!(beach.profiles, vec![(0, 2)]);
    }

    #[test]
    fn the_fast_medians_agree_with_sorting_each_side() {
        // A pseudo-random pool with ties, checked against the plain computation.
        let mut x: u64 = 7;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            x >> 33
        };
        let tags = ["a", "b", "c", "d", "e", "f"];
        let posts: Vec<TaggedPost> = (0..400)
            .map(|_| {
                let n = next() % 4;
                let t: Vec<&str> = (0..n).map(|_| tags[(next() % 6) as usize]).collect();
                let mut unique: Vec<&str> = Vec::new();
                for s in t {
                    if !unique.contains(&s) {
                        unique.push(s);
                    }
                }
                post(
                    &unique,
                    (next() % 50) as f64 / 10.0 + 0.1,
                    (next() % 3) as usize,
                )
            })
            .collect();
        let t = table(&posts);
        let median = |v: Vec<f64>| crate::service::audit::inputs::median(v).unwrap();
        for s in &t {
            let with: Vec<f64> = posts
                .iter()
                .filter(|p| p.tags.contains(&s.tag))
                .map(|p| p.rate)
                .collect();
            let without: Vec<f64> = posts
                .iter()
                .filter(|p| !p.tags.contains(&s.tag))
                .map(|p| p.rate)
                .collect();
            assert_eq!(s.posts_with, with.len());
            assert_eq!(s.rate_with, median(with), "{}", s.tag);
            assert_eq!(s.rate_without, median(without), "{}", s.tag);
        }
    }

    #[test]
    fn profiles_are_compared_to_their_own_median() {
        // Profile 1 has ten times the rates of profile 0; #big is only on profile 1's posts,
        // at that profile's usual level: pooled raw rates would call it a 10× lift.
        let mut posts = Vec::new();
        for r in [1.0, 2.0, 3.0, 4.0, 5.0] {
            posts.push(post(&["small"], r, 0));
            posts.push(post(&["big"], r * 10.0, 1));
        }
        let t = table(&posts);
        let big = stats(&t, "big");
        assert!((big.lift.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(big.profiles, vec![(1, 5)]);
        assert_eq!(
            big.rate_with, 30.0,
            "the measured rates are kept as they are"
        );
    }

    #[test]
    fn nothing_usable_gives_nothing() {
        assert!(table(&[]).is_empty());
        // A profile whose posts all have a zero rate has nothing to be relative to.
        assert!(table(&[post(&["x"], 0.0, 0), post(&["x"], f64::NAN, 0)]).is_empty());
    }
}
