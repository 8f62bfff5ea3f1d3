//! Campaigns: a workspace's creators (by public profile) moving through
//! shortlisted → contacted → agreed → live → done, their deliverables and fees, the campaign's
//! milestones, budget, collaborators, the posts attached by hand or found by tracking, and an
//! activity log of every change.
//!
//! Invariants:
//! - A campaign is reached only through [`find_in`] with the caller's scope: another
//!   workspace's campaign is not found, and so is every row under it (creators, deliverables,
//!   milestones, posts, collaborators, activity), which carry no workspace of their own.
//! - A creator's status moves one step forward or one step back; any other move is a
//!   conflict (409) and changes nothing.
//! - Every write needs `WorkspaceWrite` (a read-only token writes nothing) and logs one line
//!   of activity in the same transaction.
//! - Posts are read only through the instagram crate's pool service; a post can be on a
//!   campaign only if it is a post of one of the campaign's creators.
//! - Limits: [`CAMPAIGNS_MAX`] per workspace, [`CREATORS_MAX`] per campaign; every text has a
//!   maximum length and every amount a range.

pub mod matching;
pub mod performance;
pub mod report;
pub mod tracking;

mod creators;
mod deliverables;
mod detail;
mod input;
mod posts;
mod status;
mod team;

pub use creators::*;
pub use deliverables::*;
pub use detail::*;
pub use input::*;
pub use posts::*;
pub use status::*;
pub use team::*;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use platform::{AppState, Ctx, Error, FieldError, Permission, Result, Scope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, sea_query::OnConflict,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{
    campaigns::{
        activity, campaign, campaign_creator, campaign_post, collaborator, deliverable, milestone,
    },
    creator,
};
use instagram::model::post;

pub const NAME_MAX: usize = 120;
pub const BRIEF_MAX: usize = 4000;
/// Tracked @handles, #hashtags and phrases: each list.
pub const TERMS_MAX: usize = 20;
pub const HANDLE_MAX: usize = 30;
pub const HASHTAG_MAX: usize = 100;
pub const PHRASE_MAX: usize = 100;
pub const MILESTONE_NAME_MAX: usize = 120;
/// A post reference: an id, a link or a shortcode.
pub const POST_REF_MAX: usize = 300;
pub const USERNAME_MAX: usize = 64;
pub const CAMPAIGNS_MAX: u64 = 200;
pub const CREATORS_MAX: u64 = 500;
pub const DELIVERABLES_MAX: u64 = 2000;
pub const MILESTONES_MAX: u64 = 100;
pub const COLLABORATORS_MAX: u64 = 50;
/// Amounts in minor units: 0 to ten billion in major units.
pub const MONEY_MAX: i64 = 1_000_000_000_000;
/// The longest window (days).
pub const WINDOW_DAYS_MAX: i64 = 3660;
/// Activity lines shown with a campaign.
pub const ACTIVITY_SHOWN: u64 = 200;

// ---- scoped finders -------------------------------------------------------------------------

/// The campaign with this id in the scope's workspace; any other is not found.
pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<campaign::Model> {
    campaign::Entity::find_by_id(id)
        .filter(campaign::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

async fn readable(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<campaign::Model> {
    ctx.require(Permission::WorkspaceRead)?;
    find_in(&state.db, &Scope::of(ctx)?, id).await
}

/// The campaign, for a write: the permission is checked before anything is read.
async fn writable(conn: &impl ConnectionTrait, ctx: &Ctx, id: Uuid) -> Result<campaign::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    find_in(conn, &Scope::of(ctx)?, id).await
}

async fn entry_of(
    conn: &impl ConnectionTrait,
    campaign_id: Uuid,
    profile_id: Uuid,
) -> Result<campaign_creator::Model> {
    campaign_creator::Entity::find()
        .filter(campaign_creator::Column::CampaignId.eq(campaign_id))
        .filter(campaign_creator::Column::ProfileId.eq(profile_id))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Who did it, as the activity log shows it.
fn actor(ctx: &Ctx) -> String {
    let who = if ctx.user.name.trim().is_empty() {
        ctx.user.email.clone()
    } else {
        ctx.user.name.clone()
    };
    who.chars().take(120).collect()
}

/// One line of a campaign's activity.
pub async fn log(
    conn: &impl ConnectionTrait,
    campaign_id: Uuid,
    by: Option<&Ctx>,
    action: &str,
    detail: impl Into<String>,
) -> Result<()> {
    let detail: String = detail.into().chars().take(500).collect();
    activity::ActiveModel {
        id: Set(Uuid::now_v7()),
        campaign_id: Set(campaign_id),
        at: Set(platform::db::now()),
        actor_id: Set(by.map(Ctx::user_id)),
        actor: Set(by.map_or_else(|| "Tracking".to_string(), actor)),
        action: Set(action.chars().take(40).collect()),
        detail: Set(detail),
    }
    .insert(conn)
    .await?;
    Ok(())
}

async fn touch(conn: &impl ConnectionTrait, c: campaign::Model) -> Result<campaign::Model> {
    let mut a = c.into_active_model();
    a.updated_at = Set(platform::db::now());
    Ok(a.update(conn).await?)
}

// ---- campaigns ------------------------------------------------------------------------------

/// A campaign with its counts, for the index.
#[derive(Debug, Clone)]
pub struct Summary {
    pub campaign: campaign::Model,
    pub by_status: Vec<(Status, i64)>,
    pub creators: i64,
    pub posts: i64,
}

/// The workspace's campaigns, newest first, with their counts.
pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<Summary>> {
    ctx.require(Permission::WorkspaceRead)?;
    let scope = Scope::of(ctx)?;
    let campaigns = campaign::Entity::find()
        .filter(campaign::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_desc(campaign::Column::CreatedAt)
        .limit(CAMPAIGNS_MAX)
        .all(&state.db)
        .await?;
    let ids: Vec<Uuid> = campaigns.iter().map(|c| c.id).collect();
    let mut statuses: HashMap<Uuid, HashMap<Status, i64>> = HashMap::new();
    let mut posts: HashMap<Uuid, i64> = HashMap::new();
    if !ids.is_empty() {
        let rows: Vec<(Uuid, String)> = campaign_creator::Entity::find()
            .select_only()
            .column(campaign_creator::Column::CampaignId)
            .column(campaign_creator::Column::Status)
            .filter(campaign_creator::Column::CampaignId.is_in(ids.clone()))
            .into_tuple()
            .all(&state.db)
            .await?;
        for (c, s) in rows {
            let s = Status::parse(&s).unwrap_or(Status::Shortlisted);
            *statuses.entry(c).or_default().entry(s).or_default() += 1;
        }
        let rows: Vec<Uuid> = campaign_post::Entity::find()
            .select_only()
            .column(campaign_post::Column::CampaignId)
            .filter(campaign_post::Column::CampaignId.is_in(ids))
            .into_tuple()
            .all(&state.db)
            .await?;
        for c in rows {
            *posts.entry(c).or_default() += 1;
        }
    }
    Ok(campaigns
        .into_iter()
        .map(|c| {
            let counts = statuses.remove(&c.id).unwrap_or_default();
            let by_status: Vec<(Status, i64)> = Status::ALL
                .into_iter()
                .map(|s| (s, counts.get(&s).copied().unwrap_or(0)))
                .collect();
            Summary {
                creators: by_status.iter().map(|(_, n)| n).sum(),
                posts: posts.get(&c.id).copied().unwrap_or(0),
                by_status,
                campaign: c,
            }
        })
        .collect())
}

/// The campaign with this id.
pub async fn get(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<campaign::Model> {
    readable(state, ctx, id).await
}

async fn insert_campaign(
    conn: &impl ConnectionTrait,
    ctx: &Ctx,
    scope: &Scope,
    c: Checked,
) -> Result<campaign::Model> {
    let n = campaign::Entity::find()
        .filter(campaign::Column::WorkspaceId.eq(scope.workspace_id()))
        .count(conn)
        .await?;
    if n >= CAMPAIGNS_MAX {
        return Err(Error::Conflict(format!(
            "A workspace can have up to {CAMPAIGNS_MAX} campaigns. Delete one you no longer need first."
        )));
    }
    let t = platform::db::now();
    let row = campaign::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id()),
        name: Set(c.name),
        brief: Set(c.brief),
        starts_on: Set(c.starts_on),
        ends_on: Set(c.ends_on),
        handles: Set(json_list(&c.terms.handles)),
        hashtags: Set(json_list(&c.terms.hashtags)),
        phrases: Set(json_list(&c.terms.phrases)),
        budget_planned_minor: Set(c.planned),
        budget_spent_minor: Set(c.spent),
        currency: Set(c.currency),
        created_by: Set(Some(ctx.user_id())),
        created_at: Set(t),
        updated_at: Set(t),
        tracked_at: Set(None),
        tracking_job_id: Set(None),
    }
    .insert(conn)
    .await?;
    log(
        conn,
        row.id,
        Some(ctx),
        "campaign.created",
        format!("Created the campaign “{}”", row.name),
    )
    .await?;
    tracking::schedule_daily(conn, &row, t).await?;
    Ok(row)
}

pub async fn create(state: &AppState, ctx: &Ctx, input: &CampaignInput) -> Result<campaign::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    let checked = input.check()?;
    let txn = platform::db::begin_write(&state.db).await?;
    let row = insert_campaign(&txn, ctx, &scope, checked).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    input: &CampaignInput,
) -> Result<campaign::Model> {
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    let checked = input.check()?;
    let mut a = c.into_active_model();
    a.name = Set(checked.name);
    a.brief = Set(checked.brief);
    a.starts_on = Set(checked.starts_on);
    a.ends_on = Set(checked.ends_on);
    a.handles = Set(json_list(&checked.terms.handles));
    a.hashtags = Set(json_list(&checked.terms.hashtags));
    a.phrases = Set(json_list(&checked.terms.phrases));
    a.budget_planned_minor = Set(checked.planned);
    a.budget_spent_minor = Set(checked.spent);
    a.currency = Set(checked.currency);
    a.updated_at = Set(platform::db::now());
    let row = a.update(&txn).await?;
    log(
        &txn,
        row.id,
        Some(ctx),
        "campaign.updated",
        "Edited the campaign",
    )
    .await?;
    tracking::schedule_daily(&txn, &row, platform::db::now()).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn delete(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<campaign::Model> {
    let txn = platform::db::begin_write(&state.db).await?;
    let c = writable(&txn, ctx, id).await?;
    // Children go by the foreign keys' cascade; deleted explicitly too, so a SQLite
    // connection without foreign keys enforced leaves nothing behind either.
    campaign_post::Entity::delete_many()
        .filter(campaign_post::Column::CampaignId.eq(id))
        .exec(&txn)
        .await?;
    deliverable::Entity::delete_many()
        .filter(deliverable::Column::CampaignId.eq(id))
        .exec(&txn)
        .await?;
    milestone::Entity::delete_many()
        .filter(milestone::Column::CampaignId.eq(id))
        .exec(&txn)
        .await?;
    campaign_creator::Entity::delete_many()
        .filter(campaign_creator::Column::CampaignId.eq(id))
        .exec(&txn)
        .await?;
    collaborator::Entity::delete_many()
        .filter(collaborator::Column::CampaignId.eq(id))
        .exec(&txn)
        .await?;
    activity::Entity::delete_many()
        .filter(activity::Column::CampaignId.eq(id))
        .exec(&txn)
        .await?;
    campaign::Entity::delete_by_id(id).exec(&txn).await?;
    platform::audit::record(
        &txn,
        platform::audit::Event::new("discovery.campaign_deleted")
            .by(ctx)
            .target("discovery_campaign", id)
            .detail(serde_json::json!({ "name": c.name })),
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

/// Creates a campaign from a proposal's approved creators: each at `agreed` with its fee.
/// The window starts today and runs 30 days (editable afterwards); the tracked terms are
/// left for the team to fill in.
pub async fn create_from_proposal(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    creators: &[(Uuid, i64)],
    currency: &str,
) -> Result<Uuid> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    if creators.len() as u64 > CREATORS_MAX {
        return Err(Error::validation(
            "creators",
            format!("at most {CREATORS_MAX} creators on a campaign"),
        ));
    }
    let today = platform::db::now().date_naive();
    let name: String = name.trim().chars().take(NAME_MAX).collect();
    let checked = CampaignInput {
        name,
        starts_on: today,
        ends_on: today + chrono::Duration::days(30),
        currency: currency.to_string(),
        ..Default::default()
    }
    .check()?;
    let mut fees = Vec::with_capacity(creators.len());
    for (profile_id, fee) in creators {
        fees.push((
            *profile_id,
            amount("fee_minor", *fee).map_err(|f| Error::Validation(vec![f]))?,
        ));
    }
    let known =
        creators_known(&state.db, &fees.iter().map(|(p, _)| *p).collect::<Vec<_>>()).await?;
    if let Some((missing, _)) = fees.iter().find(|(p, _)| !known.contains_key(p)) {
        return Err(Error::validation(
            "creators",
            format!("creator {missing} is not in the creator index"),
        ));
    }
    let txn = platform::db::begin_write(&state.db).await?;
    let row = insert_campaign(&txn, ctx, &scope, checked).await?;
    let t = platform::db::now();
    let mut seen = HashSet::new();
    for (profile_id, fee) in fees {
        if !seen.insert(profile_id) {
            continue;
        }
        campaign_creator::ActiveModel {
            id: Set(Uuid::now_v7()),
            campaign_id: Set(row.id),
            profile_id: Set(profile_id),
            status: Set(Status::Agreed.as_str().into()),
            fee_minor: Set(fee),
            added_at: Set(t),
            status_changed_at: Set(t),
        }
        .insert(&txn)
        .await?;
    }
    log(
        &txn,
        row.id,
        Some(ctx),
        "campaign.from_proposal",
        format!(
            "Created from a proposal with {} agreed creators",
            seen.len()
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creators_move_one_step_either_way() {
        use Status::*;
        assert!(Shortlisted.can_move_to(Contacted));
        assert!(Contacted.can_move_to(Shortlisted));
        assert!(Live.can_move_to(Done));
        assert!(Done.can_move_to(Live));
        assert!(!Shortlisted.can_move_to(Agreed));
        assert!(!Done.can_move_to(Shortlisted));
        assert!(!Agreed.can_move_to(Agreed));
        assert_eq!(Shortlisted.neighbours(), (None, Some(Contacted)));
        assert_eq!(Done.neighbours(), (Some(Live), None));
    }

    #[test]
    fn post_references_are_read_from_links_codes_and_ids() {
        assert_eq!(
            post_ref("https://www.instagram.com/p/CxYz123_-a/?igsh=abc"),
            Some(PostRef::Shortcode("CxYz123_-a".into()))
        );
        assert_eq!(
            post_ref("instagram.com/reel/ABCDEFG/"),
            Some(PostRef::Shortcode("ABCDEFG".into()))
        );
        assert_eq!(
            post_ref("ABCDEFG"),
            Some(PostRef::Shortcode("ABCDEFG".into()))
        );
        let id = Uuid::now_v7();
        assert_eq!(post_ref(&id.to_string()), Some(PostRef::Id(id)));
        assert_eq!(post_ref("https://example.com/about"), None);
        assert_eq!(post_ref("no way"), None);
        assert_eq!(post_ref(""), None);
    }

    #[test]
    fn terms_are_normalised_and_checked() {
        let input = CampaignInput {
            name: " Launch ".into(),
            starts_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            ends_on: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap_or_default(),
            handles: vec!["@Brand".into(), "brand".into(), " ".into()],
            hashtags: vec!["#Launch2026".into()],
            phrases: vec!["  new   flavour ".into()],
            currency: "eur".into(),
            ..Default::default()
        };
        let c = input.check().map_err(|e| e.to_string());
        let Ok(c) = c else {
            panic!("valid input refused: {c:?}");
        };
        assert_eq!(c.name, "Launch");
        assert_eq!(c.terms.handles, vec!["brand"]);
        assert_eq!(c.terms.hashtags, vec!["launch2026"]);
        assert_eq!(c.terms.phrases, vec!["new flavour"]);
        assert_eq!(c.currency, "EUR");
        let bad = CampaignInput {
            handles: vec!["not a handle".into()],
            currency: "EURO".into(),
            ends_on: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default(),
            ..input
        };
        match bad.check() {
            Err(Error::Validation(f)) => {
                let fields: Vec<&str> = f.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(fields, vec!["ends_on", "handles", "currency"]);
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
}
