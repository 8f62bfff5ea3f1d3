//! The AI studio's foundation: one provider for the whole platform — any OpenAI-compatible
//! Chat Completions server, hosted or local ([`provider`]) — and what every AI feature shares:
//! prompts with their data fenced off ([`prompt`]), calls that are budgeted, charged in
//! credits only when they succeed, and metered ([`call`], [`budget`], [`meter`]), the models
//! staff enabled and their prices ([`models`]), and AI-written texts streamed into pages and
//! kept ([`generation`]). Features (content engine, audit summaries, DM templates) build the
//! prompts; this crate runs them. See `docs/ai.md`.

pub mod budget;
pub mod call;
pub mod features;
pub mod generation;
pub mod meter;
pub mod model;
pub mod models;
pub mod prompt;
pub mod provider;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod web;

pub use call::Caller;
pub use features::AiFeature;
pub use generation::NewText;
pub use prompt::Prompt;

/// Everything this feature contributes to the product.
pub fn feature() -> platform::Feature {
    platform::Feature::new("ai")
        .api(web::api::openapi_router())
        .pages(web::pages::routes())
        .nav(web::pages::nav())
        .staff_routes(web::staff::routes())
        .staff_nav(web::staff::nav())
        .staff_cards(web::staff::dashboard_cards())
        .on_start(|state| Box::pin(async move { start(&state).await }))
}

/// Start-up: the default model is listed (enabled) so a fresh install works once connected.
pub async fn start(state: &platform::AppState) -> platform::Result<()> {
    if let Some(m) = state
        .settings
        .get(platform::settings::DEFAULT_AI_MODEL)
        .await
    {
        models::ensure_default(&state.db, &m).await?;
    }
    Ok(())
}
