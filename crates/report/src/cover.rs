//! The cover: an accent band, the kicker in spaced capitals, the heading and subheading, the
//! score as a big number inside a ring gauge with the key facts beside it, and the note.
//!
//! The cover goes through the same paginator as the body, so an absurdly long heading or a
//! hundred facts continue on the next page instead of running off the first.

use crate::blocks::{TextStyle, text_pieces, two_column_row};
use crate::layout::{Flow, Paginator};
use crate::ops::{HAlign, Op, Piece};
use crate::style::{
    ACCENT, CONTENT_WIDTH, INK, INK_SOFT, LEADING, MUTED, PAGE_WIDTH, RULE, SIZE_LEAD, SIZE_SMALL,
    SIZE_TABLE, SIZE_TITLE, score_tone, tone_color,
};
use crate::text::{Fonts, Weight, clean};
use crate::{Cover, Score};

/// Where the cover's text starts: a third of the way down feels deliberate, not top-heavy.
const COVER_TOP: f32 = 168.0;
/// The gauge's box: ring centre, radius and stroke width.
const GAUGE_WIDTH: f32 = 156.0;
const RING_RADIUS: f32 = 56.0;
const RING_STROKE: f32 = 9.0;
/// Facts taller than this, or more rows than this, go under the gauge instead of beside it.
const FACTS_BESIDE_MAX: f32 = 380.0;
const FACTS_BESIDE_MAX_ROWS: usize = 16;

pub(crate) fn place(fonts: &Fonts, cover: &Cover, pages: &mut Paginator) {
    pages.push_raw(Op::Rect {
        x: 0.0,
        y: 0.0,
        w: PAGE_WIDTH,
        h: 6.0,
        fill: ACCENT,
    });
    pages.advance_to(COVER_TOP);

    let kicker = clean(&cover.kicker, false).trim().to_uppercase();
    if !kicker.is_empty() {
        let size = SIZE_SMALL;
        let line = fonts
            .line_fitted(&kicker, Weight::Bold, size, CONTENT_WIDTH * 0.8)
            .tracked(0.14);
        let mut piece = Piece::new(size * 1.4);
        piece.text(
            line,
            0.0,
            CONTENT_WIDTH,
            fonts.baseline(size, size * 1.4),
            size,
            ACCENT,
            HAlign::Left,
        );
        pages.place(
            Flow {
                space_after: 10.0,
                ..Flow::new(vec![piece])
            },
            0.0,
        );
    }

    let heading = text_pieces(
        fonts,
        &cover.heading,
        TextStyle::new(SIZE_TITLE, Weight::Bold, INK, 1.15),
        0.0,
        CONTENT_WIDTH,
        HAlign::Left,
    );
    pages.place(
        Flow {
            space_after: 8.0,
            ..Flow::new(heading)
        },
        0.0,
    );
    let subheading = text_pieces(
        fonts,
        &cover.subheading,
        TextStyle::new(SIZE_LEAD, Weight::Regular, INK_SOFT, 1.35),
        0.0,
        CONTENT_WIDTH,
        HAlign::Left,
    );
    pages.place(Flow::new(subheading), 0.0);

    // A short accent rule closes the title block.
    let mut rule = Piece::new(4.0);
    rule.ops.push(Op::Rect {
        x: 0.0,
        y: 0.0,
        w: 48.0,
        h: 2.5,
        fill: ACCENT,
    });
    pages.place(
        Flow {
            space_before: 22.0,
            space_after: 34.0,
            ..Flow::new(vec![rule])
        },
        0.0,
    );

    place_hero(fonts, cover, pages);

    if let Some(note) = cover.note.as_deref() {
        let pieces = text_pieces(
            fonts,
            note,
            TextStyle::new(SIZE_SMALL, Weight::Regular, MUTED, LEADING),
            0.0,
            CONTENT_WIDTH,
            HAlign::Left,
        );
        if !pieces.is_empty() {
            // The note belongs at the foot of the cover when there is room for it there.
            let height: f32 = pieces.iter().map(|p| p.height).sum();
            let foot = crate::style::CONTENT_BOTTOM - height;
            let mut space_before = 36.0;
            if foot > pages.cursor() + space_before {
                pages.advance_to(foot);
                space_before = 0.0;
            }
            pages.place(
                Flow {
                    space_before,
                    orphans: 2,
                    widows: 2,
                    ..Flow::new(pieces)
                },
                0.0,
            );
        }
    }
}

/// The score gauge with the facts beside it (or under it, when there are too many).
fn place_hero(fonts: &Fonts, cover: &Cover, pages: &mut Paginator) {
    let pieces = match cover.score.as_ref().map(|score| gauge(fonts, score)) {
        None => facts(fonts, &cover.facts, 0.0),
        Some(mut gauge) => {
            let beside = if cover.facts.len() <= FACTS_BESIDE_MAX_ROWS {
                let facts = facts(fonts, &cover.facts, GAUGE_WIDTH + 36.0);
                let height: f32 = facts.iter().map(|p| p.height).sum();
                (height <= FACTS_BESIDE_MAX).then_some((facts, height))
            } else {
                None
            };
            match beside {
                Some((facts, height)) => {
                    // Beside the gauge, centred on the ring when shorter than it.
                    let mut y = ((RING_RADIUS * 2.0 + 10.0 - height) / 2.0).max(0.0);
                    for piece in facts {
                        for mut op in piece.ops {
                            op.translate(0.0, y);
                            gauge.ops.push(op);
                        }
                        y += piece.height;
                    }
                    gauge.height = gauge.height.max(y);
                    vec![gauge]
                }
                None => {
                    let mut pieces = vec![gauge, Piece::new(18.0)];
                    pieces.extend(facts(fonts, &cover.facts, 0.0));
                    pieces
                }
            }
        }
    };
    pages.place(
        Flow {
            keep_together: true,
            ..Flow::new(pieces)
        },
        0.0,
    );
}

/// The text of a score: a whole number from 0 to 100, or "–".
pub(crate) fn score_text(value: f64) -> String {
    if value.is_finite() {
        // Clamped to 0..=100 first, so the conversion is exact.
        format!("{}", value.clamp(0.0, 100.0).round() as i64)
    } else {
        "–".to_owned()
    }
}

fn gauge(fonts: &Fonts, score: &Score) -> Piece {
    let cx = GAUGE_WIDTH / 2.0;
    let cy = RING_RADIUS + RING_STROKE / 2.0 + 2.0;
    let mut piece = Piece::new(0.0);
    piece.ops.push(Op::Arc {
        cx,
        cy,
        r: RING_RADIUS,
        start: 0.0,
        sweep: 360.0,
        width: RING_STROKE,
        color: RULE,
    });
    if score.value.is_finite() {
        let fraction = (score.value / 100.0).clamp(0.0, 1.0) as f32;
        if fraction > 0.0 {
            piece.ops.push(Op::Arc {
                cx,
                cy,
                r: RING_RADIUS,
                start: 0.0,
                sweep: 360.0 * fraction,
                width: RING_STROKE,
                color: tone_color(score_tone(score.value)),
            });
        }
    }
    let number_size = 34.0;
    let number = fonts.line(&score_text(score.value), Weight::Bold);
    piece.text(
        number,
        0.0,
        GAUGE_WIDTH,
        cy + 6.0,
        number_size,
        INK,
        HAlign::Center,
    );
    let of = fonts.line("/ 100", Weight::Regular);
    piece.text(
        of,
        0.0,
        GAUGE_WIDTH,
        cy + 22.0,
        SIZE_SMALL,
        MUTED,
        HAlign::Center,
    );
    let mut bottom = cy + RING_RADIUS + RING_STROKE / 2.0;
    let label = clean(&score.label, false);
    if !label.trim().is_empty() {
        let size = SIZE_TABLE + 1.0;
        let line = fonts.line_fitted(label.trim(), Weight::Bold, size, GAUGE_WIDTH + 24.0);
        bottom += 18.0;
        piece.text(
            line,
            -12.0,
            GAUGE_WIDTH + 24.0,
            bottom,
            size,
            INK_SOFT,
            HAlign::Center,
        );
        bottom += 4.0;
    }
    piece.height = bottom + 4.0;
    piece
}

/// Fact rows in the column starting at `x`.
fn facts(fonts: &Fonts, facts: &[(String, String)], x: f32) -> Vec<Piece> {
    let width = CONTENT_WIDTH - x;
    let gap = 12.0;
    let label_width = (width - gap) * 0.5;
    let value_width = width - gap - label_width;
    let size = SIZE_TABLE + 0.5;
    let label_style = TextStyle::new(size, Weight::Regular, MUTED, 1.3);
    let value_style = TextStyle::new(size, Weight::Bold, INK, 1.3);
    let mut pieces = Vec::new();
    for (index, (label, value)) in facts.iter().enumerate() {
        let labels = text_pieces(fonts, label, label_style, x, label_width, HAlign::Left);
        let values = text_pieces(
            fonts,
            value,
            value_style,
            x + label_width + gap,
            value_width,
            HAlign::Right,
        );
        let rule = (index > 0).then_some((x, CONTENT_WIDTH));
        pieces.extend(two_column_row(labels, values, 6.0, rule));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_whole_numbers_in_range() {
        assert_eq!(score_text(72.0), "72");
        assert_eq!(score_text(71.6), "72");
        assert_eq!(score_text(-5.0), "0");
        assert_eq!(score_text(250.0), "100");
        assert_eq!(score_text(f64::NAN), "–");
        assert_eq!(score_text(f64::NEG_INFINITY), "–");
    }
}
