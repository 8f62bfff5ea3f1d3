//! The feature's domain logic: keeping analyses current ([`analyze`]) and reading them as a
//! profile's figures ([`summary`]); account audits ([`audit`]); best posting times
//! ([`best_times`]), the growth planner ([`planner`]) and A/B tests with the playbook they
//! fill ([`ab_tests`]); hashtag suggestions from engagement lift ([`hashtags`]); an account
//! beside its competitors ([`competitors`]); DM templates with AI drafts ([`dm_templates`]).

pub mod ab_tests;
pub mod analyze;
pub mod audit;
pub mod best_times;
pub mod competitors;
pub mod content;
pub mod dm_templates;
pub mod hashtags;
pub mod planner;
pub mod summary;
