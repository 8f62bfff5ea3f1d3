//! Writing what a source fetched: the profile row and its snapshot of the day, posts (new ones
//! inserted, known ones updated) with their counts of the day, comments, and a connected
//! account's private insights. Each value keeps the source it came from and when.

use chrono::{DateTime, Utc};
use platform::Result;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, Set,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use crate::{
    model::{
        account_insight, comment, post, post_insight, post_snapshot, profile, profile_snapshot,
    },
    source::{
        AccountInsightsDay, FetchedComment, FetchedMedia, FetchedProfile, MediaInsights,
        ProfileDay, Source,
    },
};

/// Rows per statement of a batched insert (well under the bind-parameter limits of SQLite and
/// PostgreSQL at 7 columns a row).
const BATCH: usize = 400;

/// Writes the fetched profile over the row and upserts the day's snapshot.
pub async fn save_profile(
    conn: &impl ConnectionTrait,
    row: profile::Model,
    fetched: &FetchedProfile,
    source: Source,
    at: DateTime<Utc>,
) -> Result<profile::Model> {
    let id = row.id;
    let mut active = row.into_active_model();
    active.username = Set(fetched.username.clone());
    active.ig_user_id = Set(fetched.ig_user_id.clone());
    active.full_name = Set(fetched.full_name.clone());
    active.biography = Set(fetched.biography.clone());
    active.website = Set(fetched.website.clone());
    active.picture_url = Set(fetched.picture_url.clone());
    active.followers_count = Set(fetched.followers_count);
    active.follows_count = Set(fetched.follows_count);
    active.media_count = Set(fetched.media_count);
    active.is_verified = Set(fetched.is_verified);
    active.is_business = Set(fetched.is_business);
    active.source = Set(source.as_str().into());
    active.fetched_at = Set(Some(at));
    let saved = active.update(conn).await?;
    profile_snapshot::Entity::insert(profile_snapshot::ActiveModel {
        profile_id: Set(id),
        day: Set(at.date_naive()),
        followers_count: Set(fetched.followers_count),
        follows_count: Set(fetched.follows_count),
        media_count: Set(fetched.media_count),
        source: Set(source.as_str().into()),
        fetched_at: Set(at),
    })
    .on_conflict(
        OnConflict::columns([
            profile_snapshot::Column::ProfileId,
            profile_snapshot::Column::Day,
        ])
        .update_columns([
            profile_snapshot::Column::FollowersCount,
            profile_snapshot::Column::FollowsCount,
            profile_snapshot::Column::MediaCount,
            profile_snapshot::Column::Source,
            profile_snapshot::Column::FetchedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(saved)
}

/// Stores a profile's past days as its daily snapshots, in batches. Days already recorded are
/// kept as they are: history is never rewritten. Returns how many days were new.
pub async fn save_history(
    conn: &impl ConnectionTrait,
    profile_id: Uuid,
    days: &[ProfileDay],
    source: Source,
    at: DateTime<Utc>,
) -> Result<u64> {
    let mut inserted = 0;
    for chunk in days.chunks(BATCH) {
        let rows = chunk.iter().map(|d| profile_snapshot::ActiveModel {
            profile_id: Set(profile_id),
            day: Set(d.day),
            followers_count: Set(d.followers_count),
            follows_count: Set(d.follows_count),
            media_count: Set(d.media_count),
            source: Set(source.as_str().into()),
            fetched_at: Set(at),
        });
        inserted += profile_snapshot::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    profile_snapshot::Column::ProfileId,
                    profile_snapshot::Column::Day,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(inserted)
}

/// How a batch of media landed.
#[derive(Debug, Clone, Default)]
pub struct SavedMedia {
    pub inserted: usize,
    pub updated: usize,
    /// (post id, media as fetched, whether it was new) for each item, in the order given.
    pub posts: Vec<(Uuid, FetchedMedia, bool)>,
}

/// Inserts new posts, updates known ones, and records each post's counts of the day.
pub async fn save_media(
    conn: &impl ConnectionTrait,
    profile_id: Uuid,
    items: &[FetchedMedia],
    source: Source,
    at: DateTime<Utc>,
) -> Result<SavedMedia> {
    let mut out = SavedMedia::default();
    if items.is_empty() {
        return Ok(out);
    }
    // A post is known by its media id or, across sources, by its shortcode: Apify and the
    // Graph API number the same post differently (media pk vs Instagram Login media id).
    let shortcodes: Vec<String> = items.iter().filter_map(|m| m.shortcode.clone()).collect();
    let known: Vec<post::Model> = post::Entity::find()
        .filter(post::Column::ProfileId.eq(profile_id))
        .filter(
            Condition::any()
                .add(post::Column::IgMediaId.is_in(items.iter().map(|m| m.ig_media_id.clone())))
                .add(post::Column::Shortcode.is_in(shortcodes)),
        )
        .all(conn)
        .await?;
    let same_post = |k: &post::Model, m: &FetchedMedia| {
        k.ig_media_id == m.ig_media_id
            || (m.shortcode.is_some() && k.shortcode.as_deref() == m.shortcode.as_deref())
    };
    // One statement for the posts (new ones inserted, known ones updated) and one for their
    // counts of the day: a page of media is two round trips, not two per post.
    let mut rows = Vec::with_capacity(items.len());
    let mut snapshots = Vec::with_capacity(items.len());
    for m in items {
        let found = known.iter().find(|k| same_post(k, m));
        let id = found.map(|k| k.id).unwrap_or_else(Uuid::now_v7);
        // The Graph API's id is the one its insights calls need, so it replaces another
        // source's; another source keeps the stored id.
        let media_id = match found {
            Some(k) if k.ig_media_id != m.ig_media_id && source != Source::Graph => {
                k.ig_media_id.clone()
            }
            Some(k) if k.ig_media_id != m.ig_media_id => {
                post::Entity::update_many()
                    .col_expr(post::Column::IgMediaId, Expr::value(m.ig_media_id.clone()))
                    .filter(post::Column::Id.eq(k.id))
                    .exec(conn)
                    .await?;
                m.ig_media_id.clone()
            }
            _ => m.ig_media_id.clone(),
        };
        if found.is_some() {
            out.updated += 1;
        } else {
            out.inserted += 1;
        }
        rows.push(post::ActiveModel {
            id: Set(id),
            profile_id: Set(profile_id),
            ig_media_id: Set(media_id),
            shortcode: Set(m.shortcode.clone()),
            caption: Set(m.caption.clone()),
            media_type: Set(m.media_type.as_str().into()),
            product_type: Set(m.product_type.clone()),
            // A demo post has no page on instagram.com: whatever a generator says, no link.
            permalink: Set(m.permalink.clone().filter(|_| source != Source::Demo)),
            posted_at: Set(m.posted_at),
            like_count: Set(m.like_count),
            comments_count: Set(m.comments_count),
            view_count: Set(m.view_count),
            media_url: Set(m.media_url.clone()),
            thumbnail_url: Set(m.thumbnail_url.clone()),
            source: Set(source.as_str().into()),
            fetched_at: Set(at),
        });
        snapshots.push(post_snapshot::ActiveModel {
            post_id: Set(id),
            day: Set(at.date_naive()),
            like_count: Set(m.like_count),
            comments_count: Set(m.comments_count),
            view_count: Set(m.view_count),
            source: Set(source.as_str().into()),
        });
        out.posts.push((id, m.clone(), found.is_none()));
    }
    post::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([post::Column::ProfileId, post::Column::IgMediaId])
                .update_columns([
                    post::Column::Caption,
                    post::Column::LikeCount,
                    post::Column::CommentsCount,
                    post::Column::ViewCount,
                    post::Column::MediaUrl,
                    post::Column::ThumbnailUrl,
                    post::Column::Source,
                    post::Column::FetchedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    post_snapshot::Entity::insert_many(snapshots)
        .on_conflict(
            OnConflict::columns([post_snapshot::Column::PostId, post_snapshot::Column::Day])
                .update_columns([
                    post_snapshot::Column::LikeCount,
                    post_snapshot::Column::CommentsCount,
                    post_snapshot::Column::ViewCount,
                    post_snapshot::Column::Source,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(out)
}

/// Inserts the comments not stored yet; returns how many were new.
pub async fn save_comments(
    conn: &impl ConnectionTrait,
    post_id: Uuid,
    comments: &[FetchedComment],
    source: Source,
    at: DateTime<Utc>,
) -> Result<u64> {
    if comments.is_empty() {
        return Ok(0);
    }
    let rows = comments.iter().map(|c| comment::ActiveModel {
        id: Set(Uuid::now_v7()),
        post_id: Set(post_id),
        ig_comment_id: Set(c.ig_comment_id.clone()),
        username: Set(c.username.clone()),
        text: Set(c.text.clone()),
        like_count: Set(c.like_count),
        posted_at: Set(c.posted_at),
        source: Set(source.as_str().into()),
        fetched_at: Set(at),
    });
    let res = comment::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([comment::Column::PostId, comment::Column::IgCommentId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(res)
}

/// A connected account's insights of one post, as of `at`'s day.
pub async fn save_post_insights(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    post_id: Uuid,
    i: &MediaInsights,
    source: Source,
    at: DateTime<Utc>,
) -> Result<()> {
    post_insight::Entity::insert(post_insight::ActiveModel {
        account_id: Set(account_id),
        post_id: Set(post_id),
        day: Set(at.date_naive()),
        views: Set(i.views),
        reach: Set(i.reach),
        saved: Set(i.saved),
        shares: Set(i.shares),
        total_interactions: Set(i.total_interactions),
        source: Set(source.as_str().into()),
        fetched_at: Set(at),
    })
    .on_conflict(
        OnConflict::columns([
            post_insight::Column::AccountId,
            post_insight::Column::PostId,
            post_insight::Column::Day,
        ])
        .update_columns([
            post_insight::Column::Views,
            post_insight::Column::Reach,
            post_insight::Column::Saved,
            post_insight::Column::Shares,
            post_insight::Column::TotalInteractions,
            post_insight::Column::Source,
            post_insight::Column::FetchedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// A connected account's daily insights (days without a date are dropped).
pub async fn save_account_insights(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    days: &[AccountInsightsDay],
    source: Source,
    at: DateTime<Utc>,
) -> Result<u64> {
    let mut n = 0;
    for d in days {
        let Some(day) = d.day else { continue };
        account_insight::Entity::insert(account_insight::ActiveModel {
            account_id: Set(account_id),
            day: Set(day),
            views: Set(d.views),
            reach: Set(d.reach),
            accounts_engaged: Set(d.accounts_engaged),
            follower_count: Set(d.follower_count),
            online_followers: Set(d.online_followers.as_ref().map(|v| serde_json::json!(v))),
            source: Set(source.as_str().into()),
            fetched_at: Set(at),
        })
        .on_conflict(
            OnConflict::columns([
                account_insight::Column::AccountId,
                account_insight::Column::Day,
            ])
            .update_columns([
                account_insight::Column::Views,
                account_insight::Column::Reach,
                account_insight::Column::AccountsEngaged,
                account_insight::Column::FollowerCount,
                account_insight::Column::OnlineFollowers,
                account_insight::Column::Source,
                account_insight::Column::FetchedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
        n += 1;
    }
    Ok(n)
}
