//! Own accounts and tracked profiles side by side over a period, on public figures only (a
//! competitor's private insights are never known, so the comparison stays fair). The
//! figures are the same [`ProfileFigures`] the account page shows: one engagement rate, one
//! follower change.

use chrono::Utc;
use platform::{AppState, Ctx, Error, FieldError, Result};
use uuid::Uuid;

use std::sync::Arc;

use super::{
    accounts, figures::ProfileFigures, figures_cache, period::Period, subject::Subject, tracked,
};

/// At most this many profiles side by side (charts stay legible; one colour each).
pub const MAX_CHOSEN: usize = 6;

/// Every profile the workspace can compare: its accounts, then its tracked profiles.
pub async fn candidates(state: &AppState, ctx: &Ctx) -> Result<Vec<Subject>> {
    let mut out: Vec<Subject> = accounts::list(state, ctx)
        .await?
        .into_iter()
        .map(|c| Subject::Account(Box::new(c)))
        .collect();
    out.extend(
        tracked::list(state, ctx)
            .await?
            .into_iter()
            .map(|t| Subject::Tracked(Box::new(t))),
    );
    Ok(out)
}

/// The profiles chosen from `candidates` by their ids (account or tracked ids, as the
/// form's checkboxes send them), in the candidates' order. No choice: the first
/// [`MAX_CHOSEN`]. Ids that are not the workspace's are left out and counted (they may have
/// been removed since the address was bookmarked); more than [`MAX_CHOSEN`] is refused.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Indices into the candidates.
    pub chosen: Vec<usize>,
    /// Ids asked for that are not among the candidates.
    pub unknown: usize,
}

pub fn choose(candidates: &[Subject], requested: &[String]) -> Result<Choice> {
    if requested.iter().all(|r| r.trim().is_empty()) {
        return Ok(Choice {
            chosen: (0..candidates.len().min(MAX_CHOSEN)).collect(),
            unknown: 0,
        });
    }
    let mut ids: Vec<Uuid> = Vec::new();
    for raw in requested.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        let id = Uuid::parse_str(raw).map_err(|_| {
            Error::validation("profile", "Choose the profiles to compare from the list")
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > MAX_CHOSEN {
        return Err(Error::Validation(vec![FieldError::new(
            "profile",
            format!("Choose at most {MAX_CHOSEN} profiles to compare"),
        )]));
    }
    let chosen: Vec<usize> = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| ids.contains(&c.id()))
        .map(|(i, _)| i)
        .collect();
    Ok(Choice {
        unknown: ids.len() - chosen.len(),
        chosen,
    })
}

#[derive(Debug, Clone)]
pub struct Compared {
    pub subject: Subject,
    pub figures: Arc<ProfileFigures>,
}

/// The figures of each chosen profile over the period.
pub async fn compare(
    state: &AppState,
    chosen: impl IntoIterator<Item = Subject>,
    period: Period,
) -> Result<Vec<Compared>> {
    let today = Utc::now().date_naive();
    // The profiles load at once, each on its own pooled connection: the database works on
    // them side by side (on SQLite each connection has its own thread), so comparing six
    // profiles takes about as long as the slowest of them rather than the sum.
    let loads = chosen.into_iter().map(|subject| async move {
        let figures = figures_cache::figures(&state.db, subject.profile(), period, today).await?;
        Ok::<_, Error>(Compared { subject, figures })
    });
    futures::future::try_join_all(loads).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn no_choice_is_the_first_six_and_bad_ids_are_refused() {
        let none: Vec<Subject> = Vec::new();
        assert!(choose(&none, &[]).unwrap().chosen.is_empty());
        assert!(choose(&none, &["not-an-id".into()]).is_err());
        let seven: Vec<String> = (0..7).map(|_| Uuid::now_v7().to_string()).collect();
        assert!(choose(&none, &seven).is_err(), "more than six");
        let one = choose(&none, &[Uuid::now_v7().to_string()]).unwrap();
        assert_eq!((one.chosen.len(), one.unknown), (0, 1));
    }
}
