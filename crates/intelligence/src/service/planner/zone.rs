//! A subject's time zone: an IANA name chosen on the best-times or planner page (UTC until
//! then). Best times, the days of tasks and the calendar are read in it.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use platform::{Ctx, Error, Permission, Result, db::now};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::OnConflict};
use uuid::Uuid;

use super::SubjectKey;
use crate::model::planner::subject_setting;

/// Regions whose zones the choice lists (the IANA database's other names — `US/Pacific`,
/// `Etc/GMT+5` — are accepted when sent, but not offered).
const REGIONS: [&str; 9] = [
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
];

/// The zones offered in the choice, by name, `UTC` first.
pub fn choices() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| {
            name.split_once('/')
                .is_some_and(|(region, _)| REGIONS.contains(&region))
        })
        .collect();
    out.sort_unstable();
    out.insert(0, "UTC");
    out
}

/// An IANA name as sent; anything else is the field's error.
pub fn parse(raw: &str) -> Result<Tz> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Error::validation("time_zone", "Choose a time zone"));
    }
    name.parse::<Tz>().map_err(|_| {
        Error::validation(
            "time_zone",
            "Choose a time zone from the list (a name such as Europe/Berlin)",
        )
    })
}

/// The subject's zone (UTC when none was chosen).
pub async fn of(db: &impl ConnectionTrait, key: &SubjectKey) -> Result<Tz> {
    Ok(setting(db, key)
        .await?
        .and_then(|s| s.time_zone.parse::<Tz>().ok())
        .unwrap_or(chrono_tz::UTC))
}

pub async fn setting(
    db: &impl ConnectionTrait,
    key: &SubjectKey,
) -> Result<Option<subject_setting::Model>> {
    Ok(subject_setting::Entity::find()
        .filter(subject_setting::Column::WorkspaceId.eq(key.workspace_id))
        .filter(subject_setting::Column::SubjectKind.eq(key.kind))
        .filter(subject_setting::Column::SubjectId.eq(key.id))
        .one(db)
        .await?)
}

/// Sets the subject's zone (workspace write).
pub async fn set(db: &impl ConnectionTrait, ctx: &Ctx, key: &SubjectKey, raw: &str) -> Result<Tz> {
    ctx.require(Permission::WorkspaceWrite)?;
    let tz = parse(raw)?;
    subject_setting::Entity::insert(subject_setting::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(key.workspace_id),
        subject_kind: Set(key.kind.to_string()),
        subject_id: Set(key.id),
        time_zone: Set(tz.name().to_string()),
        updated_by: Set(Some(ctx.user_id())),
        updated_at: Set(now()),
    })
    .on_conflict(
        OnConflict::columns([
            subject_setting::Column::WorkspaceId,
            subject_setting::Column::SubjectKind,
            subject_setting::Column::SubjectId,
        ])
        .update_columns([
            subject_setting::Column::TimeZone,
            subject_setting::Column::UpdatedBy,
            subject_setting::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(tz)
}

/// Today in `tz`.
pub fn today(tz: Tz) -> NaiveDate {
    Utc::now().with_timezone(&tz).date_naive()
}

/// `hour`:00 of `day` in `tz` as a UTC instant; an hour the clocks skip is the one after it,
/// an hour they repeat the first of the two.
pub fn at(tz: Tz, day: NaiveDate, hour: u32, minute: u32) -> Option<DateTime<Utc>> {
    let local = day.and_hms_opt(hour, minute, 0)?;
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// The first instant of `day` in `tz`.
pub fn day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    at(tz, day, 0, 0).unwrap_or_else(|| day.and_time(chrono::NaiveTime::MIN).and_utc())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_are_checked() {
        assert_eq!(parse(" Europe/Berlin ").unwrap(), chrono_tz::Europe::Berlin);
        assert_eq!(parse("UTC").unwrap(), chrono_tz::UTC);
        for bad in ["", "Mars/Olympus", "Europe/Berlin; drop", "utc+2"] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.field_errors()[0].field, "time_zone", "{bad}");
        }
        let list = choices();
        assert_eq!(list[0], "UTC");
        assert!(list.contains(&"America/Los_Angeles"));
        assert!(!list.contains(&"US/Pacific"));
    }

    #[test]
    fn local_hours_across_daylight_saving() {
        let berlin = chrono_tz::Europe::Berlin;
        let d = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        // 02:30 does not exist that night in Berlin: 03:30 summer time (01:30 UTC).
        assert_eq!(
            at(berlin, d, 2, 30).unwrap().to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
        assert_eq!(
            at(berlin, d, 18, 0).unwrap().to_rfc3339(),
            "2026-03-29T16:00:00+00:00"
        );
        assert_eq!(
            day_start(berlin, d).to_rfc3339(),
            "2026-03-28T23:00:00+00:00"
        );
    }
}
