//! The fleet's pages (HTML) and JSON API, including the worker API under `/api/bot`.
pub mod worker_api;

pub mod import;
