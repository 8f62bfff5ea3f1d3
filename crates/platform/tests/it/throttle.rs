//! The throttle on a real database: slots are taken atomically, so attempts in flight — from
//! several connection pools, as several `serve` processes would — never overshoot a limit.

use platform::{
    Error,
    throttle::{self, Bucket, Limit},
};
use sea_orm::DatabaseConnection;

/// Two pools on one new database: two server processes sharing it.
async fn two_processes() -> (tempfile::TempDir, DatabaseConnection, DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let url = platform::testkit::fresh_database_url(dir.path()).await;
    let a = platform::db::connect_url(&url, 5).await.unwrap();
    platform::db::migrate(&a).await.unwrap();
    let b = platform::db::connect_url(&url, 5).await.unwrap();
    (dir, a, b)
}

const TEN: Limit = Limit {
    attempts: 10,
    window_secs: 900,
};

#[tokio::test]
async fn sixty_attempts_in_flight_from_two_processes_take_exactly_the_limit() {
    let (_dir, a, b) = two_processes().await;
    let mut tasks = Vec::new();
    for i in 0..60 {
        let db = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            throttle::take(
                &db,
                vec![
                    Bucket::shared(
                        "t:ip:198.51.100.7",
                        Limit {
                            attempts: 50,
                            window_secs: 900,
                        },
                    ),
                    Bucket::guesser("t:pair:198.51.100.7:acct:victim@example.com", TEN),
                ],
            )
            .await
        }));
    }
    let mut taken = Vec::new();
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(slots) => taken.push(slots),
            Err(Error::TooManyRequests { retry_after_secs }) => {
                assert!((1..=900).contains(&retry_after_secs));
                refused += 1;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(taken.len(), 10, "exactly the limit is evaluated");
    assert_eq!(refused, 50);
    // A refused attempt counts nowhere: the address's bucket holds the ten taken slots only.
    assert_eq!(
        throttle::count(&a, "t:ip:198.51.100.7", TEN).await.unwrap(),
        10
    );
    for slots in taken {
        slots.failed(&b).await.unwrap();
    }
    assert_eq!(
        throttle::count(&a, "t:pair:198.51.100.7:acct:victim@example.com", TEN)
            .await
            .unwrap(),
        10
    );
}

#[tokio::test]
async fn a_success_gives_its_slot_back_and_a_guesser_waits_growing_delays() {
    let (_dir, db, _) = two_processes().await;
    let shared = || Bucket::shared("t:acct:a@example.com", TEN);
    // Successes never fill a shared bucket.
    for _ in 0..25 {
        throttle::take(&db, vec![shared()])
            .await
            .unwrap()
            .succeeded(&db)
            .await
            .unwrap();
    }
    assert_eq!(
        throttle::count(&db, "t:acct:a@example.com", TEN)
            .await
            .unwrap(),
        0
    );

    // A guesser's first failures cost nothing; after them each failure makes the next
    // attempt wait.
    let guesser = || Bucket::guesser("t:pair:x:acct:a@example.com", TEN);
    for _ in 0..throttle::FREE_FAILURES {
        throttle::take(&db, vec![guesser()])
            .await
            .unwrap()
            .failed(&db)
            .await
            .unwrap();
    }
    throttle::take(&db, vec![guesser()])
        .await
        .unwrap()
        .failed(&db)
        .await
        .unwrap();
    match throttle::take(&db, vec![guesser(), shared()]).await {
        Err(Error::TooManyRequests { retry_after_secs }) => {
            assert!((1..=2).contains(&retry_after_secs), "{retry_after_secs}");
        }
        other => panic!("the delay runs: {other:?}"),
    }
    // Refused as a whole: the shared bucket of the same attempt was not counted.
    assert_eq!(
        throttle::count(&db, "t:acct:a@example.com", TEN)
            .await
            .unwrap(),
        0
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    // The delay is over; a success forgets the guesser's failures.
    throttle::take(&db, vec![guesser()])
        .await
        .unwrap()
        .succeeded(&db)
        .await
        .unwrap();
    assert_eq!(
        throttle::count(&db, "t:pair:x:acct:a@example.com", TEN)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_new_window_starts_when_the_old_one_is_over() {
    let (_dir, db, _) = two_processes().await;
    let short = Limit {
        attempts: 2,
        window_secs: 1,
    };
    for _ in 0..2 {
        throttle::take(&db, vec![Bucket::shared("t:w", short)])
            .await
            .unwrap()
            .spent();
    }
    assert!(matches!(
        throttle::take(&db, vec![Bucket::shared("t:w", short)]).await,
        Err(Error::TooManyRequests { .. })
    ));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    throttle::take(&db, vec![Bucket::shared("t:w", short)])
        .await
        .unwrap()
        .spent();
    assert_eq!(throttle::count(&db, "t:w", short).await.unwrap(), 1);
}
