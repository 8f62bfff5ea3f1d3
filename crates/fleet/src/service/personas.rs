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

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Error, FieldError, Result, Scope,
    audit::{self, Event},
    db::{is_unique_violation, now},
    web::forms::within,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use uuid::Uuid;

use super::{
    access, accounts,
    lifecycle::{self, Actor, State},
    tasks,
};
use crate::model::{account, persona};

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
pub(crate) const RECENT: u64 = 3;

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
                .col_expr(
                    account::Column::PersonaId,
                    Expr::value(Option::<Uuid>::None),
                )
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

mod views;

pub use views::{
    AccountRow, AvailableFilter, Card, LastTask, Listed, Pipeline, PipelineStep, Proxies, ProxyRow,
    View, attention, available, card, cards, overview, pipeline, proxies, proxy_locations,
};

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
}
