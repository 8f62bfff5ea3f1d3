//! The users CSV export streams: exporting 100,000 generated accounts stays under a fixed
//! memory ceiling, however many rows there are. Its own test binary, because it counts every
//! allocation of the process (`peak_alloc` as the global allocator): the server, the database
//! driver and the client reading the download all run here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use peak_alloc::PeakAlloc;
use platform::staff::StaffRole;
use platform::testkit::spawn;
use serde_json::{Value, json};

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

const USERS: u64 = 100_000;
/// Measured: streamed in batches of 1,000 the export peaks at ~1 MB above the baseline; read
/// in one query (batch size above 100,000) the same export peaks at ~93 MB.
const CEILING_MB: f32 = 16.0;
const PASSWORD: &str = "correct horse battery staple";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporting_100k_users_stays_under_the_memory_ceiling() {
    let app = spawn(
        vec![identity::feature(), billing::feature(), admin::feature()],
        |_| {},
    )
    .await;
    let inserted = identity::service::directory::insert_generated(&app.state.db, "load", USERS)
        .await
        .unwrap();
    assert_eq!(inserted, USERS);
    let created = admin::service::create(
        &app.state,
        "root@example.com",
        "Root",
        StaffRole::Support,
        PASSWORD,
    )
    .await
    .unwrap();
    let otp = platform::totp::code_at(&created.secret, platform::totp::unix_now()).unwrap();
    let res = app
        .api()
        .post(app.url("/api/v1/admin/auth/token"))
        .json(&json!({ "email": "root@example.com", "password": PASSWORD, "otp": otp }))
        .send()
        .await
        .unwrap();
    let token: Value = res.json().await.unwrap();
    let token = token["token"].as_str().unwrap().to_string();

    let baseline = PEAK.current_usage_as_mb();
    PEAK.reset_peak_usage();
    let res = app
        .api()
        .get(app.url("/api/v1/admin/users/export"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.content_length().is_none(),
        "streamed, not sized up front"
    );
    let mut lines = 0u64;
    let mut bytes = 0u64;
    let mut res = res;
    while let Some(chunk) = res.chunk().await.unwrap() {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    let peak = PEAK.peak_usage_as_mb() - baseline;
    println!(
        "users CSV export: {USERS} users, {lines} lines, {:.1} MB sent; peak heap above baseline {peak:.1} MB (ceiling {CEILING_MB} MB)",
        bytes as f64 / 1e6
    );
    assert_eq!(lines, USERS + 1, "header + every user");
    assert!(
        peak < CEILING_MB,
        "the export held {peak:.1} MB at its peak (ceiling {CEILING_MB} MB): is it still streamed?"
    );
}
