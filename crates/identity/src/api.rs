//! JSON API of the identity feature (`/api/v1/...`). Shapes are a contract other tools rely
//! on; every handler validates into a typed command and calls the same services as the pages.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use platform::http::extract::Path;
use platform::openapi::ApiRouter;
use platform::{
    AppState, Ctx, Error, Origin, Result, Role, ctx::TokenScope, error::Problem,
    http::extract::Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{
    model::{api_token, workspace},
    service::{
        accounts::SignupInput,
        invitations, members,
        tokens::{self, NewToken},
        two_factor, workspaces,
    },
};

/// The documented router; the binary merges it into the OpenAPI document.
pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(issue_token))
        .routes(routes!(me))
        .routes(routes!(two_factor_setup))
        .routes(routes!(two_factor_enable))
        .routes(routes!(two_factor_disable))
        .routes(routes!(list_workspaces))
        .routes(routes!(list_members))
        .routes(routes!(change_member_role, remove_member))
        .routes(routes!(list_invitations, create_invitation))
        .routes(routes!(revoke_invitation))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// A malformed id is simply not found (never a 400 that would tell ids apart).
fn parse_id(raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Error::NotFound)
}

fn parse_role(raw: &str) -> Result<Role> {
    Role::parse(raw).ok_or_else(|| {
        Error::validation(
            "role",
            "Role must be one of owner, admin, manager, member, viewer",
        )
    })
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct WorkspaceOut {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

impl From<&workspace::Model> for WorkspaceOut {
    fn from(w: &workspace::Model) -> Self {
        Self {
            id: w.id,
            slug: w.slug.clone(),
            name: w.name.clone(),
        }
    }
}

// ---- auth -----------------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    pub email: String,
    pub password: String,
    pub name: String,
    /// Name of the first workspace.
    pub workspace: String,
}

/// The answer to every accepted sign-up, whether the address was new or already had an
/// account (telling them apart would let anyone find out who has an account). A new address
/// got its account and a verification mail; a known one got a mail to its owner. To work
/// with the new account, exchange the credentials at `POST /api/v1/auth/token`: its answer
/// names the workspace (`workspace.id`, `workspace.slug`).
#[derive(Serialize, ToSchema)]
pub struct SignupResponse {
    /// Always `check_email`.
    #[schema(example = "check_email")]
    pub status: &'static str,
    /// What to tell the person signing up.
    pub message: String,
}

/// Ask for an account and its first workspace. The answer is the same whether or not the
/// address already has an account (202, `check_email`); sign-ups are throttled per client
/// address (429 with `Retry-After`).
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 202, body = SignupResponse), (status = 422, body = Problem), (status = 400, body = Problem),
        (status = 429, body = Problem)))]
async fn signup(
    State(state): State<AppState>,
    origin: Origin,
    Json(req): Json<SignupRequest>,
) -> Result<Response> {
    crate::service::signup::request(
        &state,
        &origin,
        SignupInput {
            email: req.email,
            password: req.password,
            name: req.name,
            workspace: req.workspace,
        },
    )
    .await?;
    let body = SignupResponse {
        status: "check_email",
        message: crate::service::signup::check_email_message(&state),
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
    /// Second-factor code (TOTP or backup code) when 2FA is on.
    pub otp: Option<String>,
    /// Workspace slug; default: the user's first workspace.
    pub workspace: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Bearer token (`gd_…`), shown once.
    pub token: String,
    pub workspace: WorkspaceOut,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Exchange credentials for a read-write API token of one workspace (valid 30 days).
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse),
        (status = 401, body = Problem, description = "wrong credentials; `type` ends in /otp-required or /otp-invalid when the second factor is missing or wrong"),
        (status = 429, body = Problem)))]
async fn issue_token(
    State(state): State<AppState>,
    origin: Origin,
    Json(req): Json<TokenRequest>,
) -> Result<Response> {
    let signed_in = tokens::sign_in(
        &state,
        &origin,
        &req.email,
        &req.password,
        req.otp.as_deref(),
        req.workspace.as_deref(),
    )
    .await?;
    let body = TokenResponse {
        token: signed_in.secret,
        workspace: (&signed_in.workspace).into(),
        expires_at: signed_in.token.expires_at,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

// ---- me -------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct MeUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub two_factor: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub user: MeUser,
    pub workspace: Option<WorkspaceOut>,
    pub role: Option<Role>,
}

/// The caller: user, current workspace and role.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = Problem)))]
async fn me(ctx: Ctx) -> Json<MeResponse> {
    Json(MeResponse {
        user: MeUser {
            id: ctx.user.id,
            email: ctx.user.email.clone(),
            name: ctx.user.name.clone(),
            two_factor: ctx.user.two_factor,
        },
        workspace: ctx.workspace.as_ref().map(|(w, _)| WorkspaceOut {
            id: w.id,
            slug: w.slug.clone(),
            name: w.name.clone(),
        }),
        role: ctx.role(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct TwoFactorSetup {
    /// Base32 secret for manual entry.
    pub secret: String,
    pub otpauth_uri: String,
    /// SVG QR code of `otpauth_uri`.
    pub qr_svg: String,
}

/// Start 2FA set-up: a new secret, pending until enabled with a valid code.
#[utoipa::path(post, path = "/api/v1/me/2fa/setup", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = TwoFactorSetup), (status = 409, body = Problem)))]
async fn two_factor_setup(State(state): State<AppState>, ctx: Ctx) -> Result<Json<TwoFactorSetup>> {
    let s = two_factor::setup(&state, &ctx).await?;
    Ok(Json(TwoFactorSetup {
        secret: s.secret,
        otpauth_uri: s.otpauth_uri,
        qr_svg: s.qr_svg,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct BackupCodes {
    /// Ten single-use codes, shown once.
    pub backup_codes: Vec<String>,
}

/// Enable 2FA with a current code; returns the backup codes once.
#[utoipa::path(post, path = "/api/v1/me/2fa/enable", tag = "me", security(("bearer" = [])), request_body = CodeRequest,
    responses((status = 200, body = BackupCodes), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 429, body = Problem, description = "too many wrong codes or passwords; see `Retry-After`")))]
async fn two_factor_enable(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<CodeRequest>,
) -> Result<Json<BackupCodes>> {
    let backup_codes = two_factor::enable(&state, &ctx, &req.code).await?;
    Ok(Json(BackupCodes { backup_codes }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisableRequest {
    pub password: String,
    pub code: String,
}

/// Turn 2FA off (password and a current code or backup code).
#[utoipa::path(post, path = "/api/v1/me/2fa/disable", tag = "me", security(("bearer" = [])), request_body = DisableRequest,
    responses((status = 204), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 429, body = Problem, description = "too many wrong codes or passwords; see `Retry-After`")))]
async fn two_factor_disable(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<DisableRequest>,
) -> Result<StatusCode> {
    two_factor::disable(&state, &ctx, &req.password, &req.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- workspaces and members -----------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct WorkspaceMembership {
    pub workspace: WorkspaceOut,
    pub role: Role,
}

#[derive(Serialize, ToSchema)]
pub struct WorkspaceList {
    pub items: Vec<WorkspaceMembership>,
}

/// Workspaces the caller belongs to.
#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspace", security(("bearer" = [])),
    responses((status = 200, body = WorkspaceList)))]
async fn list_workspaces(State(state): State<AppState>, ctx: Ctx) -> Result<Json<WorkspaceList>> {
    let mut items: Vec<WorkspaceMembership> = workspaces::list_for_user(&state.db, ctx.user_id())
        .await?
        .iter()
        .map(|(w, r)| WorkspaceMembership {
            workspace: w.into(),
            role: *r,
        })
        .collect();
    // A token is bound to one workspace: it sees only that one.
    if ctx.is_api_token() {
        let current = ctx.workspace_id()?;
        items.retain(|m| m.workspace.id == current);
    }
    Ok(Json(WorkspaceList { items }))
}

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub two_factor: bool,
    pub joined_at: DateTime<Utc>,
}

impl From<members::Member> for MemberOut {
    fn from(m: members::Member) -> Self {
        Self {
            user_id: m.user_id,
            name: m.name,
            email: m.email,
            role: m.role,
            two_factor: m.two_factor,
            joined_at: m.joined_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<MemberOut>,
}

/// Members of the current workspace.
#[utoipa::path(get, path = "/api/v1/workspace/members", tag = "workspace", security(("bearer" = [])),
    responses((status = 200, body = MemberList)))]
async fn list_members(State(state): State<AppState>, ctx: Ctx) -> Result<Json<MemberList>> {
    let items = members::list(&state, &ctx)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(MemberList { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// owner, admin, manager, member or viewer
    pub role: String,
}

/// Change a member's role (never above one's own; the last owner stays owner).
#[utoipa::path(patch, path = "/api/v1/workspace/members/{user_id}", tag = "workspace", security(("bearer" = [])), request_body = RoleRequest,
    params(("user_id" = Uuid, Path)),
    responses((status = 200, body = MemberOut), (status = 404, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
async fn change_member_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(user_id): Path<String>,
    Json(req): Json<RoleRequest>,
) -> Result<Json<MemberOut>> {
    let user_id = parse_id(&user_id)?;
    let role = parse_role(&req.role)?;
    Ok(Json(
        members::change_role(&state, &ctx, user_id, role)
            .await?
            .into(),
    ))
}

/// Remove a member (or leave, with one's own id).
#[utoipa::path(delete, path = "/api/v1/workspace/members/{user_id}", tag = "workspace", security(("bearer" = [])),
    params(("user_id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
async fn remove_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(user_id): Path<String>,
) -> Result<StatusCode> {
    members::remove(&state, &ctx, parse_id(&user_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    pub email: String,
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationOut {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<invitations::Invitation> for InvitationOut {
    fn from(i: invitations::Invitation) -> Self {
        Self {
            id: i.id,
            email: i.email,
            role: i.role,
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvitationList {
    pub items: Vec<InvitationOut>,
}

/// Pending invitations of the current workspace.
#[utoipa::path(get, path = "/api/v1/workspace/invitations", tag = "workspace", security(("bearer" = [])),
    responses((status = 200, body = InvitationList)))]
async fn list_invitations(State(state): State<AppState>, ctx: Ctx) -> Result<Json<InvitationList>> {
    let items = invitations::list(&state, &ctx)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(InvitationList { items }))
}

/// Invite someone by email (7-day link sent by mail).
#[utoipa::path(post, path = "/api/v1/workspace/invitations", tag = "workspace", security(("bearer" = [])), request_body = InvitationRequest,
    responses((status = 201, body = InvitationOut), (status = 422, body = Problem), (status = 403, body = Problem)))]
async fn create_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<InvitationRequest>,
) -> Result<Response> {
    let role = parse_role(&req.role)?;
    let inv = invitations::invite(&state, &ctx, &req.email, role).await?;
    Ok((StatusCode::CREATED, Json(InvitationOut::from(inv))).into_response())
}

/// Revoke a pending invitation.
#[utoipa::path(delete, path = "/api/v1/workspace/invitations/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem)))]
async fn revoke_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    invitations::revoke(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- API tokens -----------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    pub id: Uuid,
    pub name: String,
    /// First characters of the token, to tell tokens apart.
    pub prefix: String,
    pub scope: TokenScope,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<&api_token::Model> for TokenOut {
    fn from(t: &api_token::Model) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            scope: TokenScope::parse(&t.scope).unwrap_or(TokenScope::Read),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenOut>,
}

/// API tokens of the current workspace (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = TokenList), (status = 403, body = Problem)))]
async fn list_tokens(State(state): State<AppState>, ctx: Ctx) -> Result<Json<TokenList>> {
    let items = tokens::list(&state, &ctx)
        .await?
        .iter()
        .map(Into::into)
        .collect();
    Ok(Json(TokenList { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    pub name: String,
    pub scope: TokenScope,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// The secret, shown only in this response.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenOut,
}

/// Create an API token; the secret is in this response only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = [])), request_body = CreateTokenRequest,
    responses((status = 201, body = CreatedToken), (status = 422, body = Problem), (status = 403, body = Problem)))]
async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<CreateTokenRequest>,
) -> Result<Response> {
    let (model, secret) = tokens::create(
        &state,
        &ctx,
        NewToken {
            name: req.name,
            scope: req.scope,
            expires_at: req.expires_at,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: secret,
            info: (&model).into(),
        }),
    )
        .into_response())
}

/// Revoke an API token of the current workspace.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem)))]
async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    tokens::revoke(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
