//! Tables: weighted columns, wrapped cells, zebra stripes, a header row with a rule under it
//! that is repeated on every page the table spans.
//!
//! Each row is one piece, so a table splits between rows. A row taller than a page (a cell with
//! thousands of characters in a narrow column) is cut into several pieces of whole lines, so
//! that even that row flows across pages instead of running off the bottom.

use crate::blocks::{TextStyle, text_pieces};
use crate::layout::Flow;
use crate::ops::{HAlign, Piece};
use crate::style::{
    CONTENT_BOTTOM, CONTENT_TOP, CONTENT_WIDTH, INK, INK_SOFT, LEADING, LEADING_TIGHT, MUTED, RULE,
    SIZE_SMALL, SIZE_TABLE, SIZE_TINY, ZEBRA,
};
use crate::text::{Fonts, Weight, clean};
use crate::{Align, Column};

/// Horizontal padding inside a cell, at most.
const PAD_X: f32 = 6.0;
/// Vertical padding above and below a row's text.
const PAD_Y: f32 = 4.5;
/// The most lines a header cell may take.
const HEADER_LINES: usize = 3;
/// The header's type size.
const HEADER_SIZE: f32 = SIZE_TINY + 0.5;

/// A column resolved to a position.
struct Slot {
    x: f32,
    width: f32,
    pad: f32,
    align: HAlign,
}

impl Slot {
    fn text_width(&self) -> f32 {
        (self.width - 2.0 * self.pad).max(1.0)
    }
}

/// Column widths: shares of the table width by weight, except that no column is made
/// narrower than its longest word (`min_widths`), so that "Comments" is not broken into
/// "Comment/s" in a header; the columns that gave up width keep their weight ratios.
fn slots(columns: &[Column], count: usize, min_widths: &[f32]) -> Vec<Slot> {
    let weight = |i: usize| -> f32 {
        columns
            .get(i)
            .map(|c| c.weight)
            .filter(|w| w.is_finite() && *w > 0.0)
            .unwrap_or(1.0)
    };
    let mut mins: Vec<f32> = (0..count)
        .map(|i| {
            min_widths
                .get(i)
                .copied()
                .filter(|w| w.is_finite() && *w > 0.0)
                .unwrap_or(0.0)
        })
        .collect();
    let min_total: f32 = mins.iter().sum();
    if min_total > CONTENT_WIDTH {
        for min in &mut mins {
            *min *= CONTENT_WIDTH / min_total;
        }
    }
    let mut widths = vec![0.0f32; count];
    let mut fixed = vec![false; count];
    loop {
        let taken: f32 = (0..count).filter(|&i| fixed[i]).map(|i| widths[i]).sum();
        let free = (CONTENT_WIDTH - taken).max(0.0);
        let free_weight: f32 = (0..count).filter(|&i| !fixed[i]).map(weight).sum();
        if free_weight <= 0.0 {
            break;
        }
        let mut changed = false;
        for i in 0..count {
            if fixed[i] {
                continue;
            }
            let width = free * weight(i) / free_weight;
            if width < mins[i] {
                widths[i] = mins[i];
                fixed[i] = true;
                changed = true;
            } else {
                widths[i] = width;
            }
        }
        if !changed {
            break;
        }
    }
    let mut x = 0.0;
    widths
        .into_iter()
        .enumerate()
        .map(|(i, width)| {
            let align = match columns.get(i).map(|c| c.align) {
                Some(Align::Right) => HAlign::Right,
                _ => HAlign::Left,
            };
            let slot = Slot {
                x,
                width,
                pad: PAD_X.min(width * 0.15),
                align,
            };
            x += width;
            slot
        })
        .collect()
}

/// The width each column needs for its longest word: in the header, and in the first rows
/// (enough to see what a column holds without measuring a huge table twice).
fn longest_words(
    fonts: &Fonts,
    columns: &[Column],
    rows: &[Vec<String>],
    count: usize,
) -> Vec<f32> {
    let widest = |text: &str, weight: Weight, size: f32| -> f32 {
        text.split_whitespace()
            .take(50)
            .map(|word| fonts.line(word, weight).width(size))
            .fold(0.0f32, f32::max)
    };
    (0..count)
        .map(|i| {
            let header = columns
                .get(i)
                .map_or(0.0, |c| widest(&c.title, Weight::Bold, HEADER_SIZE));
            let cells = rows
                .iter()
                .take(200)
                .filter_map(|row| row.get(i))
                .map(|cell| widest(cell, Weight::Regular, SIZE_TABLE))
                .fold(0.0f32, f32::max);
            (header.max(cells) + 2.0 * PAD_X + 0.5).min(CONTENT_WIDTH * 0.35)
        })
        .collect()
}

/// The table as a flow.
pub(crate) fn flow(
    fonts: &Fonts,
    columns: &[Column],
    rows: &[Vec<String>],
    caption: Option<&str>,
) -> Flow {
    let count = if columns.is_empty() {
        rows.iter().map(Vec::len).max().unwrap_or(0)
    } else {
        columns.len()
    };
    let slots = slots(columns, count, &longest_words(fonts, columns, rows, count));

    let header = if columns.iter().any(|c| !c.title.trim().is_empty()) {
        Some(header(fonts, columns, &slots))
    } else {
        None
    };
    let header_height = header.as_ref().map_or(0.0, |h| h.height);

    let style = TextStyle::new(SIZE_TABLE, Weight::Regular, INK, LEADING_TIGHT);
    let baseline = fonts.baseline(style.size, style.line_height);
    // The most lines one piece may hold so that it fits on a page under the header.
    let room = CONTENT_BOTTOM - CONTENT_TOP - header_height - 2.0 * PAD_Y - 24.0;
    let max_lines = ((room / style.line_height).floor() as usize).max(1);

    let mut pieces = Vec::new();
    if count > 0 {
        for (index, row) in rows.iter().enumerate() {
            let cells: Vec<_> = slots
                .iter()
                .enumerate()
                .map(|(i, slot)| {
                    let text = row.get(i).map(|s| clean(s, true)).unwrap_or_default();
                    fonts.wrap(&text, style.weight, style.size, slot.text_width())
                })
                .collect();
            let lines = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
            let chunks = lines.div_ceil(max_lines);
            let mut cells: Vec<_> = cells.into_iter().map(Vec::into_iter).collect();
            for chunk in 0..chunks {
                let first = chunk == 0;
                let last = chunk + 1 == chunks;
                let in_chunk = if last {
                    lines - chunk * max_lines
                } else {
                    max_lines
                };
                let top = if first { PAD_Y } else { 0.0 };
                let height =
                    top + in_chunk as f32 * style.line_height + if last { PAD_Y } else { 0.0 };
                let mut piece = Piece::new(height);
                if index % 2 == 1 {
                    piece.rect(0.0, 0.0, CONTENT_WIDTH, height, ZEBRA);
                }
                for (slot, cell) in slots.iter().zip(cells.iter_mut()) {
                    for (n, line) in cell.by_ref().take(in_chunk).enumerate() {
                        let y = top + n as f32 * style.line_height + baseline;
                        piece.text(
                            line,
                            slot.x + slot.pad,
                            slot.text_width(),
                            y,
                            style.size,
                            style.color,
                            slot.align,
                        );
                    }
                }
                pieces.push(piece);
            }
        }
        if let Some(last) = pieces.last_mut() {
            let y = last.height;
            last.hline(0.0, CONTENT_WIDTH, y, 0.5, RULE);
        }
    }

    if let Some(caption) = caption.filter(|c| !c.trim().is_empty()) {
        pieces.push(Piece::new(6.0));
        pieces.extend(text_pieces(
            fonts,
            caption,
            TextStyle::new(SIZE_SMALL, Weight::Regular, MUTED, LEADING),
            0.0,
            CONTENT_WIDTH,
            HAlign::Left,
        ));
    }

    let rows_count = rows.len();
    Flow {
        space_before: 6.0,
        space_after: 14.0,
        header,
        keep_together: rows_count <= 15,
        orphans: 3,
        widows: 2,
        ..Flow::new(pieces)
    }
}

fn header(fonts: &Fonts, columns: &[Column], slots: &[Slot]) -> Piece {
    let style = TextStyle::new(HEADER_SIZE, Weight::Bold, INK_SOFT, LEADING_TIGHT);
    let baseline = fonts.baseline(style.size, style.line_height);
    let cells: Vec<_> = slots
        .iter()
        .enumerate()
        .map(|(i, slot)| {
            let title = columns
                .get(i)
                .map(|c| clean(&c.title, true))
                .unwrap_or_default();
            fonts.wrap_limited(
                &title,
                style.weight,
                style.size,
                slot.text_width(),
                HEADER_LINES,
            )
        })
        .collect();
    let lines = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let height = 2.0 * PAD_Y + lines as f32 * style.line_height;
    let mut piece = Piece::new(height);
    for (slot, cell) in slots.iter().zip(cells) {
        // Header text sits on the rule: bottom-aligned when titles wrap to different heights.
        let offset = (lines - cell.len()) as f32 * style.line_height;
        for (n, line) in cell.into_iter().enumerate() {
            let y = PAD_Y + offset + n as f32 * style.line_height + baseline;
            piece.text(
                line,
                slot.x + slot.pad,
                slot.text_width(),
                y,
                style.size,
                style.color,
                slot.align,
            );
        }
    }
    piece.hline(0.0, CONTENT_WIDTH, height, 0.8, INK_SOFT);
    piece
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RenderError;

    fn column(title: &str) -> Column {
        Column {
            title: title.to_owned(),
            align: Align::Left,
            weight: 1.0,
        }
    }

    #[test]
    fn one_piece_per_short_row_and_a_header() -> Result<(), RenderError> {
        let fonts = Fonts::load()?;
        let rows: Vec<Vec<String>> = (0..40)
            .map(|i| vec![format!("row {i}"), "x".into()])
            .collect();
        let flow = flow(&fonts, &[column("A"), column("B")], &rows, None);
        assert_eq!(flow.pieces.len(), 40);
        assert!(flow.header.is_some());
        Ok(())
    }

    #[test]
    fn a_giant_cell_is_cut_into_page_sized_pieces() -> Result<(), RenderError> {
        let fonts = Fonts::load()?;
        let rows = vec![vec!["w".repeat(20_000)]];
        let flow = flow(&fonts, &[column("Only")], &rows, None);
        assert!(flow.pieces.len() > 1);
        let page = CONTENT_BOTTOM - CONTENT_TOP;
        assert!(flow.pieces.iter().all(|p| p.height < page));
        Ok(())
    }

    #[test]
    fn narrow_columns_grow_to_their_longest_word() {
        let columns = vec![column("a"), column("b"), column("c")];
        let slots = slots(&columns, 3, &[10.0, 300.0, 10.0]);
        assert!((slots[1].width - 300.0).abs() < 0.01);
        let total: f32 = slots.iter().map(|s| s.width).sum();
        assert!((total - CONTENT_WIDTH).abs() < 0.01);
        assert!((slots[0].width - slots[2].width).abs() < 0.01);
    }

    #[test]
    fn bad_weights_share_the_width_equally() {
        let mut columns = vec![column("a"), column("b")];
        columns[0].weight = f32::NAN;
        columns[1].weight = -3.0;
        let slots = slots(&columns, 2, &[]);
        assert!((slots[0].width - slots[1].width).abs() < 0.01);
    }
}
