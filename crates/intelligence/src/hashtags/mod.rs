//! Hashtag suggestions on the web: the page of an account's or tracked profile's suggestions
//! with their evidence and a seed-tag form ([`pages`]), and the same list as JSON ([`api`]).
//! The computation is [`crate::service::hashtags`].

pub mod api;
pub mod pages;
