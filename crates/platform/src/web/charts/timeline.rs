//! Time charts (one or more series over days, weeks or months) drawn as SVG by hand.
//!
//! The chart fills its card at any width with text at its real size: the SVG has no
//! `viewBox`, so its units are CSS pixels; horizontal positions are percentages of its width
//! and vertical ones pixels of its fixed height. Lines sit in a nested SVG stretched to the
//! width (`preserveAspectRatio="none"`, strokes kept at 2 px by `non-scaling-stroke`). A
//! tooltip box is a nested SVG placed at a percentage, with its content offset in pixels
//! from there. The value labels hang left of the plot, in the gutter the wrapper's padding
//! leaves (`overflow="visible"`).
//!
//! Every point is a column group carrying a `<title>` (the browser's tooltip: date and
//! values), a hover box the stylesheet reveals at once, and the marks themselves. Date labels
//! come in a wide and a narrow set ([`super::axis`]); the stylesheet shows the one that fits.
//! Presentation attributes make the chart readable without the stylesheet (hover box hidden,
//! narrow labels hidden); the stylesheet then themes it (`.tchart`).

use std::fmt::Write;

use super::{
    Format, Step, Style, Timeline,
    axis::{self, DateTick},
    escape,
};
use crate::error::{Error, Result};

const HEIGHT: f64 = 220.0;
const TOP: f64 = 18.0;
/// Room under the plot for the date labels.
const BOTTOM: f64 = 26.0;
/// Points drawn as dots on a line; more and the dots show on hover only.
const DOTS_UP_TO: usize = 62;
const GRID: &str = "#808692";

/// Series colours, in order: distinct on both themes and for common colour blindness, and
/// told apart by dash pattern too.
pub const COLOURS: [&str; 6] = [
    "#6366f1", "#14b8a6", "#f59e0b", "#ec4899", "#0ea5e9", "#84cc16",
];
const DASHES: [&str; 6] = ["", "6 3", "2 3", "8 3 2 3", "4 4", "1 3"];

fn colour(i: usize) -> &'static str {
    COLOURS[i % COLOURS.len()]
}

fn dash(i: usize) -> &'static str {
    DASHES[i % DASHES.len()]
}

impl Format<'_> {
    fn whole(&self) -> bool {
        matches!(self, Format::Count)
    }

    /// A value as the tooltip and the description say it.
    pub fn value(&self, v: f64) -> String {
        match self {
            Format::Count => axis::thousands(v.round() as i64),
            Format::Percent => format!("{v:.2} %"),
            Format::SignedPercent => format!("{v:+.2} %"),
            Format::Unit(unit) => format!("{v:.2}{unit}"),
        }
    }

    /// A value-axis label, as precise as the axis step needs.
    fn tick(&self, v: f64, step: f64) -> String {
        let d = axis::decimals_for(step);
        match self {
            Format::Count => axis::compact(v, step),
            Format::Percent => format!("{v:.d$} %"),
            Format::SignedPercent if v.abs() < step / 2.0 => "0 %".into(),
            Format::SignedPercent => format!("{v:+.d$} %"),
            Format::Unit(unit) => format!("{v:.d$}{unit}"),
        }
    }
}

impl Step {
    /// The period a point covers, as a tooltip names it.
    pub fn name(&self, day: chrono::NaiveDate) -> String {
        match self {
            Step::Day => day.format("%b %-d, %Y").to_string(),
            Step::Week => day.format("Week of %b %-d, %Y").to_string(),
            Step::Month => day.format("%B %Y").to_string(),
        }
    }
}

fn pct(v: f64) -> String {
    format!("{v:.3}%")
}

/// Draws the chart; `desc` is its accessible description (the figures as text).
pub(super) fn render(chart: &Timeline<'_>, desc: &str) -> Result<String> {
    let n = chart.points.len();
    if let Some(s) = chart.series.iter().find(|s| s.values.len() != n) {
        return Err(Error::internal(format!(
            "chart {:?}: series {:?} has {} values for {n} points",
            chart.title,
            s.name,
            s.values.len()
        )));
    }
    let known = || {
        chart
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .copied()
            .filter(|v| v.is_finite())
    };
    let (min, max) = known().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let axis = axis::value_axis(
        min,
        max,
        chart.zero_based || chart.style == Style::Bar,
        chart.format.whole(),
    );
    let bottom = HEIGHT - BOTTOM;
    let plot = bottom - TOP;
    let y = |v: f64| -> f64 { TOP + (axis.hi - v) / (axis.hi - axis.lo) * plot };
    let base = y(0f64.clamp(axis.lo, axis.hi));
    let w = if n == 0 { 100.0 } else { 100.0 / n as f64 };
    let centre = |i: usize| (i as f64 + 0.5) * w;

    let mut out = String::with_capacity(2048 + n * 420 * chart.series.len().max(1));
    out.push_str("<div class=\"tchart\">");
    if chart.series.len() > 1 {
        out.push_str("<ul class=\"tchart-legend\">");
        for (j, s) in chart.series.iter().enumerate() {
            let _ = write!(
                out,
                "<li><svg width=\"18\" height=\"10\" aria-hidden=\"true\"><line x1=\"1\" y1=\"5\" x2=\"17\" y2=\"5\" stroke=\"{c}\" stroke-width=\"3\" stroke-dasharray=\"{d}\"/></svg>{name}</li>",
                c = colour(j),
                d = dash(j),
                name = escape(s.name)
            );
        }
        out.push_str("</ul>");
    }
    let _ = write!(
        out,
        "<svg class=\"tchart-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" height=\"{HEIGHT}\" overflow=\"visible\" role=\"img\" font-size=\"11\" font-family=\"system-ui, sans-serif\"><title>{}</title><desc>{}</desc>",
        escape(chart.title),
        escape(desc)
    );

    // Grid lines and value labels (in the gutter left of the plot).
    for t in &axis.ticks {
        let ty = y(*t);
        let _ = write!(
            out,
            "<line x1=\"0\" x2=\"100%\" y1=\"{ty:.1}\" y2=\"{ty:.1}\" stroke=\"{GRID}\" stroke-opacity=\"0.3\"/><text x=\"-6\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{GRID}\">{}</text>",
            ty + 4.0,
            escape(&chart.format.tick(*t, axis.step))
        );
    }
    if known().next().is_none() {
        let _ = write!(
            out,
            "<text x=\"50%\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{GRID}\" font-size=\"13\">No data in this period</text>",
            TOP + plot / 2.0
        );
    }

    // Lines: one path per series in a stretched nested SVG (x in thousandths of the width).
    if chart.style == Style::Line {
        let _ = write!(
            out,
            "<svg x=\"0\" y=\"0\" width=\"100%\" height=\"{HEIGHT}\" viewBox=\"0 0 1000 {HEIGHT}\" preserveAspectRatio=\"none\" overflow=\"visible\" aria-hidden=\"true\">"
        );
        for (j, s) in chart.series.iter().enumerate() {
            let pts: Vec<(f64, f64)> = s
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    v.filter(|v| v.is_finite())
                        .map(|v| (centre(i) * 10.0, y(v)))
                })
                .collect();
            if pts.len() < 2 {
                continue;
            }
            let line: String = pts
                .iter()
                .enumerate()
                .map(|(k, (x, y))| format!("{}{x:.1} {y:.1}", if k == 0 { "M" } else { " L" }))
                .collect();
            // One complete series is filled below its line; with gaps a fill would suggest
            // values where there are none.
            if chart.series.len() == 1 && s.values.iter().all(|v| v.is_some()) {
                let (first, last) = (pts[0].0, pts[pts.len() - 1].0);
                let _ = write!(
                    out,
                    "<path d=\"{line} L{last:.1} {bottom:.1} L{first:.1} {bottom:.1} Z\" fill=\"{c}\" fill-opacity=\"0.12\" stroke=\"none\"/>",
                    c = colour(j)
                );
            }
            let _ = write!(
                out,
                "<path d=\"{line}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-dasharray=\"{d}\" vector-effect=\"non-scaling-stroke\"/>",
                c = colour(j),
                d = dash(j)
            );
        }
        out.push_str("</svg>");
    }

    // One column per point: its marks, a hit area, the browser tooltip and the hover box.
    let series_count = chart.series.len().max(1);
    let bar_w = w * 0.72 / series_count as f64;
    for (i, day) in chart.points.iter().enumerate() {
        let c = centre(i);
        let when = chart.step.name(*day);
        let values: Vec<String> = chart
            .series
            .iter()
            .map(|s| {
                let v = s.values[i].filter(|v| v.is_finite());
                format!(
                    "{}: {}",
                    s.name,
                    v.map(|v| chart.format.value(v))
                        .unwrap_or_else(|| "no data".into())
                )
            })
            .collect();
        let _ = write!(
            out,
            "<g class=\"tcol\"><title>{}</title>",
            escape(&format!("{when} · {}", values.join(" · ")))
        );
        for (j, s) in chart.series.iter().enumerate() {
            let Some(v) = s.values[i].filter(|v| v.is_finite()) else {
                continue;
            };
            let vy = y(v);
            match chart.style {
                Style::Bar => {
                    let h = (base - vy).abs();
                    if h >= 0.5 {
                        let x = i as f64 * w + w * 0.14 + j as f64 * bar_w;
                        let _ = write!(
                            out,
                            "<rect class=\"tbar\" x=\"{}\" y=\"{:.1}\" width=\"{}\" height=\"{h:.1}\" rx=\"2\" fill=\"{}\"/>",
                            pct(x),
                            vy.min(base),
                            pct(bar_w),
                            colour(j)
                        );
                    }
                }
                Style::Line => {
                    let lone = s.values.iter().flatten().count() < 2;
                    let hover_only = n > DOTS_UP_TO && !lone;
                    let _ = write!(
                        out,
                        "<circle class=\"tdot{}\" cx=\"{}\" cy=\"{vy:.1}\" r=\"3\" fill=\"{}\"{}/>",
                        if hover_only { " tdot-hover" } else { "" },
                        pct(c),
                        colour(j),
                        if hover_only {
                            " visibility=\"hidden\""
                        } else {
                            ""
                        }
                    );
                }
            }
        }
        let _ = write!(
            out,
            "<rect class=\"tcol-hit\" x=\"{}\" y=\"{TOP}\" width=\"{}\" height=\"{plot:.1}\" fill=\"transparent\"/>",
            pct(i as f64 * w),
            pct(w)
        );
        tip(&mut out, chart, c, &when, &values);
        out.push_str("</g>");
    }

    // Date labels: the wide set, and the narrow set hidden until the stylesheet shows it.
    for DateTick {
        index,
        label,
        wide,
        narrow,
    } in axis::date_ticks(chart.points, chart.step)
    {
        let c = centre(index);
        let (x, anchor) = if c < 8.0 {
            ((c - w / 2.0).max(0.0), "start")
        } else if c > 92.0 {
            ((c + w / 2.0).min(100.0), "end")
        } else {
            (c, "middle")
        };
        let class = match (wide, narrow) {
            (true, true) => "",
            (true, false) => " class=\"tick-wide\"",
            _ => " class=\"tick-narrow\" display=\"none\"",
        };
        let _ = write!(
            out,
            "<text{class} x=\"{}\" y=\"{:.1}\" text-anchor=\"{anchor}\" fill=\"{GRID}\">{}</text>",
            pct(x),
            HEIGHT - 8.0,
            escape(&label)
        );
    }
    out.push_str("</svg></div>");
    Ok(out)
}

/// The hover box of a column: the date, then each series' value, near the top of the plot,
/// kept inside the chart at the edges.
fn tip(out: &mut String, chart: &Timeline<'_>, c: f64, when: &str, values: &[String]) {
    const LINE: f64 = 16.0;
    const CHAR: f64 = 6.6;
    let multi = chart.series.len() > 1;
    let widest = std::iter::once(when.chars().count())
        .chain(
            values
                .iter()
                .map(|v| v.chars().count() + if multi { 2 } else { 0 }),
        )
        .max()
        .unwrap_or(0);
    let width = widest as f64 * CHAR + 16.0;
    let height = (values.len() + 1) as f64 * LINE + 8.0;
    let x = if c < 25.0 {
        -8.0
    } else if c > 75.0 {
        8.0 - width
    } else {
        -width / 2.0
    };
    let _ = write!(
        out,
        "<svg class=\"tcol-tip\" x=\"{}\" y=\"{TOP}\" width=\"1\" height=\"1\" overflow=\"visible\" visibility=\"hidden\" pointer-events=\"none\" aria-hidden=\"true\"><rect x=\"{x:.1}\" y=\"0\" width=\"{width:.1}\" height=\"{height:.1}\" rx=\"4\" fill=\"#ffffff\" stroke=\"{GRID}\" stroke-opacity=\"0.5\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" font-weight=\"600\" fill=\"#161a22\">{}</text>",
        pct(c),
        x + 8.0,
        LINE,
        escape(when)
    );
    for (j, v) in values.iter().enumerate() {
        let ty = (j + 2) as f64 * LINE;
        let mut tx = x + 8.0;
        if multi {
            let _ = write!(
                out,
                "<rect x=\"{tx:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\" rx=\"2\" fill=\"{}\"/>",
                ty - 8.0,
                colour(j)
            );
            tx += 13.0;
        }
        let _ = write!(
            out,
            "<text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"12\" fill=\"#161a22\">{}</text>",
            escape(v)
        );
    }
    out.push_str("</svg>");
}
