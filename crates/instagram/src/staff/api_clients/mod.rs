//! The API clients of the social-data service for staff with its permission (super admin and
//! support): their keys, tiers and usage, as pages and the staff API over one service.

pub mod api;
pub mod pages;
mod service;
