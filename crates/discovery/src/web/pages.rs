//! The creator search page (`/discover`): the filters in a sidebar form sent with GET, so a
//! search is a link to keep or share; the results as cards or as a table (`view=table`), a
//! page at a time. It asks the same service as `GET /api/v1/discovery/search` and shows the
//! same public card (an engagement band, never the exact rate; whether an email is known,
//! never the address), each with where its figures came from and how old they are.
//!
//! Input the search refuses is answered on the page, never with the error page: the message
//! beside its field, what was typed kept, and no results until it is fixed.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Utc};
use platform::{
    AppState, Ctx, Error, Result,
    error::FieldError,
    home::ago,
    http::extract::Query,
    staff::with_query,
    web::{
        flash,
        format::{count, number},
        forms::{FormErrors, fmt_time, html_with},
        pages::{PageRoutes, get},
        shell::{self, Icon, NavArea, NavEntry, Shell},
    },
};
use serde::Deserialize;

use super::api;
use crate::model::creator;
use crate::service::{
    self, saved,
    search::{self, Filters, Found, PAGE_MAX, Sort},
};

const PAGE: &str = "/discover";

pub fn routes() -> PageRoutes {
    PageRoutes::new().route(PAGE, get(search_page))
}

/// The sidebar entry (after the accounts, audits and planner; before the fleet).
pub fn nav() -> Vec<NavEntry> {
    vec![NavEntry {
        label: "Discover",
        href: PAGE,
        area: NavArea::Growth,
        icon: Icon::Search,
        order: 200,
        keywords: "discovery creators influencers search find niche followers engagement hashtag",
    }]
}

// ---- the form -------------------------------------------------------------------------------

/// The query string as typed: every field kept as text, so a value the search refuses is
/// shown back as it was.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SearchForm {
    q: String,
    followers_min: String,
    followers_max: String,
    engagement_min: String,
    engagement_max: String,
    growth_30d_min: String,
    growth_90d_min: String,
    category: String,
    language: String,
    location: String,
    verified: String,
    business: String,
    has_email: String,
    posted_within_days: String,
    hashtag: String,
    sort: String,
    per_page: String,
    page: String,
    /// `table`, or the cards.
    view: String,
    /// `live` or `demo` (as the API takes it); by default the service's choice.
    pool: String,
}

/// The text limits of [`Filters::validate`], given to the browser as `maxlength` (the page's
/// tests check each against the service).
pub struct Limits {
    q: usize,
    language: usize,
    location: usize,
    hashtag: usize,
}

const LIMITS: Limits = Limits {
    q: search::KEYWORD_CHARS_MAX,
    language: search::LANGUAGE_CHARS_MAX,
    location: search::LOCATION_CHARS_MAX,
    hashtag: search::HASHTAG_CHARS_MAX,
};

fn text(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A whole number; thousands separators and spaces are allowed (`10,000`).
fn whole<T: std::str::FromStr>(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ',' | '_') && !c.is_whitespace())
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    cleaned.parse().map_or_else(
        |_| {
            errors.push(FieldError::new(field, "Enter a whole number"));
            None
        },
        Some,
    )
}

/// A number in percent: `2.5`, `2,5` and `2.5 %` are read alike.
fn percent(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<f64> {
    let cleaned = raw.trim().trim_end_matches('%').trim().replace(',', ".");
    if cleaned.is_empty() {
        return None;
    }
    match cleaned.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            errors.push(FieldError::new(field, "Enter a number"));
            None
        }
    }
}

/// Any (empty), yes or no (`true` / `false`, as the API takes them, too).
fn yes_no(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" | "any" => None,
        "yes" | "true" | "1" => Some(true),
        "no" | "false" | "0" => Some(false),
        _ => {
            errors.push(FieldError::new(field, "Choose any, yes or no"));
            None
        }
    }
}

const SORTS: [(Sort, &str, &str); 4] = [
    (Sort::Relevance, "relevance", "Relevance"),
    (Sort::Followers, "followers", "Most followers"),
    (Sort::Engagement, "engagement", "Highest engagement"),
    (Sort::Growth, "growth", "Fastest growth (30 days)"),
];

fn sort(raw: &str, errors: &mut Vec<FieldError>) -> Option<Sort> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let found = SORTS.iter().find(|(_, value, _)| *value == raw);
    if found.is_none() {
        errors.push(FieldError::new(
            "sort",
            "Choose relevance, followers, engagement or growth",
        ));
    }
    found.map(|(s, _, _)| *s)
}

impl SearchForm {
    /// The search asked for, or what cannot be read as one.
    fn filters(&self) -> std::result::Result<Filters, Vec<FieldError>> {
        let mut errors = Vec::new();
        let e = &mut errors;
        let filters = Filters {
            q: text(&self.q),
            followers_min: whole("followers_min", &self.followers_min, e),
            followers_max: whole("followers_max", &self.followers_max, e),
            engagement_min: percent("engagement_min", &self.engagement_min, e),
            engagement_max: percent("engagement_max", &self.engagement_max, e),
            growth_30d_min: percent("growth_30d_min", &self.growth_30d_min, e),
            growth_90d_min: percent("growth_90d_min", &self.growth_90d_min, e),
            category: text(&self.category),
            language: text(&self.language),
            location: text(&self.location),
            verified: yes_no("verified", &self.verified, e),
            business: yes_no("business", &self.business, e),
            has_email: yes_no("has_email", &self.has_email, e),
            posted_within_days: whole("posted_within_days", &self.posted_within_days, e),
            hashtag: text(&self.hashtag),
            sort: sort(&self.sort, e),
            page: whole("page", &self.page, e),
            per_page: whole("per_page", &self.per_page, e),
        };
        if errors.is_empty() {
            Ok(filters)
        } else {
            Err(errors)
        }
    }

    fn table(&self) -> bool {
        self.view.trim() == "table"
    }

    /// This search's link with another page and view (empty fields left out).
    fn href(&self, page: u32, table: bool) -> String {
        let page = if page > 1 {
            page.to_string()
        } else {
            String::new()
        };
        let f = |s: &str| s.trim().to_string();
        let pairs = [
            ("q", f(&self.q)),
            ("followers_min", f(&self.followers_min)),
            ("followers_max", f(&self.followers_max)),
            ("engagement_min", f(&self.engagement_min)),
            ("engagement_max", f(&self.engagement_max)),
            ("growth_30d_min", f(&self.growth_30d_min)),
            ("growth_90d_min", f(&self.growth_90d_min)),
            ("category", f(&self.category)),
            ("language", f(&self.language)),
            ("location", f(&self.location)),
            ("verified", f(&self.verified)),
            ("business", f(&self.business)),
            ("has_email", f(&self.has_email)),
            ("posted_within_days", f(&self.posted_within_days)),
            ("hashtag", f(&self.hashtag)),
            ("sort", f(&self.sort)),
            ("per_page", f(&self.per_page)),
            ("pool", f(&self.pool)),
            ("page", page),
            ("view", if table { "table".into() } else { String::new() }),
        ];
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        with_query(PAGE, &pairs)
    }

    /// No filters, in the same view and pool.
    fn cleared_href(&self) -> String {
        SearchForm {
            view: self.view.clone(),
            pool: self.pool.clone(),
            ..SearchForm::default()
        }
        .href(1, self.table())
    }
}

/// What a field is called where its message is listed above the results.
fn label(field: &str) -> &'static str {
    match field {
        "q" => "Keyword",
        "followers_min" => "Followers, at least",
        "followers_max" => "Followers, at most",
        "engagement_min" => "Engagement, at least",
        "engagement_max" => "Engagement, at most",
        "growth_30d_min" => "Growth over 30 days",
        "growth_90d_min" => "Growth over 90 days",
        "category" => "Category",
        "language" => "Language",
        "location" => "Location",
        "verified" => "Verified",
        "business" => "Business account",
        "has_email" => "Email available",
        "posted_within_days" => "Posted within",
        "hashtag" => "Hashtag",
        "sort" => "Sort by",
        "per_page" => "Results per page",
        "page" => "Page",
        "pool" => "Creators searched",
        _ => "Search",
    }
}

/// A service message as a sentence: capitalised, long numbers grouped (`10,000,000,000`).
fn readable(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 8);
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        match digits.parse::<i64>() {
            Ok(n) if digits.len() >= 5 => out.push_str(&number(n)),
            _ => out.push_str(digits),
        }
        digits.clear();
    };
    for c in message.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    let mut chars = out.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => out,
    }
}

/// The refused fields: each message beside its field, and all of them above the results.
fn refused(fields: Vec<FieldError>) -> FormErrors {
    let fields: Vec<FieldError> = fields
        .into_iter()
        .map(|f| FieldError::new(f.field.clone(), readable(&f.message)))
        .collect();
    let mut errors = FormErrors::from_fields(fields);
    errors.messages = errors
        .fields
        .iter()
        .map(|f| format!("{}: {}", label(&f.field), f.message))
        .collect();
    errors
}

// ---- the page -------------------------------------------------------------------------------

/// An option of a select, with whether it is the current choice.
pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn yes_no_choices(raw: &str) -> Vec<Choice> {
    let current = yes_no("", raw, &mut Vec::new());
    [
        ("", "Any", None),
        ("yes", "Yes", Some(true)),
        ("no", "No", Some(false)),
    ]
    .into_iter()
    .map(|(value, label, v)| Choice {
        value: value.into(),
        label: label.into(),
        selected: v == current,
    })
    .collect()
}

/// "Any category" and the categories post analysis assigns; a value from elsewhere (an old
/// link) stays chosen so its error shows beside the field.
fn category_choices(raw: &str) -> Vec<Choice> {
    let current = raw.trim();
    let mut choices = vec![Choice {
        value: String::new(),
        label: "Any category".into(),
        selected: current.is_empty(),
    }];
    choices.extend(
        intelligence::content_categories().map(|(value, label)| Choice {
            value: value.into(),
            label: label.into(),
            selected: value.eq_ignore_ascii_case(current),
        }),
    );
    if !current.is_empty() && !choices.iter().any(|c| c.selected) {
        choices.push(Choice {
            value: current.into(),
            label: current.into(),
            selected: true,
        });
    }
    choices
}

fn sort_choices(raw: &str) -> Vec<Choice> {
    let current = sort(raw, &mut Vec::new()).unwrap_or_default();
    SORTS
        .iter()
        .map(|(s, value, label)| Choice {
            value: (*value).into(),
            label: (*label).into(),
            selected: *s == current,
        })
        .collect()
}

/// The usual page sizes, and the one asked for if it is another.
fn size_choices(raw: &str) -> Vec<Choice> {
    let current: u32 = whole("", raw, &mut Vec::new()).unwrap_or(search::PER_PAGE);
    let mut sizes = vec![12, search::PER_PAGE, 48, search::PER_PAGE_MAX];
    if !sizes.contains(&current) && (1..=search::PER_PAGE_MAX).contains(&current) {
        sizes.push(current);
        sizes.sort_unstable();
    }
    sizes
        .into_iter()
        .map(|n| Choice {
            value: n.to_string(),
            label: n.to_string(),
            selected: n == current,
        })
        .collect()
}

/// A creator as a result shows it: the API's public card, written for people.
pub struct CreatorView {
    /// The creator's profile page is `/discover/creators/{profile_id}`.
    profile_id: String,
    username: String,
    /// The username cut after each `.` and `_`: a narrow column breaks it there.
    username_parts: Vec<String>,
    full_name: String,
    initial: String,
    /// The picture through the media proxy, or empty (the initial instead).
    picture: String,
    followers: String,
    /// "Low", "Average", "High", "Very high" or "Unknown".
    engagement: &'static str,
    /// The band's range, for its tooltip.
    engagement_range: &'static str,
    /// The top categories of the analysed posts ("Food, Travel"), or empty.
    categories: String,
    language: String,
    location: String,
    verified: bool,
    business: bool,
    has_email: bool,
    demo: bool,
    /// "Apify", "Demo data", …
    source: &'static str,
    /// "3 days ago", and exactly (tooltip).
    fetched: String,
    fetched_exact: String,
    last_post: String,
}

/// The band (from [`api::band`]) as a word, and its range.
fn engagement(rate: Option<f64>) -> (&'static str, &'static str) {
    match api::band(rate) {
        "low" => ("Low", "under 1 % engagement"),
        "average" => ("Average", "1–3 % engagement"),
        "high" => ("High", "3–6 % engagement"),
        "very_high" => ("Very high", "6 % engagement or more"),
        _ => ("Unknown", "no posts with likes counted yet"),
    }
}

/// The top categories as labels: "Food, Travel".
fn top_categories(categories: &serde_json::Value) -> String {
    api::top_categories(categories)
        .into_iter()
        .map(|k| {
            let mut chars = k.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn creator_view(c: &creator::Model, picture: Option<String>, now: DateTime<Utc>) -> CreatorView {
    let (engagement, engagement_range) = engagement(c.engagement_rate);
    CreatorView {
        profile_id: c.profile_id.to_string(),
        username: c.username.clone(),
        username_parts: c
            .username
            .split_inclusive(['.', '_'])
            .map(str::to_string)
            .collect(),
        full_name: c.full_name.clone().unwrap_or_default(),
        initial: c
            .username
            .chars()
            .find(|ch| ch.is_alphanumeric())
            .map(|ch| ch.to_uppercase().collect())
            .unwrap_or_else(|| "?".into()),
        picture: picture.unwrap_or_default(),
        followers: number(c.followers),
        engagement,
        engagement_range,
        categories: top_categories(&c.categories),
        language: c.language.clone().unwrap_or_default(),
        location: c.location.clone().unwrap_or_default(),
        verified: c.is_verified,
        business: c.is_business,
        has_email: c.has_email,
        demo: c.pool == "demo" || c.source == "demo",
        source: instagram::Source::parse(&c.source)
            .map(|s| s.label())
            .unwrap_or("Unknown source"),
        fetched: c
            .fetched_at
            .map_or_else(|| "at an unknown time".into(), |t| ago(t, now)),
        fetched_exact: c.fetched_at.as_ref().map(fmt_time).unwrap_or_default(),
        last_post: c
            .last_post_at
            .map_or_else(|| "none counted".into(), |t| ago(t, now)),
    }
}

#[derive(Template)]
#[template(path = "discovery/search.html")]
struct SearchPage {
    shell: Shell,
    form: SearchForm,
    limits: Limits,
    errors: FormErrors,
    categories: Vec<Choice>,
    verified: Vec<Choice>,
    business: Vec<Choice>,
    has_email: Vec<Choice>,
    sorts: Vec<Choice>,
    sizes: Vec<Choice>,
    table: bool,
    cards_href: String,
    table_href: String,
    clear_href: String,
    /// The demo pool was searched: the results are generated creators.
    demo: bool,
    /// "1,234 creators", "1,000+ creators"; "Results" when nothing was searched.
    heading: String,
    creators: Vec<CreatorView>,
    /// "Showing 25–48 of 1,234".
    showing: String,
    /// "most followers first", …
    sorted_by: &'static str,
    /// "Page 2 of 52", or "Page 2" when the count stopped.
    page_label: String,
    prev_href: String,
    next_href: String,
    /// What the next page costs, said before it is asked for (pages past the first are priced).
    next_price: String,
    /// Nothing on this page: what to change.
    empty: String,
    /// Nothing on this page but there are results: the first page's link.
    first_href: String,
    /// Nothing found with filters set: offer to clear them.
    can_clear: bool,
    /// What this search cost ("Free advanced search: 9 left this month"), or empty.
    charged: String,
    /// The current search's query string (what "Save this search" keeps).
    query: String,
    can_save: bool,
    saved: Vec<SavedView>,
    recent: Vec<RecentView>,
}

/// A saved search in the sidebar.
struct SavedView {
    name: String,
    label: String,
    href: String,
    shared: bool,
    /// The delete form's action (the caller's own searches only), or empty.
    delete: String,
}

/// A recent search in the sidebar.
struct RecentView {
    label: String,
    href: String,
    results: Option<String>,
}

/// What a priced search cost, in words.
fn charge_words(c: &service::Charge) -> String {
    let what = if c.action == "discovery_page" {
        "result page"
    } else {
        "advanced search"
    };
    if c.repeat {
        format!(
            "This {what} was paid for in the last {} hours: not charged again.",
            service::REPEAT_FREE_HOURS
        )
    } else if c.free {
        format!(
            "Free {what} of the month: {} left.",
            number(c.free_remaining)
        )
    } else if c.cost == 0 {
        format!("This {what} is not charged on your plan.")
    } else {
        format!(
            "This {what} cost {} credits; balance {}.",
            number(c.cost),
            number(c.balance)
        )
    }
}

/// The next page's price, beside its link, once the month's free pages are used (a free
/// one is said after it is seen: "Free result page of the month: N left").
fn next_price_words(c: &platform::credits::CanPerform) -> String {
    if c.cost > 0 {
        format!("{} credits", number(c.cost))
    } else {
        String::new()
    }
}

impl SearchPage {
    fn new(shell: Shell, form: SearchForm) -> Self {
        let table = form.table();
        let page: u32 = whole("", &form.page, &mut Vec::new()).unwrap_or(1);
        SearchPage {
            shell,
            limits: LIMITS,
            errors: FormErrors::default(),
            categories: category_choices(&form.category),
            verified: yes_no_choices(&form.verified),
            business: yes_no_choices(&form.business),
            has_email: yes_no_choices(&form.has_email),
            sorts: sort_choices(&form.sort),
            sizes: size_choices(&form.per_page),
            table,
            cards_href: form.href(page, false),
            table_href: form.href(page, true),
            clear_href: form.cleared_href(),
            demo: false,
            heading: "Results".into(),
            creators: Vec::new(),
            showing: String::new(),
            sorted_by: "",
            page_label: String::new(),
            prev_href: String::new(),
            next_href: String::new(),
            next_price: String::new(),
            empty: String::new(),
            first_href: String::new(),
            can_clear: false,
            charged: String::new(),
            query: String::new(),
            can_save: false,
            saved: Vec::new(),
            recent: Vec::new(),
            form,
        }
    }

    fn found(
        mut self,
        pool: &str,
        filters: &Filters,
        found: &Found,
        creators: Vec<CreatorView>,
    ) -> Self {
        let n = i64::try_from(found.total).unwrap_or(i64::MAX);
        let total = if found.more {
            format!("{}+", number(n))
        } else {
            number(n)
        };
        self.demo = pool == "demo";
        let keyword = filters
            .q
            .as_deref()
            .is_some_and(|q| !search::words(q).is_empty());
        self.sorted_by = match filters.sort.unwrap_or_default() {
            Sort::Relevance if keyword => {
                "usernames holding the keyword first, then most followers"
            }
            Sort::Relevance | Sort::Followers => "most followers first",
            Sort::Engagement => "highest engagement first",
            Sort::Growth => "fastest growth over 30 days first",
        };
        self.heading = if found.more {
            format!("{total} creators")
        } else {
            count(n, "creator", "creators")
        };
        let (page, per_page) = (u64::from(found.page), u64::from(found.per_page));
        let shown = creators.len() as u64;
        let first = (page - 1) * per_page + 1;
        if shown > 0 {
            self.showing = format!(
                "Showing {}–{} of {total}",
                number(i64::try_from(first).unwrap_or(i64::MAX)),
                number(i64::try_from(first + shown - 1).unwrap_or(i64::MAX))
            );
        }
        let last_page = if found.more {
            u64::from(PAGE_MAX)
        } else {
            found.total.div_ceil(per_page).clamp(1, u64::from(PAGE_MAX))
        };
        self.page_label = if found.more {
            format!("Page {page}")
        } else {
            format!(
                "Page {page} of {}",
                number(i64::try_from(last_page).unwrap_or(i64::MAX))
            )
        };
        let table = self.table;
        if page > 1 && page <= last_page {
            self.prev_href = self.form.href(found.page - 1, table);
        }
        if page < last_page && shown == per_page {
            self.next_href = self.form.href(found.page + 1, table);
        }
        if shown == 0 {
            if found.total > 0 {
                self.empty = "This page is past the last result.".into();
                self.first_href = self.form.href(1, table);
            } else {
                self.empty = what_to_change(filters);
                self.can_clear = filters.count() > 0;
            }
        }
        self.creators = creators;
        self
    }

    fn refused(mut self, errors: FormErrors) -> Self {
        self.errors = errors;
        self
    }
}

/// What an empty answer suggests, from the filters that were set.
fn what_to_change(f: &Filters) -> String {
    if f.count() == 0 {
        return "There are no creators to search yet. They appear here as public profiles are fetched and their posts analysed.".into();
    }
    let mut tips: Vec<&str> = Vec::new();
    if f.q.is_some() {
        tips.push("use fewer or other words in the keyword (every word must appear)");
    }
    if f.followers_min.is_some()
        || f.followers_max.is_some()
        || f.engagement_min.is_some()
        || f.engagement_max.is_some()
        || f.growth_30d_min.is_some()
        || f.growth_90d_min.is_some()
    {
        tips.push("widen the follower, engagement or growth range");
    }
    if f.category.is_some() {
        tips.push("choose another category, or Any category");
    }
    if f.language.is_some() || f.location.is_some() || f.hashtag.is_some() {
        tips.push("check the spelling of the language, location or hashtag (they match exactly), or clear them");
    }
    if f.verified.is_some() || f.business.is_some() || f.has_email.is_some() {
        tips.push("set verified, business or email back to Any");
    }
    if f.posted_within_days.is_some() {
        tips.push("allow older posts");
    }
    let tips = match tips.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{}, or {last}", rest.join(", ")),
        None => String::new(),
    };
    format!("No creator matches all of these filters. To find some, {tips}.")
}

async fn search_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(form): Query<SearchForm>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    jar: CookieJar,
) -> Result<Response> {
    let raw = raw.unwrap_or_default();
    let searched = match form.filters() {
        Err(fields) => Err(fields),
        Ok(filters) => {
            let pool = text(&form.pool);
            match service::search(&state, &ctx, pool.as_deref(), &filters).await {
                Ok((pool, found, charged)) => Ok((filters, pool, found, charged)),
                Err(Error::Validation(fields)) => Err(fields),
                Err(e) => return Err(e),
            }
        }
    };
    let (jar, flashes) = flash::take(jar);
    let shell = shell::for_request(&state, Some(&ctx), "Discover", PAGE, flashes).await?;
    let page = SearchPage::new(shell, form);
    let page = match searched {
        Err(fields) => page.refused(refused(fields)),
        Ok((filters, pool, found, charged)) => {
            let pictures =
                api::pictures(&state, &found.creators.iter().collect::<Vec<_>>()).await?;
            let now = platform::db::now();
            let creators = found
                .creators
                .iter()
                .map(|c| creator_view(c, pictures.get(c.picture_url.as_deref()), now))
                .collect();
            if let Err(e) = saved::note_recent(&state, &ctx, &raw, found.total).await {
                // A search is answered even when noting it fails.
                tracing::warn!(error = %e, "noting a recent search failed");
            }
            let mut page = page.found(&pool, &filters, &found, creators);
            page.charged = charged.map(|c| charge_words(&c)).unwrap_or_default();
            if !page.next_href.is_empty() {
                let scope = platform::Scope::of(&ctx)?;
                let next = state
                    .credits
                    .can_perform(&state, &scope, "discovery_page")
                    .await?;
                page.next_price = next_price_words(&next);
            }
            page
        }
    };
    let mut page = page;
    page.query = saved::clean_query(&raw).unwrap_or_default();
    page.can_save = ctx.can(platform::Permission::WorkspaceWrite);
    page.saved = saved::list(&state, &ctx)
        .await?
        .into_iter()
        .map(|s| SavedView {
            label: saved::describe(&s.query),
            href: format!("/discover?{}", s.query),
            delete: if s.mine {
                format!("/discover/saved/{}/delete", s.id)
            } else {
                String::new()
            },
            name: s.name,
            shared: s.shared,
        })
        .collect();
    page.recent = saved::recent(&state, &ctx)
        .await?
        .into_iter()
        .map(|r| RecentView {
            label: saved::describe(&r.query),
            href: format!("/discover?{}", r.query),
            results: r.results.map(|n| {
                if n as u64 > search::COUNT_CAP {
                    format!("{}+", number(search::COUNT_CAP as i64))
                } else {
                    number(n)
                }
            }),
        })
        .collect();
    Ok(html_with(page.errors.answer, jar, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_are_read_as_people_write_them() {
        let mut e = Vec::new();
        assert_eq!(whole::<i64>("f", " 10,000 ", &mut e), Some(10_000));
        assert_eq!(whole::<i64>("f", "", &mut e), None);
        assert_eq!(percent("f", "2,5 %", &mut e), Some(2.5));
        assert_eq!(yes_no("f", "Yes", &mut e), Some(true));
        assert_eq!(yes_no("f", "false", &mut e), Some(false));
        assert_eq!(yes_no("f", "", &mut e), None);
        assert!(e.is_empty());
        assert_eq!(whole::<i64>("f", "lots", &mut e), None);
        assert_eq!(percent("f", "NaN", &mut e), None);
        assert_eq!(yes_no("f", "maybe", &mut e), None);
        assert_eq!(sort("loudest", &mut e), None);
        assert_eq!(e.len(), 4);
    }

    #[test]
    fn service_messages_read_as_sentences() {
        assert_eq!(
            readable("must be between 0 and 10000000000"),
            "Must be between 0 and 10,000,000,000"
        );
        assert_eq!(
            readable("must be between -100 and 10000"),
            "Must be between -100 and 10,000"
        );
        assert_eq!(readable("at most 40 characters"), "At most 40 characters");
    }

    #[test]
    fn links_keep_the_search_without_empty_fields() {
        let form = SearchForm {
            q: "vegan food".into(),
            followers_min: "1000".into(),
            view: "table".into(),
            ..Default::default()
        };
        assert_eq!(
            form.href(2, true),
            "/discover?q=vegan%20food&followers_min=1000&page=2&view=table"
        );
        assert_eq!(
            form.href(1, false),
            "/discover?q=vegan%20food&followers_min=1000"
        );
        assert_eq!(form.cleared_href(), "/discover?view=table");
    }

    #[test]
    fn bands_are_words_and_categories_labels() {
        assert_eq!(engagement(Some(0.5)).0, "Low");
        assert_eq!(engagement(Some(6.0)).0, "Very high");
        assert_eq!(engagement(None).0, "Unknown");
        let mix = serde_json::json!({"travel": 0.25, "food": 0.5, "art": 0.25, "tech": 0.1});
        assert_eq!(top_categories(&mix), "Food, Art, Travel");
    }

    #[test]
    fn an_empty_answer_says_what_to_change() {
        let f = Filters {
            q: Some("yoga".into()),
            followers_min: Some(10),
            ..Default::default()
        };
        assert_eq!(
            what_to_change(&f),
            "No creator matches all of these filters. To find some, use fewer or other words in the keyword (every word must appear), or widen the follower, engagement or growth range."
        );
    }
}
