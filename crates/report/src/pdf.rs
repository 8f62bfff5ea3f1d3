//! Writing the pages with krilla: page decoration (running head, footer with "n / N"), the
//! display list as PDF paths and text, and the document metadata.
//!
//! This is the only module that talks to krilla. It re-checks every coordinate (an operation
//! with a non-finite or absurd coordinate is dropped, not written) so that nothing the layout
//! might compute from hostile input can make krilla fail or write an invalid file.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, LineCap, LineJoin, Stroke};
use krilla::surface::Surface;

use chrono::{Datelike, Timelike};

use crate::ops::{Cap, HAlign, Op, Piece};
use crate::style::{
    CONTENT_WIDTH, FOOTER_BASELINE, FOOTER_RULE_Y, HEAD_BASELINE, MARGIN_X, MUTED, PAGE_HEIGHT,
    PAGE_WIDTH, RULE, Rgb, SIZE_TINY,
};
use crate::text::{Fonts, Weight, clean};
use crate::{Document, RenderError};

/// Coordinates beyond this (in points, either sign) are treated as broken.
const LIMIT: f32 = 20_000.0;

/// Adds the running head (after the cover) and the footer (on every page).
pub(crate) fn decorate(fonts: &Fonts, pages: &mut [Vec<Op>], doc: &Document) {
    let total = pages.len();
    // The running head and the footer text are the same on every page: fitted once, to the
    // room the widest page number leaves.
    let title = clean(&doc.title, false);
    let head = (!title.trim().is_empty())
        .then(|| fonts.line_fitted(title.trim(), Weight::Regular, SIZE_TINY, CONTENT_WIDTH));
    let widest_number = fonts
        .line(&format!("{total} / {total}"), Weight::Regular)
        .width(SIZE_TINY);
    let room = CONTENT_WIDTH - widest_number - 24.0;
    let footer = clean(&doc.footer, false);
    let footer = (!footer.trim().is_empty())
        .then(|| fonts.line_fitted(footer.trim(), Weight::Regular, SIZE_TINY, room));
    for (index, ops) in pages.iter_mut().enumerate() {
        let mut piece = Piece::new(0.0);
        if let Some(head) = head.as_ref().filter(|_| index > 0) {
            piece.text(
                head.clone(),
                0.0,
                CONTENT_WIDTH,
                HEAD_BASELINE,
                SIZE_TINY,
                MUTED,
                HAlign::Left,
            );
        }
        piece.hline(0.0, CONTENT_WIDTH, FOOTER_RULE_Y, 0.5, RULE);
        let number = fonts.line(&format!("{} / {}", index + 1, total), Weight::Regular);
        piece.text(
            number,
            0.0,
            CONTENT_WIDTH,
            FOOTER_BASELINE,
            SIZE_TINY,
            MUTED,
            HAlign::Right,
        );
        if let Some(footer) = &footer {
            piece.text(
                footer.clone(),
                0.0,
                room,
                FOOTER_BASELINE,
                SIZE_TINY,
                MUTED,
                HAlign::Left,
            );
        }
        for mut op in piece.ops {
            op.translate(MARGIN_X, 0.0);
            ops.push(op);
        }
    }
}

/// Writes the pages and metadata as a PDF.
pub(crate) fn write(
    fonts: &Fonts,
    pages: Vec<Vec<Op>>,
    doc: &Document,
) -> Result<Vec<u8>, RenderError> {
    let mut document = krilla::Document::new();
    document.set_metadata(metadata(doc));
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| RenderError::Pdf("invalid page size".to_owned()))?;
    for ops in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        let mut index = 0;
        while let Some(op) = ops.get(index) {
            // Runs of rectangles of one colour, or of lines of one stroke, become one path:
            // a heatmap or hatching is then a handful of paths instead of thousands.
            let run = ops
                .get(index..)
                .unwrap_or_default()
                .iter()
                .take_while(|next| same_paint(op, next))
                .count()
                .max(1);
            match ops.get(index..index + run) {
                Some(group) if run > 1 => draw_group(&mut surface, group),
                _ => draw(fonts, &mut surface, op),
            }
            index += run;
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|error| RenderError::Pdf(error.to_string()))
}

fn metadata(doc: &Document) -> Metadata {
    let created = doc.created;
    // chrono's calendar fields are always in range for u8; the fallbacks are never used.
    let part = |value: u32| u8::try_from(value).unwrap_or(0);
    let year = u16::try_from(created.year().clamp(0, 9999)).unwrap_or(1970);
    let date = DateTime::new(year)
        .month(part(created.month()))
        .day(part(created.day()))
        .hour(part(created.hour()))
        .minute(part(created.minute()))
        .second(part(created.second()))
        .utc_offset_hour(0)
        .utc_offset_minute(0);
    let keywords: Vec<String> = doc
        .keywords
        .iter()
        .map(|k| clean(k, false).trim().to_owned())
        .filter(|k| !k.is_empty())
        .collect();
    Metadata::new()
        .title(clean(&doc.title, false).trim().to_owned())
        .description(clean(&doc.subject, false).trim().to_owned())
        .keywords(keywords)
        .creator("Growthdeck".to_owned())
        .producer(format!("Growthdeck report {}", env!("CARGO_PKG_VERSION")))
        .creation_date(date)
}

fn sane(values: &[f32]) -> bool {
    values.iter().all(|v| v.is_finite() && v.abs() <= LIMIT)
}

fn color(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn fill(c: Rgb, opacity: f32) -> Fill {
    Fill {
        paint: color(c).into(),
        opacity: NormalizedF32::new(opacity.clamp(0.0, 1.0)).unwrap_or(NormalizedF32::ONE),
        rule: FillRule::NonZero,
    }
}

fn stroke(c: Rgb, width: f32, cap: Cap) -> Stroke {
    Stroke {
        paint: color(c).into(),
        width,
        line_cap: match cap {
            Cap::Butt => LineCap::Butt,
            Cap::Round => LineCap::Round,
        },
        line_join: LineJoin::Round,
        ..Stroke::default()
    }
}

/// Whether `b` can join `a` in one path: both rectangles of one fill, or both lines of one
/// stroke.
fn same_paint(a: &Op, b: &Op) -> bool {
    match (a, b) {
        (Op::Rect { fill: x, .. }, Op::Rect { fill: y, .. }) => x == y,
        (
            Op::Line {
                width: w1,
                color: c1,
                cap: k1,
                ..
            },
            Op::Line {
                width: w2,
                color: c2,
                cap: k2,
                ..
            },
        ) => w1 == w2 && c1 == c2 && k1 == k2,
        _ => false,
    }
}

/// Draws a run of rectangles of one fill or lines of one stroke as one path.
fn draw_group(surface: &mut Surface<'_>, group: &[Op]) {
    let mut builder = PathBuilder::new();
    let mut paint = None;
    for op in group {
        match op {
            Op::Rect {
                x,
                y,
                w,
                h,
                fill: c,
            } => {
                if let Some(rect) =
                    Rect::from_xywh(*x, *y, *w, *h).filter(|_| sane(&[*x, *y, *w, *h]))
                {
                    builder.push_rect(rect);
                    paint = Some((Some(fill(*c, 1.0)), None));
                }
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                color: c,
                cap,
            } if sane(&[*x1, *y1, *x2, *y2, *width]) => {
                builder.move_to(*x1, *y1);
                builder.line_to(*x2, *y2);
                paint = Some((None, Some(stroke(*c, *width, *cap))));
            }
            _ => {}
        }
    }
    if let (Some((fill, stroke)), Some(path)) = (paint, builder.finish()) {
        surface.set_fill(fill);
        surface.set_stroke(stroke);
        surface.draw_path(&path);
    }
}

/// Draws one operation; operations with broken coordinates are skipped.
fn draw(fonts: &Fonts, surface: &mut Surface<'_>, op: &Op) {
    match op {
        Op::Rect {
            x,
            y,
            w,
            h,
            fill: c,
        } => {
            if !sane(&[*x, *y, *w, *h]) {
                return;
            }
            let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                return;
            };
            let mut builder = PathBuilder::new();
            builder.push_rect(rect);
            if let Some(path) = builder.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(*c, 1.0)));
                surface.draw_path(&path);
            }
        }
        Op::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            color: c,
            cap,
        } => {
            if !sane(&[*x1, *y1, *x2, *y2, *width]) {
                return;
            }
            let mut builder = PathBuilder::new();
            builder.move_to(*x1, *y1);
            builder.line_to(*x2, *y2);
            if let Some(path) = builder.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(*c, *width, *cap)));
                surface.draw_path(&path);
            }
        }
        Op::Poly {
            points,
            stroke: line,
            fill: area,
        } => {
            if points.len() < 2 || !points.iter().all(|(x, y)| sane(&[*x, *y])) {
                return;
            }
            let mut builder = PathBuilder::new();
            for (i, (x, y)) in points.iter().enumerate() {
                if i == 0 {
                    builder.move_to(*x, *y);
                } else {
                    builder.line_to(*x, *y);
                }
            }
            if area.is_some() {
                builder.close();
            }
            let Some(path) = builder.finish() else {
                return;
            };
            surface.set_fill(area.map(|(c, opacity)| fill(c, opacity)));
            surface.set_stroke(line.map(|(c, width)| stroke(c, width, Cap::Round)));
            surface.draw_path(&path);
        }
        Op::Arc {
            cx,
            cy,
            r,
            start,
            sweep,
            width,
            color: c,
        } => {
            if !sane(&[*cx, *cy, *r, *start, *sweep, *width]) || *r <= 0.0 {
                return;
            }
            let mut builder = PathBuilder::new();
            arc(
                &mut builder,
                *cx,
                *cy,
                *r,
                *start,
                sweep.clamp(-360.0, 360.0),
                true,
            );
            if let Some(path) = builder.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(*c, *width, Cap::Round)));
                surface.draw_path(&path);
            }
        }
        Op::Dot { cx, cy, r, fill: c } => {
            if !sane(&[*cx, *cy, *r]) || *r <= 0.0 {
                return;
            }
            let mut builder = PathBuilder::new();
            arc(&mut builder, *cx, *cy, *r, 0.0, 360.0, true);
            builder.close();
            if let Some(path) = builder.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(*c, 1.0)));
                surface.draw_path(&path);
            }
        }
        Op::Text {
            x,
            y,
            size,
            color: c,
            line,
        } => {
            if line.glyphs.is_empty() || !sane(&[*x, *y, *size]) || *size <= 0.0 {
                return;
            }
            surface.set_stroke(None);
            surface.set_fill(Some(fill(*c, 1.0)));
            surface.draw_glyphs(
                Point::from_xy(*x, *y),
                &line.glyphs,
                fonts.pdf_font(line.weight),
                &line.text,
                *size,
                false,
            );
        }
    }
}

/// Appends a circular arc as cubic Béziers of at most 90° each. Angles are in degrees,
/// clockwise from 12 o'clock (y grows downwards).
fn arc(
    builder: &mut PathBuilder,
    cx: f32,
    cy: f32,
    r: f32,
    start: f32,
    sweep: f32,
    move_first: bool,
) {
    let point = |degrees: f32| {
        let a = degrees.to_radians();
        (cx + r * a.sin(), cy - r * a.cos())
    };
    // The tangent (derivative by angle) at `degrees`, per radian.
    let tangent = |degrees: f32| {
        let a = degrees.to_radians();
        (r * a.cos(), r * a.sin())
    };
    let segments = (sweep.abs() / 90.0).ceil().max(1.0) as u32;
    let step = sweep / segments as f32;
    let k = 4.0 / 3.0 * (step.to_radians() / 4.0).tan();
    let (x0, y0) = point(start);
    if move_first {
        builder.move_to(x0, y0);
    }
    for i in 0..segments {
        let a0 = start + step * i as f32;
        let a1 = a0 + step;
        let (px0, py0) = point(a0);
        let (px1, py1) = point(a1);
        let (tx0, ty0) = tangent(a0);
        let (tx1, ty1) = tangent(a1);
        builder.cubic_to(
            px0 + k * tx0,
            py0 + k * ty0,
            px1 - k * tx1,
            py1 - k * ty1,
            px1,
            py1,
        );
    }
}
