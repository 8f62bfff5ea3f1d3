//! Shared infrastructure of Growthdeck. Knows no feature: features plug in through
//! `AppState`, the `Authenticator` trait and the router they hand to [`http::app`].

pub mod audit;
pub mod authz;
pub mod config;
pub mod credits;
pub mod crypto;
pub mod ctx;
pub mod db;
pub mod directory;
pub mod error;
pub mod events;
pub mod feature;
pub mod follow_ups;
pub mod home;
pub mod http;
pub mod jobs;
pub mod limits;
pub mod mail;
pub mod notify;
pub mod observability;
pub mod openapi;
pub mod password;
pub mod scope;
pub mod search;
pub mod settings;
pub mod shutdown;
pub mod staff;
pub mod state;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod throttle;
pub mod totp;
pub mod usage;
pub mod web;

pub use authz::{Permission, Role};
pub use config::Config;
pub use ctx::{Ctx, Origin};
pub use error::{Error, FieldError, Result};
pub use feature::Feature;
pub use scope::Scope;
pub use state::AppState;

/// Installs the ring provider for rustls once per process: the tree carries exactly one TLS
/// provider (no aws-lc build), so reqwest and lettre must be told which one to use.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
