//! The audits' pages: the workspace's audits (`/audits`, with a form to audit any account or
//! tracked profile), an account's audits (`/instagram/{accounts|tracked}/{id}/audits`), one
//! audit (`/audits/{id}`: score with its weights, each component's evidence, the risk signals
//! said as signals, the recommendations; live progress while it runs; PDF download) and two
//! audits of one account side by side (`/audits/{id}/compare?with=`).

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use instagram::service::{accounts, subject::Subject, tracked};
use platform::{
    AppState, Ctx, Error, Permission, Result,
    http::extract::{Form, Path, Query},
    web::{
        flash,
        forms::{after_action, html, parse_id, redirect_flash},
        links::ObjectLink,
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    model::audit,
    pages::{source_labels, when},
    service::audit::inputs::day,
    service::audit::{
        Level, Report, narrative,
        run::{self, DEFAULT_DAYS},
    },
};

pub const LIST: &str = "/audits";

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(LIST, get(list_page).post(start_any))
        .route(
            "/instagram/accounts/{id}/audits",
            get(account_audits).post(start_account),
        )
        .route(
            "/instagram/tracked/{id}/audits",
            get(tracked_audits).post(start_tracked),
        )
        .route("/audits/{id}", get(detail))
        .route("/audits/{id}/compare", get(compare_page))
        .route("/audits/{id}/pdf", get(pdf))
        .route("/audits/{id}/delete", post(delete))
        .route("/audits/{id}/summary", post(summarise))
}

/// The links on the account and tracked-profile pages.
pub fn links() -> [ObjectLink; 2] {
    [
        ObjectLink {
            object: instagram::ACCOUNT_OBJECT,
            label: "Audits",
            path: "/instagram/accounts/{id}/audits",
            order: 20,
        },
        ObjectLink {
            object: instagram::TRACKED_OBJECT,
            label: "Audits",
            path: "/instagram/tracked/{id}/audits",
            order: 20,
        },
    ]
}

pub fn nav() -> Vec<platform::web::shell::NavEntry> {
    use platform::web::shell::{Icon, NavArea, NavEntry};
    vec![NavEntry {
        label: "Audits",
        href: LIST,
        area: NavArea::Growth,
        icon: Icon::Audit,
        order: 110,
        keywords: "audit score engagement hashtags shadowban report pdf",
    }]
}

/// The ranges offered (days).
const RANGES: [(i64, &str); 4] = [
    (30, "Last 30 days"),
    (90, "Last 90 days"),
    (180, "Last 180 days"),
    (365, "Last 365 days"),
];

struct Row {
    id: String,
    username: String,
    subject_path: String,
    period: String,
    status: &'static str,
    status_class: &'static str,
    score: String,
    created: String,
    demo: bool,
}

fn status_label(s: &str) -> (&'static str, &'static str) {
    match s {
        "queued" => ("Waiting", "badge-info"),
        "running" => ("Running", "badge-info"),
        "done" => ("Done", "badge-success"),
        _ => ("Failed", "badge-danger"),
    }
}

fn score_text(s: Option<f64>) -> String {
    s.map(|s| format!("{s:.0}")).unwrap_or_else(|| "—".into())
}

fn period(a: &audit::Model) -> String {
    format!("{} – {}", day(a.from_day), day(a.to_day))
}

fn subject_path(a: &audit::Model) -> String {
    match a.subject_kind.as_str() {
        "account" => format!("/instagram/accounts/{}", a.subject_id),
        _ => format!("/instagram/tracked/{}", a.subject_id),
    }
}

fn row(a: &audit::Model) -> Row {
    let (status, status_class) = status_label(&a.status);
    Row {
        id: a.id.to_string(),
        username: a.username.clone(),
        subject_path: subject_path(a),
        period: period(a),
        status,
        status_class,
        score: score_text(a.overall_score),
        created: when(Some(&a.created_at)),
        demo: a.sources.split(',').any(|s| s == "demo"),
    }
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "intelligence/audits.html")]
struct ListPage {
    shell: Shell,
    heading: String,
    intro: String,
    back: Option<(String, String)>,
    action: String,
    subjects: Vec<Choice>,
    ranges: Vec<(i64, &'static str, bool)>,
    can_write: bool,
    rows: Vec<Row>,
    price: String,
}

fn ranges() -> Vec<(i64, &'static str, bool)> {
    RANGES
        .iter()
        .map(|(d, l)| (*d, *l, *d == DEFAULT_DAYS))
        .collect()
}

async fn price(state: &AppState, ctx: &Ctx) -> String {
    let Ok(scope) = platform::Scope::of(ctx) else {
        return String::new();
    };
    match state.credits.can_perform(state, &scope, run::ACTION).await {
        Ok(c) if c.cost == 0 && c.free_remaining > 0 => {
            "This audit is free (a free audit of this month).".into()
        }
        Ok(c) if c.cost == 0 => String::new(),
        Ok(c) => format!(
            "An audit costs {} ({} left).",
            platform::web::format::count(c.cost, "credit", "credits"),
            platform::web::format::number(c.balance)
        ),
        Err(_) => String::new(),
    }
}

async fn list_page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    let rows = run::of_workspace(&state, &ctx, None, 200).await?;
    let mut subjects: Vec<Choice> = accounts::list(&state, &ctx)
        .await?
        .into_iter()
        .map(|c| Choice {
            value: format!("account:{}", c.account.id),
            label: format!("@{} (your account)", c.profile.username),
        })
        .collect();
    subjects.extend(
        tracked::list(&state, &ctx)
            .await?
            .into_iter()
            .map(|t| Choice {
                value: format!("tracked:{}", t.tracked.id),
                label: format!("@{} (tracked)", t.profile.username),
            }),
    );
    let (jar, flashes) = flash::take(jar);
    let view = ListPage {
        shell: shell::for_request(&state, Some(&ctx), "Audits", LIST, flashes).await?,
        heading: "Audits".into(),
        intro: "Each audit scores an account on engagement, consistency, content mix, hashtags, captions and growth, with the evidence behind every figure.".into(),
        back: None,
        action: LIST.into(),
        subjects,
        ranges: ranges(),
        can_write: ctx.can(Permission::WorkspaceWrite),
        rows: rows.iter().map(row).collect(),
        price: price(&state, &ctx).await,
    };
    Ok(html(jar, &view))
}

async fn subject_page(
    state: AppState,
    ctx: Ctx,
    subject: Subject,
    jar: CookieJar,
) -> Result<Response> {
    let rows = run::of_subject(&state, &ctx, &subject).await?;
    let username = subject.profile().username.clone();
    let (jar, flashes) = flash::take(jar);
    let title = format!("Audits · @{username}");
    let view = ListPage {
        shell: shell::for_request(&state, Some(&ctx), &title, "/instagram", flashes).await?,
        heading: title.clone(),
        intro: "Every audit of this account; open two to compare them.".into(),
        back: Some((subject.path(), format!("Back to @{username}"))),
        action: format!("{}/audits", subject.path()),
        subjects: Vec::new(),
        ranges: ranges(),
        can_write: ctx.can(Permission::WorkspaceWrite),
        rows: rows.iter().map(row).collect(),
        price: price(&state, &ctx).await,
    };
    Ok(html(jar, &view))
}

async fn account_audits(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let subject = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    subject_page(state, ctx, subject, jar).await
}

async fn tracked_audits(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let subject = Subject::tracked(&state, &ctx, parse_id(&id)?).await?;
    subject_page(state, ctx, subject, jar).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StartForm {
    /// `account:<id>` or `tracked:<id>` (the workspace list's form).
    subject: String,
    days: String,
}

async fn start(
    state: &AppState,
    ctx: &Ctx,
    subject: Subject,
    days: &str,
    jar: CookieJar,
    back: &str,
) -> Result<Response> {
    let days = days.trim().parse::<i64>().unwrap_or(DEFAULT_DAYS);
    match run::request(state, ctx, &subject, days).await {
        Ok(row) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("The audit of @{} has started.", row.username),
            &format!("/audits/{}", row.id),
        )),
        Err(e) => after_action(jar, back, Err::<(), _>(e), |_| String::new()),
    }
}

async fn start_any(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<StartForm>,
) -> Result<Response> {
    let subject = match form.subject.split_once(':') {
        Some(("account", id)) => Subject::account(&state, &ctx, parse_id(id)?).await,
        Some(("tracked", id)) => Subject::tracked(&state, &ctx, parse_id(id)?).await,
        _ => Err(Error::validation("subject", "Choose an account to audit")),
    };
    match subject {
        Ok(s) => start(&state, &ctx, s, &form.days, jar, LIST).await,
        Err(e) => after_action(jar, LIST, Err::<(), _>(e), |_| String::new()),
    }
}

async fn start_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<StartForm>,
) -> Result<Response> {
    let subject = Subject::account(&state, &ctx, parse_id(&id)?).await?;
    let back = format!("{}/audits", subject.path());
    start(&state, &ctx, subject, &form.days, jar, &back).await
}

async fn start_tracked(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<StartForm>,
) -> Result<Response> {
    let subject = Subject::tracked(&state, &ctx, parse_id(&id)?).await?;
    let back = format!("{}/audits", subject.path());
    start(&state, &ctx, subject, &form.days, jar, &back).await
}

struct FindingView {
    level: &'static str,
    class: &'static str,
    text: String,
}

fn finding(level: Level, text: &str) -> FindingView {
    let class = match level {
        Level::Good => "badge-success",
        Level::Info => "badge-info",
        Level::Warning => "badge-warning",
        Level::Risk => "badge-danger",
    };
    FindingView {
        level: level.label(),
        class,
        text: text.to_string(),
    }
}

struct PostView {
    date: String,
    format: String,
    rate: String,
    note: String,
    link: Option<String>,
}

struct ComponentView {
    key: String,
    title: String,
    score: String,
    score_value: f64,
    scored: bool,
    weight: String,
    summary: String,
    method: String,
    benchmark: String,
    figures: Vec<(String, String)>,
    findings: Vec<FindingView>,
    posts: Vec<PostView>,
}

struct RecView {
    title: String,
    detail: String,
    impact: String,
    component: String,
}

#[derive(Template)]
#[template(path = "intelligence/audit.html")]
struct DetailPage {
    shell: Shell,
    id: String,
    username: String,
    subject_path: String,
    period: String,
    status: String,
    job_id: String,
    error: String,
    can_write: bool,
    demo: bool,
    provenance: String,
    overall: String,
    overall_method: String,
    components: Vec<ComponentView>,
    recommendations: Vec<RecView>,
    risks: Vec<FindingView>,
    risk_method: &'static str,
    earlier: Vec<(String, String)>,
    cost: String,
    /// The latest AI summary's fragment (streaming while written), or empty.
    summary: String,
    ai_available: bool,
}

fn components(report: &Report) -> Vec<ComponentView> {
    report
        .components
        .iter()
        .map(|c| ComponentView {
            key: c.key.clone(),
            title: c.title.clone(),
            score: c
                .score
                .map(|s| format!("{s:.0}"))
                .unwrap_or_else(|| "—".into()),
            score_value: c.score.unwrap_or(0.0),
            scored: c.score.is_some(),
            weight: format!("{:.0} %", c.weight * 100.0),
            summary: c.summary.clone(),
            method: c.method.clone(),
            benchmark: c.benchmark.clone(),
            figures: c
                .figures
                .iter()
                .map(|f| (f.label.clone(), f.value.clone()))
                .collect(),
            findings: c
                .findings
                .iter()
                .map(|f| finding(f.level, &f.text))
                .collect(),
            posts: c
                .posts
                .iter()
                .map(|p| PostView {
                    date: p.posted_at.format("%b %-d, %Y %H:%M UTC").to_string(),
                    format: p.media_type.to_lowercase().replace('_', " "),
                    rate: p
                        .rate
                        .map(|r| format!("{r:.2} %"))
                        .unwrap_or_else(|| "—".into()),
                    note: p.note.clone(),
                    link: p.permalink.clone().filter(|l| l.starts_with("https://")),
                })
                .collect(),
        })
        .collect()
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let a = run::find_in(&state, &ctx, parse_id(&id)?).await?;
    let report = run::report_of(&a);
    let earlier: Vec<(String, String)> = run::siblings(&state, &ctx, &a)
        .await?
        .into_iter()
        .map(|o| {
            (
                o.id.to_string(),
                format!("{} (score {})", period(&o), score_text(o.overall_score)),
            )
        })
        .collect();
    let summary = match narrative::latest(&state, &platform::Scope::of(&ctx)?, a.id).await? {
        Some(g) => ai::web::stream::fragment(&g)?,
        None => String::new(),
    };
    let ai_available = ai::provider::connection(&state).await.is_ok();
    let (jar, flashes) = flash::take(jar);
    let title = format!("Audit · @{}", a.username);
    let provenance = match &report {
        Some(r) => format!(
            "{}; data fetched {}; computed {}",
            source_labels(&r.inputs.sources),
            when(r.inputs.fetched_at.as_ref()),
            when(Some(&r.inputs.computed_at))
        ),
        None => String::new(),
    };
    let view = DetailPage {
        shell: shell::for_request(&state, Some(&ctx), &title, LIST, flashes).await?,
        id: a.id.to_string(),
        username: a.username.clone(),
        subject_path: subject_path(&a),
        period: period(&a),
        status: a.status.clone(),
        job_id: a.job_id.map(|j| j.to_string()).unwrap_or_default(),
        error: a.error.clone().unwrap_or_default(),
        can_write: ctx.can(Permission::WorkspaceWrite),
        demo: a.sources.split(',').any(|s| s == "demo"),
        provenance,
        overall: score_text(a.overall_score),
        overall_method: report
            .as_ref()
            .map(|r| r.overall_method.clone())
            .unwrap_or_default(),
        components: report.as_ref().map(components).unwrap_or_default(),
        recommendations: report
            .as_ref()
            .map(|r| {
                r.recommendations
                    .iter()
                    .map(|x| RecView {
                        title: x.title.clone(),
                        detail: x.detail.clone(),
                        impact: format!("+{:.1}", x.impact),
                        component: x.component.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        risks: report
            .as_ref()
            .map(|r| {
                r.risk_signals
                    .iter()
                    .map(|f| finding(f.level, &f.text))
                    .collect()
            })
            .unwrap_or_default(),
        risk_method: crate::service::audit::components::reach::METHOD,
        earlier,
        cost: match (a.status.as_str(), a.cost) {
            (_, 0) => "No credits".into(),
            ("done", c) => platform::web::format::count(c, "credit", "credits"),
            (_, c) => format!(
                "{} held",
                platform::web::format::count(c, "credit", "credits")
            ),
        },
        summary,
        ai_available,
    };
    Ok(html(jar, &view))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CompareQuery {
    with: String,
}

struct DeltaView {
    title: String,
    before: String,
    after: String,
    delta: String,
    class: &'static str,
    figures: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "intelligence/audit_compare.html")]
struct ComparePage {
    shell: Shell,
    username: String,
    before_id: String,
    after_id: String,
    before_period: String,
    after_period: String,
    overall_before: String,
    overall_after: String,
    overall_delta: String,
    overall_class: &'static str,
    rows: Vec<DeltaView>,
    method_note: String,
}

fn signed(d: Option<f64>) -> (String, &'static str) {
    match d {
        Some(d) if d > 0.05 => (format!("+{d:.0}"), "delta-up"),
        Some(d) if d < -0.05 => (format!("{d:.0}"), "delta-down"),
        Some(_) => ("±0".into(), ""),
        None => ("—".into(), ""),
    }
}

async fn compare_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CompareQuery>,
    jar: CookieJar,
) -> Result<Response> {
    let other: Uuid = parse_id(&q.with)?;
    let (before, after, c) = run::compare_pair(&state, &ctx, parse_id(&id)?, other).await?;
    let (jar, flashes) = flash::take(jar);
    let title = format!("Compare audits · @{}", after.username);
    let (overall_delta, overall_class) = signed(c.overall_delta);
    let view = ComparePage {
        shell: shell::for_request(&state, Some(&ctx), &title, LIST, flashes).await?,
        username: after.username.clone(),
        before_id: before.id.to_string(),
        after_id: after.id.to_string(),
        before_period: period(&before),
        after_period: period(&after),
        overall_before: score_text(c.overall_before),
        overall_after: score_text(c.overall_after),
        overall_delta,
        overall_class,
        rows: c
            .components
            .iter()
            .map(|d| {
                let (delta, class) = signed(d.delta);
                DeltaView {
                    title: d.title.clone(),
                    before: score_text(d.before),
                    after: score_text(d.after),
                    delta,
                    class,
                    figures: d
                        .figures
                        .iter()
                        .map(|f| (f.label.clone(), f.before.clone(), f.after.clone()))
                        .collect(),
                }
            })
            .collect(),
        method_note: c.method_note.unwrap_or_default(),
    };
    Ok(html(jar, &view))
}

async fn pdf(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response> {
    super::api::pdf_download(&state, &ctx, &id).await
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let a = run::find_in(&state, &ctx, id).await?;
    let back = format!("{}/audits", subject_path(&a));
    after_action(jar, &back, run::delete(&state, &ctx, id).await, |_| {
        "The audit is deleted.".into()
    })
}

/// Asks the AI for (another) summary and action plan of a finished audit; htmx gets the
/// fragment that streams it, a plain post goes back to the audit.
async fn summarise(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let started = narrative::request(&state, &ctx, id).await;
    if platform::http::meta::current().is_htmx {
        let g = started?;
        return ai::web::stream::fragment_response(&g);
    }
    after_action(jar, &format!("/audits/{id}#ai-summary"), started, |_| {
        "The AI is writing the summary.".into()
    })
}
