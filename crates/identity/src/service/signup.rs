//! Sign-up: a new account and its first workspace. The public form and API go through
//! [`request`], which answers the same whether or not the address already has an account (no
//! account discovery): a new address gets its account and a verification mail, a known one
//! gets a mail to its owner instead. Both cost a password hash and one transaction, so the
//! time does not tell them apart either, and sign-ups are throttled per client address.
//! Operator paths (first-run setup, `growthdeck user create`, the demo) use [`signup`].

use platform::{
    AppState, Error, FieldError, Origin, Result,
    audit::{self, Event},
    db::{is_unique_violation, now},
    events, mail, notify,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

use super::{
    Email, Problems, accounts::find_by_email, links, links::Purpose, text, throttling, workspaces,
};
use crate::{
    model::{user, workspace},
    password,
};

pub struct SignupInput {
    pub email: String,
    pub password: String,
    pub name: String,
    pub workspace: String,
}

pub struct SignedUp {
    pub user: user::Model,
    pub workspace: workspace::Model,
}

/// Validates every field at once, so the form shows all problems together.
async fn validate_signup(input: &SignupInput) -> Result<(Email, String, String)> {
    let mut p = Problems::default();
    let email = p.take(Email::parse("email", &input.email));
    let name = p.take(text("name", "Name", &input.name, 100));
    let ws = p.take(text("workspace", "Workspace name", &input.workspace, 100));
    p.take_err(password::check_policy(
        "password",
        &input.password,
        &input.email,
    ));
    p.finish()?;
    match (email, name, ws) {
        (Some(e), Some(n), Some(w)) => Ok((e, n, w)),
        _ => Err(Error::internal("validation passed without values")),
    }
}

/// The public sign-up (form and API). `Ok(())` means "check your email to continue", for a new
/// address and a known one alike; field errors (format, password policy) come first, as they
/// say nothing about other accounts.
pub async fn request(state: &AppState, origin: &Origin, input: SignupInput) -> Result<()> {
    let (email, name, ws_name) = validate_signup(&input).await?;
    let attempt = throttling::sign_up(state, origin, &email.lower).await?;
    attempt.spent();
    // Hashed in both cases, so a known address answers no faster than a new one.
    let hash = password::hash(&input.password).await?;
    if let Some(owner) = find_by_email(&state.db, &email.lower).await? {
        return tell_owner(state, origin, &owner).await;
    }
    match create_with_hash(state, origin, &email, &name, &ws_name, hash, false, None).await {
        Ok(_) => Ok(()),
        // Another sign-up with this address committed first.
        Err(Error::Validation(_)) => match find_by_email(&state.db, &email.lower).await? {
            Some(owner) => tell_owner(state, origin, &owner).await,
            None => Err(Error::internal("sign-up conflicted without an account")),
        },
        Err(e) => Err(e),
    }
}

/// Whether mail leaves this server (SMTP or Resend configured, here or in the system
/// settings); otherwise it stays in the outbox and the server log for the administrator.
pub fn mail_delivered(state: &AppState) -> bool {
    use platform::settings::{RESEND_API_KEY, SMTP_URL};
    state.settings.cached(SMTP_URL).is_some() || state.settings.cached(RESEND_API_KEY).is_some()
}

/// The "check your email" answer of the sign-up API (the page says the same at more length).
pub fn check_email_message(state: &AppState) -> String {
    if mail_delivered(state) {
        "Check your email to continue: we sent a message to the address given.".into()
    } else {
        "Check your email to continue: this server does not send email yet, so the message \
         was kept in the server log and mail outbox for the administrator."
            .into()
    }
}

/// Notices to one owner per throttle window; past them the attempt is only logged. Refusing
/// the sign-up instead would answer differently for a known address.
const OWNER_NOTICES_PER_WINDOW: u32 = 3;

/// Whether the owner may get one more "someone tried" mail in this window (so repeated
/// sign-ups from many addresses cannot flood their inbox).
async fn owner_notice_allowed(state: &AppState, owner: &user::Model) -> Result<bool> {
    let bucket = platform::throttle::Bucket::shared(
        format!("signup-notice:acct:{}", owner.email_lower),
        platform::throttle::Limit {
            attempts: OWNER_NOTICES_PER_WINDOW,
            window_secs: state.config.throttle_window_secs,
        },
    );
    match platform::throttle::take(&state.db, vec![bucket]).await {
        Ok(slots) => {
            slots.spent();
            Ok(true)
        }
        Err(Error::TooManyRequests { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Someone tried to sign up with an address that has an account: its owner hears of it by
/// mail (at most [`OWNER_NOTICES_PER_WINDOW`] a window; a blocked account hears nothing: it
/// cannot sign in anyway), and the activity log keeps every attempt.
async fn tell_owner(state: &AppState, origin: &Origin, owner: &user::Model) -> Result<()> {
    let mail_owner = owner.status == "active" && owner_notice_allowed(state, owner).await?;
    let txn = platform::db::begin_write(&state.db).await?;
    if mail_owner {
        let name = state.platform_name();
        let login = super::link(state, "/login");
        let reset = super::link(state, "/forgot-password");
        mail::enqueue(
            &txn,
            &owner.email,
            &format!("Someone tried to create a {name} account with your address"),
            &format!(
                "Hello {},\n\nsomeone tried to create a new {name} account with this email address, which already has an account.\n\nIf it was you, sign in instead:\n\n{login}\n\nForgot your password? Set a new one here:\n\n{reset}\n\nIf it was not you, you need not do anything: your account is unchanged.\n",
                owner.name
            ),
        )
        .await?;
    }
    audit::record(
        &txn,
        Event::new("auth.sign_up_existing")
            .from_origin(origin)
            .actor(Some(owner.id), &owner.email)
            .target("user", owner.id),
    )
    .await?;
    txn.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// Creates the user, their first workspace (as owner) and, unless `verified`, sends the
/// verification mail. One transaction: nothing is half-written. For operator paths (command
/// line, demo): a taken address is a field error here.
pub async fn signup(
    state: &AppState,
    origin: &Origin,
    input: SignupInput,
    verified: bool,
) -> Result<SignedUp> {
    create_account(state, origin, input, verified, None).await
}

/// The first owner, from the first-run link: the link is used up in the same transaction, so
/// of two racing requests exactly one creates an account.
pub async fn signup_first_owner(
    state: &AppState,
    origin: &Origin,
    input: SignupInput,
    setup_token: &str,
) -> Result<SignedUp> {
    create_account(state, origin, input, true, Some(setup_token)).await
}

async fn create_account(
    state: &AppState,
    origin: &Origin,
    input: SignupInput,
    verified: bool,
    setup_token: Option<&str>,
) -> Result<SignedUp> {
    let (email, name, ws_name) = validate_signup(&input).await?;
    let hash = password::hash(&input.password).await?;
    create_with_hash(
        state,
        origin,
        &email,
        &name,
        &ws_name,
        hash,
        verified,
        setup_token,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn create_with_hash(
    state: &AppState,
    origin: &Origin,
    email: &Email,
    name: &str,
    ws_name: &str,
    hash: String,
    verified: bool,
    setup_token: Option<&str>,
) -> Result<SignedUp> {
    let txn = platform::db::begin_write(&state.db).await?;
    if let Some(token) = setup_token {
        links::consume(&txn, Purpose::Setup, token).await?;
    }
    let (user, announcement) = new_user(&txn, email, name, Some(hash), verified)
        .await
        .map_err(|e| match e {
            Error::Database(db) if is_unique_violation(&db) => {
                Error::Validation(vec![FieldError::new(
                    "email",
                    "An account with this email already exists. Sign in instead.",
                )])
            }
            e => e,
        })?;
    let workspace = workspaces::create_in(&txn, &user, ws_name).await?;
    if !verified {
        send_verification(state, &txn, &user).await?;
    }
    audit::record(
        &txn,
        Event::new("user.signed_up")
            .from_origin(origin)
            .actor(Some(user.id), &user.email)
            .workspace(Some(workspace.id))
            .target("user", user.id),
    )
    .await?;
    txn.commit().await?;
    state.jobs.wake();
    notify::publish(&state.events, announcement).await;
    Ok(SignedUp { user, workspace })
}

/// Inserts an active user (inside the caller's transaction). `password_hash` is `None` for
/// accounts that sign in only with Google; `verified` when the address is already proven.
///
/// Every way of creating an account comes through here (the sign-up form and API, Google,
/// invitations, first-run setup, the command line), so this is where the staff hear of it: a
/// `customers` notification written in the same transaction. The caller publishes the
/// returned event with [`notify::publish`] once it committed.
pub async fn new_user(
    conn: &impl ConnectionTrait,
    email: &Email,
    name: &str,
    password_hash: Option<String>,
    verified: bool,
) -> Result<(user::Model, events::Event)> {
    let t = now();
    let user = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.display.clone()),
        email_lower: Set(email.lower.clone()),
        name: Set(name.to_string()),
        password_hash: Set(password_hash),
        email_verified_at: Set(verified.then_some(t)),
        status: Set("active".into()),
        totp_secret: Set(None),
        totp_pending_secret: Set(None),
        totp_enabled_at: Set(None),
        totp_last_step: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(conn)
    .await?;
    let announcement = notify::record(conn, sign_up_notice(&user)).await?;
    Ok((user, announcement))
}

/// The staff notification of a new account: the name (shortened) and address, nothing else.
fn sign_up_notice(user: &user::Model) -> notify::Notice {
    let mut name: String = user.name.chars().take(60).collect();
    if name.len() < user.name.len() {
        name.push('…');
    }
    notify::Notice {
        kind: "user.signed_up",
        audience: notify::audience::CUSTOMERS,
        title: format!("New sign-up: {name}"),
        body: user.email.clone(),
        link: Some(format!("/admin/users/{}", user.id)),
    }
}

pub(super) async fn send_verification(
    state: &AppState,
    conn: &impl ConnectionTrait,
    user: &user::Model,
) -> Result<Uuid> {
    links::void_for_user(conn, Purpose::VerifyEmail, user.id).await?;
    let token = links::create(
        conn,
        Purpose::VerifyEmail,
        Some(user.id),
        super::VERIFY_EMAIL_TTL,
    )
    .await?;
    let url = super::link(state, &format!("/verify-email?token={token}"));
    mail::enqueue(
        conn,
        &user.email,
        &format!("Confirm your email for {}", state.platform_name()),
        &format!(
            "Hello {},\n\nconfirm your email address by opening this link (valid for 48 hours):\n\n{url}\n\nIf you did not sign up, ignore this message.\n",
            user.name
        ),
    )
    .await
}
