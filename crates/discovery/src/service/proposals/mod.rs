//! Proposals (requirement 004's brand partnerships): an agency's shortlist of creators for a
//! brand, each with proposed deliverables and a fee, shared with the brand's reviewers by link.
//!
//! Invariants:
//! - Locked for every workspace, whatever its plan, until a super admin unlocks the feature
//!   for it ([`access`]); every customer-facing function here checks it after the caller's
//!   permission.
//! - Tenant rows are reached only through the caller's [`Scope`] ([`find_in`]); another
//!   workspace's proposal is not found.
//! - Every change writes a new immutable version (a snapshot of the whole proposal) in the
//!   same transaction, numbered 1, 2, 3…; the proposal's `version` is advanced with a
//!   conditional update, so two changes racing from the same version cannot both win.
//! - Fees are minor units of the proposal's one currency.

pub mod access;
pub mod sharing;
pub mod templates;
pub mod versions;

use std::collections::HashMap;

use platform::{Ctx, Error, Permission, Result, Scope, audit, db::now};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use uuid::Uuid;

use crate::model::{
    creator,
    proposals::{comment, decision, link, proposal, proposal_creator, template, version},
};
pub use versions::{Diff, Snapshot, SnapshotCreator};

pub const TITLE_MAX: usize = 120;
pub const BRAND_MAX: usize = 120;
pub const MESSAGE_MAX: usize = 4_000;
pub const DELIVERABLES_MAX: usize = 500;
/// A creator's fee, in minor units (ten billion major units is beyond any real fee).
pub const FEE_MAX: i64 = 1_000_000_000_000;
/// Creators on one proposal.
pub const CREATORS_MAX: usize = 200;
/// Proposals kept by one workspace (a list page shows them all).
pub const PROPOSALS_MAX: u64 = 1_000;

/// What a proposal says, checked ([`Draft::new`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub title: String,
    pub brand: String,
    pub message: String,
    pub currency: String,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A required one-line text of at most `max` characters.
pub(crate) fn line(
    field: &str,
    label: &str,
    raw: &str,
    max: usize,
    errors: &mut Vec<platform::error::FieldError>,
) -> String {
    let t = raw.trim();
    if t.is_empty() {
        errors.push(platform::error::FieldError::new(
            field,
            format!("Enter the {label}"),
        ));
    } else if chars(t) > max {
        errors.push(platform::error::FieldError::new(
            field,
            format!("At most {max} characters"),
        ));
    }
    t.to_string()
}

/// An optional text of at most `max` characters.
pub(crate) fn free_text(
    field: &str,
    raw: &str,
    max: usize,
    errors: &mut Vec<platform::error::FieldError>,
) -> String {
    let t = raw.trim();
    if chars(t) > max {
        errors.push(platform::error::FieldError::new(
            field,
            format!(
                "At most {} characters",
                platform::web::format::number(max as i64)
            ),
        ));
    }
    t.to_string()
}

/// An ISO 4217 code: three letters (`usd` is read as `USD`).
pub fn currency(raw: &str, errors: &mut Vec<platform::error::FieldError>) -> String {
    let c = raw.trim().to_ascii_uppercase();
    if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
        errors.push(platform::error::FieldError::new(
            "currency",
            "Use a three-letter currency code such as USD or EUR",
        ));
    }
    c
}

pub fn fee(field: &str, fee: i64, errors: &mut Vec<platform::error::FieldError>) -> i64 {
    if !(0..=FEE_MAX).contains(&fee) {
        errors.push(platform::error::FieldError::new(
            field,
            format!("The fee must be between 0 and {}", FEE_MAX / 100),
        ));
    }
    fee
}

fn refused(errors: Vec<platform::error::FieldError>) -> Result<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

impl Draft {
    pub fn new(title: &str, brand: &str, message: &str, currency_code: &str) -> Result<Draft> {
        let mut e = Vec::new();
        let draft = Draft {
            title: line("title", "title", title, TITLE_MAX, &mut e),
            brand: line("brand", "brand's name", brand, BRAND_MAX, &mut e),
            message: free_text("message", message, MESSAGE_MAX, &mut e),
            currency: currency(currency_code, &mut e),
        };
        refused(e)?;
        Ok(draft)
    }
}

/// A creator's terms on a proposal, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub deliverables: String,
    pub fee_minor: i64,
}

impl Terms {
    pub fn new(deliverables: &str, fee_minor: i64) -> Result<Terms> {
        let mut e = Vec::new();
        let terms = Terms {
            deliverables: free_text("deliverables", deliverables, DELIVERABLES_MAX, &mut e),
            fee_minor: fee("fee_minor", fee_minor, &mut e),
        };
        refused(e)?;
        Ok(terms)
    }
}

/// The caller may act on proposals: holds `permission` and the workspace is unlocked.
pub async fn scope(state: &platform::AppState, ctx: &Ctx, permission: Permission) -> Result<Scope> {
    ctx.require(permission)?;
    let scope = Scope::of(ctx)?;
    if !access::is_unlocked(&state.db, &scope).await? {
        return Err(access::locked());
    }
    Ok(scope)
}

/// The scope's proposal `id`, or not found.
pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<proposal::Model> {
    proposal::Entity::find_by_id(id)
        .filter(proposal::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// A proposal in a list, with how many creators it names.
#[derive(Debug, Clone)]
pub struct Listed {
    pub proposal: proposal::Model,
    pub creators: u64,
}

/// The workspace's proposals, last changed first.
pub async fn list(state: &platform::AppState, ctx: &Ctx) -> Result<Vec<Listed>> {
    let scope = scope(state, ctx, Permission::WorkspaceRead).await?;
    let proposals = proposal::Entity::find()
        .filter(proposal::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_desc(proposal::Column::UpdatedAt)
        .order_by_desc(proposal::Column::Id)
        .all(&state.db)
        .await?;
    let rows = proposal_creator::Entity::find()
        .filter(proposal_creator::Column::WorkspaceId.eq(scope.workspace_id()))
        .all(&state.db)
        .await?;
    let mut counts: HashMap<Uuid, u64> = HashMap::new();
    for r in rows {
        *counts.entry(r.proposal_id).or_default() += 1;
    }
    Ok(proposals
        .into_iter()
        .map(|p| Listed {
            creators: counts.get(&p.id).copied().unwrap_or(0),
            proposal: p,
        })
        .collect())
}

/// A creator on a proposal, with their public profile as the pool knows it (`None` once the
/// profile left the pool).
#[derive(Debug, Clone)]
pub struct Entry {
    pub row: proposal_creator::Model,
    pub creator: Option<creator::Model>,
}

impl Entry {
    pub fn username(&self) -> String {
        self.creator
            .as_ref()
            .map(|c| c.username.clone())
            .unwrap_or_else(|| "unknown creator".into())
    }
}

/// A proposal as it stands.
#[derive(Debug, Clone)]
pub struct Current {
    pub proposal: proposal::Model,
    pub entries: Vec<Entry>,
}

impl Current {
    pub fn total_fee(&self) -> i64 {
        self.entries
            .iter()
            .map(|e| e.row.fee_minor)
            .fold(0i64, i64::saturating_add)
    }
}

/// The creators of the pool by profile id.
pub(crate) async fn creators_by_profile(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, creator::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(creator::Entity::find()
        .filter(creator::Column::ProfileId.is_in(ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.profile_id, c))
        .collect())
}

async fn current_in(conn: &impl ConnectionTrait, proposal: proposal::Model) -> Result<Current> {
    let rows = proposal_creator::Entity::find()
        .filter(proposal_creator::Column::ProposalId.eq(proposal.id))
        .filter(proposal_creator::Column::WorkspaceId.eq(proposal.workspace_id))
        .order_by_asc(proposal_creator::Column::Position)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.profile_id).collect();
    let mut creators = creators_by_profile(conn, &ids).await?;
    let entries = rows
        .into_iter()
        .map(|row| Entry {
            creator: creators.remove(&row.profile_id),
            row,
        })
        .collect();
    Ok(Current { proposal, entries })
}

pub async fn get(state: &platform::AppState, ctx: &Ctx, id: Uuid) -> Result<Current> {
    let scope = scope(state, ctx, Permission::WorkspaceRead).await?;
    let p = find_in(&state.db, &scope, id).await?;
    current_in(&state.db, p).await
}

/// Writes the proposal's next version (a snapshot of it as it now stands) after a change made
/// in `txn`; refused if someone else changed it since `seen` was read.
async fn record_version(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    seen: &proposal::Model,
    change: String,
) -> Result<i32> {
    let next = seen.version + 1;
    let t = now();
    let advanced = proposal::Entity::update_many()
        .col_expr(proposal::Column::Version, Expr::value(next))
        .col_expr(proposal::Column::UpdatedAt, Expr::value(t))
        .filter(proposal::Column::Id.eq(seen.id))
        .filter(proposal::Column::Version.eq(seen.version))
        .exec(txn)
        .await?;
    if advanced.rows_affected != 1 {
        return Err(Error::Conflict(
            "Someone else changed this proposal meanwhile. Reload it and make your change again."
                .into(),
        ));
    }
    let fresh = proposal::Entity::find_by_id(seen.id)
        .filter(proposal::Column::WorkspaceId.eq(seen.workspace_id))
        .one(txn)
        .await?
        .ok_or(Error::NotFound)?;
    let current = current_in(txn, fresh).await?;
    let snapshot = Snapshot::of(&current);
    version::Entity::insert(version::ActiveModel {
        id: Set(Uuid::now_v7()),
        proposal_id: Set(seen.id),
        workspace_id: Set(seen.workspace_id),
        number: Set(next),
        change: Set(change.chars().take(200).collect()),
        snapshot: Set(serde_json::to_value(&snapshot).map_err(Error::internal)?),
        created_by: Set(ctx.user.email.chars().take(254).collect()),
        created_at: Set(t),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(next)
}

/// What a new proposal is made of, as typed: from a template, an empty message and currency
/// are the template's (its slots become the defaults of the creators added).
#[derive(Debug, Clone, Default)]
pub struct NewProposal {
    pub title: String,
    pub brand: String,
    pub message: String,
    pub currency: String,
    pub template_id: Option<Uuid>,
}

/// A new proposal (version 1).
pub async fn create(
    state: &platform::AppState,
    ctx: &Ctx,
    new: NewProposal,
) -> Result<proposal::Model> {
    let scope = scope(state, ctx, Permission::WorkspaceWrite).await?;
    let template_id = new.template_id;
    let (mut message, mut currency_code) = (new.message, new.currency);
    if let Some(tid) = template_id {
        let t = templates::find_in(&state.db, &scope, tid).await?;
        if message.trim().is_empty() {
            message = t.message;
        }
        if currency_code.trim().is_empty() {
            currency_code = t.currency;
        }
    }
    let draft = Draft::new(&new.title, &new.brand, &message, &currency_code)?;
    let existing = proposal::Entity::find()
        .filter(proposal::Column::WorkspaceId.eq(scope.workspace_id()))
        .count(&state.db)
        .await?;
    if existing >= PROPOSALS_MAX {
        return Err(Error::Conflict(format!(
            "A workspace keeps at most {} proposals. Delete old ones first.",
            platform::web::format::number(PROPOSALS_MAX as i64)
        )));
    }
    let id = Uuid::now_v7();
    let t = now();
    let txn = platform::db::begin_write(&state.db).await?;
    proposal::Entity::insert(proposal::ActiveModel {
        id: Set(id),
        workspace_id: Set(scope.workspace_id()),
        title: Set(draft.title.clone()),
        brand: Set(draft.brand.clone()),
        message: Set(draft.message.clone()),
        currency: Set(draft.currency.clone()),
        version: Set(0),
        template_id: Set(template_id),
        campaign_id: Set(None),
        created_by: Set(Some(ctx.user_id())),
        created_at: Set(t),
        updated_at: Set(t),
    })
    .exec_without_returning(&txn)
    .await?;
    let seen = find_in(&txn, &scope, id).await?;
    record_version(&txn, ctx, &seen, "Created".into()).await?;
    audit::record(
        &txn,
        audit::Event::new("discovery.proposal_created")
            .by(ctx)
            .target("proposal", id)
            .detail(serde_json::json!({ "title": draft.title, "brand": draft.brand })),
    )
    .await?;
    txn.commit().await?;
    find_in(&state.db, &scope, id).await
}

/// Changes the title, brand, message or currency (a new version when anything changed).
pub async fn update(
    state: &platform::AppState,
    ctx: &Ctx,
    id: Uuid,
    draft: Draft,
) -> Result<proposal::Model> {
    let scope = scope(state, ctx, Permission::WorkspaceWrite).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let seen = find_in(&txn, &scope, id).await?;
    let mut changed = Vec::new();
    if seen.title != draft.title {
        changed.push("title");
    }
    if seen.brand != draft.brand {
        changed.push("brand");
    }
    if seen.message != draft.message {
        changed.push("message");
    }
    if seen.currency != draft.currency {
        changed.push("currency");
    }
    if changed.is_empty() {
        return Ok(seen);
    }
    proposal::Entity::update_many()
        .col_expr(proposal::Column::Title, Expr::value(draft.title))
        .col_expr(proposal::Column::Brand, Expr::value(draft.brand))
        .col_expr(proposal::Column::Message, Expr::value(draft.message))
        .col_expr(proposal::Column::Currency, Expr::value(draft.currency))
        .filter(proposal::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    record_version(
        &txn,
        ctx,
        &seen,
        format!("Changed the {}", changed.join(", ")),
    )
    .await?;
    txn.commit().await?;
    find_in(&state.db, &scope, id).await
}

/// Deletes a proposal with its versions, links, reviews and comments (a link to it stops
/// working at once).
pub async fn delete(state: &platform::AppState, ctx: &Ctx, id: Uuid) -> Result<()> {
    let scope = scope(state, ctx, Permission::WorkspaceWrite).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let p = find_in(&txn, &scope, id).await?;
    let ws = scope.workspace_id();
    comment::Entity::delete_many()
        .filter(comment::Column::ProposalId.eq(id))
        .filter(comment::Column::WorkspaceId.eq(ws))
        .exec(&txn)
        .await?;
    decision::Entity::delete_many()
        .filter(decision::Column::ProposalId.eq(id))
        .filter(decision::Column::WorkspaceId.eq(ws))
        .exec(&txn)
        .await?;
    link::Entity::delete_many()
        .filter(link::Column::ProposalId.eq(id))
        .filter(link::Column::WorkspaceId.eq(ws))
        .exec(&txn)
        .await?;
    version::Entity::delete_many()
        .filter(version::Column::ProposalId.eq(id))
        .filter(version::Column::WorkspaceId.eq(ws))
        .exec(&txn)
        .await?;
    proposal_creator::Entity::delete_many()
        .filter(proposal_creator::Column::ProposalId.eq(id))
        .filter(proposal_creator::Column::WorkspaceId.eq(ws))
        .exec(&txn)
        .await?;
    proposal::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        audit::Event::new("discovery.proposal_deleted")
            .by(ctx)
            .target("proposal", id)
            .detail(serde_json::json!({ "title": p.title })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A creator of the pool by `@username` (live profiles before demo ones) or not found.
pub async fn creator_named(conn: &impl ConnectionTrait, username: &str) -> Result<creator::Model> {
    let name = username.trim().trim_start_matches('@').to_lowercase();
    if name.is_empty() || chars(&name) > 64 {
        return Err(Error::validation("creator", "Enter a creator's @username"));
    }
    creator::Entity::find()
        .filter(creator::Column::UsernameLower.eq(name))
        // `live` sorts after `demo`: a real profile wins over a demo one of the same name.
        .order_by_desc(creator::Column::Pool)
        .one(conn)
        .await?
        .ok_or_else(|| {
            Error::validation(
                "creator",
                "No creator with this username is known yet. Find them in Discover first.",
            )
        })
}

/// Adds a creator to the shortlist. Terms left out (`None`) come from the template's slot for
/// this position, if the proposal was started from one.
pub async fn add_creator(
    state: &platform::AppState,
    ctx: &Ctx,
    id: Uuid,
    profile_id: Uuid,
    deliverables: Option<&str>,
    fee_minor: Option<i64>,
) -> Result<Current> {
    let scope = scope(state, ctx, Permission::WorkspaceWrite).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let seen = find_in(&txn, &scope, id).await?;
    let found = creator::Entity::find()
        .filter(creator::Column::ProfileId.eq(profile_id))
        .one(&txn)
        .await?
        .ok_or_else(|| Error::validation("profile_id", "No creator with this profile is known"))?;
    let rows = proposal_creator::Entity::find()
        .filter(proposal_creator::Column::ProposalId.eq(id))
        .filter(proposal_creator::Column::WorkspaceId.eq(scope.workspace_id()))
        .all(&txn)
        .await?;
    if rows.iter().any(|r| r.profile_id == profile_id) {
        return Err(Error::Conflict(format!(
            "@{} is already on this proposal",
            found.username
        )));
    }
    if rows.len() >= CREATORS_MAX {
        return Err(Error::Conflict(format!(
            "A proposal names at most {CREATORS_MAX} creators"
        )));
    }
    let slot = match seen.template_id {
        Some(tid) if deliverables.is_none() || fee_minor.is_none() => {
            match templates::find_in(&txn, &scope, tid).await {
                Ok(t) => templates::slots(&t).get(rows.len()).cloned(),
                Err(Error::NotFound) => None,
                Err(e) => return Err(e),
            }
        }
        _ => None,
    };
    let terms = Terms::new(
        deliverables.unwrap_or_else(|| slot.as_ref().map_or("", |s| s.deliverables.as_str())),
        fee_minor.unwrap_or_else(|| slot.as_ref().map_or(0, |s| s.fee_minor)),
    )?;
    let position = rows.iter().map(|r| r.position).max().unwrap_or(0) + 1;
    proposal_creator::Entity::insert(proposal_creator::ActiveModel {
        id: Set(Uuid::now_v7()),
        proposal_id: Set(id),
        workspace_id: Set(scope.workspace_id()),
        profile_id: Set(profile_id),
        deliverables: Set(terms.deliverables),
        fee_minor: Set(terms.fee_minor),
        position: Set(position),
    })
    .exec_without_returning(&txn)
    .await?;
    record_version(&txn, ctx, &seen, format!("Added @{}", found.username)).await?;
    txn.commit().await?;
    get(state, ctx, id).await
}

async fn entry_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
    profile_id: Uuid,
) -> Result<proposal_creator::Model> {
    proposal_creator::Entity::find()
        .filter(proposal_creator::Column::ProposalId.eq(id))
        .filter(proposal_creator::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(proposal_creator::Column::ProfileId.eq(profile_id))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

async fn username_of(conn: &impl ConnectionTrait, profile_id: Uuid) -> Result<String> {
    Ok(creator::Entity::find()
        .filter(creator::Column::ProfileId.eq(profile_id))
        .one(conn)
        .await?
        .map_or_else(|| "a creator".into(), |c| format!("@{}", c.username)))
}

/// Changes a creator's deliverables and fee (a new version when either changed).
pub async fn update_creator(
    state: &platform::AppState,
    ctx: &Ctx,
    id: Uuid,
    profile_id: Uuid,
    terms: Terms,
) -> Result<Current> {
    let scope = scope(state, ctx, Permission::WorkspaceWrite).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let seen = find_in(&txn, &scope, id).await?;
    let row = entry_in(&txn, &scope, id, profile_id).await?;
    if row.deliverables == terms.deliverables && row.fee_minor == terms.fee_minor {
        drop(txn);
        return get(state, ctx, id).await;
    }
    let mut what = Vec::new();
    if row.fee_minor != terms.fee_minor {
        what.push("fee");
    }
    if row.deliverables != terms.deliverables {
        what.push("deliverables");
    }
    proposal_creator::Entity::update_many()
        .col_expr(
            proposal_creator::Column::Deliverables,
            Expr::value(terms.deliverables),
        )
        .col_expr(
            proposal_creator::Column::FeeMinor,
            Expr::value(terms.fee_minor),
        )
        .filter(proposal_creator::Column::Id.eq(row.id))
        .exec(&txn)
        .await?;
    let who = username_of(&txn, profile_id).await?;
    record_version(
        &txn,
        ctx,
        &seen,
        format!("Changed the {} of {who}", what.join(" and ")),
    )
    .await?;
    txn.commit().await?;
    get(state, ctx, id).await
}

/// Takes a creator off the shortlist.
pub async fn remove_creator(
    state: &platform::AppState,
    ctx: &Ctx,
    id: Uuid,
    profile_id: Uuid,
) -> Result<Current> {
    let scope = scope(state, ctx, Permission::WorkspaceWrite).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    let seen = find_in(&txn, &scope, id).await?;
    let row = entry_in(&txn, &scope, id, profile_id).await?;
    proposal_creator::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    let who = username_of(&txn, profile_id).await?;
    record_version(&txn, ctx, &seen, format!("Removed {who}")).await?;
    txn.commit().await?;
    get(state, ctx, id).await
}

/// What happened to a proposal's creators: approved ones become a campaign.
pub async fn approved(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    current: &Current,
) -> Result<Vec<(Uuid, i64)>> {
    let latest = sharing::latest_decisions(conn, scope, current.proposal.id).await?;
    Ok(current
        .entries
        .iter()
        .filter(|e| {
            latest
                .get(&e.row.profile_id)
                .is_some_and(|d| d.decision == "approved")
        })
        .map(|e| (e.row.profile_id, e.row.fee_minor))
        .collect())
}

/// The templates the workspace keeps (for the list page).
pub async fn templates(state: &platform::AppState, ctx: &Ctx) -> Result<Vec<template::Model>> {
    let scope = scope(state, ctx, Permission::WorkspaceRead).await?;
    templates::list(&state.db, &scope).await
}

/// Turns the creators the brand approved (the latest decision on each, through any link) into
/// a campaign, each with their proposed fee, in one step. A proposal becomes a campaign once:
/// it is claimed first (its `campaign_id` set to its own id while the campaign is made), so two
/// clicks at once make one campaign; a failure releases the claim.
pub async fn to_campaign(state: &platform::AppState, ctx: &Ctx, id: Uuid) -> Result<Uuid> {
    let scope = scope(state, ctx, Permission::WorkspaceWrite).await?;
    let current = get(state, ctx, id).await?;
    if current.proposal.campaign_id.is_some() {
        return Err(Error::Conflict(
            "This proposal already became a campaign.".into(),
        ));
    }
    let approved = approved(&state.db, &scope, &current).await?;
    if approved.is_empty() {
        return Err(Error::Conflict(
            "No creator is approved yet: the brand approves creators through a review link.".into(),
        ));
    }
    let claimed = proposal::Entity::update_many()
        .col_expr(proposal::Column::CampaignId, Expr::value(id))
        .filter(proposal::Column::Id.eq(id))
        .filter(proposal::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(proposal::Column::CampaignId.is_null())
        .exec(&state.db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(Error::Conflict(
            "This proposal already became a campaign.".into(),
        ));
    }
    let p = &current.proposal;
    let made = crate::service::campaigns::create_from_proposal(
        state,
        ctx,
        &format!("{} ({})", p.title, p.brand),
        &approved,
        &p.currency,
    )
    .await;
    let campaign_id = match made {
        Ok(c) => c,
        Err(e) => {
            proposal::Entity::update_many()
                .col_expr(
                    proposal::Column::CampaignId,
                    Expr::value(Option::<Uuid>::None),
                )
                .filter(proposal::Column::Id.eq(id))
                .filter(proposal::Column::CampaignId.eq(id))
                .exec(&state.db)
                .await?;
            return Err(e);
        }
    };
    let txn = platform::db::begin_write(&state.db).await?;
    proposal::Entity::update_many()
        .col_expr(proposal::Column::CampaignId, Expr::value(campaign_id))
        .filter(proposal::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        audit::Event::new("discovery.proposal_converted")
            .by(ctx)
            .target("proposal", id)
            .detail(serde_json::json!({ "campaign": campaign_id, "creators": approved.len() })),
    )
    .await?;
    txn.commit().await?;
    Ok(campaign_id)
}
