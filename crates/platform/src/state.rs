//! `AppState`: what every handler can reach. Passed, never global.
//!
//! One shared allocation: axum clones the state for every layer and extractor of every
//! request, so a clone must cost one reference count, not one per field (with a count per
//! field, two cores bouncing some twenty counters between them took half the server's time
//! on `/healthz`). Fields read through `Deref`; a variant state (a test with another pool)
//! is built from [`AppState::parts`].

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    config::Config, crypto::Keyring, ctx::Authenticator, events::Events, jobs::Jobs, mail::Mailer,
    web::shell::NavEntry,
};

#[derive(Clone)]
pub struct AppState(Arc<StateParts>);

impl AppState {
    pub fn new(parts: StateParts) -> Self {
        AppState(Arc::new(parts))
    }

    /// A copy of what the state holds, to build a variant of it.
    pub fn parts(&self) -> StateParts {
        (*self.0).clone()
    }
}

impl std::ops::Deref for AppState {
    type Target = StateParts;

    fn deref(&self) -> &StateParts {
        &self.0
    }
}

/// What [`AppState`] holds.
#[derive(Clone)]
pub struct StateParts {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub keys: Arc<Keyring>,
    /// Resolves sessions and API tokens into a `Ctx`; provided by the identity feature.
    pub auth: Arc<dyn Authenticator>,
    pub mailer: Mailer,
    /// Navigation entries registered by the features, composed by the binary.
    pub nav: Arc<Vec<NavEntry>>,
    /// Live events (SSE); cross-node when scaled out.
    pub events: Events,
    /// Background jobs: enqueue wakes the local workers.
    pub jobs: Jobs,
    /// System settings saved in the back office over the configuration (cached, refreshed
    /// every few seconds and at once after a save).
    pub settings: crate::settings::SystemSettings,
    /// Resolves staff tokens and sessions into a `Staff`; provided by the admin feature.
    pub staff_auth: std::sync::Arc<dyn crate::staff::StaffAuthenticator>,
    /// The back office's frame as the features registered it: staff sidebar and bell.
    pub back_office: std::sync::Arc<crate::staff::BackOffice>,
    /// Plan limits, provided by the feature that sells plans (billing); none without it.
    pub limits: std::sync::Arc<dyn crate::limits::PlanLimits>,
    /// Credit wallets, provided by the feature that keeps them (billing); free without it.
    pub credits: std::sync::Arc<dyn crate::credits::CreditWallet>,
    /// Names and finds workspaces for features that do not own them; provided by identity.
    pub directory: std::sync::Arc<dyn crate::directory::WorkspaceDirectory>,
    /// What each workspace uses of the counted meters, asked of the owning features.
    pub usage: crate::usage::Counters,
    /// The features' standing notices for the page shell (e.g. billing's overdue payment).
    pub banners: std::sync::Arc<Vec<crate::web::shell::BannerFn>>,
    /// The features' parts of the command palette's search (accounts, actions…).
    pub search: crate::search::Providers,
    /// The features' sections of the workspace home and their activity sentences.
    pub home: crate::home::Home,
    /// Links features add to other features' object pages (`web::links`).
    pub object_links: Arc<Vec<crate::web::links::ObjectLink>>,
    /// What features want done after another's work (`follow_ups`), by topic.
    pub follow_ups: crate::follow_ups::FollowUps,
    /// Work to finish after the HTTP server drained (run by `launch`).
    pub shutdown: crate::shutdown::ShutdownHooks,
}

impl AppState {
    /// The platform's name as shown now: the saved system setting, else the configured one.
    pub fn platform_name(&self) -> String {
        self.settings
            .cached(crate::settings::PLATFORM_NAME)
            .unwrap_or_else(|| self.config.platform_name.clone())
    }

    /// (connections in the pool, idle connections), for `/metrics`.
    pub fn db_pool_stats(&self) -> (u32, usize) {
        match self.db.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            sea_orm::DatabaseBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        }
    }
}
