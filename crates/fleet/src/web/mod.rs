//! The fleet's pages (HTML) and JSON API, including the worker API under `/api/bot`.

pub mod proxies;
