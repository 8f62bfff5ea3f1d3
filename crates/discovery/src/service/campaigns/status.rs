//! A creator's status on a campaign and the kinds of deliverables.

use super::*;

/// Where a creator is with a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = DiscoveryCampaignCreatorStatus)]
pub enum Status {
    Shortlisted,
    Contacted,
    Agreed,
    Live,
    Done,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Shortlisted,
        Status::Contacted,
        Status::Agreed,
        Status::Live,
        Status::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Shortlisted => "shortlisted",
            Status::Contacted => "contacted",
            Status::Agreed => "agreed",
            Status::Live => "live",
            Status::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Shortlisted => "Shortlisted",
            Status::Contacted => "Contacted",
            Status::Agreed => "Agreed",
            Status::Live => "Live",
            Status::Done => "Done",
        }
    }

    fn step(self) -> i32 {
        match self {
            Status::Shortlisted => 0,
            Status::Contacted => 1,
            Status::Agreed => 2,
            Status::Live => 3,
            Status::Done => 4,
        }
    }

    /// The statuses one step away.
    pub fn neighbours(self) -> (Option<Status>, Option<Status>) {
        let i = self.step();
        let at = |j: i32| Status::ALL.into_iter().find(|s| s.step() == j);
        (at(i - 1), at(i + 1))
    }

    /// Whether a creator may move from `self` to `to`: one step either way.
    pub fn can_move_to(self, to: Status) -> bool {
        (self.step() - to.step()).abs() == 1
    }

    /// Creators whose fee the campaign pays (counted in its cost per engagement).
    pub fn is_paid(self) -> bool {
        matches!(self, Status::Agreed | Status::Live | Status::Done)
    }
}

/// The status stored on a row (an unknown value reads as the first, never a panic).
pub fn status_of(row: &campaign_creator::Model) -> Status {
    Status::parse(&row.status).unwrap_or(Status::Shortlisted)
}

/// A deliverable's kind.
pub const DELIVERABLE_KINDS: [(&str, &str); 4] = [
    ("post", "Post"),
    ("reel", "Reel"),
    ("story", "Story"),
    ("other", "Other"),
];

pub fn kind_label(kind: &str) -> &'static str {
    DELIVERABLE_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("Other", |(_, l)| *l)
}
