//! Identity: users, sign-up/in, sessions, email verification, password reset, magic links,
//! TOTP two-factor with backup codes, workspaces, members and roles, invitations, API tokens.

pub mod api;
pub mod auth;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod search;
pub mod service;
#[cfg(feature = "testkit")]
pub mod testkit;

/// Shared with the staff back office, so they live in the platform.
pub use platform::{password, totp};

use std::sync::Arc;

use platform::web::shell::{Icon, NavArea, NavEntry};

pub fn authenticator() -> Arc<dyn platform::ctx::Authenticator> {
    Arc::new(auth::IdentityAuth::default())
}

/// Navigation entries this feature adds to the shell.
pub fn nav() -> Vec<NavEntry> {
    vec![
        NavEntry {
            label: "Home",
            href: "/home",
            area: NavArea::Overview,
            icon: Icon::Home,
            order: 0,
            keywords: "start overview dashboard",
        },
        NavEntry {
            label: "Members",
            href: "/workspace/members",
            area: NavArea::Workspace,
            icon: Icon::Users,
            order: 100,
            keywords: "people team invite roles",
        },
        NavEntry {
            label: "API tokens",
            href: "/workspace/tokens",
            area: NavArea::Workspace,
            icon: Icon::Key,
            order: 200,
            keywords: "keys developer integration",
        },
        NavEntry {
            label: "Settings",
            href: "/workspace/settings",
            area: NavArea::Workspace,
            icon: Icon::Settings,
            order: 950,
            keywords: "workspace name slug rename",
        },
    ]
}

/// Job types of this feature (its mail goes through the platform's outbox job).
pub fn jobs(registry: platform::jobs::Registry) -> platform::jobs::Registry {
    registry.register::<jobs::PruneExpired>()
}

/// How this feature's activity-log actions read on the workspace home.
pub fn describers() -> Vec<platform::home::Describer> {
    vec![service::activity_feed::describer()]
}

/// Seats in use: the workspace's members (billing shows them against the plan).
pub fn usage() -> Vec<platform::usage::UsageCounter> {
    vec![platform::usage::UsageCounter {
        meter: "seats",
        count: |state, scope| {
            Box::pin(async move { service::members::count(&state.db, &scope).await })
        },
    }]
}

/// Everything this feature contributes to the product (the binary's list holds it).
pub fn feature() -> platform::Feature {
    platform::Feature::new("identity")
        .pages(pages::routes())
        .api(api::openapi_router())
        .authenticator(authenticator())
        .directory(std::sync::Arc::new(
            service::workspace_directory::DirectoryPort,
        ))
        .nav(nav())
        .jobs(jobs)
        .schedules(jobs::schedules())
        .usage(usage())
        .search(search::providers())
        .describers(describers())
}
