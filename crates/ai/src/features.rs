//! What the AI is asked to do, by feature: each has a name on the meter and a price in
//! credits (billing's pricing rule of the same action, editable by staff).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AiFeatureName)]
pub enum AiFeature {
    Caption,
    Hashtags,
    PostIdeas,
    Bio,
    AuditSummary,
    DmTemplate,
    /// A staff member's test of the connection (free, no workspace).
    ConnectionTest,
}

impl AiFeature {
    pub const CHARGED: [AiFeature; 6] = [
        AiFeature::Caption,
        AiFeature::Hashtags,
        AiFeature::PostIdeas,
        AiFeature::Bio,
        AiFeature::AuditSummary,
        AiFeature::DmTemplate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AiFeature::Caption => "caption",
            AiFeature::Hashtags => "hashtags",
            AiFeature::PostIdeas => "post_ideas",
            AiFeature::Bio => "bio",
            AiFeature::AuditSummary => "audit_summary",
            AiFeature::DmTemplate => "dm_template",
            AiFeature::ConnectionTest => "connection_test",
        }
    }

    pub fn parse(s: &str) -> Option<AiFeature> {
        Self::CHARGED
            .into_iter()
            .chain([AiFeature::ConnectionTest])
            .find(|f| f.as_str() == s)
    }

    /// Billing's action (its pricing rule) for this feature.
    pub fn action(self) -> &'static str {
        match self {
            AiFeature::Caption => "ai_caption",
            AiFeature::Hashtags => "ai_hashtags",
            AiFeature::PostIdeas => "ai_post_ideas",
            AiFeature::Bio => "ai_bio",
            AiFeature::AuditSummary => "ai_audit_summary",
            AiFeature::DmTemplate => "ai_dm_template",
            AiFeature::ConnectionTest => "ai_connection_test",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AiFeature::Caption => "Captions",
            AiFeature::Hashtags => "Hashtag ranking",
            AiFeature::PostIdeas => "Post ideas",
            AiFeature::Bio => "Bio rewrites",
            AiFeature::AuditSummary => "Audit summaries",
            AiFeature::DmTemplate => "DM template drafts",
            AiFeature::ConnectionTest => "Connection tests",
        }
    }

    /// The label of a stored feature name.
    pub fn label_of(name: &str) -> &'static str {
        Self::parse(name).map(Self::label).unwrap_or("Other")
    }

    /// An upper bound on the answer's length: a caption is short, a week of ideas is not.
    pub fn max_tokens(self) -> u32 {
        match self {
            AiFeature::Caption | AiFeature::Bio | AiFeature::Hashtags => 600,
            AiFeature::DmTemplate => 500,
            AiFeature::PostIdeas | AiFeature::AuditSummary => 1500,
            AiFeature::ConnectionTest => 16,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_actions_are_distinct() {
        let mut actions = std::collections::HashSet::new();
        for f in AiFeature::CHARGED {
            assert_eq!(AiFeature::parse(f.as_str()), Some(f));
            assert!(actions.insert(f.action()));
        }
        assert_eq!(AiFeature::parse("nope"), None);
    }
}
