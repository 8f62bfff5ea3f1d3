//! Bulk import of proxies from pasted text or a small file, in one of two shapes:
//!
//! - one proxy a line: `host:port` or `host:port:username:password` (the password may contain
//!   `:`), `[2001:db8::1]:8080:…` for IPv6, or a URL `socks5://user:pass@host:port`; the kind
//!   of the import applies unless the URL names one;
//! - CSV with a header naming its columns: `host,port,username,password,provider,location,
//!   monthly_cost` and optionally `currency`, `kind`, `max_accounts` (any order; `host` and
//!   `port` are required; `monthly_cost` is an amount like `12.50`).
//!
//! Blank lines and `#` comments are skipped. Each line is checked like a proxy added by hand;
//! a line that fails is reported with its number and not inserted, and so is a duplicate (the
//! same host, port and username as an earlier line or a proxy the workspace has). Importing
//! the same text twice inserts nothing the second time.

use std::collections::HashSet;

use platform::{
    AppState, Ctx, Error, Result,
    audit::{self, Event},
    db::now,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, TryInsertResult,
};
use serde::Serialize;
use uuid::Uuid;

use super::{Input, Kind, Password, check, parse_amount};
use crate::{
    model::proxy,
    service::{access, accounts},
};

/// The most lines one import reads (a larger list: split it).
pub const MAX_LINES: usize = 10_000;

/// One line that was not inserted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = FleetProxyImportIssue)]
pub struct Issue {
    /// 1-based line number in the text.
    pub line: u64,
    /// `invalid` or `duplicate`.
    pub outcome: String,
    /// `host:port` as written, when the line had one.
    pub proxy: String,
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[schema(as = FleetProxyImportReport)]
pub struct Report {
    /// Proxy lines read (blank lines, comments and the CSV header not counted).
    pub lines: u64,
    pub inserted: u64,
    pub duplicates: u64,
    pub invalid: u64,
    /// Every line not inserted, in line order.
    pub issues: Vec<Issue>,
}

/// A line read: its number, what it names (for the report) and its proxy or what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub number: u64,
    pub proxy: String,
    pub parsed: std::result::Result<Input, String>,
}

fn meaningful(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// Whether the text is CSV with a header: its first proxy line names a `host` column.
fn is_csv(text: &str) -> bool {
    text.lines().find(|l| meaningful(l)).is_some_and(|first| {
        first.contains(',')
            && first
                .split(',')
                .any(|c| c.trim().trim_matches('"').eq_ignore_ascii_case("host"))
    })
}

/// Reads the text into lines (no database): CSV with a header or one proxy a line. A CSV
/// header with an unknown or missing column refuses the whole text (422 on `text`).
pub fn parse(text: &str, default_kind: Kind) -> Result<Vec<Line>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = if is_csv(text) {
        parse_csv(text, default_kind)?
    } else {
        text.lines()
            .enumerate()
            .filter(|(_, l)| meaningful(l))
            .map(|(i, l)| parse_line(i as u64 + 1, l.trim(), default_kind))
            .collect()
    };
    if lines.len() > MAX_LINES {
        return Err(Error::validation(
            "text",
            format!(
                "At most {} proxies at once: split the list",
                platform::web::format::number(MAX_LINES as i64)
            ),
        ));
    }
    Ok(lines)
}

fn field_messages(errors: Vec<platform::FieldError>) -> String {
    errors
        .into_iter()
        .map(|e| e.message)
        .collect::<Vec<_>>()
        .join("; ")
}

/// One `host:port[:username:password]` or URL line.
fn parse_line(number: u64, line: &str, default_kind: Kind) -> Line {
    let fail = |proxy: String, message: &str| Line {
        number,
        proxy,
        parsed: Err(message.to_string()),
    };
    if line.contains("://") {
        let Ok(url) = url::Url::parse(line) else {
            return fail(
                String::new(),
                "Not a proxy address like socks5://user:pass@host:port",
            );
        };
        let Some(kind) = Kind::parse(url.scheme()) else {
            return fail(
                String::new(),
                "The address must start with http:// or socks5://",
            );
        };
        let host = url.host_str().unwrap_or_default().to_string();
        let Some(port) = url.port() else {
            return fail(host, "The address needs a port, like host:8080");
        };
        let decode = |s: &str| {
            urlencoding::decode(s)
                .map(|d| d.into_owned())
                .unwrap_or_else(|_| s.to_string())
        };
        let password = url.password().map(decode).unwrap_or_default();
        let input = Input {
            kind: kind.as_str().into(),
            host: host.clone(),
            port: i64::from(port),
            username: decode(url.username()),
            password: Password::Set(password),
            ..Input::default()
        };
        return Line {
            number,
            proxy: format!("{host}:{port}"),
            parsed: Ok(input),
        };
    }
    let (host, rest) = if let Some(after) = line.strip_prefix('[') {
        match after.split_once(']') {
            Some((h, r)) => (h.to_string(), r.strip_prefix(':').unwrap_or(r).to_string()),
            None => return fail(String::new(), "An IPv6 address needs its closing ]"),
        }
    } else {
        match line.split_once(':') {
            Some((h, r)) => (h.to_string(), r.to_string()),
            None => (line.to_string(), String::new()),
        }
    };
    let mut parts = rest.splitn(3, ':');
    let port_text = parts.next().unwrap_or_default().trim().to_string();
    let username = parts.next();
    let password = parts.next();
    let shown = format!("{}:{port_text}", host.trim());
    if port_text.is_empty() {
        return fail(shown, "Write host:port or host:port:username:password");
    }
    if username.is_some() && password.is_none() {
        return fail(
            shown,
            "A username needs a password after it: host:port:username:password",
        );
    }
    let Ok(port) = port_text.parse::<i64>() else {
        return fail(shown, "The port must be a number from 1 to 65535");
    };
    Line {
        number,
        proxy: shown,
        parsed: Ok(Input {
            kind: default_kind.as_str().into(),
            host: host.trim().to_string(),
            port,
            username: username.unwrap_or_default().to_string(),
            password: Password::Set(password.unwrap_or_default().to_string()),
            ..Input::default()
        }),
    }
}

const COLUMNS: [&str; 10] = [
    "host",
    "port",
    "username",
    "password",
    "provider",
    "location",
    "monthly_cost",
    "currency",
    "kind",
    "max_accounts",
];

/// The 1-based line a record starting at `byte` is on. The CSV reader's own line count
/// leaves blank lines out, and a record's start may be the blank or comment lines before it.
fn line_at(text: &str, byte: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    while start < bytes.len() {
        let end = bytes[start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |i| start + i + 1);
        let line = bytes[start..end].trim_ascii();
        if !(line.is_empty() || line.starts_with(b"#")) {
            break;
        }
        start = end;
    }
    bytes[..start].iter().filter(|b| **b == b'\n').count() as u64 + 1
}

fn parse_csv(text: &str, default_kind: Kind) -> Result<Vec<Line>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| Error::validation("text", "The CSV header could not be read"))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if let Some(unknown) = headers.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(Error::validation(
            "text",
            format!(
                "Unknown column {unknown:?}: the columns are {}",
                COLUMNS.join(", ")
            ),
        ));
    }
    for required in ["host", "port"] {
        if !headers.iter().any(|h| h == required) {
            return Err(Error::validation(
                "text",
                format!("The CSV header needs a {required} column"),
            ));
        }
    }
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let number = e.position().map(|p| line_at(text, p.byte())).unwrap_or(0);
                lines.push(Line {
                    number,
                    proxy: String::new(),
                    parsed: Err("This line is not valid CSV".into()),
                });
                continue;
            }
        };
        let number = record
            .position()
            .map(|p| line_at(text, p.byte()))
            .unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |name: &str| -> &str {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .unwrap_or("")
        };
        let proxy = format!("{}:{}", get("host"), get("port"));
        let mut problems = Vec::new();
        let port = match get("port").parse::<i64>() {
            Ok(p) => p,
            Err(_) => {
                problems.push("The port must be a number from 1 to 65535");
                0
            }
        };
        let cost = parse_amount(get("monthly_cost")).unwrap_or_else(|| {
            problems.push("The monthly cost must be an amount like 12.50");
            0
        });
        let max_accounts = match get("max_accounts") {
            "" => super::DEFAULT_MAX_ACCOUNTS,
            raw => raw.parse::<i64>().unwrap_or_else(|_| {
                problems.push("Max accounts must be a number from 1 to 50");
                0
            }),
        };
        let kind = match get("kind") {
            "" => default_kind.as_str().to_string(),
            k => k.to_string(),
        };
        let currency = match get("currency") {
            "" => "USD".to_string(),
            c => c.to_string(),
        };
        let parsed = if problems.is_empty() {
            Ok(Input {
                kind,
                host: get("host").to_string(),
                port,
                username: get("username").to_string(),
                password: Password::Set(get("password").to_string()),
                provider: get("provider").to_string(),
                location: get("location").to_string(),
                monthly_cost_minor: cost,
                currency,
                status: "active".into(),
                max_accounts,
            })
        } else {
            Err(problems.join("; "))
        };
        lines.push(Line {
            number,
            proxy,
            parsed,
        });
    }
    Ok(lines)
}

/// Imports the text's proxies into the caller's workspace (one transaction).
pub async fn import(state: &AppState, ctx: &Ctx, text: &str, default_kind: Kind) -> Result<Report> {
    let scope = access::write(state, ctx).await?;
    if text.trim().is_empty() {
        return Err(Error::validation(
            "text",
            "Paste proxies, one a line, or choose a file",
        ));
    }
    let lines = parse(text, default_kind)?;
    let existing: Vec<(String, i32, String)> = proxy::Entity::find()
        .select_only()
        .column(proxy::Column::Host)
        .column(proxy::Column::Port)
        .column(proxy::Column::Username)
        .filter(proxy::Column::WorkspaceId.eq(scope.workspace_id()))
        .into_tuple()
        .all(&state.db)
        .await?;
    let existing: HashSet<(String, i32, String)> = existing.into_iter().collect();
    let mut seen: std::collections::HashMap<(String, i32, String), u64> =
        std::collections::HashMap::new();

    let mut report = Report {
        lines: lines.len() as u64,
        ..Report::default()
    };
    let issue = |report: &mut Report, line: &Line, outcome: &str, message: String| {
        if outcome == "duplicate" {
            report.duplicates += 1;
        } else {
            report.invalid += 1;
        }
        report.issues.push(Issue {
            line: line.number,
            outcome: outcome.into(),
            proxy: line.proxy.clone(),
            message,
        });
    };

    let txn = platform::db::begin_write(&state.db).await?;
    let at = now();
    for line in &lines {
        let input = match &line.parsed {
            Ok(input) => input,
            Err(message) => {
                issue(&mut report, line, "invalid", message.clone());
                continue;
            }
        };
        let c = match check(input) {
            Ok(c) => c,
            Err(errors) => {
                issue(&mut report, line, "invalid", field_messages(errors));
                continue;
            }
        };
        let key = c.key();
        if let Some(first) = seen.get(&key) {
            issue(
                &mut report,
                line,
                "duplicate",
                format!("The same proxy as line {first}"),
            );
            continue;
        }
        seen.insert(key.clone(), line.number);
        if existing.contains(&key) {
            issue(
                &mut report,
                line,
                "duplicate",
                "This workspace has this proxy already".into(),
            );
            continue;
        }
        let password_enc = match &c.password {
            Password::Set(p) if !p.is_empty() => Some(accounts::seal(state, p)?),
            _ => None,
        };
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
        // Another import at the same moment may have added it: the unique index decides.
        let done = proxy::Entity::insert(row)
            .on_conflict_do_nothing_on([
                proxy::Column::WorkspaceId,
                proxy::Column::Host,
                proxy::Column::Port,
                proxy::Column::Username,
            ])
            .exec_without_returning(&txn)
            .await?;
        match done {
            TryInsertResult::Inserted(n) if n > 0 => report.inserted += 1,
            _ => issue(
                &mut report,
                line,
                "duplicate",
                "This workspace has this proxy already".into(),
            ),
        }
    }
    txn.commit().await?;
    audit::record(
        &state.db,
        Event::new("fleet.proxies_imported")
            .by(ctx)
            .detail(serde_json::json!({
                "lines": report.lines,
                "inserted": report.inserted,
                "duplicates": report.duplicates,
                "invalid": report.invalid,
            })),
    )
    .await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &Line) -> &Input {
        line.parsed.as_ref().unwrap()
    }

    #[test]
    fn colon_lines_urls_and_comments() {
        let text = "# my proxies\n\n1.2.3.4:8080\nproxy.example:3128:bob:pa:ss\n[2001:db8::1]:1080:u:p\nsocks5://al%40ice:p%3Aw@s.example:1080\nbad\nhost:port\nh:1:onlyuser\n";
        let lines = parse(text, Kind::Http).unwrap();
        assert_eq!(lines.len(), 7);
        assert_eq!(lines[0].number, 3);
        assert_eq!(ok(&lines[0]).host, "1.2.3.4");
        assert_eq!(ok(&lines[0]).port, 8080);
        assert_eq!(ok(&lines[0]).password, Password::Set(String::new()));
        assert_eq!(ok(&lines[1]).username, "bob");
        assert_eq!(ok(&lines[1]).password, Password::Set("pa:ss".into()));
        assert_eq!(ok(&lines[2]).host, "2001:db8::1");
        assert_eq!(ok(&lines[2]).port, 1080);
        assert_eq!(ok(&lines[3]).kind, "socks5");
        assert_eq!(ok(&lines[3]).username, "al@ice");
        assert_eq!(ok(&lines[3]).password, Password::Set("p:w".into()));
        assert_eq!(lines[4].number, 7);
        assert!(lines[4].parsed.is_err());
        assert!(lines[5].parsed.is_err());
        assert!(lines[6].parsed.is_err());
    }

    #[test]
    fn csv_with_a_header_in_any_order() {
        let text = "Location,host,port,username,password,provider,monthly_cost,kind\nDE,p1.example,8080,u,p,Acme,12.50,socks5\n\n# later\nUS,p2.example,x,,,Acme,abc,\n";
        let lines = parse(text, Kind::Http).unwrap();
        assert_eq!(lines.len(), 2);
        let first = ok(&lines[0]);
        assert_eq!(lines[0].number, 2);
        assert_eq!(first.location, "DE");
        assert_eq!(first.monthly_cost_minor, 1250);
        assert_eq!(first.kind, "socks5");
        assert_eq!(first.currency, "USD");
        assert_eq!(lines[1].number, 5);
        let why = lines[1].parsed.clone().unwrap_err();
        assert!(
            why.contains("port") && why.contains("monthly cost"),
            "{why}"
        );
    }

    #[test]
    fn a_header_with_an_unknown_or_missing_column_refuses_the_text() {
        assert!(parse("host,port,colour\nh,1,red", Kind::Http).is_err());
        assert!(parse("host,username\nh,u", Kind::Http).is_err());
    }
}
