//! A/B tests of a subject (an own account or a tracked profile): a test compares two or more
//! variants of one thing ([`Dimension`]) on one outcome ([`Metric`]) over the posts a member
//! tags as belonging to a variant; the first variant is the control. Results are computed
//! when read, from the subject's posts as the instagram feature reports them ([`results`],
//! with the statistics in [`stats`]); a concluded test leaves its lesson in the subject's
//! playbook ([`playbook`]).
//!
//! Tests are reached through the caller's workspace only ([`find_in`]); their subject through
//! `Subject::in_scope`, so another workspace's test, and a post of another profile, are never
//! read or tagged. Free text is limited and refused when longer, never cut.

pub mod playbook;
pub mod results;
pub mod stats;

use chrono::NaiveDate;
use instagram::service::{
    history::{self, PostRecord},
    subject::Subject,
};
use platform::{
    AppState, Ctx, Error, FieldError, Permission, Result, Scope,
    audit::{self, Event},
    db::now,
    web::forms::within,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use uuid::Uuid;

use super::planner::SubjectKey;
use crate::model::ab_tests::{lesson, tagged_post, test, variant};

pub const NAME_MAX: usize = 120;
pub const HYPOTHESIS_MAX: usize = 1000;
pub const VARIANT_NAME_MAX: usize = 60;
pub const VARIANTS_MIN: usize = 2;
pub const VARIANTS_MAX: usize = 5;
pub const LESSON_MAX: usize = 1000;

pub const RUNNING: &str = "running";
pub const CONCLUDED: &str = "concluded";

/// Instagram's launch: every post a subject has is from this day on.
fn first_post_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2010, 10, 6).unwrap_or(NaiveDate::MIN)
}

/// What a test varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    CaptionStyle,
    HashtagSet,
    PostingSlot,
    MediaType,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [
        Dimension::CaptionStyle,
        Dimension::HashtagSet,
        Dimension::PostingSlot,
        Dimension::MediaType,
    ];

    pub fn value(self) -> &'static str {
        match self {
            Dimension::CaptionStyle => "caption_style",
            Dimension::HashtagSet => "hashtag_set",
            Dimension::PostingSlot => "posting_slot",
            Dimension::MediaType => "media_type",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Dimension::CaptionStyle => "Caption style",
            Dimension::HashtagSet => "Hashtag set",
            Dimension::PostingSlot => "Posting slot",
            Dimension::MediaType => "Media type",
        }
    }

    pub fn parse(value: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.value() == value)
    }
}

/// The outcome a test judges, one value per post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    EngagementRate,
    ReachRate,
    Saves,
    Comments,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::EngagementRate,
        Metric::ReachRate,
        Metric::Saves,
        Metric::Comments,
    ];

    pub fn value(self) -> &'static str {
        match self {
            Metric::EngagementRate => "engagement_rate",
            Metric::ReachRate => "reach_rate",
            Metric::Saves => "saves",
            Metric::Comments => "comments",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::EngagementRate => "Engagement rate",
            Metric::ReachRate => "Reach rate",
            Metric::Saves => "Saves",
            Metric::Comments => "Comments",
        }
    }

    /// How one post's value is computed.
    pub fn definition(self) -> &'static str {
        match self {
            Metric::EngagementRate => {
                "likes and comments as a share of the followers on the day it was posted, in %"
            }
            Metric::ReachRate => {
                "accounts reached (from insights) as a share of the followers on the day it was posted, in %"
            }
            Metric::Saves => "times saved (from insights)",
            Metric::Comments => "comments on the post",
        }
    }

    /// Reach and saves come from insights, which only an own account's posts have.
    pub fn needs_insights(self) -> bool {
        matches!(self, Metric::ReachRate | Metric::Saves)
    }

    pub fn is_percent(self) -> bool {
        matches!(self, Metric::EngagementRate | Metric::ReachRate)
    }

    pub fn parse(value: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.value() == value)
    }

    /// The post's value; none when the source does not report it.
    pub fn of(self, post: &PostRecord) -> Option<f64> {
        match self {
            Metric::EngagementRate => post.rate,
            Metric::ReachRate => match (post.reach, post.followers) {
                (Some(reach), Some(f)) if f > 0 => Some(reach as f64 * 100.0 / f as f64),
                _ => None,
            },
            Metric::Saves => post.saves.map(|s| s as f64),
            Metric::Comments => post.comments.map(|c| c as f64),
        }
        .filter(|v| v.is_finite())
    }

    /// `3.25 %` or `12`.
    pub fn format(self, v: f64) -> String {
        if self.is_percent() {
            format!("{v:.2} %")
        } else {
            format!("{v:.1}")
        }
    }
}

/// A test as entered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestInput {
    pub name: String,
    pub dimension: String,
    pub metric: String,
    pub hypothesis: String,
    /// The control first.
    pub variants: Vec<String>,
}

/// A checked test.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTest {
    pub name: String,
    pub dimension: Dimension,
    pub metric: Metric,
    pub hypothesis: String,
    pub variants: Vec<String>,
}

fn one_line(field: &str, label: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) {
    if value.is_empty() {
        errors.push(FieldError::new(
            field,
            format!("Enter {}", label.to_lowercase()),
        ));
    } else if let Err(e) = within(field, label, value, max) {
        errors.push(e);
    } else if value.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            format!("{label} must be one line of text"),
        ));
    }
}

fn paragraph(field: &str, label: &str, value: &str, max: usize) -> Option<FieldError> {
    if let Err(e) = within(field, label, value, max) {
        Some(e)
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        Some(FieldError::new(
            field,
            format!("{label} can hold text and line breaks only"),
        ))
    } else {
        None
    }
}

/// The input, trimmed and checked, every problem named by its field; `tracked` refuses the
/// metrics only insights give.
pub fn check(input: TestInput, tracked: bool) -> Result<NewTest> {
    let mut errors = Vec::new();
    let name = input.name.trim().to_string();
    one_line("name", "A name", &name, NAME_MAX, &mut errors);
    let dimension = Dimension::parse(input.dimension.trim());
    if dimension.is_none() {
        errors.push(FieldError::new(
            "dimension",
            "Choose what the test varies: caption style, hashtag set, posting slot or media type",
        ));
    }
    let metric = Metric::parse(input.metric.trim());
    match metric {
        None => errors.push(FieldError::new(
            "metric",
            "Choose the outcome: engagement rate, reach rate, saves or comments",
        )),
        Some(m) if tracked && m.needs_insights() => errors.push(FieldError::new(
            "metric",
            "Reach and saves come from insights, which only your own accounts have: choose engagement rate or comments",
        )),
        Some(_) => {}
    }
    let hypothesis = input.hypothesis.trim().replace("\r\n", "\n");
    if let Some(e) = paragraph("hypothesis", "The hypothesis", &hypothesis, HYPOTHESIS_MAX) {
        errors.push(e);
    }
    let variants: Vec<String> = input
        .variants
        .iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if variants.len() < VARIANTS_MIN || variants.len() > VARIANTS_MAX {
        errors.push(FieldError::new(
            "variants",
            format!("Name {VARIANTS_MIN} to {VARIANTS_MAX} variants, the control first"),
        ));
    }
    for v in &variants {
        let before = errors.len();
        one_line(
            "variants",
            "A variant's name",
            v,
            VARIANT_NAME_MAX,
            &mut errors,
        );
        if errors.len() > before {
            break;
        }
    }
    let mut lower: Vec<String> = variants.iter().map(|v| v.to_lowercase()).collect();
    lower.sort();
    lower.dedup();
    if lower.len() != variants.len() {
        errors.push(FieldError::new(
            "variants",
            "Give each variant its own name",
        ));
    }
    match (dimension, metric) {
        (Some(dimension), Some(metric)) if errors.is_empty() => Ok(NewTest {
            name,
            dimension,
            metric,
            hypothesis,
            variants,
        }),
        _ => Err(Error::Validation(errors)),
    }
}

/// Starts a test of the subject with its variants.
pub async fn create(
    state: &AppState,
    ctx: &Ctx,
    subject: &Subject,
    input: TestInput,
) -> Result<test::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let key = SubjectKey::of(&Scope::of(ctx)?, subject);
    let new = check(input, subject.is_tracked())?;
    let t = now();
    let txn = state.db.begin().await?;
    let row = test::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(key.workspace_id),
        subject_kind: Set(key.kind.to_string()),
        subject_id: Set(key.id),
        name: Set(new.name),
        dimension: Set(new.dimension.value().to_string()),
        metric: Set(new.metric.value().to_string()),
        hypothesis: Set(new.hypothesis),
        status: Set(RUNNING.to_string()),
        winner_variant_id: Set(None),
        concluded_at: Set(None),
        concluded_by: Set(None),
        created_by: Set(Some(ctx.user_id())),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(&txn)
    .await?;
    for (position, name) in new.variants.into_iter().enumerate() {
        variant::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(key.workspace_id),
            test_id: Set(row.id),
            name: Set(name),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Event::new("ab_test.created")
            .by(ctx)
            .target("ab_test", row.id)
            .detail(serde_json::json!({"name": row.name, "subject": subject.profile().username})),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// A test of the caller's workspace; another workspace's is not found.
pub async fn find_in(db: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<test::Model> {
    test::Entity::find_by_id(id)
        .filter(test::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound)
}

/// The subject's tests, newest first.
pub async fn of_subject(db: &impl ConnectionTrait, key: &SubjectKey) -> Result<Vec<test::Model>> {
    Ok(test::Entity::find()
        .filter(test::Column::WorkspaceId.eq(key.workspace_id))
        .filter(test::Column::SubjectKind.eq(key.kind))
        .filter(test::Column::SubjectId.eq(key.id))
        .order_by_desc(test::Column::CreatedAt)
        .order_by_desc(test::Column::Id)
        .all(db)
        .await?)
}

/// The test's variants, the control first.
pub async fn variants(db: &impl ConnectionTrait, t: &test::Model) -> Result<Vec<variant::Model>> {
    Ok(variant::Entity::find()
        .filter(variant::Column::WorkspaceId.eq(t.workspace_id))
        .filter(variant::Column::TestId.eq(t.id))
        .order_by_asc(variant::Column::Position)
        .all(db)
        .await?)
}

/// The test's tagged posts.
pub async fn tags(db: &impl ConnectionTrait, t: &test::Model) -> Result<Vec<tagged_post::Model>> {
    Ok(tagged_post::Entity::find()
        .filter(tagged_post::Column::WorkspaceId.eq(t.workspace_id))
        .filter(tagged_post::Column::TestId.eq(t.id))
        .all(db)
        .await?)
}

/// A test with everything its page and API answer show.
#[derive(Debug, Clone)]
pub struct Detail {
    pub test: test::Model,
    pub subject: Subject,
    pub variants: Vec<variant::Model>,
    pub tags: Vec<tagged_post::Model>,
    /// The subject's posts, oldest first.
    pub posts: Vec<PostRecord>,
    pub results: results::Results,
}

impl Detail {
    pub fn metric(&self) -> Metric {
        Metric::parse(&self.test.metric).unwrap_or(Metric::EngagementRate)
    }

    pub fn is_running(&self) -> bool {
        self.test.status == RUNNING
    }

    pub fn variant_of(&self, post_id: Uuid) -> Option<&variant::Model> {
        let tag = self.tags.iter().find(|t| t.post_id == post_id)?;
        self.variants.iter().find(|v| v.id == tag.variant_id)
    }
}

/// The test with its subject's posts and its results as of now.
pub async fn detail(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Detail> {
    ctx.require(Permission::WorkspaceRead)?;
    let scope = Scope::of(ctx)?;
    let t = find_in(&state.db, &scope, id).await?;
    let subject = Subject::in_scope(state, &scope, &t.subject_kind, t.subject_id).await?;
    let variants = variants(&state.db, &t).await?;
    let tags = tags(&state.db, &t).await?;
    let posts = history::of(&state.db, &subject, first_post_day())
        .await?
        .posts;
    let metric = Metric::parse(&t.metric).unwrap_or(Metric::EngagementRate);
    let results = results::compute(metric, &variants, &tags, &posts);
    Ok(Detail {
        test: t,
        subject,
        variants,
        tags,
        posts,
        results,
    })
}

fn refuse_if_concluded(t: &test::Model) -> Result<()> {
    if t.status == CONCLUDED {
        return Err(Error::Conflict(
            "This test is concluded: its posts can no longer be changed".into(),
        ));
    }
    Ok(())
}

/// Tags a post of the subject as belonging to a variant (`None` removes its tag). A post is
/// in one variant at most: tagging it again moves it.
pub async fn tag(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    post_id: Uuid,
    variant_id: Option<Uuid>,
) -> Result<()> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    let t = find_in(&state.db, &scope, id).await?;
    refuse_if_concluded(&t)?;
    let variant = match variant_id {
        Some(v) => Some(
            variants(&state.db, &t)
                .await?
                .into_iter()
                .find(|x| x.id == v)
                .ok_or_else(|| {
                    Error::validation("variant_id", "Choose one of this test's variants")
                })?,
        ),
        None => None,
    };
    let subject = Subject::in_scope(state, &scope, &t.subject_kind, t.subject_id).await?;
    let posts = history::of(&state.db, &subject, first_post_day())
        .await?
        .posts;
    if !posts.iter().any(|p| p.id == post_id) {
        return Err(Error::validation(
            "post_id",
            format!("That is not one of @{}'s posts", subject.profile().username),
        ));
    }
    let txn = state.db.begin().await?;
    tagged_post::Entity::delete_many()
        .filter(tagged_post::Column::WorkspaceId.eq(t.workspace_id))
        .filter(tagged_post::Column::TestId.eq(t.id))
        .filter(tagged_post::Column::PostId.eq(post_id))
        .exec(&txn)
        .await?;
    if let Some(v) = variant {
        tagged_post::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(t.workspace_id),
            test_id: Set(t.id),
            variant_id: Set(v.id),
            post_id: Set(post_id),
            tagged_by: Set(Some(ctx.user_id())),
            tagged_at: Set(now()),
        }
        .insert(&txn)
        .await?;
    }
    let mut active = t.into_active_model();
    active.updated_at = Set(now());
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// How a test ends: a variant won, or there was no difference worth acting on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Winner(Uuid),
    NoDifference,
}

/// The value forms and the API send: a variant's id or `no_difference`.
pub fn parse_outcome(raw: &str) -> Result<Outcome> {
    let raw = raw.trim();
    if raw == "no_difference" {
        return Ok(Outcome::NoDifference);
    }
    Uuid::parse_str(raw).map(Outcome::Winner).map_err(|_| {
        Error::validation(
            "winner",
            "Choose the winning variant, or that there was no difference",
        )
    })
}

/// Concludes a running test with the member's pick and lesson; the lesson goes to the
/// subject's playbook in the same transaction.
pub async fn conclude(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    outcome: Outcome,
    lesson_text: &str,
) -> Result<(test::Model, lesson::Model)> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    let t = find_in(&state.db, &scope, id).await?;
    let mut errors = Vec::new();
    let text = lesson_text.trim().replace("\r\n", "\n");
    if text.is_empty() {
        errors.push(FieldError::new(
            "lesson",
            "Write the lesson the test taught, for the playbook",
        ));
    } else if let Some(e) = paragraph("lesson", "The lesson", &text, LESSON_MAX) {
        errors.push(e);
    }
    let all = variants(&state.db, &t).await?;
    let (winner, verdict) = match outcome {
        Outcome::Winner(v) => match all.iter().find(|x| x.id == v) {
            Some(x) => (Some(x.id), format!("“{}” won", x.name)),
            None => {
                errors.push(FieldError::new(
                    "winner",
                    "Choose one of this test's variants",
                ));
                (None, String::new())
            }
        },
        Outcome::NoDifference => (None, "No difference".to_string()),
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    refuse_if_concluded(&t)
        .map_err(|_| Error::Conflict("This test is already concluded".into()))?;
    let at = now();
    let txn = state.db.begin().await?;
    let mut active = t.clone().into_active_model();
    active.status = Set(CONCLUDED.to_string());
    active.winner_variant_id = Set(winner);
    active.concluded_at = Set(Some(at));
    active.concluded_by = Set(Some(ctx.user_id()));
    active.updated_at = Set(at);
    let t = active.update(&txn).await?;
    let who = if ctx.user.name.trim().is_empty() {
        ctx.user.email.clone()
    } else {
        ctx.user.name.clone()
    };
    let row = lesson::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(t.workspace_id),
        subject_kind: Set(t.subject_kind.clone()),
        subject_id: Set(t.subject_id),
        test_id: Set(Some(t.id)),
        test_name: Set(t.name.clone()),
        verdict: Set(verdict),
        lesson: Set(text),
        created_by: Set(Some(ctx.user_id())),
        created_by_name: Set(who.chars().take(200).collect()),
        created_at: Set(at),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Event::new("ab_test.concluded")
            .by(ctx)
            .target("ab_test", t.id)
            .detail(serde_json::json!({"name": t.name, "verdict": row.verdict})),
    )
    .await?;
    txn.commit().await?;
    Ok((t, row))
}

/// Removes a test with its variants and tags; its lesson stays in the playbook, without the
/// link to it.
pub async fn delete(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<test::Model> {
    ctx.require(Permission::WorkspaceWrite)?;
    let t = find_in(&state.db, &Scope::of(ctx)?, id).await?;
    let txn = state.db.begin().await?;
    lesson::Entity::update_many()
        .col_expr(
            lesson::Column::TestId,
            sea_orm::sea_query::Expr::value(Option::<Uuid>::None),
        )
        .filter(lesson::Column::WorkspaceId.eq(t.workspace_id))
        .filter(lesson::Column::TestId.eq(t.id))
        .exec(&txn)
        .await?;
    tagged_post::Entity::delete_many()
        .filter(tagged_post::Column::TestId.eq(t.id))
        .exec(&txn)
        .await?;
    variant::Entity::delete_many()
        .filter(variant::Column::TestId.eq(t.id))
        .exec(&txn)
        .await?;
    test::Entity::delete_by_id(t.id).exec(&txn).await?;
    audit::record(
        &txn,
        Event::new("ab_test.deleted")
            .by(ctx)
            .target("ab_test", t.id)
            .detail(serde_json::json!({"name": t.name})),
    )
    .await?;
    txn.commit().await?;
    Ok(t)
}
