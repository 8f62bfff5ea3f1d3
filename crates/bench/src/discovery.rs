//! `bench discovery-search`: creator search over a generated index of `--profiles` creators.
//!
//! On a fresh SQLite database (and on PostgreSQL with `--postgres`), migrated by
//! `platform::db::migrate`, it writes `--profiles` creators straight into `disc_creators`
//! (the FTS5 triggers or the generated `tsvector` column index their words) and 0–5 hashtags
//! each into `disc_creator_hashtags`, from a seeded RNG: followers log-normal (1k–10M, median
//! about 20k), engagement higher for small accounts, Zipf-like categories, languages and
//! locations, and bios and captions drawn with a Zipf distribution from about 3,000 made-up
//! words (a few common, most rare). Rows go in as multi-row INSERTs (200 rows a statement),
//! 20,000 per transaction, generated on another thread meanwhile; then `ANALYZE` (PostgreSQL:
//! `VACUUM ANALYZE`).
//!
//! Then, one query at a time after 20 warm-up queries, `--queries` of each kind through
//! `discovery::service::search::run` (the page and its capped count):
//!
//! * `kw+3`: one mid-frequency word and three filters (which three varies); the goal is a p95
//!   of at most 50 ms;
//! * `3 filters`: three filters without a keyword, sorted by followers;
//! * `keyword`: one mid-frequency word alone, by relevance;
//! * `sort engagement`: one filter, sorted by engagement;
//! * `hashtag+range`: a hashtag and one range;
//! * the baseline: one creator read by primary key through sea-orm.
//!
//! It prints p50/p95/p99, each kind's p50 against the baseline's and the median result count
//! (the search's count, capped at 10,000), per database, and whether `kw+3` met its goal.

use std::{
    collections::HashSet,
    path::Path,
    time::{Duration as StdDuration, Instant},
};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Duration, DurationRound, Utc};
use discovery::{
    model::creator,
    service::search::{self, Filters, Sort},
};
use rand::{Rng, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement, Value};

#[derive(clap::Args, Debug)]
pub struct DiscoveryArgs {
    /// Creators to generate into the index.
    #[arg(long, default_value_t = 1_000_000)]
    profiles: u64,
    /// Timed queries of each kind.
    #[arg(long, default_value_t = 300)]
    queries: usize,
    /// Seed of the generated creators and of the queries' parameters.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// A PostgreSQL server URL (a database is created and dropped for the run).
    #[arg(long)]
    postgres: Option<String>,
    /// Skip ANALYZE after loading (SQLite then plans without statistics, like a database
    /// nobody analysed).
    #[arg(long)]
    no_analyze: bool,
    /// Keep the databases after the run (printed), to inspect plans or to `--reuse-…` them.
    #[arg(long)]
    keep: bool,
    /// Measure SQLite on the data directory a `--keep` run printed instead of generating
    /// (the same `--profiles` and `--seed`, so the queries find what they expect).
    #[arg(long)]
    reuse_sqlite: Option<std::path::PathBuf>,
    /// Measure PostgreSQL on the database URL a `--keep` run printed instead of generating.
    #[arg(long)]
    reuse_postgres: Option<String>,
    /// Do not measure SQLite (e.g. to repeat only the PostgreSQL figures).
    #[arg(long)]
    skip_sqlite: bool,
    /// How many of each kind's slowest queries to print (to look at a tail's plans).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=50))]
    slowest: u32,
}

/// Rows per INSERT statement and per transaction.
const ROWS_PER_STATEMENT: usize = 200;
const ROWS_PER_TRANSACTION: usize = 20_000;
/// Hashtag rows per INSERT statement (3 values each).
const TAGS_PER_STATEMENT: usize = 1_000;
const WARMUP: usize = 20;
const GOAL_MS: f64 = 50.0;

const CREATOR_COLUMNS: &[&str] = &[
    "id",
    "profile_id",
    "pool",
    "username",
    "username_lower",
    "full_name",
    "bio",
    "captions",
    "picture_url",
    "followers",
    "following",
    "media_count",
    "engagement_rate",
    "growth_30d",
    "growth_90d",
    "category",
    "categories",
    "language",
    "location",
    "is_verified",
    "is_business",
    "has_email",
    "email",
    "last_post_at",
    "posts_counted",
    "source",
    "fetched_at",
    "indexed_at",
];
const TAG_COLUMNS: &[&str] = &["creator_id", "tag", "uses"];

const CATEGORIES: &[&str] = &[
    "fitness",
    "food",
    "travel",
    "fashion",
    "beauty",
    "tech",
    "gaming",
    "music",
    "family",
    "pets",
    "business",
    "education",
    "art",
    "sports",
    "lifestyle",
];
/// Languages and their shares of creators.
const LANGUAGES: &[(&str, f64)] = &[
    ("en", 0.52),
    ("es", 0.12),
    ("pt", 0.08),
    ("de", 0.06),
    ("fr", 0.05),
    ("it", 0.05),
    ("ru", 0.04),
    ("tr", 0.03),
    ("id", 0.03),
    ("ja", 0.02),
];
const LOCATIONS: &[&str] = &[
    "New York",
    "Los Angeles",
    "London",
    "São Paulo",
    "Mexico City",
    "Madrid",
    "Paris",
    "Berlin",
    "Istanbul",
    "Jakarta",
    "Miami",
    "Chicago",
    "Toronto",
    "Barcelona",
    "Rome",
    "Milan",
    "Moscow",
    "Rio de Janeiro",
    "Buenos Aires",
    "Lisbon",
    "Dubai",
    "Sydney",
    "Melbourne",
    "Tokyo",
    "Seoul",
    "Singapore",
    "Bangkok",
    "Manila",
    "Mumbai",
    "Delhi",
    "Lagos",
    "Johannesburg",
    "Cairo",
    "Amsterdam",
    "Munich",
    "Hamburg",
    "Vienna",
    "Zurich",
    "Stockholm",
    "Copenhagen",
    "Oslo",
    "Warsaw",
    "Prague",
    "Budapest",
    "Athens",
    "Dublin",
    "Manchester",
    "Lyon",
    "Marseille",
    "Bogotá",
    "Lima",
    "Santiago",
    "Austin",
    "Seattle",
    "San Francisco",
    "Vancouver",
    "Montreal",
    "Ankara",
    "Osaka",
    "Kyiv",
];
const VOCABULARY: usize = 3_000;
const NAMES: usize = 600;
const TAGS: usize = 1_000;
/// The vocabulary ranks a "mid-frequency" keyword is drawn from: with 30–65 Zipf words per
/// creator, rank 100 is in about 6 % of creators and rank 1,000 in about 0.6 %.
const MID_RANKS: std::ops::Range<usize> = 100..1_000;

pub async fn run(args: DiscoveryArgs) -> Result<()> {
    if args.profiles == 0 || args.queries == 0 {
        bail!("--profiles and --queries must be at least 1");
    }
    println!(
        "command: {}",
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    let world = World::new(args.seed);
    let mut all = Vec::new();
    if !args.skip_sqlite {
        all.push(sqlite(&args, &world).await?);
    }
    match (&args.reuse_postgres, &args.postgres) {
        (Some(url), _) => {
            let dir = tempfile::tempdir()?;
            all.push(measure(&args, &world, dir.path(), Some(url), "PostgreSQL", true).await?);
        }
        (None, Some(admin)) => all.push(postgres(&args, &world, admin).await?),
        (None, None) => println!("(PostgreSQL not measured: pass --postgres postgres://…)"),
    }
    println!();
    for figures in &all {
        figures.print();
        println!();
    }
    let verdicts: Vec<String> = all
        .iter()
        .map(|f| {
            let p95 = f.kinds.first().map_or(f64::NAN, |k| k.p95);
            let ok = if p95 <= GOAL_MS { "yes" } else { "NO" };
            format!("{} {ok} ({p95:.1} ms)", f.database)
        })
        .collect();
    println!("kw+3 p95 ≤ {GOAL_MS} ms: {}", verdicts.join(", "));
    Ok(())
}

async fn sqlite(args: &DiscoveryArgs, world: &World) -> Result<Figures> {
    if let Some(dir) = &args.reuse_sqlite {
        return measure(args, world, dir, None, "SQLite", true).await;
    }
    let dir = tempfile::tempdir()?;
    let figures = measure(args, world, dir.path(), None, "SQLite", false).await;
    if args.keep {
        println!("SQLite database kept in {}", dir.keep().display());
    }
    figures
}

async fn postgres(args: &DiscoveryArgs, world: &World, admin_url: &str) -> Result<Figures> {
    let db = crate::scratch::ScratchDb::create(admin_url).await?;
    let dir = tempfile::tempdir()?;
    let result = measure(args, world, dir.path(), Some(&db.url), "PostgreSQL", false).await;
    if args.keep {
        println!("PostgreSQL database kept: {}", db.url);
    } else {
        db.drop().await?;
    }
    result
}

async fn measure(
    args: &DiscoveryArgs,
    world: &World,
    dir: &Path,
    database_url: Option<&str>,
    database: &'static str,
    reuse: bool,
) -> Result<Figures> {
    let config = platform::Config {
        data_dir: dir.to_path_buf(),
        database_url: database_url.map(str::to_string),
        log: "warn".into(),
        ..platform::Config::default()
    };
    // Only the schema: search reads nothing else, and the other features' start-up seeding
    // has no part in the figures.
    let db = &platform::db::connect(&config).await?;
    platform::db::migrate(db).await?;
    let now = platform::db::now();

    if reuse {
        let creators = scalar(db, "SELECT COUNT(*) AS n FROM disc_creators").await?;
        let tags = scalar(db, "SELECT COUNT(*) AS n FROM disc_creator_hashtags").await?;
        if creators != args.profiles {
            bail!("{database}: the reused database holds {creators} creators, not --profiles");
        }
        println!("{database}: reusing {creators} creators and {tags} hashtag rows");
        let kinds = queries(db, world, args, now).await?;
        return Ok(Figures {
            database,
            creators,
            tags,
            load_s: f64::NAN,
            analyze: "reused database (analysed when generated)".into(),
            queries: args.queries,
            kinds,
        });
    }
    let started = Instant::now();
    let (creators, tags) = load(db, args.seed, args.profiles, now, database).await?;
    let load_s = started.elapsed().as_secs_f64();
    println!(
        "{database}: generated and inserted {creators} creators and {tags} hashtag rows in {load_s:.1} s \
         ({:.0} creators/s)",
        creators as f64 / load_s
    );
    let analyze = if args.no_analyze {
        println!("{database}: no ANALYZE (--no-analyze): the planner has no statistics");
        "not analysed".to_string()
    } else {
        let t = Instant::now();
        let what = if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("VACUUM ANALYZE disc_creators")
                .await?;
            db.execute_unprepared("VACUUM ANALYZE disc_creator_hashtags")
                .await?;
            "VACUUM ANALYZE"
        } else {
            db.execute_unprepared("ANALYZE").await?;
            "ANALYZE"
        };
        println!(
            "{database}: {what} after loading took {:.1} s",
            t.elapsed().as_secs_f64()
        );
        format!("{what} run after loading")
    };

    let kinds = queries(db, world, args, now).await?;
    Ok(Figures {
        database,
        creators,
        tags,
        load_s,
        analyze,
        queries: args.queries,
        kinds,
    })
}

/// A statement's single integer `n`.
async fn scalar(db: &DatabaseConnection, sql: &str) -> Result<u64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .context("no row")?;
    Ok(u64::try_from(row.try_get::<i64>("", "n")?)?)
}

// ---- figures ----------------------------------------------------------------------------------

struct Figures {
    database: &'static str,
    creators: u64,
    tags: u64,
    load_s: f64,
    analyze: String,
    queries: usize,
    /// The search kinds in [`Kind::SEARCHES`] order, then the baseline.
    kinds: Vec<KindFigures>,
}

struct KindFigures {
    label: &'static str,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    /// Median of the counted results (`None` for the baseline) and whether it hit the cap.
    median_results: Option<(u64, bool)>,
    /// The slowest queries, slowest first, one a line.
    slowest: Vec<String>,
}

impl Figures {
    fn print(&self) {
        let loaded = if self.load_s.is_nan() {
            "not loaded in this run".to_string()
        } else {
            format!(
                "loaded in {:.1} s ({:.0} creators/s)",
                self.load_s,
                self.creators as f64 / self.load_s
            )
        };
        println!(
            "{}: {} creators, {} hashtag rows, {loaded}; {}; \
             {} queries of each kind after {WARMUP} warm-up, one at a time",
            self.database, self.creators, self.tags, self.analyze, self.queries
        );
        let base = self
            .kinds
            .last()
            .map_or(f64::NAN, |b| b.p50)
            .max(f64::MIN_POSITIVE);
        println!(
            "{:<16} {:>9} {:>9} {:>9} {:>9} {:>11} {:>15}",
            "kind", "p50 ms", "p95 ms", "p99 ms", "max ms", "p50/base", "median results"
        );
        for k in &self.kinds {
            let results = match k.median_results {
                Some((n, true)) => format!("{n}+"),
                Some((n, false)) => n.to_string(),
                None => "1".into(),
            };
            println!(
                "{:<16} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>10.1}x {:>15}",
                k.label,
                k.p50,
                k.p95,
                k.p99,
                k.max,
                k.p50 / base,
                results
            );
        }
        println!("slowest of each kind:");
        for k in &self.kinds {
            for line in &k.slowest {
                println!("  {:<16} {line}", k.label);
            }
        }
    }
}

// ---- the generated world ----------------------------------------------------------------------

/// A discrete distribution: the cumulative weights of its outcomes.
struct Pick {
    cdf: Vec<f64>,
}

impl Pick {
    fn weights(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cdf = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Pick { cdf }
    }

    /// Rank `k` (from 0) weighs `1 / (k + 1)^s`.
    fn zipf(n: usize, s: f64) -> Self {
        Self::weights((1..=n).map(|k| 1.0 / (k as f64).powf(s)))
    }

    fn sample(&self, rng: &mut impl Rng) -> usize {
        let total = self.cdf.last().copied().unwrap_or(0.0);
        let u = rng.random::<f64>() * total;
        self.cdf
            .partition_point(|&c| c <= u)
            .min(self.cdf.len().saturating_sub(1))
    }
}

/// The words, names, tags and distributions the creators are drawn from.
struct World {
    /// By frequency rank: `words[0]` is the most common.
    words: Vec<String>,
    word_pick: Pick,
    names: Vec<String>,
    tags: Vec<String>,
    tag_pick: Pick,
    /// Per category, the indexes into `tags` of its own tags (`fitness`, `fitnesslife`, …).
    category_tags: Vec<Vec<usize>>,
    category_pick: Pick,
    language_pick: Pick,
    location_pick: Pick,
}

impl World {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_d15c_0bee_0007);
        let mut seen: HashSet<String> = CATEGORIES.iter().map(|c| c.to_string()).collect();
        let mut fresh = |rng: &mut ChaCha8Rng, n: usize| {
            let mut out = Vec::with_capacity(n);
            while out.len() < n {
                let syllables = rng.random_range(2..=3);
                let w = pronounceable(rng, syllables);
                if seen.insert(w.clone()) {
                    out.push(w);
                }
            }
            out
        };
        let words = fresh(&mut rng, VOCABULARY);
        let names = fresh(&mut rng, NAMES);
        let mut tags: Vec<String> = Vec::with_capacity(TAGS);
        for c in CATEGORIES {
            for suffix in ["", "life", "tips", "daily", "lover"] {
                tags.push(format!("{c}{suffix}"));
            }
        }
        let mut ranks: Vec<usize> = (0..VOCABULARY).collect();
        ranks.shuffle(&mut rng);
        for r in ranks.into_iter().take(TAGS - tags.len()) {
            tags.push(words[r].clone());
        }
        tags.shuffle(&mut rng);
        let category_tags = CATEGORIES
            .iter()
            .map(|c| {
                tags.iter()
                    .enumerate()
                    .filter(|(_, t)| t.starts_with(c) && t.len() <= c.len() + 5)
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        World {
            words,
            word_pick: Pick::zipf(VOCABULARY, 1.0),
            names,
            tags,
            tag_pick: Pick::zipf(TAGS, 1.0),
            category_tags,
            category_pick: Pick::zipf(CATEGORIES.len(), 0.9),
            language_pick: Pick::weights(LANGUAGES.iter().map(|(_, w)| *w)),
            location_pick: Pick::zipf(LOCATIONS.len(), 0.8),
        }
    }

    fn text(&self, rng: &mut impl Rng, n: usize) -> String {
        let mut s = String::with_capacity(n * 8);
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&self.words[self.word_pick.sample(rng)]);
        }
        s
    }
}

/// A made-up word of `syllables` consonant-vowel syllables, sometimes closed by a consonant.
fn pronounceable(rng: &mut impl Rng, syllables: usize) -> String {
    const ONSETS: &[&str] = &[
        "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "gr",
        "kl", "pl", "st", "tr", "sh", "ch", "th",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"];
    const CODAS: &[&str] = &["", "", "", "n", "r", "l", "s", "m", "k"];
    let mut w = String::new();
    for _ in 0..syllables {
        w.push_str(ONSETS[rng.random_range(0..ONSETS.len())]);
        w.push_str(VOWELS[rng.random_range(0..VOWELS.len())]);
    }
    w.push_str(CODAS[rng.random_range(0..CODAS.len())]);
    w
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut impl Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn capitalised(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One transaction's rows: the creators' statements' values and the hashtags' rows.
struct Batch {
    creators: Vec<Vec<Value>>,
    tags: Vec<Value>,
    tag_rows: usize,
}

/// Creators `first_id..first_id + n` as INSERT values, `ROWS_PER_STATEMENT` rows a statement.
fn batch(world: &World, rng: &mut impl Rng, first_id: i64, n: usize, now: DateTime<Utc>) -> Batch {
    let mut creators = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut tags: Vec<Value> = Vec::new();
    let mut tag_rows = 0;
    for i in 0..n {
        let id = first_id + i as i64;
        let followers = loop {
            let f = (20_000f64.ln() + 1.5 * normal(rng)).exp();
            if (1_000.0..=10_000_000.0).contains(&f) {
                break f as i64;
            }
        };
        // Engagement falls with size: about 9 % at 1k followers, 2 % at 1M; drawn again
        // outside 0.2–12 % (a clamp would pile creators up on the bounds).
        let base_er = 9.0 * (followers as f64 / 1_000.0).powf(-0.22);
        let engagement = loop {
            let e = round2(base_er * (0.45 * normal(rng)).exp());
            if (0.2..=12.0).contains(&e) {
                break e;
            }
        };
        let growth_30d = round2(-5.0 + 35.0 * rng.random::<f64>().powf(2.5));
        let growth_90d = round2(
            (growth_30d * rng.random_range(1.0..2.5) + rng.random_range(-2.0..2.0))
                .clamp(-5.0, 30.0),
        );
        let no_figures = rng.random_bool(0.02);
        let category = world.category_pick.sample(rng);
        let second = loop {
            let c = rng.random_range(0..CATEGORIES.len());
            if c != category {
                break c;
            }
        };
        let share = round2(rng.random_range(0.5..0.95));
        let categories = serde_json::json!({
            CATEGORIES[category]: share,
            CATEGORIES[second]: round2(1.0 - share),
        });
        let language = LANGUAGES[world.language_pick.sample(rng)].0;
        let location = (!rng.random_bool(0.05)).then(|| LOCATIONS[world.location_pick.sample(rng)]);
        let verified = rng.random_bool(if followers > 1_000_000 { 0.3 } else { 0.0185 });
        let business = rng.random_bool(0.30);
        let first = &world.names[rng.random_range(0..world.names.len())];
        let last = &world.names[rng.random_range(0..world.names.len())];
        let username = format!("{first}_{last}{}", id % 1_000);
        let email = rng
            .random_bool(0.25)
            .then(|| format!("{username}@example.com"));
        let full_name = (!rng.random_bool(0.1))
            .then(|| format!("{} {}", capitalised(first), capitalised(last)));
        let bio_words = rng.random_range(6..=15);
        let bio = world.text(rng, bio_words);
        let caption_words = rng.random_range(30..=50);
        let captions = world.text(rng, caption_words);
        let media_count = ((300f64.ln() + 1.0 * normal(rng)).exp() as i64).clamp(1, 20_000);
        let posts_counted = rng.random_range(12..=50).min(media_count) as i32;
        let days_ago = 400.0 * rng.random::<f64>().powi(2);
        let last_post_at = (now - Duration::seconds((days_ago * 86_400.0) as i64))
            .duration_trunc(Duration::seconds(1))
            .unwrap_or(now);
        let fetched_at = now - Duration::minutes(rng.random_range(0..60 * 24 * 7));
        let profile_id = uuid::Builder::from_random_bytes(rng.random()).into_uuid();

        values.extend([
            Value::from(id),
            profile_id.into(),
            "live".into(),
            username.clone().into(),
            username.to_lowercase().into(),
            full_name.into(),
            Some(bio).into(),
            captions.into(),
            Some(format!(
                "https://cdn.example.com/p/{}.jpg",
                profile_id.simple()
            ))
            .into(),
            followers.into(),
            Some(rng.random_range(50_i64..3_000)).into(),
            Some(media_count).into(),
            (!no_figures).then_some(engagement).into(),
            (!no_figures).then_some(growth_30d).into(),
            (!no_figures).then_some(growth_90d).into(),
            Some(CATEGORIES[category].to_string()).into(),
            categories.into(),
            Some(language.to_string()).into(),
            location.map(str::to_string).into(),
            verified.into(),
            business.into(),
            email.is_some().into(),
            email.into(),
            Some(last_post_at).into(),
            posts_counted.into(),
            "apify".into(),
            Some(fetched_at).into(),
            now.into(),
        ]);
        if values.len() == ROWS_PER_STATEMENT * CREATOR_COLUMNS.len() {
            creators.push(std::mem::take(&mut values));
        }

        let mut chosen: Vec<usize> = Vec::new();
        for _ in 0..rng.random_range(0..=5) {
            let t = if rng.random_bool(0.5) {
                let own = &world.category_tags[category];
                own[rng.random_range(0..own.len())]
            } else {
                world.tag_pick.sample(rng)
            };
            if !chosen.contains(&t) {
                chosen.push(t);
            }
        }
        for t in chosen {
            tags.extend([
                Value::from(id),
                world.tags[t].clone().into(),
                rng.random_range(1..=posts_counted).into(),
            ]);
            tag_rows += 1;
        }
    }
    if !values.is_empty() {
        creators.push(values);
    }
    Batch {
        creators,
        tags,
        tag_rows,
    }
}

/// `INSERT INTO table (cols) VALUES ($1, …), …` for `rows` rows; `?` placeholders on SQLite,
/// where sqlx looks every `$n` up by name (`sqlite3_bind_parameter_name`, a scan of the
/// statement's names): quadratic in the values of a statement, 70 % of the load's time with
/// 5,600 values a statement. Anonymous `?` (what sea-query writes for SQLite) have no names.
fn insert_sql(backend: DbBackend, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            if backend == DbBackend::Postgres {
                sql.push_str(&format!("${n}"));
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql
}

/// Generates `profiles` creators on another thread and inserts them as they come: returns the
/// creators and hashtag rows written.
pub(crate) async fn load(
    db: &DatabaseConnection,
    seed: u64,
    profiles: u64,
    now: DateTime<Utc>,
    database: &str,
) -> Result<(u64, u64)> {
    let backend = db.get_database_backend();
    let total = usize::try_from(profiles)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(2);
    let generator = tokio::task::spawn_blocking(move || {
        let world = World::new(seed);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut first = 0;
        while first < total {
            let n = ROWS_PER_TRANSACTION.min(total - first);
            let b = batch(&world, &mut rng, first as i64 + 1, n, now);
            if tx.blocking_send(b).is_err() {
                return;
            }
            first += n;
        }
    });
    let full_sql = insert_sql(
        backend,
        "disc_creators",
        CREATOR_COLUMNS,
        ROWS_PER_STATEMENT,
    );
    let full_tags_sql = insert_sql(
        backend,
        "disc_creator_hashtags",
        TAG_COLUMNS,
        TAGS_PER_STATEMENT,
    );
    let (mut creators, mut tags) = (0u64, 0u64);
    let started = Instant::now();
    let mut next_report = 100_000;
    let inserted: Result<()> = async {
        while let Some(b) = rx.recv().await {
            let txn = platform::db::begin_write(db).await?;
            for values in b.creators {
                let rows = values.len() / CREATOR_COLUMNS.len();
                let sql = if rows == ROWS_PER_STATEMENT {
                    full_sql.clone()
                } else {
                    insert_sql(backend, "disc_creators", CREATOR_COLUMNS, rows)
                };
                txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                    .await
                    .context("inserting creators")?;
                creators += rows as u64;
            }
            for values in b.tags.chunks(TAGS_PER_STATEMENT * TAG_COLUMNS.len()) {
                let rows = values.len() / TAG_COLUMNS.len();
                let sql = if rows == TAGS_PER_STATEMENT {
                    full_tags_sql.clone()
                } else {
                    insert_sql(backend, "disc_creator_hashtags", TAG_COLUMNS, rows)
                };
                txn.execute_raw(Statement::from_sql_and_values(
                    backend,
                    sql,
                    values.to_vec(),
                ))
                .await
                .context("inserting hashtags")?;
            }
            tags += b.tag_rows as u64;
            txn.commit().await?;
            if creators >= next_report {
                println!(
                    "  {database}: {creators} creators in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
                next_report += 100_000;
            }
        }
        Ok(())
    }
    .await;
    // Dropping the receiver (on an error) ends the generator at its next batch.
    drop(rx);
    generator.await.context("the generator thread")?;
    inserted?;
    if backend == DbBackend::Postgres {
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('disc_creators', 'id'), \
             (SELECT max(id) FROM disc_creators))",
        )
        .await?;
    }
    Ok((creators, tags))
}

// ---- queries ----------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    KeywordPlus3,
    Filters3,
    Keyword,
    SortEngagement,
    Hashtag,
    Baseline,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::KeywordPlus3,
        Kind::Filters3,
        Kind::Keyword,
        Kind::SortEngagement,
        Kind::Hashtag,
        Kind::Baseline,
    ];

    fn label(self) -> &'static str {
        match self {
            Kind::KeywordPlus3 => "kw+3",
            Kind::Filters3 => "3 filters",
            Kind::Keyword => "keyword",
            Kind::SortEngagement => "sort engagement",
            Kind::Hashtag => "hashtag+range",
            Kind::Baseline => "baseline by id",
        }
    }
}

enum Query {
    Search(Box<Filters>),
    ById(i64),
}

/// The filters a generated query may set (a followers range is one filter).
#[derive(Clone, Copy)]
enum Filter {
    Followers,
    Category,
    Language,
    Engagement,
    Growth,
    Posted,
    Business,
    Location,
    Email,
}

const FILTERS: [Filter; 9] = [
    Filter::Followers,
    Filter::Category,
    Filter::Language,
    Filter::Engagement,
    Filter::Growth,
    Filter::Posted,
    Filter::Business,
    Filter::Location,
    Filter::Email,
];

fn set(filter: Filter, f: &mut Filters, world: &World, rng: &mut impl Rng) {
    match filter {
        Filter::Followers => {
            const FLOORS: [i64; 9] = [
                1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
            ];
            let lo = FLOORS[rng.random_range(0..FLOORS.len())];
            f.followers_min = Some(lo);
            f.followers_max = Some(lo * rng.random_range(3..=20));
        }
        Filter::Category => {
            f.category = Some(CATEGORIES[rng.random_range(0..CATEGORIES.len())].into());
        }
        Filter::Language => f.language = Some(LANGUAGES[world.language_pick.sample(rng)].0.into()),
        Filter::Engagement => f.engagement_min = Some(f64::from(rng.random_range(1..=6))),
        Filter::Growth => f.growth_30d_min = Some(f64::from(rng.random_range(0..=20))),
        Filter::Posted => f.posted_within_days = Some([7, 30, 90][rng.random_range(0..3)]),
        Filter::Business => f.business = Some(rng.random_bool(0.5)),
        Filter::Location => f.location = Some(LOCATIONS[world.location_pick.sample(rng)].into()),
        Filter::Email => f.has_email = Some(true),
    }
}

fn mid_word(world: &World, rng: &mut impl Rng) -> String {
    world.words[rng.random_range(MID_RANKS)].clone()
}

fn query(kind: Kind, world: &World, rng: &mut impl Rng, profiles: u64) -> Query {
    let mut f = Filters::default();
    match kind {
        Kind::Baseline => return Query::ById(rng.random_range(1..=profiles as i64)),
        Kind::KeywordPlus3 | Kind::Filters3 => {
            let mut filters = FILTERS;
            filters.shuffle(rng);
            for filter in &filters[..3] {
                set(*filter, &mut f, world, rng);
            }
            if kind == Kind::KeywordPlus3 {
                f.q = Some(mid_word(world, rng));
            } else {
                f.sort = Some(Sort::Followers);
            }
        }
        Kind::Keyword => f.q = Some(mid_word(world, rng)),
        Kind::SortEngagement => {
            set(
                FILTERS[rng.random_range(0..FILTERS.len())],
                &mut f,
                world,
                rng,
            );
            f.sort = Some(Sort::Engagement);
        }
        Kind::Hashtag => {
            f.hashtag = Some(format!("#{}", world.tags[world.tag_pick.sample(rng)]));
            let range =
                [Filter::Followers, Filter::Engagement, Filter::Growth][rng.random_range(0..3)];
            set(range, &mut f, world, rng);
        }
    }
    Query::Search(Box::new(f))
}

/// A query's filters, briefly.
fn describe(f: &Filters) -> String {
    let mut parts = Vec::new();
    if let Some(q) = &f.q {
        parts.push(format!("q={q}"));
    }
    if f.followers_min.is_some() || f.followers_max.is_some() {
        parts.push(format!(
            "followers={}..{}",
            f.followers_min.unwrap_or(0),
            f.followers_max.map_or(String::new(), |m| m.to_string())
        ));
    }
    if let Some(v) = &f.category {
        parts.push(format!("category={v}"));
    }
    if let Some(v) = &f.language {
        parts.push(format!("language={v}"));
    }
    if let Some(v) = f.engagement_min {
        parts.push(format!("engagement>={v}"));
    }
    if let Some(v) = f.growth_30d_min {
        parts.push(format!("growth30>={v}"));
    }
    if let Some(v) = f.posted_within_days {
        parts.push(format!("posted<={v}d"));
    }
    if let Some(v) = f.business {
        parts.push(format!("business={v}"));
    }
    if let Some(v) = &f.location {
        parts.push(format!("location={v}"));
    }
    if let Some(v) = f.has_email {
        parts.push(format!("has_email={v}"));
    }
    if let Some(v) = &f.hashtag {
        parts.push(format!("hashtag={v}"));
    }
    if let Some(s) = f.sort {
        parts.push(format!("sort={s:?}"));
    }
    parts.join(" ")
}

/// A query's time in ms, its counted results and what it asked.
type Timed = (f64, Option<(u64, bool)>, String);

/// Runs one query: its time in ms and the counted results (`None` for a read by id).
async fn time_one(
    db: &DatabaseConnection,
    q: &Query,
    now: DateTime<Utc>,
) -> Result<(f64, Option<(u64, bool)>)> {
    let t = Instant::now();
    let results = match q {
        Query::Search(f) => {
            let found = search::run(db, "live", f, now)
                .await
                .with_context(|| format!("search {}", describe(f)))?;
            Some((found.total, found.more))
        }
        Query::ById(id) => {
            let row = creator::Entity::find_by_id(*id).one(db).await?;
            if row.is_none() {
                bail!("creator {id} not found");
            }
            None
        }
    };
    Ok((t.elapsed().as_secs_f64() * 1000.0, results))
}

async fn queries(
    db: &DatabaseConnection,
    world: &World,
    args: &DiscoveryArgs,
    now: DateTime<Utc>,
) -> Result<Vec<KindFigures>> {
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed.wrapping_add(1));
    for i in 0..WARMUP {
        let kind = Kind::ALL[i % Kind::ALL.len()];
        time_one(db, &query(kind, world, &mut rng, args.profiles), now).await?;
    }
    // Kinds take turns, so that whatever else the machine does falls on all of them alike.
    let mut times: Vec<Vec<Timed>> = vec![Vec::new(); Kind::ALL.len()];
    let started = Instant::now();
    for _ in 0..args.queries {
        for (k, kind) in Kind::ALL.iter().enumerate() {
            let q = query(*kind, world, &mut rng, args.profiles);
            let (ms, results) = time_one(db, &q, now).await?;
            let what = match &q {
                Query::Search(f) => describe(f),
                Query::ById(id) => format!("id={id}"),
            };
            times[k].push((ms, results, what));
        }
        if started.elapsed() > StdDuration::from_secs(1_800) {
            bail!("queries ran for more than 30 minutes: stopping");
        }
    }
    Ok(Kind::ALL
        .iter()
        .zip(times)
        .map(|(kind, mut runs)| {
            runs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let pct = |p: f64| runs[((runs.len() - 1) as f64 * p).round() as usize].0;
            let mut counts: Vec<(u64, bool)> = runs.iter().filter_map(|r| r.1).collect();
            counts.sort();
            let median_results = counts.get(counts.len() / 2).copied();
            let slowest = runs
                .iter()
                .rev()
                .take(args.slowest as usize)
                .map(|(ms, results, what)| {
                    let n = match results {
                        Some((n, true)) => format!(", {n}+ results"),
                        Some((n, false)) => format!(", {n} results"),
                        None => String::new(),
                    };
                    format!("{ms:.1} ms{n}: {what}")
                })
                .collect();
            KindFigures {
                label: kind.label(),
                p50: pct(0.50),
                p95: pct(0.95),
                p99: pct(0.99),
                max: pct(1.0),
                median_results,
                slowest,
            }
        })
        .collect())
}
