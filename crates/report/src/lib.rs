//! The PDF engine for audit reports.
//!
//! Plain data in, PDF bytes out: a [`Document`] (a cover and a list of [`Block`]s: headings,
//! text, callouts, tables, bar and line charts, heatmaps) becomes an A4 PDF with embedded,
//! subset DejaVu Sans fonts, real (selectable, extractable) text, a footer with page numbers on
//! every page and the document's metadata. The crate knows nothing about where the data comes
//! from.
//!
//! [`render`] is synchronous CPU work (a few milliseconds to a few hundred for very long
//! documents); run it on a blocking thread from async code. It never panics on any input:
//! empty strings, non-finite numbers, huge tables, unbreakable words and characters the font
//! lacks (drawn as the font's missing-glyph box) all render.
//!
//! The work is split in three stages: layout (`blocks`, `table`, `charts`, `cover`) turns
//! each block into a flow of unsplittable pieces of drawing operations, `layout` places the
//! flows on pages, and `pdf` writes the pages with krilla.

mod blocks;
mod charts;
mod cover;
mod layout;
mod ops;
mod pdf;
mod style;
mod table;
mod text;

use std::panic::AssertUnwindSafe;

use chrono::{DateTime, Utc};

/// A report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// The document title, also the PDF metadata title and the running head of every page
    /// after the cover.
    pub title: String,
    /// The PDF metadata subject, e.g. "Audit of @name: overall score 72/100".
    pub subject: String,
    /// The PDF metadata keywords.
    pub keywords: Vec<String>,
    /// The PDF metadata creation date.
    pub created: DateTime<Utc>,
    /// Printed at the bottom left of every page; the page number "n / N" is at the right.
    pub footer: String,
    /// The first page.
    pub cover: Cover,
    /// The body, starting on the second page.
    pub blocks: Vec<Block>,
}

/// The first page of a report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cover {
    /// A small line in capitals above the heading, e.g. "Account audit".
    pub kicker: String,
    pub heading: String,
    pub subheading: String,
    /// The headline score, drawn as a big number in a ring gauge.
    pub score: Option<Score>,
    /// Label and value rows beside the score.
    pub facts: Vec<(String, String)>,
    /// Small print at the end of the cover (method, period, sources).
    pub note: Option<String>,
}

/// A score out of 100.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// 0 to 100; values outside are clamped, non-finite values shown as "–".
    pub value: f64,
    /// What the score means, e.g. "Overall score".
    pub label: String,
}

/// How a value is judged; colours bars, callouts and the like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Tone {
    Good,
    Warning,
    Bad,
    #[default]
    Neutral,
}

/// A table column's horizontal alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Align {
    #[default]
    Left,
    Right,
}

/// A table column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    pub align: Align,
    /// The column's share of the table width, relative to the other columns' weights
    /// (non-positive or non-finite weights count as 1).
    pub weight: f32,
}

/// One bar of a bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    /// Non-finite values draw no bar and show "–"; negative values draw no bar.
    pub value: f64,
    pub tone: Tone,
    /// A short remark printed under the label, e.g. "+12 % vs. median".
    pub annotation: Option<String>,
}

/// A piece of report content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(String),
    SubHeading(String),
    /// Running text; newlines start new lines.
    Paragraph(String),
    /// Small grey text (method, sources).
    Note(String),
    /// A tinted box with a title.
    Callout {
        title: String,
        body: String,
        tone: Tone,
    },
    /// Label and value rows.
    KeyValues(Vec<(String, String)>),
    /// A zebra-striped table; split by rows across pages, with its header row repeated.
    Table {
        columns: Vec<Column>,
        rows: Vec<Vec<String>>,
        caption: Option<String>,
    },
    /// A horizontal bar chart; bars scale to `max` (or the largest value).
    Bars {
        title: String,
        unit: String,
        bars: Vec<Bar>,
        max: Option<f64>,
    },
    /// A line chart over labelled points; non-finite values leave a gap.
    Line {
        title: String,
        unit: String,
        points: Vec<(String, f64)>,
    },
    /// A heatmap (e.g. weekday × hour); `None` or non-finite cells are hatched as
    /// "not enough data".
    Grid {
        title: String,
        columns: Vec<String>,
        rows: Vec<(String, Vec<Option<f64>>)>,
        legend: String,
    },
    /// Continue on a new page.
    PageBreak,
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The embedded fonts could not be read (a build problem, not an input problem).
    #[error("the embedded fonts could not be loaded")]
    Font,
    /// krilla refused to write the PDF.
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    /// A bug: a panic inside the renderer or one of its libraries, caught.
    #[error("internal error while rendering the PDF: {0}")]
    Internal(String),
}

/// Renders `doc` as a PDF.
///
/// # Errors
/// Only on internal failures (see [`RenderError`]); every input renders.
pub fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    // The layout code does not panic by construction; this guards against a panic inside a
    // dependency (shaping, subsetting) taking down the caller's worker thread.
    std::panic::catch_unwind(AssertUnwindSafe(|| render_unguarded(doc))).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Err(RenderError::Internal(message))
    })
}

fn render_unguarded(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let fonts = text::Fonts::load()?;
    let mut pages = layout::Paginator::new();
    cover::place(&fonts, &doc.cover, &mut pages);
    let items = blocks::layout(&fonts, &doc.blocks);
    if items
        .iter()
        .any(|item| matches!(item, layout::Item::Flow(_)))
    {
        pages.new_page();
    }
    pages.place_all(items);
    let mut pages = pages.finish();
    pdf::decorate(&fonts, &mut pages, doc);
    pdf::write(&fonts, pages, doc)
}
