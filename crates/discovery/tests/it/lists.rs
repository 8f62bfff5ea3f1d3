//! Favourites and lists through the real router and database: creators added by profile id
//! and by pasted usernames (with what was not found and what was already there), renamed,
//! noted and tagged within their limits, taken off; collaborators' view and edit, private
//! lists, the viewer role and read-only tokens; the activity log; templates; favourites seen
//! by their owner only; the limits of lists and creators; the pages; and another workspace's
//! ids not found on any route.

use std::collections::HashMap;

use chrono::Utc;
use discovery::model::lists::entry;
use platform::testkit::{
    TestApp, call,
    cross_tenant::{Sweep, api_routes, page_routes},
};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{Made, app, make, page};

/// Creators of the index by username (all live but those starting `demo`).
async fn creators(app: &TestApp, names: &[&str]) -> HashMap<String, Uuid> {
    let now = Utc::now();
    let mut out = HashMap::new();
    for (n, name) in names.iter().enumerate() {
        let pool = if name.starts_with("demo") {
            "demo"
        } else {
            "live"
        };
        let m = Made {
            username: name.to_string(),
            pool,
            followers: 1_000 * (n as i64 + 1),
            bio: format!("{name} bio"),
            verified: false,
            business: false,
            posts: vec![],
            followers_30d: None,
            followers_90d: None,
        };
        out.insert(name.to_string(), make(app, &m, now).await);
    }
    discovery::service::index::all(&app.state.db, |_| {})
        .await
        .unwrap();
    out
}

/// The owner behind `owner` invites `email` as `role`; the invitee accepts and gets a token.
pub(crate) async fn teammate(app: &TestApp, owner: &str, email: &str, role: &str) -> String {
    let (status, body) = call(
        app,
        owner,
        Method::POST,
        "/api/v1/workspace/invitations",
        Some(json!({ "email": email, "role": role })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "invitation of {email}: {body}");
    let mut link = None;
    for m in platform::mail::to_address(&app.state.db, email)
        .await
        .unwrap()
    {
        if let Some(start) = m.body_text.find("/invitations/") {
            let rest = &m.body_text[start + "/invitations/".len()..];
            link = Some(
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>(),
            );
        }
    }
    let link = link.unwrap_or_else(|| panic!("no invitation mailed to {email}"));
    let res = app
        .browser()
        .post(app.url(&format!("/invitations/{link}/accept")))
        .form(&[
            ("name", "Teammate"),
            ("password", identity::testkit::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{email} joins");
    let res = app
        .api()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": identity::testkit::PASSWORD }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

async fn user_id(app: &TestApp, token: &str) -> Uuid {
    let (_, me) = call(app, token, Method::GET, "/api/v1/me", None).await;
    let id = me["user"]["id"]
        .as_str()
        .or_else(|| me["id"].as_str())
        .unwrap_or_else(|| panic!("no user id in {me}"));
    Uuid::parse_str(id).unwrap()
}

async fn new_list(app: &TestApp, token: &str, body: Value) -> String {
    let (status, list) = call(
        app,
        token,
        Method::POST,
        "/api/v1/discovery/lists",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    list["id"].as_str().unwrap().to_string()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn actions(app: &TestApp, token: &str, list: &str) -> Vec<String> {
    let (status, log) = call(
        app,
        token,
        Method::GET,
        &format!("/api/v1/discovery/lists/{list}/activity"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    log["activity"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|a| {
            format!(
                "{} {}",
                a["action"].as_str().unwrap(),
                a["detail"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn a_list_holds_creators_with_notes_and_tags_and_logs_what_happened() {
    let app = app().await;
    let (owner, _) = identity::testkit::customer(&app, "owner@example.com", "Agency").await;
    let c = creators(&app, &["vegan.chef", "yoga_anna", "berlin_eats"]).await;

    let list = new_list(
        &app,
        &owner,
        json!({"name": "Summer campaign", "description": "Food creators", "tag_scheme": ["maybe", "#top"]}),
    )
    .await;
    let (status, again) = call(
        &app,
        &owner,
        Method::POST,
        "/api/v1/discovery/lists",
        Some(json!({"name": "SUMMER campaign"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "names are unique in any case"
    );
    assert_eq!(fields(&again), ["name"]);

    let unknown = Uuid::now_v7();
    let entries = format!("/api/v1/discovery/lists/{list}/entries");
    let (status, added) = call(
        &app,
        &owner,
        Method::POST,
        &entries,
        Some(json!({"profile_ids": [c["vegan.chef"], c["yoga_anna"], unknown, c["vegan.chef"]]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(added["added"].as_array().unwrap().len(), 2);
    assert_eq!(strings(&added["not_found"]), [unknown.to_string()]);
    let (_, again) = call(
        &app,
        &owner,
        Method::POST,
        &entries,
        Some(json!({"profile_ids": [c["yoga_anna"], c["berlin_eats"]]})),
    )
    .await;
    assert_eq!(strings(&again["already"]), [c["yoga_anna"].to_string()]);
    assert_eq!(strings(&again["added"]), [c["berlin_eats"].to_string()]);

    let (status, page) = call(
        &app,
        &owner,
        Method::GET,
        &format!("{entries}?limit=2"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["list"]["creators"], 3);
    assert_eq!(page["list"]["your_access"], "manage");
    assert_eq!(page["list"]["tag_scheme"], json!(["maybe", "top"]));
    let first: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["creator"]["username"].as_str().unwrap())
        .collect();
    assert_eq!(first, ["vegan.chef", "yoga_anna"], "oldest first");
    assert_eq!(page["entries"][0]["creator"]["source"], "apify");
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, rest) = call(
        &app,
        &owner,
        Method::GET,
        &format!("{entries}?limit=2&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(rest["entries"][0]["creator"]["username"], "berlin_eats");
    assert!(rest["next_cursor"].is_null());

    let chef = format!("{entries}/{}", c["vegan.chef"]);
    let (status, noted) = call(
        &app,
        &owner,
        Method::PATCH,
        &chef,
        Some(json!({"note": "  Great reels, asks 2k  ", "tags": ["top", "Top", " vegan "]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{noted}");
    assert_eq!(noted["note"], "Great reels, asks 2k");
    assert_eq!(noted["tags"], json!(["top", "vegan"]));
    let (status, problem) = call(
        &app,
        &owner,
        Method::PATCH,
        &chef,
        Some(json!({"note": "x".repeat(2_001)})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), ["note"]);
    let eleven: Vec<String> = (0..11).map(|n| format!("t{n}")).collect();
    let (status, problem) = call(
        &app,
        &owner,
        Method::PATCH,
        &chef,
        Some(json!({"tags": eleven})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), ["tags"]);
    let (status, _) = call(
        &app,
        &owner,
        Method::PATCH,
        &chef,
        Some(json!({"tags": ["y".repeat(41)]})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a tag of 41 characters"
    );
    let (status, _) = call(
        &app,
        &owner,
        Method::PATCH,
        &chef,
        Some(json!({"note": "x".repeat(2_000)})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "2,000 characters fit");

    let (status, renamed) = call(
        &app,
        &owner,
        Method::PATCH,
        &format!("/api/v1/discovery/lists/{list}"),
        Some(json!({"name": "Summer 2027"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["name"], "Summer 2027");
    let (status, _) = call(
        &app,
        &owner,
        Method::PATCH,
        &format!("/api/v1/discovery/lists/{list}"),
        Some(json!({"name": "n".repeat(81)})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, _) = call(
        &app,
        &owner,
        Method::DELETE,
        &format!("{entries}/{}", c["yoga_anna"]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &app,
        &owner,
        Method::DELETE,
        &format!("{entries}/{}", c["yoga_anna"]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no longer on the list");
    let (_, l) = call(
        &app,
        &owner,
        Method::GET,
        &format!("/api/v1/discovery/lists/{list}"),
        None,
    )
    .await;
    assert_eq!(l["creators"], 2);

    assert_eq!(
        actions(&app, &owner, &list).await,
        [
            "created “Summer campaign”",
            "added @vegan.chef, @yoga_anna",
            "added @berlin_eats",
            "noted @vegan.chef: note",
            "tagged @vegan.chef: tags top, vegan",
            "noted @vegan.chef: note",
            "renamed “Summer campaign” → “Summer 2027”",
            "removed @yoga_anna",
        ]
    );
    let (_, log) = call(
        &app,
        &owner,
        Method::GET,
        &format!("/api/v1/discovery/lists/{list}/activity"),
        None,
    )
    .await;
    assert_eq!(log["activity"][0]["actor"], "C", "who: the owner's name");

    let (status, _) = call(
        &app,
        &owner,
        Method::DELETE,
        &format!("/api/v1/discovery/lists/{list}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &app,
        &owner,
        Method::GET,
        &format!("/api/v1/discovery/lists/{list}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let left = entry::Entity::find().all(&app.state.db).await.unwrap();
    assert!(left.is_empty(), "its creators went with it");
}

#[tokio::test]
async fn usernames_are_added_with_what_was_not_found_or_already_there() {
    let app = app().await;
    let (owner, _) = identity::testkit::customer(&app, "owner@example.com", "Agency").await;
    let c = creators(
        &app,
        &["vegan.chef", "yoga_anna", "berlin_eats", "demo.cook"],
    )
    .await;
    let list = new_list(&app, &owner, json!({"name": "Imported"})).await;
    let path = format!("/api/v1/discovery/lists/{list}/entries/usernames");
    let (_, _) = call(
        &app,
        &owner,
        Method::POST,
        &format!("/api/v1/discovery/lists/{list}/entries"),
        Some(json!({"profile_ids": [c["yoga_anna"]]})),
    )
    .await;
    let csv = "name,Username,followers\nAnna,@YOGA_anna,10\nChef,https://www.instagram.com/vegan.chef/,5\n\
               Ghost,nobody.here,1\nEats,berlin_eats,3\nAgain,Vegan.Chef,5\nBad,not a name!,0\nDemo,demo.cook,1\n";
    let (status, report) = call(
        &app,
        &owner,
        Method::POST,
        &path,
        Some(json!({"text": csv})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        strings(&report["added"]),
        ["vegan.chef", "berlin_eats", "demo.cook"]
    );
    assert_eq!(strings(&report["already"]), ["yoga_anna"]);
    assert_eq!(strings(&report["not_found"]), ["nobody.here"]);
    assert_eq!(strings(&report["invalid"]), ["not a name!"]);

    let (status, problem) = call(
        &app,
        &owner,
        Method::POST,
        &path,
        Some(json!({"text": " \n,,"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), ["usernames"]);
    assert!(
        actions(&app, &owner, &list)
            .await
            .contains(&"added @vegan.chef, @berlin_eats, @demo.cook".to_string())
    );
}

#[tokio::test]
async fn collaborators_edit_others_view_and_private_lists_stay_private() {
    let app = app().await;
    let (owner, _) = identity::testkit::customer(&app, "owner@example.com", "Agency").await;
    let member = teammate(&app, &owner, "member@example.com", "member").await;
    let viewer = teammate(&app, &owner, "viewer@example.com", "viewer").await;
    let member_id = user_id(&app, &member).await;
    let viewer_id = user_id(&app, &viewer).await;
    let c = creators(&app, &["vegan.chef", "yoga_anna"]).await;

    let list = new_list(&app, &owner, json!({"name": "Team list"})).await;
    let base = format!("/api/v1/discovery/lists/{list}");
    let add = json!({"profile_ids": [c["vegan.chef"]]});

    // Everyone in the workspace views it; only who manages it or an editor changes it.
    let (status, seen) = call(&app, &member, Method::GET, &base, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["your_access"], "view");
    let (status, problem) = call(
        &app,
        &member,
        Method::POST,
        &format!("{base}/entries"),
        Some(add.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let (status, _) = call(
        &app,
        &member,
        Method::PATCH,
        &base,
        Some(json!({"name": "Mine"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(&app, &member, Method::DELETE, &base, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, shared) = call(
        &app,
        &owner,
        Method::PUT,
        &format!("{base}/collaborators/{member_id}"),
        Some(json!({"access": "edit"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{shared}");
    assert_eq!(shared["email"], "member@example.com");
    let (status, _) = call(
        &app,
        &owner,
        Method::PUT,
        &format!("{base}/collaborators/{member_id}"),
        Some(json!({"access": "owner"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = call(
        &app,
        &owner,
        Method::PUT,
        &format!("{base}/collaborators/{}", Uuid::now_v7()),
        Some(json!({"access": "view"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only members of the workspace"
    );

    let (status, _) = call(
        &app,
        &member,
        Method::POST,
        &format!("{base}/entries"),
        Some(add.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "an editor adds");
    let (status, _) = call(
        &app,
        &member,
        Method::PATCH,
        &format!("{base}/entries/{}", c["vegan.chef"]),
        Some(json!({"note": "Called"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "and notes");
    let (status, _) = call(
        &app,
        &member,
        Method::PATCH,
        &base,
        Some(json!({"visibility": "private"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an editor does not manage");
    let (status, _) = call(
        &app,
        &member,
        Method::PUT,
        &format!("{base}/collaborators/{viewer_id}"),
        Some(json!({"access": "edit"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nor shares");

    // The viewer role never writes, whatever it is granted.
    let (status, _) = call(
        &app,
        &owner,
        Method::PUT,
        &format!("{base}/collaborators/{viewer_id}"),
        Some(json!({"access": "edit"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, seen) = call(&app, &viewer, Method::GET, &base, None).await;
    assert_eq!(
        (status, seen["your_access"].as_str()),
        (StatusCode::OK, Some("view"))
    );
    let (status, _) = call(
        &app,
        &viewer,
        Method::POST,
        &format!("{base}/entries"),
        Some(json!({"profile_ids": [c["yoga_anna"]]})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &app,
        &viewer,
        Method::POST,
        "/api/v1/discovery/lists",
        Some(json!({"name": "Viewer's"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A private list: not found for members it is not shared with; a view grant shows it.
    let (status, _) = call(
        &app,
        &owner,
        Method::PATCH,
        &base,
        Some(json!({"visibility": "private"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &app,
        &owner,
        Method::DELETE,
        &format!("{base}/collaborators/{viewer_id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&app, &viewer, Method::GET, &base, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "private and not shared");
    let (_, lists) = call(&app, &viewer, Method::GET, "/api/v1/discovery/lists", None).await;
    assert!(lists["lists"].as_array().unwrap().is_empty(), "{lists}");
    let (status, _) = call(
        &app,
        &owner,
        Method::PUT,
        &format!("{base}/collaborators/{viewer_id}"),
        Some(json!({"access": "view"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&app, &viewer, Method::GET, &format!("{base}/entries"), None).await;
    assert_eq!(status, StatusCode::OK, "shared to view");
    let (status, _) = call(&app, &member, Method::GET, &base, None).await;
    assert_eq!(status, StatusCode::OK, "the editor still sees it");

    let (_, people) = call(
        &app,
        &owner,
        Method::GET,
        &format!("{base}/collaborators"),
        None,
    )
    .await;
    let mut who: Vec<String> = people["collaborators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["email"].as_str().unwrap(),
                p["access"].as_str().unwrap()
            )
        })
        .collect();
    who.sort();
    assert_eq!(who, ["member@example.com edit", "viewer@example.com view"]);

    // A list the member created is theirs to manage.
    let own = new_list(
        &app,
        &member,
        json!({"name": "Member's own", "visibility": "private"}),
    )
    .await;
    let (status, _) = call(
        &app,
        &member,
        Method::DELETE,
        &format!("/api/v1/discovery/lists/{own}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let log = actions(&app, &owner, &list).await;
    for line in [
        "shared member@example.com can edit",
        "added @vegan.chef",
        "noted @vegan.chef: note",
        "visibility private",
        "unshared viewer@example.com",
    ] {
        assert!(log.contains(&line.to_string()), "{line}: {log:#?}");
    }
}

#[tokio::test]
async fn favourites_are_each_persons_own() {
    let app = app().await;
    let (owner, _) = identity::testkit::customer(&app, "owner@example.com", "Agency").await;
    let member = teammate(&app, &owner, "member@example.com", "member").await;
    let c = creators(&app, &["vegan.chef", "yoga_anna"]).await;
    let star = |p: Uuid| format!("/api/v1/discovery/favourites/{p}");

    let (status, card) = call(&app, &owner, Method::PUT, &star(c["vegan.chef"]), None).await;
    assert_eq!(status, StatusCode::CREATED, "{card}");
    assert_eq!(card["username"], "vegan.chef");
    let (status, _) = call(&app, &owner, Method::PUT, &star(c["vegan.chef"]), None).await;
    assert_eq!(status, StatusCode::OK, "already starred");
    let (status, _) = call(&app, &owner, Method::PUT, &star(c["yoga_anna"]), None).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = call(&app, &owner, Method::PUT, &star(Uuid::now_v7()), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not in the index");

    let (_, mine) = call(
        &app,
        &owner,
        Method::GET,
        "/api/v1/discovery/favourites",
        None,
    )
    .await;
    let names: Vec<&str> = mine["favourites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["creator"]["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["yoga_anna", "vegan.chef"], "newest first");

    let (_, theirs) = call(
        &app,
        &member,
        Method::GET,
        "/api/v1/discovery/favourites",
        None,
    )
    .await;
    assert!(
        theirs["favourites"].as_array().unwrap().is_empty(),
        "a teammate sees none of them"
    );
    let (status, _) = call(&app, &member, Method::DELETE, &star(c["vegan.chef"]), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, mine) = call(
        &app,
        &owner,
        Method::GET,
        "/api/v1/discovery/favourites",
        None,
    )
    .await;
    assert_eq!(
        mine["favourites"].as_array().unwrap().len(),
        2,
        "a teammate cannot un-star mine"
    );

    let (status, _) = call(&app, &owner, Method::DELETE, &star(c["vegan.chef"]), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, mine) = call(
        &app,
        &owner,
        Method::GET,
        "/api/v1/discovery/favourites",
        None,
    )
    .await;
    assert_eq!(mine["favourites"].as_array().unwrap().len(), 1);

    // Another workspace's person sees nothing of them either.
    let (other, _) = identity::testkit::customer(&app, "other@example.com", "Other").await;
    let (_, theirs) = call(
        &app,
        &other,
        Method::GET,
        "/api/v1/discovery/favourites",
        None,
    )
    .await;
    assert!(theirs["favourites"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn templates_keep_the_description_and_tags_not_the_creators() {
    let app = app().await;
    let (owner, _) = identity::testkit::customer(&app, "owner@example.com", "Agency").await;
    let c = creators(&app, &["vegan.chef"]).await;
    let list = new_list(&app, &owner, json!({"name": "Q1 outreach", "description": "Brands in food", "tag_scheme": ["contacted"]})).await;
    call(
        &app,
        &owner,
        Method::POST,
        &format!("/api/v1/discovery/lists/{list}/entries"),
        Some(json!({"profile_ids": [c["vegan.chef"]]})),
    )
    .await;
    call(
        &app,
        &owner,
        Method::PATCH,
        &format!("/api/v1/discovery/lists/{list}/entries/{}", c["vegan.chef"]),
        Some(json!({"tags": ["agreed", "contacted"]})),
    )
    .await;

    let (status, t) = call(
        &app,
        &owner,
        Method::POST,
        &format!("/api/v1/discovery/lists/{list}/template"),
        Some(json!({"name": "Outreach"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    assert_eq!(t["description"], "Brands in food");
    assert_eq!(t["tag_scheme"], json!(["contacted", "agreed"]));
    let (status, _) = call(
        &app,
        &owner,
        Method::POST,
        &format!("/api/v1/discovery/lists/{list}/template"),
        Some(json!({"name": "outreach"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "template names are unique"
    );

    let template = t["id"].as_str().unwrap();
    let (status, made) = call(
        &app,
        &owner,
        Method::POST,
        "/api/v1/discovery/lists",
        Some(json!({"name": "Q2 outreach", "template_id": template})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["description"], "Brands in food");
    assert_eq!(made["tag_scheme"], json!(["contacted", "agreed"]));
    assert_eq!(made["creators"], 0, "no creators come with a template");
    let made = made["id"].as_str().unwrap();
    assert_eq!(
        actions(&app, &owner, made).await,
        ["created “Q2 outreach” from the template “Outreach”"]
    );

    let (_, all) = call(
        &app,
        &owner,
        Method::GET,
        "/api/v1/discovery/list-templates",
        None,
    )
    .await;
    assert_eq!(all["templates"].as_array().unwrap().len(), 1);
    let (status, _) = call(
        &app,
        &owner,
        Method::DELETE,
        &format!("/api/v1/discovery/list-templates/{template}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &app,
        &owner,
        Method::POST,
        "/api/v1/discovery/lists",
        Some(json!({"name": "Q3", "template_id": template})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a deleted template");
}

#[tokio::test]
async fn a_workspace_keeps_at_most_100_lists_of_5000_creators() {
    let app = app().await;
    let (owner, ws) = identity::testkit::customer(&app, "owner@example.com", "Agency").await;
    let c = creators(&app, &["vegan.chef"]).await;
    let mut first = String::new();
    for n in 0..100 {
        let id = new_list(&app, &owner, json!({"name": format!("List {n}")})).await;
        if n == 0 {
            first = id;
        }
    }
    let (status, problem) = call(
        &app,
        &owner,
        Method::POST,
        "/api/v1/discovery/lists",
        Some(json!({"name": "One more"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("100 lists"),
        "{problem}"
    );

    // 5,000 creators on a list (written straight into the table; the index needs none).
    let list = Uuid::parse_str(&first).unwrap();
    let now = platform::db::now();
    let rows: Vec<entry::ActiveModel> = (0..5_000)
        .map(|_| entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(ws),
            list_id: Set(list),
            profile_id: Set(Uuid::now_v7()),
            note: Set(String::new()),
            tags: Set(json!([])),
            added_by: Set(None),
            added_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    for chunk in rows.chunks(500) {
        entry::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.state.db)
            .await
            .unwrap();
    }
    let (status, problem) = call(
        &app,
        &owner,
        Method::POST,
        &format!("/api/v1/discovery/lists/{first}/entries"),
        Some(json!({"profile_ids": [c["vegan.chef"]]})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("at most 5,000 creators"),
        "{problem}"
    );
    let (status, _) = call(
        &app,
        &owner,
        Method::POST,
        &format!("/api/v1/discovery/lists/{first}/entries/usernames"),
        Some(json!({"text": "vegan.chef"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_read_only_token_writes_nothing() {
    let app = app().await;
    let (owner, _) = identity::testkit::customer(&app, "owner@example.com", "Agency").await;
    let c = creators(&app, &["vegan.chef"]).await;
    let list = new_list(&app, &owner, json!({"name": "Mine"})).await;
    let (status, token) = call(
        &app,
        &owner,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "reader", "scope": "read"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let reader = token["token"].as_str().unwrap();
    let (status, seen) = call(
        &app,
        reader,
        Method::GET,
        &format!("/api/v1/discovery/lists/{list}"),
        None,
    )
    .await;
    assert_eq!(
        (status, seen["your_access"].as_str()),
        (StatusCode::OK, Some("view"))
    );
    for (method, path, body) in [
        (
            Method::POST,
            "/api/v1/discovery/lists".to_string(),
            Some(json!({"name": "No"})),
        ),
        (
            Method::POST,
            format!("/api/v1/discovery/lists/{list}/entries"),
            Some(json!({"profile_ids": [c["vegan.chef"]]})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/discovery/lists/{list}"),
            Some(json!({"name": "No"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/discovery/lists/{list}"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/discovery/favourites/{}", c["vegan.chef"]),
            None,
        ),
    ] {
        let (status, _) = call(&app, reader, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }
}

#[tokio::test]
async fn the_pages_show_favourites_lists_and_one_list() {
    let app = app().await;
    identity::testkit::customer(&app, "owner@example.com", "Agency").await;
    let browser = identity::testkit::browser(&app, "owner@example.com").await;
    let c = creators(&app, &["vegan.chef", "demo.cook", "berlin.eats"]).await;

    let (status, body) = page(&app, &browser, "/discover/lists").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("No lists yet."), "{body}");
    assert!(
        body.contains("href=\"/discover/lists\" aria-current=\"page\""),
        "the sidebar marks it"
    );
    assert!(
        body.contains("href=\"/discover/favourites\""),
        "and lists Favourites"
    );

    // A refused name is answered beside its field, with what was typed kept.
    let long = "L".repeat(81);
    let res = browser
        .post(app.url("/discover/lists"))
        .form(&[
            ("name", long.as_str()),
            ("description", "Kept text"),
            ("visibility", "workspace"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("class=\"field-error\" id=\"name-error\""),
        "{body}"
    );
    assert!(
        body.contains(&long) && body.contains("Kept text"),
        "what was typed is kept"
    );

    let res = browser
        .post(app.url("/discover/lists"))
        .form(&[
            ("name", "Launch"),
            ("tag_scheme", "contacted, maybe"),
            ("visibility", "workspace"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let href = res.headers()["location"].to_str().unwrap().to_string();
    let id = href.rsplit('/').next().unwrap().to_string();

    // The search page's controls for one result: the star and the lists to add to.
    let (status, controls) = page(
        &app,
        &browser,
        &format!("/discover/lists/controls?profile={}", c["vegan.chef"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        controls.contains("☆ Favourite") && controls.contains(">Launch</button>"),
        "{controls}"
    );
    let res = browser
        .post(app.url(&format!("/discover/lists/{id}/add")))
        .header("HX-Request", "true")
        .form(&[("profile", c["vegan.chef"].to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let fragment = res.text().await.unwrap();
    assert!(
        fragment.contains("✓ Launch") && !fragment.contains("<html"),
        "{fragment}"
    );
    let res = browser
        .post(app.url("/discover/favourites/toggle"))
        .header("HX-Request", "true")
        .form(&[("profile", c["demo.cook"].to_string()), ("on", "1".into())])
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("★ Favourite"));

    let res = browser
        .post(app.url(&format!("/discover/lists/{id}/usernames")))
        .form(&[("usernames", "@demo.cook\nvegan.chef\nghost.account")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(body.contains("1 creator was added"), "{body}");
    assert!(body.contains("Already on the list: @vegan.chef"), "{body}");
    assert!(
        body.contains("@ghost.account"),
        "not found is named: {body}"
    );
    assert!(
        body.contains("enctype=\"multipart/form-data\"") && body.contains("name=\"file\""),
        "the form offers a file: {body}"
    );

    // The same form takes a file: a spreadsheet's CSV export (byte-order mark, a header naming
    // the username column) is read like pasted text.
    let upload = |fields: &[(&str, &str)], bytes: &[u8]| {
        let (content_type, body) =
            platform::testkit::multipart(fields, ("creators.csv", "text/csv", bytes));
        browser
            .post(app.url(&format!("/discover/lists/{id}/usernames")))
            .header("content-type", content_type)
            .body(body)
    };
    let csv =
        "\u{feff}name,username,followers\nBerlin Eats,@berlin.eats,1200\nVegan,vegan.chef,900\n";
    let res = upload(&[("usernames", "")], csv.as_bytes())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(body.contains("1 creator was added"), "{body}");
    assert!(body.contains("Already on the list: @vegan.chef"), "{body}");
    let entries = entry::Entity::find().all(&app.state.db).await.unwrap();
    let on_list = entries
        .iter()
        .filter(|e| e.profile_id == c["berlin.eats"])
        .count();
    assert_eq!(on_list, 1, "the file's creator is on the list");
    // Pasted text and a file at once, or a file that is not text: refused beside the file
    // field, with what was typed kept and nothing added.
    let res = upload(&[("usernames", "@demo.cook")], b"berlin.eats")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(body.contains("id=\"usernames-file-error\""), "{body}");
    assert!(body.contains("not both"), "{body}");
    assert!(body.contains(">@demo.cook</textarea>"), "{body}");
    let res = upload(&[], &[0xff, 0xfe, 0x00, 0x41]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("The file is not text"));

    let res = browser
        .post(app.url(&format!("/discover/lists/{id}/entries/{}", c["vegan.chef"])))
        .form(&[("note", "x".repeat(2_001).as_str()), ("tags", "top")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains(&format!("id=\"note-{}-error\"", c["vegan.chef"])),
        "{body}"
    );
    let res = browser
        .post(app.url(&format!("/discover/lists/{id}/entries/{}", c["vegan.chef"])))
        .form(&[("note", "Replied by mail"), ("tags", "top, contacted")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (status, body) = page(&app, &browser, &href).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for text in [
        "<h1>Launch</h1>",
        "@vegan.chef",
        "@demo.cook",
        "Replied by mail",
        ">contacted</span>",
        "Demo data.",
        "fetched <time",
    ] {
        assert!(body.contains(text), "{text}: {body}");
    }
    assert!(
        body.contains("wrote a note on @vegan.chef"),
        "the activity log: {body}"
    );

    let (status, body) = page(&app, &browser, "/discover/favourites").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("@demo.cook") && body.contains("★ Favourite"),
        "{body}"
    );
    assert!(body.contains("1 favourite"), "{body}");

    // The search page loads the controls into each result.
    let (_, body) = page(&app, &browser, "/discover?pool=live").await;
    assert!(
        body.contains(&format!(
            "/discover/lists/controls?profile={}",
            c["vegan.chef"]
        )),
        "{body}"
    );
}

#[tokio::test]
async fn another_workspaces_lists_are_not_found_on_any_route() {
    let app = app().await;
    let (alice, _) = identity::testkit::customer(&app, "alice@example.com", "Alice's").await;
    let (bob, _) = identity::testkit::customer(&app, "bob@example.com", "Bob's").await;
    let bob_member = teammate(&app, &bob, "bobs.mate@example.com", "member").await;
    let mate = user_id(&app, &bob_member).await;
    let c = creators(&app, &["vegan.chef", "yoga_anna"]).await;

    let list = new_list(&app, &bob, json!({"name": "Bob's list"})).await;
    call(
        &app,
        &bob,
        Method::POST,
        &format!("/api/v1/discovery/lists/{list}/entries"),
        Some(json!({"profile_ids": [c["vegan.chef"]]})),
    )
    .await;
    call(
        &app,
        &bob,
        Method::PUT,
        &format!("/api/v1/discovery/lists/{list}/collaborators/{mate}"),
        Some(json!({"access": "edit"})),
    )
    .await;
    let (_, t) = call(
        &app,
        &bob,
        Method::POST,
        &format!("/api/v1/discovery/lists/{list}/template"),
        Some(json!({"name": "Bob's template"})),
    )
    .await;
    let template = t["id"].as_str().unwrap().to_string();
    call(
        &app,
        &bob,
        Method::PUT,
        &format!("/api/v1/discovery/favourites/{}", c["vegan.chef"]),
        None,
    )
    .await;

    let witnesses = [
        format!("/api/v1/discovery/lists/{list}"),
        format!("/api/v1/discovery/lists/{list}/entries"),
        format!("/api/v1/discovery/lists/{list}/collaborators"),
        format!("/api/v1/discovery/lists/{list}/activity"),
        "/api/v1/discovery/list-templates".to_string(),
        "/api/v1/discovery/favourites".to_string(),
    ];
    let witness: Vec<&str> = witnesses.iter().map(String::as_str).collect();
    let (_, doc) = discovery::web::lists::api::openapi_router().split_for_parts();
    let routes = api_routes(&doc);
    let chef = c["vegan.chef"].to_string();
    let calls = Sweep::new(&app, &alice, &bob, &witness)
        .id("lists/{id}", &list)
        .id("entries/{profile_id}", &chef)
        .id("collaborators/{user_id}", mate)
        .id("list-templates/{id}", &template)
        .json(
            Method::PATCH,
            "/api/v1/discovery/lists/{id}",
            json!({"name": "Taken over"}),
        )
        .json(
            Method::POST,
            "/api/v1/discovery/lists/{id}/entries",
            json!({"profile_ids": [c["yoga_anna"]]}),
        )
        .json(
            Method::POST,
            "/api/v1/discovery/lists/{id}/entries/usernames",
            json!({"text": "yoga_anna"}),
        )
        .json(
            Method::PATCH,
            "/api/v1/discovery/lists/{id}/entries/{profile_id}",
            json!({"note": "Alice was here"}),
        )
        .json(
            Method::PUT,
            "/api/v1/discovery/lists/{id}/collaborators/{user_id}",
            json!({"access": "view"}),
        )
        .json(
            Method::POST,
            "/api/v1/discovery/lists/{id}/template",
            json!({"name": "Stolen"}),
        )
        .run(&routes)
        .await;
    assert_eq!(calls.len(), 15, "every id-taking operation: {calls:#?}");

    // Bob's list named in a form or a query of Alice's is not found either.
    let (status, _) = call(
        &app,
        &alice,
        Method::POST,
        "/api/v1/discovery/lists",
        Some(json!({"name": "From Bob's", "template_id": template})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let browser = identity::testkit::browser(&app, "alice@example.com").await;
    let pages = page_routes(&discovery::feature())
        .into_iter()
        .filter(|r| r.template.starts_with("/discover/list"))
        .collect::<Vec<_>>();
    let calls = Sweep::new(&app, &alice, &bob, &witness)
        .browser(browser)
        .id("lists/{id}", &list)
        .id("entries/{profile_id}", &chef)
        .id("collaborators/{user_id}", mate)
        .id("list-templates/{id}", &template)
        .form(
            Method::POST,
            "/discover/lists/{id}/settings",
            &[("name", "Taken over")],
        )
        .form(
            Method::POST,
            "/discover/lists/{id}/usernames",
            &[("usernames", "yoga_anna")],
        )
        .form(
            Method::POST,
            "/discover/lists/{id}/add",
            &[("profile", &c["yoga_anna"].to_string())],
        )
        .form(
            Method::POST,
            "/discover/lists/{id}/entries/{profile_id}",
            &[("note", "Alice"), ("tags", "")],
        )
        .form(
            Method::POST,
            "/discover/lists/{id}/collaborators",
            &[("user_id", &mate.to_string()), ("access", "edit")],
        )
        .form(
            Method::POST,
            "/discover/lists/{id}/template",
            &[("template_name", "Stolen")],
        )
        .run(&pages)
        .await;
    assert_eq!(calls.len(), 12, "every id-taking page: {calls:#?}");
}

#[tokio::test]
async fn a_list_exports_as_csv_and_json_recorded_with_exact_rates_only_when_unlocked() {
    use discovery::model::unlocks::export;
    use sea_orm::{ColumnTrait, QueryFilter};
    let app = app().await;
    let (owner, ws) = identity::testkit::customer(&app, "owner@example.com", "Agency").await;
    let scope = platform::Scope::for_test(ws);
    billing::service::subscriptions::comp_key(&app.state.db, &scope, "discovery_standard", "test")
        .await
        .unwrap();
    billing::service::credits::add_purchased(
        &app.state.db,
        &scope,
        500,
        "test-credits",
        "test",
        &platform::credits::Actor::System,
    )
    .await
    .unwrap();
    let now = Utc::now();
    let mut ids = Vec::new();
    for name in ["rate.shown", "rate.hidden"] {
        let m = Made {
            username: name.into(),
            pool: "live",
            followers: 10_000,
            bio: "Cook".into(),
            verified: false,
            business: false,
            posts: (0..3)
                .map(|i| {
                    (
                        i + 1,
                        400,
                        100,
                        format!("post {i}"),
                        Some("food"),
                        Some("en"),
                    )
                })
                .collect(),
            followers_30d: None,
            followers_90d: None,
        };
        ids.push(make(&app, &m, now).await);
    }
    discovery::service::index::all(&app.state.db, |_| {})
        .await
        .unwrap();
    let (status, _) = call(
        &app,
        &owner,
        Method::POST,
        &format!("/api/v1/discovery/creators/{}/unlock", ids[0]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let list = new_list(&app, &owner, json!({"name": "Export me"})).await;
    call(
        &app,
        &owner,
        Method::POST,
        &format!("/api/v1/discovery/lists/{list}/entries"),
        Some(json!({"profile_ids": ids})),
    )
    .await;
    call(
        &app,
        &owner,
        Method::PATCH,
        &format!("/api/v1/discovery/lists/{list}/entries/{}", ids[1]),
        Some(json!({"note": "Call back, Monday", "tags": ["maybe"]})),
    )
    .await;

    let res = app
        .api()
        .get(app.url(&format!("/api/v1/discovery/lists/{list}/export?format=csv")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[0].starts_with(
            "username,full_name,profile_url,followers,engagement_band,engagement_rate,"
        ),
        "{csv}"
    );
    assert!(
        lines[1].starts_with("rate.shown,") && lines[1].contains(",high,5,"),
        "the unlocked creator's exact rate: {csv}"
    );
    assert!(
        lines[2].starts_with("rate.hidden,") && lines[2].contains(",high,,"),
        "only the band of a locked one: {csv}"
    );
    assert!(
        lines[2].contains("\"Call back, Monday\",maybe"),
        "note and tags: {csv}"
    );

    let (status, json_rows) = call(
        &app,
        &owner,
        Method::GET,
        &format!("/api/v1/discovery/lists/{list}/export?format=json"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json_rows}");
    assert!(
        json_rows.to_string().contains("Call back, Monday"),
        "{json_rows}"
    );
    let (status, problem) = call(
        &app,
        &owner,
        Method::GET,
        &format!("/api/v1/discovery/lists/{list}/export?format=pdf"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), ["format"]);

    let records = export::Entity::find()
        .filter(export::Column::WorkspaceId.eq(ws))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(records.len(), 2, "each export recorded");
    assert!(
        records
            .iter()
            .all(|r| r.kind == "list" && r.rows == Some(2))
    );

    let browser = identity::testkit::browser(&app, "owner@example.com").await;
    let (status, body) = page(&app, &browser, &format!("/discover/lists/{list}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains(&format!("/discover/lists/{list}/export?format=xlsx")),
        "{body}"
    );
    let res = browser
        .get(app.url(&format!("/discover/lists/{list}/export?format=xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(&res.bytes().await.unwrap()[..2], b"PK", "an xlsx file");
}
