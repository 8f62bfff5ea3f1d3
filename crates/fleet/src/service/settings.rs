//! A workspace's fleet settings: the warm-up steps (order, names, content kinds, days between),
//! retries and their backoff, the task lease, the time zone calendar days are counted in, and
//! the URL a proxy test connects to. A workspace that never saved any has the defaults below.

use chrono_tz::Tz;
use platform::{AppState, Ctx, Error, Result, Scope};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, sea_query::OnConflict};
use serde::{Deserialize, Serialize};

use crate::model::settings as row;

/// One warm-up step as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = FleetWarmupStep)]
pub struct Step {
    /// Machine name the worker acts on (`change_pfp`, `change_bio`, …): lower case, `_`.
    pub name: String,
    /// What people read.
    pub label: String,
    /// The image pool kind this step posts (`pfp`, `post`, `highlight`, `story`, `any`), if any.
    pub image_kind: Option<String>,
    /// The text pool kind it uses (`bio`, `post`, `story`, `highlight`), if any.
    pub text_kind: Option<String>,
    /// Calendar days after the previous step's day (0: at once; the first step's is from the
    /// start of warm-up).
    pub days_after: u32,
}

pub const IMAGE_KINDS: [&str; 5] = ["pfp", "post", "highlight", "story", "any"];
pub const TEXT_KINDS: [&str; 4] = ["bio", "post", "story", "highlight"];
pub const MAX_STEPS: usize = 12;

fn step(name: &str, label: &str, image: Option<&str>, text: Option<&str>, days: u32) -> Step {
    Step {
        name: name.into(),
        label: label.into(),
        image_kind: image.map(str::to_string),
        text_kind: text.map(str::to_string),
        days_after: days,
    }
}

/// The requirement's five days: picture, bio, highlight, story, post.
pub fn default_steps() -> Vec<Step> {
    vec![
        step("change_pfp", "Change profile picture", Some("pfp"), None, 0),
        step("change_bio", "Change bio", None, Some("bio"), 1),
        step(
            "post_highlight",
            "Post a highlight",
            Some("highlight"),
            Some("highlight"),
            1,
        ),
        step(
            "post_story",
            "Post a story",
            Some("story"),
            Some("story"),
            1,
        ),
        step("post_post", "Post a post", Some("post"), Some("post"), 1),
    ]
}

/// The cleanup a worker does when an account leaves a persona.
pub fn cleanup_steps() -> Vec<Step> {
    vec![
        step("reset_bio", "Reset the bio", None, None, 0),
        step("reset_pfp", "Reset the profile picture", None, None, 0),
        step(
            "delete_posts",
            "Delete posts, stories and highlights",
            None,
            None,
            0,
        ),
    ]
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FleetSettings)]
pub struct Settings {
    pub steps: Vec<Step>,
    /// Retries of a failed step before the account needs review.
    pub max_retries: i32,
    /// The first retry waits this long; each next one twice as long.
    pub retry_backoff_secs: i32,
    /// How long a claimed task stays a worker's without a heartbeat.
    pub lease_secs: i32,
    pub time_zone: String,
    pub proxy_check_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            steps: default_steps(),
            max_retries: 3,
            retry_backoff_secs: 300,
            lease_secs: 600,
            time_zone: "UTC".into(),
            proxy_check_url: "https://www.instagram.com/".into(),
        }
    }
}

impl Settings {
    pub fn zone(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    /// The wait before retry number `retry` (1-based): backoff doubling, capped at a day.
    pub fn backoff(&self, retry: i32) -> chrono::Duration {
        let base = i64::from(self.retry_backoff_secs.max(0));
        let factor = 1i64 << (retry.clamp(1, 16) - 1);
        chrono::Duration::seconds((base * factor).min(86_400))
    }
}

/// How long the task engine may use settings it read before: workers claim many times a
/// second, settings change rarely. A save on this server takes effect at once; on another
/// server of a PostgreSQL deployment within this time.
pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(2);

type Cache = std::sync::Mutex<
    std::collections::HashMap<uuid::Uuid, (std::time::Instant, std::sync::Arc<Settings>)>,
>;

fn cache() -> &'static Cache {
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The workspace's settings as the task engine uses them: read at most every
/// [`CACHE_TTL`] per workspace in this process.
pub async fn cached(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<std::sync::Arc<Settings>> {
    let now = std::time::Instant::now();
    let hit = cache().lock().ok().and_then(|c| {
        c.get(&scope.workspace_id())
            .filter(|(at, _)| now.duration_since(*at) < CACHE_TTL)
            .map(|(_, s)| s.clone())
    });
    if let Some(s) = hit {
        return Ok(s);
    }
    let fresh = std::sync::Arc::new(get(conn, scope).await?);
    if let Ok(mut c) = cache().lock() {
        if c.len() > 10_000 {
            c.clear();
        }
        c.insert(scope.workspace_id(), (now, fresh.clone()));
    }
    Ok(fresh)
}

fn forget(workspace_id: uuid::Uuid) {
    if let Ok(mut c) = cache().lock() {
        c.remove(&workspace_id);
    }
}

/// The settings a workspace works under.
pub async fn get(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Settings> {
    let Some(r) = row::Entity::find_by_id(scope.workspace_id())
        .one(conn)
        .await?
    else {
        return Ok(Settings::default());
    };
    let steps: Vec<Step> = serde_json::from_value(r.steps).unwrap_or_else(|_| default_steps());
    Ok(Settings {
        steps: if steps.is_empty() {
            default_steps()
        } else {
            steps
        },
        max_retries: r.max_retries,
        retry_backoff_secs: r.retry_backoff_secs,
        lease_secs: r.lease_secs,
        time_zone: r.time_zone,
        proxy_check_url: r.proxy_check_url,
    })
}

/// Settings as sent by a form or the API.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = FleetSettingsInput)]
pub struct Input {
    pub steps: Vec<Step>,
    pub max_retries: i32,
    pub retry_backoff_secs: i32,
    pub lease_secs: i32,
    pub time_zone: String,
    pub proxy_check_url: String,
}

/// Checks every field, naming each one that is wrong.
pub fn validate(input: &Input) -> Result<()> {
    let mut errors = Vec::new();
    if input.steps.is_empty() || input.steps.len() > MAX_STEPS {
        errors.push(("steps", format!("Between 1 and {MAX_STEPS} steps")));
    }
    let mut names = std::collections::HashSet::new();
    for s in &input.steps {
        let ok = !s.name.is_empty()
            && s.name.len() <= 40
            && s.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            errors.push((
                "steps",
                format!(
                    "Step name {:?}: 1–40 lower-case letters, digits or _",
                    s.name
                ),
            ));
        } else if !names.insert(s.name.clone()) {
            errors.push(("steps", format!("Step name {:?} is used twice", s.name)));
        }
        if s.label.trim().is_empty() || s.label.chars().count() > 80 {
            errors.push((
                "steps",
                format!("Step {:?}: a label of 1–80 characters", s.name),
            ));
        }
        if let Some(k) = &s.image_kind
            && !IMAGE_KINDS.contains(&k.as_str())
        {
            errors.push((
                "steps",
                format!("Step {:?}: unknown image kind {k:?}", s.name),
            ));
        }
        if let Some(k) = &s.text_kind
            && !TEXT_KINDS.contains(&k.as_str())
        {
            errors.push((
                "steps",
                format!("Step {:?}: unknown text kind {k:?}", s.name),
            ));
        }
        if s.days_after > 30 {
            errors.push(("steps", format!("Step {:?}: at most 30 days after", s.name)));
        }
    }
    if !(0..=10).contains(&input.max_retries) {
        errors.push(("max_retries", "Between 0 and 10".into()));
    }
    if !(0..=86_400).contains(&input.retry_backoff_secs) {
        errors.push(("retry_backoff_secs", "Between 0 and 86,400 seconds".into()));
    }
    if !(5..=86_400).contains(&input.lease_secs) {
        errors.push(("lease_secs", "Between 5 and 86,400 seconds".into()));
    }
    if input.time_zone.parse::<Tz>().is_err() {
        errors.push((
            "time_zone",
            "An IANA time zone such as Europe/Berlin".into(),
        ));
    }
    match url::Url::parse(&input.proxy_check_url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && input.proxy_check_url.len() <= 500 => {}
        _ => errors.push(("proxy_check_url", "An http or https URL".into())),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(
            errors
                .into_iter()
                .map(|(f, m)| platform::error::FieldError::new(f, m))
                .collect(),
        ))
    }
}

/// Saves a workspace's settings (owners and admins).
pub async fn save(state: &AppState, ctx: &Ctx, input: Input) -> Result<Settings> {
    let scope = super::access::admin(state, ctx).await?;
    validate(&input)?;
    row::Entity::insert(row::ActiveModel {
        workspace_id: Set(scope.workspace_id()),
        steps: Set(serde_json::to_value(&input.steps).map_err(Error::internal)?),
        max_retries: Set(input.max_retries),
        retry_backoff_secs: Set(input.retry_backoff_secs),
        lease_secs: Set(input.lease_secs),
        time_zone: Set(input.time_zone.clone()),
        proxy_check_url: Set(input.proxy_check_url.clone()),
        updated_at: Set(platform::db::now()),
    })
    .on_conflict(
        OnConflict::column(row::Column::WorkspaceId)
            .update_columns([
                row::Column::Steps,
                row::Column::MaxRetries,
                row::Column::RetryBackoffSecs,
                row::Column::LeaseSecs,
                row::Column::TimeZone,
                row::Column::ProxyCheckUrl,
                row::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    forget(scope.workspace_id());
    get(&state.db, &scope).await
}
