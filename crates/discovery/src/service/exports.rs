//! Exports of what a workspace unlocked or built (creators, posts, lists, campaigns) as CSV,
//! XLSX or JSON, each recorded — who, what, which format, how many rows, when — for the
//! data-protection trail.
//!
//! Invariants:
//! - An export is a bulk export: it counts one use of the plan's monthly `exports` meter and
//!   is charged `bulk_export` (one free per month by default) through reserve → capture.
//! - The file is written row by row to a temporary file first (rows arrive through a bounded
//!   channel, so the producer pages through the database while the writer writes), and only a
//!   complete file is charged and sent; an export that fails captures nothing and is recorded
//!   as `failed`. Memory stays flat however many rows: the writer holds one row, XLSX keeps its
//!   rows on disk (`tabular`).
//! - The record is written before the file (state `running`) so an export that dies midway is
//!   still in the trail.

use std::io::Seek;

use axum::{
    body::Body,
    http::{HeaderValue, header},
    response::Response,
};
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope,
    credits::{Actor, charge_on_success},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::Expr,
};
use serde::Serialize;
use tokio::sync::mpsc;
use uuid::Uuid;

pub use tabular::{Cell, Format};

use crate::model::unlocks::export;

/// The priced action and the plan's monthly meter of an export.
pub const ACTION: &str = "bulk_export";
pub const METER: &str = "exports";

/// Rows buffered between the producer and the writer.
const CHANNEL_ROWS: usize = 1024;

/// What is exported, for the record and the file name.
#[derive(Debug, Clone)]
pub struct What {
    /// `creators`, `posts`, `list`, `campaign`, `campaign_report` (the PDF)…
    pub kind: &'static str,
    /// The list or campaign, when one.
    pub subject: Option<Uuid>,
    /// The file name's stem (cut to 100 characters, made safe for a header).
    pub name: String,
}

/// Sends rows to an export's writer.
pub type RowSender = mpsc::Sender<Vec<Cell>>;

/// An export of rows already in memory (a list, a campaign): see [`send_stream`].
pub async fn send(
    state: &AppState,
    ctx: &Ctx,
    what: What,
    format: Format,
    columns: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
) -> Result<Response> {
    send_stream(state, ctx, what, format, columns, |tx| async move {
        for row in rows {
            if tx.send(row).await.is_err() {
                break;
            }
        }
        Ok(())
    })
    .await
}

/// An export whose rows `produce` sends one by one (paging through the database): charged,
/// recorded, written to a temporary file, then sent as a download.
pub async fn send_stream<F, Fut>(
    state: &AppState,
    ctx: &Ctx,
    what: What,
    format: Format,
    columns: Vec<&'static str>,
    produce: F,
) -> Result<Response>
where
    F: FnOnce(RowSender) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    // Exports spend credits and take data out: not for read-only tokens.
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    let name = file_stem(&what.name);
    let id = record(
        &state.db,
        &scope,
        ctx.user_id(),
        &what,
        &name,
        format.as_str(),
        "running",
    )
    .await?;
    state
        .limits
        .consume(state, &scope, METER, 1)
        .await
        .inspect_err(|_| {
            // The refusal is the answer; the record says it failed.
            let db = state.db.clone();
            tokio::spawn(async move { finish(&db, id, None, "failed", 0).await });
        })?;
    let reference = format!("export:{id}");
    let written = charge_on_success(
        state,
        &scope,
        ACTION,
        &Actor::User(ctx.user_id()),
        Some(&reference),
        |held| async move {
            let (file, rows) = write_file(format, columns, produce).await?;
            Ok((file, rows, held.cost))
        },
    )
    .await;
    let (file, rows, cost) = match written {
        Ok(w) => w,
        Err(e) => {
            if let Err(back) = state.limits.unconsume(state, &scope, METER, 1).await {
                tracing::error!(error = %back, "giving back a monthly export failed");
            }
            finish(&state.db, id, None, "failed", 0).await?;
            return Err(e);
        }
    };
    finish(&state.db, id, Some(rows as i64), "done", cost).await?;
    download(file, format, &name, rows, cost).await
}

/// Writes every row `produce` sends to a temporary file; returns it (rewound) and the count.
async fn write_file<F, Fut>(
    format: Format,
    columns: Vec<&'static str>,
    produce: F,
) -> Result<(std::fs::File, u64)>
where
    F: FnOnce(RowSender) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let (tx, mut rx) = mpsc::channel::<Vec<Cell>>(CHANNEL_ROWS);
    let writer = tokio::task::spawn_blocking(move || -> Result<(std::fs::File, u64)> {
        let mut file = tempfile::tempfile().map_err(Error::internal)?;
        let rows = std::iter::from_fn(|| rx.blocking_recv());
        let n = tabular::write(format, &columns, rows, std::io::BufWriter::new(&mut file))
            .map_err(Error::internal)?;
        file.rewind().map_err(Error::internal)?;
        Ok((file, n))
    });
    // The producer's error wins: the writer then sees the channel close early.
    let produced = produce(tx).await;
    let written = writer.await.map_err(Error::internal)?;
    produced?;
    written
}

async fn download(
    file: std::fs::File,
    format: Format,
    name: &str,
    rows: u64,
    cost: i64,
) -> Result<Response> {
    let len = file.metadata().map_err(Error::internal)?.len();
    let file = tokio::fs::File::from_std(file);
    let mut response = Response::new(Body::from_stream(tokio_util::io::ReaderStream::new(file)));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{name}.{}\"",
        format.as_str()
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    // What the export cost, for programs (the page shows it in the export history).
    h.insert("x-export-rows", HeaderValue::from(rows));
    h.insert("x-credits-charged", HeaderValue::from(cost));
    Ok(response)
}

/// A file name stem: letters, digits, `-` and `_` only, at most 100 characters.
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(100)
        .collect();
    let stem = stem.trim_matches('-').to_string();
    if stem.is_empty() {
        "export".into()
    } else {
        stem
    }
}

/// A record of the trail, in `state` (`running` for an export about to be written, `done` for
/// a document already made).
async fn record(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    user: Uuid,
    what: &What,
    name: &str,
    format: &str,
    state: &str,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let now = platform::db::now();
    export::Entity::insert(export::ActiveModel {
        id: Set(id),
        workspace_id: Set(scope.workspace_id()),
        user_id: Set(Some(user)),
        kind: Set(what.kind.into()),
        subject_id: Set(what.subject),
        name: Set(name.into()),
        format: Set(format.into()),
        rows: Set(None),
        state: Set(state.into()),
        cost: Set(0),
        created_at: Set(now),
        finished_at: Set((state == "done").then_some(now)),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}

/// A document made from the workspace's data (a campaign report as a PDF), recorded in the
/// trail as it is handed out. Free and outside the `exports` meter — a report, not a bulk copy
/// of the data — but data leaving all the same, so not for read-only tokens either.
pub async fn record_document(state: &AppState, ctx: &Ctx, what: &What, format: &str) -> Result<()> {
    ctx.require(Permission::WorkspaceWrite)?;
    let scope = Scope::of(ctx)?;
    let name = file_stem(&what.name);
    record(
        &state.db,
        &scope,
        ctx.user_id(),
        what,
        &name,
        format,
        "done",
    )
    .await?;
    Ok(())
}

async fn finish(
    conn: &impl ConnectionTrait,
    id: Uuid,
    rows: Option<i64>,
    state: &str,
    cost: i64,
) -> Result<()> {
    export::Entity::update_many()
        .col_expr(export::Column::State, Expr::value(state))
        .col_expr(export::Column::Rows, Expr::value(rows))
        .col_expr(export::Column::Cost, Expr::value(cost))
        .col_expr(export::Column::FinishedAt, Expr::value(platform::db::now()))
        .filter(export::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// One export of the trail, as the API and the exports page show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryExportRecord)]
pub struct Record {
    pub id: Uuid,
    /// Who took it (a member of the workspace).
    pub user_id: Option<Uuid>,
    pub kind: String,
    pub subject_id: Option<Uuid>,
    pub name: String,
    pub format: String,
    pub rows: Option<i64>,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub cost: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<export::Model> for Record {
    fn from(m: export::Model) -> Self {
        Record {
            id: m.id,
            user_id: m.user_id,
            kind: m.kind,
            subject_id: m.subject_id,
            name: m.name,
            format: m.format,
            rows: m.rows,
            state: m.state,
            cost: m.cost,
            created_at: m.created_at,
            finished_at: m.finished_at,
        }
    }
}

/// The workspace's exports, newest first (the trail; members with read access see it).
pub async fn history(state: &AppState, ctx: &Ctx, limit: u64) -> Result<Vec<Record>> {
    ctx.require(Permission::WorkspaceRead)?;
    Ok(export::Entity::find()
        .filter(export::Column::WorkspaceId.eq(ctx.workspace_id()?))
        .order_by_desc(export::Column::CreatedAt)
        .limit(limit)
        .all(&state.db)
        .await?
        .into_iter()
        .map(Record::from)
        .collect())
}
