//! The feature's domain logic: keeping analyses current ([`analyze`]) and reading them as a
//! profile's figures ([`summary`]); account audits ([`audit`]); best posting times
//! ([`best_times`]) and the growth planner ([`planner`]); hashtag suggestions from engagement
//! lift ([`hashtags`]); an account beside its competitors ([`competitors`]).

pub mod analyze;
pub mod audit;
pub mod best_times;
pub mod competitors;
pub mod hashtags;
pub mod planner;
pub mod summary;
