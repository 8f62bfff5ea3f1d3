//! Intelligence: what the posts say. Every post (own accounts, tracked profiles) and stored
//! comment gets its language, sentiment and category from the `analysis` engine, stored with the
//! method version and the text it was computed from, kept current by a job after each refresh;
//! a profile's figures (distributions, sentiment, a content quality score with its formula)
//! are read from them; audits judge an account with evidence ([`service::audit`], [`audits`]); A/B tests
//! compare ways of posting with Bayesian statistics and fill the account's playbook
//! ([`service::ab_tests`]); hashtags are suggested by engagement lift ([`service::hashtags`],
//! [`hashtags`]); an account is compared with its competitors ([`service::competitors`],
//! [`competitors`]); the workspace's DM templates, with AI drafts written through the `ai`
//! feature ([`service::dm_templates`]). Reads the instagram feature's posts through its service
//! (`instagram::service::texts`), never its tables. See `docs/intelligence.md`.

pub mod api;
pub mod audits;
pub mod competitors;
pub mod engine;
pub mod hashtags;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod service;

/// Follow-up topic announced after a profile's posts were analysed (the subject is the
/// profile's id): features that summarise analyses (discovery's index) read them then.
pub const PROFILE_ANALYSED: &str = "intelligence.profile_analysed";

/// Everything this feature contributes to the product.
pub fn feature() -> platform::Feature {
    let [account_link, tracked_link] = pages::links();
    let [account_audits, tracked_audits] = audits::pages::links();
    let [account_hashtags, tracked_hashtags] = hashtags::pages::links();
    let [best_times, planner, tracked_best_times, tracked_planner] = pages::planner::links();
    let [ab_tests, playbook, tracked_ab_tests, tracked_playbook] = pages::ab_tests::links();
    platform::Feature::new("intelligence")
        .api(api::openapi_router())
        .api(audits::api::openapi_router())
        .api(api::planner::openapi_router())
        .api(api::ab_tests::openapi_router())
        .api(api::content::openapi_router())
        .pages(pages::studio::routes())
        .object_link(pages::studio::link())
        .api(hashtags::api::openapi_router())
        .pages(hashtags::pages::routes())
        .object_link(account_hashtags)
        .object_link(tracked_hashtags)
        .api(competitors::api::openapi_router())
        .pages(competitors::pages::routes())
        .object_link(competitors::pages::link())
        .pages(pages::routes())
        .pages(audits::pages::routes())
        .nav(audits::pages::nav())
        .staff_routes(audits::staff::routes())
        .staff_nav(audits::staff::nav())
        .object_link(account_link)
        .object_link(tracked_link)
        .object_link(account_audits)
        .object_link(tracked_audits)
        .pages(pages::planner::routes())
        .object_link(best_times)
        .object_link(planner)
        .object_link(tracked_best_times)
        .object_link(tracked_planner)
        .nav(pages::planner::nav())
        .pages(pages::ab_tests::routes())
        .api(api::dm_templates::openapi_router())
        .pages(pages::dm_templates::routes())
        .nav(pages::dm_templates::nav())
        .object_link(ab_tests)
        .object_link(playbook)
        .object_link(tracked_ab_tests)
        .object_link(tracked_playbook)
        .jobs(|registry| {
            registry
                .register::<jobs::AnalyzeProfile>()
                .register::<jobs::RunAudit>()
        })
        .follow_up(instagram::PROFILE_REFRESHED, jobs::after_refresh)
}

/// The content categories post analysis assigns, as (stable value, label), in their fixed
/// order: what a category filter elsewhere (discovery's search) may offer and accept.
pub fn content_categories() -> impl Iterator<Item = (&'static str, &'static str)> {
    analysis::category::Category::ALL
        .into_iter()
        .map(|c| (c.as_str(), c.label()))
}
