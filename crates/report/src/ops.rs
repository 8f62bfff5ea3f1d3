//! The display list: what a page shows, as plain drawing operations in points.
//!
//! Layout produces these first and the PDF is written from them afterwards, for two reasons:
//! the footer's "n / N" needs the page count before the first page is written (krilla writes a
//! page when it is finished), and a block can be measured and moved to another page without
//! drawing anything twice. Coordinates have their origin at the top left, y growing downwards,
//! as krilla's do. Every coordinate is checked to be finite when the PDF is written.

use crate::style::Rgb;
use crate::text::Line;

/// How the ends of a stroked line look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cap {
    Butt,
    Round,
}

/// One drawing operation.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// A filled rectangle.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb,
    },
    /// A straight stroked segment.
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
        cap: Cap,
    },
    /// A polyline (stroked) or polygon (filled, with an opacity).
    Poly {
        points: Vec<(f32, f32)>,
        stroke: Option<(Rgb, f32)>,
        fill: Option<(Rgb, f32)>,
    },
    /// A circular arc, stroked; angles in degrees clockwise from 12 o'clock.
    Arc {
        cx: f32,
        cy: f32,
        r: f32,
        start: f32,
        sweep: f32,
        width: f32,
        color: Rgb,
    },
    /// A filled circle.
    Dot { cx: f32, cy: f32, r: f32, fill: Rgb },
    /// One line of text; `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        color: Rgb,
        line: Line,
    },
}

impl Op {
    /// The same operation moved by (`dx`, `dy`).
    pub(crate) fn translate(&mut self, dx: f32, dy: f32) {
        match self {
            Op::Rect { x, y, .. } | Op::Text { x, y, .. } => {
                *x += dx;
                *y += dy;
            }
            Op::Line { x1, y1, x2, y2, .. } => {
                *x1 += dx;
                *x2 += dx;
                *y1 += dy;
                *y2 += dy;
            }
            Op::Poly { points, .. } => {
                for (x, y) in points {
                    *x += dx;
                    *y += dy;
                }
            }
            Op::Arc { cx, cy, .. } | Op::Dot { cx, cy, .. } => {
                *cx += dx;
                *cy += dy;
            }
        }
    }
}

/// Horizontal placement of a text line in a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HAlign {
    Left,
    Center,
    Right,
}

/// A vertical slice of a block that is never split: a line of text, a table row, a chart.
/// Its operations are relative to its own top-left corner (x relative to the content's left
/// edge).
#[derive(Debug, Clone, Default)]
pub(crate) struct Piece {
    pub height: f32,
    pub ops: Vec<Op>,
}

impl Piece {
    pub(crate) fn new(height: f32) -> Self {
        Piece {
            height,
            ops: Vec::new(),
        }
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb) {
        self.ops.push(Op::Rect { x, y, w, h, fill });
    }

    pub(crate) fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32, color: Rgb) {
        self.ops.push(Op::Line {
            x1,
            y1: y,
            x2,
            y2: y,
            width,
            color,
            cap: Cap::Butt,
        });
    }

    /// Places `line` with its baseline at `baseline`, aligned in the box `x..x + w`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text(
        &mut self,
        line: Line,
        x: f32,
        w: f32,
        baseline: f32,
        size: f32,
        color: Rgb,
        align: HAlign,
    ) {
        let width = line.width(size);
        let x = match align {
            HAlign::Left => x,
            HAlign::Right => x + w - width,
            HAlign::Center => x + (w - width) / 2.0,
        };
        self.ops.push(Op::Text {
            x,
            y: baseline,
            size,
            color,
            line,
        });
    }
}
