//! The audit's components, one module each; every one returns its component (score,
//! evidence, method, benchmark) and the recommendations that follow from its evidence.

pub mod captions;
pub mod consistency;
pub mod content_mix;
pub mod engagement;
pub mod growth;
pub mod hashtags;
pub mod reach;

use super::report::{Component, Recommendation};

pub type Built = (Component, Vec<Recommendation>);

/// Each component's share of the overall score (shown with it; they add to 1).
pub struct Weights {
    pub engagement: f64,
    pub consistency: f64,
    pub content_mix: f64,
    pub hashtags: f64,
    pub captions: f64,
    pub growth: f64,
}

pub const WEIGHTS: Weights = Weights {
    engagement: 0.30,
    consistency: 0.15,
    content_mix: 0.15,
    hashtags: 0.15,
    captions: 0.10,
    growth: 0.15,
};
