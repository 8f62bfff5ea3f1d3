//! Charts as SVG strings for pages: drawn on the server with `charts-rs`, embedded inline, so
//! they render with no JavaScript.
//!
//! Two constraints shape the output. The content security policy has `style-src 'self'` with
//! no `'unsafe-inline'`, so an embedded SVG may carry no `style=` attribute and no `<style>`
//! element (the browser would drop them); charts-rs only writes those for its animation and
//! hover tooltips, which stay off, and [`sanitize`] removes any that appear all the same. And
//! the page has a light and a dark theme: the background is transparent and text and grid
//! lines are a neutral grey that reads on both; the stylesheet (`.chart`) then paints text in
//! the theme's muted colour — CSS outranks SVG presentation attributes.
//!
//! Labels are text from users (names, plans) and are XML-escaped: charts-rs escapes text
//! nodes and attribute values, and the unit tests hold it to that.

use charts_rs::{
    BarChart, Color, LineChart, PieChart, Series, SeriesCategory, Symbol, THEME_LIGHT,
};
use chrono::NaiveDate;

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
/// The series colour: between the light (#4f46e5) and dark (#818cf8) theme primaries.
const SERIES: Color = Color {
    r: 99,
    g: 102,
    b: 241,
    a: 255,
};
/// Slices of a pie, in order (distinct in both themes and for common colour blindness).
const PALETTE: [Color; 6] = [
    SERIES,
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

/// How a daily series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Line,
    Bar,
}

/// One value per day, oldest first (days without data are given as zero by the caller).
#[derive(Debug, Clone)]
pub struct Daily<'a> {
    /// The chart's accessible name (its `<title>`), e.g. "New users per day".
    pub title: &'a str,
    /// What the values are, for the legend-less series name, e.g. "New users".
    pub series: &'a str,
    pub points: &'a [(NaiveDate, u64)],
    pub style: Style,
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

/// A y axis for counts from 0 to at least `max`: whole-number ticks, at most five steps of
/// 1, 2 or 5 times a power of ten (charts-rs would otherwise label 0.9, 1.8, …).
fn count_axis(max: u64) -> (f32, usize) {
    let max = max.max(1);
    let rough = max.div_ceil(5);
    let mut unit = 1u64;
    let step = loop {
        if let Some(step) = [1u64, 2, 5]
            .iter()
            .map(|m| m.saturating_mul(unit))
            .find(|s| *s >= rough)
        {
            break step;
        }
        unit = unit.saturating_mul(10);
    };
    let steps = max.div_ceil(step);
    (steps.saturating_mul(step) as f32, steps as usize)
}

/// A daily line or bar chart (x: days, labelled `Dec 03`; y: the value).
pub fn daily(chart: &Daily<'_>) -> Result<String> {
    // Counts of a day stay far below f32's exact-integer range (2^24).
    let values: Vec<f32> = chart.points.iter().map(|(_, v)| *v as f32).collect();
    let (top, steps) = count_axis(chart.points.iter().map(|(_, v)| *v).max().unwrap_or(0));
    let days: Vec<NaiveDate> = chart.points.iter().map(|(d, _)| *d).collect();
    let shown: Vec<String> = chart.points.iter().map(|(_, v)| v.to_string()).collect();
    draw(
        chart.title,
        chart.series,
        &days,
        values,
        &shown,
        chart.style,
        |axes| set_count_axis(axes, top, steps),
    )
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
    let values: Vec<f32> = chart.points.iter().map(|(_, v)| *v as f32).collect();
    let days: Vec<NaiveDate> = chart.points.iter().map(|(d, _)| *d).collect();
    let shown: Vec<String> = chart
        .points
        .iter()
        .map(|(_, v)| format!("{v:.2}{}", chart.unit))
        .collect();
    let formatter = format!("{{c}}{}", chart.unit);
    draw(
        chart.title,
        chart.series,
        &days,
        values,
        &shown,
        chart.style,
        |axes| {
            for y in axes {
                y.min = Some(0.0);
                y.formatter = Some(formatter.clone());
            }
        },
    )
}

/// Draws one daily series; `axis` sets the value axis; `shown` are the values as the chart's
/// description lists them.
fn draw(
    title: &str,
    series_name: &str,
    days: &[NaiveDate],
    values: Vec<f32>,
    shown: &[String],
    style: Style,
    axis: impl Fn(&mut [charts_rs::YAxisConfig]),
) -> Result<String> {
    let labels: Vec<String> = days.iter().map(|d| d.format("%b %d").to_string()).collect();
    let mut series: Series = (series_name, values).into();
    series.colors = Some(vec![Some(SERIES)]);
    let svg = match style {
        Style::Line => {
            let mut c = LineChart::new_with_theme(vec![series], labels.clone(), THEME_LIGHT);
            neutral_look!(c);
            axis(&mut c.y_axis_configs);
            c.series.colors = vec![SERIES];
            c.series.fill = true;
            c.series.smooth = false;
            // The theme fills the points with its (white) background.
            c.series.symbol = Some(Symbol::Circle(2.0, Some(SERIES)));
            c.svg()
        }
        Style::Bar => {
            series.category = Some(SeriesCategory::Bar);
            let mut c = BarChart::new_with_theme(vec![series], labels.clone(), THEME_LIGHT);
            neutral_look!(c);
            axis(&mut c.y_axis_configs);
            c.series.colors = vec![SERIES];
            c.radius = Some(2.0);
            c.svg()
        }
    }
    .map_err(|e| Error::internal(format!("chart: {e}")))?;
    let data = shown
        .iter()
        .zip(&labels)
        .map(|(v, day)| format!("{day}: {v}"))
        .collect::<Vec<_>>()
        .join("; ");
    finish(&svg, title, &data)
}

fn set_count_axis(axes: &mut [charts_rs::YAxisConfig], top: f32, steps: usize) {
    for y in axes {
        y.min = Some(0.0);
        y.max = Some(top);
        y.split_number = steps;
    }
}

/// A pie chart of labelled shares (plans, sources…): one slice per label, named beside it.
pub fn pie(title: &str, slices: &[(String, f64)]) -> Result<String> {
    let series: Vec<Series> = slices
        .iter()
        .map(|(label, value)| Series::new(label.clone(), vec![*value as f32]))
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
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(!svg.contains("style="), "no style attribute: {svg}");
        assert!(!svg.contains("<style"), "no style element: {svg}");
        assert!(!svg.to_lowercase().contains("<script"));
        assert!(svg.contains("role=\"img\""));
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
            // Every day is labelled on the axis (five fit side by side).
            for day in ["Nov 03", "Nov 04", "Nov 05", "Nov 06", "Nov 07"] {
                assert!(svg.contains(&format!(">\n{day}\n<")), "{day}: {svg}");
            }
            assert!(
                !svg.contains("#FFFFFF"),
                "nothing white on the dark theme: {svg}"
            );
        }
    }

    #[test]
    fn a_thirty_day_chart_renders_every_day_as_a_point() {
        let values: Vec<u64> = (0..30).map(|i| (i * 7) % 11).collect();
        let svg = daily(&Daily {
            title: "Daily active users",
            series: "Active users",
            points: &days(&values),
            style: Style::Bar,
        })
        .unwrap();
        assert_embeddable(&svg);
        let desc: Vec<String> = days(&values)
            .iter()
            .map(|(d, v)| format!("{}: {v}", d.format("%b %d")))
            .collect();
        assert!(svg.contains(&format!("<desc>{}</desc>", desc.join("; "))));
        // One bar per day with a value (zero-height bars are not drawn).
        let bars = svg.matches("<rect").count();
        let nonzero = values.iter().filter(|v| **v > 0).count();
        assert!(bars >= nonzero, "{bars} rects for {nonzero} days: {svg}");
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
    fn count_axes_have_whole_number_ticks() {
        assert_eq!(count_axis(0), (1.0, 1));
        assert_eq!(count_axis(3), (3.0, 3));
        assert_eq!(count_axis(5), (5.0, 5));
        assert_eq!(count_axis(7), (8.0, 4));
        assert_eq!(count_axis(75), (80.0, 4));
        assert_eq!(count_axis(1234), (1500.0, 3));
        assert!(count_axis(u64::MAX).1 <= 5, "no overflow");
        let svg = daily(&Daily {
            title: "t",
            series: "s",
            points: &days(&[1, 3, 2]),
            style: Style::Bar,
        })
        .unwrap();
        for tick in ["0", "1", "2", "3"] {
            assert!(svg.contains(&format!(">\n{tick}\n<")), "tick {tick}: {svg}");
        }
        assert!(!svg.contains(">\n0.5\n<") && !svg.contains(">\n1.5\n<"));
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
