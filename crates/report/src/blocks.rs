//! Text blocks (headings, paragraphs, notes, callouts, key/value lists) as flows, and the
//! dispatch of the other blocks to `table` and `charts`.
//!
//! Running text is cut into one piece per line so that long paragraphs flow across pages;
//! headings are kept with the start of what follows them, short boxes are kept whole.

use crate::layout::{Flow, Frame, Item};
use crate::ops::{HAlign, Piece};
use crate::style::{
    CONTENT_WIDTH, INK, INK_SOFT, LEADING, LEADING_TIGHT, MUTED, RULE, Rgb, SIZE_BODY, SIZE_H1,
    SIZE_H2, SIZE_SMALL, SIZE_TABLE, tone_color, tone_ink, tone_tint,
};
use crate::text::{Fonts, Weight, clean};
use crate::{Block, charts, table};

/// How a run of text looks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextStyle {
    pub size: f32,
    pub weight: Weight,
    pub color: Rgb,
    /// Line height in points.
    pub line_height: f32,
}

impl TextStyle {
    pub(crate) fn new(size: f32, weight: Weight, color: Rgb, leading: f32) -> Self {
        TextStyle {
            size,
            weight,
            color,
            line_height: size * leading,
        }
    }
}

/// `text` wrapped to `width` and cut into one piece per line, each line placed at `x`.
pub(crate) fn text_pieces(
    fonts: &Fonts,
    text: &str,
    style: TextStyle,
    x: f32,
    width: f32,
    align: HAlign,
) -> Vec<Piece> {
    let baseline = fonts.baseline(style.size, style.line_height);
    fonts
        .wrap(&clean(text, true), style.weight, style.size, width)
        .into_iter()
        .map(|line| {
            let mut piece = Piece::new(style.line_height);
            piece.text(line, x, width, baseline, style.size, style.color, align);
            piece
        })
        .collect()
}

/// Lays out every block, in order.
pub(crate) fn layout(fonts: &Fonts, blocks: &[Block]) -> Vec<Item> {
    blocks
        .iter()
        .map(|block| match block {
            Block::PageBreak => Item::PageBreak,
            other => Item::Flow(flow(fonts, other)),
        })
        .collect()
}

fn flow(fonts: &Fonts, block: &Block) -> Flow {
    match block {
        Block::Heading(text) => heading(fonts, text),
        Block::SubHeading(text) => subheading(fonts, text),
        Block::Paragraph(text) => running(
            fonts,
            text,
            TextStyle::new(SIZE_BODY, Weight::Regular, INK, LEADING),
            9.0,
        ),
        Block::Note(text) => running(
            fonts,
            text,
            TextStyle::new(SIZE_SMALL, Weight::Regular, MUTED, LEADING),
            9.0,
        ),
        Block::Callout { title, body, tone } => callout(fonts, title, body, *tone),
        Block::KeyValues(rows) => key_values(fonts, rows),
        Block::Table {
            columns,
            rows,
            caption,
        } => table::flow(fonts, columns, rows, caption.as_deref()),
        Block::Bars {
            title,
            unit,
            bars,
            max,
        } => charts::bars(fonts, title, unit, bars, *max),
        Block::Line {
            title,
            unit,
            points,
        } => charts::line(fonts, title, unit, points),
        Block::Grid {
            title,
            columns,
            rows,
            legend,
        } => charts::grid(fonts, title, columns, rows, legend),
        Block::PageBreak => Flow::default(),
    }
}

fn heading(fonts: &Fonts, text: &str) -> Flow {
    let style = TextStyle::new(SIZE_H1, Weight::Bold, INK, 1.25);
    let mut pieces = text_pieces(fonts, text, style, 0.0, CONTENT_WIDTH, HAlign::Left);
    if !pieces.is_empty() {
        // A hairline under the heading separates sections without adding colour.
        let mut rule = Piece::new(6.0);
        rule.hline(0.0, CONTENT_WIDTH, 4.0, 0.6, RULE);
        pieces.push(rule);
    }
    Flow {
        space_before: 20.0,
        space_after: 8.0,
        keep_together: true,
        keep_with_next: true,
        ..Flow::new(pieces)
    }
}

fn subheading(fonts: &Fonts, text: &str) -> Flow {
    let style = TextStyle::new(SIZE_H2, Weight::Bold, INK, 1.3);
    Flow {
        space_before: 12.0,
        space_after: 4.0,
        keep_together: true,
        keep_with_next: true,
        ..Flow::new(text_pieces(
            fonts,
            text,
            style,
            0.0,
            CONTENT_WIDTH,
            HAlign::Left,
        ))
    }
}

fn running(fonts: &Fonts, text: &str, style: TextStyle, after: f32) -> Flow {
    Flow {
        space_after: after,
        orphans: 2,
        widows: 2,
        ..Flow::new(text_pieces(
            fonts,
            text,
            style,
            0.0,
            CONTENT_WIDTH,
            HAlign::Left,
        ))
    }
}

fn callout(fonts: &Fonts, title: &str, body: &str, tone: crate::Tone) -> Flow {
    let inset = 16.0;
    let width = CONTENT_WIDTH - inset - 14.0;
    let mut pieces = text_pieces(
        fonts,
        title,
        TextStyle::new(SIZE_BODY, Weight::Bold, tone_ink(tone), 1.35),
        inset,
        width,
        HAlign::Left,
    );
    let body = text_pieces(
        fonts,
        body,
        TextStyle::new(9.5, Weight::Regular, INK, LEADING),
        inset,
        width,
        HAlign::Left,
    );
    if !pieces.is_empty() && !body.is_empty() {
        pieces.push(Piece::new(2.0));
    }
    pieces.extend(body);
    if pieces.is_empty() {
        return Flow::default();
    }
    Flow {
        space_before: 6.0,
        space_after: 12.0,
        keep_together: true,
        orphans: 2,
        widows: 2,
        frame: Some(Frame {
            fill: tone_tint(tone),
            bar: Some(tone_color(tone)),
            pad_top: 9.0,
            pad_bottom: 10.0,
        }),
        ..Flow::new(pieces)
    }
}

fn key_values(fonts: &Fonts, rows: &[(String, String)]) -> Flow {
    let gap = 16.0;
    let label_width = CONTENT_WIDTH * 0.55;
    let value_width = CONTENT_WIDTH - label_width - gap;
    let label_style = TextStyle::new(SIZE_TABLE + 0.5, Weight::Regular, INK_SOFT, LEADING_TIGHT);
    let value_style = TextStyle::new(SIZE_TABLE + 0.5, Weight::Bold, INK, LEADING_TIGHT);
    let pad = 5.0;
    let mut pieces = Vec::new();
    for (index, (label, value)) in rows.iter().enumerate() {
        let labels = text_pieces(fonts, label, label_style, 0.0, label_width, HAlign::Left);
        let values = text_pieces(
            fonts,
            value,
            value_style,
            label_width + gap,
            value_width,
            HAlign::Right,
        );
        let rule = (index > 0).then_some((0.0, CONTENT_WIDTH));
        pieces.extend(two_column_row(labels, values, pad, rule));
    }
    let count = pieces.len();
    Flow {
        space_before: 4.0,
        space_after: 12.0,
        keep_together: count <= 12,
        orphans: 2,
        widows: 2,
        ..Flow::new(pieces)
    }
}

/// Merges two columns of line pieces into rows of pieces (one per line pair), padded above
/// and below, with a hairline from `rule.0` to `rule.1` above. Rows are cut per line so that a
/// very long value still flows across pages.
pub(crate) fn two_column_row(
    left: Vec<Piece>,
    right: Vec<Piece>,
    pad: f32,
    rule: Option<(f32, f32)>,
) -> Vec<Piece> {
    let count = left.len().max(right.len()).max(1);
    let mut left = left.into_iter();
    let mut right = right.into_iter();
    let mut pieces = Vec::with_capacity(count);
    for index in 0..count {
        let a = left.next().unwrap_or_default();
        let b = right.next().unwrap_or_default();
        let top = if index == 0 { pad } else { 0.0 };
        let bottom = if index + 1 == count { pad } else { 0.0 };
        let height = a.height.max(b.height);
        let mut piece = Piece::new(top + height + bottom);
        if let Some((x1, x2)) = rule.filter(|_| index == 0) {
            piece.hline(x1, x2, 0.0, 0.5, RULE);
        }
        for mut op in a.ops.into_iter().chain(b.ops) {
            op.translate(0.0, top);
            piece.ops.push(op);
        }
        pieces.push(piece);
    }
    pieces
}
