//! The back office's domain logic: staff accounts and their sign-in, and the operations staff
//! perform. Every fn that acts for a staff member takes `&Staff` and checks its permission
//! first; handlers only translate HTTP.

pub mod activity;
pub mod allowlist;
pub mod connections;
pub mod customers;
pub mod dashboard;
pub mod notifications;
pub mod operations;
pub mod sessions;
pub mod settings;
pub mod sign_in;
pub mod staff;
pub mod two_factor;

pub use sign_in::{IssuedToken, TOKEN_PREFIX, TOKEN_TTL, resolve_token, sign_in};
pub use staff::{Created, create};
