//! Google sign-in against a local OpenID provider that speaks the wire format: discovery
//! document, JWKS, an authorization endpoint (simulated consent), and a token endpoint that
//! checks the client secret and the PKCE verifier and returns an RS256-signed ID token.
//! The RSA key in `fixtures/` is a throw-away key made for this test only.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode as AxumStatus},
    response::IntoResponse,
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::StatusCode;
use rsa::{
    RsaPrivateKey,
    pkcs1::DecodeRsaPrivateKey,
    pkcs1v15::SigningKey,
    signature::{SignatureEncoding, Signer},
    traits::PublicKeyParts,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::*;

const CLIENT_ID: &str = "growthdeck-test.apps.example";
const CLIENT_SECRET: &str = "test-client-secret-not-real";

#[derive(Clone)]
struct Person {
    sub: String,
    email: String,
    verified: bool,
}

#[derive(Default)]
struct Grants {
    /// code → (nonce, PKCE challenge, person)
    codes: HashMap<String, (String, String, Person)>,
}

#[derive(Clone)]
struct Provider {
    issuer: String,
    key: Arc<RsaPrivateKey>,
    grants: Arc<Mutex<Grants>>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Provider {
    fn id_token(&self, nonce: &str, person: &Person) -> String {
        let now = chrono::Utc::now().timestamp();
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": "test" });
        let claims = json!({
            "iss": self.issuer, "aud": CLIENT_ID, "sub": person.sub, "iat": now, "exp": now + 300,
            "nonce": nonce, "email": person.email, "email_verified": person.verified, "name": "Gina Google",
        });
        let signing_input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signer = SigningKey::<Sha256>::new((*self.key).clone());
        let signature = signer.sign(signing_input.as_bytes()).to_bytes();
        format!("{signing_input}.{}", b64(&signature))
    }
}

async fn discovery(State(p): State<Provider>) -> Json<Value> {
    Json(json!({
        "issuer": p.issuer,
        "authorization_endpoint": format!("{}/authorize", p.issuer),
        "token_endpoint": format!("{}/token", p.issuer),
        "jwks_uri": format!("{}/jwks", p.issuer),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "email", "profile"],
    }))
}

async fn jwks(State(p): State<Provider>) -> Json<Value> {
    let public = p.key.to_public_key();
    Json(
        json!({ "keys": [{ "kty": "RSA", "alg": "RS256", "use": "sig", "kid": "test",
        "n": b64(&public.n().to_bytes_be()), "e": b64(&public.e().to_bytes_be()) }] }),
    )
}

fn client_authenticated(headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .map(|v| String::from_utf8_lossy(&v).to_string());
    let expected = format!(
        "{}:{}",
        urlencoding::encode(CLIENT_ID),
        urlencoding::encode(CLIENT_SECRET)
    );
    basic.as_deref() == Some(expected.as_str())
        || (form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
            && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET))
}

async fn token(
    State(p): State<Provider>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> impl IntoResponse {
    if !client_authenticated(&headers, &form) {
        return (
            AxumStatus::UNAUTHORIZED,
            Json(json!({ "error": "invalid_client" })),
        );
    }
    let code = form.get("code").cloned().unwrap_or_default();
    let Some((nonce, challenge, person)) = p.grants.lock().unwrap().codes.remove(&code) else {
        return (
            AxumStatus::BAD_REQUEST,
            Json(json!({ "error": "invalid_grant" })),
        );
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if b64(&Sha256::digest(verifier.as_bytes())) != challenge {
        return (
            AxumStatus::BAD_REQUEST,
            Json(
                json!({ "error": "invalid_grant", "error_description": "PKCE verification failed" }),
            ),
        );
    }
    let id_token = p.id_token(&nonce, &person);
    (
        AxumStatus::OK,
        Json(
            json!({ "access_token": "at-test", "token_type": "Bearer", "expires_in": 3600, "id_token": id_token }),
        ),
    )
}

async fn provider() -> Provider {
    let key = RsaPrivateKey::from_pkcs1_pem(include_str!("fixtures/oidc-test-key.pem")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let p = Provider {
        issuer,
        key: Arc::new(key),
        grants: Arc::default(),
    };
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/token", post(token))
        .with_state(p.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    p
}

async fn setup() -> (platform::testkit::TestApp, Provider) {
    let p = provider().await;
    let issuer = p.issuer.clone();
    let app = app_with(move |c| {
        c.oauth_google_client_id = Some(CLIENT_ID.into());
        c.oauth_google_client_secret = Some(CLIENT_SECRET.into());
        c.oauth_google_issuer = issuer;
    })
    .await;
    (app, p)
}

/// Starts the flow in `browser`, plays the provider's consent for `person`, and returns the
/// callback URL the provider would redirect to.
async fn consent(
    app: &platform::testkit::TestApp,
    p: &Provider,
    browser: &reqwest::Client,
    person: &Person,
) -> String {
    let res = browser
        .get(app.url("/auth/google?next=/workspace/members"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location =
        url::Url::parse(res.headers().get("location").unwrap().to_str().unwrap()).unwrap();
    assert!(
        location
            .as_str()
            .starts_with(&format!("{}/authorize", p.issuer))
    );
    let q: HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["scope"].contains("openid") && q["scope"].contains("email"));
    assert_eq!(q["redirect_uri"], app.url("/auth/google/callback"));
    let code = format!("code-{}", uuid::Uuid::new_v4());
    p.grants.lock().unwrap().codes.insert(
        code.clone(),
        (
            q["nonce"].clone(),
            q["code_challenge"].clone(),
            person.clone(),
        ),
    );
    app.url(&format!(
        "/auth/google/callback?code={code}&state={}",
        urlencoding::encode(&q["state"])
    ))
}

#[tokio::test]
async fn google_sign_in_creates_an_account_then_signs_it_in_again() {
    let (app, p) = setup().await;
    let gina = Person {
        sub: "google-sub-1".into(),
        email: "gina@example.com".into(),
        verified: true,
    };
    let browser = app.browser();
    let callback = consent(&app, &p, &browser, &gina).await;
    let res = browser.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers().get("location").unwrap(),
        "/workspace/members",
        "returns where it started"
    );
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::OK
    );

    // The same callback (state) a second time is refused.
    let res = app.browser().get(&callback).send().await.unwrap();
    assert_eq!(res.headers().get("location").unwrap(), "/login");

    // A later sign-in finds the linked identity: still one user.
    let again = app.browser();
    let callback = consent(&app, &p, &again, &gina).await;
    assert_eq!(
        again.get(&callback).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        again.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::OK
    );
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        identity::model::user::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        signed_up_notices(&app).await,
        1,
        "one new account, one notice"
    );
}

#[tokio::test]
async fn google_links_to_an_existing_account_by_verified_email_only() {
    let (app, p) = setup().await;
    signup(&app, "owner@example.com", "Owner Co").await;
    let unverified = Person {
        sub: "sub-x".into(),
        email: "owner@example.com".into(),
        verified: false,
    };
    let browser = app.browser();
    let callback = consent(&app, &p, &browser, &unverified).await;
    let res = browser.get(&callback).send().await.unwrap();
    assert_eq!(
        res.headers().get("location").unwrap(),
        "/login",
        "unverified email refused"
    );
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );

    let verified = Person {
        sub: "sub-y".into(),
        email: "Owner@Example.com".into(),
        verified: true,
    };
    let callback = consent(&app, &p, &browser, &verified).await;
    assert_eq!(
        browser.get(&callback).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let home = browser
        .get(app.url("/home"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("Owner Co"),
        "signed in to the existing account"
    );
    assert_eq!(
        platform::audit::by_action(&app.state.db, "user.google_linked")
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(signed_up_notices(&app).await, 1, "linking is no sign-up");
}

#[tokio::test]
async fn a_wrong_pkce_verifier_or_forged_state_fails() {
    let (app, p) = setup().await;
    let person = Person {
        sub: "sub-z".into(),
        email: "z@example.com".into(),
        verified: true,
    };
    let browser = app.browser();
    let callback = consent(&app, &p, &browser, &person).await;
    // Tamper with the stored challenge: the verifier our server sends no longer matches.
    for grant in p.grants.lock().unwrap().codes.values_mut() {
        grant.1 = "not-the-challenge".into();
    }
    let res = browser.get(&callback).send().await.unwrap();
    assert_eq!(res.headers().get("location").unwrap(), "/login");
    let forged = app.url("/auth/google/callback?code=anything&state=forged-state");
    assert_eq!(
        browser
            .get(&forged)
            .send()
            .await
            .unwrap()
            .headers()
            .get("location")
            .unwrap(),
        "/login"
    );
    assert_eq!(
        browser.get(app.url("/home")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn google_routes_are_absent_when_not_configured() {
    let app = app().await;
    assert_eq!(
        app.browser()
            .get(app.url("/auth/google"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let login = app
        .browser()
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!login.contains("Sign in with Google"));
}
