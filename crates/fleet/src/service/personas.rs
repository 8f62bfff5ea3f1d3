//! Personas (the requirement's "models"): a content strategy that ready accounts are assigned
//! to. A persona has a name (1–80 characters, unique in the workspace in any case), a
//! preferred proxy location (empty: any) and notes; its content pools are [`super::content`].
//!
//! Accounts come to a persona only from `ready`: a batch assignment moves each one
//! `ready → active` with the persona set, one timeline row each, in one transaction — all or
//! nothing: one account that is no longer ready (or not found) refuses the whole batch with
//! its 409 (404), and none is assigned. Accounts leave a persona through cleanup: releasing one,
//! or deleting the persona (every active account of it, in the same transaction as the delete),
//! moves it `active → cleanup` with the cleanup tasks queued for workers; when they are done
//! the task engine moves it back to `ready`, free to be assigned again.
//!
//! The persona's page looks at accounts five ways ([`View`]): its accounts (overview), the
//! ready accounts it could take (available), the warm-up pipeline of the accounts in its
//! location, the proxies its accounts use and the free ones in its location, and what needs
//! attention.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Error, FieldError, Result, Scope,
    audit::{self, Event},
    db::{is_unique_violation, now},
    web::forms::within,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
    sea_query::{Expr, ExprTrait, Func, Query},
};
use uuid::Uuid;

use super::{
    access, accounts,
    lifecycle::{self, Actor, State},
    settings::{self, Step},
    tasks,
};
use crate::model::{account, event, persona, proxy, task, worker};

pub const NAME_MAX: usize = 80;
pub const LOCATION_MAX: usize = 80;
pub const NOTES_MAX: usize = 1_000;
pub const REASON_MAX: usize = 500;
/// Personas a workspace keeps.
pub const PERSONAS_MAX: u64 = 1_000;
/// Accounts one batch assignment takes.
pub const ASSIGN_MAX: usize = 500;
/// Accounts one view lists (the rest are counted, not listed).
pub const LIST_MAX: usize = 500;
/// Timeline rows a persona card shows.
const RECENT: u64 = 3;

/// A persona as sent by a form or the API.
#[derive(Debug, Clone, Default)]
pub struct PersonaInput {
    pub name: String,
    pub location: String,
    pub notes: String,
}

fn check(input: PersonaInput) -> Result<PersonaInput> {
    let name = input.name.trim().to_string();
    let location = input.location.trim().to_string();
    let notes = input.notes.trim().to_string();
    let mut errors: Vec<FieldError> = Vec::new();
    if name.is_empty() {
        errors.push(FieldError::new("name", "Give the persona a name"));
    } else if name.contains(['\n', '\r']) {
        errors.push(FieldError::new("name", "The name is one line"));
    }
    errors.extend(within("name", "The name", &name, NAME_MAX).err());
    errors.extend(within("location", "The location", &location, LOCATION_MAX).err());
    if location.contains(['\n', '\r']) {
        errors.push(FieldError::new("location", "The location is one line"));
    }
    errors.extend(within("notes", "The notes", &notes, NOTES_MAX).err());
    if errors.is_empty() {
        Ok(PersonaInput {
            name,
            location,
            notes,
        })
    } else {
        Err(Error::Validation(errors))
    }
}

fn name_taken() -> Error {
    Error::validation(
        "name",
        "A persona with this name exists already: choose another name",
    )
}

async fn refuse_taken_name(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    name_lower: &str,
    except: Option<Uuid>,
) -> Result<()> {
    let mut q = persona::Entity::find()
        .filter(persona::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(persona::Column::NameLower.eq(name_lower));
    if let Some(id) = except {
        q = q.filter(persona::Column::Id.ne(id));
    }
    if q.count(conn).await? > 0 {
        return Err(name_taken());
    }
    Ok(())
}

/// The persona with this id in the scope's workspace; another workspace's is not found.
pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<persona::Model> {
    persona::Entity::find_by_id(id)
        .filter(persona::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// The workspace's personas, by name.
pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<persona::Model>> {
    let scope = access::read(state, ctx).await?;
    Ok(persona::Entity::find()
        .filter(persona::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(persona::Column::NameLower)
        .order_by_asc(persona::Column::Id)
        .limit(PERSONAS_MAX)
        .all(&state.db)
        .await?)
}

/// One persona (read access).
pub async fn get(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<persona::Model> {
    let scope = access::read(state, ctx).await?;
    find_in(&state.db, &scope, id).await
}

/// Creates a persona.
pub async fn create(state: &AppState, ctx: &Ctx, input: PersonaInput) -> Result<persona::Model> {
    let scope = access::write(state, ctx).await?;
    let new = check(input)?;
    let name_lower = new.name.to_lowercase();
    refuse_taken_name(&state.db, &scope, &name_lower, None).await?;
    let kept = persona::Entity::find()
        .filter(persona::Column::WorkspaceId.eq(scope.workspace_id()))
        .count(&state.db)
        .await?;
    if kept >= PERSONAS_MAX {
        return Err(Error::Conflict(format!(
            "A workspace keeps at most {} personas: delete one you no longer use first.",
            platform::web::format::number(i64::try_from(PERSONAS_MAX).unwrap_or(i64::MAX))
        )));
    }
    let at = now();
    let inserted = persona::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id()),
        name: Set(new.name),
        name_lower: Set(name_lower),
        location: Set(new.location),
        notes: Set(new.notes),
        created_by: Set(Some(ctx.user_id())),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&state.db)
    .await;
    let row = match inserted {
        Ok(row) => row,
        // Two members saving the same name at once: the unique index decides.
        Err(e) if is_unique_violation(&e) => return Err(name_taken()),
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &state.db,
        Event::new("fleet.persona_created")
            .by(ctx)
            .target("fleet_persona", row.id)
            .detail(serde_json::json!({"name": row.name})),
    )
    .await?;
    Ok(row)
}

/// Changes a persona's name, location and notes.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    input: PersonaInput,
) -> Result<persona::Model> {
    let scope = access::write(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let new = check(input)?;
    let name_lower = new.name.to_lowercase();
    refuse_taken_name(&state.db, &scope, &name_lower, Some(p.id)).await?;
    let mut active = p.into_active_model();
    active.name = Set(new.name);
    active.name_lower = Set(name_lower);
    active.location = Set(new.location);
    active.notes = Set(new.notes);
    active.updated_at = Set(now());
    let row = match active.update(&state.db).await {
        Ok(row) => row,
        Err(e) if is_unique_violation(&e) => return Err(name_taken()),
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &state.db,
        Event::new("fleet.persona_updated")
            .by(ctx)
            .target("fleet_persona", row.id)
            .detail(serde_json::json!({"name": row.name, "location": row.location})),
    )
    .await?;
    Ok(row)
}

/// What deleting a persona did.
#[derive(Debug, Clone)]
pub struct Deleted {
    pub persona: persona::Model,
    /// Its accounts now in cleanup.
    pub released: usize,
}

/// Deletes a persona: every active account of it goes to cleanup (cleanup tasks queued), then
/// the persona and its content pools are removed — one transaction, so a refusal of any
/// account leaves everything as it was.
pub async fn delete(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Deleted> {
    let scope = access::write(state, ctx).await?;
    let actor = Actor::user(ctx);
    let txn = platform::db::begin_write(&state.db).await?;
    let p = find_in(&txn, &scope, id).await?;
    let members = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(account::Column::PersonaId.eq(p.id))
        .all(&txn)
        .await?;
    let reason = format!("Persona {} was deleted", p.name);
    let mut released = 0;
    for a in &members {
        if a.state == State::Active.as_str() {
            tasks::start_cleanup(&txn, &scope, a, &actor, &reason).await?;
            released += 1;
        } else {
            // Only active accounts have a persona; anything else keeps no dangling link.
            account::Entity::update_many()
                .col_expr(account::Column::PersonaId, Expr::value(Option::<Uuid>::None))
                .col_expr(
                    account::Column::AssignedToPersonaAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .filter(account::Column::Id.eq(a.id))
                .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
                .exec(&txn)
                .await?;
        }
    }
    super::content::delete_pools(&txn, &scope, p.id).await?;
    persona::Entity::delete_many()
        .filter(persona::Column::Id.eq(p.id))
        .filter(persona::Column::WorkspaceId.eq(scope.workspace_id()))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Event::new("fleet.persona_deleted")
            .by(ctx)
            .target("fleet_persona", p.id)
            .detail(serde_json::json!({"name": p.name, "accounts_to_cleanup": released})),
    )
    .await?;
    txn.commit().await?;
    Ok(Deleted {
        persona: p,
        released,
    })
}

// ---- batch assignment and release -----------------------------------------------------------

/// Assigns ready accounts to a persona (`ready → active`), all or nothing: any account that
/// is not found is a 404 and any that is not ready (or has a persona) a 409 naming it, and
/// then none is assigned. Answers the accounts as they are now.
pub async fn assign(
    state: &AppState,
    ctx: &Ctx,
    persona_id: Uuid,
    account_ids: &[Uuid],
) -> Result<Vec<account::Model>> {
    let scope = access::write(state, ctx).await?;
    let mut ids: Vec<Uuid> = Vec::new();
    let mut seen = HashSet::new();
    for id in account_ids {
        if seen.insert(*id) {
            ids.push(*id);
        }
    }
    if ids.is_empty() {
        return Err(Error::validation(
            "account_ids",
            "Choose at least one ready account",
        ));
    }
    if ids.len() > ASSIGN_MAX {
        return Err(Error::validation(
            "account_ids",
            format!("At most {ASSIGN_MAX} accounts at once"),
        ));
    }
    let actor = Actor::user(ctx);
    let txn = platform::db::begin_write(&state.db).await?;
    let p = find_in(&txn, &scope, persona_id).await?;
    let reason = format!("Assigned to persona {}", p.name);
    let at = now();
    for id in &ids {
        let a = accounts::find_in(&txn, &scope, *id).await?;
        if a.persona_id.is_some() {
            return Err(Error::Conflict(format!(
                "@{} is assigned to a persona already; nothing was assigned.",
                a.username
            )));
        }
        lifecycle::transition(
            &txn,
            &a,
            State::Active,
            &actor,
            &reason,
            vec![
                (account::Column::PersonaId, Expr::value(Some(p.id))),
                (account::Column::AssignedToPersonaAt, Expr::value(Some(at))),
            ],
        )
        .await
        .map_err(|e| match e {
            Error::Conflict(m) => {
                Error::Conflict(format!("@{}: {m} Nothing was assigned.", a.username))
            }
            other => other,
        })?;
    }
    audit::record(
        &txn,
        Event::new("fleet.persona_assigned")
            .by(ctx)
            .target("fleet_persona", p.id)
            .detail(serde_json::json!({"name": p.name, "accounts": ids.len()})),
    )
    .await?;
    txn.commit().await?;
    Ok(account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(account::Column::UsernameLower)
        .all(&state.db)
        .await?)
}

/// Takes an account out of a persona: `active → cleanup`, cleanup tasks queued; after the
/// cleanup it is ready again. `note` (optional) is added to the timeline's reason.
pub async fn release(
    state: &AppState,
    ctx: &Ctx,
    persona_id: Uuid,
    account_id: Uuid,
    note: &str,
) -> Result<account::Model> {
    let scope = access::write(state, ctx).await?;
    let note = note.trim();
    within("reason", "The reason", note, REASON_MAX).map_err(|e| Error::Validation(vec![e]))?;
    let actor = Actor::user(ctx);
    let txn = platform::db::begin_write(&state.db).await?;
    let p = find_in(&txn, &scope, persona_id).await?;
    let a = accounts::find_in(&txn, &scope, account_id).await?;
    if a.persona_id != Some(p.id) {
        return Err(Error::Conflict(format!(
            "@{} is not assigned to {}.",
            a.username, p.name
        )));
    }
    let reason = if note.is_empty() {
        format!("Released from persona {}", p.name)
    } else {
        format!("Released from persona {}: {note}", p.name)
    };
    tasks::start_cleanup(&txn, &scope, &a, &actor, &reason).await?;
    txn.commit().await?;
    accounts::find_in(&state.db, &scope, a.id).await
}

/// The locations of the workspace's proxies (as first written, one per case-insensitive
/// value), for the location filters.
pub async fn proxy_locations(state: &AppState, ctx: &Ctx) -> Result<Vec<String>> {
    let scope = access::read(state, ctx).await?;
    let all: Vec<String> = proxy::Entity::find()
        .select_only()
        .column(proxy::Column::Location)
        .distinct()
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(proxy::Column::Location.ne(""))
        .order_by_asc(proxy::Column::Location)
        .limit(1_000)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut seen = HashSet::new();
    Ok(all
        .into_iter()
        .filter(|l| seen.insert(l.to_lowercase()))
        .collect())
}

// ---- the grid of cards ----------------------------------------------------------------------

/// A persona card: its accounts by state, the proxies they use, recent activity.
#[derive(Debug, Clone)]
pub struct Card {
    pub persona: persona::Model,
    /// States with at least one account, in lifecycle order.
    pub by_state: Vec<(State, i64)>,
    pub accounts: i64,
    /// Distinct proxies its accounts use.
    pub proxies: i64,
    /// The latest timeline rows of its accounts, newest first.
    pub recent: Vec<event::Model>,
}

/// The workspace's personas with their figures, by name.
pub async fn cards(state: &AppState, ctx: &Ctx) -> Result<Vec<Card>> {
    let scope = access::read(state, ctx).await?;
    let personas = persona::Entity::find()
        .filter(persona::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(persona::Column::NameLower)
        .order_by_asc(persona::Column::Id)
        .limit(PERSONAS_MAX)
        .all(&state.db)
        .await?;
    cards_of(&state.db, &scope, personas).await
}

/// One persona with its figures.
pub async fn card(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Card> {
    let scope = access::read(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    cards_of(&state.db, &scope, vec![p])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

async fn cards_of(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    personas: Vec<persona::Model>,
) -> Result<Vec<Card>> {
    let only: Option<Uuid> = match personas.as_slice() {
        [one] => Some(one.id),
        _ => None,
    };
    let mine = |q: sea_orm::Select<account::Entity>| match only {
        Some(id) => q.filter(account::Column::PersonaId.eq(id)),
        None => q.filter(account::Column::PersonaId.is_not_null()),
    };
    let counts: Vec<(Option<Uuid>, String, i64)> =
        mine(account::Entity::find().filter(account::Column::WorkspaceId.eq(scope.workspace_id())))
            .select_only()
            .column(account::Column::PersonaId)
            .column(account::Column::State)
            .column_as(Expr::col(account::Column::Id).count(), "n")
            .group_by(account::Column::PersonaId)
            .group_by(account::Column::State)
            .into_tuple()
            .all(conn)
            .await?;
    let proxies: Vec<(Option<Uuid>, i64)> =
        mine(account::Entity::find().filter(account::Column::WorkspaceId.eq(scope.workspace_id())))
        .select_only()
        .column(account::Column::PersonaId)
        .column_as(
            Expr::expr(Func::count_distinct(Expr::col(account::Column::ProxyId))),
            "n",
        )
        .group_by(account::Column::PersonaId)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(personas.len());
    for p in personas {
        let mine: HashMap<&str, i64> = counts
            .iter()
            .filter(|(pid, _, _)| *pid == Some(p.id))
            .map(|(_, s, n)| (s.as_str(), *n))
            .collect();
        let by_state: Vec<(State, i64)> = State::ALL
            .into_iter()
            .filter_map(|s| mine.get(s.as_str()).map(|n| (s, *n)))
            .collect();
        let recent = event::Entity::find()
            .filter(event::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(
                event::Column::AccountId.in_subquery(
                    Query::select()
                        .column(account::Column::Id)
                        .from(account::Entity)
                        .and_where(account::Column::WorkspaceId.eq(scope.workspace_id()))
                        .and_where(account::Column::PersonaId.eq(p.id))
                        .to_owned(),
                ),
            )
            .order_by_desc(event::Column::At)
            .order_by_desc(event::Column::Id)
            .limit(RECENT)
            .all(conn)
            .await?;
        out.push(Card {
            accounts: by_state.iter().map(|(_, n)| n).sum(),
            by_state,
            proxies: proxies
                .iter()
                .find(|(pid, _)| *pid == Some(p.id))
                .map(|(_, n)| *n)
                .unwrap_or(0),
            recent,
            persona: p,
        });
    }
    Ok(out)
}

// ---- the views of a persona's accounts ------------------------------------------------------

/// The ways the persona page looks at accounts (`?view=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The persona's accounts.
    Overview,
    /// Ready accounts without a persona, to assign.
    Available,
    /// Accounts warming up (or in review) in the persona's location, by step.
    Pipeline,
    /// The proxies its accounts use, and free ones in its location.
    Proxies,
    /// Its accounts and unassigned ones that need a person.
    Attention,
}

impl View {
    pub const ALL: [View; 5] = [
        View::Overview,
        View::Available,
        View::Pipeline,
        View::Proxies,
        View::Attention,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            View::Overview => "overview",
            View::Available => "available",
            View::Pipeline => "pipeline",
            View::Proxies => "proxies",
            View::Attention => "attention",
        }
    }

    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            View::Overview => "Accounts",
            View::Available => "Available",
            View::Pipeline => "Warm-up pipeline",
            View::Proxies => "Proxies",
            View::Attention => "Needs attention",
        }
    }
}

/// The last task of an account, in brief.
#[derive(Debug, Clone)]
pub struct LastTask {
    pub step_label: String,
    /// `pending`, `in_progress`, `completed`, `failed`, `requires_review`, `cancelled`.
    pub status: String,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

impl LastTask {
    pub fn failed(&self) -> bool {
        matches!(self.status.as_str(), "failed" | "requires_review")
    }
}

/// An account as the views show it.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub account: account::Model,
    /// The label of its current warm-up step, if it is in warm-up.
    pub step_label: Option<String>,
    pub steps_total: usize,
    pub proxy: Option<proxy::Model>,
    /// The name of the worker that acted on it last.
    pub worker_name: Option<String>,
    pub tasks_completed: i64,
    pub tasks_failed: i64,
    pub last_task: Option<LastTask>,
    /// Why it needs attention (the attention view).
    pub reasons: Vec<&'static str>,
}

impl AccountRow {
    /// Completed among finished (completed or failed) tasks, in percent; `None` before any.
    pub fn success_rate(&self) -> Option<f64> {
        let finished = self.tasks_completed + self.tasks_failed;
        (finished > 0).then(|| 100.0 * self.tasks_completed as f64 / finished as f64)
    }
}

/// Loads what the rows show beside the accounts: proxies, workers, task figures.
async fn rows(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    accounts: Vec<account::Model>,
    steps: &[Step],
) -> Result<Vec<AccountRow>> {
    let ids: Vec<Uuid> = accounts.iter().map(|a| a.id).collect();
    let proxy_ids: HashSet<Uuid> = accounts.iter().filter_map(|a| a.proxy_id).collect();
    let worker_ids: HashSet<Uuid> = accounts.iter().filter_map(|a| a.last_worker_id).collect();
    let mut proxies: HashMap<Uuid, proxy::Model> = HashMap::new();
    let proxy_ids: Vec<Uuid> = proxy_ids.into_iter().collect();
    for chunk in proxy_ids.chunks(500) {
        for p in proxy::Entity::find()
            .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(proxy::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            proxies.insert(p.id, p);
        }
    }
    let mut workers: HashMap<Uuid, String> = HashMap::new();
    let worker_ids: Vec<Uuid> = worker_ids.into_iter().collect();
    for chunk in worker_ids.chunks(500) {
        let named: Vec<(Uuid, String)> = worker::Entity::find()
            .select_only()
            .column(worker::Column::Id)
            .column(worker::Column::Name)
            .filter(worker::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(worker::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        workers.extend(named);
    }
    let mut figures: HashMap<(Uuid, String), i64> = HashMap::new();
    let mut last: HashMap<Uuid, LastTask> = HashMap::new();
    for chunk in ids.chunks(500) {
        let counted: Vec<(Uuid, String, i64)> = task::Entity::find()
            .select_only()
            .column(task::Column::AccountId)
            .column(task::Column::Status)
            .column_as(Expr::col(task::Column::Id).count(), "n")
            .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(task::Column::AccountId.is_in(chunk.iter().copied()))
            .filter(task::Column::Status.is_in(["completed", "failed", "requires_review"]))
            .group_by(task::Column::AccountId)
            .group_by(task::Column::Status)
            .into_tuple()
            .all(conn)
            .await?;
        for (id, status, n) in counted {
            let key = if status == "completed" {
                "completed"
            } else {
                "failed"
            };
            *figures.entry((id, key.to_string())).or_default() += n;
        }
        // The newest task of each account: tasks created at some account's newest time,
        // newest first; the first seen of an account is its own newest.
        let latest: Vec<(Uuid, String, String, Option<String>, DateTime<Utc>)> =
            task::Entity::find()
                .select_only()
                .column(task::Column::AccountId)
                .column(task::Column::StepLabel)
                .column(task::Column::Status)
                .column(task::Column::ErrorMessage)
                .column(task::Column::UpdatedAt)
                .filter(task::Column::WorkspaceId.eq(scope.workspace_id()))
                .filter(task::Column::AccountId.is_in(chunk.iter().copied()))
                .filter(
                    task::Column::CreatedAt.in_subquery(
                        Query::select()
                            .expr(Expr::col((task::Entity, task::Column::CreatedAt)).max())
                            .from(task::Entity)
                            .and_where(task::Column::AccountId.is_in(chunk.iter().copied()))
                            .group_by_col(task::Column::AccountId)
                            .to_owned(),
                    ),
                )
                .order_by_desc(task::Column::CreatedAt)
                .order_by_desc(task::Column::Id)
                .into_tuple()
                .all(conn)
                .await?;
        for (id, step_label, status, error, at) in latest {
            last.entry(id).or_insert(LastTask {
                step_label,
                status,
                error,
                at,
            });
        }
    }
    Ok(accounts
        .into_iter()
        .map(|a| {
            let step_label = a
                .warmup_step
                .filter(|_| {
                    matches!(
                        State::parse(&a.state),
                        Some(State::WarmingUp | State::HumanReview | State::ProxyAssigned)
                    )
                })
                .and_then(|n| usize::try_from(n).ok())
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| steps.get(i))
                .map(|s| s.label.clone());
            AccountRow {
                step_label,
                steps_total: steps.len(),
                proxy: a.proxy_id.and_then(|p| proxies.get(&p).cloned()),
                worker_name: a.last_worker_id.and_then(|w| workers.get(&w).cloned()),
                tasks_completed: figures
                    .get(&(a.id, "completed".to_string()))
                    .copied()
                    .unwrap_or(0),
                tasks_failed: figures
                    .get(&(a.id, "failed".to_string()))
                    .copied()
                    .unwrap_or(0),
                last_task: last.remove(&a.id),
                reasons: Vec::new(),
                account: a,
            }
        })
        .collect())
}

/// Accounts of a view: the rows shown and how many matched in all.
#[derive(Debug, Clone)]
pub struct Listed {
    pub rows: Vec<AccountRow>,
    pub total: usize,
}

/// The persona's accounts, by username.
pub async fn overview(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<(persona::Model, Listed)> {
    let scope = access::read(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let q = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(account::Column::PersonaId.eq(p.id));
    let total = usize::try_from(q.clone().count(&state.db).await?).unwrap_or(usize::MAX);
    let found = q
        .order_by_asc(account::Column::UsernameLower)
        .limit(LIST_MAX as u64)
        .all(&state.db)
        .await?;
    let steps = settings::get(&state.db, &scope).await?.steps;
    let rows = rows(&state.db, &scope, found, &steps).await?;
    Ok((p, Listed { rows, total }))
}

/// The filters of the available view.
#[derive(Debug, Clone, Default)]
pub struct AvailableFilter {
    /// Only accounts whose proxy is in this location (any case); empty: any.
    pub location: String,
    /// Only accounts that never failed a step.
    pub no_failures: bool,
    /// Only accounts that completed at least this share (percent) of their finished steps;
    /// accounts with no finished step pass.
    pub min_success: Option<u8>,
}

/// Ready accounts without a persona, oldest ready first, filtered.
pub async fn available(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    filter: &AvailableFilter,
) -> Result<(persona::Model, Listed)> {
    let scope = access::read(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    if let Some(m) = filter.min_success
        && m > 100
    {
        return Err(Error::validation(
            "min_success",
            "A success rate from 0 to 100 percent",
        ));
    }
    let mut q = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(account::Column::State.eq(State::Ready.as_str()))
        .filter(account::Column::PersonaId.is_null());
    let location = filter.location.trim().to_lowercase();
    if !location.is_empty() {
        q = q.filter(account::Column::ProxyId.in_subquery(proxies_in(&scope, &location)));
    }
    if filter.no_failures {
        q = q.filter(
            account::Column::Id.not_in_subquery(
                Query::select()
                    .column(task::Column::AccountId)
                    .from(task::Entity)
                    .and_where(task::Column::WorkspaceId.eq(scope.workspace_id()))
                    .and_where(task::Column::Status.is_in(["failed", "requires_review"]))
                    .to_owned(),
            ),
        );
    }
    // The success rate is computed per account; the candidates are bounded first.
    let candidates = q
        .order_by_asc(account::Column::WarmupCompletedAt)
        .order_by_asc(account::Column::UsernameLower)
        .limit(5_000)
        .all(&state.db)
        .await?;
    let steps = settings::get(&state.db, &scope).await?.steps;
    let mut found = rows(&state.db, &scope, candidates, &steps).await?;
    if let Some(min) = filter.min_success {
        found.retain(|r| r.success_rate().is_none_or(|rate| rate + 1e-9 >= f64::from(min)));
    }
    let total = found.len();
    found.truncate(LIST_MAX);
    Ok((p, Listed { rows: found, total }))
}

/// Proxies of the workspace in a location (lower case), as a subquery of ids.
fn proxies_in(scope: &Scope, location_lower: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(proxy::Column::Id)
        .from(proxy::Entity)
        .and_where(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .and_where(
            Expr::expr(Func::lower(Expr::col((proxy::Entity, proxy::Column::Location))))
                .eq(location_lower),
        )
        .to_owned()
}

/// One column of the pipeline: a step and the accounts at it.
#[derive(Debug, Clone)]
pub struct PipelineStep {
    pub number: i32,
    pub label: String,
    pub rows: Vec<AccountRow>,
    /// All the accounts at this step (rows may be fewer).
    pub total: usize,
    pub in_review: usize,
}

/// The warm-up pipeline of the workspace's accounts in the persona's location (all of them
/// when it has none): one column per configured step.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub steps: Vec<PipelineStep>,
    pub total: usize,
}

pub async fn pipeline(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
) -> Result<(persona::Model, Pipeline)> {
    let scope = access::read(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let mut q = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(
            account::Column::State.is_in([State::WarmingUp.as_str(), State::HumanReview.as_str()]),
        );
    let location = p.location.trim().to_lowercase();
    if !location.is_empty() {
        q = q.filter(account::Column::ProxyId.in_subquery(proxies_in(&scope, &location)));
    }
    let per_step: Vec<(Option<i32>, String, i64)> = q
        .clone()
        .select_only()
        .column(account::Column::WarmupStep)
        .column(account::Column::State)
        .column_as(Expr::col(account::Column::Id).count(), "n")
        .group_by(account::Column::WarmupStep)
        .group_by(account::Column::State)
        .into_tuple()
        .all(&state.db)
        .await?;
    let steps = settings::get(&state.db, &scope).await?.steps;
    let mut columns = Vec::with_capacity(steps.len());
    let per_column = (LIST_MAX / steps.len().max(1)).max(20) as u64;
    for (i, step) in steps.iter().enumerate() {
        let number = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let at_step = |state: Option<&str>| -> usize {
            per_step
                .iter()
                .filter(|(n, s, _)| *n == Some(number) && state.is_none_or(|want| s == want))
                .map(|(_, _, c)| usize::try_from(*c).unwrap_or(0))
                .sum()
        };
        let found = q
            .clone()
            .filter(account::Column::WarmupStep.eq(number))
            .order_by_asc(account::Column::WarmupStartedAt)
            .order_by_asc(account::Column::UsernameLower)
            .limit(per_column)
            .all(&state.db)
            .await?;
        columns.push(PipelineStep {
            number,
            label: step.label.clone(),
            rows: rows(&state.db, &scope, found, &steps).await?,
            total: at_step(None),
            in_review: at_step(Some(State::HumanReview.as_str())),
        });
    }
    let total = per_step
        .iter()
        .map(|(_, _, c)| usize::try_from(*c).unwrap_or(0))
        .sum();
    Ok((
        p,
        Pipeline {
            steps: columns,
            total,
        },
    ))
}

/// A proxy as the proxies view shows it.
#[derive(Debug, Clone)]
pub struct ProxyRow {
    pub proxy: proxy::Model,
    /// The persona's accounts on it.
    pub persona_accounts: i64,
}

impl ProxyRow {
    pub fn free_slots(&self) -> i32 {
        std::cmp::max(self.proxy.max_accounts - self.proxy.account_count, 0)
    }
}

/// The proxies the persona's accounts use, and active proxies with room in its location
/// (anywhere when it has none).
#[derive(Debug, Clone)]
pub struct Proxies {
    pub used: Vec<ProxyRow>,
    pub free: Vec<ProxyRow>,
}

pub async fn proxies(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<(persona::Model, Proxies)> {
    let scope = access::read(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let on: Vec<(Option<Uuid>, i64)> = account::Entity::find()
        .select_only()
        .column(account::Column::ProxyId)
        .column_as(Expr::col(account::Column::Id).count(), "n")
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(account::Column::PersonaId.eq(p.id))
        .filter(account::Column::ProxyId.is_not_null())
        .group_by(account::Column::ProxyId)
        .into_tuple()
        .all(&state.db)
        .await?;
    let on: HashMap<Uuid, i64> = on
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect();
    let mut used = Vec::new();
    let ids: Vec<Uuid> = on.keys().copied().collect();
    for chunk in ids.chunks(500) {
        for proxy in proxy::Entity::find()
            .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(proxy::Column::Id.is_in(chunk.iter().copied()))
            .all(&state.db)
            .await?
        {
            used.push(ProxyRow {
                persona_accounts: on.get(&proxy.id).copied().unwrap_or(0),
                proxy,
            });
        }
    }
    used.sort_by(|a, b| {
        (a.proxy.location.to_lowercase(), &a.proxy.host, a.proxy.port).cmp(&(
            b.proxy.location.to_lowercase(),
            &b.proxy.host,
            b.proxy.port,
        ))
    });
    let mut q = proxy::Entity::find()
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(proxy::Column::Status.eq("active"))
        .filter(
            Expr::col((proxy::Entity, proxy::Column::AccountCount))
                .lt(Expr::col((proxy::Entity, proxy::Column::MaxAccounts))),
        );
    let location = p.location.trim().to_lowercase();
    if !location.is_empty() {
        q = q.filter(
            Expr::expr(Func::lower(Expr::col((proxy::Entity, proxy::Column::Location))))
                .eq(location),
        );
    }
    let free = q
        .order_by_asc(proxy::Column::AccountCount)
        .order_by_asc(proxy::Column::Host)
        .order_by_asc(proxy::Column::Port)
        .limit(LIST_MAX as u64)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|proxy| ProxyRow {
            persona_accounts: on.get(&proxy.id).copied().unwrap_or(0),
            proxy,
        })
        .collect();
    Ok((p, Proxies { used, free }))
}

/// The persona's accounts and the unassigned ones that need a person: in review, without a
/// proxy, or whose latest task failed; most recently changed first.
pub async fn attention(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<(persona::Model, Listed)> {
    let scope = access::read(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let mine = Condition::any()
        .add(account::Column::PersonaId.eq(p.id))
        .add(account::Column::PersonaId.is_null());
    let flagged = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(mine.clone())
        .filter(
            Condition::any()
                .add(account::Column::State.eq(State::HumanReview.as_str()))
                .add(account::Column::ProxyId.is_null()),
        )
        .order_by_desc(account::Column::UpdatedAt)
        .limit(LIST_MAX as u64)
        .all(&state.db)
        .await?;
    let flagged_ids: HashSet<Uuid> = flagged.iter().map(|a| a.id).collect();
    // Accounts with a failed task: kept when that failure is their latest task.
    let with_failure = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(mine)
        .filter(
            account::Column::Id.in_subquery(
                Query::select()
                    .column(task::Column::AccountId)
                    .from(task::Entity)
                    .and_where(task::Column::WorkspaceId.eq(scope.workspace_id()))
                    .and_where(task::Column::Status.is_in(["failed", "requires_review"]))
                    .to_owned(),
            ),
        )
        .order_by_desc(account::Column::UpdatedAt)
        .limit(5_000)
        .all(&state.db)
        .await?
        .into_iter()
        .filter(|a| !flagged_ids.contains(&a.id))
        .collect::<Vec<_>>();
    let steps = settings::get(&state.db, &scope).await?.steps;
    let mut found = rows(&state.db, &scope, flagged, &steps).await?;
    found.extend(
        rows(&state.db, &scope, with_failure, &steps)
            .await?
            .into_iter()
            .filter(|r| r.last_task.as_ref().is_some_and(LastTask::failed)),
    );
    for r in &mut found {
        if r.account.state == State::HumanReview.as_str() {
            r.reasons.push("Needs review");
        }
        if r.account.proxy_id.is_none() {
            r.reasons.push("No proxy");
        }
        if r.last_task.as_ref().is_some_and(LastTask::failed) {
            r.reasons.push("Last task failed");
        }
    }
    found.sort_by(|a, b| b.account.updated_at.cmp(&a.account.updated_at));
    let total = found.len();
    found.truncate(LIST_MAX);
    Ok((p, Listed { rows: found, total }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_persona_is_checked_field_by_field() {
        let ok = check(PersonaInput {
            name: "  Lena  ".into(),
            location: " Berlin ".into(),
            notes: String::new(),
        })
        .unwrap();
        assert_eq!((ok.name.as_str(), ok.location.as_str()), ("Lena", "Berlin"));
        let e = check(PersonaInput {
            name: "x".repeat(81),
            location: "y".repeat(81),
            notes: "z".repeat(1_001),
        })
        .unwrap_err();
        assert!(!e.field("name").is_empty());
        assert!(!e.field("location").is_empty());
        assert!(!e.field("notes").is_empty());
        assert!(
            !check(PersonaInput::default())
                .unwrap_err()
                .field("name")
                .is_empty()
        );
    }

    #[test]
    fn views_read_back_their_names() {
        for v in View::ALL {
            assert_eq!(View::parse(v.as_str()), Some(v));
        }
        assert_eq!(View::parse("content"), None);
    }
}
