//! Streamed CSV downloads for the back office's exports (users, the activity log): rows are
//! read from the database in keyset batches and written to the response as they come, so an
//! export of 100,000 rows never holds more than one batch in memory.
//!
//! Cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return
//! at the start) are prefixed with `'` (OWASP "CSV injection"): an export of user-typed names
//! must not become code on the operator's machine.

use std::future::Future;

use axum::{
    body::Body,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use futures::{Stream, StreamExt};

use crate::error::{Error, Result};

/// Rows rendered per database round trip.
pub const BATCH: u64 = 1000;

/// A cell as a spreadsheet will read it safely.
pub fn safe_cell(value: &str) -> String {
    // A plain number (a negative amount, `+1`) is data, not a formula: left as it is so a
    // spreadsheet still reads it as a number.
    if value.parse::<f64>().is_ok_and(f64::is_finite) {
        return value.to_string();
    }
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

fn encode(rows: &[Vec<String>]) -> Result<Bytes> {
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 96));
    for row in rows {
        writer
            .write_record(row.iter().map(|c| safe_cell(c)))
            .map_err(Error::internal)?;
    }
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|e| Error::internal(e.to_string()))
}

/// Where the export is: before the header, at a cursor, or done.
enum Step<C> {
    Header,
    At(Option<C>),
    Done,
}

/// The CSV body: the header, then one chunk per batch. `fetch(cursor)` returns a batch of rows
/// and the cursor of the next batch (`None` at the end).
pub fn stream<C, F, Fut>(
    header: &'static [&'static str],
    fetch: F,
) -> impl Stream<Item = Result<Bytes>>
where
    C: Send + 'static,
    F: FnMut(Option<C>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<Vec<String>>, Option<C>)>> + Send,
{
    futures::stream::try_unfold((Step::Header, fetch), move |(step, mut fetch)| async move {
        match step {
            Step::Header => {
                let head: Vec<String> = header.iter().map(|h| (*h).to_string()).collect();
                Ok(Some((encode(&[head])?, (Step::At(None), fetch))))
            }
            Step::At(cursor) => {
                let (rows, next) = fetch(cursor).await?;
                let chunk = encode(&rows)?;
                let step = match next {
                    Some(c) => Step::At(Some(c)),
                    None => Step::Done,
                };
                Ok(Some((chunk, (step, fetch))))
            }
            Step::Done => Ok(None),
        }
    })
}

/// A download response (`text/csv`, attachment named `filename`). The header and the first
/// batch are read before the answer starts, so a filter the database refuses (or any early
/// failure) is a proper error answer, not a connection cut with an empty reply. An error after
/// that can only cut the download short; it is logged.
pub async fn response(
    filename: &str,
    body: impl Stream<Item = Result<Bytes>> + Send + 'static,
) -> Result<Response> {
    let mut body = Box::pin(body);
    let mut first = Vec::with_capacity(2);
    for _ in 0..2 {
        match body.next().await {
            Some(chunk) => first.push(chunk?),
            None => break,
        }
    }
    let body = futures::stream::iter(first.into_iter().map(Ok))
        .chain(body)
        .map(|chunk| {
            chunk.map_err(|e| {
                tracing::error!(error = %e, "CSV export stopped");
                std::io::Error::other(e.to_string())
            })
        });
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = format!(
        "attachment; filename=\"{}\"",
        filename.replace(['"', '\\', '\r', '\n'], "")
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("-1+2"), "'-1+2");
        assert_eq!(safe_cell("-1"), "-1", "a negative number stays a number");
        assert_eq!(safe_cell("-12.5"), "-12.5");
        assert_eq!(safe_cell("-inf"), "'-inf");
        assert_eq!(safe_cell("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(safe_cell(""), "");
    }

    #[tokio::test]
    async fn batches_follow_the_header() {
        let body = stream(&["n"], |cursor: Option<u32>| async move {
            let start = cursor.unwrap_or(0);
            let rows = (start..start + 2).map(|n| vec![n.to_string()]).collect();
            Ok((rows, (start < 4).then_some(start + 2)))
        });
        let chunks: Vec<Bytes> = body.map(|c| c.unwrap()).collect().await;
        let text: String = chunks
            .iter()
            .map(|c| String::from_utf8_lossy(c).to_string())
            .collect();
        assert_eq!(text, "n\n0\n1\n2\n3\n4\n5\n");
    }

    #[tokio::test]
    async fn a_failing_first_batch_is_an_error_answer_not_a_cut_download() {
        let body = stream(&["n"], |_cursor: Option<u32>| async move {
            Err::<(Vec<Vec<String>>, Option<u32>), _>(Error::validation("status", "bad"))
        });
        let answer = response("x.csv", body).await;
        assert!(matches!(answer, Err(Error::Validation(_))));
    }
}
