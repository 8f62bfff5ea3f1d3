//! `bench hashtags`: how long the hashtag lift takes for an account with `--posts` posts.
//!
//! On a fresh SQLite file it seeds the `audit` bench's profile (`--posts` posts over the last
//! 365 days, each with 0–7 of 14 tags, likes and comments; a year of follower counts), then
//! `--runs` times, one after the other:
//!
//! * the baseline: reading the profile's record of the year
//!   (`instagram::service::history::of_profile`, what `suggest` reads per profile);
//! * the lift computation on it: tags read from every caption, the per-tag table
//!   (`intelligence::service::hashtags::lift::table`: medians with and without, lifts,
//!   co-occurrence) and the ranking (`rank`).
//!
//! It prints p50/p95/max of each and the computation as a multiple of the read.

use std::{collections::BTreeSet, time::Instant};

use anyhow::{Context, Result, bail};
use chrono::{Duration, Utc};
use intelligence::service::{
    audit::inputs::hashtags,
    hashtags::{HashtagProfile, Options, lift, rank},
};

use crate::audit::{seed, timing};

#[derive(clap::Args, Debug)]
pub struct HashtagsArgs {
    /// Posts of the account (over the last 365 days).
    #[arg(long, default_value_t = 5_000)]
    posts: u64,
    /// Timed runs of each step.
    #[arg(long, default_value_t = 30)]
    runs: usize,
}

pub async fn run(args: HashtagsArgs) -> Result<()> {
    if args.posts == 0 || args.runs == 0 {
        bail!("--posts and --runs must be at least 1");
    }
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let db = platform::db::connect_url(&url, 4).await?;
    platform::db::migrate(&db).await.context("migrations")?;
    let started = Instant::now();
    let profile = seed(&db, args.posts).await?;
    println!(
        "SQLite: seeded {} posts in {:.1} s",
        args.posts,
        started.elapsed().as_secs_f64()
    );
    let from = Utc::now().date_naive() - Duration::days(365);
    let profiles = [HashtagProfile {
        username: profile.username.clone(),
        kind: "account".into(),
        posts: 0,
        source: "demo".into(),
        fetched_at: profile.fetched_at,
    }];
    let (mut read, mut compute) = (Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..args.runs {
        let t = Instant::now();
        let record = instagram::service::history::of_profile(&db, &profile, None, from).await?;
        read.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let posts: Vec<lift::TaggedPost> = record
            .posts
            .iter()
            .filter_map(|p| {
                p.rate.map(|rate| lift::TaggedPost {
                    tags: hashtags(p.caption.as_deref()),
                    rate,
                    profile: 0,
                })
            })
            .collect();
        let table = lift::table(&posts);
        let ranked = rank(
            &table,
            &posts,
            &profiles,
            &BTreeSet::new(),
            &Options::default(),
        );
        compute.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some((posts.len(), table.len(), ranked.suggestions.len()));
    }
    let (posts, tags, suggested) = last.context("no run")?;
    let (read, compute) = (timing(read), timing(compute));
    println!("{posts} posts with a rate, {tags} tags, {suggested} suggested");
    println!(
        "| step ({} runs) | p50 ms | p95 ms | max ms | p50 × baseline |",
        args.runs
    );
    println!("|---|---|---|---|---|");
    println!(
        "| read the record (baseline) | {:.1} | {:.1} | {:.1} | 1.0 |",
        read.p50, read.p95, read.max
    );
    println!(
        "| lift computation | {:.1} | {:.1} | {:.1} | {:.2} |",
        compute.p50,
        compute.p95,
        compute.max,
        compute.p50 / read.p50
    );
    Ok(())
}
