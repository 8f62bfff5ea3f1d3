//! The fleet's domain logic: plain async fns over the app state and a scope; no HTTP types.

pub mod access;
pub mod accounts;
pub mod analytics;
pub mod content;
pub mod import;
pub mod lifecycle;
pub mod personas;
pub mod proxies;
pub mod settings;
pub mod tasks;
pub mod workers;
