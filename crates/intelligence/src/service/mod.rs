//! The feature's domain logic: keeping analyses current ([`analyze`]) and reading them as a
//! profile's figures ([`summary`]); account audits ([`audit`]); best posting times
//! ([`best_times`]) and the growth planner ([`planner`]); hashtag suggestions from engagement
//! lift ([`hashtags`]).

pub mod analyze;
pub mod audit;
pub mod best_times;
pub mod hashtags;
pub mod planner;
pub mod summary;
