//! Every schema migration of Growthdeck, in time order. Written once with SeaORM's schema
//! builder so the same history runs on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_000002_jobs;
mod m20261123_000003_staff;
mod m20261202_000004_back_office;
mod m20261202_000005_instagram;
mod m20261202_000006_api_clients;
mod m20261202_000007_media_cache;
mod m20261204_000006_instagram_connect;
mod m20261204_000008_billing;
mod m20261205_000010_instagram_demo_regenerate;
mod m20261205_000011_ig_post_figures;
mod m20261205_000012_sign_in_hardening;
mod m20261205_000013_billing_plan_fixes;
mod m20261205_000025_ig_post_days;
mod m20261206_000026_ig_profile_versions;
mod m20261206_000027_intel_analyses;
mod m20261206_000028_intel_audits;
mod m20261206_000029_intel_planner;
mod m20261206_000030_ai;
mod m20261206_000031_intel_ab_tests;
mod m20261206_000032_intel_competitors;
mod m20261206_000033_intel_content;
mod m20261206_000034_intel_dm_templates;
mod m20261206_000035_fleet;
mod m20261206_000036_discovery_index;
mod m20261206_000037_discovery_unlocks;
mod m20261206_000038_discovery_lists;
mod m20261206_000039_discovery_campaigns;
mod m20261206_000040_discovery_proposals;
mod m20261206_000041_billing_product_lines;
pub mod m20261207_000042_discovery_bands;
mod m20261207_000043_discovery_sort_indexes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_jobs::Migration),
            Box::new(m20261123_000003_staff::Migration),
            Box::new(m20261202_000004_back_office::Migration),
            Box::new(m20261202_000005_instagram::Migration),
            Box::new(m20261202_000006_api_clients::Migration),
            Box::new(m20261202_000007_media_cache::Migration),
            Box::new(m20261204_000006_instagram_connect::Migration),
            Box::new(m20261204_000008_billing::Migration),
            Box::new(m20261205_000010_instagram_demo_regenerate::Migration),
            Box::new(m20261205_000011_ig_post_figures::Migration),
            Box::new(m20261205_000012_sign_in_hardening::Migration),
            Box::new(m20261205_000013_billing_plan_fixes::Migration),
            Box::new(m20261205_000025_ig_post_days::Migration),
            Box::new(m20261206_000026_ig_profile_versions::Migration),
            Box::new(m20261206_000027_intel_analyses::Migration),
            Box::new(m20261206_000028_intel_audits::Migration),
            Box::new(m20261206_000029_intel_planner::Migration),
            Box::new(m20261206_000030_ai::Migration),
            Box::new(m20261206_000031_intel_ab_tests::Migration),
            Box::new(m20261206_000032_intel_competitors::Migration),
            Box::new(m20261206_000033_intel_content::Migration),
            Box::new(m20261206_000034_intel_dm_templates::Migration),
            Box::new(m20261206_000035_fleet::Migration),
            Box::new(m20261206_000036_discovery_index::Migration),
            Box::new(m20261206_000037_discovery_unlocks::Migration),
            Box::new(m20261206_000038_discovery_lists::Migration),
            Box::new(m20261206_000039_discovery_campaigns::Migration),
            Box::new(m20261206_000040_discovery_proposals::Migration),
            Box::new(m20261206_000041_billing_product_lines::Migration),
            Box::new(m20261207_000042_discovery_bands::Migration),
            Box::new(m20261207_000043_discovery_sort_indexes::Migration),
        ]
    }
}
