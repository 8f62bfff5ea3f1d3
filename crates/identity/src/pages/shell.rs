//! The page shell for identity's pages: the platform builds it (`platform::web::shell`); the
//! workspace list comes from this feature's authenticator.

use platform::{
    AppState, Ctx, Result,
    web::shell::{Flash, Shell},
};

/// `path` decides which navigation entry is marked current.
pub async fn shell(
    state: &AppState,
    ctx: Option<&Ctx>,
    title: &str,
    path: &str,
    flashes: Vec<Flash>,
) -> Result<Shell> {
    platform::web::shell::for_request(state, ctx, title, path, flashes).await
}
