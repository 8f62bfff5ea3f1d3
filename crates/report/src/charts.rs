//! Charts drawn as vector paths: horizontal bars, a line over labelled points, a heatmap.
//!
//! Charts take numbers from the outside world, so every value is checked: non-finite values
//! are gaps ("–" or a hatched cell), scales are computed in f64 and clamped to 0..=1 before
//! they become coordinates, and a chart without usable data says "No data" instead of drawing
//! an empty frame. Labels that would collide are thinned, labels that are too long are
//! shortened with an ellipsis; no chart grows wider than the page.
//!
//! Bar charts and heatmaps are one piece per bar or row (so a very long one flows across pages
//! with its title repeated); a line chart is one piece.

use crate::Bar;
use crate::blocks::{TextStyle, text_pieces};
use crate::layout::Flow;
use crate::ops::{Cap, HAlign, Op, Piece};
use crate::style::{
    ACCENT, CONTENT_WIDTH, EMPTY_CELL, HATCH, INK, INK_SOFT, LEADING, MUTED, RULE, RULE_STRONG,
    Rgb, SIZE_H2, SIZE_SMALL, SIZE_TABLE, SIZE_TINY, ZEBRA, tone_color,
};
use crate::text::{Fonts, Weight, clean};

/// The low end of the heatmap scale: the accent, almost white.
const SCALE_LOW: Rgb = Rgb(0xE4, 0xEC, 0xF6);

/// Formats a value for a label: thousands separated, at most two decimals, "–" when it is
/// not a number.
pub(crate) fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    let magnitude = value.abs();
    if magnitude >= 1e15 {
        let sign = if value < 0.0 { "−" } else { "" };
        return format!("{sign}{magnitude:.2e}");
    }
    let decimals = if magnitude >= 100.0 {
        0
    } else if magnitude >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{magnitude:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w.to_owned(), format!(".{f}")),
        None => (text, String::new()),
    };
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let negative = value < 0.0 && (grouped != "0" || !fraction.is_empty());
    format!("{}{grouped}{fraction}", if negative { "−" } else { "" })
}

/// Where `value` lies between `low` and `high`, from 0 to 1. Computed on halves so that even
/// a range from −1e308 to 1e308 does not overflow to infinity.
fn fraction(value: f64, low: f64, high: f64) -> f64 {
    let t = (value / 2.0 - low / 2.0) / (high / 2.0 - low / 2.0);
    if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    }
}

/// A value with its unit when the unit is a percent sign (other units are in the title line).
fn format_value(value: f64, unit: &str) -> String {
    let number = format_number(value);
    if unit.trim() == "%" && value.is_finite() {
        format!("{number} %")
    } else {
        number
    }
}

/// The chart's title line: the title at the left, the unit (muted) at the right.
fn title_piece(fonts: &Fonts, title: &str, unit: &str) -> Option<Piece> {
    let title = clean(title, false);
    let unit = clean(unit, false);
    // A percent sign is printed with every value instead (see `format_value`).
    let unit = unit.trim().trim_start_matches('%').trim();
    if title.trim().is_empty() && unit.is_empty() {
        return None;
    }
    let size = SIZE_H2 - 0.5;
    let line_height = size * 1.35;
    let baseline = fonts.baseline(size, line_height);
    let mut piece = Piece::new(line_height + 8.0);
    let unit_width = if unit.is_empty() {
        0.0
    } else {
        let line = fonts.line_fitted(unit, Weight::Regular, SIZE_SMALL, CONTENT_WIDTH * 0.3);
        let width = line.width(SIZE_SMALL);
        piece.text(
            line,
            0.0,
            CONTENT_WIDTH,
            baseline,
            SIZE_SMALL,
            MUTED,
            HAlign::Right,
        );
        width + 12.0
    };
    let line = fonts.line_fitted(title.trim(), Weight::Bold, size, CONTENT_WIDTH - unit_width);
    piece.text(line, 0.0, CONTENT_WIDTH, baseline, size, INK, HAlign::Left);
    Some(piece)
}

/// A grey box saying there is nothing to show.
fn no_data(fonts: &Fonts) -> Piece {
    let mut piece = Piece::new(44.0);
    piece.rect(0.0, 0.0, CONTENT_WIDTH, 44.0, ZEBRA);
    let line = fonts.line("No data", Weight::Regular);
    piece.text(
        line,
        0.0,
        CONTENT_WIDTH,
        22.0 + fonts.baseline(SIZE_SMALL, 0.0),
        SIZE_SMALL,
        MUTED,
        HAlign::Center,
    );
    piece
}

fn chart_flow(header: Option<Piece>, pieces: Vec<Piece>, keep_together: bool) -> Flow {
    Flow {
        space_before: 10.0,
        space_after: 16.0,
        header,
        keep_together,
        orphans: 3,
        widows: 2,
        ..Flow::new(pieces)
    }
}

// ---------------------------------------------------------------- bars ----

/// A horizontal bar chart: label (and annotation) at the left, bars from a common baseline,
/// the value at the end of each bar.
pub(crate) fn bars(fonts: &Fonts, title: &str, unit: &str, bars: &[Bar], max: Option<f64>) -> Flow {
    let header = title_piece(fonts, title, unit);
    if bars.is_empty() {
        return chart_flow(header, vec![no_data(fonts)], true);
    }
    let scale = bars
        .iter()
        .map(|b| b.value)
        .chain(max)
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold(0.0f64, f64::max);
    let scale = if scale > 0.0 { scale } else { 1.0 };

    let label_width = (CONTENT_WIDTH * 0.3).floor();
    let bar_x = label_width + 12.0;
    let value_room = 78.0;
    let bar_max = CONTENT_WIDTH - bar_x - value_room;
    let bar_height = 11.0;
    let any_annotation = bars.iter().any(|b| {
        b.annotation
            .as_deref()
            .is_some_and(|a| !a.trim().is_empty())
    });
    let row_height = if any_annotation { 30.0 } else { 21.0 };
    let bar_top = (row_height - bar_height) / 2.0;
    let bar_middle = bar_top + bar_height / 2.0;
    let label_baseline = if any_annotation {
        bar_middle - 1.0
    } else {
        bar_middle + fonts.baseline(SIZE_TABLE, 0.0)
    };

    let mut pieces = Vec::with_capacity(bars.len());
    for bar in bars {
        let mut piece = Piece::new(row_height);
        let label = fonts.line_fitted(
            clean(&bar.label, false).trim(),
            Weight::Regular,
            SIZE_TABLE,
            label_width,
        );
        piece.text(
            label,
            0.0,
            label_width,
            label_baseline,
            SIZE_TABLE,
            INK_SOFT,
            HAlign::Left,
        );
        if let Some(note) = bar.annotation.as_deref().map(|a| clean(a, false)) {
            let note = fonts.line_fitted(note.trim(), Weight::Regular, SIZE_TINY, label_width);
            piece.text(
                note,
                0.0,
                label_width,
                label_baseline + SIZE_TINY + 3.0,
                SIZE_TINY,
                MUTED,
                HAlign::Left,
            );
        }
        let ratio = if bar.value.is_finite() && bar.value > 0.0 {
            (bar.value / scale).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let length = (ratio * f64::from(bar_max)) as f32;
        if length > 0.0 {
            piece.rect(
                bar_x,
                bar_top,
                length.max(1.0),
                bar_height,
                tone_color(bar.tone),
            );
        }
        let value = fonts.line_fitted(
            &format_value(bar.value, unit),
            Weight::Bold,
            SIZE_TABLE,
            value_room - 6.0,
        );
        piece.text(
            value,
            bar_x + length + 6.0,
            value_room,
            bar_middle + fonts.baseline(SIZE_TABLE, 0.0),
            SIZE_TABLE,
            INK,
            HAlign::Left,
        );
        // The common baseline, drawn per row so that it follows the rows across pages.
        piece.ops.push(Op::Line {
            x1: bar_x,
            y1: 0.0,
            x2: bar_x,
            y2: row_height,
            width: 0.7,
            color: RULE_STRONG,
            cap: Cap::Butt,
        });
        pieces.push(piece);
    }
    let keep = pieces.len() <= 20;
    chart_flow(header, pieces, keep)
}

// ---------------------------------------------------------------- line ----

/// Height of a line chart's plot area.
const PLOT_HEIGHT: f32 = 150.0;

/// A line chart: one line through the points, gaps at non-finite values, the y axis's min and
/// max as labels on their gridlines, x labels thinned so they never overlap.
pub(crate) fn line(fonts: &Fonts, title: &str, unit: &str, points: &[(String, f64)]) -> Flow {
    let header = title_piece(fonts, title, unit);
    let finite = points.iter().map(|p| p.1).filter(|v| v.is_finite());
    let (low, high) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !(low.is_finite() && high.is_finite()) {
        return chart_flow(header, vec![no_data(fonts)], true);
    }
    // A flat series gets a band around its value so that the line sits in the middle.
    let (low, high) = if high > low {
        (low, high)
    } else {
        let pad = (low.abs() * 0.1).max(1.0);
        (low - pad, high + pad)
    };

    let label_size = SIZE_TINY;
    let top_label = fonts.line_fitted(&format_value(high, unit), Weight::Regular, label_size, 90.0);
    let low_label = fonts.line_fitted(&format_value(low, unit), Weight::Regular, label_size, 90.0);
    let gutter = top_label.width(label_size).max(low_label.width(label_size)) + 8.0;
    let plot_x = gutter.max(24.0);
    let plot_w = CONTENT_WIDTH - plot_x - 6.0;
    let plot_top = 6.0;
    let plot_bottom = plot_top + PLOT_HEIGHT;
    let mut piece = Piece::new(plot_bottom + 22.0);

    // Gridlines at max, middle and min; labels on the max and min lines.
    for (fraction, strong) in [(0.0f32, false), (0.5, false), (1.0, true)] {
        let y = plot_top + fraction * PLOT_HEIGHT;
        piece.hline(
            plot_x,
            plot_x + plot_w,
            y,
            if strong { 0.7 } else { 0.5 },
            if strong { RULE_STRONG } else { RULE },
        );
    }
    let label_baseline = fonts.baseline(label_size, 0.0);
    piece.text(
        top_label,
        0.0,
        plot_x - 6.0,
        plot_top + label_baseline,
        label_size,
        MUTED,
        HAlign::Right,
    );
    piece.text(
        low_label,
        0.0,
        plot_x - 6.0,
        plot_bottom + label_baseline,
        label_size,
        MUTED,
        HAlign::Right,
    );

    let count = points.len();
    let x_of = |i: usize| -> f32 {
        if count <= 1 {
            plot_x + plot_w / 2.0
        } else {
            plot_x + plot_w * (i as f32 / (count - 1) as f32)
        }
    };
    let y_of = |v: f64| -> f32 { plot_bottom - fraction(v, low, high) as f32 * PLOT_HEIGHT };

    // Very long series are thinned to about two points per point of width.
    let stride = (count / 1000).max(1);
    let mut runs: Vec<Vec<(f32, f32)>> = Vec::new();
    let mut current: Vec<(f32, f32)> = Vec::new();
    for (i, (_, value)) in points.iter().enumerate() {
        if value.is_finite() {
            if i % stride == 0 || i + 1 == count {
                current.push((x_of(i), y_of(*value)));
            }
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    for run in &runs {
        if let (Some(first), Some(last)) = (run.first(), run.last())
            && run.len() > 1
        {
            let mut area = run.clone();
            area.push((last.0, plot_bottom));
            area.push((first.0, plot_bottom));
            piece.ops.push(Op::Poly {
                points: area,
                stroke: None,
                fill: Some((ACCENT, 0.08)),
            });
        }
    }
    for run in runs {
        if run.len() > 1 {
            piece.ops.push(Op::Poly {
                points: run.clone(),
                stroke: Some((ACCENT, 1.6)),
                fill: None,
            });
        }
        // Markers where points are few enough to count, and for isolated points always.
        if count <= 40 || run.len() == 1 {
            for (x, y) in run {
                piece.ops.push(Op::Dot {
                    cx: x,
                    cy: y,
                    r: 2.2,
                    fill: ACCENT,
                });
            }
        }
    }

    // X labels: as many as fit side by side, evenly spaced.
    let max_label = 70.0;
    let labels: Vec<_> = points
        .iter()
        .map(|(label, _)| clean(label, false))
        .collect();
    let widest = labels
        .iter()
        .take(2000)
        .map(|l| {
            fonts
                .line_fitted(l.trim(), Weight::Regular, label_size, max_label)
                .width(label_size)
        })
        .fold(0.0f32, f32::max);
    let fits = ((plot_w / (widest + 10.0)).floor() as usize).max(1);
    let step = count.div_ceil(fits).max(1);
    let x_baseline = plot_bottom + 6.0 + label_baseline + label_size / 2.0;
    for (i, label) in labels.iter().enumerate().step_by(step) {
        let line = fonts.line_fitted(label.trim(), Weight::Regular, label_size, max_label);
        let width = line.width(label_size);
        let x = (x_of(i) - width / 2.0).clamp(0.0, (CONTENT_WIDTH - width).max(0.0));
        piece.ops.push(Op::Text {
            x,
            y: x_baseline,
            size: label_size,
            color: MUTED,
            line,
        });
    }
    chart_flow(header, vec![piece], true)
}

// ---------------------------------------------------------------- grid ----

/// A heatmap: one row per label, one cell per column, colour from light to the accent by
/// value; missing cells hatched grey. A legend explains the scale and the hatching.
pub(crate) fn grid(
    fonts: &Fonts,
    title: &str,
    columns: &[String],
    rows: &[(String, Vec<Option<f64>>)],
    legend: &str,
) -> Flow {
    let title_piece = title_piece(fonts, title, "");
    let count = if columns.is_empty() {
        rows.iter().map(|r| r.1.len()).max().unwrap_or(0)
    } else {
        columns.len()
    };
    if count == 0 || rows.is_empty() {
        return chart_flow(title_piece, vec![no_data(fonts)], true);
    }
    let value = |v: &Option<f64>| v.filter(|x| x.is_finite());
    let (low, high) = rows
        .iter()
        .flat_map(|r| r.1.iter().take(count))
        .filter_map(value)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });

    let label_size = SIZE_TINY + 0.5;
    let row_labels: Vec<String> = rows.iter().map(|r| clean(&r.0, false)).collect();
    let widest = row_labels
        .iter()
        .take(500)
        .map(|l| {
            fonts
                .line_fitted(l.trim(), Weight::Regular, label_size, 90.0)
                .width(label_size)
        })
        .fold(0.0f32, f32::max);
    let label_width = (widest + 8.0).clamp(24.0, 98.0);
    let cell_w = (CONTENT_WIDTH - label_width) / count as f32;
    let gap = (cell_w * 0.1).min(1.5);
    let cell_h = 15.0;
    let row_height = cell_h + gap;
    let label_baseline = fonts.baseline(label_size, 0.0);

    // Header: the title and the column labels, thinned to what fits.
    let mut header = title_piece.unwrap_or_default();
    let column_top = header.height;
    let widest_column = columns
        .iter()
        .take(2000)
        .map(|c| {
            fonts
                .line_fitted(clean(c, false).trim(), Weight::Regular, SIZE_TINY, 60.0)
                .width(SIZE_TINY)
        })
        .fold(0.0f32, f32::max);
    let every = ((widest_column + 4.0) / cell_w).ceil().max(1.0) as usize;
    for (i, column) in columns.iter().take(count).enumerate().step_by(every) {
        let line = fonts.line_fitted(
            clean(column, false).trim(),
            Weight::Regular,
            SIZE_TINY,
            60.0,
        );
        let centre = label_width + cell_w * (i as f32 + 0.5);
        let width = line.width(SIZE_TINY);
        header.ops.push(Op::Text {
            x: (centre - width / 2.0).clamp(0.0, (CONTENT_WIDTH - width).max(0.0)),
            y: column_top + 4.0 + label_baseline + SIZE_TINY / 2.0,
            size: SIZE_TINY,
            color: MUTED,
            line,
        });
    }
    header.height = column_top + 14.0;

    let mut pieces = Vec::with_capacity(rows.len() + 2);
    for ((_, cells), label) in rows.iter().zip(&row_labels) {
        let mut piece = Piece::new(row_height);
        let line = fonts.line_fitted(label.trim(), Weight::Regular, label_size, label_width - 8.0);
        piece.text(
            line,
            0.0,
            label_width - 8.0,
            cell_h / 2.0 + label_baseline,
            label_size,
            INK_SOFT,
            HAlign::Left,
        );
        for i in 0..count {
            let x = label_width + cell_w * i as f32;
            let w = (cell_w - gap).max(0.1);
            match cells.get(i).and_then(value) {
                Some(v) => {
                    let t = if high > low {
                        fraction(v, low, high)
                    } else {
                        0.5
                    };
                    piece.rect(x, 0.0, w, cell_h, SCALE_LOW.mix(ACCENT, t));
                }
                None => hatched(&mut piece, x, 0.0, w, cell_h),
            }
        }
        pieces.push(piece);
    }
    pieces.extend(grid_legend(fonts, low, high, legend, label_width));
    let keep = rows.len() <= 30;
    chart_flow(Some(header), pieces, keep)
}

/// A grey cell with diagonal hatching, clipped to the cell by computing each line's ends.
fn hatched(piece: &mut Piece, x: f32, y: f32, w: f32, h: f32) {
    piece.rect(x, y, w, h, EMPTY_CELL);
    let spacing = 3.5;
    let mut offset = -h;
    while offset < w {
        // The line x = x + offset + t, y = y + h - t for t in 0..h, kept within x..x + w.
        let t0 = (-offset).max(0.0);
        let t1 = h.min(w - offset);
        if t1 > t0 {
            piece.ops.push(Op::Line {
                x1: x + offset + t0,
                y1: y + h - t0,
                x2: x + offset + t1,
                y2: y + h - t1,
                width: 0.4,
                color: HATCH,
                cap: Cap::Butt,
            });
        }
        offset += spacing;
    }
}

/// The heatmap's legend: the colour ramp from the lowest to the highest value, the hatched
/// swatch, then the caller's legend text.
fn grid_legend(fonts: &Fonts, low: f64, high: f64, legend: &str, indent: f32) -> Vec<Piece> {
    let size = SIZE_TINY;
    let swatch = 10.0;
    let mut piece = Piece::new(swatch + 12.0);
    let top = 8.0;
    let baseline = top + swatch / 2.0 + fonts.baseline(size, 0.0);
    let mut x = indent;
    if low.is_finite() && high.is_finite() {
        let low_text = fonts.line(&format_number(low), Weight::Regular);
        let low_width = low_text.width(size);
        piece.text(low_text, x, low_width, baseline, size, MUTED, HAlign::Left);
        x += low_width + 4.0;
        for step in 0..5 {
            piece.rect(
                x,
                top,
                swatch * 1.6,
                swatch,
                SCALE_LOW.mix(ACCENT, f64::from(step) / 4.0),
            );
            x += swatch * 1.6;
        }
        x += 4.0;
        let high_text = fonts.line(&format_number(high), Weight::Regular);
        let high_width = high_text.width(size);
        piece.text(
            high_text,
            x,
            high_width,
            baseline,
            size,
            MUTED,
            HAlign::Left,
        );
        x += high_width + 18.0;
    }
    hatched(&mut piece, x, top, swatch * 1.6, swatch);
    x += swatch * 1.6 + 4.0;
    let note = fonts.line_fitted(
        "Not enough data",
        Weight::Regular,
        size,
        (CONTENT_WIDTH - x).max(0.0),
    );
    piece.text(
        note,
        x,
        CONTENT_WIDTH - x,
        baseline,
        size,
        MUTED,
        HAlign::Left,
    );

    let mut pieces = vec![piece];
    let text = text_pieces(
        fonts,
        legend,
        TextStyle::new(SIZE_SMALL, Weight::Regular, MUTED, LEADING),
        indent,
        CONTENT_WIDTH - indent,
        HAlign::Left,
    );
    if !text.is_empty() {
        pieces.push(Piece::new(3.0));
        pieces.extend(text);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(format_number(72.0), "72");
        assert_eq!(format_number(1234.4), "1,234");
        assert_eq!(format_number(1_234_567.0), "1,234,567");
        assert_eq!(format_number(12.34), "12.3");
        assert_eq!(format_number(3.456), "3.46");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(-2500.0), "−2,500");
        assert_eq!(format_number(-0.0001), "0");
        assert_eq!(format_number(f64::NAN), "–");
        assert_eq!(format_number(f64::INFINITY), "–");
        assert_eq!(format_number(1e300), "1.00e300");
        assert_eq!(format_number(-1e300), "−1.00e300");
    }

    #[test]
    fn fractions_survive_extreme_ranges() {
        assert_eq!(fraction(0.0, -f64::MAX, f64::MAX), 0.5);
        assert_eq!(fraction(f64::MAX, -f64::MAX, f64::MAX), 1.0);
        assert_eq!(fraction(5.0, 0.0, 10.0), 0.5);
        assert_eq!(fraction(5.0, 5.0, 5.0), 0.5);
    }
}
