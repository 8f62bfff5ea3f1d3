//! Account import: a txt/CSV file of `username,password,email[,extra…]` lines becomes managed
//! accounts, and the way their passwords come back out (an audited reveal, [`reveal`]).
//!
//! The file is read as a stream ([`parse::Reader`]) in batches of [`BATCH`] data lines; each
//! batch is one short transaction: usernames seen earlier in the file (lower-cased, kept in
//! memory) are duplicates at once; the rest are inserted as `imported`, their passwords sealed
//! with the platform key beforehand, with `ON CONFLICT DO NOTHING RETURNING id` on the
//! workspace's unique username index, so a username the workspace already has (or that a
//! parallel import inserted a moment ago) is a duplicate too, found without a look-up. The
//! rejected lines are stored with their line numbers (`fleet_import_issues`) and the import's
//! progress row (`fleet_imports`) is brought up to date, so a page polling it shows a live bar.
//! `inserted + duplicates + invalid` is always the number of data lines, and importing the same
//! file again inserts nothing.
//!
//! After each batch, its new accounts are offered to the proxies (`proxies::assign::auto`, one
//! short transaction per account, capacity-safe): while some proxy has room, an account moves
//! to `proxy_assigned` and is queued for warm-up; once none has, the rest stay `imported`.
//! Passwords are never logged.

pub mod parse;
pub mod reveal;

use std::collections::{HashMap, HashSet};

use platform::{AppState, Ctx, Error, Result, Scope};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, OnConflict},
};
use serde::Serialize;
use tokio::io::AsyncBufRead;
use uuid::Uuid;

use self::parse::{Entry, Line, Numbered, Reader};
use crate::{
    model::{account, import, import_issue},
    service::{
        access, accounts,
        lifecycle::{Actor, State},
        proxies,
    },
};

/// The largest file an import takes.
pub const MAX_BYTES: u64 = 50 * 1024 * 1024;
/// Data lines per transaction (and per progress step).
pub const BATCH: usize = 500;
pub const FILENAME_MAX: usize = 200;
/// Imports a list shows.
pub const LIST_MAX: u64 = 50;

pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

pub const DUPLICATE: &str = "duplicate";
pub const INVALID: &str = "invalid";

/// Where an import is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = FleetImportProgress)]
pub struct Progress {
    /// The file's size (0 when not known in advance).
    pub total_bytes: u64,
    pub processed_bytes: u64,
    /// Data lines read (blank lines, comments and the header are not counted).
    pub lines: u64,
    pub inserted: u64,
    pub duplicates: u64,
    pub invalid: u64,
    /// New accounts that got a proxy at once (and were queued for warm-up).
    pub proxies_assigned: u64,
}

impl Progress {
    /// Per cent of the file read, 0–100.
    pub fn percent(&self) -> u8 {
        percent(self.processed_bytes, self.total_bytes)
    }
}

/// Per cent of `done` in `total` (100 when the total is unknown or reached).
pub fn percent(done: u64, total: u64) -> u8 {
    if total == 0 {
        return 100;
    }
    u8::try_from((done.min(total) * 100) / total).unwrap_or(100)
}

/// A file name as it is kept and shown: no folders, no control characters, at most
/// [`FILENAME_MAX`] characters.
pub fn clean_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(FILENAME_MAX)
        .collect();
    let name = name.trim();
    if name.is_empty() {
        "accounts.txt".into()
    } else {
        name.to_string()
    }
}

/// Starts an import's record (status `running`). A file over [`MAX_BYTES`] is refused (413).
pub async fn begin(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    actor: &Actor,
    filename: &str,
    total_bytes: u64,
) -> Result<import::Model> {
    if total_bytes > MAX_BYTES {
        return Err(Error::PayloadTooLarge);
    }
    let row = import::Model {
        id: Uuid::now_v7(),
        workspace_id: scope.workspace_id(),
        filename: clean_filename(filename),
        status: RUNNING.into(),
        total_bytes: i64::try_from(total_bytes).unwrap_or(i64::MAX),
        processed_bytes: 0,
        lines: 0,
        inserted: 0,
        duplicates: 0,
        invalid: 0,
        error: None,
        created_by: if actor.kind == "user" { actor.id } else { None },
        created_at: platform::db::now(),
        finished_at: None,
    };
    import::Entity::insert(row.clone().into_active_model().reset_all())
        .exec_without_returning(conn)
        .await?;
    Ok(row)
}

/// Imports a whole file: [`begin`], then [`process`]. For the command line and benches.
pub async fn run<R: AsyncBufRead + Unpin>(
    state: &AppState,
    scope: &Scope,
    actor: &Actor,
    filename: &str,
    reader: R,
    total_bytes: u64,
    progress: impl FnMut(&Progress),
) -> Result<(import::Model, Progress)> {
    let row = begin(&state.db, scope, actor, filename, total_bytes).await?;
    let done = process(state, scope, actor, &row, reader, progress).await?;
    let row = import::Entity::find_by_id(row.id)
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((row, done))
}

/// Runs a started import in the background (an upload answers at once; the page polls the
/// progress row). The outcome is on the row: `done`, or `failed` with its error.
pub fn spawn<R>(state: AppState, scope: Scope, actor: Actor, row: import::Model, reader: R)
where
    R: AsyncBufRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        // `process` records a failure on the row itself; nothing is left to do here.
        let _ = process(&state, &scope, &actor, &row, reader, |_| {}).await;
    });
}

/// Reads the file into the started import `row`, calling `on_progress` after each batch.
/// A failure is recorded on the row (`failed`, with a message a person can act on) and
/// returned; the batches before it stay imported.
pub async fn process<R: AsyncBufRead + Unpin>(
    state: &AppState,
    scope: &Scope,
    actor: &Actor,
    row: &import::Model,
    reader: R,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Progress> {
    let mut run = Run {
        state,
        scope,
        actor,
        import_id: row.id,
        seen: HashMap::new(),
        progress: Progress {
            total_bytes: u64::try_from(row.total_bytes).unwrap_or(0),
            ..Progress::default()
        },
        proxies_have_room: true,
        last_line: 0,
    };
    let outcome = run.read(Reader::new(reader), &mut on_progress).await;
    let now = platform::db::now();
    match outcome {
        Ok(()) => {
            let p = run.progress;
            import::Entity::update_many()
                .col_expr(import::Column::Status, Expr::value(DONE))
                .col_expr(import::Column::TotalBytes, Expr::value(n(p.total_bytes)))
                .col_expr(import::Column::FinishedAt, Expr::value(now))
                .filter(import::Column::Id.eq(row.id))
                .exec(&state.db)
                .await?;
            Ok(p)
        }
        Err(e) => {
            let message = match &e {
                Error::Validation(_) | Error::BadRequest(_) | Error::PayloadTooLarge => e.detail(),
                _ => {
                    tracing::error!(import = %row.id, error = %e, "account import failed");
                    if run.last_line == 0 {
                        "The import stopped because of a server error before the first line."
                            .to_string()
                    } else {
                        format!(
                            "The import stopped because of a server error; the lines up to line {} were imported.",
                            run.last_line
                        )
                    }
                }
            };
            // The failure is recorded even if the error came from the database: a second
            // attempt on a fresh statement usually gets through.
            let _ = import::Entity::update_many()
                .col_expr(import::Column::Status, Expr::value(FAILED))
                .col_expr(import::Column::Error, Expr::value(message))
                .col_expr(import::Column::FinishedAt, Expr::value(now))
                .filter(import::Column::Id.eq(row.id))
                .exec(&state.db)
                .await;
            Err(e)
        }
    }
}

fn n(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// One import underway.
struct Run<'a> {
    state: &'a AppState,
    scope: &'a Scope,
    actor: &'a Actor,
    import_id: Uuid,
    /// Lower-cased usernames of the file so far → the line that had it first.
    seen: HashMap<String, u64>,
    progress: Progress,
    /// Cleared by the first assignment that finds no proxy with room.
    proxies_have_room: bool,
    /// The last line of the last committed batch.
    last_line: u64,
}

/// A line that is not inserted.
struct Issue {
    line_no: u64,
    username: String,
    outcome: &'static str,
    message: String,
}

impl Run<'_> {
    async fn read<R: AsyncBufRead + Unpin>(
        &mut self,
        mut reader: Reader<R>,
        on_progress: &mut impl FnMut(&Progress),
    ) -> Result<()> {
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let next = reader
                .next()
                .await
                .map_err(|e| Error::BadRequest(format!("The file could not be read: {e}")))?;
            if reader.bytes_read() > MAX_BYTES {
                return Err(Error::PayloadTooLarge);
            }
            let end = next.is_none();
            if let Some(line) = next {
                batch.push(line);
            }
            if batch.len() >= BATCH || (end && !batch.is_empty()) {
                self.progress.processed_bytes = reader.bytes_read();
                self.progress.total_bytes = self.progress.total_bytes.max(reader.bytes_read());
                let lines = std::mem::take(&mut batch);
                self.batch(lines).await?;
                on_progress(&self.progress);
            }
            if end {
                if self.progress.processed_bytes != reader.bytes_read() {
                    // Only blank lines or comments after the last batch: the bar reaches the end.
                    self.progress.processed_bytes = reader.bytes_read();
                    self.progress.total_bytes = self.progress.total_bytes.max(reader.bytes_read());
                    self.save_progress(&self.state.db).await?;
                    on_progress(&self.progress);
                }
                return Ok(());
            }
        }
    }

    /// One batch: sorted into new accounts and issues, written in one transaction, then the
    /// new accounts offered to the proxies.
    async fn batch(&mut self, lines: Vec<Numbered>) -> Result<()> {
        let Some(last) = lines.last().map(|l| l.line_no) else {
            return Ok(());
        };
        let mut issues = Vec::new();
        let mut fresh: Vec<(u64, Entry)> = Vec::new();
        for Numbered { line_no, line } in lines {
            match line {
                Line::Skip => {}
                Line::Invalid { username, message } => issues.push(Issue {
                    line_no,
                    username,
                    outcome: INVALID,
                    message,
                }),
                Line::Entry(entry) => {
                    let key = entry.key();
                    if let Some(first) = self.seen.get(&key) {
                        issues.push(Issue {
                            line_no,
                            username: entry.username,
                            outcome: DUPLICATE,
                            message: format!("The same username as line {first}"),
                        });
                    } else {
                        self.seen.insert(key, line_no);
                        fresh.push((line_no, entry));
                    }
                }
            }
            self.progress.lines += 1;
        }

        // Sealed before the write transaction, which stays short. Usernames the workspace
        // has already are found by the unique index (`ON CONFLICT DO NOTHING`): no look-up
        // whose plan could go stale while the table grows, and no gap for a parallel import.
        let workspace_id = self.scope.workspace_id();
        let now = platform::db::now();
        let mut models = Vec::with_capacity(fresh.len());
        let mut lines_of = HashMap::with_capacity(fresh.len());
        for (line_no, entry) in fresh {
            let model = account::Model {
                id: Uuid::now_v7(),
                workspace_id,
                username_lower: entry.key(),
                password_enc: accounts::seal(self.state, &entry.password)?,
                email_password_enc: match &entry.email_password {
                    Some(p) => Some(accounts::seal(self.state, p)?),
                    None => None,
                },
                username: entry.username,
                email: entry.email,
                extra: serde_json::Value::Object(entry.extra),
                state: State::Imported.as_str().into(),
                warmup_step: None,
                warmup_started_at: None,
                warmup_completed_at: None,
                persona_id: None,
                assigned_to_persona_at: None,
                proxy_id: None,
                proxy_assigned_at: None,
                last_worker_id: None,
                last_worker_action_at: None,
                requires_human_review: false,
                last_error_message: None,
                last_error_at: None,
                retry_count: 0,
                import_id: Some(self.import_id),
                created_at: now,
                updated_at: now,
            };
            lines_of.insert(model.id, line_no);
            models.push(model);
        }

        let txn = platform::db::begin_write(&self.state.db).await?;
        let mut inserted = models;
        if !inserted.is_empty() {
            let written: HashSet<Uuid> = account::Entity::insert_many(
                inserted
                    .iter()
                    .map(|m| m.clone().into_active_model().reset_all()),
            )
            .on_conflict(
                OnConflict::columns([account::Column::WorkspaceId, account::Column::UsernameLower])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_with_returning_keys(&txn)
            .await?
            .into_iter()
            .collect();
            if written.len() < inserted.len() {
                let (stay, lost): (Vec<_>, Vec<_>) =
                    inserted.into_iter().partition(|m| written.contains(&m.id));
                for m in lost {
                    issues.push(Issue {
                        line_no: lines_of.get(&m.id).copied().unwrap_or(0),
                        username: m.username,
                        outcome: DUPLICATE,
                        message: "Already in the workspace".into(),
                    });
                }
                inserted = stay;
            }
        }

        issues.sort_by_key(|i| i.line_no);
        self.progress.inserted += inserted.len() as u64;
        for i in &issues {
            match i.outcome {
                DUPLICATE => self.progress.duplicates += 1,
                _ => self.progress.invalid += 1,
            }
        }
        if !issues.is_empty() {
            import_issue::Entity::insert_many(issues.into_iter().map(|i| {
                import_issue::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    import_id: Set(self.import_id),
                    workspace_id: Set(workspace_id),
                    line_no: Set(n(i.line_no)),
                    username: Set(i.username.chars().take(100).collect()),
                    outcome: Set(i.outcome.to_string()),
                    message: Set(i.message.chars().take(300).collect()),
                }
            }))
            .exec_without_returning(&txn)
            .await?;
        }
        self.save_progress(&txn).await?;
        txn.commit().await?;
        self.last_line = last;

        self.assign_proxies(&inserted).await
    }

    async fn save_progress(&self, conn: &impl ConnectionTrait) -> Result<()> {
        let p = &self.progress;
        import::Entity::update_many()
            .col_expr(
                import::Column::ProcessedBytes,
                Expr::value(n(p.processed_bytes)),
            )
            .col_expr(import::Column::TotalBytes, Expr::value(n(p.total_bytes)))
            .col_expr(import::Column::Lines, Expr::value(n(p.lines)))
            .col_expr(import::Column::Inserted, Expr::value(n(p.inserted)))
            .col_expr(import::Column::Duplicates, Expr::value(n(p.duplicates)))
            .col_expr(import::Column::Invalid, Expr::value(n(p.invalid)))
            .filter(import::Column::Id.eq(self.import_id))
            .filter(import::Column::WorkspaceId.eq(self.scope.workspace_id()))
            .exec(conn)
            .await?;
        Ok(())
    }

    /// Offers new accounts to the proxies, one short transaction each, until none has room.
    async fn assign_proxies(&mut self, accounts: &[account::Model]) -> Result<()> {
        for account in accounts {
            if !self.proxies_have_room {
                return Ok(());
            }
            let txn = platform::db::begin_write(&self.state.db).await?;
            match proxies::assign::auto(&txn, self.scope, account, "", self.actor).await {
                Ok(Some(_)) => {
                    txn.commit().await?;
                    self.progress.proxies_assigned += 1;
                }
                Ok(None) => self.proxies_have_room = false,
                // The account moved meanwhile (someone assigned it by hand): leave it be.
                Err(Error::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

// ---- reading imports --------------------------------------------------------------------

/// An import of the caller's workspace.
pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<import::Model> {
    import::Entity::find_by_id(id)
        .filter(import::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// One of the caller's imports.
pub async fn get(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<import::Model> {
    let scope = access::read(state, ctx).await?;
    find_in(&state.db, &scope, id).await
}

/// The workspace's imports, newest first: `limit` of them before the import `before`.
pub async fn list(
    state: &AppState,
    ctx: &Ctx,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<import::Model>> {
    let scope = access::read(state, ctx).await?;
    let mut q = import::Entity::find().filter(import::Column::WorkspaceId.eq(scope.workspace_id()));
    if let Some(before) = before {
        q = q.filter(import::Column::Id.lt(before));
    }
    Ok(q.order_by_desc(import::Column::Id)
        .limit(limit.clamp(1, 200))
        .all(&state.db)
        .await?)
}

/// Rejected lines of an import in line order, `limit` of them after line `after`.
pub async fn issues_in(
    conn: &DatabaseConnection,
    scope: &Scope,
    import_id: Uuid,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<import_issue::Model>> {
    let mut q = import_issue::Entity::find()
        .filter(import_issue::Column::ImportId.eq(import_id))
        .filter(import_issue::Column::WorkspaceId.eq(scope.workspace_id()));
    if let Some(after) = after {
        q = q.filter(import_issue::Column::LineNo.gt(after));
    }
    Ok(q.order_by_asc(import_issue::Column::LineNo)
        .order_by_asc(import_issue::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// An import of the caller's workspace and a page of its rejected lines.
pub async fn issues(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    after: Option<i64>,
    limit: u64,
) -> Result<(import::Model, Vec<import_issue::Model>)> {
    let scope = access::read(state, ctx).await?;
    let row = find_in(&state.db, &scope, id).await?;
    let issues = issues_in(&state.db, &scope, row.id, after, limit.clamp(1, 1000)).await?;
    Ok((row, issues))
}

/// New accounts of an import that have a proxy now.
pub async fn with_proxy(state: &AppState, scope: &Scope, import_id: Uuid) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(account::Entity::find()
        .filter(account::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(account::Column::ImportId.eq(import_id))
        .filter(account::Column::ProxyId.is_not_null())
        .count(&state.db)
        .await?)
}

/// The progress a row records.
pub fn progress_of(row: &import::Model) -> Progress {
    let u = |v: i64| u64::try_from(v).unwrap_or(0);
    Progress {
        total_bytes: u(row.total_bytes),
        processed_bytes: u(row.processed_bytes),
        lines: u(row.lines),
        inserted: u(row.inserted),
        duplicates: u(row.duplicates),
        invalid: u(row.invalid),
        proxies_assigned: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_kept_plain() {
        assert_eq!(clean_filename("C:\\Users\\me\\accs.csv"), "accs.csv");
        assert_eq!(clean_filename("/tmp/x/../accounts\n.txt"), "accounts.txt");
        assert_eq!(clean_filename("  "), "accounts.txt");
        assert_eq!(clean_filename(&"a".repeat(300)).len(), FILENAME_MAX);
    }

    #[test]
    fn percent_is_bounded() {
        assert_eq!(percent(0, 0), 100);
        assert_eq!(percent(50, 200), 25);
        assert_eq!(percent(300, 200), 100);
    }
}
