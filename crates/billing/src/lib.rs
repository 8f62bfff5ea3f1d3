//! Billing: plans and their limits, subscriptions (Stripe or comped by staff), the credit
//! wallet with its append-only ledger, top-ups, and revenue metrics.
//!
//! Other features reach it through two ports platform defines and this crate provides:
//! `platform::limits::PlanLimits` before adding something a plan counts (accounts, seats), and
//! `platform::credits` (`charge_on_success`) around work that costs credits.

pub mod api;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod service;
pub mod settings;
pub mod staff;
pub mod stripe;

pub use service::{
    credits::{self, Actor},
    limits, mode,
    plans::{self, Feature, Limit, Meter, ProductLine},
};

/// Everything this feature contributes to the product (the binary's list holds it).
pub fn feature() -> platform::Feature {
    // The webhook is authenticated by its signature, not a session: no Ctx, and the CSRF
    // guard lets cookie-less POSTs under /webhooks/ through.
    platform::Feature::new("billing")
        .pages(pages::routes())
        .routes(axum::Router::new().route(
            "/webhooks/stripe",
            axum::routing::post(stripe::webhook::receive),
        ))
        .api(api::openapi_router())
        .nav(nav())
        .staff_routes(staff::pages::routes())
        .staff_api(staff::api::openapi_router())
        .staff_nav(staff::nav())
        .staff_cards(staff::dashboard_cards())
        .staff_workspace_panel(|state, staff, id, back| {
            Box::pin(async move {
                staff::pages::customer::workspace_panel(&state, &staff, id, back).await
            })
        })
        .staff_membership_panel(|state, staff, user, memberships| {
            Box::pin(async move {
                staff::pages::customer::membership_panel(&state, &staff, user, memberships).await
            })
        })
        .jobs(jobs)
        .schedules(jobs::schedules())
        .banners(banners())
        .limits(std::sync::Arc::new(limits::PlanLimitsPort))
        .credits(std::sync::Arc::new(credits::WalletPort))
        .config(settings::config())
        .settings(settings::SYSTEM)
        .integrations(settings::INTEGRATIONS)
        .on_start(|state| Box::pin(async move { start(&state).await }))
}

/// Start-up: records whether this server takes payments (a Stripe key set in the
/// configuration since the last run applies before the first request) and makes sure the
/// seeded plans exist.
pub async fn start(state: &platform::AppState) -> platform::Result<()> {
    plans::ensure_seeded(&state.db).await?;
    service::pricing::ensure_seeded(&state.db).await?;
    mode::observe(state).await?;
    Ok(())
}

/// Job types of this feature.
pub fn jobs(registry: platform::jobs::Registry) -> platform::jobs::Registry {
    registry.register::<jobs::ReleaseStaleReservations>()
}

/// Navigation entries this feature adds to the shell.
pub fn nav() -> Vec<platform::web::shell::NavEntry> {
    use platform::web::shell::{Icon, NavArea, NavEntry};
    vec![NavEntry {
        label: "Billing",
        href: "/billing",
        area: NavArea::Workspace,
        icon: Icon::Card,
        order: 900,
        keywords: "plan subscription payment credits invoices upgrade",
    }]
}

/// The page banner of this feature: an overdue payment, on every page of the workspace.
pub fn banners() -> Vec<platform::web::shell::BannerFn> {
    vec![|state, ws| Box::pin(async move { past_due_banner(&state, ws).await })]
}

async fn past_due_banner(
    state: &platform::AppState,
    scope: platform::Scope,
) -> platform::Result<Option<platform::web::shell::Banner>> {
    // Every page asks: one indexed read decides, the standing is worked out only when overdue.
    let Some(sub) = service::subscriptions::row(&state.db, &scope).await? else {
        // A workspace seen for the first time while the server takes no payments is enrolled
        // on the Self-hosted plan here, so it keeps that plan once Stripe is configured.
        if mode::observe(state).await? == mode::Mode::SelfHosted {
            service::subscriptions::enrol_self_hosted(&state.db, &scope).await?;
        }
        return Ok(None);
    };
    if sub.status != "past_due" {
        return Ok(None);
    }
    let standing = limits::standing(state, &scope).await?;
    let until = standing
        .grace_ends_at
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let message = if standing.limited {
        "Payment is overdue: the free plan's limits apply until it succeeds (nothing is deleted)."
            .to_string()
    } else {
        format!(
            "Payment is overdue: the plan's limits stay until {until}, then the free plan's apply."
        )
    };
    Ok(Some(platform::web::shell::Banner {
        message,
        href: "/billing",
        link: "Billing",
    }))
}
