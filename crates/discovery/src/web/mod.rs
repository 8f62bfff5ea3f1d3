//! Discovery's pages and JSON API, one module per area; each area's module gives its API
//! routes (`api`), its pages (`pages`) and its sidebar entries (`nav`), merged in `lib.rs`.
pub mod api;
pub mod campaigns;
pub mod export_doc;
pub mod lists;
pub mod pages;
pub mod proposals;
pub mod unlocks;
