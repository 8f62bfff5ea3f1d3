//! The fleet's domain logic: plain async fns over the app state and a scope; no HTTP types.

pub mod access;
pub mod lifecycle;
pub mod settings;
pub mod personas;
pub mod content;
