//! First run: on a fresh installation with no users, one `/setup?token=…` link is minted and
//! printed once; it creates the first owner account and workspace.

use platform::{AppState, Origin, Result, settings};
use sea_orm::{EntityTrait, PaginatorTrait};

use super::{accounts, links, links::Purpose, sessions};
use crate::model::user;

const ISSUED_KEY: &str = "setup.link_issued_at";

/// The first-run URL, only on the start that mints it: later starts return `None` (the link
/// stays valid until used; `growthdeck user create` is the fallback if it was lost).
pub async fn first_run_link(state: &AppState) -> Result<Option<String>> {
    let users = user::Entity::find().count(&state.db).await?;
    if users > 0 || settings::get(&state.db, ISSUED_KEY).await?.is_some() {
        return Ok(None);
    }
    let token = links::create(
        &state.db,
        Purpose::Setup,
        None,
        chrono::Duration::days(3650),
    )
    .await?;
    settings::set(&state.db, ISSUED_KEY, &platform::db::now().to_rfc3339()).await?;
    Ok(Some(super::link(state, &format!("/setup?token={token}"))))
}

/// Is this setup token still good (for rendering the form)?
pub async fn check(state: &AppState, token: &str) -> Result<()> {
    links::peek(&state.db, Purpose::Setup, token)
        .await
        .map(|_| ())
}

/// Creates the first owner (email counts as verified: the operator holds the console) and
/// signs them in.
pub async fn complete(
    state: &AppState,
    origin: &Origin,
    token: &str,
    input: accounts::SignupInput,
) -> Result<sessions::Issued> {
    links::peek(&state.db, Purpose::Setup, token).await?;
    let created = accounts::signup_first_owner(state, origin, input, token).await?;
    sessions::issue(
        &state.db,
        created.user.id,
        Some(created.workspace.id),
        sessions::ACTIVE,
        origin,
    )
    .await
}
