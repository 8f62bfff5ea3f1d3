//! A proposal's versions: the snapshot written after every change, and the difference between
//! any two of them (fields changed, creators added and removed, fees and deliverables changed).
//! Snapshots are immutable: the diff reads only them, never the proposal as it is now.

use std::collections::BTreeMap;

use platform::{Ctx, Error, Permission, Result};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Current, find_in, scope};
use crate::model::proposals::version;

/// A whole proposal at one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = DiscoveryProposalSnapshot)]
pub struct Snapshot {
    pub title: String,
    pub brand: String,
    pub message: String,
    pub currency: String,
    pub creators: Vec<SnapshotCreator>,
}

/// A creator on a proposal at one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = DiscoveryProposalSnapshotCreator)]
pub struct SnapshotCreator {
    pub profile_id: Uuid,
    /// The username when the version was written.
    pub username: String,
    pub deliverables: String,
    /// Minor units of the proposal's currency.
    pub fee_minor: i64,
}

impl Snapshot {
    pub fn of(current: &Current) -> Snapshot {
        let p = &current.proposal;
        Snapshot {
            title: p.title.clone(),
            brand: p.brand.clone(),
            message: p.message.clone(),
            currency: p.currency.clone(),
            creators: current
                .entries
                .iter()
                .map(|e| SnapshotCreator {
                    profile_id: e.row.profile_id,
                    username: e.username(),
                    deliverables: e.row.deliverables.clone(),
                    fee_minor: e.row.fee_minor,
                })
                .collect(),
        }
    }

    pub fn read(v: &version::Model) -> Result<Snapshot> {
        serde_json::from_value(v.snapshot.clone()).map_err(Error::internal)
    }

    pub fn total_fee(&self) -> i64 {
        self.creators
            .iter()
            .map(|c| c.fee_minor)
            .fold(0i64, i64::saturating_add)
    }
}

/// A field of the proposal that changed between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = DiscoveryProposalFieldChange)]
pub struct FieldChange {
    /// `title`, `brand`, `message` or `currency`.
    pub field: String,
    pub from: String,
    pub to: String,
}

/// A creator on both versions whose terms changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = DiscoveryProposalCreatorChange)]
pub struct CreatorChange {
    pub profile_id: Uuid,
    pub username: String,
    /// Both fees when the fee changed.
    pub fee_from: Option<i64>,
    pub fee_to: Option<i64>,
    /// Both texts when the deliverables changed.
    pub deliverables_from: Option<String>,
    pub deliverables_to: Option<String>,
}

/// What changed from one version to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = DiscoveryProposalDiff)]
pub struct Diff {
    pub from: i32,
    pub to: i32,
    pub fields: Vec<FieldChange>,
    pub added: Vec<SnapshotCreator>,
    pub removed: Vec<SnapshotCreator>,
    pub changed: Vec<CreatorChange>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
    }
}

/// The difference from snapshot `a` (version `from`) to `b` (version `to`).
pub fn diff(from: i32, a: &Snapshot, to: i32, b: &Snapshot) -> Diff {
    let mut fields = Vec::new();
    for (field, x, y) in [
        ("title", &a.title, &b.title),
        ("brand", &a.brand, &b.brand),
        ("message", &a.message, &b.message),
        ("currency", &a.currency, &b.currency),
    ] {
        if x != y {
            fields.push(FieldChange {
                field: field.into(),
                from: x.clone(),
                to: y.clone(),
            });
        }
    }
    let before: BTreeMap<Uuid, &SnapshotCreator> =
        a.creators.iter().map(|c| (c.profile_id, c)).collect();
    let after: BTreeMap<Uuid, &SnapshotCreator> =
        b.creators.iter().map(|c| (c.profile_id, c)).collect();
    let added = b
        .creators
        .iter()
        .filter(|c| !before.contains_key(&c.profile_id))
        .cloned()
        .collect();
    let removed = a
        .creators
        .iter()
        .filter(|c| !after.contains_key(&c.profile_id))
        .cloned()
        .collect();
    let changed = b
        .creators
        .iter()
        .filter_map(|y| {
            let x = before.get(&y.profile_id)?;
            let fee = x.fee_minor != y.fee_minor;
            let text = x.deliverables != y.deliverables;
            (fee || text).then(|| CreatorChange {
                profile_id: y.profile_id,
                username: y.username.clone(),
                fee_from: fee.then_some(x.fee_minor),
                fee_to: fee.then_some(y.fee_minor),
                deliverables_from: text.then(|| x.deliverables.clone()),
                deliverables_to: text.then(|| y.deliverables.clone()),
            })
        })
        .collect();
    Diff {
        from,
        to,
        fields,
        added,
        removed,
        changed,
    }
}

/// The proposal's versions, newest first.
pub async fn list(state: &platform::AppState, ctx: &Ctx, id: Uuid) -> Result<Vec<version::Model>> {
    let scope = scope(state, ctx, Permission::WorkspaceRead).await?;
    let p = find_in(&state.db, &scope, id).await?;
    Ok(version::Entity::find()
        .filter(version::Column::ProposalId.eq(p.id))
        .filter(version::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_desc(version::Column::Number)
        .all(&state.db)
        .await?)
}

/// Version `number` of the proposal.
pub async fn get(
    state: &platform::AppState,
    ctx: &Ctx,
    id: Uuid,
    number: i32,
) -> Result<(version::Model, Snapshot)> {
    let scope = scope(state, ctx, Permission::WorkspaceRead).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let v = version::Entity::find()
        .filter(version::Column::ProposalId.eq(p.id))
        .filter(version::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(version::Column::Number.eq(number))
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound)?;
    let s = Snapshot::read(&v)?;
    Ok((v, s))
}

/// What changed from version `from` to version `to` (either order).
pub async fn between(
    state: &platform::AppState,
    ctx: &Ctx,
    id: Uuid,
    from: i32,
    to: i32,
) -> Result<Diff> {
    let scope = scope(state, ctx, Permission::WorkspaceRead).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let mut errors = Vec::new();
    for (field, n) in [("from", from), ("to", to)] {
        if !(1..=p.version).contains(&n) {
            errors.push(platform::error::FieldError::new(
                field,
                format!("Choose a version between 1 and {}", p.version),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let rows = version::Entity::find()
        .filter(version::Column::ProposalId.eq(p.id))
        .filter(version::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(version::Column::Number.is_in([from, to]))
        .all(&state.db)
        .await?;
    let snap = |n: i32| -> Result<Snapshot> {
        let v = rows.iter().find(|v| v.number == n).ok_or(Error::NotFound)?;
        Snapshot::read(v)
    };
    Ok(diff(from, &snap(from)?, to, &snap(to)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: u128, fee: i64, text: &str) -> SnapshotCreator {
        SnapshotCreator {
            profile_id: Uuid::from_u128(id),
            username: format!("c{id}"),
            deliverables: text.into(),
            fee_minor: fee,
        }
    }

    #[test]
    fn the_diff_names_every_kind_of_change_and_nothing_else() {
        let a = Snapshot {
            title: "Spring".into(),
            brand: "Acme".into(),
            message: "Hi".into(),
            currency: "USD".into(),
            creators: vec![
                c(1, 100, "1 reel"),
                c(2, 200, "2 posts"),
                c(3, 300, "story"),
            ],
        };
        let b = Snapshot {
            title: "Spring launch".into(),
            creators: vec![c(1, 150, "1 reel"), c(3, 300, "2 stories"), c(4, 50, "")],
            ..a.clone()
        };
        let d = diff(1, &a, 2, &b);
        assert_eq!(d.fields.len(), 1);
        assert_eq!(d.fields[0].field, "title");
        assert_eq!(d.added, vec![c(4, 50, "")]);
        assert_eq!(d.removed, vec![c(2, 200, "2 posts")]);
        assert_eq!(d.changed.len(), 2);
        assert_eq!(
            (d.changed[0].fee_from, d.changed[0].fee_to),
            (Some(100), Some(150))
        );
        assert_eq!(d.changed[0].deliverables_from, None);
        assert_eq!(d.changed[1].fee_from, None);
        assert_eq!(d.changed[1].deliverables_to.as_deref(), Some("2 stories"));
        assert!(diff(2, &b, 2, &b).is_empty());
    }
}
