//! The daily token renewal against a local Instagram: due tokens are exchanged for new 60-day
//! ones and stored sealed; a refused token (190) asks for a reconnect; young tokens are left
//! alone; the job is on the cron schedule.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use serde_json::json;
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path, query_param},
};

use super::fake_instagram::*;
use super::*;

const TOKEN_PURPOSE: &str = "ig_token";

async fn age(app: &TestApp, id: &str, issued_days_ago: i64, expires_in_days: i64) {
    let mut row = account_row(app, id).await.into_active_model();
    row.token_refreshed_at = Set(Some(Utc::now() - Duration::days(issued_days_ago)));
    row.token_expires_at = Set(Some(Utc::now() + Duration::days(expires_in_days)));
    row.update(&app.state.db).await.unwrap();
}

async fn run_renewal(app: &TestApp) -> platform::jobs::model::job::Model {
    let id = platform::jobs::enqueue(&app.state.db, &instagram::jobs::RefreshTokens::default())
        .await
        .unwrap()
        .unwrap();
    app.state.jobs.wake();
    for _ in 0..300 {
        let job = platform::jobs::store::get(&app.state.db, id)
            .await
            .unwrap()
            .unwrap();
        if job.state != "executing" && job.attempt > 0 {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the renewal never ran");
}

fn refresh_answers(token: &str, status: u16, body: serde_json::Value) -> Mock {
    Mock::given(method("GET"))
        .and(path("/refresh_access_token"))
        .and(query_param("grant_type", "ig_refresh_token"))
        .and(query_param("access_token", token))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
}

#[tokio::test]
async fn due_tokens_are_renewed_and_refused_ones_need_a_reconnect() {
    let ig = FakeInstagram::start().await;
    let app = app_with(|c| ig.configure(c)).await;
    let (browser, token) = signed_in(&app, "owner@example.com", "Agency").await;
    ig.mount_insights().await;
    let accounts = [
        IgAccount {
            user_id: "17841400000000501",
            username: "expiring.soon",
            code: "code-501",
            short_token: "IGQVJ-short-501",
            long_token: "IGAAT-long-501",
            followers: 501,
        },
        IgAccount {
            user_id: "17841400000000502",
            username: "revoked.app",
            code: "code-502",
            short_token: "IGQVJ-short-502",
            long_token: "IGAAT-long-502",
            followers: 502,
        },
        IgAccount {
            user_id: "17841400000000503",
            username: "just.connected",
            code: "code-503",
            short_token: "IGQVJ-short-503",
            long_token: "IGAAT-long-503",
            followers: 503,
        },
        IgAccount {
            user_id: "17841400000000504",
            username: "renewed.lastweek",
            code: "code-504",
            short_token: "IGQVJ-short-504",
            long_token: "IGAAT-long-504",
            followers: 504,
        },
    ];
    let mut ids = Vec::new();
    for a in &accounts {
        ig.mount_login(a).await;
        ig.mount_media_pages(a, vec![vec![]]).await;
        ids.push(connect(&app, &browser, &token, a).await);
    }
    age(&app, &ids[0], 52, 8).await;
    age(&app, &ids[1], 52, 8).await;
    age(&app, &ids[3], 8, 52).await;
    refresh_answers("IGAAT-long-501", 200, json!({ "access_token": "IGAAT-renewed-501", "token_type": "bearer", "expires_in": 5_184_000 }))
        .mount(&ig.server)
        .await;
    refresh_answers("IGAAT-long-502", 400, graph_error(190, "Error validating access token: The user has not authorized application 990602627938098."))
        .mount(&ig.server)
        .await;
    refresh_answers("IGAAT-long-504", 200, json!({ "access_token": "IGAAT-renewed-504", "token_type": "bearer", "expires_in": 5_184_000 }))
        .mount(&ig.server)
        .await;

    let job = run_renewal(&app).await;
    assert_eq!(job.state, "completed", "{:?}", job.errors);

    // Renewed: the new token, sealed; a new 60-day expiry.
    for (i, renewed) in [(0, "IGAAT-renewed-501"), (3, "IGAAT-renewed-504")] {
        let row = account_row(&app, &ids[i]).await;
        let sealed = row.access_token.clone().unwrap();
        assert!(!sealed.contains(renewed));
        assert_eq!(
            app.state.keys.decrypt_str(TOKEN_PURPOSE, &sealed).unwrap(),
            renewed
        );
        let expires = row.token_expires_at.unwrap();
        assert!(expires > Utc::now() + Duration::days(59), "{expires}");
        assert!(row.token_refreshed_at.unwrap() > Utc::now() - Duration::minutes(1));
        assert_eq!(row.status, "active");
    }
    // Refused: reconnect needed, in the activity log.
    let revoked = account_row(&app, &ids[1]).await;
    assert_eq!(revoked.status, "reconnect_needed");
    assert_eq!(
        app.state
            .keys
            .decrypt_str(TOKEN_PURPOSE, revoked.access_token.as_deref().unwrap())
            .unwrap(),
        "IGAAT-long-502",
        "the old token is kept until the account is connected again"
    );
    let log = platform::audit::by_action(&app.state.db, "instagram.reconnect_needed")
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].target_id.as_deref(), Some(ids[1].as_str()));
    // Fresh from the login: not touched (Instagram refuses tokens younger than 24 hours).
    let fresh = account_row(&app, &ids[2]).await;
    assert_eq!(
        app.state
            .keys
            .decrypt_str(TOKEN_PURPOSE, fresh.access_token.as_deref().unwrap())
            .unwrap(),
        "IGAAT-long-503"
    );
    let calls = ig.requests_to("/refresh_access_token").await;
    assert_eq!(calls.len(), 3);
    assert!(
        calls
            .iter()
            .all(|r| !r.url.query().unwrap().contains("IGAAT-long-503"))
    );

    // Run again: nothing is due any more.
    let job = run_renewal(&app).await;
    assert_eq!(job.state, "completed");
    assert_eq!(ig.requests_to("/refresh_access_token").await.len(), 3);
}

#[tokio::test]
async fn a_passing_failure_is_retried() {
    let ig = FakeInstagram::start().await;
    let app = app_with(|c| ig.configure(c)).await;
    let (browser, token) = signed_in(&app, "owner@example.com", "Agency").await;
    ig.mount_insights().await;
    ig.mount_login(&MIA).await;
    ig.mount_media_pages(&MIA, vec![vec![]]).await;
    let id = connect(&app, &browser, &token, &MIA).await;
    age(&app, &id, 55, 5).await;
    refresh_answers(MIA.long_token, 503, json!({ "error": { "message": "Service temporarily unavailable", "type": "OAuthException", "code": 2, "is_transient": true } }))
        .mount(&ig.server)
        .await;
    let job = run_renewal(&app).await;
    assert_eq!(job.state, "available", "retried later");
    assert!(job.errors.to_string().contains("could not be renewed"));
    let row = account_row(&app, &id).await;
    assert_eq!(row.status, "active");
    assert_eq!(
        app.state
            .keys
            .decrypt_str(TOKEN_PURPOSE, row.access_token.as_deref().unwrap())
            .unwrap(),
        MIA.long_token
    );
}

#[test]
fn the_renewal_runs_daily() {
    let schedules = instagram::jobs::schedules();
    let s = schedules
        .iter()
        .find(|s| s.name == "instagram_tokens")
        .expect("declared");
    let effective = platform::jobs::cron::effective(vec![s.clone()], &Default::default()).unwrap();
    assert_eq!(effective.len(), 1);
    // Once a day: minute and hour fixed.
    let fields: Vec<&str> = s.expr.split_whitespace().collect();
    assert_eq!(fields.len(), 5);
    assert!(fields[0].parse::<u32>().is_ok() && fields[1].parse::<u32>().is_ok());
    assert_eq!(&fields[2..], ["*", "*", "*"]);
}
