//! The role matrix: every staff page and staff API route × anonymous, a customer, and each
//! staff role → the expected answer. Staff routes of any mounted feature without a row here
//! fail the coverage checks at the end (pages from the features' registered staff routes, API
//! routes from the assembled OpenAPI document), so the matrix cannot silently fall behind
//! when a screen moves to its feature or a new one appears.

use platform::staff::{StaffPermission, StaffRole, staff_has};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;

/// Who may use a route.
#[derive(Clone, Copy, Debug)]
enum Gate {
    /// Any signed-in staff member.
    Staff,
    Needs(StaffPermission),
}

impl Gate {
    fn allows(&self, role: StaffRole) -> bool {
        match self {
            Gate::Staff => true,
            Gate::Needs(p) => staff_has(role, *p),
        }
    }
}

struct Route {
    method: Method,
    /// The path as routed (`{id}` placeholders), for the coverage check.
    template: &'static str,
    /// The path requested.
    path: String,
    gate: Gate,
    /// JSON body of API calls (valid, so a role is judged before the input).
    body: Option<Value>,
}

fn r(method: Method, template: &'static str, path: String, gate: Gate) -> Route {
    Route {
        method,
        template,
        path,
        gate,
        body: None,
    }
}

/// Routes anyone may call: the staff sign-in steps and the invitation link.
const PUBLIC_PAGES: &[&str] = &[
    "/admin/login",
    "/admin/login/code",
    "/admin/enrol",
    "/admin/logout",
    "/admin/invitation/{token}",
];
const PUBLIC_API: &[&str] = &["/api/v1/admin/auth/token"];

fn pages(ids: &Ids) -> Vec<Route> {
    use Gate::*;
    use Method as M;
    use StaffPermission as P;
    let x = &ids.unknown;
    vec![
        r(M::GET, "/admin", "/admin".into(), Needs(P::Dashboard)),
        r(
            M::GET,
            "/admin/instagram",
            "/admin/instagram".into(),
            Needs(P::Customers),
        ),
        r(
            M::GET,
            "/admin/settings",
            "/admin/settings".into(),
            Needs(P::System),
        ),
        r(
            M::POST,
            "/admin/settings",
            "/admin/settings".into(),
            Needs(P::System),
        ),
        r(
            M::POST,
            "/admin/settings/test/{integration}",
            "/admin/settings/test/openai".into(),
            Needs(P::System),
        ),
        r(
            M::GET,
            "/admin/events",
            "/admin/events".into(),
            Needs(P::Dashboard),
        ),
        r(
            M::GET,
            "/admin/notifications",
            "/admin/notifications".into(),
            Staff,
        ),
        r(
            M::GET,
            "/admin/notifications/bell",
            "/admin/notifications/bell".into(),
            Staff,
        ),
        r(
            M::POST,
            "/admin/notifications/read-all",
            "/admin/notifications/read-all".into(),
            Staff,
        ),
        r(
            M::POST,
            "/admin/notifications/{id}/read",
            format!("/admin/notifications/{x}/read"),
            Staff,
        ),
        r(
            M::GET,
            "/admin/users",
            "/admin/users".into(),
            Needs(P::Customers),
        ),
        r(
            M::GET,
            "/admin/users/export",
            "/admin/users/export".into(),
            Needs(P::Customers),
        ),
        r(
            M::GET,
            "/admin/users/{id}",
            format!("/admin/users/{}", ids.user),
            Needs(P::Customers),
        ),
        r(
            M::POST,
            "/admin/users/{id}/block",
            format!("/admin/users/{x}/block"),
            Needs(P::Customers),
        ),
        r(
            M::POST,
            "/admin/users/{id}/unblock",
            format!("/admin/users/{x}/unblock"),
            Needs(P::Customers),
        ),
        r(
            M::POST,
            "/admin/users/{id}/sign-out",
            format!("/admin/users/{x}/sign-out"),
            Needs(P::Customers),
        ),
        r(
            M::POST,
            "/admin/users/{id}/password-reset",
            format!("/admin/users/{x}/password-reset"),
            Needs(P::Customers),
        ),
        r(
            M::POST,
            "/admin/users/{id}/delete",
            format!("/admin/users/{x}/delete"),
            Needs(P::Customers),
        ),
        r(
            M::GET,
            "/admin/workspaces",
            "/admin/workspaces".into(),
            Needs(P::Customers),
        ),
        r(
            M::GET,
            "/admin/workspaces/{id}",
            format!("/admin/workspaces/{}", ids.workspace),
            Needs(P::Customers),
        ),
        r(
            M::GET,
            "/admin/activity",
            "/admin/activity".into(),
            Needs(P::ActivityLog),
        ),
        r(
            M::GET,
            "/admin/activity/export",
            "/admin/activity/export".into(),
            Needs(P::ActivityLog),
        ),
        r(
            M::GET,
            "/admin/outbox",
            "/admin/outbox".into(),
            Needs(P::Outbox),
        ),
        r(
            M::POST,
            "/admin/outbox/{id}/retry",
            format!("/admin/outbox/{x}/retry"),
            Needs(P::Outbox),
        ),
        r(M::GET, "/admin/jobs", "/admin/jobs".into(), Needs(P::Jobs)),
        r(
            M::POST,
            "/admin/jobs/{id}/retry",
            format!("/admin/jobs/{x}/retry"),
            Needs(P::Jobs),
        ),
        r(
            M::POST,
            "/admin/jobs/{id}/discard",
            format!("/admin/jobs/{x}/discard"),
            Needs(P::Jobs),
        ),
        r(M::GET, "/admin/account", "/admin/account".into(), Staff),
        r(
            M::POST,
            "/admin/account/password",
            "/admin/account/password".into(),
            Staff,
        ),
        r(
            M::POST,
            "/admin/account/sessions/end-others",
            "/admin/account/sessions/end-others".into(),
            Staff,
        ),
        r(
            M::POST,
            "/admin/account/backup-codes",
            "/admin/account/backup-codes".into(),
            Staff,
        ),
        r(
            M::GET,
            "/admin/staff",
            "/admin/staff".into(),
            Needs(P::System),
        ),
        r(
            M::POST,
            "/admin/staff/invite",
            "/admin/staff/invite".into(),
            Needs(P::System),
        ),
        r(
            M::GET,
            "/admin/staff/{id}",
            format!("/admin/staff/{}", ids.staff),
            Needs(P::System),
        ),
        r(
            M::POST,
            "/admin/staff/{id}/role",
            format!("/admin/staff/{x}/role"),
            Needs(P::System),
        ),
        r(
            M::POST,
            "/admin/staff/{id}/allowlist",
            format!("/admin/staff/{x}/allowlist"),
            Needs(P::System),
        ),
        r(
            M::POST,
            "/admin/staff/{id}/reset-2fa",
            format!("/admin/staff/{x}/reset-2fa"),
            Needs(P::System),
        ),
        r(
            M::POST,
            "/admin/staff/{id}/disable",
            format!("/admin/staff/{x}/disable"),
            Needs(P::System),
        ),
        r(
            M::POST,
            "/admin/staff/{id}/enable",
            format!("/admin/staff/{x}/enable"),
            Needs(P::System),
        ),
        r(
            M::GET,
            "/admin/api-clients",
            "/admin/api-clients".into(),
            Needs(P::DataService),
        ),
        r(
            M::POST,
            "/admin/api-clients",
            "/admin/api-clients".into(),
            Needs(P::DataService),
        ),
        r(
            M::GET,
            "/admin/api-clients/{id}",
            format!("/admin/api-clients/{}", ids.api_client),
            Needs(P::DataService),
        ),
        r(
            M::POST,
            "/admin/api-clients/{id}/rotate",
            format!("/admin/api-clients/{x}/rotate"),
            Needs(P::DataService),
        ),
        r(
            M::POST,
            "/admin/api-clients/{id}/revoke",
            format!("/admin/api-clients/{x}/revoke"),
            Needs(P::DataService),
        ),
        r(
            M::POST,
            "/admin/api-clients/{id}/keys/{key_id}/revoke",
            format!("/admin/api-clients/{x}/keys/{x}/revoke"),
            Needs(P::DataService),
        ),
    ]
    .into_iter()
    .chain(billing_pages(ids))
    .collect()
}

/// The billing pages (super admin and finance).
fn billing_pages(ids: &Ids) -> Vec<Route> {
    use Method as M;
    let x = &ids.unknown;
    let ws = &ids.workspace;
    let gate = Gate::Needs(StaffPermission::Billing);
    [
        (M::GET, "/admin/billing", "/admin/billing".to_string()),
        (
            M::GET,
            "/admin/billing/revenue",
            "/admin/billing/revenue".into(),
        ),
        (
            M::GET,
            "/admin/billing/plans",
            "/admin/billing/plans".into(),
        ),
        (
            M::POST,
            "/admin/billing/plans",
            "/admin/billing/plans".into(),
        ),
        (
            M::GET,
            "/admin/billing/plans/new",
            "/admin/billing/plans/new".into(),
        ),
        (
            M::GET,
            "/admin/billing/plans/{id}",
            format!("/admin/billing/plans/{}", ids.plan),
        ),
        (
            M::POST,
            "/admin/billing/plans/{id}",
            format!("/admin/billing/plans/{x}"),
        ),
        (
            M::POST,
            "/admin/billing/plans/{id}/enable",
            format!("/admin/billing/plans/{x}/enable"),
        ),
        (
            M::POST,
            "/admin/billing/plans/{id}/disable",
            format!("/admin/billing/plans/{x}/disable"),
        ),
        (
            M::GET,
            "/admin/billing/subscriptions",
            "/admin/billing/subscriptions".into(),
        ),
        (
            M::GET,
            "/admin/billing/subscriptions/{id}",
            format!("/admin/billing/subscriptions/{ws}"),
        ),
        (
            M::POST,
            "/admin/billing/subscriptions/{id}/comp",
            format!("/admin/billing/subscriptions/{x}/comp"),
        ),
        (
            M::POST,
            "/admin/billing/subscriptions/{id}/end-comp",
            format!("/admin/billing/subscriptions/{x}/end-comp"),
        ),
        (
            M::POST,
            "/admin/billing/subscriptions/{id}/cancel",
            format!("/admin/billing/subscriptions/{x}/cancel"),
        ),
        (
            M::POST,
            "/admin/billing/subscriptions/{id}/cancel-now",
            format!("/admin/billing/subscriptions/{x}/cancel-now"),
        ),
        (
            M::POST,
            "/admin/billing/subscriptions/{id}/change-plan",
            format!("/admin/billing/subscriptions/{x}/change-plan"),
        ),
        (
            M::POST,
            "/admin/billing/subscriptions/{id}/sync",
            format!("/admin/billing/subscriptions/{x}/sync"),
        ),
        (
            M::GET,
            "/admin/billing/pricing",
            "/admin/billing/pricing".into(),
        ),
        (
            M::POST,
            "/admin/billing/pricing/{action}",
            "/admin/billing/pricing/no_such_action".into(),
        ),
        (
            M::GET,
            "/admin/billing/self-hosted",
            "/admin/billing/self-hosted".into(),
        ),
        (
            M::POST,
            "/admin/billing/self-hosted/move-all",
            "/admin/billing/self-hosted/move-all".into(),
        ),
        (
            M::POST,
            "/admin/billing/self-hosted/{id}/move",
            format!("/admin/billing/self-hosted/{x}/move"),
        ),
        (
            M::POST,
            "/admin/workspaces/{id}/credits",
            format!("/admin/workspaces/{x}/credits"),
        ),
        (
            M::POST,
            "/admin/users/{id}/plan",
            format!("/admin/users/{x}/plan"),
        ),
    ]
    .into_iter()
    .map(|(method, template, path)| r(method, template, path, gate))
    .collect()
}

/// The billing API (super admin and finance), each with a body that parses.
fn billing_api(ids: &Ids) -> Vec<Route> {
    use Method as M;
    let x = &ids.unknown;
    let ws = &ids.workspace;
    let plan = &ids.plan;
    let gate = Gate::Needs(StaffPermission::Billing);
    [
        (
            M::GET,
            "/api/v1/admin/billing/plans",
            "/api/v1/admin/billing/plans".to_string(),
            None,
        ),
        (
            M::POST,
            "/api/v1/admin/billing/plans",
            "/api/v1/admin/billing/plans".into(),
            Some(json!({ "name": "" })),
        ),
        (
            M::GET,
            "/api/v1/admin/billing/plans/{id}",
            format!("/api/v1/admin/billing/plans/{plan}"),
            None,
        ),
        (
            M::PUT,
            "/api/v1/admin/billing/plans/{id}",
            format!("/api/v1/admin/billing/plans/{x}"),
            Some(json!({ "name": "" })),
        ),
        (
            M::GET,
            "/api/v1/admin/billing/subscriptions",
            "/api/v1/admin/billing/subscriptions".into(),
            None,
        ),
        (
            M::GET,
            "/api/v1/admin/billing/subscriptions/{workspace_id}",
            format!("/api/v1/admin/billing/subscriptions/{ws}"),
            None,
        ),
        (
            M::POST,
            "/api/v1/admin/billing/subscriptions/{workspace_id}/comp",
            format!("/api/v1/admin/billing/subscriptions/{x}/comp"),
            Some(json!({ "plan_id": plan })),
        ),
        (
            M::POST,
            "/api/v1/admin/billing/subscriptions/{workspace_id}/end-comp",
            format!("/api/v1/admin/billing/subscriptions/{x}/end-comp"),
            None,
        ),
        (
            M::POST,
            "/api/v1/admin/billing/subscriptions/{workspace_id}/cancel",
            format!("/api/v1/admin/billing/subscriptions/{x}/cancel"),
            Some(json!({ "now": false })),
        ),
        (
            M::POST,
            "/api/v1/admin/billing/subscriptions/{workspace_id}/change-plan",
            format!("/api/v1/admin/billing/subscriptions/{x}/change-plan"),
            Some(json!({ "plan_id": plan })),
        ),
        (
            M::POST,
            "/api/v1/admin/billing/subscriptions/{workspace_id}/sync",
            format!("/api/v1/admin/billing/subscriptions/{x}/sync"),
            None,
        ),
        (
            M::GET,
            "/api/v1/admin/billing/pricing",
            "/api/v1/admin/billing/pricing".into(),
            None,
        ),
        (
            M::PUT,
            "/api/v1/admin/billing/pricing/{action}",
            "/api/v1/admin/billing/pricing/no_such_action".into(),
            Some(json!({ "cost": 1 })),
        ),
        (
            M::POST,
            "/api/v1/admin/billing/workspaces/{workspace_id}/credits",
            format!("/api/v1/admin/billing/workspaces/{x}/credits"),
            Some(json!({ "amount": 1, "reason": "matrix" })),
        ),
        (
            M::GET,
            "/api/v1/admin/billing/revenue",
            "/api/v1/admin/billing/revenue".into(),
            None,
        ),
    ]
    .into_iter()
    .map(|(method, template, path, body)| Route {
        body,
        ..r(method, template, path, gate)
    })
    .collect()
}

fn api(ids: &Ids) -> Vec<Route> {
    use Gate::*;
    use Method as M;
    use StaffPermission as P;
    let x = &ids.unknown;
    let mut routes = vec![
        r(
            M::GET,
            "/api/v1/admin/dashboard",
            "/api/v1/admin/dashboard".into(),
            Needs(P::Dashboard),
        ),
        r(
            M::GET,
            "/api/v1/admin/jobs",
            "/api/v1/admin/jobs".into(),
            Needs(P::Jobs),
        ),
        r(
            M::GET,
            "/api/v1/admin/jobs/{id}",
            format!("/api/v1/admin/jobs/{x}"),
            Needs(P::Jobs),
        ),
        r(
            M::POST,
            "/api/v1/admin/jobs/{id}/retry",
            format!("/api/v1/admin/jobs/{x}/retry"),
            Needs(P::Jobs),
        ),
        r(
            M::POST,
            "/api/v1/admin/jobs/{id}/discard",
            format!("/api/v1/admin/jobs/{x}/discard"),
            Needs(P::Jobs),
        ),
        r(
            M::GET,
            "/api/v1/admin/outbox",
            "/api/v1/admin/outbox".into(),
            Needs(P::Outbox),
        ),
        r(
            M::POST,
            "/api/v1/admin/outbox/{id}/retry",
            format!("/api/v1/admin/outbox/{x}/retry"),
            Needs(P::Outbox),
        ),
        r(
            M::GET,
            "/api/v1/admin/users",
            "/api/v1/admin/users".into(),
            Needs(P::Customers),
        ),
        r(
            M::GET,
            "/api/v1/admin/users/export",
            "/api/v1/admin/users/export".into(),
            Needs(P::Customers),
        ),
        r(
            M::GET,
            "/api/v1/admin/users/{id}",
            format!("/api/v1/admin/users/{}", ids.user),
            Needs(P::Customers),
        ),
        r(
            M::POST,
            "/api/v1/admin/users/{id}/block",
            format!("/api/v1/admin/users/{x}/block"),
            Needs(P::Customers),
        ),
        r(
            M::POST,
            "/api/v1/admin/users/{id}/unblock",
            format!("/api/v1/admin/users/{x}/unblock"),
            Needs(P::Customers),
        ),
        r(
            M::POST,
            "/api/v1/admin/users/{id}/sign-out",
            format!("/api/v1/admin/users/{x}/sign-out"),
            Needs(P::Customers),
        ),
        r(
            M::POST,
            "/api/v1/admin/users/{id}/password-reset",
            format!("/api/v1/admin/users/{x}/password-reset"),
            Needs(P::Customers),
        ),
        r(
            M::GET,
            "/api/v1/admin/workspaces",
            "/api/v1/admin/workspaces".into(),
            Needs(P::Customers),
        ),
        r(
            M::GET,
            "/api/v1/admin/workspaces/{id}",
            format!("/api/v1/admin/workspaces/{}", ids.workspace),
            Needs(P::Customers),
        ),
        r(
            M::GET,
            "/api/v1/admin/audit",
            "/api/v1/admin/audit".into(),
            Needs(P::ActivityLog),
        ),
        r(
            M::GET,
            "/api/v1/admin/audit/export",
            "/api/v1/admin/audit/export".into(),
            Needs(P::ActivityLog),
        ),
    ];
    routes.push(r(
        M::GET,
        "/api/v1/admin/instagram/accounts",
        "/api/v1/admin/instagram/accounts".into(),
        Needs(P::Customers),
    ));
    routes.push(r(
        M::GET,
        "/api/v1/admin/settings",
        "/api/v1/admin/settings".into(),
        Needs(P::System),
    ));
    let staff_id = &ids.staff;
    for (method, template, path, body) in [
        (
            M::GET,
            "/api/v1/admin/staff",
            "/api/v1/admin/staff".to_string(),
            None,
        ),
        (
            M::POST,
            "/api/v1/admin/staff",
            "/api/v1/admin/staff".to_string(),
            Some(json!({ "email": "not an email", "role": "support" })),
        ),
        (
            M::GET,
            "/api/v1/admin/staff/{id}",
            format!("/api/v1/admin/staff/{staff_id}"),
            None,
        ),
        (
            M::PUT,
            "/api/v1/admin/staff/{id}/role",
            format!("/api/v1/admin/staff/{x}/role"),
            Some(json!({ "role": "support" })),
        ),
        (
            M::PUT,
            "/api/v1/admin/staff/{id}/allowlist",
            format!("/api/v1/admin/staff/{x}/allowlist"),
            Some(json!({ "ip_allowlist": [] })),
        ),
        (
            M::POST,
            "/api/v1/admin/staff/{id}/reset-2fa",
            format!("/api/v1/admin/staff/{x}/reset-2fa"),
            None,
        ),
        (
            M::POST,
            "/api/v1/admin/staff/{id}/disable",
            format!("/api/v1/admin/staff/{x}/disable"),
            None,
        ),
        (
            M::POST,
            "/api/v1/admin/staff/{id}/enable",
            format!("/api/v1/admin/staff/{x}/enable"),
            None,
        ),
    ] {
        routes.push(Route {
            body,
            ..r(method, template, path, Needs(P::System))
        });
    }
    routes.push(r(
        M::GET,
        "/api/v1/admin/notifications",
        "/api/v1/admin/notifications".into(),
        Staff,
    ));
    routes.push(r(
        M::POST,
        "/api/v1/admin/notifications/{id}/read",
        format!("/api/v1/admin/notifications/{x}/read"),
        Staff,
    ));
    routes.push(r(
        M::POST,
        "/api/v1/admin/notifications/read-all",
        "/api/v1/admin/notifications/read-all".into(),
        Staff,
    ));
    routes.push(Route {
        body: Some(json!({ "values": {} })),
        ..r(
            M::PUT,
            "/api/v1/admin/settings",
            "/api/v1/admin/settings".into(),
            Needs(P::System),
        )
    });
    routes.push(r(
        M::POST,
        "/api/v1/admin/settings/test/{integration}",
        "/api/v1/admin/settings/test/openai".into(),
        Needs(P::System),
    ));
    routes.push(Route {
        body: Some(json!({ "confirm": "nobody@example.com" })),
        ..r(
            M::DELETE,
            "/api/v1/admin/users/{id}",
            format!("/api/v1/admin/users/{x}"),
            Needs(P::Customers),
        )
    });
    let client = &ids.api_client;
    for (method, template, path, body) in [
        (
            M::GET,
            "/api/v1/admin/api-clients",
            "/api/v1/admin/api-clients".to_string(),
            None,
        ),
        (
            M::POST,
            "/api/v1/admin/api-clients",
            "/api/v1/admin/api-clients".to_string(),
            Some(json!({ "name": "", "tier": "free" })),
        ),
        (
            M::GET,
            "/api/v1/admin/api-clients/{id}",
            format!("/api/v1/admin/api-clients/{client}"),
            None,
        ),
        (
            M::GET,
            "/api/v1/admin/api-clients/{id}/usage",
            format!("/api/v1/admin/api-clients/{client}/usage"),
            None,
        ),
        (
            M::POST,
            "/api/v1/admin/api-clients/{id}/keys",
            format!("/api/v1/admin/api-clients/{x}/keys"),
            None,
        ),
        (
            M::POST,
            "/api/v1/admin/api-clients/{id}/keys/{key_id}/revoke",
            format!("/api/v1/admin/api-clients/{x}/keys/{x}/revoke"),
            None,
        ),
        (
            M::POST,
            "/api/v1/admin/api-clients/{id}/revoke",
            format!("/api/v1/admin/api-clients/{x}/revoke"),
            None,
        ),
    ] {
        routes.push(Route {
            body,
            ..r(method, template, path, Needs(P::DataService))
        });
    }
    routes.extend(billing_api(ids));
    routes
}

struct Ids {
    user: String,
    workspace: String,
    staff: String,
    api_client: String,
    plan: String,
    unknown: String,
}

#[tokio::test]
async fn every_admin_route_by_role_and_credential() {
    let app = app().await;
    let customer = customer_browser(&app, "shop@example.com").await;
    let customer_token = {
        let res = app
            .api()
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({ "email": "shop@example.com", "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    };
    let user = identity::service::accounts::find_by_email(&app.state.db, "shop@example.com")
        .await
        .unwrap()
        .unwrap();
    let workspace = identity::service::workspaces::first_for_user(&app.state.db, user.id)
        .await
        .unwrap()
        .unwrap();
    let mut by_role = Vec::new();
    for role in StaffRole::ALL {
        let login = staff(&app, &format!("{}@staff.example", role.as_str()), role).await;
        let (browser, _) = staff_browser(&app, &login).await;
        let token = staff_token(&app, &login).await;
        by_role.push((role, browser, token));
    }
    let ids = Ids {
        user: user.id.to_string(),
        workspace: workspace.id.to_string(),
        staff: admin::service::sign_in::resolve_token(&app.state.db, &by_role[0].2, None)
            .await
            .unwrap()
            .unwrap()
            .0
            .id
            .to_string(),
        api_client: instagram::social::clients::create(
            &app.state.db,
            &instagram::social::clients::NewClient {
                name: "Matrix".into(),
                tier: instagram::social::tiers::Tier::Free,
                requests_per_minute: None,
                requests_per_month: None,
                endpoints: None,
            },
        )
        .await
        .unwrap()
        .0
        .id
        .to_string(),
        plan: ::billing::plans::by_key(&app.state.db, "pro")
            .await
            .unwrap()
            .id
            .to_string(),
        unknown: uuid::Uuid::now_v7().to_string(),
    };

    // Pages: anonymous and customers are sent to the staff sign-in; a role outside the gate
    // gets 403; a role inside gets anything but a refusal.
    let empty: Vec<(&str, &str)> = Vec::new();
    let page_request = |client: &reqwest::Client, route: &Route| {
        let req = client.request(route.method.clone(), app.url(&route.path));
        if route.method == Method::POST {
            req.form(&empty)
        } else {
            req
        }
    };
    for route in pages(&ids) {
        for (who, client) in [("anonymous", app.browser()), ("customer", customer.clone())] {
            let res = page_request(&client, &route).send().await.unwrap();
            assert_eq!(
                res.status(),
                StatusCode::SEE_OTHER,
                "{who} {} {}",
                route.method,
                route.path
            );
            assert!(
                location(&res).starts_with("/admin/login"),
                "{who} {}",
                route.path
            );
        }
        for (role, browser, _) in &by_role {
            let res = page_request(browser, &route).send().await.unwrap();
            let status = res.status();
            let to = location(&res);
            if route.gate.allows(*role) {
                assert!(
                    !matches!(status, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED)
                        && !to.starts_with("/admin/login"),
                    "{} {} {}: {status} {to}",
                    role.as_str(),
                    route.method,
                    route.path
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{} {} {}",
                    role.as_str(),
                    route.method,
                    route.path
                );
                let body = res.text().await.unwrap();
                assert!(!body.contains("shop@example.com"), "no data in a refusal");
            }
        }
    }

    // API: 401 without a staff token (a customer's token is none), 403 outside the role.
    for route in api(&ids) {
        let send = |client: reqwest::Client, token: Option<&str>| {
            let mut req = client.request(route.method.clone(), app.url(&route.path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(body) = &route.body {
                req = req.json(body);
            }
            req.send()
        };
        for (who, token) in [
            ("anonymous", None),
            ("customer", Some(customer_token.as_str())),
        ] {
            let res = send(app.api(), token).await.unwrap();
            assert_eq!(
                res.status(),
                StatusCode::UNAUTHORIZED,
                "{who} {} {}",
                route.method,
                route.path
            );
            assert!(!res.text().await.unwrap().contains("shop@example.com"));
        }
        for (role, _, token) in &by_role {
            let res = send(app.api(), Some(token)).await.unwrap();
            let status = res.status();
            if route.gate.allows(*role) {
                assert!(
                    !matches!(status, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED),
                    "{} {} {}: {status}",
                    role.as_str(),
                    route.method,
                    route.path
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{} {} {}",
                    role.as_str(),
                    route.method,
                    route.path
                );
            }
        }
    }

    // Coverage: every staff page and staff API operation of every mounted feature has a row
    // (or is public), wherever the feature keeps it: pages from the features' registered
    // staff routes, API operations from the assembled OpenAPI document.
    let features = features();
    assert_eq!(
        platform::feature::misplaced_staff_routes(&features),
        Vec::<String>::new()
    );
    let routed = platform::feature::staff_pages(&features);
    assert!(routed.contains(&"/admin"), "the staff pages are enumerated");
    let matrix = pages(&ids);
    for path in &routed {
        assert!(
            PUBLIC_PAGES.contains(path) || matrix.iter().any(|r| r.template == *path),
            "page route {path} has no row in the role matrix"
        );
    }
    for row in &matrix {
        assert!(
            routed.contains(&row.template),
            "matrix row {} {} is no staff page of any feature",
            row.method,
            row.template
        );
    }
    let (doc, _) =
        platform::feature::openapi(utoipa::openapi::OpenApiBuilder::new().build(), &features);
    assert!(
        doc.paths.paths.contains_key(PUBLIC_API[0]),
        "the staff API is enumerated"
    );
    let api_rows = api(&ids);
    for (path, item) in doc
        .paths
        .paths
        .iter()
        .filter(|(path, _)| path.starts_with(platform::staff::routes::API_PREFIX))
    {
        let methods = [
            (Method::GET, item.get.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::DELETE, item.delete.is_some()),
            (Method::PATCH, item.patch.is_some()),
        ];
        for (method, present) in methods {
            if !present || PUBLIC_API.contains(&path.as_str()) {
                continue;
            }
            assert!(
                api_rows
                    .iter()
                    .any(|r| r.template == path && r.method == method),
                "API {method} {path} has no row in the role matrix"
            );
        }
    }
}
