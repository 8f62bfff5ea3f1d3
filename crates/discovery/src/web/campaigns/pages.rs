//! The campaign pages: the workspace's campaigns with the form to start one
//! (`/discover/campaigns`); a campaign (`/discover/campaigns/{id}`): its creators as a board by
//! status, deliverables, milestones, posts ("Find posts now" with live progress),
//! performance with the source and time of every figure, collaborators and activity, and the
//! report downloads; editing and deleting it (`/discover/campaigns/{id}/edit`).
//!
//! Forms are plain posts. Refused input is answered on the page with the message beside its
//! field and what was typed kept; an action on one thing (a status move, a tick) answers with
//! a flash, or a toast for htmx.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    AppState, Ctx, Error, FieldError, Permission, Result,
    home::ago,
    http::extract::{Form, Path},
    web::{
        flash,
        format::{count, money, number},
        forms::{
            Answer, FormErrors, action_failed, after_action, fmt_time, html_with, parse_id,
            redirect_flash,
        },
        pages::{PageRoutes, get, post},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;
use uuid::Uuid;

use crate::model::campaigns::campaign;
use crate::service::campaigns::{
    self as service, BRIEF_MAX, CampaignInput, DELIVERABLE_KINDS, Detail, MILESTONE_NAME_MAX,
    NAME_MAX, PHRASE_MAX, POST_REF_MAX, Status, USERNAME_MAX, kind_label, list_of,
    performance::{self, Figures, Performance},
    report::{cpe, engagement, rate, reach, source_label},
    tracking,
};

pub const INDEX: &str = "/discover/campaigns";

pub fn routes() -> PageRoutes {
    PageRoutes::new()
        .route(INDEX, get(index_page).post(create))
        .route("/discover/campaigns/{id}", get(detail_page))
        .route("/discover/campaigns/{id}/edit", get(edit_page).post(update))
        .route("/discover/campaigns/{id}/delete", post(delete))
        .route("/discover/campaigns/{id}/creators", post(add_creator))
        .route(
            "/discover/campaigns/{id}/creators/{profile_id}",
            post(update_creator),
        )
        .route(
            "/discover/campaigns/{id}/creators/{profile_id}/remove",
            post(remove_creator),
        )
        .route(
            "/discover/campaigns/{id}/deliverables",
            post(add_deliverable),
        )
        .route(
            "/discover/campaigns/{id}/deliverables/{deliverable_id}",
            post(tick_deliverable),
        )
        .route(
            "/discover/campaigns/{id}/deliverables/{deliverable_id}/delete",
            post(delete_deliverable),
        )
        .route("/discover/campaigns/{id}/milestones", post(add_milestone))
        .route(
            "/discover/campaigns/{id}/milestones/{milestone_id}",
            post(tick_milestone),
        )
        .route(
            "/discover/campaigns/{id}/milestones/{milestone_id}/delete",
            post(delete_milestone),
        )
        .route("/discover/campaigns/{id}/posts", post(attach_post))
        .route(
            "/discover/campaigns/{id}/posts/{post_id}/remove",
            post(detach_post),
        )
        .route("/discover/campaigns/{id}/collaborators", post(join))
        .route(
            "/discover/campaigns/{id}/collaborators/{user_id}/remove",
            post(remove_collaborator),
        )
        .route("/discover/campaigns/{id}/track", post(track))
        .route("/discover/campaigns/{id}/report.pdf", get(report_pdf))
        .route("/discover/campaigns/{id}/report.csv", post(report_csv))
}

fn href(id: Uuid) -> String {
    format!("{INDEX}/{id}")
}

// ---- reading what was typed -----------------------------------------------------------------

fn day(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.push(FieldError::new(field, "Enter a date"));
        return None;
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_or_else(
        |_| {
            errors.push(FieldError::new(field, "Use a date like 2026-12-31"));
            None
        },
        Some,
    )
}

/// An amount in major units as people write it (`1,500`, `1500.5`, `1 500.50`) in minor units.
fn minor(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> i64 {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ',' | '_') && !c.is_whitespace())
        .collect();
    if cleaned.is_empty() {
        return 0;
    }
    let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    let ok = !whole.is_empty()
        && whole.len() <= 13
        && whole.chars().all(|c| c.is_ascii_digit())
        && frac.len() <= 2
        && frac.chars().all(|c| c.is_ascii_digit());
    let parsed = ok
        .then(|| {
            let w: i64 = whole.parse().ok()?;
            let f: i64 = if frac.is_empty() {
                0
            } else {
                format!("{frac:0<2}").parse().ok()?
            };
            w.checked_mul(100)?.checked_add(f)
        })
        .flatten();
    match parsed.map(|m| service::amount(field, m)) {
        Some(Ok(m)) => m,
        Some(Err(_)) => {
            errors.push(FieldError::new(field, "At most 10,000,000,000.00"));
            0
        }
        None => {
            errors.push(FieldError::new(
                field,
                "Enter an amount like 1500 or 1500.50",
            ));
            0
        }
    }
}

/// Minor units as the amount field shows them (`1500.50`).
fn major(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

fn split_terms(raw: &str) -> Vec<String> {
    raw.split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn split_lines(raw: &str) -> Vec<String> {
    raw.lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The campaign form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CampaignForm {
    name: String,
    brief: String,
    starts_on: String,
    ends_on: String,
    handles: String,
    hashtags: String,
    phrases: String,
    budget_planned: String,
    budget_spent: String,
    currency: String,
}

impl CampaignForm {
    fn fresh() -> Self {
        let today = platform::db::now().date_naive();
        CampaignForm {
            starts_on: today.to_string(),
            ends_on: (today + chrono::Duration::days(30)).to_string(),
            currency: "EUR".into(),
            ..Default::default()
        }
    }

    fn of(c: &campaign::Model) -> Self {
        CampaignForm {
            name: c.name.clone(),
            brief: c.brief.clone(),
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            handles: list_of(&c.handles)
                .iter()
                .map(|h| format!("@{h}"))
                .collect::<Vec<_>>()
                .join(" "),
            hashtags: list_of(&c.hashtags)
                .iter()
                .map(|h| format!("#{h}"))
                .collect::<Vec<_>>()
                .join(" "),
            phrases: list_of(&c.phrases).join("\n"),
            budget_planned: major(c.budget_planned_minor),
            budget_spent: major(c.budget_spent_minor),
            currency: c.currency.clone(),
        }
    }

    fn input(&self) -> std::result::Result<CampaignInput, Error> {
        let mut e = Vec::new();
        let starts_on = day("starts_on", &self.starts_on, &mut e);
        let ends_on = day("ends_on", &self.ends_on, &mut e);
        let planned = minor("budget_planned", &self.budget_planned, &mut e);
        let spent = minor("budget_spent", &self.budget_spent, &mut e);
        let input = CampaignInput {
            name: self.name.clone(),
            brief: self.brief.clone(),
            starts_on: starts_on.unwrap_or_default(),
            ends_on: ends_on.unwrap_or_default(),
            handles: split_terms(&self.handles),
            hashtags: split_terms(&self.hashtags),
            phrases: split_lines(&self.phrases),
            budget_planned_minor: planned,
            budget_spent_minor: spent,
            currency: self.currency.clone(),
        };
        // The service's own checks, for the fields the page could read.
        if let Err(Error::Validation(more)) = input.check() {
            for f in more {
                let field = match f.field.as_str() {
                    "budget_planned_minor" => "budget_planned",
                    "budget_spent_minor" => "budget_spent",
                    other => other,
                };
                // A date the page could not read has its own message already.
                if (field == "ends_on" || field == "starts_on")
                    && (starts_on.is_none() || ends_on.is_none())
                {
                    continue;
                }
                if !e.iter().any(|x: &FieldError| x.field == field) {
                    e.push(FieldError::new(field, capitalised(&f.message)));
                }
            }
        }
        if e.is_empty() {
            Ok(input)
        } else {
            Err(Error::Validation(e))
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The text limits, given to the browser as `maxlength`.
pub struct Limits {
    name: usize,
    brief: usize,
    phrase: usize,
    milestone: usize,
    post: usize,
    username: usize,
}

const LIMITS: Limits = Limits {
    name: NAME_MAX,
    brief: BRIEF_MAX,
    phrase: PHRASE_MAX,
    milestone: MILESTONE_NAME_MAX,
    post: POST_REF_MAX,
    username: USERNAME_MAX,
};

impl Limits {
    fn brief_words(&self) -> String {
        number(self.brief as i64)
    }
}

/// Field errors with their messages as sentences.
fn form_errors(e: Error) -> Result<FormErrors> {
    let mut errors = FormErrors::from_error(e)?;
    for f in &mut errors.fields {
        f.message = capitalised(&f.message);
    }
    errors.messages = errors.messages.iter().map(|m| capitalised(m)).collect();
    Ok(errors)
}

// ---- the index ------------------------------------------------------------------------------

struct StatusCount {
    label: &'static str,
    count: String,
}

struct CampaignCard {
    href: String,
    name: String,
    window: String,
    running: bool,
    creators: String,
    statuses: Vec<StatusCount>,
    posts: String,
    budget: String,
}

#[derive(Template)]
#[template(path = "discovery/campaigns/index.html")]
struct IndexPage {
    shell: Shell,
    can_write: bool,
    cards: Vec<CampaignCard>,
    errors: FormErrors,
    form: CampaignForm,
    limits: Limits,
    action: String,
    submit: &'static str,
}

fn window_text(c: &campaign::Model) -> String {
    format!(
        "{} – {}",
        c.starts_on.format("%b %-d, %Y"),
        c.ends_on.format("%b %-d, %Y")
    )
}

async fn index(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: CampaignForm,
    jar: CookieJar,
) -> Result<Response> {
    let list = service::list(state, ctx).await?;
    let today = platform::db::now().date_naive();
    let (jar, flashes) = flash::take(jar);
    let view = IndexPage {
        shell: shell::for_request(state, Some(ctx), "Campaigns", INDEX, flashes).await?,
        can_write: ctx.can(Permission::WorkspaceWrite),
        cards: list
            .iter()
            .map(|s| CampaignCard {
                href: href(s.campaign.id),
                name: s.campaign.name.clone(),
                window: window_text(&s.campaign),
                running: s.campaign.starts_on <= today && today <= s.campaign.ends_on,
                creators: count(s.creators, "creator", "creators"),
                statuses: s
                    .by_status
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(st, n)| StatusCount {
                        label: st.label(),
                        count: number(*n),
                    })
                    .collect(),
                posts: count(s.posts, "post", "posts"),
                budget: format!(
                    "{} of {} spent",
                    money(s.campaign.budget_spent_minor, &s.campaign.currency),
                    money(s.campaign.budget_planned_minor, &s.campaign.currency)
                ),
            })
            .collect(),
        errors,
        form,
        limits: LIMITS,
        action: INDEX.to_string(),
        submit: "Start the campaign",
    };
    Ok(html_with(view.errors.answer, jar, &view))
}

async fn index_page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    index(
        &state,
        &ctx,
        FormErrors::default(),
        CampaignForm::fresh(),
        jar,
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<CampaignForm>,
) -> Result<Response> {
    let outcome = match form.input() {
        Ok(input) => service::create(&state, &ctx, &input).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(c) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("Campaign “{}” started. Add its creators below.", c.name),
            &href(c.id),
        )),
        Err(e) => index(&state, &ctx, form_errors(e)?, form, jar).await,
    }
}

// ---- editing --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "discovery/campaigns/edit.html")]
struct EditPage {
    shell: Shell,
    name: String,
    back: String,
    delete_action: String,
    errors: FormErrors,
    form: CampaignForm,
    limits: Limits,
    action: String,
    submit: &'static str,
}

async fn edit(
    state: &AppState,
    ctx: &Ctx,
    c: campaign::Model,
    errors: FormErrors,
    form: Option<CampaignForm>,
    jar: CookieJar,
) -> Result<Response> {
    let (jar, flashes) = flash::take(jar);
    let view = EditPage {
        shell: shell::for_request(state, Some(ctx), &c.name, INDEX, flashes).await?,
        name: c.name.clone(),
        back: href(c.id),
        delete_action: format!("{}/delete", href(c.id)),
        errors,
        form: form.unwrap_or_else(|| CampaignForm::of(&c)),
        limits: LIMITS,
        action: format!("{}/edit", href(c.id)),
        submit: "Save the campaign",
    };
    Ok(html_with(view.errors.answer, jar, &view))
}

async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceWrite)?;
    let c = service::get(&state, &ctx, parse_id(&id)?).await?;
    edit(&state, &ctx, c, FormErrors::default(), None, jar).await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<CampaignForm>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let c = service::get(&state, &ctx, id).await?;
    let outcome = match form.input() {
        Ok(input) => service::update(&state, &ctx, id, &input).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(c) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Campaign saved.",
            &href(c.id),
        )),
        Err(e) => {
            let errors = form_errors(e)?;
            edit(&state, &ctx, c, errors, Some(form), jar).await
        }
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
        Ok(c) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("Campaign “{}” deleted.", c.name),
            INDEX,
        )),
        Err(e) => action_failed(jar, e, &format!("{}/edit", href(id))),
    }
}

// ---- the campaign ---------------------------------------------------------------------------

/// A move button of a creator's card.
struct Move {
    value: &'static str,
    label: String,
}

struct CreatorCard {
    profile_id: String,
    username: String,
    followers: String,
    fee: String,
    fee_input: String,
    demo: bool,
    source: String,
    since: String,
    back: Option<Move>,
    forward: Option<Move>,
    posts: String,
}

struct BoardColumn {
    key: &'static str,
    label: &'static str,
    count: String,
    cards: Vec<CreatorCard>,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct DeliverableRow {
    id: String,
    creator: String,
    kind: &'static str,
    due: String,
    overdue: bool,
    done: bool,
}

struct MilestoneRow {
    id: String,
    name: String,
    due: String,
    overdue: bool,
    done: bool,
}

struct PostRow {
    post_id: String,
    creator: String,
    posted: String,
    caption: String,
    link: String,
    found: String,
    engagement: String,
    rate: String,
    source: String,
    fetched: String,
}

/// A figure's line: value, and where it came from and when.
struct FigureRow {
    label: &'static str,
    value: String,
    origin: String,
}

struct CreatorPerfRow {
    username: String,
    posts: String,
    engagement: String,
    rate: String,
    baseline: String,
    reach: String,
    cpe: String,
    better: Option<bool>,
}

struct ActivityRow {
    at: String,
    ago: String,
    actor: String,
    detail: String,
}

struct CollaboratorRow {
    user_id: String,
    email: String,
    is_me: bool,
}

/// What the detail page's forms hold after a refusal.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DetailForms {
    username: String,
    fee: String,
    profile_id: String,
    kind: String,
    due_on: String,
    milestone_name: String,
    milestone_due: String,
    post: String,
}

#[derive(Template)]
#[template(path = "discovery/campaigns/detail.html")]
struct DetailPage {
    shell: Shell,
    can_write: bool,
    href: String,
    name: String,
    brief: String,
    window: String,
    status_line: &'static str,
    terms: Vec<String>,
    budget_planned: String,
    budget_spent: String,
    budget_left: String,
    over_budget: bool,
    currency: String,
    tracked: String,
    demo: bool,
    track_job: String,
    board: Vec<BoardColumn>,
    creator_choices: Vec<Choice>,
    kinds: Vec<Choice>,
    deliverables: Vec<DeliverableRow>,
    milestones: Vec<MilestoneRow>,
    posts: Vec<PostRow>,
    totals: Vec<FigureRow>,
    creator_perf: Vec<CreatorPerfRow>,
    computed: String,
    collaborators: Vec<CollaboratorRow>,
    is_collaborator: bool,
    activity: Vec<ActivityRow>,
    forms: DetailForms,
    errors: FormErrors,
    /// Which form the errors belong to.
    section: &'static str,
    limits: Limits,
}

fn when(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    t.map_or_else(|| "at an unknown time".into(), |t| ago(t, now))
}

fn origin(s: &performance::Sourced, now: DateTime<Utc>) -> String {
    if s.source.is_empty() {
        return "No data yet".into();
    }
    format!("{}, {}", source_label(s), when(s.as_of, now))
}

fn totals(f: &Figures, currency: &str, now: DateTime<Utc>) -> Vec<FigureRow> {
    let eng = origin(&f.engagement_source, now);
    vec![
        FigureRow {
            label: "Engagement (likes + comments)",
            value: engagement(f.engagement),
            origin: format!("{} posts counted · {eng}", number(f.posts_counted as i64)),
        },
        FigureRow {
            label: "Engagement rate of the campaign's posts",
            value: rate(f.engagement_rate),
            origin: eng.clone(),
        },
        FigureRow {
            label: "The creators' usual rate",
            value: rate(f.baseline_rate),
            origin: origin(&f.baseline_source, now),
        },
        FigureRow {
            label: "Reach",
            value: reach(f),
            origin: if f.reach.is_none() {
                "Only the insights of an account connected to this workspace give reach; public posts have none".into()
            } else {
                origin(&f.reach_source, now)
            },
        },
        FigureRow {
            label: "Cost per engagement",
            value: cpe(f, currency),
            origin: format!(
                "Fees of agreed creators ({}) ÷ engagement",
                money(f.fee_minor, currency)
            ),
        },
    ]
}

async fn detail(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    errors: FormErrors,
    section: &'static str,
    forms: DetailForms,
    jar: CookieJar,
) -> Result<Response> {
    let (d, perf): (Detail, Performance) = performance::performance(state, ctx, id).await?;
    let now = platform::db::now();
    let today = now.date_naive();
    let c = &d.campaign;
    let (jar, flashes) = flash::take(jar);
    let can_write = ctx.can(Permission::WorkspaceWrite);
    let posts_of = |pid: Uuid| d.posts.iter().filter(|p| p.entry.profile_id == pid).count() as i64;
    let board = Status::ALL
        .into_iter()
        .map(|st| {
            let cards: Vec<CreatorCard> = d
                .creators
                .iter()
                .filter(|x| service::status_of(&x.entry) == st)
                .map(|x| {
                    let (back, forward) = st.neighbours();
                    let cr = x.creator.as_ref();
                    CreatorCard {
                        profile_id: x.entry.profile_id.to_string(),
                        username: x.username(),
                        followers: cr.map_or_else(|| "—".into(), |c| number(c.followers)),
                        fee: money(x.entry.fee_minor, &c.currency),
                        fee_input: major(x.entry.fee_minor),
                        demo: cr.is_some_and(|c| c.pool == "demo" || c.source == "demo"),
                        source: cr.map_or_else(String::new, |c| {
                            format!(
                                "{}, {}",
                                instagram::Source::parse(&c.source)
                                    .map_or("Unknown source", |s| s.label()),
                                when(c.fetched_at, now)
                            )
                        }),
                        since: ago(x.entry.status_changed_at, now),
                        back: back.map(|b| Move {
                            value: b.as_str(),
                            label: format!("Back to {}", b.label().to_lowercase()),
                        }),
                        forward: forward.map(|f| Move {
                            value: f.as_str(),
                            label: format!("Move to {}", f.label().to_lowercase()),
                        }),
                        posts: count(posts_of(x.entry.profile_id), "post", "posts"),
                    }
                })
                .collect();
            BoardColumn {
                key: st.as_str(),
                label: st.label(),
                count: number(cards.len() as i64),
                cards,
            }
        })
        .collect();
    let creator_choices = d
        .creators
        .iter()
        .map(|x| Choice {
            value: x.entry.profile_id.to_string(),
            label: format!("@{}", x.username()),
            selected: forms.profile_id == x.entry.profile_id.to_string(),
        })
        .collect();
    let kinds = DELIVERABLE_KINDS
        .iter()
        .map(|(k, l)| Choice {
            value: (*k).into(),
            label: (*l).into(),
            selected: forms.kind == *k,
        })
        .collect();
    let deliverables = d
        .deliverables
        .iter()
        .map(|x| DeliverableRow {
            id: x.id.to_string(),
            creator: d
                .creator(x.profile_id)
                .map_or_else(|| "—".into(), |c| format!("@{}", c.username())),
            kind: kind_label(&x.kind),
            due: x.due_on.format("%b %-d, %Y").to_string(),
            overdue: !x.done && x.due_on < today,
            done: x.done,
        })
        .collect();
    let milestones = d
        .milestones
        .iter()
        .map(|m| MilestoneRow {
            id: m.id.to_string(),
            name: m.name.clone(),
            due: m.due_on.format("%b %-d, %Y").to_string(),
            overdue: !m.done && m.due_on < today,
            done: m.done,
        })
        .collect();
    let posts = perf
        .posts
        .iter()
        .map(|p| PostRow {
            post_id: p.post_id.to_string(),
            creator: format!("@{}", p.username),
            posted: p.posted_at.format("%b %-d, %Y").to_string(),
            caption: {
                let s: String = p.caption.chars().take(140).collect();
                if p.caption.chars().count() > 140 {
                    format!("{s}…")
                } else {
                    s
                }
            },
            link: p.permalink.clone().unwrap_or_default(),
            found: if p.how == "tracked" {
                format!("Found by tracking: {}", p.matched)
            } else {
                "Attached by hand".into()
            },
            engagement: engagement(p.engagement),
            rate: rate(p.engagement_rate),
            source: instagram::Source::parse(&p.source)
                .map_or("Unknown source", |s| s.label())
                .to_string(),
            fetched: ago(p.fetched_at, now),
        })
        .collect();
    let creator_perf = perf
        .creators
        .iter()
        .map(|x| CreatorPerfRow {
            username: x.username.clone(),
            posts: number(x.figures.posts as i64),
            engagement: engagement(x.figures.engagement),
            rate: rate(x.figures.engagement_rate),
            baseline: rate(x.figures.baseline_rate),
            reach: reach(&x.figures),
            cpe: cpe(&x.figures, &c.currency),
            better: x
                .figures
                .engagement_rate
                .zip(x.figures.baseline_rate)
                .map(|(r, b)| r >= b),
        })
        .collect();
    let mut terms: Vec<String> = list_of(&c.handles)
        .iter()
        .map(|h| format!("@{h}"))
        .collect();
    terms.extend(list_of(&c.hashtags).iter().map(|h| format!("#{h}")));
    terms.extend(list_of(&c.phrases).iter().map(|p| format!("“{p}”")));
    let left = c.budget_planned_minor - c.budget_spent_minor;
    let me = ctx.user_id();
    let track_job = c
        .tracking_job_id
        .filter(|_| {
            c.tracked_at
                .is_none_or(|t| now - t < chrono::Duration::minutes(5))
        })
        .map(|j| j.to_string())
        .unwrap_or_default();
    let view = DetailPage {
        shell: shell::for_request(state, Some(ctx), &c.name, INDEX, flashes).await?,
        can_write,
        href: href(c.id),
        name: c.name.clone(),
        brief: c.brief.clone(),
        window: window_text(c),
        status_line: if today < c.starts_on {
            "Not started yet"
        } else if today > c.ends_on {
            "Ended"
        } else {
            "Running: its posts are looked for every day"
        },
        terms,
        budget_planned: money(c.budget_planned_minor, &c.currency),
        budget_spent: money(c.budget_spent_minor, &c.currency),
        budget_left: money(left.abs(), &c.currency),
        over_budget: left < 0,
        currency: c.currency.clone(),
        tracked: c.tracked_at.map_or_else(
            || "Not looked for yet".into(),
            |t| format!("Last looked {}", ago(t, now)),
        ),
        demo: d
            .creators
            .iter()
            .any(|x| x.creator.as_ref().is_some_and(|c| c.pool == "demo")),
        track_job,
        board,
        creator_choices,
        kinds,
        deliverables,
        milestones,
        posts,
        totals: totals(&perf.total, &c.currency, now),
        creator_perf,
        computed: fmt_time(&perf.computed_at),
        is_collaborator: d.collaborators.iter().any(|(x, _)| x.user_id == me),
        collaborators: d
            .collaborators
            .iter()
            .map(|(x, email)| CollaboratorRow {
                user_id: x.user_id.to_string(),
                email: email.clone(),
                is_me: x.user_id == me,
            })
            .collect(),
        activity: d
            .activity
            .iter()
            .map(|a| ActivityRow {
                at: fmt_time(&a.at),
                ago: ago(a.at, now),
                actor: a.actor.clone(),
                detail: a.detail.clone(),
            })
            .collect(),
        forms,
        errors,
        section,
        limits: LIMITS,
    };
    Ok(html_with(view.errors.answer, jar, &view))
}

async fn detail_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    detail(
        &state,
        &ctx,
        id,
        FormErrors::default(),
        "",
        DetailForms::default(),
        jar,
    )
    .await
}

/// A form of the detail page: its name (which form the errors belong to) and the service's
/// field names it shows under other names.
struct Section {
    name: &'static str,
    rename: &'static [(&'static str, &'static str)],
}

const CREATOR_FORM: Section = Section {
    name: "creator",
    rename: &[("fee_minor", "fee"), ("profile_id", "username")],
};
const DELIVERABLE_FORM: Section = Section {
    name: "deliverable",
    rename: &[],
};
const MILESTONE_FORM: Section = Section {
    name: "milestone",
    rename: &[("name", "milestone_name")],
};
const POST_FORM: Section = Section {
    name: "post",
    rename: &[],
};

/// A refused form of the detail page: shown again with its errors beside its fields.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    e: Error,
    section: Section,
    forms: DetailForms,
    jar: CookieJar,
) -> Result<Response> {
    let mut errors = form_errors(e)?;
    for f in &mut errors.fields {
        if let Some((_, to)) = section.rename.iter().find(|(from, _)| *from == f.field) {
            f.field = (*to).to_string();
        }
    }
    detail(state, ctx, id, errors, section.name, forms, jar).await
}

async fn add_creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(forms): Form<DetailForms>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    // Another workspace's campaign is not found, whatever was typed.
    service::get(&state, &ctx, id).await?;
    let mut e = Vec::new();
    let fee = minor("fee", &forms.fee, &mut e);
    let outcome = if !e.is_empty() {
        Err(Error::Validation(e))
    } else {
        match service::creator_by_username(&state.db, &forms.username).await? {
            None => Err(Error::validation(
                "username",
                "No creator with this username is known. Find them in Discover first.",
            )),
            Some(who) => service::add_creator(&state, &ctx, id, who.profile_id, fee)
                .await
                .map(|_| who.username),
        }
    };
    match outcome {
        Ok(username) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            format!("@{username} is shortlisted."),
            &format!("{}#board", href(id)),
        )),
        Err(e @ Error::Validation(_)) => {
            refused(&state, &ctx, id, e, CREATOR_FORM, forms, jar).await
        }
        Err(e) => action_failed(jar, e, &href(id)),
    }
}

/// A status move (`status`) or a new fee (`fee`) of a creator's card.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreatorChange {
    status: String,
    fee: String,
}

async fn update_creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
    jar: CookieJar,
    Form(form): Form<CreatorChange>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let profile_id = parse_id(&profile_id)?;
    let back = format!("{}#board", href(id));
    let status = match form.status.trim() {
        "" => None,
        s => match Status::parse(s) {
            Some(s) => Some(s),
            None => {
                return action_failed(jar, Error::validation("status", "Choose a status"), &back);
            }
        },
    };
    let mut e = Vec::new();
    let fee = (!form.fee.trim().is_empty()).then(|| minor("fee", &form.fee, &mut e));
    if let Some(f) = e.into_iter().next() {
        return action_failed(jar, Error::Validation(vec![f]), &back);
    }
    let outcome = service::update_creator(&state, &ctx, id, profile_id, status, fee).await;
    after_action(jar, &back, outcome, |row| match status {
        Some(s) if service::status_of(&row) == s => {
            format!("Moved to {}.", s.label().to_lowercase())
        }
        _ => "Fee saved.".into(),
    })
}

async fn remove_creator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, profile_id)): Path<(String, String)>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome = service::remove_creator(&state, &ctx, id, parse_id(&profile_id)?).await;
    after_action(jar, &format!("{}#board", href(id)), outcome, |_| {
        "Creator removed from the campaign.".into()
    })
}

async fn add_deliverable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(forms): Form<DetailForms>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    service::get(&state, &ctx, id).await?;
    let mut e = Vec::new();
    let due = day("due_on", &forms.due_on, &mut e);
    let profile = Uuid::parse_str(forms.profile_id.trim()).ok();
    if profile.is_none() {
        e.push(FieldError::new("profile_id", "Choose a creator"));
    }
    let outcome = match (due, profile) {
        (Some(due), Some(profile)) if e.is_empty() => {
            service::add_deliverable(&state, &ctx, id, profile, &forms.kind, due).await
        }
        _ => Err(Error::Validation(e)),
    };
    match outcome {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Deliverable added.",
            &format!("{}#deliverables", href(id)),
        )),
        Err(e @ Error::Validation(_)) => {
            refused(&state, &ctx, id, e, DELIVERABLE_FORM, forms, jar).await
        }
        Err(e) => action_failed(jar, e, &href(id)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Tick {
    done: String,
}

impl Tick {
    fn done(&self) -> bool {
        matches!(self.done.trim(), "true" | "1" | "yes" | "on")
    }
}

async fn tick_deliverable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, deliverable_id)): Path<(String, String)>,
    jar: CookieJar,
    Form(t): Form<Tick>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome =
        service::set_deliverable_done(&state, &ctx, id, parse_id(&deliverable_id)?, t.done()).await;
    after_action(jar, &format!("{}#deliverables", href(id)), outcome, |d| {
        if d.done {
            "Deliverable done.".into()
        } else {
            "Deliverable marked not done.".into()
        }
    })
}

async fn delete_deliverable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, deliverable_id)): Path<(String, String)>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome = service::delete_deliverable(&state, &ctx, id, parse_id(&deliverable_id)?).await;
    after_action(jar, &format!("{}#deliverables", href(id)), outcome, |_| {
        "Deliverable deleted.".into()
    })
}

async fn add_milestone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(forms): Form<DetailForms>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    service::get(&state, &ctx, id).await?;
    let mut e = Vec::new();
    let due = day("milestone_due", &forms.milestone_due, &mut e);
    let outcome = match due {
        Some(due) if e.is_empty() => {
            service::add_milestone(&state, &ctx, id, &forms.milestone_name, due).await
        }
        _ => Err(Error::Validation(e)),
    };
    match outcome {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Milestone added.",
            &format!("{}#milestones", href(id)),
        )),
        Err(e @ Error::Validation(_)) => {
            refused(&state, &ctx, id, e, MILESTONE_FORM, forms, jar).await
        }
        Err(e) => action_failed(jar, e, &href(id)),
    }
}

async fn tick_milestone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, milestone_id)): Path<(String, String)>,
    jar: CookieJar,
    Form(t): Form<Tick>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome =
        service::set_milestone_done(&state, &ctx, id, parse_id(&milestone_id)?, t.done()).await;
    after_action(jar, &format!("{}#milestones", href(id)), outcome, |m| {
        if m.done {
            format!("Milestone “{}” reached.", m.name)
        } else {
            format!("Milestone “{}” marked not reached.", m.name)
        }
    })
}

async fn delete_milestone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, milestone_id)): Path<(String, String)>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome = service::delete_milestone(&state, &ctx, id, parse_id(&milestone_id)?).await;
    after_action(jar, &format!("{}#milestones", href(id)), outcome, |_| {
        "Milestone deleted.".into()
    })
}

async fn attach_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(forms): Form<DetailForms>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match service::attach_post(&state, &ctx, id, &forms.post).await {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Post attached.",
            &format!("{}#posts", href(id)),
        )),
        Err(e @ (Error::Validation(_) | Error::Conflict(_))) => {
            let e = match e {
                Error::Conflict(m) => Error::validation("post", m),
                other => other,
            };
            refused(&state, &ctx, id, e, POST_FORM, forms, jar).await
        }
        Err(e) => action_failed(jar, e, &href(id)),
    }
}

async fn detach_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, post_id)): Path<(String, String)>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome = service::detach_post(&state, &ctx, id, parse_id(&post_id)?).await;
    after_action(jar, &format!("{}#posts", href(id)), outcome, |_| {
        "Post removed from the campaign.".into()
    })
}

/// "Collaborate on this campaign": the signed-in member adds themself.
async fn join(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome = service::add_collaborator(&state, &ctx, id, ctx.user_id()).await;
    after_action(jar, &format!("{}#team", href(id)), outcome, |_| {
        "You collaborate on this campaign.".into()
    })
}

async fn remove_collaborator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, user_id)): Path<(String, String)>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let outcome = service::remove_collaborator(&state, &ctx, id, parse_id(&user_id)?).await;
    after_action(jar, &format!("{}#team", href(id)), outcome, |_| {
        "Collaborator removed.".into()
    })
}

#[derive(Template)]
#[template(path = "discovery/campaigns/_tracking.html")]
struct TrackingPart {
    job_id: String,
    message: String,
}

/// "Find posts now": htmx swaps in the progress bar; without htmx, back with a flash.
async fn track(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let back = format!("{}#posts", href(id));
    let job = match tracking::track_now(&state, &ctx, id).await {
        Ok(job) => job,
        Err(e) => return action_failed(jar, e, &back),
    };
    if platform::http::meta::current().is_htmx {
        let part = TrackingPart {
            job_id: job.map(|j| j.to_string()).unwrap_or_default(),
            message: if job.is_some() {
                String::new()
            } else {
                "Already looking for this campaign's posts.".into()
            },
        };
        return Ok(html_with(Answer::OK, jar, &part));
    }
    Ok(redirect_flash(
        jar,
        FlashKind::Success,
        if job.is_some() {
            "Looking for the campaign's posts now. New posts appear here when it is done."
        } else {
            "Already looking for this campaign's posts."
        },
        &back,
    ))
}

async fn report_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response> {
    super::api::pdf_response(&state, &ctx, parse_id(&id)?).await
}

async fn report_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let id = parse_id(&id)?;
    match super::api::report_rows(&state, &ctx, id, crate::service::exports::Format::Csv).await {
        Ok(r) => Ok(r),
        // Out of exports or credits: said on the campaign's page, not an error page.
        Err(e @ (Error::PaymentRequired { .. } | Error::Forbidden(_))) => {
            action_failed(jar, e, &href(id))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_people_write_them() {
        let mut e = Vec::new();
        assert_eq!(minor("f", "1,500", &mut e), 150_000);
        assert_eq!(minor("f", "1500.5", &mut e), 150_050);
        assert_eq!(minor("f", " 12.34 ", &mut e), 1234);
        assert_eq!(minor("f", "", &mut e), 0);
        assert!(e.is_empty());
        assert_eq!(minor("f", "12.345", &mut e), 0);
        assert_eq!(minor("f", "-5", &mut e), 0);
        assert_eq!(minor("f", "lots", &mut e), 0);
        assert_eq!(e.len(), 3);
        assert_eq!(major(150_050), "1500.50");
    }

    #[test]
    fn terms_are_split_on_commas_spaces_and_lines() {
        assert_eq!(split_terms("@a, @b\n#c  d"), vec!["@a", "@b", "#c", "d"]);
        assert_eq!(
            split_lines("new flavour\n\n summer sale "),
            vec!["new flavour", "summer sale"]
        );
    }
}
