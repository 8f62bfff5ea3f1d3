//! For tests of any feature that uses AI (feature `testkit`, never in a release): a local
//! OpenAI-compatible server ([`fake_llm`]) and an app whose AI points at it.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

pub mod fake_llm;

use platform::testkit::TestApp;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use uuid::Uuid;

use crate::model::ai_model;

/// Models the fake server knows (see [`fake_llm`]).
pub const MODELS: [&str; 7] = ["good", "no-usage", "flaky", "down", "broken", "slow", "cut"];

/// Points the test app's AI at `base` (a fake server) with the fake's key and `good` as the
/// default model: done through the app's configuration (`configure` of `testkit::spawn`).
pub fn configure(config: &mut platform::config::Config, base: &str) {
    config.openai_base_url = base.to_string();
    config.openai_api_key = Some(fake_llm::KEY.to_string());
    config.default_ai_model = "good".into();
}

/// Enables every fake model at $1 / $2 per million tokens (so 42 + 4 tokens cost 50
/// millionths), replacing the unpriced default listed at start-up.
pub async fn enable_models(app: &TestApp) {
    for m in MODELS {
        if let Ok(Some(row)) = crate::models::find(&app.state.db, m).await {
            let _ = ai_model::Entity::delete_by_id(row.id)
                .exec(&app.state.db)
                .await;
        }
        let inserted = ai_model::ActiveModel {
            id: Set(Uuid::now_v7()),
            model: Set(m.into()),
            label: Set(m.into()),
            enabled: Set(true),
            input_micros_per_million: Set(1_000_000),
            output_micros_per_million: Set(2_000_000),
            updated_by: Set(None),
            updated_at: Set(platform::db::now()),
        }
        .insert(&app.state.db)
        .await;
        if let Err(e) = inserted {
            panic!("enable model {m}: {e}");
        }
    }
}
