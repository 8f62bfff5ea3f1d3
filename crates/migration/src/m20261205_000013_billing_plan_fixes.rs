//! Corrects the plans seeded by the first billing release. Their monthly meters copied the
//! price's digits (Starter: 19 profile unlocks, 19 email unlocks, 190 post analyses and 19
//! exports a month; Pro 49 / 49 / 490 / 49; …) and their descriptions advertised features that
//! are not built. The requirement documents give the free plan 5 profile analyses a month and
//! no email unlocks, post analytics or exports, and give the paid plans no monthly meters at
//! all, which now reads "not included" (the meter is left out of the plan's limits).
//!
//! Only what still holds the first release's value is changed, meter by meter: a limit or a
//! description staff edited stays as they made it. (The billing feature's seeds hold the
//! corrected plans for new servers; this is the same correction for existing ones.)

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, prelude::Uuid},
};
use serde_json::{Map, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BillingPlans {
    Table,
    Id,
    Key,
    Description,
    Limits,
    UpdatedAt,
}

/// A seeded plan as the first release wrote it, and what it should hold.
struct Fix {
    key: &'static str,
    old_description: &'static str,
    new_description: &'static str,
    /// (meter, first release's value, corrected value; `None`: not included).
    limits: &'static [(&'static str, i64, Option<i64>)],
}

/// The paid plans' monthly meters: (price in dollars, ten times it) as the first release
/// seeded them, all not included now.
const fn paid(dollars: i64) -> [(&'static str, i64, Option<i64>); 4] {
    [
        ("profile_unlocks", dollars, None),
        ("email_unlocks", dollars, None),
        ("post_analyses", dollars * 10, None),
        ("exports", dollars, None),
    ]
}

const STARTER: [(&str, i64, Option<i64>); 4] = paid(19);
const PRO: [(&str, i64, Option<i64>); 4] = paid(49);
const AGENCY: [(&str, i64, Option<i64>); 4] = paid(149);
const ENTERPRISE: [(&str, i64, Option<i64>); 4] = paid(299);

const FIXES: &[Fix] = &[
    Fix {
        key: "free",
        old_description: "Try Growthdeck with demo data and one seat.",
        new_description: "Look around with demo accounts, on your own.",
        limits: &[
            // No document gives the free plan accounts or AI credits: not included.
            ("accounts", 0, None),
            ("ai_credits", 0, None),
            // 004 FREE TIER: "Profile Analysis: 5 profiles/month".
            ("profile_unlocks", 0, Some(5)),
            // "Post Analytics: Not included", "Export: Not available".
            ("post_analyses", 5, Some(0)),
            ("exports", 1, Some(0)),
        ],
    },
    Fix {
        key: "starter",
        old_description: "One Instagram account with analytics and AI help.",
        new_description: "One Instagram account with its analytics, for one person.",
        limits: &STARTER,
    },
    Fix {
        key: "pro",
        old_description: "Five accounts, creator discovery and more AI credits.",
        new_description: "Five Instagram accounts with their analytics, for one person.",
        limits: &PRO,
    },
    Fix {
        key: "agency",
        old_description: "Twenty-five accounts, a team of five, white label and proposals.",
        new_description: "Twenty-five Instagram accounts and a team of five.",
        limits: &AGENCY,
    },
    Fix {
        key: "enterprise",
        old_description: "A hundred accounts, twenty seats and the account fleet.",
        new_description: "A hundred Instagram accounts and a team of twenty.",
        limits: &ENTERPRISE,
    },
];

/// The corrected limits, or `None` when nothing in `limits` still holds a first-release value.
fn corrected(fix: &Fix, limits: &Value) -> Option<Value> {
    let mut map: Map<String, Value> = limits.as_object().cloned().unwrap_or_default();
    let mut changed = false;
    for (meter, old, new) in fix.limits {
        if map.get(*meter).and_then(Value::as_i64) == Some(*old) {
            match new {
                Some(n) => map.insert((*meter).to_string(), Value::from(*n)),
                None => map.remove(*meter),
            };
            changed = true;
        }
    }
    changed.then_some(Value::Object(map))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([
                        BillingPlans::Id,
                        BillingPlans::Key,
                        BillingPlans::Description,
                        BillingPlans::Limits,
                    ])
                    .from(BillingPlans::Table)
                    .and_where(Expr::col(BillingPlans::Key).is_in(FIXES.iter().map(|f| f.key)))
                    .to_owned(),
            )
            .await?;
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let key: String = row.try_get("", "key")?;
            let description: String = row.try_get("", "description")?;
            let limits: Value = row.try_get("", "limits")?;
            let Some(fix) = FIXES.iter().find(|f| f.key == key) else {
                continue;
            };
            let mut update = Query::update();
            update
                .table(BillingPlans::Table)
                .and_where(Expr::col(BillingPlans::Id).eq(id));
            let mut changed = false;
            if let Some(limits) = corrected(fix, &limits) {
                update.value(BillingPlans::Limits, limits);
                changed = true;
            }
            if description == fix.old_description {
                update.value(BillingPlans::Description, fix.new_description);
                changed = true;
            }
            if changed {
                update.value(BillingPlans::UpdatedAt, Expr::current_timestamp());
                db.execute(&update).await?;
            }
        }
        Ok(())
    }

    /// The first release's figures were wrong: going back does not restore them.
    async fn down(&self, _: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_first_release_values_are_corrected() {
        let starter = FIXES.iter().find(|f| f.key == "starter").unwrap();
        let seeded = serde_json::json!({
            "accounts": 1, "seats": 1, "ai_credits": 10,
            "profile_unlocks": 19, "email_unlocks": 19, "post_analyses": 190, "exports": 19,
        });
        assert_eq!(
            corrected(starter, &seeded),
            Some(serde_json::json!({ "accounts": 1, "seats": 1, "ai_credits": 10 }))
        );
        // Staff set exports to 40: kept; the rest is corrected.
        let edited = serde_json::json!({
            "accounts": 1, "seats": 1, "ai_credits": 10,
            "profile_unlocks": 19, "email_unlocks": 19, "post_analyses": 190, "exports": 40,
        });
        assert_eq!(
            corrected(starter, &edited),
            Some(serde_json::json!({ "accounts": 1, "seats": 1, "ai_credits": 10, "exports": 40 }))
        );
        let done = serde_json::json!({ "accounts": 1, "seats": 1, "ai_credits": 10 });
        assert_eq!(corrected(starter, &done), None);
    }
}
