//! The daily tasks of a subject. A day's tasks are generated once, the first time the day is
//! viewed while it is today in the subject's time zone, from the plan's weekly mix and the best
//! posting times (a post at the day's best slot on the week's best days), the subject's latest
//! posts (comments to answer, a hashtag set repeated unchanged) and the suggestions from
//! outside the planner. Each task has a key that is stable within the day, and a day is marked
//! generated in the same transaction, so generating twice (two pages at once, two nodes)
//! inserts nothing the second time. Tasks are checked off and back on, recording who and when;
//! a streak is a run of consecutive days on which every task was done.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use instagram::service::{history::History, subject::Subject};
use platform::{AppState, Ctx, Error, Permission, Result, Scope, db::now};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait, sea_query::OnConflict,
};
use uuid::Uuid;

use super::{SubjectKey, TaskSuggestion, plan, zone};
use crate::{
    model::planner::{task, task_day},
    service::best_times::{self, BestTimes, WEEKDAYS},
};

/// Posts read for a repeated hashtag set.
pub const HASHTAG_POSTS: usize = 5;
/// Identical sets among them that make a task.
pub const HASHTAG_REPEATS: usize = 3;
/// A post's comments make a task for this many days after it went out.
pub const REPLY_DAYS: i64 = 7;
/// The hour a post is suggested at when the account has no posting history at all.
pub const DEFAULT_HOUR: u8 = 18;

/// A task as generated, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    pub key: String,
    pub kind: &'static str,
    pub title: String,
    pub detail: String,
    pub link: Option<String>,
    pub slot_at: Option<DateTime<Utc>>,
}

/// The weekdays (0 = Monday) posts go out on, best first: weekdays with a judged slot by
/// their best score, then the others by how often the account posts on them.
pub fn posting_days(best: &BestTimes, per_week: u32) -> Vec<u8> {
    let mut days: Vec<(u8, f64, usize)> = (0..7u8)
        .map(|wd| {
            let score = best.best_hour_of(wd).and_then(|c| c.score).unwrap_or(-1.0);
            let posts = best
                .cells
                .iter()
                .filter(|c| c.weekday == wd)
                .map(|c| c.posts)
                .sum();
            (wd, score, posts)
        })
        .collect();
    days.sort_by(|a, b| {
        b.1.partial_cmp(&a.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.2.cmp(&a.2))
            .then(a.0.cmp(&b.0))
    });
    days.into_iter()
        .take(per_week.min(7) as usize)
        .map(|(wd, _, _)| wd)
        .collect()
}

/// The hashtags of a caption, lower-cased, as a sorted set.
pub fn hashtags(caption: &str) -> Vec<String> {
    let mut tags: Vec<String> = caption
        .split(|c: char| c.is_whitespace())
        .flat_map(|w| w.split('#').skip(1).map(str::to_string).collect::<Vec<_>>())
        .map(|t| {
            t.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'))
                .to_lowercase()
        })
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// The day's tasks, in order (pure: the caller stores them).
pub fn generate(
    history: &History,
    best: &BestTimes,
    mix: &plan::Mix,
    suggestions: &[TaskSuggestion],
    day: NaiveDate,
    tz: Tz,
) -> Vec<NewTask> {
    let mut out = Vec::new();
    let weekday = u8::try_from(day.weekday().num_days_from_monday()).unwrap_or(0);
    let days = posting_days(best, mix.per_week);
    let schedule = mix.schedule();
    if let Some(rank) = days.iter().position(|d| *d == weekday) {
        let format = schedule.get(rank).copied().unwrap_or(plan::Format::Reel);
        let judged = best.best_hour_of(weekday);
        let hour = judged
            .map(|c| c.hour)
            .or_else(|| best.usual_hour())
            .unwrap_or(DEFAULT_HOUR);
        let short_day = &WEEKDAYS[usize::from(weekday)][..3];
        let is_top = best
            .top
            .iter()
            .any(|s| s.cell.weekday == weekday && s.cell.hour == hour);
        let title = if is_top {
            format!(
                "Post {} at {short_day} {hour:02}:00, your best slot",
                format.with_article()
            )
        } else {
            format!("Post {} at {short_day} {hour:02}:00", format.with_article())
        };
        let why_time = match (judged, is_top) {
            (Some(c), true) => format!(
                "One of your three best slots: median rate {:.2} % over {} posts.",
                c.median_rate.unwrap_or(0.0),
                c.posts
            ),
            (Some(c), false) => format!(
                "Your best judged hour on {}s: median rate {:.2} % over {} posts.",
                WEEKDAYS[usize::from(weekday)],
                c.median_rate.unwrap_or(0.0),
                c.posts
            ),
            (None, _) if best.usual_hour().is_some() => {
                "No hour of this weekday has enough posts to judge yet: the hour you post at most."
                    .to_string()
            }
            (None, _) => "No posting history yet: an evening hour to start with.".to_string(),
        };
        let why_format = mix
            .targets
            .iter()
            .find(|t| t.format == format)
            .map(|t| format!(" {}: {}.", format.plural(), t.evidence))
            .unwrap_or_default();
        out.push(NewTask {
            key: format!("post:{weekday}:{hour}:{}", format.as_str()),
            kind: "post",
            title,
            detail: format!(
                "{why_time}{why_format} This week's plan: {} posts.",
                mix.per_week
            ),
            link: None,
            slot_at: zone::at(tz, day, u32::from(hour), 0),
        });
    }

    let day_end = zone::day_start(tz, day + Duration::days(1));
    let posts: Vec<_> = history
        .posts
        .iter()
        .filter(|p| p.posted_at < day_end)
        .collect();
    if let Some(last) = posts.last()
        && let Some(n) = last.comments.filter(|n| *n > 0)
        && day_end - last.posted_at <= Duration::days(REPLY_DAYS + 1)
    {
        out.push(NewTask {
            key: format!("reply:{}", last.id),
            kind: "reply",
            title: format!(
                "Reply to the {} on your last post",
                platform::web::format::count(n, "comment", "comments")
            ),
            detail: format!(
                "Posted {}. Answers in the first days bring people back to the post and the account.",
                last.posted_at.with_timezone(&tz).format("%a %b %-d, %H:%M")
            ),
            link: last.permalink.clone(),
            slot_at: None,
        });
    }

    let recent: Vec<Vec<String>> = posts
        .iter()
        .rev()
        .take(HASHTAG_POSTS)
        .map(|p| hashtags(p.caption.as_deref().unwrap_or("")))
        .collect();
    let mut sets: BTreeMap<&Vec<String>, usize> = BTreeMap::new();
    for set in recent.iter().filter(|s| s.len() >= 3) {
        *sets.entry(set).or_default() += 1;
    }
    if let Some((set, n)) = sets
        .into_iter()
        .filter(|(_, n)| *n >= HASHTAG_REPEATS)
        .max_by_key(|(_, n)| *n)
    {
        let shown: Vec<String> = set.iter().take(6).map(|t| format!("#{t}")).collect();
        let more = if set.len() > 6 { " …" } else { "" };
        out.push(NewTask {
            key: format!("hashtags:{}", crate::engine::text_hash(&set.join(" "))),
            kind: "hashtags",
            title: format!(
                "Vary the hashtag set repeated on your last {} posts",
                recent.len()
            ),
            detail: format!(
                "The same {} tags ({}{more}) went out unchanged on {n} of your last {} posts. \
                 Swap some for tags that fit each post.",
                set.len(),
                shown.join(" "),
                recent.len()
            ),
            link: None,
            slot_at: None,
        });
    }

    out.extend(suggestions.iter().map(suggested));
    out
}

/// A task offered from outside the planner.
fn suggested(s: &TaskSuggestion) -> NewTask {
    NewTask {
        key: format!("outside:{}", s.key),
        kind: "suggestion",
        title: s.title.clone(),
        detail: s.detail.clone(),
        link: s.link.clone(),
        slot_at: None,
    }
}

fn of_subject(key: &SubjectKey) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(task::Column::WorkspaceId.eq(key.workspace_id))
        .add(task::Column::SubjectKind.eq(key.kind))
        .add(task::Column::SubjectId.eq(key.id))
}

/// Generates today's tasks if this is the first view of today; returns whether it did.
pub async fn ensure_today(
    state: &AppState,
    key: &SubjectKey,
    subject: &Subject,
    tz: Tz,
) -> Result<bool> {
    let today = zone::today(tz);
    let known =
        task_day::Entity::find_by_id((key.workspace_id, key.kind.to_string(), key.id, today))
            .one(&state.db)
            .await?;
    if known.is_some() {
        return Ok(false);
    }
    let history = super::record(state, subject).await?;
    let best = best_times::of(&history, tz, Utc::now());
    let goal = plan::goal(&state.db, key).await?;
    let behind = goal.as_ref().is_some_and(|g| {
        plan::project(
            &plan::Goal {
                target_followers: g.target_followers,
                target_date: g.target_date,
            },
            &history,
            today,
        )
        .on_track
            == Some(false)
    });
    let mix = plan::mix(&history.posts, Utc::now(), behind);
    let suggestions = super::outside_suggestions(&state.db, key, subject).await?;
    let new = generate(&history, &best, &mix, &suggestions, today, tz);
    store(&state.db, key, today, tz, new).await
}

/// Stores a generated day: the day's mark and its tasks in one transaction; a day already
/// marked (by a concurrent view) stores nothing.
pub async fn store(
    db: &sea_orm::DatabaseConnection,
    key: &SubjectKey,
    day: NaiveDate,
    tz: Tz,
    new: Vec<NewTask>,
) -> Result<bool> {
    let txn = db.begin().await?;
    let t = now();
    let marked = task_day::Entity::insert(task_day::ActiveModel {
        workspace_id: Set(key.workspace_id),
        subject_kind: Set(key.kind.to_string()),
        subject_id: Set(key.id),
        day: Set(day),
        time_zone: Set(tz.name().to_string()),
        generated_at: Set(t),
    })
    .on_conflict(
        OnConflict::columns([
            task_day::Column::WorkspaceId,
            task_day::Column::SubjectKind,
            task_day::Column::SubjectId,
            task_day::Column::Day,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if marked == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    insert_tasks(&txn, key, day, new, 0).await?;
    txn.commit().await?;
    Ok(true)
}

/// Adds `new` to the subject's `day` after its `after` tasks; a key the day already has is
/// left as it is.
async fn insert_tasks(
    conn: &impl sea_orm::ConnectionTrait,
    key: &SubjectKey,
    day: NaiveDate,
    new: Vec<NewTask>,
    after: usize,
) -> Result<()> {
    let t = now();
    for (position, n) in new.into_iter().enumerate() {
        task::Entity::insert(task::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(key.workspace_id),
            subject_kind: Set(key.kind.to_string()),
            subject_id: Set(key.id),
            day: Set(day),
            key: Set(n.key.chars().take(200).collect()),
            kind: Set(n.kind.to_string()),
            title: Set(n.title),
            detail: Set(n.detail),
            link: Set(n.link),
            slot_at: Set(n.slot_at),
            position: Set(i32::try_from(after + position).unwrap_or(i32::MAX)),
            done_at: Set(None),
            done_by: Set(None),
            created_at: Set(t),
        })
        .on_conflict(
            OnConflict::columns([
                task::Column::WorkspaceId,
                task::Column::SubjectKind,
                task::Column::SubjectId,
                task::Column::Day,
                task::Column::Key,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// A suggestion that arrives after the subject's day was generated (an audit finished): added
/// to today's tasks if today's were generated, else left for today's first view, which asks
/// for the suggestions itself. Written through `conn` (the finishing audit's transaction).
pub async fn add_outside(
    conn: &impl sea_orm::ConnectionTrait,
    key: &SubjectKey,
    suggestions: &[TaskSuggestion],
) -> Result<()> {
    let tz = zone::of(conn, key).await?;
    let today = zone::today(tz);
    let known =
        task_day::Entity::find_by_id((key.workspace_id, key.kind.to_string(), key.id, today))
            .one(conn)
            .await?;
    if known.is_none() || suggestions.is_empty() {
        return Ok(());
    }
    let after = task::Entity::find()
        .filter(of_subject(key))
        .filter(task::Column::Day.eq(today))
        .count(conn)
        .await?;
    let new = suggestions.iter().map(suggested).collect();
    insert_tasks(conn, key, today, new, usize::try_from(after).unwrap_or(0)).await
}

/// The subject's tasks from `from` to `to` (inclusive), by day and position; today's are
/// generated first if this is their first view.
pub async fn between(
    state: &AppState,
    key: &SubjectKey,
    subject: &Subject,
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<task::Model>> {
    let today = zone::today(tz);
    if from <= today && today <= to {
        ensure_today(state, key, subject, tz).await?;
    }
    Ok(task::Entity::find()
        .filter(of_subject(key))
        .filter(task::Column::Day.gte(from))
        .filter(task::Column::Day.lte(to))
        .order_by_asc(task::Column::Day)
        .order_by_asc(task::Column::Position)
        .all(&state.db)
        .await?)
}

/// The workspace's tasks from `from` to `to` (inclusive), every subject's.
pub async fn in_workspace(
    db: &impl ConnectionTrait,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<task::Model>> {
    Ok(task::Entity::find()
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(task::Column::Day.gte(from))
        .filter(task::Column::Day.lte(to))
        .order_by_asc(task::Column::Day)
        .order_by_asc(task::Column::Position)
        .all(db)
        .await?)
}

/// A task of the caller's workspace; another workspace's is not found.
pub async fn find_in(db: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<task::Model> {
    task::Entity::find_by_id(id)
        .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound)
}

/// Checks a task off (`done`) or back on (workspace write), recording who and when.
pub async fn set_done(state: &AppState, ctx: &Ctx, id: Uuid, done: bool) -> Result<task::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let row = find_in(&state.db, &Scope::of(ctx)?, id).await?;
    if row.done_at.is_some() == done {
        return Ok(row);
    }
    let mut active = row.into_active_model();
    if done {
        active.done_at = Set(Some(now()));
        active.done_by = Set(Some(ctx.user_id()));
    } else {
        active.done_at = Set(None);
        active.done_by = Set(None);
    }
    Ok(active.update(&state.db).await?)
}

/// Runs of days with every task done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Streaks {
    /// Ending today (or yesterday, while today is still open).
    pub current: u32,
    pub longest: u32,
}

/// Streaks from each day's (tasks, done) counts. A day with tasks not all done, or with no
/// tasks at all (not opened, nothing generated), ends a run.
pub fn streaks(days: &BTreeMap<NaiveDate, (u32, u32)>, today: NaiveDate) -> Streaks {
    let complete = |d: &NaiveDate| days.get(d).is_some_and(|(n, done)| *n > 0 && done == n);
    let mut longest = 0;
    let mut run = 0;
    let mut previous: Option<NaiveDate> = None;
    for day in days.keys().filter(|d| complete(d)) {
        run = match previous {
            Some(p) if *day - p == Duration::days(1) => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        previous = Some(*day);
    }
    let mut current = 0;
    let mut day = if complete(&today) {
        today
    } else {
        today - Duration::days(1)
    };
    while complete(&day) {
        current += 1;
        day -= Duration::days(1);
    }
    Streaks { current, longest }
}

/// The subject's streaks, counted in its time zone.
pub async fn streaks_of(db: &impl ConnectionTrait, key: &SubjectKey, tz: Tz) -> Result<Streaks> {
    let rows: Vec<(NaiveDate, Option<DateTime<Utc>>)> = task::Entity::find()
        .select_only()
        .column(task::Column::Day)
        .column(task::Column::DoneAt)
        .filter(of_subject(key))
        .into_tuple()
        .all(db)
        .await?;
    let mut days: BTreeMap<NaiveDate, (u32, u32)> = BTreeMap::new();
    for (day, done) in rows {
        let e = days.entry(day).or_default();
        e.0 += 1;
        if done.is_some() {
            e.1 += 1;
        }
    }
    Ok(streaks(&days, zone::today(tz)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn streaks_count_consecutive_complete_days() {
        let mut days = BTreeMap::new();
        for (day, n, done) in [
            ("2026-12-01", 2, 2),
            ("2026-12-02", 3, 3),
            ("2026-12-03", 2, 2),
            ("2026-12-04", 2, 1),
            ("2026-12-05", 1, 1),
            ("2026-12-06", 2, 0),
        ] {
            days.insert(d(day), (n, done));
        }
        // Today (the 6th) is open: the current run ends yesterday.
        assert_eq!(
            streaks(&days, d("2026-12-06")),
            Streaks {
                current: 1,
                longest: 3
            }
        );
        days.insert(d("2026-12-06"), (2, 2));
        assert_eq!(streaks(&days, d("2026-12-06")).current, 2);
        // A day with nothing generated breaks the run.
        assert_eq!(streaks(&days, d("2026-12-08")).current, 0);
        assert_eq!(
            streaks(&BTreeMap::new(), d("2026-12-08")),
            Streaks::default()
        );
    }

    #[test]
    fn hashtags_are_a_normalised_set() {
        assert_eq!(
            hashtags("Sunset #Travel #beach, #travel\n#sun!#Sea"),
            ["beach", "sea", "sun", "travel"]
        );
        assert!(hashtags("no tags # here").is_empty());
    }
}
