//! Demo creators for a demo install, so search is worth trying before a live source is set
//! up: `growthdeck demo` seeds a few thousand into the `demo` pool. Each is one of the demo
//! generator's personas — its username names a niche and a first name (`demo.food.lea.17`),
//! which fix its language, city and size — with its newest posts, analysed like any post and
//! indexed like any profile. Everything they show is labelled demo; they are never served as
//! real (search keeps the pools apart).

use instagram::source::{
    Username,
    demo::content::{Lang, Niche},
};
use platform::{AppState, Result};

/// Demo creators `growthdeck demo` seeds unless told otherwise.
pub const DEFAULT_CREATORS: u32 = 3_000;
/// The most a seeding makes.
pub const MAX_CREATORS: u32 = 50_000;
/// Posts kept per demo creator (as many as the index counts).
const POSTS: usize = crate::service::index::POSTS_COUNTED as usize;

/// The `i`-th demo creator's username: niches, languages and names in turn, so any prefix of
/// the sequence is varied.
pub fn username(i: usize) -> Option<Username> {
    let niche = Niche::ALL[i % Niche::ALL.len()];
    let lang = Lang::ALL[(i / Niche::ALL.len()) % Lang::ALL.len()];
    let names = lang.first_names();
    let name = names[(i / (Niche::ALL.len() * Lang::ALL.len())) % names.len()];
    let folded: String = instagram::source::demo::content::fold(name);
    Username::parse(&format!("demo.{}.{folded}.{i}", niche.name())).ok()
}

/// What a seeding did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seeded {
    pub creators: usize,
    pub posts_analysed: usize,
}

/// Seeds `n` demo creators (their profiles, posts, analyses and search rows), calling
/// `progress(done)` after each. Seeding again refreshes the same creators: nothing is doubled.
pub async fn seed(state: &AppState, n: usize, mut progress: impl FnMut(usize)) -> Result<Seeded> {
    let n = n.min(MAX_CREATORS as usize);
    let now = platform::db::now();
    let mut out = Seeded::default();
    for i in 0..n {
        let Some(username) = username(i) else {
            continue;
        };
        let profile =
            instagram::service::pool::sample_demo(&state.db, &username, POSTS, now).await?;
        let analysed =
            intelligence::service::analyze::analyze_profile(state, profile.id, |_, _| {}).await?;
        out.posts_analysed += analysed.posts_analysed;
        crate::service::index::profiles(&state.db, &[profile.id]).await?;
        out.creators += 1;
        progress(out.creators);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_valid_demo_names_and_vary() {
        let names: Vec<Username> = (0..200).filter_map(username).collect();
        assert_eq!(names.len(), 200);
        assert!(names.iter().all(Username::is_demo));
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), 200);
        assert!(names[0].as_str().starts_with("demo.travel."));
        assert!(names[1].as_str().starts_with("demo.fitness."));
        assert!(
            (0..MAX_CREATORS as usize)
                .step_by(997)
                .all(|i| username(i).is_some())
        );
    }
}
