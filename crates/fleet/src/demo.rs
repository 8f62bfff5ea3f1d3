//! Demo fleet data for `growthdeck demo`: three demo proxies (hosts under `.invalid`, which
//! never resolve: nothing real is contacted), a demo persona with text and image pools, and
//! twelve demo accounts (`demo.fleet.NN`) imported and assigned to proxies as far as their
//! capacity goes — so the pipeline, the review queue and `growthdeck fleet simulate` have
//! something to show. Everything is labelled demo: providers say "Demo", names start with
//! `demo.`, notes say so. Seeding twice adds nothing.

use platform::{AppState, Result, Scope};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::model::{account, image, image_data, persona, proxy, text};
use crate::service::{accounts, lifecycle::Actor, proxies::assign};

pub const ACCOUNTS: usize = 12;

const BIOS: [&str; 4] = [
    "Slow travel · Lisbon mornings · film photos",
    "Chasing light across Europe ☀️",
    "Coffee first, then the coast",
    "Tiles, trams and tiny cafés",
];
const POSTS: [&str; 3] = [
    "Golden hour over Alfama never gets old.",
    "Found the quietest viewpoint in the city.",
    "Pastel de nata count: too many to say.",
];
const STORIES: [&str; 2] = ["Morning walk", "Sunset from the river"];
const HIGHLIGHTS: [&str; 2] = ["Lisbon", "Cafés"];

/// What was added.
#[derive(Debug, Default)]
pub struct Seeded {
    pub proxies: usize,
    pub accounts: usize,
    pub assigned: usize,
}

/// Seeds the demo fleet into a workspace; `pictures` are (pool kind, PNG bytes) drawn by the
/// caller (the demo source's pictures).
pub async fn seed(
    state: &AppState,
    scope: &Scope,
    pictures: Vec<(&'static str, Vec<u8>)>,
) -> Result<Seeded> {
    let mut out = Seeded::default();
    let db = &state.db;
    let ws = scope.workspace_id();
    let existing = account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(ws))
        .filter(account::Column::UsernameLower.starts_with("demo.fleet."))
        .count(db)
        .await?;
    if existing > 0 {
        return Ok(out);
    }
    let now = platform::db::now();
    let persona_id = Uuid::now_v7();
    persona::Entity::insert(persona::ActiveModel {
        id: Set(persona_id),
        workspace_id: Set(ws),
        name: Set("Demo · Lisbon travel".into()),
        name_lower: Set("demo · lisbon travel".into()),
        location: Set("Lisbon".into()),
        notes: Set("Demo persona: travel pictures from Lisbon. Created by growthdeck demo.".into()),
        created_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    for (i, location) in ["Lisbon", "Lisbon", "Berlin"].iter().enumerate() {
        proxy::Entity::insert(proxy::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(ws),
            kind: Set("http".into()),
            host: Set(format!("demo-proxy-{}.invalid", i + 1)),
            port: Set(8080),
            username: Set("demo".into()),
            password_enc: Set(Some(accounts::seal(state, "demo-only")?)),
            provider: Set("Demo (not a real proxy)".into()),
            location: Set((*location).into()),
            monthly_cost_minor: Set(500),
            currency: Set("USD".into()),
            status: Set("active".into()),
            max_accounts: Set(3),
            account_count: Set(0),
            last_tested_at: Set(None),
            last_test_ok: Set(None),
            last_latency_ms: Set(None),
            last_test_error: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(db)
        .await?;
        out.proxies += 1;
    }
    let texts = BIOS
        .iter()
        .map(|t| ("bio", *t))
        .chain(POSTS.iter().map(|t| ("post", *t)))
        .chain(STORIES.iter().map(|t| ("story", *t)))
        .chain(HIGHLIGHTS.iter().map(|t| ("highlight", *t)));
    for (kind, body) in texts {
        text::Entity::insert(text::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(ws),
            persona_id: Set(None),
            kind: Set(kind.into()),
            text_content: Set(body.into()),
            usage_count: Set(0),
            is_template: Set(false),
            created_at: Set(now),
        })
        .exec_without_returning(db)
        .await?;
    }
    for (i, (kind, bytes)) in pictures.into_iter().enumerate() {
        let id = Uuid::now_v7();
        image::Entity::insert(image::ActiveModel {
            id: Set(id),
            workspace_id: Set(ws),
            persona_id: Set(None),
            kind: Set(kind.into()),
            mime: Set("image/png".into()),
            byte_size: Set(i64::try_from(bytes.len()).unwrap_or(i64::MAX)),
            sha256: Set(hex::encode(Sha256::digest(&bytes))),
            filename: Set(format!("demo-{kind}-{}.png", i + 1)),
            text_content: Set(None),
            is_template: Set(false),
            order_priority: Set(0),
            usage_count: Set(0),
            created_at: Set(now),
        })
        .exec_without_returning(db)
        .await?;
        image_data::Entity::insert(image_data::ActiveModel {
            image_id: Set(id),
            bytes: Set(bytes),
        })
        .exec_without_returning(db)
        .await?;
    }
    let actor = Actor::system("Demo data");
    for i in 1..=ACCOUNTS {
        let username = format!("demo.fleet.{i:02}");
        let secret = platform::crypto::random_token().map_err(platform::Error::internal)?;
        let a = account::Model {
            id: Uuid::now_v7(),
            workspace_id: ws,
            username: username.clone(),
            username_lower: username.clone(),
            password_enc: accounts::seal(state, &secret[..16])?,
            email: format!("{username}@example.com"),
            email_password_enc: None,
            extra: serde_json::json!({"demo": true}),
            state: "imported".into(),
            warmup_step: None,
            warmup_started_at: None,
            warmup_completed_at: None,
            persona_id: None,
            assigned_to_persona_at: None,
            proxy_id: None,
            proxy_assigned_at: None,
            last_worker_id: None,
            last_worker_action_at: None,
            requires_human_review: false,
            last_error_message: None,
            last_error_at: None,
            retry_count: 0,
            import_id: None,
            created_at: now,
            updated_at: now,
        };
        let txn = platform::db::begin_write(db).await?;
        account::Entity::insert(account::ActiveModel {
            id: Set(a.id),
            workspace_id: Set(a.workspace_id),
            username: Set(a.username.clone()),
            username_lower: Set(a.username_lower.clone()),
            password_enc: Set(a.password_enc.clone()),
            email: Set(a.email.clone()),
            email_password_enc: Set(None),
            extra: Set(a.extra.clone()),
            state: Set(a.state.clone()),
            warmup_step: Set(None),
            warmup_started_at: Set(None),
            warmup_completed_at: Set(None),
            persona_id: Set(None),
            assigned_to_persona_at: Set(None),
            proxy_id: Set(None),
            proxy_assigned_at: Set(None),
            last_worker_id: Set(None),
            last_worker_action_at: Set(None),
            requires_human_review: Set(false),
            last_error_message: Set(None),
            last_error_at: Set(None),
            retry_count: Set(0),
            import_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        crate::service::lifecycle::record(
            &txn,
            ws,
            Some(a.id),
            None,
            "transition",
            (None, Some("imported")),
            &actor,
            "Demo account created",
        )
        .await?;
        if assign::auto(&txn, scope, &a, "Lisbon", &actor)
            .await?
            .is_some()
        {
            out.assigned += 1;
        }
        txn.commit().await?;
        out.accounts += 1;
    }
    Ok(out)
}
