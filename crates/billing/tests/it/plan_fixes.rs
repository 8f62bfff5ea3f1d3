//! The migration that corrects the first release's seeded plans, run for real: a database is
//! migrated up to just before it, given the plans as the first release seeded them (one limit
//! and one description edited by staff), then migrated to the end. Wrong seeded values are
//! corrected to what a new server seeds; what staff edited stays.

use std::collections::BTreeMap;

use billing::{Meter, model::plan, plans};
use migration::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, EntityTrait, Set};

use super::*;

/// A plan row as the first release seeded it (limits from the price's digits).
#[allow(clippy::too_many_arguments)]
fn first_release(
    key: &str,
    name: &str,
    description: &str,
    cents: i64,
    accounts: i64,
    ai: i64,
    seats: i64,
    order: i32,
) -> plan::ActiveModel {
    let scale = |free: i64, per_dollar: i64| {
        if cents == 0 {
            free
        } else {
            cents / 100 * per_dollar
        }
    };
    let now = platform::db::now();
    plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        key: Set(key.into()),
        name: Set(name.into()),
        description: Set(description.into()),
        currency: Set("usd".into()),
        price_monthly: Set(Some(cents)),
        price_yearly: Set((cents > 0).then_some(cents * 10)),
        stripe_price_monthly: Set(None),
        stripe_price_yearly: Set(None),
        enabled: Set(true),
        sort_order: Set(order),
        // The column came later (product lines): the first release's rows have none.
        product_line: sea_orm::ActiveValue::NotSet,
        limits: Set(json!({
            "accounts": accounts, "seats": seats, "ai_credits": ai,
            "profile_unlocks": scale(0, 1), "email_unlocks": scale(0, 1),
            "post_analyses": scale(5, 10), "exports": scale(1, 1),
        })),
        features: Set(json!([])),
        topup_discount_percent: Set(0),
        allowance_rollover: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

async fn fresh(dir: &tempfile::TempDir) -> DatabaseConnection {
    let url = platform::testkit::fresh_database_url(dir.path()).await;
    platform::db::connect_url(&url, 2).await.unwrap()
}

fn limits_of(p: &plans::Plan) -> BTreeMap<Meter, Option<i64>> {
    p.limits.clone()
}

#[tokio::test]
async fn wrong_seeded_limits_are_corrected_and_edited_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh(&dir).await;
    let before = Migrator::migrations()
        .iter()
        .position(|m| m.name().ends_with("_billing_plan_fixes"))
        .expect("the plan fixes migration");
    Migrator::up(&db, Some(u32::try_from(before).unwrap()))
        .await
        .unwrap();
    for row in [
        first_release(
            "free",
            "Free",
            "Try Growthdeck with demo data and one seat.",
            0,
            0,
            0,
            1,
            0,
        ),
        first_release(
            "starter",
            "Starter",
            "One Instagram account with analytics and AI help.",
            1900,
            1,
            10,
            1,
            10,
        ),
        first_release(
            "pro",
            "Pro",
            "Five accounts, creator discovery and more AI credits.",
            4900,
            5,
            100,
            1,
            20,
        ),
        first_release(
            "agency",
            "Agency",
            "Twenty-five accounts, a team of five, white label and proposals.",
            14900,
            25,
            500,
            5,
            30,
        ),
        first_release(
            "enterprise",
            "Enterprise",
            "A hundred accounts, twenty seats and the account fleet.",
            29900,
            100,
            2000,
            20,
            40,
        ),
    ] {
        let mut row = row;
        let key = match &row.key {
            sea_orm::ActiveValue::Set(k) => k.clone(),
            _ => unreachable!(),
        };
        // Staff had edited Starter's exports and Pro's description: those stay.
        if key == "starter" {
            let mut limits = row.limits.take().unwrap();
            limits["exports"] = json!(40);
            row.limits = Set(limits);
        }
        if key == "pro" {
            row.description = Set("Our most popular plan.".into());
        }
        // Without returning: the entity's later columns (product line) are not in this table yet.
        plan::Entity::insert(row)
            .exec_without_returning(&db)
            .await
            .unwrap();
    }

    Migrator::up(&db, None).await.unwrap();

    let plan = |key: &'static str| {
        let db = db.clone();
        async move { plans::by_key(&db, key).await.unwrap() }
    };
    let starter = plan("starter").await;
    assert_eq!(
        limits_of(&starter),
        BTreeMap::from([
            (Meter::Accounts, Some(1)),
            (Meter::Seats, Some(1)),
            (Meter::AiCredits, Some(10)),
            // Edited by staff: kept.
            (Meter::Exports, Some(40)),
            // A meter of a later release (competitor analysis), added to existing plans.
            (Meter::Competitors, Some(2)),
        ])
    );
    assert_eq!(
        starter.description,
        "One Instagram account with its analytics, for one person."
    );
    let pro = plan("pro").await;
    assert_eq!(pro.description, "Our most popular plan.", "edited: kept");
    assert_eq!(
        pro.limit_of(Meter::ProfileUnlocks),
        billing::Limit::NotIncluded
    );
    assert_eq!(
        pro.limit(Meter::PostAnalyses),
        Some(0),
        "not included allows none"
    );
    let free = plan("free").await;
    assert_eq!(
        free.limit_of(Meter::ProfileUnlocks),
        billing::Limit::Upto(5)
    );
    assert_eq!(free.limit_of(Meter::Accounts), billing::Limit::NotIncluded);

    // The corrected plans are what a new server seeds (Starter aside, edited above).
    let dir2 = tempfile::tempdir().unwrap();
    let new_server = fresh(&dir2).await;
    Migrator::up(&new_server, None).await.unwrap();
    for key in ["free", "pro", "agency", "enterprise"] {
        let seeded = plans::by_key(&new_server, key).await.unwrap();
        let fixed = plans::by_key(&db, key).await.unwrap();
        assert_eq!(limits_of(&fixed), limits_of(&seeded), "{key}");
        if key != "pro" {
            assert_eq!(fixed.description, seeded.description, "{key}");
        }
    }
    // The Self-hosted plan is added to an older server on first need.
    let self_hosted = plans::self_hosted(&db).await.unwrap();
    assert_eq!(self_hosted.limit(Meter::Accounts), None);
    assert!(!self_hosted.enabled);
}
