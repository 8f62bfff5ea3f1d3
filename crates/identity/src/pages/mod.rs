//! Server-rendered pages of the identity feature: sign-up / sign-in (password, magic link,
//! second factor), password reset, email verification, first-run setup, invitations, the
//! workspace home, account and security settings, workspace settings, members and API tokens.
//!
//! Every page works without JavaScript: plain forms POST, then redirect (303) with a flash,
//! or re-render with inline errors. htmx is not needed anywhere here.

mod account;
mod auth;
mod common;
mod google;
mod home;
mod invitations;
mod links;
mod settings;
mod tokens;
mod workspace;

use platform::web::pages::{PageRoutes, get, post};

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        // Public: landing, sign-up, sign-in, recovery, links.
        .route("/", get(auth::landing))
        .route("/signup", get(auth::signup_form).post(auth::signup))
        .route("/signup/sent", get(auth::signup_sent))
        .route("/login", get(auth::login_form).post(auth::login))
        .route(
            "/login/2fa",
            get(auth::second_factor_form).post(auth::second_factor),
        )
        .route("/logout", post(auth::logout))
        .route("/auth/google", get(google::start))
        .route("/auth/google/callback", get(google::callback))
        .route(
            "/forgot-password",
            get(links::forgot_form).post(links::forgot),
        )
        .route("/reset-password", get(links::reset_form).post(links::reset))
        .route("/verify-email", get(links::verify_email))
        .route("/verify-email/resend", post(links::resend_verification))
        .route(
            "/magic-link",
            get(links::magic_form).post(links::magic_request),
        )
        .route("/magic-link/consume", post(links::magic_consume))
        .route("/setup", get(links::setup_form).post(links::setup))
        .route("/invitations/{token}", get(invitations::invitation))
        .route(
            "/invitations/{token}/accept",
            post(invitations::accept_invitation),
        )
        // Signed in: workspace home, workspaces.
        .route("/home", get(home::home))
        .route(
            "/workspaces/new",
            get(workspace::new_workspace_form).post(workspace::new_workspace),
        )
        .route("/workspaces/switch", post(workspace::switch_workspace))
        // Account and security.
        .route(
            "/account",
            get(account::account).post(account::update_profile),
        )
        .route("/account/profile", post(account::update_profile))
        .route("/account/email", post(account::change_email))
        .route("/account/password", post(account::change_password))
        .route("/account/security", get(account::security))
        .route(
            "/account/security/2fa/setup",
            post(account::two_factor_setup),
        )
        .route(
            "/account/security/2fa/enable",
            post(account::two_factor_enable),
        )
        .route(
            "/account/security/2fa/disable",
            post(account::two_factor_disable),
        )
        .route(
            "/account/security/2fa/backup-codes",
            post(account::regenerate_backup_codes),
        )
        .route(
            "/account/sessions/revoke-others",
            post(account::revoke_other_sessions),
        )
        .route(
            "/account/sessions/{id}/revoke",
            post(account::revoke_session),
        )
        // Workspace administration.
        .route(
            "/workspace/settings",
            get(settings::page).post(settings::rename),
        )
        .route("/workspace/members", get(workspace::members))
        .route(
            "/workspace/members/{user_id}/role",
            post(workspace::change_role),
        )
        .route(
            "/workspace/members/{user_id}/remove",
            post(workspace::remove_member),
        )
        .route("/workspace/transfer", post(workspace::transfer_ownership))
        .route("/workspace/invitations", post(workspace::invite))
        .route(
            "/workspace/invitations/{id}/revoke",
            post(workspace::revoke_invitation),
        )
        .route(
            "/workspace/tokens",
            get(tokens::tokens).post(tokens::create_token),
        )
        .route("/workspace/tokens/{id}/revoke", post(tokens::revoke_token))
}

#[cfg(test)]
mod tests;
