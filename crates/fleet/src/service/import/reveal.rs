//! The audited reveal: an account's Instagram and e-mail passwords, shown to a workspace owner
//! or admin who asks for them explicitly. Each reveal writes a `reveal` row on the account's
//! timeline and an entry in the workspace's audit log (`fleet.account.revealed`), in one
//! transaction with nothing else, before the passwords leave the service. Workers get
//! credentials through their own API, not here.

use platform::{AppState, Ctx, Result, audit};
use sea_orm::TransactionTrait;
use serde::Serialize;
use uuid::Uuid;

use crate::service::{access, accounts, lifecycle};

/// What a reveal shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FleetRevealedCredentials)]
pub struct Credentials {
    pub account_id: Uuid,
    pub username: String,
    pub password: String,
    pub email: String,
    /// The e-mail account's password, when the import had one.
    pub email_password: Option<String>,
}

/// Reveals an account's passwords to an owner or admin (members: 403; another workspace's
/// account: 404), recording who asked and when.
pub async fn credentials(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Credentials> {
    let scope = access::admin(state, ctx).await?;
    let txn = state.db.begin().await?;
    let account = accounts::find_in(&txn, &scope, id).await?;
    let password = accounts::open(state, &account.password_enc)?;
    let email_password = match &account.email_password_enc {
        Some(sealed) => Some(accounts::open(state, sealed)?),
        None => None,
    };
    let actor = lifecycle::Actor::user(ctx);
    lifecycle::record(
        &txn,
        scope.workspace_id(),
        Some(account.id),
        account.proxy_id,
        "reveal",
        (None, None),
        &actor,
        if email_password.is_some() {
            "Passwords revealed (Instagram and e-mail)"
        } else {
            "Password revealed"
        },
    )
    .await?;
    audit::record(
        &txn,
        audit::Event::new("fleet.account.revealed")
            .by(ctx)
            .target("fleet_account", account.id)
            .detail(serde_json::json!({
                "username": account.username,
                "email_password": email_password.is_some(),
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(Credentials {
        account_id: account.id,
        username: account.username,
        password,
        email: account.email,
        email_password,
    })
}
