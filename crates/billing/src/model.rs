//! Entities of billing. Plans are platform-wide; subscriptions, usage, wallets, ledger,
//! reservations and top-ups belong to one workspace each. Subscription events and payments
//! keep the workspace id without a foreign key: revenue history outlives an erased workspace.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod plan {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "billing_plans")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Stable name code refers to (`free`, `starter`, …); staff-made plans get their own.
        pub key: String,
        pub name: String,
        pub description: String,
        /// ISO 4217, lower case as Stripe writes it.
        pub currency: String,
        /// Minor units; `None`: not sold per month.
        pub price_monthly: Option<i64>,
        pub price_yearly: Option<i64>,
        pub stripe_price_monthly: Option<String>,
        pub stripe_price_yearly: Option<String>,
        pub enabled: bool,
        pub sort_order: i32,
        /// `growth` or `discovery` (`plans::ProductLine`): which group the pages show it in.
        pub product_line: String,
        /// `{meter: limit}`; `null` is unlimited, a meter left out is not included.
        pub limits: Json,
        /// Names of the features included (`white_label`, `discovery`, …).
        pub features: Json,
        pub topup_discount_percent: i32,
        /// Unused monthly allowance carries over to the next period instead of expiring.
        pub allowance_rollover: bool,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

pub mod subscription {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "billing_subscriptions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub plan_id: Uuid,
        /// Stripe's statuses (`active`, `trialing`, `past_due`, `canceled`, `unpaid`,
        /// `incomplete`, `incomplete_expired`, `paused`) for `stripe`; `active` otherwise.
        pub status: String,
        /// `stripe` (paid through Stripe), `comped` (assigned by staff, not charged) or
        /// `self_hosted` (the Self-hosted plan of a workspace from a time the server took no
        /// payments; staff end it once it does).
        pub origin: String,
        /// `month` or `year` (Stripe), `None` when comped.
        pub interval: Option<String>,
        /// The price locked in when subscribing (minor units per interval): a later price
        /// change of the plan applies to new subscriptions only.
        pub price_amount: Option<i64>,
        pub currency: String,
        pub stripe_customer_id: Option<String>,
        pub stripe_subscription_id: Option<String>,
        pub current_period_start: Option<chrono::DateTime<chrono::Utc>>,
        pub current_period_end: Option<chrono::DateTime<chrono::Utc>>,
        pub cancel_at_period_end: bool,
        pub canceled_at: Option<chrono::DateTime<chrono::Utc>>,
        pub trial_end: Option<chrono::DateTime<chrono::Utc>>,
        pub past_due_since: Option<chrono::DateTime<chrono::Utc>>,
        /// Creation time (Unix s) of the Stripe event this row reflects.
        pub stripe_version: Option<i64>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// What happened to a workspace's subscription, with the MRR from then on.
pub mod subscription_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "billing_subscription_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub at: chrono::DateTime<chrono::Utc>,
        /// `subscribed`, `plan_changed`, `status_changed`, `canceled`, `comped`, `renewed`,
        /// `synced`.
        pub kind: String,
        pub plan_id: Uuid,
        pub plan_key: String,
        pub status: String,
        /// Monthly recurring revenue from `at` on (minor units; a yearly price / 12).
        pub mrr: i64,
        pub currency: String,
        /// `stripe:<event id>`, `staff:<id>`, `user:<id>` or `system`.
        pub actor: String,
        pub detail: Option<Json>,
    }

    no_relations!();
}

pub mod stripe_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "billing_stripe_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub kind: String,
        pub object_created: i64,
        pub workspace_id: Option<Uuid>,
        pub received_at: chrono::DateTime<chrono::Utc>,
        pub outcome: String,
    }

    no_relations!();
}

pub mod payment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "billing_payments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        /// `subscription` or `topup`.
        pub kind: String,
        pub stripe_invoice_id: Option<String>,
        pub stripe_checkout_session_id: Option<String>,
        pub amount: i64,
        pub currency: String,
        pub description: String,
        pub hosted_url: Option<String>,
        pub paid_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

/// Monthly meters (`profile_unlocks`, `exports`, …): how much a workspace used in a month.
pub mod usage {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "billing_usage")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub meter: String,
        /// `YYYY-MM` (UTC).
        #[sea_orm(primary_key, auto_increment = false)]
        pub period: String,
        pub used: i64,
    }

    no_relations!();
}

pub mod wallet {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "credit_wallets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: Uuid,
        /// `allowance + purchased`; equals the sum of the workspace's ledger.
        pub balance: i64,
        /// Left of the monthly allowance (spent first; expires unless the plan rolls over).
        pub allowance: i64,
        /// Bought with top-ups (never expires).
        pub purchased: i64,
        /// The allowance period last granted (`YYYY-MM` or the Stripe period start).
        pub allowance_period: Option<String>,
        pub updated_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

pub mod transaction {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "credit_transactions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        /// `grant`, `expire`, `topup`, `reserve`, `capture`, `release`, `refund`, `adjustment`.
        pub kind: String,
        /// Signed change of the balance.
        pub amount: i64,
        pub balance_after: i64,
        pub action: Option<String>,
        pub reservation_id: Option<Uuid>,
        pub reference: Option<String>,
        pub reason: Option<String>,
        /// `user:<id>`, `staff:<id>`, `stripe:<event id>` or `system`.
        pub actor: String,
        pub idempotency_key: Option<String>,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    no_relations!();
}

pub mod reservation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "credit_reservations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub action: String,
        pub cost: i64,
        pub from_allowance: i64,
        pub from_purchased: i64,
        /// Covered by the action's free uses of the month (cost 0).
        pub free: bool,
        /// `held`, `captured` or `released`.
        pub state: String,
        pub reference: Option<String>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub settled_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    no_relations!();
}

pub mod pricing {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "credit_pricing")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub action: String,
        pub label: String,
        pub cost: i64,
        pub free_per_month: i64,
        pub updated_at: chrono::DateTime<chrono::Utc>,
        pub updated_by: Option<Uuid>,
    }

    no_relations!();
}

pub mod topup {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "credit_topups")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub credits: i64,
        pub amount: i64,
        pub currency: String,
        pub discount_percent: i32,
        /// `pending`, `paid`, `expired`.
        pub status: String,
        pub stripe_session_id: Option<String>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub paid_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    no_relations!();
}
