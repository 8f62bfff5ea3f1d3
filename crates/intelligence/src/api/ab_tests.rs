//! The A/B tests' JSON API: a subject's tests (list, start), one test with its results
//! computed now (variants, Bayesian comparison with the control, verdict, the chance to beat
//! control as of each day, the prior and the method), tagging a post as a variant, concluding
//! with a lesson, removing; and the subject's playbook. Subjects are an own account
//! (`/api/v1/instagram/accounts/{id}/…`) or a tracked profile (`…/tracked/{id}/…`); another
//! workspace's subject or test is not found. Reads need workspace read, changes workspace
//! write.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Permission, Result, Scope,
    error::Problem,
    http::extract::{Json, Path},
    openapi::ApiRouter,
    web::forms::parse_id,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{
    model::ab_tests::{lesson, test},
    service::{
        ab_tests::{
            self, Detail, TestInput, playbook,
            stats::{self, Unjudged},
        },
        planner::SubjectKey,
    },
};

pub fn openapi_router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(routes!(account_tests, create_account_test))
        .routes(routes!(tracked_tests, create_tracked_test))
        .routes(routes!(get_test, delete_test))
        .routes(routes!(tag_post, untag_post))
        .routes(routes!(conclude_test))
        .routes(routes!(account_playbook))
        .routes(routes!(tracked_playbook))
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Account,
    Tracked,
}

async fn subject(state: &AppState, ctx: &Ctx, kind: Kind, id: &str) -> Result<Subject> {
    let id = parse_id(id)?;
    match kind {
        Kind::Account => Subject::account(state, ctx, id).await,
        Kind::Tracked => Subject::tracked(state, ctx, id).await,
    }
}

/// A test as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct AbTestSummary {
    pub id: Uuid,
    /// `account` or `tracked`.
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub name: String,
    /// `caption_style`, `hashtag_set`, `posting_slot` or `media_type`.
    pub dimension: String,
    /// `engagement_rate`, `reach_rate`, `saves` or `comments`.
    pub metric: String,
    /// `running` or `concluded`.
    pub status: String,
    /// The winner picked when concluded; `null` while running or when concluded as "no
    /// difference".
    pub winner_variant_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub concluded_at: Option<DateTime<Utc>>,
}

impl From<&test::Model> for AbTestSummary {
    fn from(t: &test::Model) -> Self {
        AbTestSummary {
            id: t.id,
            subject_kind: t.subject_kind.clone(),
            subject_id: t.subject_id,
            name: t.name.clone(),
            dimension: t.dimension.clone(),
            metric: t.metric.clone(),
            status: t.status.clone(),
            winner_variant_id: t.winner_variant_id,
            created_at: t.created_at,
            updated_at: t.updated_at,
            concluded_at: t.concluded_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AbTestList {
    /// Newest first.
    pub tests: Vec<AbTestSummary>,
}

/// A test as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbTestIn {
    /// 1–120 characters.
    pub name: String,
    /// `caption_style`, `hashtag_set`, `posting_slot` or `media_type`.
    pub dimension: String,
    /// `engagement_rate`, `reach_rate`, `saves` or `comments` (reach rate and saves need an
    /// own account's insights).
    pub metric: String,
    /// What you expect; up to 1,000 characters.
    #[serde(default)]
    pub hypothesis: String,
    /// 2–5 distinct names of up to 60 characters; the first is the control.
    pub variants: Vec<String>,
}

/// The prior on the relative lift (fractions: 0.3 = 30 %).
#[derive(Debug, Serialize, ToSchema)]
pub struct AbTestPrior {
    /// `normal`.
    pub distribution: String,
    /// `relative_lift`: the variant's mean over the control's, minus one.
    pub on: String,
    pub mean: f64,
    pub sd: f64,
}

/// A variant against the control (lifts as fractions: 0.1 = +10 %).
#[derive(Debug, Serialize, ToSchema)]
pub struct AbTestComparison {
    /// P(lift > 0), 0–1.
    pub chance_to_beat_control: f64,
    /// The posterior mean of the lift.
    pub expected_lift: f64,
    /// The 95 % credible interval of the lift.
    pub lift_low: f64,
    pub lift_high: f64,
    /// The lift of the sample means, before the prior, and its standard error.
    pub observed_lift: f64,
    pub observed_se: f64,
    /// The lift expected to be lost by choosing the variant if it is in fact worse.
    pub risk_choosing_variant: f64,
    /// The lift expected to be lost by keeping the control if the variant is in fact better.
    pub risk_keeping_control: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AbTestVariantOut {
    pub id: Uuid,
    pub name: String,
    pub is_control: bool,
    pub tagged_posts: usize,
    /// Tagged posts that have a value of the metric (the sample).
    pub posts_with_value: usize,
    pub mean: Option<f64>,
    /// Sample standard deviation.
    pub sd: Option<f64>,
    /// Against the control; `null` for the control and while not judged.
    pub comparison: Option<AbTestComparison>,
    /// Why it is not judged: `not_enough_data`, `control_mean_zero` or `no_spread`.
    pub not_judged: Option<String>,
}

/// A variant's chance to beat control as of a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct AbTestChance {
    pub variant_id: Uuid,
    /// `null` while not judged (fewer posts than the minimum).
    pub chance_to_beat_control: Option<f64>,
}

/// The comparison from the tagged posts that went out up to the end of a day (UTC).
#[derive(Debug, Serialize, ToSchema)]
pub struct AbTestDay {
    pub day: NaiveDate,
    pub chances: Vec<AbTestChance>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AbTestResults {
    /// `not_enough_data`, `not_comparable`, `variant_likely_better`, `control_likely_better`
    /// or `no_clear_winner`.
    pub verdict_code: String,
    /// The verdict in words, never stronger than the numbers.
    pub verdict: String,
    /// One point per day a tagged post with a value went out, oldest first.
    pub over_time: Vec<AbTestDay>,
    /// Tagged posts without a value of the metric, left out.
    pub posts_without_value: usize,
    /// Sources of the values (`graph`, `apify`, `demo`).
    pub sources: Vec<String>,
    /// When the newest value was fetched.
    pub fetched_at: Option<DateTime<Utc>>,
}

/// A test with its results as of now.
#[derive(Debug, Serialize, ToSchema)]
pub struct AbTestOut {
    #[serde(flatten)]
    pub test: AbTestSummary,
    pub hypothesis: String,
    /// The control first.
    pub variants: Vec<AbTestVariantOut>,
    pub results: AbTestResults,
    pub prior: AbTestPrior,
    pub min_posts_per_variant: usize,
    /// The chance either way from which a variant is called likely better or worse.
    pub decision_threshold: f64,
    pub credible_level: f64,
    /// The method in words.
    pub method: String,
}

fn unjudged_code(u: Unjudged) -> &'static str {
    match u {
        Unjudged::TooFewPosts => "not_enough_data",
        Unjudged::ControlMeanZero => "control_mean_zero",
        Unjudged::NoSpread => "no_spread",
    }
}

impl From<Detail> for AbTestOut {
    fn from(d: Detail) -> Self {
        let metric = d.metric();
        let r = &d.results;
        let control = d
            .variants
            .first()
            .map(|v| v.name.clone())
            .unwrap_or_default();
        let others: Vec<Uuid> = d.variants.iter().skip(1).map(|v| v.id).collect();
        AbTestOut {
            test: (&d.test).into(),
            hypothesis: d.test.hypothesis.clone(),
            variants: r
                .variants
                .iter()
                .map(|v| AbTestVariantOut {
                    id: v.variant.id,
                    name: v.variant.name.clone(),
                    is_control: v.is_control,
                    tagged_posts: v.tagged,
                    posts_with_value: v.with_values(),
                    mean: v.sample.map(|s| s.mean),
                    sd: v.sample.filter(|s| s.n > 1).map(|s| s.variance.sqrt()),
                    comparison: v.comparison.and_then(|c| c.ok()).map(|c| AbTestComparison {
                        chance_to_beat_control: c.chance_to_beat_control,
                        expected_lift: c.lift,
                        lift_low: c.lift_low,
                        lift_high: c.lift_high,
                        observed_lift: c.observed_lift,
                        observed_se: c.observed_se,
                        risk_choosing_variant: c.risk_choosing_variant,
                        risk_keeping_control: c.risk_keeping_control,
                    }),
                    not_judged: v
                        .comparison
                        .and_then(|c| c.err())
                        .map(|u| unjudged_code(u).to_string()),
                })
                .collect(),
            results: AbTestResults {
                verdict_code: r.verdict.code().to_string(),
                verdict: r.verdict.text(&control, metric),
                over_time: r
                    .over_time
                    .iter()
                    .map(|p| AbTestDay {
                        day: p.day,
                        chances: others
                            .iter()
                            .zip(&p.chances)
                            .map(|(id, c)| AbTestChance {
                                variant_id: *id,
                                chance_to_beat_control: *c,
                            })
                            .collect(),
                    })
                    .collect(),
                posts_without_value: r.without_value,
                sources: r.sources.clone(),
                fetched_at: r.fetched_at,
            },
            prior: AbTestPrior {
                distribution: "normal".into(),
                on: "relative_lift".into(),
                mean: stats::PRIOR.mean,
                sd: stats::PRIOR.sd,
            },
            min_posts_per_variant: stats::MIN_POSTS,
            decision_threshold: stats::CHANCE_TO_DECIDE,
            credible_level: stats::CREDIBLE_LEVEL,
            method: stats::METHOD.to_string(),
        }
    }
}

async fn tests_of(state: &AppState, ctx: &Ctx, kind: Kind, id: &str) -> Result<Json<AbTestList>> {
    ctx.require(Permission::WorkspaceRead)?;
    let subject = subject(state, ctx, kind, id).await?;
    let key = SubjectKey::of(&Scope::of(ctx)?, &subject);
    let tests = ab_tests::of_subject(&state.db, &key).await?;
    Ok(Json(AbTestList {
        tests: tests.iter().map(Into::into).collect(),
    }))
}

async fn create_of(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    body: AbTestIn,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceWrite)?;
    let subject = subject(state, ctx, kind, id).await?;
    let t = ab_tests::create(
        state,
        ctx,
        &subject,
        TestInput {
            name: body.name,
            dimension: body.dimension,
            metric: body.metric,
            hypothesis: body.hypothesis,
            variants: body.variants,
        },
    )
    .await?;
    let detail = ab_tests::detail(state, ctx, t.id).await?;
    Ok((StatusCode::CREATED, Json(AbTestOut::from(detail))).into_response())
}

/// An own account's A/B tests, newest first.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/ab-tests", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AbTestList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn account_tests(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<AbTestList>> {
    tests_of(&state, &ctx, Kind::Account, &id).await
}

/// Start an A/B test of an own account.
#[utoipa::path(post, path = "/api/v1/instagram/accounts/{id}/ab-tests", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AbTestIn,
    responses((status = 201, body = AbTestOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_account_test(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<AbTestIn>,
) -> Result<Response> {
    create_of(&state, &ctx, Kind::Account, &id, body).await
}

/// A tracked profile's A/B tests, newest first.
#[utoipa::path(get, path = "/api/v1/instagram/tracked/{id}/ab-tests", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AbTestList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn tracked_tests(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<AbTestList>> {
    tests_of(&state, &ctx, Kind::Tracked, &id).await
}

/// Start an A/B test of a tracked profile (engagement rate or comments: it has no insights).
#[utoipa::path(post, path = "/api/v1/instagram/tracked/{id}/ab-tests", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AbTestIn,
    responses((status = 201, body = AbTestOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_tracked_test(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<AbTestIn>,
) -> Result<Response> {
    create_of(&state, &ctx, Kind::Tracked, &id, body).await
}

/// An A/B test with its results computed now: each variant against the control, the
/// verdict, the chance to beat control over time, the prior and the method.
#[utoipa::path(get, path = "/api/v1/ab-tests/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AbTestOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_test(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<AbTestOut>> {
    let detail = ab_tests::detail(&state, &ctx, parse_id(&id)?).await?;
    Ok(Json(detail.into()))
}

/// Remove an A/B test with its tags (a lesson it left stays in the playbook).
#[utoipa::path(delete, path = "/api/v1/ab-tests/{id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_test(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    ab_tests::delete(&state, &ctx, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The variant a post belongs to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbTestTagIn {
    /// One of the test's variants.
    pub variant_id: Uuid,
}

/// Tag one of the subject's posts as belonging to a variant (a post tagged before moves).
#[utoipa::path(put, path = "/api/v1/ab-tests/{id}/posts/{post_id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path), ("post_id" = Uuid, Path)), request_body = AbTestTagIn,
    responses((status = 204), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn tag_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, post_id)): Path<(String, String)>,
    Json(body): Json<AbTestTagIn>,
) -> Result<StatusCode> {
    let test_id = parse_id(&id)?;
    let post_id = post_id_of(&post_id)?;
    ab_tests::tag(&state, &ctx, test_id, post_id, Some(body.variant_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a post's tag.
#[utoipa::path(delete, path = "/api/v1/ab-tests/{id}/posts/{post_id}", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path), ("post_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn untag_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, post_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let test_id = parse_id(&id)?;
    let post_id = post_id_of(&post_id)?;
    ab_tests::tag(&state, &ctx, test_id, post_id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A post id that is not an id names no post of the subject: a field error, like any other
/// post that is not the subject's (the test itself was found).
fn post_id_of(raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw)
        .map_err(|_| platform::Error::validation("post_id", "That is not a post id"))
}

/// How a test ended, and what it taught.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbTestConclusionIn {
    /// The winning variant's id, or `no_difference`.
    pub winner: String,
    /// The lesson for the playbook; 1–1,000 characters.
    pub lesson: String,
}

/// A lesson in a subject's playbook.
#[derive(Debug, Serialize, ToSchema)]
pub struct AbTestLessonOut {
    pub id: Uuid,
    pub subject_kind: String,
    pub subject_id: Uuid,
    /// The test it came from; `null` once that test was removed.
    pub test_id: Option<Uuid>,
    pub test_name: String,
    /// The outcome as concluded.
    pub verdict: String,
    pub lesson: String,
    pub created_by: Option<Uuid>,
    /// The member's name when the lesson was written.
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
}

impl From<lesson::Model> for AbTestLessonOut {
    fn from(l: lesson::Model) -> Self {
        AbTestLessonOut {
            id: l.id,
            subject_kind: l.subject_kind,
            subject_id: l.subject_id,
            test_id: l.test_id,
            test_name: l.test_name,
            verdict: l.verdict,
            lesson: l.lesson,
            created_by: l.created_by,
            created_by_name: l.created_by_name,
            created_at: l.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AbTestConcluded {
    pub test: AbTestSummary,
    pub lesson: AbTestLessonOut,
}

/// Conclude a running test: the winner (or no difference) and the lesson, which goes to
/// the subject's playbook.
#[utoipa::path(post, path = "/api/v1/ab-tests/{id}/conclusion", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AbTestConclusionIn,
    responses((status = 201, body = AbTestConcluded), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn conclude_test(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<AbTestConclusionIn>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome = ab_tests::parse_outcome(&body.winner)?;
    let (t, l) = ab_tests::conclude(&state, &ctx, id, outcome, &body.lesson).await?;
    Ok((
        StatusCode::CREATED,
        Json(AbTestConcluded {
            test: (&t).into(),
            lesson: l.into(),
        }),
    )
        .into_response())
}

/// A subject's playbook: the lessons of its concluded tests, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AbTestPlaybook {
    pub lessons: Vec<AbTestLessonOut>,
}

async fn playbook_of(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
) -> Result<Json<AbTestPlaybook>> {
    ctx.require(Permission::WorkspaceRead)?;
    let subject = subject(state, ctx, kind, id).await?;
    let key = SubjectKey::of(&Scope::of(ctx)?, &subject);
    let lessons = playbook::of_subject(&state.db, &key).await?;
    Ok(Json(AbTestPlaybook {
        lessons: lessons.into_iter().map(Into::into).collect(),
    }))
}

/// An own account's playbook.
#[utoipa::path(get, path = "/api/v1/instagram/accounts/{id}/playbook", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AbTestPlaybook), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn account_playbook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<AbTestPlaybook>> {
    playbook_of(&state, &ctx, Kind::Account, &id).await
}

/// A tracked profile's playbook.
#[utoipa::path(get, path = "/api/v1/instagram/tracked/{id}/playbook", tag = "intelligence", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AbTestPlaybook), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn tracked_playbook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<AbTestPlaybook>> {
    playbook_of(&state, &ctx, Kind::Tracked, &id).await
}
