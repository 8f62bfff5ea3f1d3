//! Discovery's services.

pub mod campaigns;
pub mod exports;
pub mod fetch;
pub mod index;
pub mod lists;
pub mod lookalikes;
pub mod plan;
pub mod profile;
pub mod proposals;
pub mod saved;
pub mod search;
pub mod unlocks;

use platform::{AppState, Ctx, Permission, Result};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::model::creator;

/// Which pool a search reads: real profiles once any are indexed, the demo pool before that
/// (labelled as demo wherever it is shown). The two are never mixed in one answer.
pub async fn default_pool(conn: &impl ConnectionTrait) -> Result<&'static str> {
    let live = creator::Entity::find()
        .select_only()
        .column(creator::Column::Id)
        .filter(creator::Column::Pool.eq("live"))
        .limit(1)
        .into_tuple::<i64>()
        .one(conn)
        .await?;
    Ok(if live.is_some() { "live" } else { "demo" })
}

/// What a search cost: result pages past the first and advanced searches are priced actions
/// (requirement 004: five free pages a month, then 10 credits a page; ten free advanced
/// searches, then 15).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = DiscoverySearchCharge)]
pub struct Charge {
    /// `discovery_page` or `advanced_search`.
    pub action: String,
    /// Credits this search cost (0 when it was a free use).
    pub cost: i64,
    /// A free use of the month.
    pub free: bool,
    /// Free uses of this action left this month.
    pub free_remaining: i64,
    /// The wallet's balance after it.
    pub balance: i64,
    /// The workspace paid for this very search (same filters, sort and page), or took it as
    /// a free use, within the last 24 hours: seen again without a charge.
    pub repeat: bool,
}

/// A priced search seen again within this many hours of paying for it (a reload, going back,
/// the cards/table switch, a teammate opening the same link) is not charged again.
pub const REPEAT_FREE_HOURS: i64 = 24;

/// What names a priced search in the ledger: its pool, filters, sort and page, hashed.
fn search_reference(pool: &str, filters: &search::Filters) -> Result<String> {
    let canonical = serde_json::to_string(filters).map_err(platform::Error::internal)?;
    let digest = platform::crypto::token_hash(&canonical);
    Ok(format!("discovery_search:{pool}:{}", &digest[..32]))
}

/// The priced action a search is, if any: a page past the first is a results page (whatever
/// its filters); a first page with an advanced filter (growth, language, location, hashtag,
/// email, recency) is an advanced search; a plain first page is free.
pub fn priced_action(filters: &search::Filters) -> Option<&'static str> {
    if filters.page.unwrap_or(1) > 1 {
        return Some("discovery_page");
    }
    let advanced = filters.growth_30d_min.is_some()
        || filters.growth_90d_min.is_some()
        || filters.language.is_some()
        || filters.location.is_some()
        || filters.hashtag.is_some()
        || filters.has_email.is_some()
        || filters.posted_within_days.is_some();
    advanced.then_some("advanced_search")
}

/// A search by a member of a workspace: any member may search; what a result reveals beyond
/// the public card is paid for with an unlock. A priced search ([`priced_action`]) is charged
/// through reserve → capture: a search that fails costs nothing.
pub async fn search(
    state: &AppState,
    ctx: &Ctx,
    pool: Option<&str>,
    filters: &search::Filters,
) -> Result<(String, search::Found, Option<Charge>)> {
    ctx.require(Permission::WorkspaceRead)?;
    let pool = match pool {
        Some(p @ ("live" | "demo")) => p,
        Some(_) => {
            return Err(platform::Error::validation("pool", "live or demo"));
        }
        None => default_pool(&state.db).await?,
    };
    // Refused input is refused before anything is held.
    filters.validate()?;
    let Some(action) = priced_action(filters) else {
        let found = search::run(&state.db, pool, filters, platform::db::now()).await?;
        return Ok((pool.to_string(), found, None));
    };
    let scope = platform::Scope::of(ctx)?;
    let reference = search_reference(pool, filters)?;
    let now = platform::db::now();
    let since = now - chrono::Duration::hours(REPEAT_FREE_HOURS);
    // Two identical searches at the same moment may both pay: each was a search asked for.
    let repeat = state
        .credits
        .settled_since(state, &scope, action, &reference, since)
        .await?;
    let (found, cost, free) = if repeat {
        let found = search::run(&state.db, pool, filters, now).await?;
        (found, 0, false)
    } else {
        platform::credits::charge_on_success(
            state,
            &scope,
            action,
            &platform::credits::Actor::User(ctx.user_id()),
            Some(&reference),
            |held| async move {
                let found = search::run(&state.db, pool, filters, platform::db::now()).await?;
                Ok((found, held.cost, held.free))
            },
        )
        .await?
    };
    let after = state.credits.can_perform(state, &scope, action).await?;
    Ok((
        pool.to_string(),
        found,
        Some(Charge {
            action: action.into(),
            cost,
            free,
            free_remaining: after.free_remaining,
            balance: after.balance,
            repeat,
        }),
    ))
}
