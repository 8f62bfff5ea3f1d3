//! Pagination: flows of pieces placed down the pages, split where they must be.
//!
//! Every block is first laid out, independently of where it will land, into a [`Flow`]: a
//! list of [`Piece`]s (lines, rows, charts) that are never cut, an optional header repeated at
//! the top of every page the flow spans (a table's header row), an optional frame drawn behind
//! each page's part (a callout's tinted box) and a few rules: keep the whole flow on one page
//! when it fits there, keep a heading with what follows, leave no single line of a paragraph
//! alone at the bottom or top of a page. The [`Paginator`] then walks the flows in order.
//! A piece taller than a whole page is placed on a page of its own (overflowing rather than
//! looping); the layout modules cut their content so that this does not happen.

use crate::ops::{Op, Piece};
use crate::style::{CONTENT_BOTTOM, CONTENT_TOP, CONTENT_WIDTH, MARGIN_X, Rgb};

/// A box drawn behind each page's part of a flow.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub fill: Rgb,
    /// A bar on the left edge of the box (a callout's tone).
    pub bar: Option<Rgb>,
    pub pad_top: f32,
    pub pad_bottom: f32,
}

/// A laid-out block, ready to be placed.
#[derive(Debug, Default)]
pub(crate) struct Flow {
    pub space_before: f32,
    pub space_after: f32,
    pub header: Option<Piece>,
    pub pieces: Vec<Piece>,
    /// Move the whole flow to the next page rather than split it, when it fits on a page.
    pub keep_together: bool,
    /// Keep the flow on the same page as the start of the next flow (headings).
    pub keep_with_next: bool,
    /// The fewest pieces left at the bottom of a page when the flow is split there.
    pub orphans: usize,
    /// The fewest pieces carried to the top of the next page when the flow is split.
    pub widows: usize,
    pub frame: Option<Frame>,
}

impl Flow {
    pub(crate) fn new(pieces: Vec<Piece>) -> Self {
        Flow {
            pieces,
            orphans: 1,
            widows: 1,
            ..Flow::default()
        }
    }

    fn header_height(&self) -> f32 {
        self.header.as_ref().map_or(0.0, |h| h.height)
    }

    fn frame_height(&self) -> f32 {
        self.frame.map_or(0.0, |f| f.pad_top + f.pad_bottom)
    }

    fn total_height(&self) -> f32 {
        self.header_height()
            + self.frame_height()
            + self.pieces.iter().map(|p| p.height).sum::<f32>()
    }

    /// The height of the smallest first part of this flow that may end a page.
    fn lead_height(&self) -> f32 {
        let lead: f32 = self
            .pieces
            .iter()
            .take(self.orphans.max(1))
            .map(|p| p.height)
            .sum();
        self.space_before + self.header_height() + self.frame_height() + lead
    }
}

/// What the document is made of, in order.
#[derive(Debug)]
pub(crate) enum Item {
    Flow(Flow),
    PageBreak,
}

/// Places flows on pages.
pub(crate) struct Paginator {
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Nothing has been placed on the current page yet.
    empty: bool,
}

impl Paginator {
    pub(crate) fn new() -> Self {
        Paginator {
            pages: vec![Vec::new()],
            y: CONTENT_TOP,
            empty: true,
        }
    }

    /// Moves the cursor of the current page down to `y` (never up).
    pub(crate) fn advance_to(&mut self, y: f32) {
        if y.is_finite() && y > self.y {
            self.y = y;
        }
    }

    /// The cursor's position on the current page.
    pub(crate) fn cursor(&self) -> f32 {
        self.y
    }

    /// Draws directly on the current page (page decoration such as the cover's band).
    pub(crate) fn push_raw(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// Room left on the current page, with a hair of tolerance so that a flow measured to
    /// fit exactly is not pushed over by float rounding.
    fn remaining(&self) -> f32 {
        CONTENT_BOTTOM - self.y + 0.01
    }

    /// Starts a new page.
    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = CONTENT_TOP;
        self.empty = true;
    }

    /// Starts a new page unless the current one is still empty.
    pub(crate) fn page_break(&mut self) {
        if !self.empty {
            self.new_page();
        }
    }

    /// Places all `items`.
    pub(crate) fn place_all(&mut self, items: Vec<Item>) {
        let mut items = items.into_iter().peekable();
        while let Some(item) = items.next() {
            match item {
                Item::PageBreak => self.page_break(),
                Item::Flow(flow) => {
                    let next_need = match items.peek() {
                        Some(Item::Flow(next)) if flow.keep_with_next => next.lead_height(),
                        _ => 0.0,
                    };
                    self.place(flow, next_need);
                }
            }
        }
    }

    /// Places one flow; `next_need` is the room the following flow's start needs when this
    /// flow is kept with it.
    pub(crate) fn place(&mut self, mut flow: Flow, next_need: f32) {
        if flow.pieces.is_empty() && flow.header.is_none() {
            return;
        }
        let capacity = CONTENT_BOTTOM - CONTENT_TOP;
        let total = flow.total_height();
        let extra = if flow.keep_with_next { next_need } else { 0.0 };
        let before = if self.empty { 0.0 } else { flow.space_before };

        let count = flow.pieces.len();
        if before + total + extra <= self.remaining() {
            self.emit(&mut flow, 0..count, before);
        } else if (flow.keep_together || flow.keep_with_next)
            && !self.empty
            && total + extra <= capacity
        {
            self.new_page();
            self.emit(&mut flow, 0..count, 0.0);
        } else {
            self.split(&mut flow);
        }
        self.y += flow.space_after;
    }

    /// Places a flow that does not fit where it is, page part by page part.
    fn split(&mut self, flow: &mut Flow) {
        let count = flow.pieces.len();
        let overhead = flow.header_height() + flow.frame_height();
        let mut index = 0;
        let mut first = true;
        while index < count || (first && count == 0) {
            let before = if self.empty || !first {
                0.0
            } else {
                flow.space_before
            };
            let available = self.remaining() - before - overhead;
            let mut fit = 0;
            let mut used = 0.0;
            for piece in flow.pieces.get(index..).unwrap_or_default() {
                if used + piece.height > available {
                    break;
                }
                used += piece.height;
                fit += 1;
            }
            let left = count - index;
            if fit >= left {
                self.emit(flow, index..count, before);
                return;
            }
            // Leave at least `widows` pieces for the next page, then at least `orphans` (or
            // one, after the first page) on this one.
            if left - fit < flow.widows {
                fit = fit.saturating_sub(flow.widows - (left - fit));
            }
            let least = if first { flow.orphans.max(1) } else { 1 };
            if fit < least.min(left) {
                if !self.empty {
                    self.new_page();
                    continue;
                }
                // Nothing fits even on an empty page: place what we must to make progress.
                fit = fit.max(1);
            }
            self.emit(flow, index..index + fit, before);
            index += fit;
            first = false;
            if index < count {
                self.new_page();
            }
        }
    }

    /// Draws pieces `range` of `flow` (with its header and frame) at the cursor.
    fn emit(&mut self, flow: &mut Flow, range: std::ops::Range<usize>, before: f32) {
        self.y += before;
        let top = self.y;
        let body: f32 = flow
            .pieces
            .get(range.clone())
            .unwrap_or_default()
            .iter()
            .map(|p| p.height)
            .sum();
        let height = flow.header_height() + flow.frame_height() + body;
        let mut ops = Vec::new();
        if let Some(frame) = flow.frame {
            ops.push(Op::Rect {
                x: MARGIN_X,
                y: top,
                w: CONTENT_WIDTH,
                h: height,
                fill: frame.fill,
            });
            if let Some(bar) = frame.bar {
                ops.push(Op::Rect {
                    x: MARGIN_X,
                    y: top,
                    w: 3.0,
                    h: height,
                    fill: bar,
                });
            }
            self.y += frame.pad_top;
        }
        if let Some(header) = &flow.header {
            for op in &header.ops {
                let mut op = op.clone();
                op.translate(MARGIN_X, self.y);
                ops.push(op);
            }
            self.y += header.height;
        }
        for piece in flow.pieces.get_mut(range).unwrap_or_default() {
            for mut op in std::mem::take(&mut piece.ops) {
                op.translate(MARGIN_X, self.y);
                ops.push(op);
            }
            self.y += piece.height;
        }
        if let Some(frame) = flow.frame {
            self.y += frame.pad_bottom;
        }
        if let Some(page) = self.pages.last_mut() {
            page.extend(ops);
        }
        self.empty = false;
    }

    /// The pages' operations.
    pub(crate) fn finish(self) -> Vec<Vec<Op>> {
        self.pages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(count: usize, height: f32) -> Vec<Piece> {
        (0..count).map(|_| Piece::new(height)).collect()
    }

    #[test]
    fn a_long_flow_spans_pages() {
        let mut pages = Paginator::new();
        pages.place(Flow::new(lines(200, 14.0)), 0.0);
        let per_page = ((CONTENT_BOTTOM - CONTENT_TOP) / 14.0).floor() as usize;
        assert_eq!(pages.finish().len(), 200usize.div_ceil(per_page));
    }

    #[test]
    fn a_kept_flow_moves_whole_to_the_next_page() {
        let mut pages = Paginator::new();
        pages.place(
            Flow::new(lines(1, CONTENT_BOTTOM - CONTENT_TOP - 50.0)),
            0.0,
        );
        let mut kept = Flow::new(lines(10, 10.0));
        kept.keep_together = true;
        pages.place(kept, 0.0);
        assert_eq!(pages.finish().len(), 2);
    }

    #[test]
    fn a_piece_taller_than_a_page_still_makes_progress() {
        let mut pages = Paginator::new();
        pages.place(Flow::new(lines(3, 5000.0)), 0.0);
        assert_eq!(pages.finish().len(), 3);
    }

    #[test]
    fn page_breaks_do_not_make_blank_pages() {
        let mut pages = Paginator::new();
        pages.place_all(vec![Item::PageBreak, Item::PageBreak]);
        assert_eq!(pages.finish().len(), 1);
    }
}
