//! The workspace's proxies: the rented endpoints accounts work through, each with a capacity
//! (`max_accounts`, 3 unless changed). Created one by one or in bulk ([`bulk`]), tested through
//! a real connection ([`tester`], [`test`]), assigned to accounts by [`assign`] (capacity held
//! by a conditional `account_count < max_accounts` update), and measured ([`utilization`]).
//!
//! A proxy's password is sealed with the platform key at once and never leaves the server
//! again: lists, pages and the API say only whether one is set.
//!
//! Deleting a proxy that accounts use is refused (409): releasing them silently would strand
//! accounts mid-warm-up without a proxy, so the operator moves or unassigns them first (the
//! proxy's page lists them with both buttons). The delete is one conditional statement
//! (`account_count = 0`), so an assignment racing with it either lands first (and the delete
//! is refused) or finds the proxy gone.

pub mod assign;
pub mod bulk;
pub mod placing;
pub mod tester;
pub mod utilization;

use platform::{
    AppState, Ctx, Error, FieldError, Result, Scope,
    audit::{self, Event},
    db::{is_unique_violation, now},
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func},
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    access, accounts,
    lifecycle::{self, Actor},
    settings,
};
use crate::model::{event, proxy};

pub const HOST_MAX: usize = 253;
/// SOCKS5 sends username and password with a one-byte length (RFC 1929).
pub const CREDENTIAL_MAX: usize = 255;
pub const PROVIDER_MAX: usize = 80;
pub const LOCATION_MAX: usize = 80;
pub const DEFAULT_MAX_ACCOUNTS: i64 = 3;
pub const MAX_ACCOUNTS_LIMIT: i64 = 50;
/// 1,000,000.00 a month: far above any proxy's price, far below overflow.
pub const COST_MAX_MINOR: i64 = 100_000_000;

/// How the proxy is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = FleetProxyKind)]
pub enum Kind {
    /// HTTP proxy (`CONNECT` tunnels, absolute-URI requests).
    Http,
    Socks5,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Http, Kind::Socks5];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Http => "http",
            Kind::Socks5 => "socks5",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Http => "HTTP",
            Kind::Socks5 => "SOCKS5",
        }
    }

    /// `http`/`https` and `socks5`/`socks5h`/`socks`, any case.
    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "http" | "https" => Some(Kind::Http),
            "socks5" | "socks5h" | "socks" => Some(Kind::Socks5),
            _ => None,
        }
    }
}

/// Whether a proxy takes accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Takes accounts.
    Active,
    /// Set aside by hand: keeps its accounts, takes no new ones.
    Inactive,
    /// Its last test failed: keeps its accounts, takes no new ones until a test passes.
    Error,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Active, Status::Inactive, Status::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Inactive => "inactive",
            Status::Error => "error",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Active => "Active",
            Status::Inactive => "Inactive",
            Status::Error => "Failing",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim().to_ascii_lowercase())
    }

    pub fn label_of(s: &str) -> &str {
        Status::parse(s).map(Status::label).unwrap_or(s)
    }
}

/// What happens to the stored password on a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Password {
    Keep,
    Clear,
    Set(String),
}

/// A proxy as sent by a form, the API or an import line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: String,
    pub host: String,
    pub port: i64,
    pub username: String,
    pub password: Password,
    pub provider: String,
    pub location: String,
    pub monthly_cost_minor: i64,
    pub currency: String,
    pub status: String,
    pub max_accounts: i64,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            kind: "http".into(),
            host: String::new(),
            port: 0,
            username: String::new(),
            password: Password::Keep,
            provider: String::new(),
            location: String::new(),
            monthly_cost_minor: 0,
            currency: "USD".into(),
            status: "active".into(),
            max_accounts: DEFAULT_MAX_ACCOUNTS,
        }
    }
}

/// An input that passed [`check`]: normalised (host in lower case, currency in upper case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub kind: Kind,
    pub host: String,
    pub port: i32,
    pub username: String,
    pub password: Password,
    pub provider: String,
    pub location: String,
    pub monthly_cost_minor: i64,
    pub currency: String,
    pub status: Status,
    pub max_accounts: i32,
}

impl Checked {
    /// The identity of a proxy in its workspace (the unique index's columns).
    pub fn key(&self) -> (String, i32, String) {
        (self.host.clone(), self.port, self.username.clone())
    }
}

/// A host name (RFC 1123 labels) or an IP address (IPv6 with or without brackets).
pub fn normalise_host(raw: &str) -> Option<String> {
    let host = raw.trim().to_ascii_lowercase();
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(&host);
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return Some(bare.to_string());
    }
    let name = bare.strip_suffix('.').unwrap_or(bare);
    let ok = !name.is_empty()
        && name.len() <= HOST_MAX
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    ok.then(|| name.to_string())
}

/// Every field checked; each one that is wrong is named.
pub fn check(input: &Input) -> std::result::Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = Kind::parse(&input.kind);
    if kind.is_none() {
        errors.push(FieldError::new("kind", "Choose HTTP or SOCKS5"));
    }
    let host = normalise_host(&input.host);
    if host.is_none() {
        errors.push(FieldError::new(
            "host",
            if input.host.trim().is_empty() {
                "Enter the proxy's host name or IP address"
            } else {
                "A host name like proxy.example.com or an IP address"
            },
        ));
    }
    if !(1..=65_535).contains(&input.port) {
        errors.push(FieldError::new("port", "A port from 1 to 65535"));
    }
    let username = input.username.trim().to_string();
    if username.len() > CREDENTIAL_MAX || username.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "username",
            format!("At most {CREDENTIAL_MAX} characters, on one line"),
        ));
    }
    if let Password::Set(p) = &input.password
        && (p.len() > CREDENTIAL_MAX || p.chars().any(char::is_control))
    {
        errors.push(FieldError::new(
            "password",
            format!("At most {CREDENTIAL_MAX} characters, on one line"),
        ));
    }
    let provider = input.provider.trim().to_string();
    if let Err(e) = platform::web::forms::within("provider", "Provider", &provider, PROVIDER_MAX) {
        errors.push(e);
    }
    let location = input.location.trim().to_string();
    if let Err(e) = platform::web::forms::within("location", "Location", &location, LOCATION_MAX) {
        errors.push(e);
    }
    if !(0..=COST_MAX_MINOR).contains(&input.monthly_cost_minor) {
        errors.push(FieldError::new(
            "monthly_cost_minor",
            "A monthly cost from 0 to 1,000,000.00",
        ));
    }
    let currency = input.currency.trim().to_ascii_uppercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        errors.push(FieldError::new(
            "currency",
            "A three-letter currency code such as USD or EUR",
        ));
    }
    let status = Status::parse(&input.status);
    if status.is_none() {
        errors.push(FieldError::new(
            "status",
            "Choose active, inactive or failing",
        ));
    }
    if !(1..=MAX_ACCOUNTS_LIMIT).contains(&input.max_accounts) {
        errors.push(FieldError::new(
            "max_accounts",
            format!("From 1 to {MAX_ACCOUNTS_LIMIT} accounts"),
        ));
    }
    match (kind, host, status) {
        (Some(kind), Some(host), Some(status)) if errors.is_empty() => Ok(Checked {
            kind,
            host,
            port: i32::try_from(input.port).unwrap_or(0),
            username,
            password: input.password.clone(),
            provider,
            location,
            monthly_cost_minor: input.monthly_cost_minor,
            currency,
            status,
            max_accounts: i32::try_from(input.max_accounts).unwrap_or(0),
        }),
        _ => Err(errors),
    }
}

/// An amount as people type it (`12`, `12.5`, `12.50`, `1,234.50`, `12,50`, a leading `$`, `€`
/// or `£`) in minor units; `None` when it is not one. An empty amount is 0.
pub fn parse_amount(raw: &str) -> Option<i64> {
    let s: String = raw
        .trim()
        .trim_start_matches(['$', '€', '£'])
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if s.is_empty() {
        return Some(0);
    }
    let normal = if s.contains('.') {
        s.replace(',', "")
    } else if let Some((whole, frac)) = s.rsplit_once(',')
        && frac.len() <= 2
    {
        format!("{}.{frac}", whole.replace(',', ""))
    } else {
        s.replace(',', "")
    };
    let (whole, frac) = normal.split_once('.').unwrap_or((&normal, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || whole.len() > 12
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(cents)
}

/// `12.50` for 1250 minor units (the form's value).
pub fn amount_text(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

/// `host:port` as people write it (IPv6 in brackets).
pub fn endpoint(p: &proxy::Model) -> String {
    if p.host.contains(':') {
        format!("[{}]:{}", p.host, p.port)
    } else {
        format!("{}:{}", p.host, p.port)
    }
}

/// A proxy of the scope's workspace; another workspace's is not found.
pub async fn find_in(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<proxy::Model> {
    proxy::Entity::find_by_id(id)
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// One proxy (readers).
pub async fn get(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<proxy::Model> {
    let scope = access::read(state, ctx).await?;
    find_in(&state.db, &scope, id).await
}

/// Which proxies a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    /// Exact location (any case); `Some("")` is "no location".
    pub location: Option<String>,
}

/// Proxies after `cursor` (creation order), at most `limit`, and the cursor of the next page.
pub async fn page(
    state: &AppState,
    ctx: &Ctx,
    filter: &Filter,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<proxy::Model>, Option<Uuid>)> {
    let scope = access::read(state, ctx).await?;
    let mut q = proxy::Entity::find()
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(proxy::Column::Id)
        .limit(limit + 1);
    if let Some(s) = filter.status {
        q = q.filter(proxy::Column::Status.eq(s.as_str()));
    }
    if let Some(l) = &filter.location {
        q = q.filter(Func::lower(Expr::col(proxy::Column::Location)).eq(l.trim().to_lowercase()));
    }
    if let Some(c) = cursor {
        q = q.filter(proxy::Column::Id.gt(c));
    }
    let mut rows = q.all(&state.db).await?;
    let next = if rows.len() as u64 > limit {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok((rows, next))
}

/// Every proxy of the workspace, by location then endpoint (the utilization page).
pub async fn all(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<proxy::Model>> {
    Ok(proxy::Entity::find()
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(proxy::Column::Location)
        .order_by_asc(proxy::Column::Host)
        .order_by_asc(proxy::Column::Port)
        .all(conn)
        .await?)
}

fn taken() -> Error {
    Error::Validation(vec![FieldError::new(
        "host",
        "This workspace already has this proxy (same host, port and username)",
    )])
}

fn audit_detail(p: &proxy::Model) -> serde_json::Value {
    serde_json::json!({ "endpoint": endpoint(p), "kind": p.kind, "username": p.username })
}

/// Adds a proxy (members who may change workspace data).
pub async fn create(state: &AppState, ctx: &Ctx, input: Input) -> Result<proxy::Model> {
    let scope = access::write(state, ctx).await?;
    let c = check(&input).map_err(Error::Validation)?;
    let password_enc = match &c.password {
        Password::Set(p) if !p.is_empty() => Some(accounts::seal(state, p)?),
        _ => None,
    };
    let at = now();
    let row = proxy::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id()),
        kind: Set(c.kind.as_str().into()),
        host: Set(c.host),
        port: Set(c.port),
        username: Set(c.username),
        password_enc: Set(password_enc),
        provider: Set(c.provider),
        location: Set(c.location),
        monthly_cost_minor: Set(c.monthly_cost_minor),
        currency: Set(c.currency),
        status: Set(c.status.as_str().into()),
        max_accounts: Set(c.max_accounts),
        account_count: Set(0),
        last_tested_at: Set(None),
        last_test_ok: Set(None),
        last_latency_ms: Set(None),
        last_test_error: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    };
    let row = match proxy::Entity::insert(row)
        .exec_with_returning(&state.db)
        .await
    {
        Ok(row) => row,
        Err(e) if is_unique_violation(&e) => return Err(taken()),
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &state.db,
        Event::new("fleet.proxy_created")
            .by(ctx)
            .target("fleet_proxy", row.id)
            .detail(audit_detail(&row)),
    )
    .await?;
    Ok(row)
}

/// Changes a proxy. Its capacity cannot go below the accounts it has now (one conditional
/// statement, so an assignment racing with the change cannot overfill it).
pub async fn update(state: &AppState, ctx: &Ctx, id: Uuid, input: Input) -> Result<proxy::Model> {
    let scope = access::write(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let c = check(&input).map_err(Error::Validation)?;
    let password_enc = match &c.password {
        Password::Keep => p.password_enc.clone(),
        Password::Clear => None,
        Password::Set(pw) if pw.is_empty() => p.password_enc.clone(),
        Password::Set(pw) => Some(accounts::seal(state, pw)?),
    };
    let done = proxy::Entity::update_many()
        .col_expr(proxy::Column::Kind, Expr::value(c.kind.as_str()))
        .col_expr(proxy::Column::Host, Expr::value(c.host))
        .col_expr(proxy::Column::Port, Expr::value(c.port))
        .col_expr(proxy::Column::Username, Expr::value(c.username))
        .col_expr(proxy::Column::PasswordEnc, Expr::value(password_enc))
        .col_expr(proxy::Column::Provider, Expr::value(c.provider))
        .col_expr(proxy::Column::Location, Expr::value(c.location))
        .col_expr(
            proxy::Column::MonthlyCostMinor,
            Expr::value(c.monthly_cost_minor),
        )
        .col_expr(proxy::Column::Currency, Expr::value(c.currency))
        .col_expr(proxy::Column::Status, Expr::value(c.status.as_str()))
        .col_expr(proxy::Column::MaxAccounts, Expr::value(c.max_accounts))
        .col_expr(proxy::Column::UpdatedAt, Expr::value(now()))
        .filter(proxy::Column::Id.eq(p.id))
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(proxy::Column::AccountCount.lte(c.max_accounts))
        .exec(&state.db)
        .await;
    let done = match done {
        Ok(done) => done,
        Err(e) if is_unique_violation(&e) => return Err(taken()),
        Err(e) => return Err(e.into()),
    };
    let row = find_in(&state.db, &scope, id).await?;
    if done.rows_affected == 0 {
        return Err(Error::Validation(vec![FieldError::new(
            "max_accounts",
            format!(
                "{} use this proxy now: move some to another proxy before lowering its capacity below that",
                platform::web::format::count(i64::from(row.account_count), "account", "accounts")
            ),
        )]));
    }
    audit::record(
        &state.db,
        Event::new("fleet.proxy_updated")
            .by(ctx)
            .target("fleet_proxy", row.id)
            .detail(audit_detail(&row)),
    )
    .await?;
    Ok(row)
}

/// Removes a proxy no account uses (409 otherwise: move or unassign them first).
pub async fn delete(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<proxy::Model> {
    let scope = access::write(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let done = proxy::Entity::delete_many()
        .filter(proxy::Column::Id.eq(p.id))
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(proxy::Column::AccountCount.eq(0))
        .exec(&state.db)
        .await?;
    if done.rows_affected == 0 {
        let now_row = find_in(&state.db, &scope, id).await?;
        return Err(Error::Conflict(format!(
            "{} use this proxy: move or unassign them before deleting it",
            platform::web::format::count(i64::from(now_row.account_count), "account", "accounts")
        )));
    }
    audit::record(
        &state.db,
        Event::new("fleet.proxy_deleted")
            .by(ctx)
            .target("fleet_proxy", p.id)
            .detail(audit_detail(&p)),
    )
    .await?;
    Ok(p)
}

// ---- testing --------------------------------------------------------------------------------

/// A test's outcome and the proxy after it was recorded.
#[derive(Debug, Clone)]
pub struct Tested {
    pub proxy: proxy::Model,
    pub probe: tester::Probe,
    /// The check URL's host (what the proxy was asked to reach).
    pub check_host: String,
}

/// Tests a proxy through a real connection to the workspace's check URL, records the result
/// on the proxy (a failure sets an active proxy to failing, a success sets a failing one back
/// to active; an inactive one stays inactive) and on the timeline. No transaction is open
/// during the test.
pub async fn test(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Tested> {
    let scope = access::write(state, ctx).await?;
    let p = find_in(&state.db, &scope, id).await?;
    let check_url = settings::get(&state.db, &scope).await?.proxy_check_url;
    let check = url::Url::parse(&check_url).map_err(|_| {
        Error::validation(
            "proxy_check_url",
            "The fleet settings' check URL is not a valid address",
        )
    })?;
    let check_host = check.host_str().unwrap_or_default().to_string();
    let password = match &p.password_enc {
        Some(enc) => accounts::open(state, enc)?,
        None => String::new(),
    };
    let target = tester::Target {
        kind: Kind::parse(&p.kind).unwrap_or(Kind::Http),
        host: p.host.clone(),
        port: u16::try_from(p.port)
            .map_err(|_| Error::validation("port", "A port from 1 to 65535"))?,
        username: p.username.clone(),
        password,
    };
    let allow_private = state.config.get(&tester::ALLOW_PRIVATE_PROXIES);
    let probe = match tester::run(&target, &check, allow_private).await {
        Ok(probe) => probe,
        Err(tester::Refusal::PrivateAddress) => {
            return Err(Error::validation(
                "host",
                "This proxy's address is in a private or local network. This server only tests proxies on public addresses unless its operator allows others.",
            ));
        }
    };

    let status = match (Status::parse(&p.status), probe.ok) {
        (Some(Status::Error), true) => Status::Active.as_str(),
        (Some(Status::Active), false) => Status::Error.as_str(),
        _ => p.status.as_str(),
    }
    .to_string();
    let error: Option<String> = (!probe.ok).then(|| probe.summary.chars().take(500).collect());
    let reason = match probe.latency_ms {
        Some(ms) if probe.ok => format!("Passed in {ms} ms: {} ({check_host})", probe.summary),
        _ => format!("Failed: {} ({check_host})", probe.summary),
    };
    let txn = platform::db::begin_write(&state.db).await?;
    proxy::Entity::update_many()
        .col_expr(proxy::Column::LastTestedAt, Expr::value(Some(now())))
        .col_expr(proxy::Column::LastTestOk, Expr::value(Some(probe.ok)))
        .col_expr(proxy::Column::LastLatencyMs, Expr::value(probe.latency_ms))
        .col_expr(proxy::Column::LastTestError, Expr::value(error))
        .col_expr(proxy::Column::Status, Expr::value(status))
        .col_expr(proxy::Column::UpdatedAt, Expr::value(now()))
        .filter(proxy::Column::Id.eq(p.id))
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .exec(&txn)
        .await?;
    lifecycle::record(
        &txn,
        scope.workspace_id(),
        None,
        Some(p.id),
        "proxy_test",
        (None, None),
        &Actor::user(ctx),
        &reason,
    )
    .await?;
    txn.commit().await?;
    let proxy = find_in(&state.db, &scope, id).await?;
    Ok(Tested {
        proxy,
        probe,
        check_host,
    })
}

/// A proxy's latest tests, newest first (its timeline rows of kind `proxy_test`).
pub async fn tests_of(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    proxy_id: Uuid,
    limit: u64,
) -> Result<Vec<event::Model>> {
    Ok(event::Entity::find()
        .filter(event::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(event::Column::ProxyId.eq(proxy_id))
        .filter(event::Column::Kind.eq("proxy_test"))
        .order_by_desc(event::Column::At)
        .order_by_desc(event::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(host: &str, port: i64) -> Input {
        Input {
            host: host.into(),
            port,
            ..Input::default()
        }
    }

    #[test]
    fn hosts_are_names_or_addresses_in_lower_case() {
        assert_eq!(
            normalise_host(" Proxy.Example.COM ").as_deref(),
            Some("proxy.example.com")
        );
        assert_eq!(normalise_host("10.0.0.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(normalise_host("[::1]").as_deref(), Some("::1"));
        assert_eq!(
            normalise_host("2001:db8::1").as_deref(),
            Some("2001:db8::1")
        );
        for bad in [
            "",
            "a b",
            "-x.com",
            "x-.com",
            "exa_mple.com",
            "http://x.com",
            "a..b",
        ] {
            assert_eq!(normalise_host(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_wrong_field_is_named() {
        let bad = Input {
            kind: "ftp".into(),
            host: "".into(),
            port: 70_000,
            username: "a\nb".into(),
            password: Password::Set("x".repeat(256)),
            provider: "p".repeat(81),
            location: "l".repeat(81),
            monthly_cost_minor: -1,
            currency: "dollars".into(),
            status: "broken".into(),
            max_accounts: 51,
        };
        let fields: Vec<String> = check(&bad)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "kind",
                "host",
                "port",
                "username",
                "password",
                "provider",
                "location",
                "monthly_cost_minor",
                "currency",
                "status",
                "max_accounts"
            ]
        );
        let ok = check(&Input {
            currency: "eur".into(),
            ..input("P.example", 8080)
        })
        .unwrap();
        assert_eq!(ok.host, "p.example");
        assert_eq!(ok.currency, "EUR");
        assert_eq!(ok.max_accounts, 3);
        assert!(check(&input("p.example", 0)).is_err());
        assert!(check(&input("p.example", 65_535)).is_ok());
    }

    #[test]
    fn amounts_as_people_type_them() {
        assert_eq!(parse_amount(""), Some(0));
        assert_eq!(parse_amount("12"), Some(1200));
        assert_eq!(parse_amount("12.5"), Some(1250));
        assert_eq!(parse_amount("$12.50"), Some(1250));
        assert_eq!(parse_amount("12,50"), Some(1250));
        assert_eq!(parse_amount("1,234.50"), Some(123_450));
        assert_eq!(parse_amount("1,234"), Some(123_400));
        assert_eq!(parse_amount("0.05"), Some(5));
        for bad in ["abc", "1.234", "-5", "1.2.3", "."] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
        assert_eq!(amount_text(1250), "12.50");
        assert_eq!(amount_text(5), "0.05");
    }
}
