//! The plans a new server starts with, from the requirement documents. Each limit quotes its
//! source; where the documents are silent a meter is left out of the plan, which reads "not
//! included" (never a number made up from the price). Staff edit every figure afterwards.
//!
//! The sources, in `/requirements`:
//! - 000 "Subscription Plans" (and 001 "Billing & Plans", which says the same):
//!   `| Plan | Price | Accounts | AI | Team |`
//!   `| Starter | $19/mo | 1 | 10 | 0 |`, `| Pro | $49/mo | 5 | 100 | 0 |`,
//!   `| Agency | $149/mo | 25 | 500 | 5 |`, `| Enterprise | $299/mo | 100 | 2000 | 20 |`.
//!   "Team 0" is a plan for one person: one seat, the owner's.
//! - 004 "FREE TIER": `Team Members: 1 (individual only)`, `Profile Analysis: 5
//!   profiles/month`, `Email Unlocks: Not available`, `Post Analytics: Not included`,
//!   `Export: Not available`. 004's paid tiers (Standard $199, Premium $499) are other plans
//!   than ours: their figures are not copied onto Starter … Enterprise; they are seeded as
//!   their own plans, the "Discovery" product line.
//!
//! Product lines: Starter … Enterprise are `growth`; Discovery Standard and Premium are
//! `discovery`. The Free plan is the free tier of both lines (004's FREE TIER limits are its
//! own): it is filed under `growth`, the line every workspace starts in, so the pages show it
//! once. Self-hosted (never sold) is `growth` too.

use platform::Result;
use sea_orm::{ConnectionTrait, EntityTrait, Set, sea_query::OnConflict};
use uuid::Uuid;

use super::{Feature, Meter, ProductLine, SELF_HOSTED};
use crate::model::plan;

/// One seeded plan. `limits` lists the meters the documents define (`None`: unlimited);
/// the others are not included.
pub(super) struct Seed {
    pub key: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// US cents per month; `None`: not sold.
    pub monthly: Option<i64>,
    pub enabled: bool,
    pub product_line: ProductLine,
    pub limits: &'static [(Meter, Option<i64>)],
    pub features: &'static [Feature],
    pub topup_discount_percent: i32,
}

pub(super) const SEEDS: &[Seed] = &[
    Seed {
        key: "free",
        name: "Free",
        description: "Look around with demo accounts, on your own.",
        monthly: Some(0),
        enabled: true,
        product_line: ProductLine::Growth,
        limits: &[
            // 004 FREE TIER: "Team Members: 1 (individual only)"
            (Meter::Seats, Some(1)),
            // 004 FREE TIER: "Profile Analysis: 5 profiles/month"
            (Meter::ProfileUnlocks, Some(5)),
            // 004 FREE TIER: "Email Unlocks: Not available"
            (Meter::EmailUnlocks, Some(0)),
            // 004 FREE TIER: "Post Analytics: Not included"
            (Meter::PostAnalyses, Some(0)),
            // 004 FREE TIER: "Export: Not available"
            (Meter::Exports, Some(0)),
            // Accounts and AI credits: no document gives the free plan any.
            // Competitor analysis (issue 15 names no figures; ours, rising with the plan): one
            // tracked profile beside a demo account.
            (Meter::Competitors, Some(1)),
        ],
        features: &[],
        topup_discount_percent: 0,
    },
    Seed {
        key: "starter",
        name: "Starter",
        description: "One Instagram account with its analytics, for one person.",
        monthly: Some(1900),
        enabled: true,
        product_line: ProductLine::Growth,
        // 000: "| Starter | $19/mo | 1 | 10 | 0 |"
        limits: &[
            (Meter::Accounts, Some(1)),
            (Meter::Competitors, Some(2)),
            (Meter::AiCredits, Some(10)),
            (Meter::Seats, Some(1)),
        ],
        features: &[],
        topup_discount_percent: 0,
    },
    Seed {
        key: "pro",
        name: "Pro",
        description: "Five Instagram accounts with their analytics, for one person.",
        monthly: Some(4900),
        enabled: true,
        product_line: ProductLine::Growth,
        // 000: "| Pro | $49/mo | 5 | 100 | 0 |"
        limits: &[
            (Meter::Accounts, Some(5)),
            (Meter::Competitors, Some(3)),
            (Meter::AiCredits, Some(100)),
            (Meter::Seats, Some(1)),
        ],
        features: &[Feature::Discovery],
        topup_discount_percent: 0,
    },
    Seed {
        key: "agency",
        name: "Agency",
        description: "Twenty-five Instagram accounts and a team of five.",
        monthly: Some(14900),
        enabled: true,
        product_line: ProductLine::Growth,
        // 000: "| Agency | $149/mo | 25 | 500 | 5 |"
        limits: &[
            (Meter::Accounts, Some(25)),
            (Meter::Competitors, Some(5)),
            (Meter::AiCredits, Some(500)),
            (Meter::Seats, Some(5)),
        ],
        features: &[Feature::Discovery, Feature::WhiteLabel, Feature::Proposals],
        topup_discount_percent: 10,
    },
    Seed {
        key: "enterprise",
        name: "Enterprise",
        description: "A hundred Instagram accounts and a team of twenty.",
        monthly: Some(29900),
        enabled: true,
        product_line: ProductLine::Growth,
        // 000: "| Enterprise | $299/mo | 100 | 2000 | 20 |"
        limits: &[
            (Meter::Accounts, Some(100)),
            (Meter::Competitors, Some(5)),
            (Meter::AiCredits, Some(2000)),
            (Meter::Seats, Some(20)),
        ],
        features: &[
            Feature::Discovery,
            Feature::WhiteLabel,
            Feature::Proposals,
            Feature::Fleet,
        ],
        topup_discount_percent: 20,
    },
    // 004's paid tiers, the "Discovery" product line: creator discovery for agencies, with
    // its own monthly limits (profiles, emails, post analyses) and team sizes.
    Seed {
        key: "discovery_standard",
        name: "Discovery Standard",
        description: "Creator discovery for a small team: 500 profile unlocks a month.",
        monthly: Some(19900),
        enabled: true,
        product_line: ProductLine::Discovery,
        limits: &[
            // 004 STANDARD TIER: "Team Members: Up to 2 team members"
            (Meter::Seats, Some(2)),
            // "Profile Analysis: 500 profiles/month"
            (Meter::ProfileUnlocks, Some(500)),
            // "Email Unlocks: 250 emails"
            (Meter::EmailUnlocks, Some(250)),
            // "Post Analytics: 125 post analyses/month"
            (Meter::PostAnalyses, Some(125)),
            // "Export: ✅ Export all unlocked creators, posts, and campaigns"
            (Meter::Exports, None),
        ],
        features: &[Feature::Discovery],
        // "Topups: ✅ Available at standard rates"
        topup_discount_percent: 0,
    },
    Seed {
        key: "discovery_premium",
        name: "Discovery Premium",
        description: "Creator discovery for a team of five: 2,000 profile unlocks a month.",
        monthly: Some(49900),
        enabled: true,
        product_line: ProductLine::Discovery,
        limits: &[
            // 004 PREMIUM TIER: "Team Members: Up to 5 team members"
            (Meter::Seats, Some(5)),
            // "Profile Analysis: 2,000 profiles/month"
            (Meter::ProfileUnlocks, Some(2000)),
            // "Email Unlocks: 800 emails"
            (Meter::EmailUnlocks, Some(800)),
            // "Post Analytics: 300 post analyses/month"
            (Meter::PostAnalyses, Some(300)),
            (Meter::Exports, None),
        ],
        features: &[Feature::Discovery],
        // "Topups: ✅ Available at 20% discount from Standard rates"
        topup_discount_percent: 20,
    },
    // Where workspaces are while this server takes no payments (no Stripe key): every meter
    // unlimited, and unlimited AI credits mean nothing is charged credits. Never sold, so
    // disabled (not offered); staff move workspaces off it once billing is set up.
    Seed {
        key: SELF_HOSTED,
        name: "Self-hosted",
        description: "Everything this server offers, without limits: it does not charge for Growthdeck.",
        monthly: None,
        enabled: false,
        product_line: ProductLine::Growth,
        limits: &[
            (Meter::Accounts, None),
            (Meter::Seats, None),
            (Meter::AiCredits, None),
            (Meter::ProfileUnlocks, None),
            (Meter::EmailUnlocks, None),
            (Meter::PostAnalyses, None),
            (Meter::Exports, None),
            (Meter::Competitors, None),
        ],
        features: &Feature::ALL,
        topup_discount_percent: 0,
    },
];

/// A seed's limits as stored: `{meter: limit or null}` for the meters it defines.
pub(super) fn limits_json(seed: &Seed) -> serde_json::Value {
    serde_json::Value::Object(
        seed.limits
            .iter()
            .map(|(m, l)| (m.as_str().to_string(), serde_json::json!(l)))
            .collect(),
    )
}

/// Inserts the seeded plans that are missing (by key): every plan on an empty table, and a
/// plan added to the seeds later (the Self-hosted one) on an older server. Idempotent, also
/// under concurrent first starts; a plan staff edited is never touched.
pub async fn ensure_seeded(conn: &impl ConnectionTrait) -> Result<()> {
    let now = platform::db::now();
    let rows = SEEDS.iter().enumerate().map(|(i, s)| plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        key: Set(s.key.into()),
        name: Set(s.name.into()),
        description: Set(s.description.into()),
        currency: Set("usd".into()),
        price_monthly: Set(s.monthly),
        // Yearly = 10 × monthly (two months free), as the plans were first sold.
        price_yearly: Set(s.monthly.filter(|c| *c > 0).map(|c| c * 10)),
        stripe_price_monthly: Set(None),
        stripe_price_yearly: Set(None),
        enabled: Set(s.enabled),
        sort_order: Set(i as i32 * 10),
        product_line: Set(s.product_line.as_str().into()),
        limits: Set(limits_json(s)),
        features: Set(serde_json::json!(
            s.features.iter().map(|f| f.as_str()).collect::<Vec<_>>()
        )),
        topup_discount_percent: Set(s.topup_discount_percent),
        allowance_rollover: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    });
    plan::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(plan::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(key: &str) -> &'static Seed {
        SEEDS.iter().find(|s| s.key == key).unwrap()
    }

    fn limit(key: &str, meter: Meter) -> Option<Option<i64>> {
        seed(key)
            .limits
            .iter()
            .find(|(m, _)| *m == meter)
            .map(|(_, l)| *l)
    }

    /// The old seeds copied the price's digits into the monthly meters (Starter 19 / 19 /
    /// 190 / 19, Pro 49 / 49 / 490 / 49 …): a limit equal to the plan's price in dollars (or
    /// ten times it) is that mistake again, not a figure from the documents.
    #[test]
    fn no_seeded_limit_equals_its_price() {
        for s in SEEDS {
            let Some(cents) = s.monthly.filter(|c| *c > 0) else {
                continue;
            };
            let dollars = cents / 100;
            for (meter, l) in s.limits {
                if let Some(l) = l {
                    assert!(
                        *l != dollars && *l != dollars * 10 && *l != cents,
                        "{} {}: {l} copies the price {dollars}",
                        s.key,
                        meter.as_str()
                    );
                }
            }
        }
    }

    #[test]
    fn seeds_match_the_requirements() {
        // 000 / 001: accounts, AI credits and team of the four paid plans.
        for (key, cents, accounts, ai, seats) in [
            ("starter", 1900, 1, 10, 1),
            ("pro", 4900, 5, 100, 1),
            ("agency", 14900, 25, 500, 5),
            ("enterprise", 29900, 100, 2000, 20),
        ] {
            assert_eq!(seed(key).monthly, Some(cents), "{key}");
            assert_eq!(limit(key, Meter::Accounts), Some(Some(accounts)), "{key}");
            assert_eq!(limit(key, Meter::AiCredits), Some(Some(ai)), "{key}");
            assert_eq!(limit(key, Meter::Seats), Some(Some(seats)), "{key}");
            // The documents give these plans no monthly meters: not included.
            for m in [
                Meter::ProfileUnlocks,
                Meter::EmailUnlocks,
                Meter::PostAnalyses,
                Meter::Exports,
            ] {
                assert_eq!(limit(key, m), None, "{key} {}", m.as_str());
            }
        }
        // 004's free tier.
        assert_eq!(limit("free", Meter::Seats), Some(Some(1)));
        assert_eq!(limit("free", Meter::ProfileUnlocks), Some(Some(5)));
        assert_eq!(limit("free", Meter::Exports), Some(Some(0)));
        assert_eq!(limit("free", Meter::Accounts), None);
        // Competitor analysis: more tracked profiles on larger plans (the page draws at most
        // five beside the account).
        for (key, n) in [
            ("free", 1),
            ("starter", 2),
            ("pro", 3),
            ("agency", 5),
            ("enterprise", 5),
        ] {
            assert_eq!(limit(key, Meter::Competitors), Some(Some(n)), "{key}");
        }
        // 004's paid tiers, the Discovery product line.
        for (key, cents, seats, profiles, emails, posts, discount) in [
            ("discovery_standard", 19900, 2, 500, 250, 125, 0),
            ("discovery_premium", 49900, 5, 2000, 800, 300, 20),
        ] {
            assert_eq!(seed(key).monthly, Some(cents), "{key}");
            assert_eq!(limit(key, Meter::Seats), Some(Some(seats)), "{key}");
            assert_eq!(limit(key, Meter::ProfileUnlocks), Some(Some(profiles)));
            assert_eq!(limit(key, Meter::EmailUnlocks), Some(Some(emails)));
            assert_eq!(limit(key, Meter::PostAnalyses), Some(Some(posts)));
            assert_eq!(
                limit(key, Meter::Exports),
                Some(None),
                "{key}: exports included"
            );
            assert_eq!(seed(key).topup_discount_percent, discount);
            assert!(seed(key).features.contains(&Feature::Discovery));
            assert_eq!(seed(key).product_line, ProductLine::Discovery, "{key}");
        }
        // Every other plan is in the Growth line; Free is the free tier of both, filed there.
        for s in SEEDS.iter().filter(|s| !s.key.starts_with("discovery_")) {
            assert_eq!(s.product_line, ProductLine::Growth, "{}", s.key);
        }
        // Self-hosted: every meter unlimited.
        for m in Meter::ALL {
            assert_eq!(limit(SELF_HOSTED, m), Some(None), "{}", m.as_str());
        }
        assert!(!seed(SELF_HOSTED).enabled, "never offered for sale");
    }
}
