//! `bench audit`: how long an audit and its PDF take for an account with `--posts` posts.
//!
//! In this process, on a fresh SQLite file (and PostgreSQL with `--postgres`), it seeds one
//! demo profile the way refreshes store one: `--posts` posts over the last 365 days (seeded
//! captions with hashtags, calls to action and a few reported tags; reels, carousels and
//! images with likes and comments) and a year of daily follower counts, migrations as `serve`
//! runs them (so the benchmark and restricted-tag tables are the seeded ones). Then, `--runs`
//! times each, one after the other:
//!
//! * the baseline: reading the profile's record (`instagram::service::history::of_profile`,
//!   the audit's first step);
//! * the whole audit of the last `--days` days (365: every post) as the job computes it
//!   (`intelligence::service::audit::run::audit_profile`: the record, the reference tables,
//!   the post-analysis labels, and the computation on a blocking thread);
//! * rendering its PDF (`intelligence::audits::pdf::document` + `report::render`).
//!
//! It prints p50/p95/max of each, the audit as a multiple of the baseline of the same run,
//! and the PDF's size and pages.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::{Duration, Utc};
use instagram::model::{post, profile, profile_snapshot};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use uuid::Uuid;

#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    /// Posts of the audited account (over the last 365 days).
    #[arg(long, default_value_t = 1_000)]
    posts: u64,
    /// Days the audit covers (its record is read for twice as long: the baseline).
    #[arg(long, default_value_t = 365)]
    days: i64,
    /// Timed runs of each step.
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// A PostgreSQL admin URL (a temporary database is made and dropped); without it only
    /// SQLite is measured.
    #[arg(long)]
    postgres: Option<String>,
    /// Also write the audit's PDF here, to look at.
    #[arg(long)]
    pdf: Option<std::path::PathBuf>,
}

/// splitmix64, so every run seeds the same account.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: [&str; 12] = [
    "Morning light over the harbour",
    "New recipe: lemon and thyme chicken",
    "Leg day done, feeling strong",
    "Packing for Lisbon this weekend",
    "Studio session with the band",
    "Our new collection drops Friday",
    "Three tips for better phone photos",
    "Sunday reset: plants, coffee, quiet",
    "Behind the scenes of today's shoot",
    "What would you choose?",
    "Tag a friend who needs this",
    "Link in bio for the full guide",
];
const TAGS: [&str; 14] = [
    "travel",
    "food",
    "fitness",
    "photography",
    "music",
    "fashion",
    "coffee",
    "sunday",
    "weekend",
    "instagood",
    "desk",
    "reels",
    "recipe",
    "style",
];

pub(crate) async fn seed(db: &DatabaseConnection, posts: u64) -> Result<profile::Model> {
    let now = Utc::now();
    let profile = profile::Model {
        id: Uuid::now_v7(),
        pool: "demo".into(),
        username: "demo.bench.audit".into(),
        username_lower: "demo.bench.audit".into(),
        ig_user_id: None,
        full_name: Some("Bench audit".into()),
        biography: None,
        website: None,
        picture_url: None,
        followers_count: Some(48_000),
        follows_count: Some(900),
        media_count: Some(i64::try_from(posts)?),
        is_verified: Some(false),
        is_business: Some(true),
        source: "demo".into(),
        fetched_at: Some(now),
        media_cursor: None,
        last_refresh_at: Some(now),
        last_refresh_error: None,
        next_refresh_at: None,
        created_at: now,
    };
    profile::Entity::insert(profile::ActiveModel::from(profile.clone()))
        .exec_without_returning(db)
        .await?;
    let mut rng = Rng(0x5EED_A0D1);
    let mut rows = Vec::new();
    for i in 0..posts {
        let ago = Duration::seconds(i64::try_from(rng.below(365 * 86_400))?);
        let kind = rng.below(10);
        let (media, product) = match kind {
            0..=3 => ("VIDEO", Some("REELS")),
            4..=6 => ("CAROUSEL_ALBUM", Some("FEED")),
            _ => ("IMAGE", Some("FEED")),
        };
        let mut caption = WORDS[usize::try_from(rng.below(WORDS.len() as u64))?].to_string();
        for _ in 0..rng.below(8) {
            caption.push_str(" #");
            caption.push_str(TAGS[usize::try_from(rng.below(TAGS.len() as u64))?]);
        }
        let likes = 300 + i64::try_from(rng.below(1_500))? + if kind <= 3 { 600 } else { 0 };
        rows.push(post::ActiveModel {
            id: Set(Uuid::now_v7()),
            profile_id: Set(profile.id),
            ig_media_id: Set(format!("bench-{i}")),
            shortcode: Set(Some(format!("B{i}"))),
            caption: Set(Some(caption)),
            media_type: Set(media.into()),
            product_type: Set(product.map(String::from)),
            permalink: Set(None),
            posted_at: Set(now - ago),
            like_count: Set(Some(likes)),
            comments_count: Set(Some(i64::try_from(rng.below(80))?)),
            view_count: Set(None),
            media_url: Set(None),
            thumbnail_url: Set(None),
            source: Set("demo".into()),
            fetched_at: Set(now),
        });
        if rows.len() == 500 {
            post::Entity::insert_many(std::mem::take(&mut rows))
                .exec_without_returning(db)
                .await?;
        }
    }
    if !rows.is_empty() {
        post::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    let mut days = Vec::new();
    let mut followers = 40_000i64;
    for d in (0..365).rev() {
        followers += i64::try_from(rng.below(45))? - 10;
        days.push(profile_snapshot::ActiveModel {
            profile_id: Set(profile.id),
            day: Set((now - Duration::days(d)).date_naive()),
            followers_count: Set(Some(followers)),
            follows_count: Set(Some(900)),
            media_count: Set(None),
            source: Set("demo".into()),
            fetched_at: Set(now),
        });
    }
    for chunk in days.chunks(200) {
        profile_snapshot::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(profile)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub(crate) struct Timing {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

pub(crate) fn timing(mut ms: Vec<f64>) -> Timing {
    ms.sort_by(f64::total_cmp);
    Timing {
        p50: percentile(&ms, 0.5),
        p95: percentile(&ms, 0.95),
        p99: percentile(&ms, 0.99),
        max: ms.last().copied().unwrap_or(f64::NAN),
    }
}

async fn measure(label: &str, db: &DatabaseConnection, args: &AuditArgs) -> Result<()> {
    platform::db::migrate(db).await.context("migrations")?;
    let started = Instant::now();
    let profile = seed(db, args.posts).await?;
    println!(
        "{label}: seeded {} posts and 365 follower days in {:.1} s",
        args.posts,
        started.elapsed().as_secs_f64()
    );
    let to = Utc::now().date_naive();
    let from = to - Duration::days(args.days - 1);
    let (mut read, mut audit, mut pdf) = (Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..args.runs {
        let t = Instant::now();
        let record = instagram::service::history::of_profile(
            db,
            &profile,
            None,
            from - Duration::days(args.days),
        )
        .await?;
        read.push(t.elapsed().as_secs_f64() * 1000.0);
        if record.posts.is_empty() {
            bail!("the seeded record is empty");
        }
        let t = Instant::now();
        let report =
            intelligence::service::audit::run::audit_profile(db, &profile, None, from, to).await?;
        audit.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(report);
    }
    let report = last.context("no run")?;
    let row = intelligence::model::audit::Model {
        id: Uuid::now_v7(),
        workspace_id: Uuid::now_v7(),
        subject_kind: "account".into(),
        subject_id: Uuid::now_v7(),
        profile_id: profile.id,
        username: profile.username.clone(),
        status: "done".into(),
        progress: 100,
        from_day: from,
        to_day: to,
        overall_score: report.overall,
        result: None,
        sources: "demo".into(),
        method_version: report.inputs.method_version,
        reservation_id: None,
        job_id: None,
        cost: 5,
        error: None,
        requested_by: None,
        created_at: Utc::now(),
        started_at: None,
        finished_at: None,
    };
    let mut bytes = Vec::new();
    for _ in 0..args.runs {
        let t = Instant::now();
        let (_, doc) = intelligence::audits::pdf::document(&row, &report, None);
        bytes = report::render(&doc).map_err(|e| anyhow::anyhow!("{e}"))?;
        pdf.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (read, audit, pdf) = (timing(read), timing(audit), timing(pdf));
    println!(
        "{label}: {} posts in the {}-day range, overall score {}",
        report.inputs.posts,
        args.days,
        report
            .overall
            .map(|s| format!("{s:.0}"))
            .unwrap_or_else(|| "-".into())
    );
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
        "| whole audit | {:.1} | {:.1} | {:.1} | {:.1} |",
        audit.p50,
        audit.p95,
        audit.max,
        audit.p50 / read.p50
    );
    println!(
        "| PDF render | {:.1} | {:.1} | {:.1} | {:.1} |",
        pdf.p50,
        pdf.p95,
        pdf.max,
        pdf.p50 / read.p50
    );
    println!("PDF: {} bytes", bytes.len());
    if let Some(path) = &args.pdf {
        std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

pub async fn run(args: AuditArgs) -> Result<()> {
    if args.posts == 0 || args.runs == 0 || !(7..=365).contains(&args.days) {
        bail!("--posts and --runs must be at least 1, --days from 7 to 365");
    }
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let db = platform::db::connect_url(&url, 4).await?;
    measure("SQLite", &db, &args).await?;
    if let Some(admin) = &args.postgres {
        let admin_db = platform::db::connect_url(admin, 2).await?;
        let name = format!("gd_bench_{}", Uuid::new_v4().simple());
        admin_db
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        let mut url = url::Url::parse(admin)?;
        url.set_path(&format!("/{name}"));
        let outcome = async {
            let db = platform::db::connect_url(url.as_str(), 4).await?;
            let r = measure("PostgreSQL", &db, &args).await;
            db.close().await?;
            r
        }
        .await;
        admin_db
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
        outcome?;
    }
    Ok(())
}
