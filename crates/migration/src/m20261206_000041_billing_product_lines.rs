//! Product lines of billing's plans: `billing_plans.product_line` (`growth` or `discovery`),
//! which group the plans pages show a plan in. Every existing plan is `growth` (the default),
//! except requirement 004's Discovery Standard and Premium (`discovery_standard`,
//! `discovery_premium`), set to `discovery` where they exist already.
//!
//! On a new server the table is empty when this runs: the billing feature's seeds insert the
//! plans afterwards and carry their line themselves (`service/plans/seeds.rs`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BillingPlans {
    Table,
    Key,
    ProductLine,
}

/// The seeded plans of the Discovery line.
const DISCOVERY: [&str; 2] = ["discovery_standard", "discovery_premium"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(BillingPlans::Table)
                .add_column(string_len(BillingPlans::ProductLine, 32).default("growth"))
                .take(),
        )
        .await?;
        m.get_connection()
            .execute(
                &Query::update()
                    .table(BillingPlans::Table)
                    .value(BillingPlans::ProductLine, "discovery")
                    .and_where(Expr::col(BillingPlans::Key).is_in(DISCOVERY))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(BillingPlans::Table)
                .drop_column(BillingPlans::ProductLine)
                .take(),
        )
        .await?;
        Ok(())
    }
}
