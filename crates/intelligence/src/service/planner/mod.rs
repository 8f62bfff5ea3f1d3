//! The growth planner of a subject (an own account or a tracked profile): its time zone
//! ([`zone`]), a followers goal with its projection and the weekly content mix ([`plan`]), the
//! daily tasks generated from them and from the best posting times ([`tasks`]), the planned
//! posts of its calendar ([`calendar`]), and each member's calendar subscription ([`feed`]).
//!
//! Every row names its subject by kind and id within the workspace ([`SubjectKey`]); a subject
//! is only ever reached through the caller's workspace (`Subject::account` / `tracked`), so a
//! key built from one names that workspace's rows alone.

pub mod calendar;
pub mod feed;
pub mod plan;
pub mod tasks;
pub mod zone;

use chrono::{NaiveDate, Utc};
use instagram::service::{history, subject::Subject};
use platform::{AppState, Result, Scope};
use uuid::Uuid;

/// How a subject's rows are named: its workspace, `account` or `tracked`, its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubjectKey {
    pub workspace_id: Uuid,
    pub kind: &'static str,
    pub id: Uuid,
}

pub const ACCOUNT: &str = "account";
pub const TRACKED: &str = "tracked";

impl SubjectKey {
    /// The key of a subject reached through `scope`'s workspace.
    pub fn of(scope: &Scope, subject: &Subject) -> SubjectKey {
        SubjectKey {
            workspace_id: scope.workspace_id(),
            kind: if subject.is_tracked() {
                TRACKED
            } else {
                ACCOUNT
            },
            id: subject.id(),
        }
    }
}

/// A task the planner cannot know by itself, offered by another part of the product (an
/// audit's recommendation). Its `key` is stable, so offering it again on the same day adds
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSuggestion {
    pub key: String,
    pub title: String,
    pub detail: String,
    pub link: Option<String>,
}

/// Audit recommendations offered as tasks a day (the most expected impact first).
pub const AUDIT_TASKS: usize = 2;

/// The suggestions from outside the planner for a subject's day: the recommendations of its
/// latest finished audit with the most expected impact, each keyed by the recommendation and
/// linking its evidence. Read through `conn`, so a finishing audit's own transaction sees it.
pub async fn outside_suggestions(
    conn: &impl sea_orm::ConnectionTrait,
    key: &SubjectKey,
    _subject: &Subject,
) -> Result<Vec<TaskSuggestion>> {
    let Some((audit, report)) =
        crate::service::audit::run::latest_done(conn, key.workspace_id, key.id).await?
    else {
        return Ok(Vec::new());
    };
    Ok(report
        .recommendations
        .iter()
        .take(AUDIT_TASKS)
        .map(|r| TaskSuggestion {
            key: format!("audit.{}", r.key),
            title: r.title.clone(),
            detail: format!(
                "{} (from the audit of {}, up to +{:.1} points)",
                r.detail,
                audit.to_day.format("%b %-d, %Y"),
                r.impact
            ),
            link: Some(format!("/audits/{}#{}", audit.id, r.component)),
        })
        .collect())
}

/// The subject's record over the window the best times read (the longest the planner needs).
pub async fn record(state: &AppState, subject: &Subject) -> Result<history::History> {
    let from: NaiveDate =
        Utc::now().date_naive() - chrono::Duration::days(super::best_times::WINDOW_DAYS);
    history::of(&state.db, subject, from).await
}

/// One subject's day on the workspace's planner.
#[derive(Debug, Clone)]
pub struct SubjectDay {
    pub key: SubjectKey,
    pub subject: Subject,
    pub username: String,
    pub time_zone: chrono_tz::Tz,
    pub today: NaiveDate,
    pub tasks: Vec<crate::model::planner::task::Model>,
    pub streaks: tasks::Streaks,
}

/// Today across the workspace: every own account's tasks (generated on the first view of the
/// day) and those of tracked profiles that have a goal, each in its own time zone.
pub async fn today(state: &AppState, scope: &Scope) -> Result<Vec<SubjectDay>> {
    let mut out = Vec::new();
    for subject in instagram::service::subject::all_in(&state.db, scope).await? {
        let key = SubjectKey::of(scope, &subject);
        if subject.is_tracked() && plan::goal(&state.db, &key).await?.is_none() {
            continue;
        }
        let tz = zone::of(&state.db, &key).await?;
        let today = zone::today(tz);
        let tasks = tasks::between(state, &key, &subject, tz, today, today).await?;
        let streaks = tasks::streaks_of(&state.db, &key, tz).await?;
        out.push(SubjectDay {
            key,
            username: subject.profile().username.clone(),
            subject,
            time_zone: tz,
            today,
            tasks,
            streaks,
        });
    }
    Ok(out)
}
