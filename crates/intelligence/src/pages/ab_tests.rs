//! The A/B test pages: a subject's tests with the form to start one
//! (`/instagram/{accounts|tracked}/{id}/ab-tests`), one test (`/ab-tests/{id}`: the verdict,
//! each variant against the control with its chance, expected lift, interval and risk, the
//! chance to beat control over time, the prior and the method, the posts to tag, the form to
//! conclude), and the subject's playbook (`…/{id}/playbook`). Forms are plain posts: invalid
//! input is answered inline on the page, a failed action with a flash (a toast for htmx).

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use instagram::service::subject::Subject;
use platform::{
    AppState, Ctx, Permission, Result, Scope,
    http::extract::{Form, Path},
    web::{
        charts::{self, Format, Series, Step, Style, Timeline},
        flash,
        forms::{FormErrors, after_action, html_with, parse_id, redirect_flash},
        links::ObjectLink,
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;

use super::planner::{Kind, source_label, subject_of, when_utc};
use crate::service::{
    ab_tests::{
        self, Detail, Dimension, HYPOTHESIS_MAX, LESSON_MAX, Metric, NAME_MAX, TestInput,
        VARIANT_NAME_MAX, VARIANTS_MAX, playbook,
        stats::{self, Unjudged},
    },
    planner::SubjectKey,
};

/// Posts offered for tagging besides those already tagged (newest first).
const OFFERED_POSTS: usize = 60;

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(
            "/instagram/accounts/{id}/ab-tests",
            get(account_list).post(account_create),
        )
        .route(
            "/instagram/tracked/{id}/ab-tests",
            get(tracked_list).post(tracked_create),
        )
        .route("/ab-tests/{id}", get(test_page))
        .route("/ab-tests/{id}/posts", post(tag_post))
        .route("/ab-tests/{id}/conclude", post(conclude))
        .route("/ab-tests/{id}/delete", post(delete))
        .route("/instagram/accounts/{id}/playbook", get(account_playbook))
        .route("/instagram/tracked/{id}/playbook", get(tracked_playbook))
}

/// The links on the account and tracked-profile pages.
pub fn links() -> [ObjectLink; 4] {
    [
        ObjectLink {
            object: instagram::ACCOUNT_OBJECT,
            label: "A/B tests",
            path: "/instagram/accounts/{id}/ab-tests",
            order: 40,
        },
        ObjectLink {
            object: instagram::ACCOUNT_OBJECT,
            label: "Playbook",
            path: "/instagram/accounts/{id}/playbook",
            order: 41,
        },
        ObjectLink {
            object: instagram::TRACKED_OBJECT,
            label: "A/B tests",
            path: "/instagram/tracked/{id}/ab-tests",
            order: 40,
        },
        ObjectLink {
            object: instagram::TRACKED_OBJECT,
            label: "Playbook",
            path: "/instagram/tracked/{id}/playbook",
            order: 41,
        },
    ]
}

fn is_demo(subject: &Subject) -> bool {
    subject.profile().pool == "demo" || subject.profile().source == "demo"
}

fn dimension_label(value: &str) -> &'static str {
    Dimension::parse(value)
        .map(|d| d.label())
        .unwrap_or("Other")
}

fn metric_label(value: &str) -> &'static str {
    Metric::parse(value).map(|m| m.label()).unwrap_or("Other")
}

fn status_badge(status: &str) -> (&'static str, &'static str) {
    if status == ab_tests::CONCLUDED {
        ("Concluded", "badge-muted")
    } else {
        ("Running", "badge-success")
    }
}

// ---- a subject's tests ----------------------------------------------------------------------

/// The new-test form as sent (and shown again after an error).
#[derive(Debug, Default, Deserialize)]
pub struct TestForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    dimension: String,
    #[serde(default)]
    metric: String,
    #[serde(default)]
    hypothesis: String,
    #[serde(default)]
    variant_1: String,
    #[serde(default)]
    variant_2: String,
    #[serde(default)]
    variant_3: String,
    #[serde(default)]
    variant_4: String,
    #[serde(default)]
    variant_5: String,
}

impl TestForm {
    fn variants(&self) -> [&str; VARIANTS_MAX] {
        [
            &self.variant_1,
            &self.variant_2,
            &self.variant_3,
            &self.variant_4,
            &self.variant_5,
        ]
    }
}

struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

struct VariantField {
    name: String,
    label: String,
    value: String,
}

struct TestRow {
    href: String,
    name: String,
    dimension: &'static str,
    metric: &'static str,
    status: &'static str,
    status_class: &'static str,
    started: String,
}

#[derive(Template)]
#[template(path = "intelligence/ab_tests.html")]
struct ListPage {
    shell: Shell,
    username: String,
    back: String,
    action: String,
    playbook: String,
    demo: bool,
    tracked: bool,
    can_write: bool,
    rows: Vec<TestRow>,
    errors: FormErrors,
    form: TestForm,
    dimensions: Vec<Choice>,
    metrics: Vec<Choice>,
    variant_fields: Vec<VariantField>,
    name_max: usize,
    hypothesis_max: usize,
    variant_max: usize,
    min_posts: usize,
}

async fn list(
    state: &AppState,
    ctx: &Ctx,
    subject: &Subject,
    key: &SubjectKey,
    errors: FormErrors,
    form: TestForm,
    jar: CookieJar,
) -> Result<Response> {
    let tests = ab_tests::of_subject(&state.db, key).await?;
    let (jar, flashes) = flash::take(jar);
    let profile = subject.profile();
    let title = format!("A/B tests · @{}", profile.username);
    let back = subject.path();
    let dimension = if form.dimension.is_empty() {
        Dimension::CaptionStyle.value()
    } else {
        form.dimension.as_str()
    };
    let metric = if form.metric.is_empty() {
        Metric::EngagementRate.value()
    } else {
        form.metric.as_str()
    };
    let dimensions = Dimension::ALL
        .into_iter()
        .map(|d| Choice {
            value: d.value(),
            label: d.label(),
            selected: d.value() == dimension,
        })
        .collect();
    let metrics = Metric::ALL
        .into_iter()
        .filter(|m| !(subject.is_tracked() && m.needs_insights()))
        .map(|m| Choice {
            value: m.value(),
            label: m.label(),
            selected: m.value() == metric,
        })
        .collect();
    let variant_fields = form
        .variants()
        .iter()
        .enumerate()
        .map(|(i, v)| VariantField {
            name: format!("variant_{}", i + 1),
            label: match i {
                0 => "Control (what you do now)".to_string(),
                1 => "Variant 2".to_string(),
                n => format!("Variant {} (optional)", n + 1),
            },
            value: v.to_string(),
        })
        .collect();
    let view = ListPage {
        shell: shell::for_request(state, Some(ctx), &title, "/instagram", flashes).await?,
        username: profile.username.clone(),
        action: format!("{back}/ab-tests"),
        playbook: format!("{back}/playbook"),
        back,
        demo: is_demo(subject),
        tracked: subject.is_tracked(),
        can_write: ctx.can(Permission::WorkspaceWrite),
        rows: tests
            .iter()
            .map(|t| {
                let (status, status_class) = status_badge(&t.status);
                TestRow {
                    href: format!("/ab-tests/{}", t.id),
                    name: t.name.clone(),
                    dimension: dimension_label(&t.dimension),
                    metric: metric_label(&t.metric),
                    status,
                    status_class,
                    started: t.created_at.format("%b %-d, %Y").to_string(),
                }
            })
            .collect(),
        errors,
        form,
        dimensions,
        metrics,
        variant_fields,
        name_max: NAME_MAX,
        hypothesis_max: HYPOTHESIS_MAX,
        variant_max: VARIANT_NAME_MAX,
        min_posts: stats::MIN_POSTS,
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn list_of(
    state: AppState,
    ctx: Ctx,
    kind: Kind,
    id: String,
    jar: CookieJar,
) -> Result<Response> {
    let (subject, key) = subject_of(&state, &ctx, kind, &id).await?;
    list(
        &state,
        &ctx,
        &subject,
        &key,
        FormErrors::default(),
        TestForm::default(),
        jar,
    )
    .await
}

async fn create_of(
    state: AppState,
    ctx: Ctx,
    kind: Kind,
    id: String,
    jar: CookieJar,
    form: TestForm,
) -> Result<Response> {
    let (subject, key) = subject_of(&state, &ctx, kind, &id).await?;
    let input = TestInput {
        name: form.name.clone(),
        dimension: form.dimension.clone(),
        metric: form.metric.clone(),
        hypothesis: form.hypothesis.clone(),
        variants: form.variants().iter().map(|v| v.to_string()).collect(),
    };
    match ab_tests::create(&state, &ctx, &subject, input).await {
        Ok(t) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Test started: tag the posts of each variant below.",
            &format!("/ab-tests/{}", t.id),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            list(&state, &ctx, &subject, &key, errors, form, jar).await
        }
    }
}

async fn account_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    list_of(state, ctx, Kind::Account, id, jar).await
}

async fn tracked_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    list_of(state, ctx, Kind::Tracked, id, jar).await
}

async fn account_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<TestForm>,
) -> Result<Response> {
    create_of(state, ctx, Kind::Account, id, jar, form).await
}

async fn tracked_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<TestForm>,
) -> Result<Response> {
    create_of(state, ctx, Kind::Tracked, id, jar, form).await
}

// ---- one test -------------------------------------------------------------------------------

struct VariantRow {
    name: String,
    tagged: usize,
    with_value: usize,
    mean: String,
    chance: String,
    lift: String,
    interval: String,
    risk_variant: String,
    risk_control: String,
    note: String,
}

struct PostRow {
    id: String,
    date: String,
    caption: String,
    media: String,
    value: String,
    variant: String,
    options: Vec<(String, String, bool)>,
}

struct Outcome {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "intelligence/ab_test.html")]
struct TestPage {
    shell: Shell,
    id: String,
    name: String,
    username: String,
    subject_path: String,
    list_path: String,
    playbook: String,
    demo: bool,
    running: bool,
    can_write: bool,
    status: &'static str,
    status_class: &'static str,
    dimension: &'static str,
    metric: &'static str,
    metric_definition: &'static str,
    hypothesis: String,
    verdict: String,
    verdict_class: &'static str,
    concluded: String,
    provenance: String,
    variants: Vec<VariantRow>,
    without_value: usize,
    chart: String,
    method: &'static str,
    prior: String,
    min_posts: usize,
    threshold: String,
    posts: Vec<PostRow>,
    outcomes: Vec<Outcome>,
    lesson: String,
    lesson_max: usize,
    errors: FormErrors,
}

fn percent(v: f64) -> String {
    format!("{:.0} %", (v * 100.0).clamp(0.0, 100.0))
}

fn lift(v: f64) -> String {
    format!("{:+.1} %", v * 100.0)
}

fn caption_snippet(caption: Option<&str>) -> String {
    let text = caption
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() > 70 {
        format!("{}…", text.chars().take(70).collect::<String>())
    } else if text.is_empty() {
        "(no caption)".into()
    } else {
        text
    }
}

fn media_label(p: &instagram::service::history::PostRecord) -> &'static str {
    if p.is_reel() {
        "Reel"
    } else if p.media_type.eq_ignore_ascii_case("CAROUSEL_ALBUM") {
        "Carousel"
    } else if p.media_type.eq_ignore_ascii_case("VIDEO") {
        "Video"
    } else {
        "Image"
    }
}

fn not_judged(u: Unjudged) -> &'static str {
    match u {
        Unjudged::TooFewPosts => "Not enough posts yet",
        Unjudged::ControlMeanZero => "The control's mean is zero",
        Unjudged::NoSpread => "Every post has the same value",
    }
}

fn chance_chart(d: &Detail) -> Result<String> {
    let r = &d.results;
    if r.over_time
        .iter()
        .all(|p| p.chances.iter().all(Option::is_none))
    {
        return Ok(String::new());
    }
    let days: Vec<_> = r.over_time.iter().map(|p| p.day).collect();
    let values: Vec<Vec<Option<f64>>> = (0..d.variants.len().saturating_sub(1))
        .map(|i| {
            r.over_time
                .iter()
                .map(|p| p.chances.get(i).copied().flatten().map(|c| c * 100.0))
                .collect()
        })
        .collect();
    let series: Vec<Series<'_>> = d
        .variants
        .iter()
        .skip(1)
        .zip(&values)
        .map(|(v, values)| Series {
            name: &v.name,
            values,
        })
        .collect();
    charts::timeline(&Timeline {
        title: "Chance to beat control, as of each day a tagged post went out",
        points: &days,
        step: Step::Day,
        series: &series,
        style: Style::Line,
        format: Format::Percent,
        zero_based: true,
    })
}

async fn render_test(
    state: &AppState,
    ctx: &Ctx,
    d: Detail,
    errors: FormErrors,
    form: ConcludeForm,
    jar: CookieJar,
) -> Result<Response> {
    let metric = d.metric();
    let profile = d.subject.profile().clone();
    let subject_path = d.subject.path();
    let control = d
        .variants
        .first()
        .map(|v| v.name.clone())
        .unwrap_or_default();
    let r = &d.results;
    let verdict_class = match r.verdict {
        ab_tests::results::Verdict::LikelyBetter { .. }
        | ab_tests::results::Verdict::ControlLikelyBetter { .. } => "ab-verdict ab-verdict-clear",
        _ => "ab-verdict",
    };
    let variants = r
        .variants
        .iter()
        .map(|v| {
            let c = v.comparison.and_then(|c| c.ok());
            let dash = || "—".to_string();
            VariantRow {
                name: v.variant.name.clone(),
                tagged: v.tagged,
                with_value: v.with_values(),
                mean: v.sample.map(|s| metric.format(s.mean)).unwrap_or_else(dash),
                chance: c
                    .map(|c| percent(c.chance_to_beat_control))
                    .unwrap_or_else(dash),
                lift: c.map(|c| lift(c.lift)).unwrap_or_else(dash),
                interval: c
                    .map(|c| format!("{} to {}", lift(c.lift_low), lift(c.lift_high)))
                    .unwrap_or_else(dash),
                risk_variant: c
                    .map(|c| format!("{:.1} %", c.risk_choosing_variant * 100.0))
                    .unwrap_or_else(dash),
                risk_control: c
                    .map(|c| format!("{:.1} %", c.risk_keeping_control * 100.0))
                    .unwrap_or_else(dash),
                note: match v.comparison {
                    None => "Control".into(),
                    Some(Ok(_)) => String::new(),
                    Some(Err(u)) => not_judged(u).into(),
                },
            }
        })
        .collect();
    let chart = chance_chart(&d)?;
    let provenance = if r.sources.is_empty() {
        "No tagged post has a value yet".to_string()
    } else {
        format!(
            "{}, fetched {}; computed now",
            r.sources
                .iter()
                .map(|s| source_label(s))
                .collect::<Vec<_>>()
                .join(", "),
            when_utc(r.fetched_at.as_ref())
        )
    };
    let running = d.is_running();
    let mut listed: Vec<&instagram::service::history::PostRecord> = d
        .posts
        .iter()
        .rev()
        .enumerate()
        .filter(|(i, p)| *i < OFFERED_POSTS || d.tags.iter().any(|t| t.post_id == p.id))
        .map(|(_, p)| p)
        .collect();
    listed.sort_by_key(|p| std::cmp::Reverse(p.posted_at));
    let posts = listed
        .into_iter()
        .map(|p| {
            let current = d.variant_of(p.id).map(|v| v.id);
            PostRow {
                id: p.id.to_string(),
                date: p.posted_at.format("%b %-d, %Y").to_string(),
                caption: caption_snippet(p.caption.as_deref()),
                media: media_label(p).into(),
                value: metric
                    .of(p)
                    .map(|v| metric.format(v))
                    .unwrap_or_else(|| "no value".into()),
                variant: d
                    .variant_of(p.id)
                    .map(|v| v.name.clone())
                    .unwrap_or_default(),
                options: d
                    .variants
                    .iter()
                    .map(|v| (v.id.to_string(), v.name.clone(), current == Some(v.id)))
                    .collect(),
            }
        })
        .collect();
    let outcomes = d
        .variants
        .iter()
        .map(|v| Outcome {
            value: v.id.to_string(),
            label: format!("“{}” won", v.name),
            selected: form.winner == v.id.to_string(),
        })
        .chain(std::iter::once(Outcome {
            value: "no_difference".into(),
            label: "No difference".into(),
            selected: form.winner == "no_difference",
        }))
        .collect();
    let concluded = match (d.test.concluded_at, d.test.winner_variant_id) {
        (Some(at), Some(w)) => format!(
            "Concluded on {}: “{}” won.",
            at.format("%b %-d, %Y"),
            d.variants
                .iter()
                .find(|v| v.id == w)
                .map(|v| v.name.as_str())
                .unwrap_or("a variant")
        ),
        (Some(at), None) => format!("Concluded on {}: no difference.", at.format("%b %-d, %Y")),
        _ => String::new(),
    };
    let (jar, flashes) = flash::take(jar);
    let (status, status_class) = status_badge(&d.test.status);
    let title = format!("{} · A/B test", d.test.name);
    let view = TestPage {
        shell: shell::for_request(state, Some(ctx), &title, "/instagram", flashes).await?,
        id: d.test.id.to_string(),
        name: d.test.name.clone(),
        username: profile.username.clone(),
        list_path: format!("{subject_path}/ab-tests"),
        playbook: format!("{subject_path}/playbook"),
        subject_path,
        demo: is_demo(&d.subject),
        running,
        can_write: ctx.can(Permission::WorkspaceWrite),
        status,
        status_class,
        dimension: dimension_label(&d.test.dimension),
        metric: metric.label(),
        metric_definition: metric.definition(),
        hypothesis: d.test.hypothesis.clone(),
        verdict: r.verdict.text(&control, metric),
        verdict_class,
        concluded,
        provenance,
        variants,
        without_value: r.without_value,
        chart,
        method: stats::METHOD,
        prior: format!(
            "Normal distribution on the relative lift, mean {:+.0} %, standard deviation {:.0} %",
            stats::PRIOR.mean * 100.0,
            stats::PRIOR.sd * 100.0
        ),
        min_posts: stats::MIN_POSTS,
        threshold: percent(stats::CHANCE_TO_DECIDE),
        posts,
        outcomes,
        lesson: form.lesson,
        lesson_max: LESSON_MAX,
        errors,
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn test_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let d = ab_tests::detail(&state, &ctx, parse_id(&id)?).await?;
    render_test(
        &state,
        &ctx,
        d,
        FormErrors::default(),
        ConcludeForm::default(),
        jar,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct TagForm {
    #[serde(default)]
    post_id: String,
    /// A variant's id, or empty to remove the tag.
    #[serde(default)]
    variant: String,
}

async fn tag_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<TagForm>,
) -> Result<Response> {
    let test_id = parse_id(&id)?;
    let back = format!("/ab-tests/{test_id}#posts");
    let outcome: Result<bool> = async {
        let post_id = uuid::Uuid::parse_str(form.post_id.trim())
            .map_err(|_| platform::Error::validation("post_id", "Choose a post"))?;
        let variant = match form.variant.trim() {
            "" => None,
            v => Some(uuid::Uuid::parse_str(v).map_err(|_| {
                platform::Error::validation("variant_id", "Choose one of this test's variants")
            })?),
        };
        ab_tests::tag(&state, &ctx, test_id, post_id, variant)
            .await
            .map(|()| variant.is_some())
    }
    .await;
    after_action(jar, &back, outcome, |tagged| {
        if tagged {
            "Post tagged.".into()
        } else {
            "Tag removed.".into()
        }
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ConcludeForm {
    #[serde(default)]
    winner: String,
    #[serde(default)]
    lesson: String,
}

async fn conclude(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<ConcludeForm>,
) -> Result<Response> {
    let test_id = parse_id(&id)?;
    // The test must be the caller's before anything about the form is said.
    ab_tests::find_in(&state.db, &Scope::of(&ctx)?, test_id).await?;
    let result = match ab_tests::parse_outcome(&form.winner) {
        Ok(outcome) => ab_tests::conclude(&state, &ctx, test_id, outcome, &form.lesson).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((t, _)) => {
            let subject =
                Subject::in_scope(&state, &Scope::of(&ctx)?, &t.subject_kind, t.subject_id).await?;
            Ok(redirect_flash(
                jar,
                FlashKind::Success,
                "Test concluded: its lesson is in the playbook.",
                &format!("{}/playbook", subject.path()),
            ))
        }
        Err(e @ platform::Error::Validation(_)) => {
            let errors = FormErrors::from_error(e)?;
            let d = ab_tests::detail(&state, &ctx, test_id).await?;
            render_test(&state, &ctx, d, errors, form, jar).await
        }
        Err(e) => platform::web::forms::action_failed(jar, e, &format!("/ab-tests/{test_id}")),
    }
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let test_id = parse_id(&id)?;
    let scope = Scope::of(&ctx)?;
    let t = ab_tests::find_in(&state.db, &scope, test_id).await?;
    let subject = Subject::in_scope(&state, &scope, &t.subject_kind, t.subject_id).await?;
    let to = format!("{}/ab-tests", subject.path());
    after_action(
        jar,
        &to,
        ab_tests::delete(&state, &ctx, test_id).await,
        |t| format!("Test “{}” removed.", t.name),
    )
}

// ---- the playbook ---------------------------------------------------------------------------

struct LessonRow {
    test_href: Option<String>,
    test_name: String,
    verdict: String,
    lesson: String,
    who: String,
    when: String,
}

#[derive(Template)]
#[template(path = "intelligence/playbook.html")]
struct PlaybookPage {
    shell: Shell,
    username: String,
    back: String,
    tests: String,
    demo: bool,
    lessons: Vec<LessonRow>,
}

async fn playbook_of(
    state: AppState,
    ctx: Ctx,
    kind: Kind,
    id: String,
    jar: CookieJar,
) -> Result<Response> {
    let (subject, key) = subject_of(&state, &ctx, kind, &id).await?;
    let lessons = playbook::of_subject(&state.db, &key).await?;
    let (jar, flashes) = flash::take(jar);
    let profile = subject.profile();
    let title = format!("Playbook · @{}", profile.username);
    let back = subject.path();
    let view = PlaybookPage {
        shell: shell::for_request(&state, Some(&ctx), &title, "/instagram", flashes).await?,
        username: profile.username.clone(),
        tests: format!("{back}/ab-tests"),
        back,
        demo: is_demo(&subject),
        lessons: lessons
            .into_iter()
            .map(|l| LessonRow {
                test_href: l.test_id.map(|id| format!("/ab-tests/{id}")),
                test_name: l.test_name,
                verdict: l.verdict,
                lesson: l.lesson,
                who: if l.created_by == Some(ctx.user_id()) {
                    "you".into()
                } else {
                    l.created_by_name
                },
                when: l.created_at.format("%b %-d, %Y").to_string(),
            })
            .collect(),
    };
    Ok(html_with(platform::web::forms::Answer::OK, jar, &view))
}

async fn account_playbook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    playbook_of(state, ctx, Kind::Account, id, jar).await
}

async fn tracked_playbook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    playbook_of(state, ctx, Kind::Tracked, id, jar).await
}
