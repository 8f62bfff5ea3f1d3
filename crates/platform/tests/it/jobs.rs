use std::{
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

use platform::{
    AppState,
    jobs::{self, Enqueue, Job, JobError, JobMeta, Registry, model, store},
    testkit::{TestApp, spawn},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Executions seen by test jobs: (tag, attempt).
fn runs() -> &'static Mutex<Vec<(String, i32)>> {
    static RUNS: OnceLock<Mutex<Vec<(String, i32)>>> = OnceLock::new();
    RUNS.get_or_init(Mutex::default)
}

fn runs_of(tag: &str) -> Vec<i32> {
    runs()
        .lock()
        .unwrap()
        .iter()
        .filter(|(t, _)| t == tag)
        .map(|(_, a)| *a)
        .collect()
}

/// Records that it ran; fails its first `fail_times` attempts.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    tag: String,
    fail_times: i32,
    permanent: bool,
}

impl Job for Record {
    const KIND: &'static str = "test.record";
    const MAX_ATTEMPTS: i32 = 3;

    fn backoff(_attempt: i32) -> Duration {
        Duration::from_millis(50)
    }

    async fn run(self, _: AppState, meta: JobMeta) -> Result<(), JobError> {
        runs()
            .lock()
            .unwrap()
            .push((self.tag.clone(), meta.attempt));
        if meta.attempt <= self.fail_times {
            return Err(if self.permanent {
                JobError::Permanent(format!("refused on attempt {}", meta.attempt))
            } else {
                JobError::Retry(format!("boom on attempt {}", meta.attempt))
            });
        }
        Ok(())
    }
}

/// Takes longer than its timeout.
#[derive(Debug, Serialize, Deserialize)]
struct Slow {
    tag: String,
}

impl Job for Slow {
    const KIND: &'static str = "test.slow";
    const MAX_ATTEMPTS: i32 = 2;
    const TIMEOUT: Duration = Duration::from_millis(100);

    fn backoff(_attempt: i32) -> Duration {
        Duration::from_millis(10)
    }

    async fn run(self, _: AppState, meta: JobMeta) -> Result<(), JobError> {
        runs()
            .lock()
            .unwrap()
            .push((self.tag.clone(), meta.attempt));
        tokio::time::sleep(Duration::from_secs(2)).await;
        Ok(())
    }
}

/// Rate-limited by the other side, which asks for an hour's wait.
#[derive(Debug, Serialize, Deserialize)]
struct Throttled {
    tag: String,
}

impl Job for Throttled {
    const KIND: &'static str = "test.throttled";
    const MAX_ATTEMPTS: i32 = 3;

    fn backoff(_attempt: i32) -> Duration {
        Duration::from_millis(10)
    }

    async fn run(self, _: AppState, meta: JobMeta) -> Result<(), JobError> {
        runs()
            .lock()
            .unwrap()
            .push((self.tag.clone(), meta.attempt));
        Err(JobError::retry_in(
            "rate limited",
            Duration::from_secs(3600),
        ))
    }
}

fn registrar(r: Registry) -> Registry {
    r.register::<Record>()
        .register::<Slow>()
        .register::<Throttled>()
}

async fn app_with(configure: impl FnOnce(&mut platform::Config)) -> TestApp {
    let mount = vec![platform::Feature::new("test").jobs(registrar)];
    spawn(mount, configure).await
}

async fn app() -> TestApp {
    app_with(|_| {}).await
}

fn tag() -> String {
    Uuid::new_v4().to_string()
}

async fn job(app: &TestApp, id: Uuid) -> model::job::Model {
    store::get(&app.state.db, id).await.unwrap().unwrap()
}

async fn wait_for(app: &TestApp, id: Uuid, state: &str) -> model::job::Model {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let j = job(app, id).await;
        if j.state == state {
            return j;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} stuck in {} (wanted {state}): {:?}",
            j.state,
            j.errors
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_runs() {
    let app = app().await;
    let (kept, dropped) = (tag(), tag());
    let txn = app.state.db.begin().await.unwrap();
    jobs::enqueue(
        &txn,
        &Record {
            tag: dropped.clone(),
            fail_times: 0,
            permanent: false,
        },
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    let txn = app.state.db.begin().await.unwrap();
    let id = jobs::enqueue(
        &txn,
        &Record {
            tag: kept.clone(),
            fail_times: 0,
            permanent: false,
        },
    )
    .await
    .unwrap()
    .unwrap();
    txn.commit().await.unwrap();
    app.state.jobs.wake();
    wait_for(&app, id, model::COMPLETED).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(runs_of(&kept), vec![1]);
    assert!(runs_of(&dropped).is_empty(), "the rolled-back job ran");
    let n = model::job::Entity::find()
        .filter(model::job::Column::Kind.eq("test.record"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(n, 1, "only the committed job exists");
}

#[tokio::test]
async fn failures_retry_with_back_off_then_succeed() {
    let app = app().await;
    let t = tag();
    let id = jobs::enqueue(
        &app.state.db,
        &Record {
            tag: t.clone(),
            fail_times: 2,
            permanent: false,
        },
    )
    .await
    .unwrap()
    .unwrap();
    let done = wait_for(&app, id, model::COMPLETED).await;
    assert_eq!(done.attempt, 3);
    assert_eq!(runs_of(&t), vec![1, 2, 3]);
    let errors = done.errors.as_array().unwrap();
    assert_eq!(errors.len(), 2, "each failed attempt's error is kept");
    assert!(errors[0]["error"].as_str().unwrap().contains("attempt 1"));
}

#[tokio::test]
async fn a_retry_in_waits_as_long_as_the_other_side_asked_not_the_short_backoff() {
    let app = app().await;
    let t = tag();
    let before = chrono::Utc::now();
    let id = jobs::enqueue(&app.state.db, &Throttled { tag: t.clone() })
        .await
        .unwrap()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let j = loop {
        let j = job(&app, id).await;
        if j.attempt == 1 && j.state == model::AVAILABLE {
            break j;
        }
        assert!(Instant::now() < deadline, "never retried: {}", j.state);
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // The job's own backoff is 10 ms; the hour asked for wins.
    assert!(
        j.run_at >= before + chrono::Duration::minutes(59),
        "{}",
        j.run_at
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(runs_of(&t), vec![1], "no second attempt before the hour");
}

#[tokio::test]
async fn a_job_that_exhausts_its_attempts_is_dead_with_every_error() {
    let app = app().await;
    let t = tag();
    let id = jobs::enqueue(
        &app.state.db,
        &Record {
            tag: t.clone(),
            fail_times: 99,
            permanent: false,
        },
    )
    .await
    .unwrap()
    .unwrap();
    let dead = wait_for(&app, id, model::DEAD).await;
    assert_eq!(dead.attempt, 3);
    assert_eq!(dead.errors.as_array().unwrap().len(), 3);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(runs_of(&t), vec![1, 2, 3], "no attempt after the last");

    // A permanent error ends it at once.
    let p = tag();
    let id = jobs::enqueue(
        &app.state.db,
        &Record {
            tag: p.clone(),
            fail_times: 99,
            permanent: true,
        },
    )
    .await
    .unwrap()
    .unwrap();
    let dead = wait_for(&app, id, model::DEAD).await;
    assert_eq!(dead.attempt, 1);

    // An operator retries it: fresh attempts, history kept.
    assert!(store::retry(&app.state.db, id).await.unwrap());
    app.state.jobs.wake();
    let again = wait_for(&app, id, model::DEAD).await;
    assert_eq!(again.errors.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn back_off_grows_exponentially_with_jitter() {
    let d1 = jobs::default_backoff(1).as_secs_f64();
    let d2 = jobs::default_backoff(2).as_secs_f64();
    let d5 = jobs::default_backoff(5).as_secs_f64();
    assert!((13.5..16.5).contains(&d1), "{d1}");
    assert!((27.0..33.0).contains(&d2), "{d2}");
    assert!((216.0..264.0).contains(&d5), "{d5}");
    assert!(
        jobs::default_backoff(40).as_secs() <= 6 * 3600 * 11 / 10,
        "capped"
    );
    let samples: std::collections::HashSet<u128> = (0..20)
        .map(|_| jobs::default_backoff(3).as_millis())
        .collect();
    assert!(samples.len() > 1, "jitter varies the delay");
}

#[tokio::test]
async fn unique_jobs_are_enqueued_once_per_period() {
    let app = app().await;
    let t = tag();
    let opts = || Enqueue {
        unique: Some((format!("refresh:{t}"), Duration::from_secs(3600))),
        ..Enqueue::default()
    };
    let job = Record {
        tag: t.clone(),
        fail_times: 0,
        permanent: false,
    };
    let first = jobs::enqueue_with(&app.state.db, &job, opts())
        .await
        .unwrap();
    let second = jobs::enqueue_with(&app.state.db, &job, opts())
        .await
        .unwrap();
    assert!(first.is_some());
    assert!(second.is_none(), "duplicate within the period is a no-op");
    // Once the period is over the key is free again.
    model::unique::Entity::update_many()
        .col_expr(
            model::unique::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(model::unique::Column::Key.eq(format!("refresh:{t}")))
        .exec(&app.state.db)
        .await
        .unwrap();
    let third = jobs::enqueue_with(&app.state.db, &job, opts())
        .await
        .unwrap();
    assert!(third.is_some());
    // A unique enqueue rolled back leaves the key free.
    let k = tag();
    let txn = app.state.db.begin().await.unwrap();
    let o = Enqueue {
        unique: Some((k.clone(), Duration::from_secs(3600))),
        ..Enqueue::default()
    };
    assert!(
        jobs::enqueue_with(&txn, &job, o.clone())
            .await
            .unwrap()
            .is_some()
    );
    txn.rollback().await.unwrap();
    assert!(
        jobs::enqueue_with(&app.state.db, &job, o)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn an_attempt_past_its_timeout_fails_and_is_retried() {
    let app = app().await;
    let t = tag();
    let id = jobs::enqueue(&app.state.db, &Slow { tag: t.clone() })
        .await
        .unwrap()
        .unwrap();
    let dead = wait_for(&app, id, model::DEAD).await;
    assert_eq!(dead.attempt, 2);
    assert!(
        dead.errors[0]["error"]
            .as_str()
            .unwrap()
            .contains("timed out")
    );
    assert_eq!(runs_of(&t), vec![1, 2]);
}

#[tokio::test]
async fn a_job_whose_worker_died_runs_again_after_its_lease() {
    let app = app_with(|c| c.jobs_lease_secs = 1).await;
    let t = tag();
    let id = jobs::enqueue_with(
        &app.state.db,
        &Record {
            tag: t.clone(),
            fail_times: 0,
            permanent: false,
        },
        Enqueue {
            queue: Some("ghosts".into()),
            ..Enqueue::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    // A worker of another process claims it and dies without a word.
    let claimed = store::claim(
        &app.state.db,
        "ghosts",
        "ghost-1",
        1,
        platform::db::now() + chrono::Duration::milliseconds(300),
        true,
    )
    .await
    .unwrap();
    assert_eq!(claimed.len(), 1);
    // Move it to a queue our workers serve once the lease is gone: the rescuer puts it back.
    let rescued = wait_for(&app, id, model::AVAILABLE).await;
    assert!(
        rescued.errors[0]["error"]
            .as_str()
            .unwrap()
            .contains("lease expired")
    );
    model::job::Entity::update_many()
        .col_expr(
            model::job::Column::Queue,
            sea_orm::sea_query::Expr::value("default"),
        )
        .filter(model::job::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();
    app.state.jobs.wake();
    let done = wait_for(&app, id, model::COMPLETED).await;
    assert_eq!(done.attempt, 2);
    assert_eq!(runs_of(&t), vec![2]);
}

#[tokio::test]
async fn graceful_shutdown_finishes_running_jobs_and_releases_the_rest() {
    let mut app = app_with(|c| c.jobs_shutdown_grace_secs = 2).await;
    let short = jobs::enqueue(&app.state.db, &jobs::builtin::Sleep { millis: 300 })
        .await
        .unwrap()
        .unwrap();
    let long = jobs::enqueue(&app.state.db, &jobs::builtin::Sleep { millis: 30_000 })
        .await
        .unwrap()
        .unwrap();
    app.state.jobs.wake();
    wait_for(&app, short, model::EXECUTING).await;
    wait_for(&app, long, model::EXECUTING).await;
    let started = Instant::now();
    app.runner.take().unwrap().shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        job(&app, short).await.state,
        model::COMPLETED,
        "finished within the grace period"
    );
    let released = job(&app, long).await;
    assert_eq!(
        released.state,
        model::AVAILABLE,
        "released for another worker"
    );
    assert_eq!(released.attempt, 0, "a release does not use up an attempt");
    assert!(released.worker.is_none());
}

#[tokio::test]
async fn cron_with_two_nodes_enqueues_one_job_per_tick() {
    let app = app().await;
    let name: &'static str = Box::leak(format!("every-second-{}", tag()).into_boxed_str());
    let schedule = || {
        jobs::cron::effective(
            vec![jobs::cron::Schedule::new(
                name,
                "* * * * * *",
                jobs::builtin::Noop::default,
            )],
            &Default::default(),
        )
        .unwrap()
    };
    // Two schedulers, each with its own database connection, as on two nodes.
    let (stop, rx) = tokio::sync::watch::channel(false);
    let mut other = app.state.parts();
    other.db = match app.state.db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            let path = app.state.config.data_dir.join("test.db");
            platform::db::connect_url(&format!("sqlite://{}?mode=rwc", path.display()), 2)
                .await
                .unwrap()
        }
        _ => app.state.db.clone(),
    };
    let a = tokio::spawn(jobs::cron::run(app.state.clone(), schedule(), rx.clone()));
    let b = tokio::spawn(jobs::cron::run(
        platform::AppState::new(other),
        schedule(),
        rx,
    ));
    tokio::time::sleep(Duration::from_millis(3500)).await;
    stop.send(true).unwrap();
    a.await.unwrap();
    b.await.unwrap();
    let jobs = model::job::Entity::find()
        .filter(model::job::Column::UniqueKey.like(format!("cron:{name}:%")))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(jobs.len() >= 3, "about one job a second: {}", jobs.len());
    let mut keys: Vec<&str> = jobs
        .iter()
        .filter_map(|j| j.unique_key.as_deref())
        .collect();
    keys.sort();
    let before = keys.len();
    keys.dedup();
    assert_eq!(before, keys.len(), "one job per tick");
}

#[tokio::test]
async fn a_bad_cron_expression_is_refused_at_start() {
    let schedules = vec![jobs::cron::Schedule::new(
        "x",
        "not cron",
        jobs::builtin::Noop::default,
    )];
    assert!(jobs::cron::effective(schedules, &Default::default()).is_err());
    let off = std::collections::BTreeMap::from([("prune_jobs".to_string(), "off".to_string())]);
    assert!(
        jobs::cron::effective(jobs::builtin::schedules(), &off)
            .unwrap()
            .is_empty()
    );
}
