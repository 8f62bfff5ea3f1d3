//! The shared profile pool read in bulk, for features that index it (discovery): profiles in
//! id order, their recent posts, and their followers on a past day. Reads only; a workspace's
//! own accounts and insights are never part of it.

use std::collections::HashMap;

use chrono::NaiveDate;
use platform::Result;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::model::{post, profile, profile_snapshot};

/// Up to `limit` profiles with an id after `after`, in id order (a walk over the whole pool).
pub async fn profiles_after(
    conn: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<profile::Model>> {
    let mut q = profile::Entity::find().order_by_asc(profile::Column::Id);
    if let Some(a) = after {
        q = q.filter(profile::Column::Id.gt(a));
    }
    Ok(q.limit(limit).all(conn).await?)
}

/// The profiles with these ids.
pub async fn profiles(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<profile::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(profile::Entity::find()
        .filter(profile::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

/// Each profile's newest `per_profile` feed posts and reels (stories left out), newest first.
pub async fn recent_posts(
    conn: &impl ConnectionTrait,
    profile_id: Uuid,
    per_profile: u64,
) -> Result<Vec<post::Model>> {
    Ok(post::Entity::find()
        .filter(post::Column::ProfileId.eq(profile_id))
        .filter(
            sea_orm::Condition::any()
                .add(post::Column::ProductType.is_null())
                .add(post::Column::ProductType.ne("STORY")),
        )
        .order_by_desc(post::Column::PostedAt)
        .limit(per_profile)
        .all(conn)
        .await?)
}

/// Each profile's followers on the newest snapshot on or before `day` and at most two weeks
/// older (profiles without one are left out: a growth figure over a much longer span would
/// be a different figure).
pub async fn followers_on(
    conn: &impl ConnectionTrait,
    profile_ids: &[Uuid],
    day: NaiveDate,
) -> Result<HashMap<Uuid, i64>> {
    let mut out = HashMap::new();
    if profile_ids.is_empty() {
        return Ok(out);
    }
    let rows = profile_snapshot::Entity::find()
        .filter(profile_snapshot::Column::ProfileId.is_in(profile_ids.iter().copied()))
        .filter(profile_snapshot::Column::Day.lte(day))
        .filter(profile_snapshot::Column::Day.gt(day - chrono::Duration::days(14)))
        .filter(profile_snapshot::Column::FollowersCount.is_not_null())
        .order_by_asc(profile_snapshot::Column::Day)
        .all(conn)
        .await?;
    for r in rows {
        if let Some(f) = r.followers_count {
            // Ascending days: the last one written is the newest on or before `day`.
            out.insert(r.profile_id, f);
        }
    }
    Ok(out)
}

/// A demo creator for discovery's pool: the demo generator's profile of `username` (which
/// must be a demo username), its newest `posts` posts and its followers 30 and 90 days ago —
/// enough to index, without the year of history and comments a tracked account gets. A
/// tracked or unlocked demo creator is refreshed in full like any demo profile. Returns the
/// profile as stored (the `demo` pool, source `demo`).
pub async fn sample_demo(
    conn: &impl ConnectionTrait,
    username: &crate::source::Username,
    posts: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<profile::Model> {
    use crate::source::{Source, demo::Persona};
    if !username.is_demo() {
        return Err(platform::Error::validation(
            "username",
            "demo creators have demo usernames (demo.…)",
        ));
    }
    let persona = Persona::of(username);
    let row = super::profiles::find_or_create(conn, super::profiles::Pool::Demo, username.as_str())
        .await?;
    let saved =
        super::store::save_profile(conn, row, &persona.profile(now), Source::Demo, now).await?;
    // Nobody uses it yet: no refresh is planned (the scheduler would otherwise find thousands
    // of due profiles that no workspace uses, ahead of the ones that are). Adding it to a
    // workspace queues its refresh as for any profile.
    let saved = if saved.next_refresh_at.is_some() && !in_use(conn, saved.id).await? {
        use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let mut active = saved.into_active_model();
        active.next_refresh_at = Set(None);
        active.update(conn).await?
    } else {
        saved
    };
    let days: Vec<_> = persona
        .history(now, 91)
        .into_iter()
        .filter(|d| {
            let back = (now.date_naive() - d.day).num_days();
            back == 30 || back == 90
        })
        .collect();
    super::store::save_history(conn, saved.id, &days, Source::Demo, now).await?;
    let mut media = persona.posts(now);
    media.truncate(posts);
    super::store::save_media(conn, saved.id, &media, Source::Demo, now).await?;
    Ok(saved)
}

/// Whether a workspace uses the profile (an account or a tracked profile).
async fn in_use(conn: &impl ConnectionTrait, profile_id: Uuid) -> Result<bool> {
    use crate::model::{account, tracked};
    use sea_orm::PaginatorTrait;
    let accounts = account::Entity::find()
        .filter(account::Column::ProfileId.eq(profile_id))
        .count(conn)
        .await?;
    let tracking = tracked::Entity::find()
        .filter(tracked::Column::ProfileId.eq(profile_id))
        .count(conn)
        .await?;
    Ok(accounts + tracking > 0)
}

/// The posts of these profiles posted at or after `from` and before `until`, oldest first
/// (discovery's campaign tracking reads a campaign's window of its creators' posts).
pub async fn posts_between(
    conn: &impl ConnectionTrait,
    profile_ids: &[Uuid],
    from: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<post::Model>> {
    if profile_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(post::Entity::find()
        .filter(post::Column::ProfileId.is_in(profile_ids.iter().copied()))
        .filter(post::Column::PostedAt.gte(from))
        .filter(post::Column::PostedAt.lt(until))
        .order_by_asc(post::Column::PostedAt)
        .order_by_asc(post::Column::Id)
        .all(conn)
        .await?)
}

/// The posts with these ids (those that exist).
pub async fn posts(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<post::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(post::Entity::find()
        .filter(post::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

/// The post with this shortcode of one of these profiles (a shortcode names one post on
/// Instagram; restricting to the profiles keeps a caller from reading other posts by it).
pub async fn post_by_shortcode(
    conn: &impl ConnectionTrait,
    profile_ids: &[Uuid],
    shortcode: &str,
) -> Result<Option<post::Model>> {
    if profile_ids.is_empty() {
        return Ok(None);
    }
    Ok(post::Entity::find()
        .filter(post::Column::ProfileId.is_in(profile_ids.iter().copied()))
        .filter(post::Column::Shortcode.eq(shortcode))
        .one(conn)
        .await?)
}

/// A post's reach as the insights of a connected account read it.
#[derive(Debug, Clone, PartialEq)]
pub struct PostReach {
    pub reach: i64,
    /// `graph` (insights come only from the Graph API) or `demo`.
    pub source: String,
    pub fetched_at: chrono::DateTime<chrono::Utc>,
}

/// The newest known reach of these posts, from the insights of `workspace_id`'s own
/// connected accounts only (insights are private to the workspace that connected the
/// account; public posts have no reach). Posts without it are left out.
pub async fn post_reach(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    post_ids: &[Uuid],
) -> Result<HashMap<Uuid, PostReach>> {
    use crate::model::{account, post_insight};
    let mut out = HashMap::new();
    if post_ids.is_empty() {
        return Ok(out);
    }
    let accounts: Vec<Uuid> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::WorkspaceId.eq(workspace_id))
        .into_tuple()
        .all(conn)
        .await?;
    if accounts.is_empty() {
        return Ok(out);
    }
    let rows = post_insight::Entity::find()
        .filter(post_insight::Column::AccountId.is_in(accounts))
        .filter(post_insight::Column::PostId.is_in(post_ids.iter().copied()))
        .filter(post_insight::Column::Reach.is_not_null())
        .order_by_asc(post_insight::Column::Day)
        .all(conn)
        .await?;
    for r in rows {
        if let Some(reach) = r.reach {
            // Ascending days: the last one written is the newest.
            out.insert(
                r.post_id,
                PostReach {
                    reach,
                    source: r.source,
                    fetched_at: r.fetched_at,
                },
            );
        }
    }
    Ok(out)
}
