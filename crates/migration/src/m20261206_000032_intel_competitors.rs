//! Competitor analysis: one saved comparison per own account (which of the workspace's tracked
//! profiles it is compared with, and over how many days), and the plan meter `competitors`
//! (tracked profiles in one analysis) added to the plans seeded before it existed.
//!
//! The account and the tracked profiles belong to the instagram feature, whose tables this one
//! does not reference (as the planner's): every read goes through the caller's workspace, and a
//! tracked profile removed since is left out when the set is read.
//!
//! The meter: a plan without it would read "not included" and refuse every analysis, so the
//! seeded plans get the values the billing feature's seeds now hold (free 1, starter 2, pro 3,
//! agency 5, enterprise 5, self-hosted unlimited); a plan staff already gave a value keeps it.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::prelude::Uuid};
use serde_json::{Map, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntelCompetitorSets {
    Table,
    Id,
    WorkspaceId,
    AccountId,
    TrackedIds,
    Days,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BillingPlans {
    Table,
    Id,
    Key,
    Limits,
}

/// (plan key, tracked profiles per analysis; `None`: unlimited).
const LIMITS: [(&str, Option<i64>); 6] = [
    ("free", Some(1)),
    ("starter", Some(2)),
    ("pro", Some(3)),
    ("agency", Some(5)),
    ("enterprise", Some(5)),
    ("self_hosted", None),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IntelCompetitorSets::Table)
                .col(pk_uuid(IntelCompetitorSets::Id))
                .col(uuid(IntelCompetitorSets::WorkspaceId))
                .col(uuid_uniq(IntelCompetitorSets::AccountId))
                .col(json(IntelCompetitorSets::TrackedIds))
                .col(integer(IntelCompetitorSets::Days))
                .col(uuid_null(IntelCompetitorSets::UpdatedBy))
                .col(timestamp_with_time_zone(IntelCompetitorSets::CreatedAt))
                .col(timestamp_with_time_zone(IntelCompetitorSets::UpdatedAt))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_intel_competitor_sets_workspace")
                .table(IntelCompetitorSets::Table)
                .col(IntelCompetitorSets::WorkspaceId)
                .take(),
        )
        .await?;

        let db = m.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([BillingPlans::Id, BillingPlans::Key, BillingPlans::Limits])
                    .from(BillingPlans::Table)
                    .and_where(Expr::col(BillingPlans::Key).is_in(LIMITS.iter().map(|(k, _)| *k)))
                    .to_owned(),
            )
            .await?;
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let key: String = row.try_get("", "key")?;
            let limits: Value = row.try_get("", "limits")?;
            let Some((_, limit)) = LIMITS.iter().find(|(k, _)| *k == key) else {
                continue;
            };
            let mut map: Map<String, Value> = limits.as_object().cloned().unwrap_or_default();
            if map.contains_key("competitors") {
                continue;
            }
            map.insert("competitors".into(), serde_json::json!(limit));
            db.execute(
                &Query::update()
                    .table(BillingPlans::Table)
                    .value(BillingPlans::Limits, Value::Object(map))
                    .and_where(Expr::col(BillingPlans::Id).eq(id))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IntelCompetitorSets::Table).to_owned())
            .await
    }
}
