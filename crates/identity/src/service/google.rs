//! Google sign-in: OpenID Connect authorization-code flow with PKCE (S256), `state` and
//! `nonce`. Enabled when `GROWTHDECK_OAUTH_GOOGLE_CLIENT_ID` and `_SECRET` are set.
//!
//! The `state` is stored hashed and used once; the PKCE verifier is stored encrypted; both
//! expire after 10 minutes. A Google identity is linked to an existing account by *verified*
//! email; otherwise a new account (with its own workspace) is made. Outside calls go through
//! our one reqwest client (no redirects followed, timeouts), adapted to openidconnect's
//! `AsyncHttpClient`.

use std::{future::Future, pin::Pin};

use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    core::{CoreClient, CoreProviderMetadata, CoreResponseType},
};
use platform::{
    AppState, Error, Origin, Result,
    audit::{self, Event},
    crypto,
    db::now,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{accounts, workspaces};
use crate::model::{oauth_identity, oauth_state, user};

const PROVIDER: &str = "google";
const PKCE_PURPOSE: &str = "oauth_pkce";

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("request to the identity provider failed: {0}")]
    Request(#[from] reqwest::Error),
    #[error("bad response from the identity provider: {0}")]
    Response(#[from] http::Error),
}

/// openidconnect's HTTP client trait over our reqwest.
struct Http(reqwest::Client);

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future =
        Pin<Box<dyn Future<Output = Result<openidconnect::HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let response = self
                .0
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await?;
            let mut builder = http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            Ok(builder.body(response.bytes().await?.to_vec())?)
        })
    }
}

fn http_client() -> Result<Http> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map(Http)
        .map_err(Error::internal)
}

fn redirect_url(state: &AppState) -> String {
    super::link(state, "/auth/google/callback")
}

fn provider_error(e: impl std::fmt::Display) -> Error {
    tracing::warn!(error = %e, "google sign-in failed");
    Error::BadRequest("Google sign-in did not work. Try again, or sign in with your email.".into())
}

async fn metadata(state: &AppState, http: &Http) -> Result<CoreProviderMetadata> {
    let issuer =
        IssuerUrl::new(state.config.oauth_google_issuer.clone()).map_err(Error::internal)?;
    CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(provider_error)
}

fn credentials(state: &AppState) -> Result<(ClientId, ClientSecret)> {
    match (
        &state.config.oauth_google_client_id,
        &state.config.oauth_google_client_secret,
    ) {
        (Some(id), Some(secret)) => {
            Ok((ClientId::new(id.clone()), ClientSecret::new(secret.clone())))
        }
        _ => Err(Error::NotFound),
    }
}

/// Where to send the browser: Google's consent page. `return_to` is a local path.
pub async fn start(state: &AppState, return_to: &str) -> Result<String> {
    let (id, secret) = credentials(state)?;
    let http = http_client()?;
    let client =
        CoreClient::from_provider_metadata(metadata(state, &http).await?, id, Some(secret))
            .set_redirect_uri(RedirectUrl::new(redirect_url(state)).map_err(Error::internal)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let t = now();
    oauth_state::ActiveModel {
        id: Set(Uuid::now_v7()),
        state_hash: Set(crypto::token_hash(csrf.secret())),
        provider: Set(PROVIDER.into()),
        pkce_verifier: Set(state
            .keys
            .encrypt_str(PKCE_PURPOSE, verifier.secret())
            .map_err(Error::internal)?),
        nonce: Set(nonce.secret().clone()),
        return_to: Set(Some(return_to.to_string())),
        created_at: Set(t),
        expires_at: Set(t + chrono::Duration::minutes(10)),
    }
    .insert(&state.db)
    .await?;
    Ok(url.to_string())
}

/// What Google told us about the person.
struct GoogleIdentity {
    subject: String,
    email: String,
    name: String,
}

/// Takes the stored attempt for this `state` (once) and exchanges the code.
async fn exchange(
    state: &AppState,
    code: &str,
    state_param: &str,
) -> Result<(GoogleIdentity, String)> {
    let (id, secret) = credentials(state)?;
    let expired = || {
        Error::InvalidLink(
            "This Google sign-in attempt expired or was already used. Start again.".into(),
        )
    };
    let attempt = oauth_state::Entity::find()
        .filter(oauth_state::Column::StateHash.eq(crypto::token_hash(state_param)))
        .filter(oauth_state::Column::Provider.eq(PROVIDER))
        .one(&state.db)
        .await?
        .ok_or_else(expired)?;
    // Single use: whoever deletes the row owns the attempt.
    let deleted = oauth_state::Entity::delete_by_id(attempt.id)
        .exec(&state.db)
        .await?;
    if deleted.rows_affected != 1 || attempt.expires_at <= chrono::Utc::now() {
        return Err(expired());
    }
    let verifier = state
        .keys
        .decrypt_str(PKCE_PURPOSE, &attempt.pkce_verifier)
        .map_err(Error::internal)?;
    let http = http_client()?;
    let client =
        CoreClient::from_provider_metadata(metadata(state, &http).await?, id, Some(secret))
            .set_redirect_uri(RedirectUrl::new(redirect_url(state)).map_err(Error::internal)?);
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(provider_error)?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&http)
        .await
        .map_err(provider_error)?;
    let id_token = response
        .extra_fields()
        .id_token()
        .ok_or_else(|| provider_error("no id_token in the token response"))?;
    let claims = id_token
        .claims(
            &client.id_token_verifier(),
            &Nonce::new(attempt.nonce.clone()),
        )
        .map_err(provider_error)?;
    let email = claims.email().map(|e| e.as_str().to_string());
    let verified = claims.email_verified().unwrap_or(false);
    let Some(email) = email.filter(|_| verified) else {
        return Err(Error::forbidden(
            "Google did not confirm an email address for this account, so it cannot be used to sign in.",
        ));
    };
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_string())
        .unwrap_or_else(|| email.split('@').next().unwrap_or("New user").to_string());
    Ok((
        GoogleIdentity {
            subject: claims.subject().as_str().to_string(),
            email,
            name,
        },
        attempt.return_to.unwrap_or_default(),
    ))
}

/// Finishes the flow: the linked account, else the account with that verified email (linked
/// now), else a new account. Returns the sign-in outcome and the local path to return to.
pub async fn finish(
    state: &AppState,
    origin: &Origin,
    code: &str,
    state_param: &str,
) -> Result<(accounts::SignIn, String)> {
    let (who, return_to) = exchange(state, code, state_param).await?;
    let linked = oauth_identity::Entity::find()
        .filter(oauth_identity::Column::Provider.eq(PROVIDER))
        .filter(oauth_identity::Column::Subject.eq(&who.subject))
        .one(&state.db)
        .await?;
    let user = match linked {
        Some(link) => accounts::find_user(&state.db, link.user_id).await?,
        None => link_or_create(state, origin, &who).await?,
    };
    if user.status != "active" {
        return Err(Error::forbidden(
            "This account is blocked. Contact support.",
        ));
    }
    Ok((
        accounts::start_session(state, origin, user, "google").await?,
        return_to,
    ))
}

async fn link_or_create(
    state: &AppState,
    origin: &Origin,
    who: &GoogleIdentity,
) -> Result<user::Model> {
    let lower = who.email.to_lowercase();
    let txn = platform::db::begin_write(&state.db).await?;
    let (user, announcement) = match accounts::find_by_email(&txn, &lower).await? {
        Some(u) => (u, None),
        None => {
            let email = super::Email {
                display: who.email.clone(),
                lower: lower.clone(),
            };
            let name: String = who.name.chars().take(100).collect();
            let (u, announcement) = accounts::new_user(&txn, &email, &name, None, true).await?;
            workspaces::create_in(&txn, &u, &format!("{}'s workspace", u.name)).await?;
            (u, Some(announcement))
        }
    };
    let created = announcement.is_some();
    oauth_identity::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        provider: Set(PROVIDER.into()),
        subject: Set(who.subject.clone()),
        email: Set(Some(who.email.clone())),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Event::new(if created {
            "user.signed_up"
        } else {
            "user.google_linked"
        })
        .from_origin(origin)
        .actor(Some(user.id), &user.email)
        .target("user", user.id)
        .detail(serde_json::json!({ "provider": PROVIDER })),
    )
    .await?;
    txn.commit().await?;
    if let Some(announcement) = announcement {
        platform::notify::publish(&state.events, announcement).await;
    }
    Ok(user)
}
