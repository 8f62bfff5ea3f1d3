//! What a plan can limit and include: the meters, the feature flags, and a meter's limit with
//! the words customers read for it ("5 connected Instagram accounts", "not included").

use platform::web::format;
use serde::{Deserialize, Serialize};

/// What a plan limits.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Meter {
    /// Connected Instagram accounts (a count, checked when adding one).
    Accounts,
    /// Team members of the workspace (a count, checked when inviting).
    Seats,
    /// Monthly AI credit allowance (granted to the wallet each period).
    AiCredits,
    /// Per month.
    ProfileUnlocks,
    /// Per month.
    EmailUnlocks,
    /// Per month.
    PostAnalyses,
    /// Per month.
    Exports,
    /// Tracked profiles compared with an own account in one competitor analysis (a count,
    /// checked when the comparison is saved).
    Competitors,
}

impl Meter {
    pub const ALL: [Meter; 8] = [
        Meter::Accounts,
        Meter::Seats,
        Meter::AiCredits,
        Meter::ProfileUnlocks,
        Meter::EmailUnlocks,
        Meter::PostAnalyses,
        Meter::Exports,
        Meter::Competitors,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Meter::Accounts => "accounts",
            Meter::Seats => "seats",
            Meter::AiCredits => "ai_credits",
            Meter::ProfileUnlocks => "profile_unlocks",
            Meter::EmailUnlocks => "email_unlocks",
            Meter::PostAnalyses => "post_analyses",
            Meter::Exports => "exports",
            Meter::Competitors => "competitors",
        }
    }

    pub fn parse(s: &str) -> Option<Meter> {
        Meter::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// What the limit counts, for headings and the staff's forms.
    pub fn label(&self) -> &'static str {
        match self {
            Meter::Accounts => "connected Instagram accounts",
            Meter::Seats => "team members",
            Meter::AiCredits => "AI credits per month",
            Meter::ProfileUnlocks => "profile unlocks per month",
            Meter::EmailUnlocks => "email unlocks per month",
            Meter::PostAnalyses => "post analyses per month",
            Meter::Exports => "exports per month",
            Meter::Competitors => "tracked profiles per competitor analysis",
        }
    }

    /// The label as a table row's heading ("Team members").
    pub fn heading(&self) -> String {
        capitalised(self.label())
    }

    /// The counted thing, one and many ("team member", "team members").
    pub fn nouns(&self) -> (&'static str, &'static str) {
        match self {
            Meter::Accounts => (
                "connected Instagram account",
                "connected Instagram accounts",
            ),
            Meter::Seats => ("team member", "team members"),
            Meter::AiCredits => ("AI credit", "AI credits"),
            Meter::ProfileUnlocks => ("profile unlock", "profile unlocks"),
            Meter::EmailUnlocks => ("email unlock", "email unlocks"),
            Meter::PostAnalyses => ("post analysis", "post analyses"),
            Meter::Exports => ("export", "exports"),
            Meter::Competitors => (
                "tracked profile per competitor analysis",
                "tracked profiles per competitor analysis",
            ),
        }
    }

    /// `n` of this meter in words: "1 team member", "1,000 AI credits per month".
    pub fn amount(&self, n: i64) -> String {
        let (one, many) = self.nouns();
        let counted = format::count(n, one, many);
        if self.is_monthly() {
            format!("{counted} per month")
        } else {
            counted
        }
    }

    /// Counted per calendar month (UTC) rather than as a current total.
    pub fn is_monthly(&self) -> bool {
        !matches!(self, Meter::Accounts | Meter::Seats | Meter::Competitors)
    }

    /// A plan's limit of this meter as a customer reads it on a plan card.
    pub fn describe(&self, limit: Limit) -> String {
        let (_, many) = self.nouns();
        let per_month = if self.is_monthly() { " per month" } else { "" };
        match limit {
            Limit::Upto(n) if n > 0 => self.amount(n),
            Limit::Unlimited => format!("Unlimited {many}{per_month}"),
            Limit::Upto(_) | Limit::NotIncluded => {
                format!("{}: not included", capitalised(many))
            }
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A plan's limit of one meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The plan defines no limit for the meter: it does not include it (nothing is allowed).
    NotIncluded,
    /// At most this many (0: none).
    Upto(i64),
    Unlimited,
}

impl Limit {
    /// The most allowed: `None` is unlimited; a meter not included allows 0.
    pub fn cap(self) -> Option<i64> {
        match self {
            Limit::NotIncluded => Some(0),
            Limit::Upto(n) => Some(n),
            Limit::Unlimited => None,
        }
    }

    /// For staff's tables: the number, `unlimited`, or `—` when not included.
    pub fn figure(self) -> String {
        match self {
            Limit::NotIncluded => "—".into(),
            Limit::Upto(n) => format::number(n),
            Limit::Unlimited => "unlimited".into(),
        }
    }
}

/// Features a plan may include.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    WhiteLabel,
    Discovery,
    Fleet,
    Proposals,
}

impl Feature {
    pub const ALL: [Feature; 4] = [
        Feature::WhiteLabel,
        Feature::Discovery,
        Feature::Fleet,
        Feature::Proposals,
    ];

    /// The features this build sells by plan: a plan card lists only these, so no plan
    /// advertises something that is not built or not sold by plan. Creator discovery's flag
    /// sells its team tools, lists and campaigns (its search, unlocks and exports are open to
    /// every plan, metered). White label is described by the requirements but not built, and
    /// proposals are unlocked per workspace by staff, not by plan: their flags exist so staff
    /// can set up plans ahead, and a feature is added here in the change that sells it.
    pub const BUILT: [Feature; 2] = [Feature::Discovery, Feature::Fleet];

    pub fn as_str(&self) -> &'static str {
        match self {
            Feature::WhiteLabel => "white_label",
            Feature::Discovery => "discovery",
            Feature::Fleet => "fleet",
            Feature::Proposals => "proposals",
        }
    }

    pub fn parse(s: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label(&self) -> &'static str {
        match self {
            Feature::WhiteLabel => "White label",
            Feature::Discovery => "Creator lists and campaigns",
            Feature::Fleet => "Account fleet",
            Feature::Proposals => "Proposals",
        }
    }

    pub fn is_built(&self) -> bool {
        Feature::BUILT.contains(self)
    }
}

/// A family of plans sold side by side, each with its own tiers: the plans pages show one
/// group per line. `Growth` is the Instagram growth product of requirements 000 / 001 (Starter
/// … Enterprise); `Discovery` is requirement 004's creator discovery for agencies (Standard,
/// Premium). The Free plan is the free tier of both lines and is filed under `Growth`; the
/// Self-hosted plan (never sold) too.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProductLine {
    /// Instagram accounts, analytics and AI help (000 / 001); every plan made before lines
    /// existed.
    #[default]
    Growth,
    /// Creator discovery (004).
    Discovery,
}

impl ProductLine {
    /// In the order the pages show them.
    pub const ALL: [ProductLine; 2] = [ProductLine::Growth, ProductLine::Discovery];

    /// Longest stored name (the column is `VARCHAR(32)`).
    pub const MAX_LEN: usize = 32;

    pub fn as_str(&self) -> &'static str {
        match self {
            ProductLine::Growth => "growth",
            ProductLine::Discovery => "discovery",
        }
    }

    pub fn parse(s: &str) -> Option<ProductLine> {
        ProductLine::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The heading customers and staff read above the line's plans.
    pub fn label(&self) -> &'static str {
        match self {
            ProductLine::Growth => "Growth",
            ProductLine::Discovery => "Discovery",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_as_words() {
        assert_eq!(Meter::Seats.amount(1), "1 team member");
        assert_eq!(Meter::Seats.amount(2), "2 team members");
        assert_eq!(Meter::AiCredits.amount(2000), "2,000 AI credits per month");
        assert_eq!(
            Meter::Accounts.describe(Limit::Upto(1)),
            "1 connected Instagram account"
        );
        assert_eq!(
            Meter::Seats.describe(Limit::Unlimited),
            "Unlimited team members"
        );
        assert_eq!(
            Meter::Exports.describe(Limit::NotIncluded),
            "Exports: not included"
        );
        assert_eq!(
            Meter::Exports.describe(Limit::Upto(0)),
            "Exports: not included"
        );
        assert_eq!(Limit::NotIncluded.cap(), Some(0));
        assert_eq!(Limit::Unlimited.cap(), None);
        assert_eq!(Limit::Upto(1500).figure(), "1,500");
        assert_eq!(Limit::NotIncluded.figure(), "—");
    }

    #[test]
    fn product_lines_read_back_and_fit_their_column() {
        for line in ProductLine::ALL {
            assert_eq!(ProductLine::parse(line.as_str()), Some(line));
            assert!(line.as_str().len() <= ProductLine::MAX_LEN);
        }
        assert_eq!(ProductLine::parse("Growth"), None, "stored lower case");
        assert_eq!(ProductLine::parse(""), None);
        assert_eq!(ProductLine::Discovery.label(), "Discovery");
    }
}
