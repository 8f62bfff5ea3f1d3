//! Competitor analysis: an own account beside up to [`MAX_TRACKED`] of the profiles its
//! workspace tracks (as many as the plan's `competitors` meter allows), over a period. The
//! choice is saved per account ([`set`]), so the user picks once and comes back; the figures
//! are computed on demand from the posts and follower history ([`analysis`]) — follower growth
//! and engagement by week, posting cadence, media-type and content-category mix, top posts,
//! hashtags the others use with lift that the account does not, each profile's share of the
//! group's engagement and its best slots — every figure with its source and fetch time.

pub mod analysis;
pub mod set;

pub use analysis::{
    CompetitorAnalysis, CompetitorHashtag, CompetitorPost, CompetitorProfile, CompetitorShare,
    CompetitorSlot, CompetitorWeek,
};
pub use set::{Chosen, DEFAULT_DAYS, MAX_DAYS, MAX_TRACKED, MIN_DAYS};

/// The meter of the plan that caps the tracked profiles of one analysis.
pub const METER: &str = "competitors";
