//! The back office's htmx actions (the bell's "mark read", "Test connection") answer their
//! errors as toasts, never as a whole page swapped into the bell or the settings form.

use platform::staff::StaffRole;
use reqwest::StatusCode;
use serde_json::Value;

use crate::{app, staff, staff_browser};

fn toast(res: &reqwest::Response) -> Value {
    assert_eq!(res.headers()["hx-reswap"], "none", "{}", res.status());
    let raw = res.headers()["hx-trigger"].to_str().unwrap();
    serde_json::from_str::<Value>(raw).unwrap()["gd:toast"].clone()
}

#[tokio::test]
async fn back_office_htmx_errors_are_toasts() {
    let app = app().await;
    let support = staff(&app, "support@example.com", StaffRole::Support).await;
    let (browser, _) = staff_browser(&app, &support).await;
    let htmx = |path: &str| {
        browser
            .post(app.url(path))
            .header("HX-Request", "true")
            .header("HX-Target", "bell")
    };

    // The bell's "mark read" of a notification that is not there: 404, a toast.
    let res = htmx(&format!(
        "/admin/notifications/{}/read",
        uuid::Uuid::now_v7()
    ))
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(toast(&res)["kind"], "error");
    assert_eq!(res.text().await.unwrap(), "");

    // "Mark all read" works and answers the bell fragment, not a page.
    let res = htmx("/admin/notifications/read-all").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.trim_start().starts_with("<details class=\"bell\""),
        "{html}"
    );

    // "Test connection" is not for support: 403, a toast saying why.
    let res = htmx("/admin/settings/test/smtp").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!toast(&res)["message"].as_str().unwrap().is_empty());
    assert_eq!(res.text().await.unwrap(), "");

    // Signed out: the bell's refresh is sent to the staff sign-in as a whole page.
    let res = app
        .browser()
        .get(app.url("/admin/notifications/bell"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        res.headers()["hx-redirect"]
            .to_str()
            .unwrap()
            .starts_with("/admin/login?next=")
    );
}
