//! Billing: plans (prices, Stripe price ids, limits per meter, feature flags), each
//! workspace's subscription and its history (what revenue metrics are computed from), Stripe
//! events seen (each processed once), payments, monthly usage meters, and the credit wallet
//! with its append-only ledger, reservations, pricing rules and top-up orders.
//!
//! The plans of the requirement documents and the default pricing rules are seeded by the
//! billing feature when it first finds its tables empty (its own types define them).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum BillingPlans {
    Table,
    Id,
    Key,
    Name,
    Description,
    Currency,
    PriceMonthly,
    PriceYearly,
    StripePriceMonthly,
    StripePriceYearly,
    Enabled,
    SortOrder,
    Limits,
    Features,
    TopupDiscountPercent,
    AllowanceRollover,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BillingSubscriptions {
    Table,
    Id,
    WorkspaceId,
    PlanId,
    Status,
    Origin,
    Interval,
    PriceAmount,
    Currency,
    StripeCustomerId,
    StripeSubscriptionId,
    CurrentPeriodStart,
    CurrentPeriodEnd,
    CancelAtPeriodEnd,
    CanceledAt,
    TrialEnd,
    PastDueSince,
    StripeVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BillingSubscriptionEvents {
    Table,
    Id,
    WorkspaceId,
    At,
    Kind,
    PlanId,
    PlanKey,
    Status,
    Mrr,
    Currency,
    Actor,
    Detail,
}

#[derive(DeriveIden)]
enum BillingStripeEvents {
    Table,
    Id,
    Kind,
    ObjectCreated,
    WorkspaceId,
    ReceivedAt,
    Outcome,
}

#[derive(DeriveIden)]
enum BillingPayments {
    Table,
    Id,
    WorkspaceId,
    Kind,
    StripeInvoiceId,
    StripeCheckoutSessionId,
    Amount,
    Currency,
    Description,
    HostedUrl,
    PaidAt,
}

#[derive(DeriveIden)]
enum BillingUsage {
    Table,
    WorkspaceId,
    Meter,
    Period,
    Used,
}

#[derive(DeriveIden)]
enum CreditWallets {
    Table,
    WorkspaceId,
    Balance,
    Allowance,
    Purchased,
    AllowancePeriod,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CreditTransactions {
    Table,
    Id,
    WorkspaceId,
    Kind,
    Amount,
    BalanceAfter,
    Action,
    ReservationId,
    Reference,
    Reason,
    Actor,
    IdempotencyKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CreditReservations {
    Table,
    Id,
    WorkspaceId,
    Action,
    Cost,
    FromAllowance,
    FromPurchased,
    Free,
    State,
    Reference,
    CreatedAt,
    SettledAt,
}

#[derive(DeriveIden)]
enum CreditPricing {
    Table,
    Action,
    Label,
    Cost,
    FreePerMonth,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum CreditTopups {
    Table,
    Id,
    WorkspaceId,
    Credits,
    Amount,
    Currency,
    DiscountPercent,
    Status,
    StripeSessionId,
    CreatedAt,
    PaidAt,
}

fn workspace_fk<T: IntoIden + 'static>(table: T, col: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Workspaces::Table, Workspaces::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    m.create_index(i.take()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(BillingPlans::Table)
                .col(pk_uuid(BillingPlans::Id))
                .col(string_uniq(BillingPlans::Key))
                .col(string(BillingPlans::Name))
                .col(string(BillingPlans::Description))
                .col(string(BillingPlans::Currency))
                .col(big_integer_null(BillingPlans::PriceMonthly))
                .col(big_integer_null(BillingPlans::PriceYearly))
                .col(string_null(BillingPlans::StripePriceMonthly))
                .col(string_null(BillingPlans::StripePriceYearly))
                .col(boolean(BillingPlans::Enabled))
                .col(integer(BillingPlans::SortOrder))
                // {meter: limit or null (unlimited)}; JSON so a new meter needs no migration.
                .col(json(BillingPlans::Limits))
                .col(json(BillingPlans::Features))
                .col(integer(BillingPlans::TopupDiscountPercent))
                .col(boolean(BillingPlans::AllowanceRollover))
                .col(timestamp_with_time_zone(BillingPlans::CreatedAt))
                .col(timestamp_with_time_zone(BillingPlans::UpdatedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(BillingSubscriptions::Table)
                .col(pk_uuid(BillingSubscriptions::Id))
                .col(uuid_uniq(BillingSubscriptions::WorkspaceId))
                .col(uuid(BillingSubscriptions::PlanId))
                .col(string(BillingSubscriptions::Status))
                .col(string(BillingSubscriptions::Origin))
                .col(string_null(BillingSubscriptions::Interval))
                .col(big_integer_null(BillingSubscriptions::PriceAmount))
                .col(string(BillingSubscriptions::Currency))
                .col(string_null(BillingSubscriptions::StripeCustomerId))
                .col(string_null(BillingSubscriptions::StripeSubscriptionId))
                .col(timestamp_with_time_zone_null(
                    BillingSubscriptions::CurrentPeriodStart,
                ))
                .col(timestamp_with_time_zone_null(
                    BillingSubscriptions::CurrentPeriodEnd,
                ))
                .col(boolean(BillingSubscriptions::CancelAtPeriodEnd))
                .col(timestamp_with_time_zone_null(
                    BillingSubscriptions::CanceledAt,
                ))
                .col(timestamp_with_time_zone_null(
                    BillingSubscriptions::TrialEnd,
                ))
                .col(timestamp_with_time_zone_null(
                    BillingSubscriptions::PastDueSince,
                ))
                // The Stripe event time the row reflects: an older event never overwrites it.
                .col(big_integer_null(BillingSubscriptions::StripeVersion))
                .col(timestamp_with_time_zone(BillingSubscriptions::CreatedAt))
                .col(timestamp_with_time_zone(BillingSubscriptions::UpdatedAt))
                .foreign_key(&mut workspace_fk(
                    BillingSubscriptions::Table,
                    BillingSubscriptions::WorkspaceId,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .from(BillingSubscriptions::Table, BillingSubscriptions::PlanId)
                        .to(BillingPlans::Table, BillingPlans::Id),
                )
                .take(),
        )
        .await?;
        index(
            m,
            "ix_billing_subscriptions_stripe",
            BillingSubscriptions::Table,
            &["stripe_subscription_id"],
            false,
        )
        .await?;
        index(
            m,
            "ix_billing_subscriptions_customer",
            BillingSubscriptions::Table,
            &["stripe_customer_id"],
            false,
        )
        .await?;

        // No foreign key to workspaces: revenue history outlives an erased workspace (it holds
        // no personal data, only amounts and the workspace id).
        m.create_table(
            Table::create()
                .table(BillingSubscriptionEvents::Table)
                .col(pk_uuid(BillingSubscriptionEvents::Id))
                .col(uuid(BillingSubscriptionEvents::WorkspaceId))
                .col(timestamp_with_time_zone(BillingSubscriptionEvents::At))
                .col(string(BillingSubscriptionEvents::Kind))
                .col(uuid(BillingSubscriptionEvents::PlanId))
                .col(string(BillingSubscriptionEvents::PlanKey))
                .col(string(BillingSubscriptionEvents::Status))
                // Monthly recurring revenue from this moment on, minor units (0 when not paying).
                .col(big_integer(BillingSubscriptionEvents::Mrr))
                .col(string(BillingSubscriptionEvents::Currency))
                .col(string(BillingSubscriptionEvents::Actor))
                .col(json_null(BillingSubscriptionEvents::Detail))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_billing_sub_events_ws_at",
            BillingSubscriptionEvents::Table,
            &["workspace_id", "at"],
            false,
        )
        .await?;
        index(
            m,
            "ix_billing_sub_events_at",
            BillingSubscriptionEvents::Table,
            &["at"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(BillingStripeEvents::Table)
                .col(string(BillingStripeEvents::Id).primary_key())
                .col(string(BillingStripeEvents::Kind))
                .col(big_integer(BillingStripeEvents::ObjectCreated))
                .col(uuid_null(BillingStripeEvents::WorkspaceId))
                .col(timestamp_with_time_zone(BillingStripeEvents::ReceivedAt))
                .col(string(BillingStripeEvents::Outcome))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(BillingPayments::Table)
                .col(pk_uuid(BillingPayments::Id))
                .col(uuid(BillingPayments::WorkspaceId))
                .col(string(BillingPayments::Kind))
                .col(string_null(BillingPayments::StripeInvoiceId))
                .col(string_null(BillingPayments::StripeCheckoutSessionId))
                .col(big_integer(BillingPayments::Amount))
                .col(string(BillingPayments::Currency))
                .col(string(BillingPayments::Description))
                .col(string_null(BillingPayments::HostedUrl))
                .col(timestamp_with_time_zone(BillingPayments::PaidAt))
                .take(),
        )
        .await?;
        index(
            m,
            "ux_billing_payments_invoice",
            BillingPayments::Table,
            &["stripe_invoice_id"],
            true,
        )
        .await?;
        index(
            m,
            "ux_billing_payments_session",
            BillingPayments::Table,
            &["stripe_checkout_session_id"],
            true,
        )
        .await?;
        index(
            m,
            "ix_billing_payments_paid",
            BillingPayments::Table,
            &["paid_at"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(BillingUsage::Table)
                .col(uuid(BillingUsage::WorkspaceId))
                .col(string(BillingUsage::Meter))
                .col(string(BillingUsage::Period))
                .col(big_integer(BillingUsage::Used))
                .primary_key(
                    Index::create()
                        .col(BillingUsage::WorkspaceId)
                        .col(BillingUsage::Meter)
                        .col(BillingUsage::Period),
                )
                .foreign_key(&mut workspace_fk(
                    BillingUsage::Table,
                    BillingUsage::WorkspaceId,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CreditWallets::Table)
                .col(uuid(CreditWallets::WorkspaceId).primary_key())
                .col(big_integer(CreditWallets::Balance))
                .col(big_integer(CreditWallets::Allowance))
                .col(big_integer(CreditWallets::Purchased))
                .col(string_null(CreditWallets::AllowancePeriod))
                .col(timestamp_with_time_zone(CreditWallets::UpdatedAt))
                .check(Expr::col(CreditWallets::Balance).gte(0))
                .check(Expr::col(CreditWallets::Allowance).gte(0))
                .check(Expr::col(CreditWallets::Purchased).gte(0))
                .foreign_key(&mut workspace_fk(
                    CreditWallets::Table,
                    CreditWallets::WorkspaceId,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CreditTransactions::Table)
                .col(pk_uuid(CreditTransactions::Id))
                .col(uuid(CreditTransactions::WorkspaceId))
                .col(string(CreditTransactions::Kind))
                .col(big_integer(CreditTransactions::Amount))
                .col(big_integer(CreditTransactions::BalanceAfter))
                .col(string_null(CreditTransactions::Action))
                .col(uuid_null(CreditTransactions::ReservationId))
                .col(string_null(CreditTransactions::Reference))
                .col(string_null(CreditTransactions::Reason))
                .col(string(CreditTransactions::Actor))
                .col(string_null(CreditTransactions::IdempotencyKey))
                .col(timestamp_with_time_zone(CreditTransactions::CreatedAt))
                .foreign_key(&mut workspace_fk(
                    CreditTransactions::Table,
                    CreditTransactions::WorkspaceId,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_credit_tx_ws_id",
            CreditTransactions::Table,
            &["workspace_id", "id"],
            false,
        )
        .await?;
        // A grant or top-up is applied once however often its trigger arrives.
        index(
            m,
            "ux_credit_tx_idempotency",
            CreditTransactions::Table,
            &["idempotency_key"],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CreditReservations::Table)
                .col(pk_uuid(CreditReservations::Id))
                .col(uuid(CreditReservations::WorkspaceId))
                .col(string(CreditReservations::Action))
                .col(big_integer(CreditReservations::Cost))
                .col(big_integer(CreditReservations::FromAllowance))
                .col(big_integer(CreditReservations::FromPurchased))
                .col(boolean(CreditReservations::Free))
                .col(string(CreditReservations::State))
                .col(string_null(CreditReservations::Reference))
                .col(timestamp_with_time_zone(CreditReservations::CreatedAt))
                .col(timestamp_with_time_zone_null(CreditReservations::SettledAt))
                .foreign_key(&mut workspace_fk(
                    CreditReservations::Table,
                    CreditReservations::WorkspaceId,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_credit_res_ws_action",
            CreditReservations::Table,
            &["workspace_id", "action", "created_at"],
            false,
        )
        .await?;
        index(
            m,
            "ix_credit_res_state",
            CreditReservations::Table,
            &["state", "created_at"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CreditPricing::Table)
                .col(string(CreditPricing::Action).primary_key())
                .col(string(CreditPricing::Label))
                .col(big_integer(CreditPricing::Cost))
                .col(big_integer(CreditPricing::FreePerMonth))
                .col(timestamp_with_time_zone(CreditPricing::UpdatedAt))
                .col(uuid_null(CreditPricing::UpdatedBy))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CreditTopups::Table)
                .col(pk_uuid(CreditTopups::Id))
                .col(uuid(CreditTopups::WorkspaceId))
                .col(big_integer(CreditTopups::Credits))
                .col(big_integer(CreditTopups::Amount))
                .col(string(CreditTopups::Currency))
                .col(integer(CreditTopups::DiscountPercent))
                .col(string(CreditTopups::Status))
                .col(string_null(CreditTopups::StripeSessionId))
                .col(timestamp_with_time_zone(CreditTopups::CreatedAt))
                .col(timestamp_with_time_zone_null(CreditTopups::PaidAt))
                .foreign_key(&mut workspace_fk(
                    CreditTopups::Table,
                    CreditTopups::WorkspaceId,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ux_credit_topups_session",
            CreditTopups::Table,
            &["stripe_session_id"],
            true,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "credit_topups",
            "credit_pricing",
            "credit_reservations",
            "credit_transactions",
            "credit_wallets",
            "billing_usage",
            "billing_payments",
            "billing_stripe_events",
            "billing_subscription_events",
            "billing_subscriptions",
            "billing_plans",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
