//! Platform integration tests: the job engine and customer page routing on a real database
//! (SQLite, or PostgreSQL when GROWTHDECK_TEST_DATABASE_URL is set), with workers running as
//! under `serve`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod credits;
mod dead_jobs;
mod job_fast_paths;
mod jobs;
mod pages;
mod throttle;
