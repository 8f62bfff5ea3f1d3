//! Tables written row by row as CSV, XLSX or JSON to any writer: the file formats of every
//! export. A writer never holds the table: CSV and JSON write each row as it comes, XLSX keeps
//! rows in a temporary file (rust_xlsxwriter's constant-memory mode) and writes the zip at the
//! end, so memory stays flat however many rows an export has.
//!
//! Cells are typed, so a number stays a number in a spreadsheet and in JSON, and a time is one
//! RFC 3339 string in CSV and JSON and a date-time cell in XLSX.

use std::io::Write;

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Time(DateTime<Utc>),
    Bool(bool),
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        if n.is_finite() {
            Cell::Float(n)
        } else {
            Cell::Empty
        }
    }
}

impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Cell::Bool(b)
    }
}

impl From<DateTime<Utc>> for Cell {
    fn from(t: DateTime<Utc>) -> Self {
        Cell::Time(t)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Cell::Empty)
    }
}

impl Cell {
    /// As text (CSV): numbers in plain notation, times in RFC 3339, empty as nothing.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Float(n) => n.to_string(),
            Cell::Time(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            Cell::Bool(b) => b.to_string(),
            Cell::Empty => String::new(),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Cell::Text(s) => s.clone().into(),
            Cell::Int(n) => (*n).into(),
            Cell::Float(n) => serde_json::Number::from_f64(*n)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Cell::Time(_) => self.to_text().into(),
            Cell::Bool(b) => (*b).into(),
            Cell::Empty => serde_json::Value::Null,
        }
    }
}

/// The file formats an export is offered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Csv, Format::Xlsx, Format::Json];

    pub fn as_str(&self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn content_type(&self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Json => "application/json",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("writing the file failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the CSV failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the spreadsheet failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("writing the JSON failed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("a spreadsheet holds at most 1,048,575 rows under its header")]
    TooManyRows,
}

/// Writes `columns` then every row of `rows` to `out` in `format`; returns how many rows were
/// written. Rows shorter than the header are padded with empty cells, longer ones cut.
pub fn write<W: Write + Send>(
    format: Format,
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
    out: W,
) -> Result<u64, Error> {
    match format {
        Format::Csv => write_csv(columns, rows, out),
        Format::Json => write_json(columns, rows, out),
        Format::Xlsx => write_xlsx(columns, rows, out),
    }
}

fn cells(columns: &[&str], mut row: Vec<Cell>) -> Vec<Cell> {
    row.resize(columns.len(), Cell::Empty);
    row
}

fn write_csv<W: Write>(
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
    out: W,
) -> Result<u64, Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(columns)?;
    let mut n = 0;
    for row in rows {
        w.write_record(
            cells(columns, row)
                .iter()
                .map(|c| guard_formula(c.to_text())),
        )?;
        n += 1;
    }
    w.flush()?;
    Ok(n)
}

/// A text cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a
/// leading apostrophe: an export of other people's bios must not run their formulas (OWASP
/// "CSV injection"). Numbers are written from `Cell::Int`/`Float`, never through here as text
/// starting with `-`… except a text cell that happens to: that one is guarded too.
fn guard_formula(s: String) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s,
    }
}

fn write_json<W: Write>(
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
    mut out: W,
) -> Result<u64, Error> {
    // An array of objects keyed by column, written one object at a time.
    out.write_all(b"[")?;
    let mut n = 0u64;
    for row in rows {
        if n > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"\n")?;
        let object: serde_json::Map<String, serde_json::Value> = columns
            .iter()
            .zip(cells(columns, row).iter())
            .map(|(k, c)| ((*k).to_string(), c.to_json()))
            .collect();
        serde_json::to_writer(&mut out, &object)?;
        n += 1;
    }
    out.write_all(b"\n]\n")?;
    out.flush()?;
    Ok(n)
}

/// Rows an XLSX sheet holds under its header.
const XLSX_MAX_ROWS: u64 = 1_048_575;

fn write_xlsx<W: Write + Send>(
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
    out: W,
) -> Result<u64, Error> {
    use rust_xlsxwriter::{ExcelDateTime, Format as Style, Workbook};
    let mut book = Workbook::new();
    let bold = Style::new().set_bold();
    let time = Style::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let sheet = book.add_worksheet_with_constant_memory()?;
    for (i, c) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *c, &bold)?;
    }
    let mut n = 0u64;
    for row in rows {
        if n >= XLSX_MAX_ROWS {
            return Err(Error::TooManyRows);
        }
        let r = (n + 1) as u32;
        for (i, c) in cells(columns, row).into_iter().enumerate() {
            let col = i as u16;
            match c {
                Cell::Text(s) => {
                    sheet.write_string(r, col, s)?;
                }
                Cell::Int(v) => {
                    sheet.write_number(r, col, v as f64)?;
                }
                Cell::Float(v) => {
                    sheet.write_number(r, col, v)?;
                }
                Cell::Bool(b) => {
                    sheet.write_boolean(r, col, b)?;
                }
                Cell::Time(t) => {
                    let t = ExcelDateTime::from_timestamp(t.timestamp())?;
                    sheet.write_datetime_with_format(r, col, &t, &time)?;
                }
                Cell::Empty => {}
            }
        }
        n += 1;
    }
    book.save_to_writer(out)?;
    Ok(n)
}

#[cfg(test)]
mod tests;
