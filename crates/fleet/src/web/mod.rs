//! The fleet's pages (HTML) and JSON API, including the worker API under `/api/bot`.
pub mod accounts;
pub mod api;
pub mod content;
pub mod dashboard;
pub mod import;
pub mod nav;
pub mod personas;
pub mod proxies;
pub mod review;
pub mod settings;
pub mod worker_api;
pub mod workers;
