//! The fleet's pages (HTML) and JSON API, including the worker API under `/api/bot`.
pub mod accounts;
pub mod content;
pub mod nav;
pub mod personas;
pub mod worker_api;
