//! `bench pages`: the pages of a workspace with a large account, on the real release server.
//!
//! For SQLite (and PostgreSQL with `--postgres`) it makes a fresh database and, in this
//! process, seeds a workspace the ordinary way — an owner (sign-up), two demo accounts and a
//! tracked demo profile added and refreshed through the job runner, as `serve` would — plus
//! one large demo account: after its own refresh, its posts are topped up to `--posts` (spread
//! over `--years` years, newest today) and its daily follower history to the same years, with
//! a seeded generator so every run seeds the same figures. It signs the owner in (a session
//! cookie, as a browser holds it), starts `growthdeck serve` on that database and loads, one
//! after the other at `--concurrency` connections:
//!
//! * `GET /healthz` (the baseline of the run),
//! * `GET /home`,
//! * the large account's page at each range (`/instagram/accounts/{id}?days=7|30|90|365`),
//! * the comparison of the large account, the two demo accounts and the tracked profile
//!   (`/instagram/compare?days=30|365&profile=…`).
//!
//! Each row: requests/s and p50/p95/p99 of the response time measured at the client on
//! loopback (it bounds the server's time from above: the server's time plus the loopback
//! round trip and reading the body), each page's percentiles as a multiple of `/healthz`'s in
//! the same run, and the absolute p95 against the goal (≤ 20 ms).

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use crate::server::{Server, free_port};
use chrono::{DateTime, NaiveDate, Utc};
use instagram::model::{post, profile, profile_snapshot};
use platform::jobs::model as job;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::load::{self, LoadConfig, Report};

/// The goal of the issue: server time p95 of each page.
const GOAL_P95_MS: f64 = 20.0;
const LARGE: &str = "demo.bench.large";
const OTHERS: [&str; 2] = ["demo.food.lea", "demo.travel.mia"];
const TRACKED: &str = "demo.fitness.noah";

#[derive(clap::Args, Debug)]
pub struct PagesArgs {
    /// The growthdeck binary (`cargo build --release -p growthdeck`).
    #[arg(long, default_value = "target/release/growthdeck")]
    bin: String,
    /// A PostgreSQL admin URL (a temporary database is made and dropped); without it only
    /// SQLite is measured.
    #[arg(long)]
    postgres: Option<String>,
    /// Posts of the large account.
    #[arg(long, default_value_t = 100_000)]
    posts: u64,
    /// Years its posts and daily follower history span.
    #[arg(long, default_value_t = 5)]
    years: u32,
    /// Connections loading each page. One by default: the goal is the server's time per
    /// page, and on a small machine more clients than cores add the wait for a core.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Measured seconds per page.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Warm-up seconds per page, not recorded.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
}

/// splitmix64: a small seeded generator, so every run seeds the same posts.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What the load runs against.
struct Seeded {
    cookie: String,
    large_account: Uuid,
    /// Ids for the comparison: the large account first.
    compared: Vec<Uuid>,
    large_posts: u64,
    snapshot_days: u64,
    seconds: f64,
}

struct Row {
    label: String,
    report: Report,
}

pub async fn run(args: PagesArgs) -> Result<()> {
    if args.concurrency == 0 || args.duration == 0 || args.years == 0 || args.posts == 0 {
        bail!("--concurrency, --duration, --years and --posts must be at least 1");
    }
    let mut all = vec![("SQLite", measure(&args, None).await?)];
    match &args.postgres {
        Some(admin) => {
            let admin_db = platform::db::connect_url(admin, 2).await?;
            let name = format!("gd_bench_{}", Uuid::new_v4().simple());
            admin_db
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            let mut url = url::Url::parse(admin)?;
            url.set_path(&format!("/{name}"));
            let result = measure(&args, Some(url.as_str())).await;
            admin_db
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            all.push(("PostgreSQL", result?));
        }
        None => println!("(PostgreSQL not measured: pass --postgres postgres://…)"),
    }
    println!(
        "\nresponse time at the client on loopback (bounds the server's time from above); \
         concurrency {}, warm-up {} s, measured {} s per page; bench and server share the \
         machine ({} cores)",
        args.concurrency,
        args.warmup,
        args.duration,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for (database, rows) in &all {
        report(database, rows);
    }
    Ok(())
}

/// Seeds a fresh database, serves it, loads every page.
async fn measure(args: &PagesArgs, database_url: Option<&str>) -> Result<Vec<Row>> {
    let dir = tempfile::tempdir()?;
    let seeded = seed(args, dir.path(), database_url).await?;
    println!(
        "{}: seeded @{LARGE} with {} posts and {} days of follower history (+ 2 demo accounts, 1 tracked profile) in {:.1} s",
        if database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        seeded.large_posts,
        seeded.snapshot_days,
        seeded.seconds
    );

    let port = free_port()?;
    let mut serve = Command::new(&args.bin);
    serve
        .arg("serve")
        .env("GROWTHDECK_DATA_DIR", dir.path())
        .env("GROWTHDECK_LISTEN", format!("127.0.0.1:{port}"))
        .env("GROWTHDECK_LOG", "warn")
        .stdout(Stdio::null());
    if let Some(url) = database_url {
        serve.env("GROWTHDECK_DATABASE_URL", url);
    }
    let _server = Server(
        serve
            .spawn()
            .with_context(|| format!("starting {}", args.bin))?,
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = client(args.concurrency, &seeded.cookie)?;
    let ready = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        if ready.elapsed() > Duration::from_secs(30) {
            bail!("the server did not answer /healthz within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let account = format!("/instagram/accounts/{}", seeded.large_account);
    let profiles: String = seeded
        .compared
        .iter()
        .map(|id| format!("&profile={id}"))
        .collect();
    let mut pages = vec![
        ("GET /healthz".to_string(), "/healthz".to_string(), None),
        ("GET /home".into(), "/home".into(), Some(LARGE)),
    ];
    for days in [7, 30, 90, 365] {
        pages.push((
            format!("GET account page ?days={days}"),
            format!("{account}?days={days}"),
            Some(LARGE),
        ));
    }
    for days in [30, 365] {
        pages.push((
            format!(
                "GET compare ({} profiles) ?days={days}",
                seeded.compared.len()
            ),
            format!("/instagram/compare?days={days}{profiles}"),
            Some(LARGE),
        ));
    }

    let config = LoadConfig {
        concurrency: args.concurrency,
        duration: Duration::from_secs(args.duration),
        warmup: Duration::from_secs(args.warmup),
    };
    let mut rows = Vec::new();
    for (label, path, must_show) in pages {
        let url = format!("{base}{path}");
        // The page is what it should be (signed in, the large account on it), not a redirect
        // to the sign-in page or an error.
        let first = client.get(&url).send().await?;
        let status = first.status();
        let body = first.text().await?;
        if !status.is_success() {
            bail!(
                "{label} answered {status}: {}",
                body.chars().take(400).collect::<String>()
            );
        }
        if let Some(text) = must_show
            && !body.contains(text)
        {
            bail!("{label} does not show @{text}");
        }
        let report = load::run(&client, &url, None, &config).await?;
        if report.errors > 0 {
            bail!(
                "{label}: {} of {} requests failed",
                report.errors,
                report.requests
            );
        }
        rows.push(Row { label, report });
    }
    Ok(rows)
}

/// A keep-alive client that sends the session cookie and never follows a redirect (an
/// expired session would otherwise measure the sign-in page).
fn client(concurrency: usize, cookie: &str) -> Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, cookie.parse()?);
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .tcp_nodelay(true)
        .no_proxy()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")
}

async fn seed(
    args: &PagesArgs,
    dir: &std::path::Path,
    database_url: Option<&str>,
) -> Result<Seeded> {
    let started = Instant::now();
    let config = platform::Config {
        data_dir: dir.to_path_buf(),
        database_url: database_url.map(str::to_string),
        log: "warn".into(),
        ..platform::Config::default()
    };
    let state = growthdeck::build_state(config).await?;
    let origin = platform::Origin {
        request_id: "bench".into(),
        ip: None,
        user_agent: Some("bench pages".into()),
    };
    let owner = identity::service::signup::signup(
        &state,
        &origin,
        identity::service::signup::SignupInput {
            email: "bench-pages@example.com".into(),
            password: crate::PASSWORD.into(),
            name: "Bench".into(),
            workspace: "Bench agency".into(),
        },
        true,
    )
    .await?;
    let ws = owner.workspace.id;
    let issued = identity::service::sessions::issue(
        &state.db,
        owner.user.id,
        Some(ws),
        identity::service::sessions::ACTIVE,
        &origin,
    )
    .await?;
    let cookie = format!(
        "{}={}",
        identity::auth::session_cookie_name(&state),
        issued.token
    );

    use instagram::service::{accounts, tracked};
    // The workspace this tool just created for its owner.
    let scope = platform::Scope::for_system(ws);
    let large = accounts::add_demo(&state, &scope, LARGE, None).await?;
    let mut compared = vec![large.account.id];
    for username in OTHERS {
        compared.push(
            accounts::add_demo(&state, &scope, username, None)
                .await?
                .account
                .id,
        );
    }
    compared.push(
        tracked::track_in(&state, &scope, TRACKED, "competitor", true, None)
            .await?
            .tracked
            .id,
    );

    // Their first refreshes, through the job runner as `serve` runs them.
    let runner = platform::jobs::runner::Runner::start(
        state.clone(),
        platform::feature::registry(growthdeck::product()),
        platform::jobs::runner::RunnerConfig::from_config(&state.config, None),
    );
    let waited = wait_refreshed(&state.db).await;
    runner.shutdown().await;
    waited?;

    let (large_posts, snapshot_days) = grow(&state.db, large.profile.id, args).await?;
    state.db.clone().close().await?;
    Ok(Seeded {
        cookie,
        large_account: large.account.id,
        compared,
        large_posts,
        snapshot_days,
        seconds: started.elapsed().as_secs_f64(),
    })
}

async fn wait_refreshed(db: &sea_orm::DatabaseConnection) -> Result<()> {
    let kind = <instagram::jobs::RefreshProfile as platform::jobs::Job>::KIND;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let pending = job::job::Entity::find()
            .filter(job::job::Column::Kind.eq(kind))
            .filter(job::job::Column::State.is_in([job::AVAILABLE, job::EXECUTING]))
            .count(db)
            .await?;
        if pending == 0 {
            break;
        }
        if Instant::now() > deadline {
            bail!("{pending} demo refreshes still pending after 300 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let failed = job::job::Entity::find()
        .filter(job::job::Column::Kind.eq(kind))
        .filter(job::job::Column::State.ne(job::COMPLETED))
        .count(db)
        .await?;
    if failed > 0 {
        bail!("{failed} demo refreshes did not complete");
    }
    Ok(())
}

/// Rows per insert statement (17 columns: well under both databases' bind limits).
const BATCH: usize = 500;

/// Tops the large profile up to `--posts` posts spread over `--years` years (newest today)
/// and its daily follower history to the same span, in one transaction. The refresh's own
/// history is kept; the older days grow towards its first day's count. Returns the posts and
/// the days of history the profile then has.
async fn grow(
    db: &sea_orm::DatabaseConnection,
    profile_id: Uuid,
    args: &PagesArgs,
) -> Result<(u64, u64)> {
    let row = profile::Entity::find_by_id(profile_id)
        .one(db)
        .await?
        .context("the large profile is gone")?;
    let now = Utc::now();
    let today = now.date_naive();
    let span_days = i64::from(args.years) * 365;
    let first_day = today - chrono::Duration::days(span_days - 1);
    let oldest = profile_snapshot::Entity::find()
        .filter(profile_snapshot::Column::ProfileId.eq(profile_id))
        .order_by_asc(profile_snapshot::Column::Day)
        .one(db)
        .await?;
    let (join_day, join_followers) = match &oldest {
        Some(s) => (
            s.day,
            s.followers_count.or(row.followers_count).unwrap_or(10_000),
        ),
        None => (today, row.followers_count.unwrap_or(10_000)),
    };
    // Followers grow linearly from 30 % of the count where the refresh's history starts.
    let followers_on = |day: NaiveDate| -> i64 {
        if day >= join_day {
            return join_followers;
        }
        let total = (join_day - first_day).num_days().max(1) as f64;
        let done = (day - first_day).num_days() as f64;
        (join_followers as f64 * (0.3 + 0.7 * done / total)).round() as i64
    };

    let txn = db.begin().await?;
    let mut snapshots = Vec::new();
    let mut day = first_day;
    while day < join_day {
        snapshots.push(profile_snapshot::ActiveModel {
            profile_id: Set(profile_id),
            day: Set(day),
            followers_count: Set(Some(followers_on(day))),
            follows_count: Set(Some(800)),
            media_count: Set(None),
            source: Set("demo".into()),
            fetched_at: Set(now),
        });
        day += chrono::Duration::days(1);
    }
    for chunk in snapshots.chunks(BATCH) {
        profile_snapshot::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    profile_snapshot::Column::ProfileId,
                    profile_snapshot::Column::Day,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }

    let existing = post::Entity::find()
        .filter(post::Column::ProfileId.eq(profile_id))
        .count(&txn)
        .await?;
    let missing = args.posts.saturating_sub(existing);
    let span_secs = (span_days * 86_400) as f64;
    let mut rng = Rng(0x05ee_d0f9_a9e5);
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..missing {
        // Evenly spread, newest first, with a little jitter inside each slot.
        let age = (i as f64 + rng.unit()) * span_secs / missing as f64;
        let posted_at: DateTime<Utc> = now - chrono::Duration::milliseconds((age * 1000.0) as i64);
        let followers = followers_on(posted_at.date_naive()) as f64;
        let rate = 0.01 + 0.05 * rng.unit();
        let interactions = followers * rate;
        let media_type = ["IMAGE", "VIDEO", "CAROUSEL_ALBUM"][(rng.next_u64() % 3) as usize];
        // One post in 50 hides its like count.
        let likes = (!rng.next_u64().is_multiple_of(50)).then_some((interactions * 0.92) as i64);
        batch.push(post::ActiveModel {
            id: Set(Uuid::now_v7()),
            profile_id: Set(profile_id),
            ig_media_id: Set(format!("bench_{i}")),
            shortcode: Set(None),
            caption: Set(Some(format!("Bench post {i} #bench"))),
            media_type: Set(media_type.into()),
            product_type: Set(Some("FEED".into())),
            permalink: Set(None),
            posted_at: Set(posted_at),
            like_count: Set(likes),
            comments_count: Set(Some((interactions * 0.08) as i64)),
            view_count: Set(None),
            media_url: Set(None),
            thumbnail_url: Set(None),
            source: Set("demo".into()),
            fetched_at: Set(now),
        });
        if batch.len() == BATCH {
            post::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(&txn)
                .await?;
        }
    }
    if !batch.is_empty() {
        post::Entity::insert_many(batch)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    let posts = post::Entity::find()
        .filter(post::Column::ProfileId.eq(profile_id))
        .count(db)
        .await?;
    let days = profile_snapshot::Entity::find()
        .filter(profile_snapshot::Column::ProfileId.eq(profile_id))
        .count(db)
        .await?;
    Ok((posts, days))
}

fn report(database: &str, rows: &[Row]) {
    let Some(base) = rows.first() else { return };
    let (b50, b95, b99) = (
        base.report.percentile_ms(50.0),
        base.report.percentile_ms(95.0),
        base.report.percentile_ms(99.0),
    );
    println!("\n{database}:");
    println!(
        "| page | requests/s | p50 / p95 / p99 ms | ÷ /healthz p50 / p95 / p99 | p95 ≤ {GOAL_P95_MS} ms |"
    );
    println!("|---|---|---|---|---|");
    for r in rows {
        let (p50, p95, p99) = (
            r.report.percentile_ms(50.0),
            r.report.percentile_ms(95.0),
            r.report.percentile_ms(99.0),
        );
        let goal = if std::ptr::eq(r, base) {
            "(baseline)"
        } else if p95 <= GOAL_P95_MS {
            "met"
        } else {
            "MISSED"
        };
        println!(
            "| {} | {:.0} | {p50:.2} / {p95:.2} / {p99:.2} | {:.1}× / {:.1}× / {:.1}× | {goal} |",
            r.label,
            r.report.requests_per_second(),
            p50 / b50.max(1e-3),
            p95 / b95.max(1e-3),
            p99 / b99.max(1e-3),
        );
    }
}
