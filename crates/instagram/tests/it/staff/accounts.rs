//! The Instagram accounts of every workspace in the back office: the page and the staff API
//! list them with their workspace's name, support sees their totals on the dashboard (page and
//! JSON), finance does not.

use platform::staff::StaffRole;
use reqwest::StatusCode;
use serde_json::Value;

use super::{app, staff, staff_browser, staff_token, text};
use crate::{customer, workspace_id};

#[tokio::test]
async fn instagram_accounts_of_every_workspace_for_support() {
    let app = app().await;
    let ada = customer(&app, "ada@example.com", "Analytical").await;
    let ws = workspace_id(&app, &ada).await;
    instagram::service::accounts::add_demo(
        &app.state,
        &platform::Scope::for_test(ws),
        "demo.for.staff",
        None,
    )
    .await
    .unwrap();
    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let browser = staff_browser(&app, &support).await;
    let (status, page) = text(&browser, &app, "/admin/instagram?q=FOR.STAFF").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("@demo.for.staff")
            && page.contains("Analytical")
            && page.contains("Demo data")
    );
    let (_, none) = text(&browser, &app, "/admin/instagram?q=nobody").await;
    assert!(none.contains("No Instagram accounts match"));
    let (_, dash) = text(&browser, &app, "/admin").await;
    assert!(
        dash.contains("Instagram accounts"),
        "support sees the Instagram card"
    );
    let t = staff_token(&app, &support).await;
    let body: Value = app
        .api()
        .get(app.url("/api/v1/admin/instagram/accounts"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["username"], "demo.for.staff");
    assert_eq!(body["items"][0]["kind"], "demo");
    assert_eq!(
        body["items"][0]["workspace"], "Analytical",
        "named through the workspace directory"
    );
    let dash: Value = app
        .api()
        .get(app.url("/api/v1/admin/dashboard"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(dash["instagram"]["accounts"], 1);
    assert_eq!(dash["instagram"]["demo"], 1);
    let finance = staff(&app, "finance@example.com", StaffRole::Finance).await;
    let ft = staff_token(&app, &finance).await;
    let dash: Value = app
        .api()
        .get(app.url("/api/v1/admin/dashboard"))
        .bearer_auth(&ft)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(dash.get("instagram").is_none(), "not finance's area");
}
