//! The proxy pages: `/fleet/proxies` (utilization: free slots, load by location, which persona
//! uses which proxy, monthly cost; the list; add one; bulk import) and `/fleet/proxies/{id}`
//! (its accounts with move and take-off buttons, assigning one by username, the connection
//! test with its history, editing, deleting). Forms are plain posts: invalid input is answered
//! inline, a failed action with a flash. The test button is htmx: it swaps in the result, and a
//! refusal is a toast. The JSON API is [`api`].

pub mod api;
mod upload;

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, FieldError, Permission, Result,
    http::extract::{Form, Path},
    web::{
        flash,
        format::{count, money, number},
        forms::{
            FormErrors, action_failed, after_action, fmt_opt_time, fmt_time, html_with, parse_id,
            redirect_flash,
        },
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    model::proxy,
    service::{
        lifecycle::State as AccountState,
        proxies::{
            self as service, CREDENTIAL_MAX, Input, Kind, LOCATION_MAX, MAX_ACCOUNTS_LIMIT,
            PROVIDER_MAX, Password, Status,
            bulk::{self, Report},
            placing::{self, AccountRef},
            utilization::{self, Money, Utilization},
        },
    },
    web::nav::{self, Link},
};

const LIST: &str = "/fleet/proxies";

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(LIST, get(list_page).post(create))
        .route("/fleet/proxies/import", post(import))
        .route("/fleet/proxies/assign-waiting", post(assign_waiting))
        .route("/fleet/proxies/{id}", get(proxy_page).post(update))
        .route("/fleet/proxies/{id}/test", post(test))
        .route("/fleet/proxies/{id}/delete", post(delete))
        .route("/fleet/proxies/{id}/assign", post(assign))
        .route(
            "/fleet/proxies/{id}/accounts/{account_id}/move",
            post(move_account),
        )
        .route(
            "/fleet/proxies/{id}/accounts/{account_id}/unassign",
            post(unassign),
        )
}

fn href(id: Uuid) -> String {
    format!("{LIST}/{id}")
}

fn costs(costs: &[Money]) -> String {
    if costs.is_empty() {
        return money(0, "USD");
    }
    costs
        .iter()
        .map(|m| money(m.amount_minor, &m.currency))
        .collect::<Vec<_>>()
        .join(" + ")
}

fn status_class(status: &str) -> &'static str {
    match Status::parse(status) {
        Some(Status::Active) => "badge-success",
        Some(Status::Error) => "badge-danger",
        _ => "badge-muted",
    }
}

struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn kinds(selected: &str) -> Vec<Choice> {
    Kind::ALL
        .into_iter()
        .map(|k| Choice {
            value: k.as_str(),
            label: k.label(),
            selected: k.as_str() == selected,
        })
        .collect()
}

fn statuses(selected: &str) -> Vec<Choice> {
    Status::ALL
        .into_iter()
        .map(|s| Choice {
            value: s.as_str(),
            label: match s {
                Status::Active => "Active: takes accounts",
                Status::Inactive => "Inactive: takes no new accounts",
                Status::Error => "Failing: takes no new accounts",
            },
            selected: s.as_str() == selected,
        })
        .collect()
}

/// The limits the forms show.
struct Limits {
    credential: usize,
    provider: usize,
    location: usize,
    max_accounts: i64,
    lines: String,
    /// The largest request the server reads (the file or text with the form).
    upload: String,
}

fn limits(state: &AppState) -> Limits {
    let bytes = state.config.body_limit_bytes as i64;
    Limits {
        upload: if bytes >= 1024 * 1024 {
            format!("{} MB", number(bytes / (1024 * 1024)))
        } else {
            format!("{} KB", number(bytes / 1024))
        },
        credential: CREDENTIAL_MAX,
        provider: PROVIDER_MAX,
        location: LOCATION_MAX,
        max_accounts: MAX_ACCOUNTS_LIMIT,
        lines: number(bulk::MAX_LINES as i64),
    }
}

// ---- the proxy form -------------------------------------------------------------------------

/// The proxy form as sent (and shown again after an error). The password is never sent back
/// to the browser.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ProxyForm {
    kind: String,
    host: String,
    port: String,
    username: String,
    password: String,
    clear_password: String,
    provider: String,
    location: String,
    monthly_cost: String,
    currency: String,
    status: String,
    max_accounts: String,
}

impl Default for ProxyForm {
    fn default() -> Self {
        ProxyForm {
            kind: "http".into(),
            host: String::new(),
            port: String::new(),
            username: String::new(),
            password: String::new(),
            clear_password: String::new(),
            provider: String::new(),
            location: String::new(),
            monthly_cost: String::new(),
            currency: "USD".into(),
            status: "active".into(),
            max_accounts: service::DEFAULT_MAX_ACCOUNTS.to_string(),
        }
    }
}

impl ProxyForm {
    fn of(p: &proxy::Model) -> Self {
        ProxyForm {
            kind: p.kind.clone(),
            host: p.host.clone(),
            port: p.port.to_string(),
            username: p.username.clone(),
            password: String::new(),
            clear_password: String::new(),
            provider: p.provider.clone(),
            location: p.location.clone(),
            monthly_cost: service::amount_text(p.monthly_cost_minor),
            currency: p.currency.clone(),
            status: p.status.clone(),
            max_accounts: p.max_accounts.to_string(),
        }
    }

    /// The input, or the fields that are not numbers (named like the service's errors).
    fn input(&self) -> std::result::Result<Input, Error> {
        let mut errors = Vec::new();
        let port = self.port.trim().parse::<i64>().unwrap_or_else(|_| {
            errors.push(FieldError::new("port", "A port from 1 to 65535"));
            1
        });
        let max_accounts = self.max_accounts.trim().parse::<i64>().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "max_accounts",
                format!("From 1 to {MAX_ACCOUNTS_LIMIT} accounts"),
            ));
            1
        });
        let monthly_cost_minor = service::parse_amount(&self.monthly_cost).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "monthly_cost_minor",
                "An amount like 12.50",
            ));
            0
        });
        let password = if !self.clear_password.is_empty() {
            Password::Clear
        } else if self.password.is_empty() {
            Password::Keep
        } else {
            Password::Set(self.password.clone())
        };
        let input = Input {
            kind: self.kind.clone(),
            host: self.host.clone(),
            port,
            username: self.username.clone(),
            password,
            provider: self.provider.clone(),
            location: self.location.clone(),
            monthly_cost_minor,
            currency: self.currency.clone(),
            status: self.status.clone(),
            max_accounts,
        };
        if errors.is_empty() {
            return Ok(input);
        }
        // Report every field at once: the number problems and whatever else is wrong.
        if let Err(more) = service::check(&input) {
            for e in more {
                if !errors.iter().any(|x| x.field == e.field) {
                    errors.push(e);
                }
            }
        }
        Err(Error::Validation(errors))
    }
}

// ---- the list and utilization ---------------------------------------------------------------

struct Stat {
    value: String,
    label: &'static str,
    note: String,
}

struct LocationRow {
    location: String,
    proxies: String,
    slots: String,
    used: String,
    free: String,
    cost: String,
}

struct ProxyRow {
    href: String,
    endpoint: String,
    kind: &'static str,
    location: String,
    provider: String,
    load: String,
    full: bool,
    personas: String,
    status: String,
    status_class: &'static str,
    last_test: String,
    last_test_class: &'static str,
    cost: String,
}

fn last_test(p: &proxy::Model) -> (String, &'static str) {
    match (p.last_test_ok, p.last_tested_at.as_ref()) {
        (Some(true), Some(at)) => (
            format!(
                "Passed, {} ms · {}",
                number(i64::from(p.last_latency_ms.unwrap_or(0))),
                fmt_time(at)
            ),
            "badge-success",
        ),
        (Some(false), Some(at)) => (format!("Failed · {}", fmt_time(at)), "badge-danger"),
        _ => ("Not tested".into(), "badge-muted"),
    }
}

fn proxy_row(p: &proxy::Model, u: &Utilization) -> ProxyRow {
    let (last_test, last_test_class) = last_test(p);
    ProxyRow {
        href: href(p.id),
        endpoint: service::endpoint(p),
        kind: Kind::parse(&p.kind).map(Kind::label).unwrap_or("HTTP"),
        location: p.location.clone(),
        provider: p.provider.clone(),
        load: format!("{}/{}", p.account_count, p.max_accounts),
        full: p.account_count >= p.max_accounts,
        personas: u
            .personas
            .get(&p.id)
            .map(|uses| {
                uses.iter()
                    .map(|x| format!("{} ({})", x.name, number(x.accounts)))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        status: Status::label_of(&p.status).to_string(),
        status_class: status_class(&p.status),
        last_test,
        last_test_class,
        cost: money(p.monthly_cost_minor, &p.currency),
    }
}

struct ReportView {
    lines: String,
    inserted: String,
    duplicates: String,
    invalid: String,
    issues: Vec<IssueRow>,
    more: String,
}

struct IssueRow {
    line: String,
    outcome: &'static str,
    proxy: String,
    message: String,
}

/// Issues shown on the page (the API returns all of them).
const ISSUES_SHOWN: usize = 200;

fn report_view(r: &Report) -> ReportView {
    ReportView {
        lines: number(r.lines as i64),
        inserted: number(r.inserted as i64),
        duplicates: number(r.duplicates as i64),
        invalid: number(r.invalid as i64),
        issues: r
            .issues
            .iter()
            .take(ISSUES_SHOWN)
            .map(|i| IssueRow {
                line: number(i.line as i64),
                outcome: if i.outcome == "duplicate" {
                    "Duplicate"
                } else {
                    "Invalid"
                },
                proxy: i.proxy.clone(),
                message: i.message.clone(),
            })
            .collect(),
        more: if r.issues.len() > ISSUES_SHOWN {
            format!(
                "{} more lines were not imported; the API returns every one.",
                number((r.issues.len() - ISSUES_SHOWN) as i64)
            )
        } else {
            String::new()
        },
    }
}

/// The bulk import form as shown again after an error.
#[derive(Debug, Clone)]
pub struct ImportForm {
    text: String,
    kind: String,
}

impl Default for ImportForm {
    fn default() -> Self {
        ImportForm {
            text: String::new(),
            kind: "http".into(),
        }
    }
}

#[derive(Template)]
#[template(path = "fleet/proxies.html")]
struct ListPage {
    shell: Shell,
    subnav: Vec<Link>,
    can_write: bool,
    as_of: String,
    stats: Vec<Stat>,
    can_assign_waiting: bool,
    waiting: String,
    locations: Vec<LocationRow>,
    rows: Vec<ProxyRow>,
    total_cost: String,
    report: Option<ReportView>,
    errors: FormErrors,
    form: ProxyForm,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
    import_errors: FormErrors,
    import: ImportForm,
    import_kinds: Vec<Choice>,
    limits: Limits,
    action: &'static str,
    submit: &'static str,
    has_password: bool,
}

/// What the list page shows besides the figures: a form answered with errors, an import's
/// report.
#[derive(Default)]
struct ListState {
    errors: FormErrors,
    form: ProxyForm,
    import_errors: FormErrors,
    import: ImportForm,
    report: Option<Report>,
}

async fn list(state: &AppState, ctx: &Ctx, s: ListState, jar: CookieJar) -> Result<Response> {
    let (proxies, u) = utilization::utilization(state, ctx).await?;
    let (jar, flashes) = flash::take(jar);
    let as_of = fmt_time(&u.at);
    let source = format!("Live from your proxies · {as_of}");
    let stats = vec![
        Stat {
            value: number(u.free),
            label: "Free slots",
            note: format!(
                "of {} on active proxies · {source}",
                count(u.slots, "slot", "slots")
            ),
        },
        Stat {
            value: number(u.used),
            label: "Accounts on proxies",
            note: source.clone(),
        },
        Stat {
            value: number(u.proxies),
            label: "Proxies",
            note: format!(
                "{} active, {} inactive, {} failing · {source}",
                number(u.active),
                number(u.inactive),
                number(u.failing)
            ),
        },
        Stat {
            value: number(u.waiting_accounts),
            label: "Accounts waiting for a proxy",
            note: format!("Imported, no proxy yet · {source}"),
        },
        Stat {
            value: costs(&u.monthly_cost),
            label: "Monthly cost",
            note: format!("Sum of the costs entered on your proxies · {as_of}"),
        },
    ];
    let answer = if s.errors.messages.is_empty() {
        s.import_errors.answer
    } else {
        s.errors.answer
    };
    let view = ListPage {
        shell: shell::for_request(state, Some(ctx), "Proxies", LIST, flashes).await?,
        subnav: nav::links(LIST),
        can_write: ctx.can(Permission::WorkspaceWrite),
        stats,
        can_assign_waiting: u.waiting_accounts > 0 && u.free > 0,
        waiting: count(u.waiting_accounts, "waiting account", "waiting accounts"),
        locations: u
            .locations
            .iter()
            .map(|l| LocationRow {
                location: if l.location.is_empty() {
                    "No location".into()
                } else {
                    l.location.clone()
                },
                proxies: number(l.proxies),
                slots: number(l.slots),
                used: number(l.used),
                free: number(l.free),
                cost: costs(&l.monthly_cost),
            })
            .collect(),
        rows: proxies.iter().map(|p| proxy_row(p, &u)).collect(),
        total_cost: costs(&u.monthly_cost),
        as_of,
        report: s.report.as_ref().map(report_view),
        kinds: kinds(&s.form.kind),
        statuses: statuses(&s.form.status),
        errors: s.errors,
        form: s.form,
        import_kinds: kinds(&s.import.kind),
        import_errors: s.import_errors,
        import: s.import,
        limits: limits(state),
        action: LIST,
        submit: "Add proxy",
        has_password: false,
    };
    Ok(html_with(answer, jar, &view))
}

async fn list_page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    list(&state, &ctx, ListState::default(), jar).await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<ProxyForm>,
) -> Result<Response> {
    let outcome = match form.input() {
        Ok(input) => service::create(&state, &ctx, input).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(p) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!(
                "Proxy {} added. Test it to check that it works.",
                service::endpoint(&p)
            ),
            &href(p.id),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let s = ListState {
                errors,
                form: ProxyForm {
                    password: String::new(),
                    ..form
                },
                ..ListState::default()
            };
            list(&state, &ctx, s, jar).await
        }
    }
}

/// Imports the text box or the chosen file, and answers the list with the report.
async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    headers: axum::http::HeaderMap,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response> {
    let body = body.map_err(|_| Error::PayloadTooLarge)?;
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let outcome = match upload::read(content_type, &body) {
        Ok(fields) => {
            let kind = Kind::parse(&fields.kind).unwrap_or(Kind::Http);
            let form = ImportForm {
                text: fields.text.clone(),
                kind: kind.as_str().into(),
            };
            (
                bulk::import(&state, &ctx, fields.content(), kind).await,
                form,
            )
        }
        Err(e) => (Err(e), ImportForm::default()),
    };
    match outcome {
        (Ok(report), _) => {
            let s = ListState {
                report: Some(report),
                ..ListState::default()
            };
            list(&state, &ctx, s, jar).await
        }
        (Err(e), form) => {
            let import_errors = FormErrors::from_error(e)?;
            let s = ListState {
                import_errors,
                import: form,
                ..ListState::default()
            };
            list(&state, &ctx, s, jar).await
        }
    }
}

async fn assign_waiting(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response> {
    let outcome = placing::assign_waiting(&state, &ctx).await;
    after_action(jar, LIST, outcome, |done| {
        let mut said = format!(
            "{} got a proxy.",
            count(done.assigned as i64, "account", "accounts")
        );
        if done.waiting > 0 {
            said.push_str(&format!(
                " {} still wait: add proxies or raise their capacity.",
                number(done.waiting as i64)
            ));
        }
        said
    })
}

// ---- one proxy ------------------------------------------------------------------------------

struct AccountRow {
    id: String,
    href: String,
    username: String,
    state: String,
    persona: String,
    since: String,
}

struct MoveTarget {
    id: String,
    label: String,
}

struct TestRow {
    at: String,
    by: String,
    passed: bool,
    text: String,
}

/// The last test's result (the test button's fragment).
struct TestView {
    id: String,
    can_write: bool,
    tested: bool,
    passed: bool,
    text: String,
    check_host: String,
}

#[derive(Template)]
#[template(path = "fleet/_proxy_test.html")]
struct TestPart {
    t: TestView,
}

fn test_view(p: &proxy::Model, can_write: bool, check_host: &str) -> TestView {
    let text = match (p.last_test_ok, p.last_tested_at.as_ref()) {
        (Some(true), Some(at)) => format!(
            "Passed in {} ms on {}.",
            number(i64::from(p.last_latency_ms.unwrap_or(0))),
            fmt_time(at)
        ),
        (Some(false), Some(at)) => format!(
            "Failed on {}: {}",
            fmt_time(at),
            p.last_test_error.as_deref().unwrap_or("no answer")
        ),
        _ => "Not tested yet.".into(),
    };
    TestView {
        id: p.id.to_string(),
        can_write,
        tested: p.last_tested_at.is_some(),
        passed: p.last_test_ok == Some(true),
        text,
        check_host: check_host.to_string(),
    }
}

#[derive(Template)]
#[template(path = "fleet/proxy.html")]
struct ProxyPage {
    shell: Shell,
    subnav: Vec<Link>,
    id: String,
    endpoint: String,
    kind: &'static str,
    status: String,
    status_class: &'static str,
    has_password: bool,
    username: String,
    provider: String,
    location: String,
    cost: String,
    load: String,
    free: String,
    created: String,
    can_write: bool,
    t: TestView,
    accounts: Vec<AccountRow>,
    targets: Vec<MoveTarget>,
    tests: Vec<TestRow>,
    as_of: String,
    errors: FormErrors,
    form: ProxyForm,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
    limits: Limits,
    action: String,
    submit: &'static str,
}

async fn show(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    errors: FormErrors,
    form: Option<ProxyForm>,
    jar: CookieJar,
) -> Result<Response> {
    let p = service::get(state, ctx, id).await?;
    let scope = platform::Scope::of(ctx)?;
    let accounts = placing::accounts_on(&state.db, &scope, p.id).await?;
    let tests = service::tests_of(&state.db, &scope, p.id, 20).await?;
    let others = service::all(&state.db, &scope).await?;
    let check_host = crate::service::settings::get(&state.db, &scope)
        .await?
        .proxy_check_url;
    let check_host = url::Url::parse(&check_host)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let (jar, flashes) = flash::take(jar);
    let can_write = ctx.can(Permission::WorkspaceWrite);
    let form = form.unwrap_or_else(|| ProxyForm::of(&p));
    let endpoint = service::endpoint(&p);
    let view = ProxyPage {
        shell: shell::for_request(
            state,
            Some(ctx),
            &format!("Proxy {endpoint}"),
            LIST,
            flashes,
        )
        .await?,
        subnav: nav::links(LIST),
        id: p.id.to_string(),
        kind: Kind::parse(&p.kind).map(Kind::label).unwrap_or("HTTP"),
        status: Status::label_of(&p.status).to_string(),
        status_class: status_class(&p.status),
        has_password: p.password_enc.is_some(),
        username: p.username.clone(),
        provider: p.provider.clone(),
        location: p.location.clone(),
        cost: money(p.monthly_cost_minor, &p.currency),
        load: format!(
            "{} of {}",
            number(i64::from(p.account_count)),
            count(i64::from(p.max_accounts), "slot", "slots")
        ),
        free: number(i64::from((p.max_accounts - p.account_count).max(0))),
        created: fmt_time(&p.created_at),
        can_write,
        t: test_view(&p, can_write, &check_host),
        accounts: accounts
            .iter()
            .map(|a| AccountRow {
                id: a.account.id.to_string(),
                href: format!("/fleet/accounts/{}", a.account.id),
                username: a.account.username.clone(),
                state: AccountState::label_of(&a.account.state).to_string(),
                persona: a.persona.clone().unwrap_or_default(),
                since: fmt_opt_time(a.account.proxy_assigned_at.as_ref(), ""),
            })
            .collect(),
        targets: others
            .iter()
            .filter(|o| {
                o.id != p.id
                    && o.status == Status::Active.as_str()
                    && o.account_count < o.max_accounts
            })
            .map(|o| MoveTarget {
                id: o.id.to_string(),
                label: format!(
                    "{}{} · {} free",
                    service::endpoint(o),
                    if o.location.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", o.location)
                    },
                    o.max_accounts - o.account_count
                ),
            })
            .collect(),
        tests: tests
            .iter()
            .map(|e| TestRow {
                at: fmt_time(&e.at),
                by: e.actor_label.clone(),
                passed: e.reason.starts_with("Passed"),
                text: e.reason.clone(),
            })
            .collect(),
        as_of: fmt_time(&platform::db::now()),
        endpoint,
        errors,
        kinds: kinds(&form.kind),
        statuses: statuses(&form.status),
        form,
        limits: limits(state),
        action: href(p.id),
        submit: "Save proxy",
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn proxy_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    show(
        &state,
        &ctx,
        parse_id(&id)?,
        FormErrors::default(),
        None,
        jar,
    )
    .await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<ProxyForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome = match form.input() {
        Ok(input) => service::update(&state, &ctx, id, input).await,
        Err(e) => {
            // A foreign id is not found before any field is judged.
            service::get(&state, &ctx, id).await?;
            Err(e)
        }
    };
    match outcome {
        Ok(p) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Proxy saved.",
            &href(p.id),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let form = ProxyForm {
                password: String::new(),
                ..form
            };
            show(&state, &ctx, id, errors, Some(form), jar).await
        }
    }
}

/// Runs the test: htmx gets the result fragment (a refusal is a toast); a plain post goes
/// back to the proxy with a flash.
async fn test(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let back = href(id);
    match service::test(&state, &ctx, id).await {
        Ok(t) => {
            if platform::http::meta::current().is_htmx {
                let part = TestPart {
                    t: test_view(&t.proxy, true, &t.check_host),
                };
                return Ok(platform::web::render(&part));
            }
            let (kind, said) = if t.probe.ok {
                (
                    FlashKind::Success,
                    format!(
                        "Test passed in {} ms.",
                        number(i64::from(t.probe.latency_ms.unwrap_or(0)))
                    ),
                )
            } else {
                (
                    FlashKind::Error,
                    format!("Test failed: {}", t.probe.summary),
                )
            };
            Ok(redirect_flash(jar, kind, said, &back))
        }
        Err(e) => action_failed(jar, e, &back),
    }
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match service::delete(&state, &ctx, id).await {
        Ok(p) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("Proxy {} deleted.", service::endpoint(&p)),
            LIST,
        )),
        Err(e) => action_failed(jar, e, &href(id)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssignForm {
    account: String,
}

async fn assign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<AssignForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome =
        placing::assign_account(&state, &ctx, id, AccountRef::Username(form.account)).await;
    after_action(jar, &href(id), outcome, |a| {
        format!("@{} is on this proxy now.", a.username)
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MoveForm {
    to: String,
}

async fn move_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, account_id)): Path<(String, String)>,
    jar: CookieJar,
    Form(form): Form<MoveForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let account_id = parse_id(&account_id)?;
    // No choice is no proxy of the workspace: the service names it (after finding the
    // account on this proxy, so a foreign id is still not found).
    let to = Uuid::parse_str(form.to.trim()).unwrap_or(Uuid::nil());
    let outcome = placing::move_account(&state, &ctx, id, account_id, to).await;
    after_action(jar, &href(id), outcome, |a| {
        format!("@{} moved to another proxy.", a.username)
    })
}

async fn unassign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, account_id)): Path<(String, String)>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome = placing::unassign_account(&state, &ctx, id, parse_id(&account_id)?).await;
    after_action(jar, &href(id), outcome, |a| {
        format!("@{} was taken off this proxy.", a.username)
    })
}
