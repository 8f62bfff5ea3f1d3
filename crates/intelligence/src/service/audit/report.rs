//! What an audit finds, as stored (JSON in `intel_audits.result`), shown and exported: each
//! component with its score, the evidence (figures and the posts involved), how it was
//! computed and what it is judged against; the overall score with its weights; the
//! recommendations ranked by expected impact, each pointing at its component.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Bumped when a component's computation changes: audits of another version say so when
/// compared.
pub const METHOD_VERSION: i32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuditReport)]
pub struct Report {
    /// 0–100: the weighted mean of the scored components ([`Component::weight`]); none when
    /// no component could be scored.
    pub overall: Option<f64>,
    /// How the overall score is made, in words.
    pub overall_method: String,
    pub components: Vec<Component>,
    /// Most expected impact first.
    pub recommendations: Vec<Recommendation>,
    /// Risk signals of reduced reach ("shadowban risk"): evidence to look into, never a
    /// verdict — Instagram exposes no such flag.
    pub risk_signals: Vec<Finding>,
    pub inputs: Inputs,
}

/// What the audit read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuditInputs)]
pub struct Inputs {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Posts published in the range.
    pub posts: usize,
    /// Of them, with known likes or comments and followers (their rate is known).
    pub rated_posts: usize,
    pub followers: Option<i64>,
    /// Follower snapshots in the range.
    pub follower_days: usize,
    /// Days of private insights (own connected accounts).
    pub insight_days: usize,
    /// Where the figures came from (`graph`, `apify`, `demo`).
    pub sources: Vec<String>,
    /// When the newest of them was fetched.
    pub fetched_at: Option<DateTime<Utc>>,
    pub computed_at: DateTime<Utc>,
    pub method_version: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuditComponent)]
pub struct Component {
    /// `engagement`, `consistency`, `content_mix`, `hashtags`, `captions`, `growth`.
    pub key: String,
    pub title: String,
    /// 0–100; none when there was not enough data (the reason is the summary).
    pub score: Option<f64>,
    /// Its share of the overall score (the weights of the scored components add to 1).
    pub weight: f64,
    pub summary: String,
    /// How the score was computed.
    pub method: String,
    /// What it is judged against (a published band with its source, or the account's own
    /// history).
    pub benchmark: String,
    pub figures: Vec<Figure>,
    pub findings: Vec<Finding>,
    /// The posts the evidence names.
    pub posts: Vec<PostRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuditFigure)]
pub struct Figure {
    pub label: String,
    /// As shown ("2.4 %", "3.1 a week").
    pub value: String,
    /// The number behind it, for comparisons.
    pub raw: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AuditFindingLevel)]
pub enum Level {
    Good,
    Info,
    Warning,
    Risk,
}

impl Level {
    /// How pages and the PDF name it.
    pub fn label(self) -> &'static str {
        match self {
            Level::Good => "Strength",
            Level::Info => "Note",
            Level::Warning => "Watch",
            Level::Risk => "Risk signal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuditFinding)]
pub struct Finding {
    pub level: Level,
    pub text: String,
    /// Posts this finding is about.
    #[serde(default)]
    pub posts: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuditPostRef)]
pub struct PostRef {
    pub id: Uuid,
    pub posted_at: DateTime<Utc>,
    pub media_type: String,
    pub permalink: Option<String>,
    /// Engagement rate, in %.
    pub rate: Option<f64>,
    /// Why it is named ("best rate", "restricted tag #desk").
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuditRecommendation)]
pub struct Recommendation {
    /// Stable for a kind of advice (the planner turns it into a task once).
    pub key: String,
    /// The component whose evidence it follows from.
    pub component: String,
    pub title: String,
    pub detail: String,
    /// Overall points it could add if fully followed (the component's weight × the score it
    /// is missing on the part this addresses).
    pub impact: f64,
}

impl Report {
    pub fn component(&self, key: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.key == key)
    }
}
