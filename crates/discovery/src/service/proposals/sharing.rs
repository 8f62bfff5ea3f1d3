//! Share links and the brand's review through them.
//!
//! A link is a 256-bit random token shown once; the database keeps only its SHA-256, so a
//! leaked database yields no working link. The token is the reviewer's only credential and
//! reaches exactly one thing: the version of one proposal that was newest when the link was
//! made (a later edit needs a new link, so what a reviewer approves is what they were shown).
//! A link expires after the 1–90 days chosen, can be revoked at any time, and stops working
//! when its proposal is deleted or the workspace's proposals are locked again; an expired or
//! revoked link is refused as such ([`Error::InvalidLink`], answered 410), an unknown token is
//! not found.
//!
//! Reviewers approve or reject each creator of that version (the latest decision through a
//! link stands) and comment; comments are capped per link per hour and in total.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use platform::{Ctx, Error, Permission, Result, Scope, audit, crypto, db::now};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use uuid::Uuid;

use super::{Snapshot, access, find_in, free_text, line, scope};
use crate::model::{
    creator,
    proposals::{comment, decision, link, proposal, version},
};

pub const LINK_DAYS_MIN: i64 = 1;
pub const LINK_DAYS_MAX: i64 = 90;
pub const LABEL_MAX: usize = 100;
pub const REVIEWER_NAME_MAX: usize = 100;
pub const COMMENT_MAX: usize = 2_000;
/// Comments through one link in an hour: a reviewer's real pace, not a flood.
pub const COMMENTS_PER_HOUR: u64 = 30;
/// Comments one link takes in all.
pub const COMMENTS_PER_LINK: u64 = 500;
/// Live links of one proposal.
pub const LINKS_MAX: u64 = 50;

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Active,
    Expired,
    Revoked,
}

impl LinkState {
    pub fn of(l: &link::Model, at: DateTime<Utc>) -> LinkState {
        if l.revoked_at.is_some() {
            LinkState::Revoked
        } else if l.expires_at <= at {
            LinkState::Expired
        } else {
            LinkState::Active
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            LinkState::Active => "active",
            LinkState::Expired => "expired",
            LinkState::Revoked => "revoked",
        }
    }
}

/// The path of a link's review page.
pub fn review_path(token: &str) -> String {
    format!("/p/{token}")
}

/// The proposal's share links, newest first.
pub async fn links(state: &platform::AppState, ctx: &Ctx, id: Uuid) -> Result<Vec<link::Model>> {
    let scope = scope(state, ctx, Permission::WorkspaceRead).await?;
    let p = find_in(&state.db, &scope, id).await?;
    Ok(link::Entity::find()
        .filter(link::Column::ProposalId.eq(p.id))
        .filter(link::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_desc(link::Column::CreatedAt)
        .order_by_desc(link::Column::Id)
        .all(&state.db)
        .await?)
}

/// A new share link of the proposal's newest version, valid for `days` (1–90): the link and
/// its token (shown this once).
pub async fn create_link(
    state: &platform::AppState,
    ctx: &Ctx,
    id: Uuid,
    days: i64,
    label: &str,
) -> Result<(link::Model, String)> {
    let scope = scope(state, ctx, Permission::WorkspaceWrite).await?;
    let mut e = Vec::new();
    if !(LINK_DAYS_MIN..=LINK_DAYS_MAX).contains(&days) {
        e.push(platform::error::FieldError::new(
            "expires_in_days",
            format!("Choose between {LINK_DAYS_MIN} and {LINK_DAYS_MAX} days"),
        ));
    }
    let label = free_text("label", label, LABEL_MAX, &mut e);
    if !e.is_empty() {
        return Err(Error::Validation(e));
    }
    let p = find_in(&state.db, &scope, id).await?;
    let t = now();
    let live = link::Entity::find()
        .filter(link::Column::ProposalId.eq(p.id))
        .filter(link::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(link::Column::RevokedAt.is_null())
        .filter(link::Column::ExpiresAt.gt(t))
        .count(&state.db)
        .await?;
    if live >= LINKS_MAX {
        return Err(Error::Conflict(format!(
            "A proposal has at most {LINKS_MAX} working links. Revoke some first."
        )));
    }
    let token = crypto::random_token().map_err(Error::internal)?;
    let row = link::Model {
        id: Uuid::now_v7(),
        proposal_id: p.id,
        workspace_id: scope.workspace_id(),
        token_hash: crypto::token_hash(&token),
        label,
        version: p.version,
        expires_at: t + Duration::days(days),
        revoked_at: None,
        created_by: ctx.user.email.chars().take(254).collect(),
        created_at: t,
    };
    let txn = platform::db::begin_write(&state.db).await?;
    link::Entity::insert(link::ActiveModel {
        id: Set(row.id),
        proposal_id: Set(row.proposal_id),
        workspace_id: Set(row.workspace_id),
        token_hash: Set(row.token_hash.clone()),
        label: Set(row.label.clone()),
        version: Set(row.version),
        expires_at: Set(row.expires_at),
        revoked_at: Set(None),
        created_by: Set(row.created_by.clone()),
        created_at: Set(row.created_at),
    })
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        audit::Event::new("discovery.proposal_shared")
            .by(ctx)
            .target("proposal", p.id)
            .detail(serde_json::json!({ "link": row.id, "version": row.version, "days": days })),
    )
    .await?;
    txn.commit().await?;
    Ok((row, token))
}

/// Revokes a link of the proposal at once (revoking twice is the same as once).
pub async fn revoke_link(
    state: &platform::AppState,
    ctx: &Ctx,
    id: Uuid,
    link_id: Uuid,
) -> Result<link::Model> {
    let scope = scope(state, ctx, Permission::WorkspaceWrite).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let found = link::Entity::find_by_id(link_id)
        .filter(link::Column::ProposalId.eq(p.id))
        .filter(link::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound)?;
    if found.revoked_at.is_some() {
        return Ok(found);
    }
    let txn = platform::db::begin_write(&state.db).await?;
    link::Entity::update_many()
        .col_expr(link::Column::RevokedAt, Expr::value(now()))
        .filter(link::Column::Id.eq(found.id))
        .filter(link::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        audit::Event::new("discovery.proposal_link_revoked")
            .by(ctx)
            .target("proposal", p.id)
            .detail(serde_json::json!({ "link": found.id })),
    )
    .await?;
    txn.commit().await?;
    link::Entity::find_by_id(link_id)
        .filter(link::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound)
}

/// The latest decision on each creator of the proposal, through any of its links.
pub async fn latest_decisions(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    proposal_id: Uuid,
) -> Result<HashMap<Uuid, decision::Model>> {
    let rows = decision::Entity::find()
        .filter(decision::Column::ProposalId.eq(proposal_id))
        .filter(decision::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(decision::Column::DecidedAt)
        .order_by_asc(decision::Column::Id)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|d| (d.profile_id, d)).collect())
}

/// Everything the brand's reviewers said about a proposal, through all its links.
#[derive(Debug, Clone)]
pub struct Feedback {
    pub decisions: Vec<decision::Model>,
    pub comments: Vec<comment::Model>,
    /// Link id → its label (or "" when none was given).
    pub link_labels: HashMap<Uuid, String>,
    /// Profile id → username, for the creators the feedback names.
    pub usernames: HashMap<Uuid, String>,
}

pub async fn feedback(state: &platform::AppState, ctx: &Ctx, id: Uuid) -> Result<Feedback> {
    let scope = scope(state, ctx, Permission::WorkspaceRead).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let ws = scope.workspace_id();
    let decisions = decision::Entity::find()
        .filter(decision::Column::ProposalId.eq(p.id))
        .filter(decision::Column::WorkspaceId.eq(ws))
        .order_by_desc(decision::Column::DecidedAt)
        .all(&state.db)
        .await?;
    let comments = comment::Entity::find()
        .filter(comment::Column::ProposalId.eq(p.id))
        .filter(comment::Column::WorkspaceId.eq(ws))
        .order_by_desc(comment::Column::CreatedAt)
        .order_by_desc(comment::Column::Id)
        .all(&state.db)
        .await?;
    let link_labels = link::Entity::find()
        .filter(link::Column::ProposalId.eq(p.id))
        .filter(link::Column::WorkspaceId.eq(ws))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|l| (l.id, l.label))
        .collect();
    let ids: Vec<Uuid> = decisions
        .iter()
        .map(|d| d.profile_id)
        .chain(comments.iter().filter_map(|c| c.profile_id))
        .collect();
    let usernames = super::creators_by_profile(&state.db, &ids)
        .await?
        .into_iter()
        .map(|(id, c)| (id, c.username))
        .collect();
    Ok(Feedback {
        decisions,
        comments,
        link_labels,
        usernames,
    })
}

// ---- the reviewer's side (no sign-in: the token is the credential) ----------------------------

/// What a working link opens: one version of one proposal, the creators' public profiles, and
/// what was said through this link.
#[derive(Debug, Clone)]
pub struct Review {
    pub link: link::Model,
    pub snapshot: Snapshot,
    pub creators: HashMap<Uuid, creator::Model>,
    /// This link's decision on each creator.
    pub decisions: HashMap<Uuid, decision::Model>,
    /// This link's comments, oldest first.
    pub comments: Vec<comment::Model>,
}

const EXPIRED: &str = "This review link has expired. Ask the agency that sent it for a new one.";
const REVOKED: &str = "This review link was withdrawn by the agency that sent it. Ask them for a new one if you still need it.";

const NOT_SHARED: &str =
    "This proposal is no longer shared. Ask the agency that sent it if you still need it.";

/// The working link of `token`: unknown is not found; expired, revoked, or of a proposal no
/// longer shared is refused as such.
async fn open(conn: &impl ConnectionTrait, token: &str) -> Result<link::Model> {
    // A token is 43 characters of base64url: anything else cannot be one.
    if token.len() != 43
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::NotFound);
    }
    let l = link::Entity::find()
        .filter(link::Column::TokenHash.eq(crypto::token_hash(token)))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    match LinkState::of(&l, now()) {
        LinkState::Revoked => return Err(Error::InvalidLink(REVOKED.into())),
        LinkState::Expired => return Err(Error::InvalidLink(EXPIRED.into())),
        LinkState::Active => {}
    }
    // Locked again by staff: the workspace no longer shares proposals at all.
    if access::of(conn, l.workspace_id).await?.is_none() {
        return Err(Error::InvalidLink(NOT_SHARED.into()));
    }
    Ok(l)
}

async fn snapshot_of(conn: &impl ConnectionTrait, l: &link::Model) -> Result<Snapshot> {
    let v = version::Entity::find()
        .filter(version::Column::ProposalId.eq(l.proposal_id))
        .filter(version::Column::WorkspaceId.eq(l.workspace_id))
        .filter(version::Column::Number.eq(l.version))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    Snapshot::read(&v)
}

/// The review a link opens.
pub async fn review(conn: &impl ConnectionTrait, token: &str) -> Result<Review> {
    let l = open(conn, token).await?;
    let snapshot = snapshot_of(conn, &l).await?;
    let ids: Vec<Uuid> = snapshot.creators.iter().map(|c| c.profile_id).collect();
    let creators = super::creators_by_profile(conn, &ids).await?;
    let decisions = decision::Entity::find()
        .filter(decision::Column::LinkId.eq(l.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.profile_id, d))
        .collect();
    let comments = comment::Entity::find()
        .filter(comment::Column::LinkId.eq(l.id))
        .order_by_asc(comment::Column::CreatedAt)
        .order_by_asc(comment::Column::Id)
        .all(conn)
        .await?;
    Ok(Review {
        link: l,
        snapshot,
        creators,
        decisions,
        comments,
    })
}

/// `approved` or `rejected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approved,
    Rejected,
}

impl Verdict {
    pub fn parse(raw: &str) -> Result<Verdict> {
        match raw.trim() {
            "approved" | "approve" => Ok(Verdict::Approved),
            "rejected" | "reject" => Ok(Verdict::Rejected),
            _ => Err(Error::validation("decision", "Choose approve or reject")),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::Rejected => "rejected",
        }
    }
}

fn reviewer_name(raw: &str, errors: &mut Vec<platform::error::FieldError>) -> String {
    line("name", "your name", raw, REVIEWER_NAME_MAX, errors)
}

/// A reviewer's approve / reject of one creator of the link's version (replacing their
/// earlier decision through this link).
pub async fn decide(
    db: &sea_orm::DatabaseConnection,
    token: &str,
    profile_id: Uuid,
    verdict: &str,
    name: &str,
) -> Result<decision::Model> {
    let l = open(db, token).await?;
    let mut e = Vec::new();
    let name = reviewer_name(name, &mut e);
    let verdict = match Verdict::parse(verdict) {
        Ok(v) => Some(v),
        Err(Error::Validation(f)) => {
            e.extend(f);
            None
        }
        Err(other) => return Err(other),
    };
    let snapshot = snapshot_of(db, &l).await?;
    if !snapshot.creators.iter().any(|c| c.profile_id == profile_id) {
        e.push(platform::error::FieldError::new(
            "profile_id",
            "This creator is not on the proposal you are reviewing",
        ));
    }
    let Some(verdict) = verdict.filter(|_| e.is_empty()) else {
        return Err(Error::Validation(e));
    };
    let row = decision::Model {
        id: Uuid::now_v7(),
        link_id: l.id,
        proposal_id: l.proposal_id,
        workspace_id: l.workspace_id,
        profile_id,
        decision: verdict.as_str().into(),
        reviewer_name: name,
        decided_at: now(),
    };
    let txn = platform::db::begin_write(db).await?;
    decision::Entity::delete_many()
        .filter(decision::Column::LinkId.eq(l.id))
        .filter(decision::Column::ProfileId.eq(profile_id))
        .exec(&txn)
        .await?;
    decision::Entity::insert(decision::ActiveModel {
        id: Set(row.id),
        link_id: Set(row.link_id),
        proposal_id: Set(row.proposal_id),
        workspace_id: Set(row.workspace_id),
        profile_id: Set(row.profile_id),
        decision: Set(row.decision.clone()),
        reviewer_name: Set(row.reviewer_name.clone()),
        decided_at: Set(row.decided_at),
    })
    .exec_without_returning(&txn)
    .await
    .map_err(|e| {
        if platform::db::is_unique_violation(&e) {
            Error::Conflict(
                "Another decision on this creator was just saved. Reload and try again.".into(),
            )
        } else {
            e.into()
        }
    })?;
    touch(&txn, l.proposal_id).await?;
    txn.commit().await?;
    Ok(row)
}

/// Marks the proposal as having news (the team's list sorts by it) without a new version:
/// feedback is not a change of the proposal.
async fn touch(conn: &impl ConnectionTrait, proposal_id: Uuid) -> Result<()> {
    proposal::Entity::update_many()
        .col_expr(proposal::Column::UpdatedAt, Expr::value(now()))
        .filter(proposal::Column::Id.eq(proposal_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A reviewer's comment on the proposal, or on one of its creators (`profile_id`).
pub async fn comment(
    db: &sea_orm::DatabaseConnection,
    token: &str,
    profile_id: Option<Uuid>,
    name: &str,
    body: &str,
) -> Result<comment::Model> {
    let l = open(db, token).await?;
    let mut e = Vec::new();
    let name = reviewer_name(name, &mut e);
    let body = line("comment", "comment", body, COMMENT_MAX, &mut e);
    if let Some(pid) = profile_id {
        let snapshot = snapshot_of(db, &l).await?;
        if !snapshot.creators.iter().any(|c| c.profile_id == pid) {
            e.push(platform::error::FieldError::new(
                "profile_id",
                "This creator is not on the proposal you are reviewing",
            ));
        }
    }
    if !e.is_empty() {
        return Err(Error::Validation(e));
    }
    let t = now();
    let total = comment::Entity::find()
        .filter(comment::Column::LinkId.eq(l.id))
        .count(db)
        .await?;
    if total >= COMMENTS_PER_LINK {
        return Err(Error::Conflict(
            "This review link takes no more comments. Please reply to the agency directly.".into(),
        ));
    }
    let recent = comment::Entity::find()
        .filter(comment::Column::LinkId.eq(l.id))
        .filter(comment::Column::CreatedAt.gt(t - Duration::hours(1)))
        .count(db)
        .await?;
    if recent >= COMMENTS_PER_HOUR {
        return Err(Error::TooManyRequests {
            retry_after_secs: 600,
        });
    }
    let row = comment::Model {
        id: Uuid::now_v7(),
        link_id: l.id,
        proposal_id: l.proposal_id,
        workspace_id: l.workspace_id,
        profile_id,
        reviewer_name: name,
        body,
        created_at: t,
    };
    let txn = platform::db::begin_write(db).await?;
    comment::Entity::insert(comment::ActiveModel {
        id: Set(row.id),
        link_id: Set(row.link_id),
        proposal_id: Set(row.proposal_id),
        workspace_id: Set(row.workspace_id),
        profile_id: Set(row.profile_id),
        reviewer_name: Set(row.reviewer_name.clone()),
        body: Set(row.body.clone()),
        created_at: Set(row.created_at),
    })
    .exec_without_returning(&txn)
    .await?;
    touch(&txn, l.proposal_id).await?;
    txn.commit().await?;
    Ok(row)
}
