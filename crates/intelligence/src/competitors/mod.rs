//! Competitor analysis on the web: the page of an own account beside its chosen tracked
//! profiles ([`pages`]), the JSON API ([`api`]) and the CSV and PDF exports ([`export`]). The
//! figures are [`crate::service::competitors`].

pub mod api;
pub mod export;
pub mod pages;
