//! Charts as SVG for pages, drawn on the server and embedded inline, so they render with no
//! JavaScript.
//!
//! Time charts ([`timeline`], and the single-series [`daily`] and [`daily_values`]) are drawn
//! by hand ([`timeline`](self::timeline) module): every point and bar carries its date and
//! value as a tooltip, date labels are chosen from the range and never collide at any width
//! ([`axis`]), several series share one chart with a legend, and text keeps its size on a
//! phone. Pies are drawn with `charts-rs`.
//!
//! Two constraints shape the output. The content security policy has `style-src 'self'` with
//! no `'unsafe-inline'`, so an embedded SVG may carry no `style=` attribute and no `<style>`
//! element (the browser would drop them): the look is presentation attributes, themed by the
//! stylesheet (`.chart`, `.tchart`), and [`sanitize`] removes any style that appears all the
//! same. And the page has a light and a dark theme: backgrounds are transparent and text and
//! grid lines a neutral grey that reads on both; the stylesheet then paints text in the
//! theme's colours — CSS outranks SVG presentation attributes.
//!
//! Labels are text from users (names, plans) and are XML-escaped; the unit tests hold the
//! charts to that.

mod axis;
mod timeline;

use charts_rs::{Color, PieChart, Series as PieSeries, THEME_LIGHT};
use chrono::NaiveDate;

pub use timeline::COLOURS;

use crate::error::{Error, Result};

/// Neutral grey for labels: legible on white and on the dark theme's surface.
const TEXT: Color = Color {
    r: 128,
    g: 134,
    b: 146,
    a: 255,
};
/// Axis and grid lines: a translucent grey, so they stay quiet on either background.
const LINE: Color = Color {
    r: 128,
    g: 134,
    b: 146,
    a: 90,
};
/// Slices of a pie, in order (the time charts' series colours).
const PALETTE: [Color; 6] = [
    Color {
        r: 99,
        g: 102,
        b: 241,
        a: 255,
    },
    Color {
        r: 20,
        g: 184,
        b: 166,
        a: 255,
    },
    Color {
        r: 245,
        g: 158,
        b: 11,
        a: 255,
    },
    Color {
        r: 236,
        g: 72,
        b: 153,
        a: 255,
    },
    Color {
        r: 14,
        g: 165,
        b: 233,
        a: 255,
    },
    Color {
        r: 132,
        g: 204,
        b: 22,
        a: 255,
    },
];

const WIDTH: f32 = 560.0;
const HEIGHT: f32 = 240.0;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Line,
    Bar,
}

/// What one point of a time chart covers (the tooltip says "Nov 3, 2026", "Week of Nov 3,
/// 2026" or "November 2026"; the date axis picks its labels accordingly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Day,
    /// The point's date is the first day of the week.
    Week,
    /// The point's date is the first day of the month.
    Month,
}

/// How values are written on the axis and in tooltips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format<'a> {
    /// Whole numbers: `12,345` (axis: `12.3k`).
    Count,
    /// `3.62 %`.
    Percent,
    /// A change: `+1.25 %`, `-0.50 %`.
    SignedPercent,
    /// Two decimals and the unit after the number (`4.50%`, `12.00`).
    Unit(&'a str),
}

/// One series of a time chart: a value (or none: no data) per point.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// The legend's and the tooltip's name ("Followers", "@acme").
    pub name: &'a str,
    pub values: &'a [Option<f64>],
}

/// A chart over time: one or more series (several get a legend), a point per day, week or
/// month, oldest first.
#[derive(Debug, Clone)]
pub struct Timeline<'a> {
    /// The chart's accessible name (its `<title>`), e.g. "Followers per day".
    pub title: &'a str,
    /// The first day each point covers, oldest first.
    pub points: &'a [NaiveDate],
    pub step: Step,
    pub series: &'a [Series<'a>],
    pub style: Style,
    pub format: Format<'a>,
    /// Start the value axis at zero (always for bars).
    pub zero_based: bool,
}

/// A time chart as an HTML fragment (legend and SVG) for a `<figure class="chart">`.
pub fn timeline(chart: &Timeline<'_>) -> Result<String> {
    let desc = chart
        .series
        .iter()
        .map(|s| {
            let points = chart
                .points
                .iter()
                .zip(s.values)
                .map(|(d, v)| {
                    format!(
                        "{}: {}",
                        chart.step.name(*d),
                        v.map(|v| chart.format.value(v))
                            .unwrap_or_else(|| "no data".into())
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            if chart.series.len() > 1 {
                format!("{}: {points}", s.name)
            } else {
                points
            }
        })
        .collect::<Vec<_>>()
        .join(". ");
    sanitize(&timeline::render(chart, &desc)?)
}

/// One value per day, oldest first (days without data are given as zero by the caller).
#[derive(Debug, Clone)]
pub struct Daily<'a> {
    /// The chart's accessible name (its `<title>`), e.g. "New users per day".
    pub title: &'a str,
    /// What the values are, for the tooltip, e.g. "New users".
    pub series: &'a str,
    pub points: &'a [(NaiveDate, u64)],
    pub style: Style,
}

/// A daily line or bar chart of counts from zero; its description lists `Dec 03: 7; …`.
pub fn daily(chart: &Daily<'_>) -> Result<String> {
    // Counts of a day stay far below f64's exact-integer range (2^53).
    let values: Vec<Option<f64>> = chart.points.iter().map(|(_, v)| Some(*v as f64)).collect();
    let days: Vec<NaiveDate> = chart.points.iter().map(|(d, _)| *d).collect();
    let desc = chart
        .points
        .iter()
        .map(|(d, v)| format!("{}: {v}", d.format("%b %d")))
        .collect::<Vec<_>>()
        .join("; ");
    let series = [Series {
        name: chart.series,
        values: &values,
    }];
    let timeline = Timeline {
        title: chart.title,
        points: &days,
        step: Step::Day,
        series: &series,
        style: chart.style,
        format: Format::Count,
        zero_based: true,
    };
    sanitize(&timeline::render(&timeline, &desc)?)
}

/// A daily series of measures (rates, averages) with a unit after each value (`%`), from 0.
#[derive(Debug, Clone)]
pub struct DailyValues<'a> {
    pub title: &'a str,
    pub series: &'a str,
    pub points: &'a [(NaiveDate, f64)],
    pub style: Style,
    /// Written after each axis label and value, e.g. `%`.
    pub unit: &'a str,
}

/// A daily line or bar chart of measures (engagement rates…), labelled with their unit.
pub fn daily_values(chart: &DailyValues<'_>) -> Result<String> {
    let values: Vec<Option<f64>> = chart.points.iter().map(|(_, v)| Some(*v)).collect();
    let days: Vec<NaiveDate> = chart.points.iter().map(|(d, _)| *d).collect();
    let desc = chart
        .points
        .iter()
        .map(|(d, v)| format!("{}: {v:.2}{}", d.format("%b %d"), chart.unit))
        .collect::<Vec<_>>()
        .join("; ");
    let series = [Series {
        name: chart.series,
        values: &values,
    }];
    let timeline = Timeline {
        title: chart.title,
        points: &days,
        step: Step::Day,
        series: &series,
        style: chart.style,
        format: Format::Unit(chart.unit),
        zero_based: true,
    };
    sanitize(&timeline::render(&timeline, &desc)?)
}

/// Text for SVG and HTML: `&`, `<`, `>` and both quotes escaped.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Applies our look to the shared options of a chart.
macro_rules! neutral_look {
    ($chart:expr) => {{
        let c = &mut $chart;
        c.width = WIDTH;
        c.height = HEIGHT;
        c.background_color = Color::transparent();
        c.title.text = String::new();
        c.legend.show = Some(false);
        c.legend.font.color = TEXT;
        c.x_axis.font.color = TEXT;
        c.x_axis.stroke_color = LINE;
        c.grid.stroke_color = LINE;
        c.series.label.font.color = TEXT;
        c.tooltip.show = false;
        c.animation = None;
        for y in c.y_axis_configs.iter_mut() {
            y.font.color = TEXT;
            y.stroke_color = LINE;
        }
    }};
}

/// A pie chart of labelled shares (plans, sources…): one slice per label, named beside it.
pub fn pie(title: &str, slices: &[(String, f64)]) -> Result<String> {
    let series: Vec<PieSeries> = slices
        .iter()
        .map(|(label, value)| PieSeries::new(label.clone(), vec![*value as f32]))
        .collect();
    let mut c = PieChart::new_with_theme(series, THEME_LIGHT);
    neutral_look!(c);
    c.series.colors = PALETTE.to_vec();
    c.rose_type = Some(false);
    c.inner_radius = 0.0;
    c.radius = HEIGHT / 2.0 - 40.0;
    let svg = c
        .svg()
        .map_err(|e| Error::internal(format!("chart: {e}")))?;
    let data = slices
        .iter()
        .map(|(label, v)| format!("{label}: {v}"))
        .collect::<Vec<_>>()
        .join("; ");
    finish(&svg, title, &data)
}

/// Names the chart for assistive technology — its title, and the figures themselves as its
/// description (what a screen reader reads instead of the picture) — and makes it safe to
/// embed under our CSP.
fn finish(svg: &str, title: &str, data: &str) -> Result<String> {
    let named = charts_rs::svg_with_accessibility(svg, title, data);
    sanitize(&named)
}

/// Removes what an inline SVG must not carry under `style-src 'self'`: `<style>` elements and
/// `style` attributes. A `<script>` or an event-handler attribute is refused outright: the
/// library never writes one, so its presence means something is badly wrong.
pub fn sanitize(svg: &str) -> Result<String> {
    let without_blocks = remove_style_elements(svg);
    let clean = remove_attribute(&without_blocks, "style");
    let lower = clean.to_ascii_lowercase();
    if lower.contains("<script") || lower.contains("<foreignobject") || has_event_handler(&lower) {
        return Err(Error::internal("chart SVG contains active content"));
    }
    Ok(clean)
}

fn remove_style_elements(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = find_tag(rest, "<style") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        match after.find("</style>") {
            Some(end) => rest = &after[end + "</style>".len()..],
            None => {
                // `<style/>` or a truncated element: drop up to the end of the tag.
                rest = after.find('>').map_or("", |end| &after[end + 1..]);
            }
        }
    }
    out.push_str(rest);
    out
}

/// Index of `<name` followed by a delimiter (so `<style` does not match `<styles`).
fn find_tag(haystack: &str, open: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = haystack[from..].find(open) {
        let at = from + i;
        let next = haystack[at + open.len()..].chars().next();
        if next.is_none_or(|c| c == '>' || c == '/' || c.is_ascii_whitespace()) {
            return Some(at);
        }
        from = at + open.len();
    }
    None
}

/// Drops every ` name="…"` (or `'…'`) attribute. Attribute values in the output are escaped,
/// so the closing quote is the first quote of the same kind.
fn remove_attribute(svg: &str, name: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    loop {
        let found = [format!(" {name}=\""), format!(" {name}='")]
            .into_iter()
            .filter_map(|pat| rest.find(&pat).map(|i| (i, pat)))
            .min_by_key(|(i, _)| *i);
        let Some((start, pat)) = found else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..start]);
        let quote = if pat.ends_with('"') { '"' } else { '\'' };
        let value_start = start + pat.len();
        match rest[value_start..].find(quote) {
            Some(end) => rest = &rest[value_start + end + 1..],
            None => return out,
        }
    }
}

/// An `on…` attribute on some element. Only attribute names are looked at: text is escaped
/// (`<` and `>` are entities there) and attribute values are quoted, and a label may well
/// read "onetime=yes".
fn has_event_handler(lower: &str) -> bool {
    lower
        .split('<')
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
        .any(|tag| attribute_names(tag).any(|name| name.starts_with("on")))
}

/// The attribute names of a tag's inside (`rect x="1" onclick="…"` → `x`, `onclick`).
fn attribute_names(tag: &str) -> impl Iterator<Item = &str> {
    let mut names = Vec::new();
    let mut quote: Option<char> = None;
    let mut name_start: Option<usize> = None;
    let mut after_space = false;
    for (i, c) in tag.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            c if c.is_ascii_whitespace() || c == '=' || c == '/' => {
                if let Some(start) = name_start.take() {
                    names.push(&tag[start..i]);
                }
                after_space = c.is_ascii_whitespace() || (after_space && c != '=');
            }
            _ => {
                if after_space && name_start.is_none() {
                    name_start = Some(i);
                }
                after_space = false;
            }
        }
    }
    if let Some(start) = name_start {
        names.push(&tag[start..]);
    }
    names.into_iter()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn days(values: &[u64]) -> Vec<(NaiveDate, u64)> {
        let start = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (start + chrono::Days::new(i as u64), *v))
            .collect()
    }

    fn assert_embeddable(svg: &str) {
        assert!(svg.contains("<svg"), "{svg}");
        assert!(!svg.contains("style="), "no style attribute: {svg}");
        assert!(!svg.contains("<style"), "no style element: {svg}");
        assert!(!svg.to_lowercase().contains("<script"));
        assert!(svg.contains("role=\"img\""));
    }

    /// The `<title>`s of the chart's columns (the chart's own title is the first).
    fn tooltips(svg: &str) -> Vec<String> {
        svg.split("<g class=\"tcol\"><title>")
            .skip(1)
            .map(|s| s.split("</title>").next().unwrap().to_string())
            .collect()
    }

    #[test]
    fn daily_line_and_bar_charts_carry_the_data_and_embed_under_the_csp() {
        let points = days(&[0, 3, 1, 7, 2]);
        for style in [Style::Line, Style::Bar] {
            let svg = daily(&Daily {
                title: "New users per day",
                series: "New users",
                points: &points,
                style,
            })
            .unwrap();
            assert_embeddable(&svg);
            assert!(svg.contains("<title>New users per day</title>"));
            assert!(
                svg.contains("<desc>Nov 03: 0; Nov 04: 3; Nov 05: 1; Nov 06: 7; Nov 07: 2</desc>"),
                "{svg}"
            );
            // Every point has its tooltip: the date and the value.
            assert_eq!(
                tooltips(&svg),
                vec![
                    "Nov 3, 2026 · New users: 0",
                    "Nov 4, 2026 · New users: 3",
                    "Nov 5, 2026 · New users: 1",
                    "Nov 6, 2026 · New users: 7",
                    "Nov 7, 2026 · New users: 2"
                ]
            );
            // Every day is labelled on the axis (five fit side by side).
            for day in ["Nov 3", "Nov 4", "Nov 5", "Nov 6", "Nov 7"] {
                assert!(svg.contains(&format!(">{day}</text>")), "{day}: {svg}");
            }
            assert!(!svg.contains("#FFFFFF"), "nothing white on the dark theme");
        }
    }

    #[test]
    fn bars_are_drawn_for_days_with_a_value_inside_their_column() {
        let values: Vec<u64> = (0..30).map(|i| (i * 7) % 11).collect();
        let svg = daily(&Daily {
            title: "Daily active users",
            series: "Active users",
            points: &days(&values),
            style: Style::Bar,
        })
        .unwrap();
        assert_embeddable(&svg);
        let bars = svg.matches("class=\"tbar\"").count();
        let nonzero = values.iter().filter(|v| **v > 0).count();
        assert_eq!(bars, nonzero);
        assert_eq!(tooltips(&svg).len(), 30);
        // Each column holds its own bar: the bar comes before the column's hit area.
        for col in svg.split("<g class=\"tcol\">").skip(1) {
            let col = col.split("</g>").next().unwrap();
            assert!(col.matches("tbar").count() <= 1);
            assert!(col.contains("tcol-hit"));
        }
    }

    #[test]
    fn date_labels_never_crowd_a_long_range() {
        let values: Vec<u64> = (0..90).map(|i| 1000 + i * 3).collect();
        let svg = daily(&Daily {
            title: "Followers",
            series: "Followers",
            points: &days(&values),
            style: Style::Line,
        })
        .unwrap();
        let labels = |class: &str| -> usize {
            svg.split("<text")
                .skip(1)
                .filter(|t| t.contains("y=\"212.0\""))
                .filter(|t| class.is_empty() || t.contains(class) || !t.contains("class=\"tick"))
                .count()
        };
        assert!(labels("tick-wide") <= axis::WIDE_LABELS, "{svg}");
        assert!(labels("tick-narrow") <= axis::NARROW_LABELS, "{svg}");
        // 90 points: the dots show on hover only, and every point still has a tooltip.
        assert_eq!(tooltips(&svg).len(), 90);
        assert_eq!(svg.matches("tdot-hover").count(), 90);
    }

    #[test]
    fn several_series_share_a_chart_with_a_legend() {
        let points: Vec<NaiveDate> = days(&[0, 0, 0]).iter().map(|(d, _)| *d).collect();
        let a = [Some(1.0), Some(2.5), None];
        let b = [Some(-0.5), None, Some(0.25)];
        let html = timeline(&Timeline {
            title: "Follower change <since> start",
            points: &points,
            step: Step::Week,
            series: &[
                Series {
                    name: "@a&b",
                    values: &a,
                },
                Series {
                    name: "@rival",
                    values: &b,
                },
            ],
            style: Style::Line,
            format: Format::SignedPercent,
            zero_based: true,
        })
        .unwrap();
        assert_embeddable(&html);
        assert!(html.contains("<ul class=\"tchart-legend\">"));
        assert!(html.contains("@a&amp;b</li>") && html.contains("@rival</li>"));
        assert!(html.contains("<title>Follower change &lt;since&gt; start</title>"));
        assert_eq!(
            tooltips(&html),
            vec![
                "Week of Nov 3, 2026 · @a&amp;b: +1.00 % · @rival: -0.50 %",
                "Week of Nov 4, 2026 · @a&amp;b: +2.50 % · @rival: no data",
                "Week of Nov 5, 2026 · @a&amp;b: no data · @rival: +0.25 %",
            ]
        );
        // A series with a gap is still one line through its known points.
        assert_eq!(
            html.matches("vector-effect=\"non-scaling-stroke\"").count(),
            2
        );
        assert!(html.contains(">0 %</text>"), "{html}");
    }

    #[test]
    fn an_empty_period_says_so() {
        let html = timeline(&Timeline {
            title: "Reach",
            points: &[],
            step: Step::Day,
            series: &[Series {
                name: "Reach",
                values: &[],
            }],
            style: Style::Bar,
            format: Format::Count,
            zero_based: true,
        })
        .unwrap();
        assert!(html.contains("No data in this period"));
        let bad = timeline(&Timeline {
            title: "Reach",
            points: &[NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()],
            step: Step::Day,
            series: &[Series {
                name: "Reach",
                values: &[],
            }],
            style: Style::Bar,
            format: Format::Count,
            zero_based: true,
        });
        assert!(bad.is_err(), "a series must have a value per point");
    }

    #[test]
    fn pie_labels_are_escaped() {
        let svg = pie(
            "Plans <&>",
            &[
                ("Pro <b>\"best\"</b> & co".to_string(), 3.0),
                ("Free".to_string(), 1.0),
            ],
        )
        .unwrap();
        assert_embeddable(&svg);
        assert!(!svg.contains("<b>"), "{svg}");
        assert!(svg.contains("Pro &lt;b&gt;"), "{svg}");
        assert!(svg.contains("<title>Plans &lt;&amp;&gt;</title>"), "{svg}");
        assert!(svg.contains("<desc>Pro &lt;b&gt;\"best\"&lt;/b&gt; &amp; co: 3; Free: 1</desc>"));
        assert!(svg.contains("Free"));
    }

    #[test]
    fn attribute_names_skip_quoted_values() {
        let names: Vec<&str> =
            attribute_names("rect x=\"1\" data-s=\"a onload=b\"\n onclick = 'x()'/").collect();
        assert_eq!(names, vec!["x", "data-s", "onclick"]);
        assert_eq!(attribute_names("/text").count(), 0);
    }

    #[test]
    fn sanitize_removes_styles_and_refuses_scripts() {
        let dirty = "<svg><style>.a{fill:red}</style><rect style=\"fill:red\" x=\"1\"/><text style='a'>t</text></svg>";
        assert_eq!(
            sanitize(dirty).unwrap(),
            "<svg><rect x=\"1\"/><text>t</text></svg>"
        );
        assert!(sanitize("<svg><script>alert(1)</script></svg>").is_err());
        assert!(sanitize("<svg><rect onload=\"x()\"/></svg>").is_err());
        assert!(sanitize("<svg><rect x=\"1\"\n onclick = \"x()\"/></svg>").is_err());
        assert!(sanitize("<svg><text>on the day: one = 1</text></svg>").is_ok());
        // A label that merely reads like a handler is text, and the chart is drawn.
        let svg = pie("Plans", &[("Plan onetime=yes".to_string(), 1.0)]).unwrap();
        assert!(svg.contains("Plan onetime=yes"));
    }
}
