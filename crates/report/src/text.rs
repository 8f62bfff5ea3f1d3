//! Text: the embedded fonts, shaping, measuring and line breaking.
//!
//! We shape with rustybuzz ourselves (the same shaper krilla uses for its `draw_text`) and hand
//! krilla the finished glyphs, so what we measure while breaking lines is exactly what is drawn:
//! kerning included, right-aligned numbers end on the column edge. Each glyph carries the byte
//! range of the text it came from, which krilla turns into the font's ToUnicode map — this is
//! what makes the PDF's text selectable and extractable.
//!
//! Line breaking is a compact subset of the Unicode line breaking rules that covers what report
//! text contains: breaks after spaces, after dashes and slashes inside words, around CJK
//! ideographs, kana, hangul and emoji (with the usual "no break before closing punctuation"
//! rule), and an emergency break between any two characters when a single word is wider than
//! the line. Lines are broken in logical order; a line holding right-to-left text (Arabic,
//! Hebrew) is then put in visual order by the Unicode bidi algorithm's levels, cluster by
//! cluster, so those words read correctly inside an otherwise left-to-right document.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use rustybuzz::{Direction, Face, Language, Script, ShapePlan, UnicodeBuffer};

use crate::RenderError;

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// The most characters of a single-line label that are shaped (more never fit on a page).
const FITTED_CHARS: usize = 400;

/// The two weights the report uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One face: the shaper's view and krilla's (for embedding), plus vertical metrics in em.
struct Face2 {
    shaper: Face<'static>,
    pdf: Font,
    units_per_em: f32,
    /// Ascender plus (negative) descender, in em: twice the baseline's offset from the centre.
    ascent_minus_descent: f32,
}

impl Face2 {
    fn load(data: &'static [u8]) -> Result<Self, RenderError> {
        let shaper = Face::from_slice(data, 0).ok_or(RenderError::Font)?;
        let pdf = Font::new(data.into(), 0).ok_or(RenderError::Font)?;
        let units_per_em = f32::from(shaper.units_per_em().max(1) as u16);
        let ascent_minus_descent =
            (f32::from(shaper.ascender()) + f32::from(shaper.descender())) / units_per_em;
        Ok(Face2 {
            shaper,
            pdf,
            units_per_em,
            ascent_minus_descent,
        })
    }
}

/// The fonts of a render, loaded once and shared by every layout step.
pub(crate) struct Fonts {
    regular: Face2,
    bold: Face2,
    /// Shape plans by weight, script and language. Building a plan reads the font's layout
    /// tables and costs more than shaping a short string, so tables of thousands of cells
    /// would otherwise spend most of their time re-planning.
    plans: RefCell<Vec<PlanEntry>>,
}

/// A cached shape plan and what it was made for.
struct PlanEntry {
    weight: Weight,
    script: Script,
    language: Option<Language>,
    plan: Rc<ShapePlan>,
}

/// One line of shaped text, ready to draw: the glyphs with byte ranges into `text`.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub text: String,
    pub glyphs: Vec<KrillaGlyph>,
    /// Advance width in em (multiply by the font size for points).
    pub width_em: f32,
    pub weight: Weight,
}

impl Line {
    /// The width at `size` points.
    pub(crate) fn width(&self, size: f32) -> f32 {
        self.width_em * size
    }

    /// The line with `em` of extra space between characters (letter-spacing for capitals).
    pub(crate) fn tracked(mut self, em: f32) -> Line {
        let count = self.glyphs.len();
        for i in 0..count {
            // Space goes after the last glyph of each cluster only, so marks stay on their base.
            let ends_cluster = match (self.glyphs.get(i), self.glyphs.get(i + 1)) {
                (Some(this), Some(next)) => this.text_range != next.text_range,
                _ => false,
            };
            if let Some(glyph) = self.glyphs.get_mut(i).filter(|_| ends_cluster) {
                glyph.x_advance += em;
                self.width_em += em;
            }
        }
        self
    }
}

/// A cluster: the glyphs that render one or more characters that must stay together.
#[derive(Debug, Clone)]
struct Cluster {
    bytes: Range<usize>,
    glyphs: Range<usize>,
    advance: f32,
    space: bool,
}

/// A shaped run of text before it is cut into lines.
struct Shaped<'t> {
    text: &'t str,
    glyphs: Vec<Glyph>,
    clusters: Vec<Cluster>,
    /// The bidi embedding level of each cluster, when the text has right-to-left characters.
    levels: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy)]
struct Glyph {
    id: u32,
    advance: f32,
    x_offset: f32,
    y_offset: f32,
}

impl Fonts {
    /// Loads the embedded DejaVu Sans faces.
    pub(crate) fn load() -> Result<Self, RenderError> {
        Ok(Fonts {
            regular: Face2::load(REGULAR_TTF)?,
            bold: Face2::load(BOLD_TTF)?,
            plans: RefCell::new(Vec::new()),
        })
    }

    fn face(&self, weight: Weight) -> &Face2 {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// krilla's font for drawing `weight`.
    pub(crate) fn pdf_font(&self, weight: Weight) -> Font {
        self.face(weight).pdf.clone()
    }

    /// Distance from the top of a line box of height `line_height` to the baseline of text of
    /// `size` points, the glyphs' ascent-to-descent span centred in the box (as CSS does).
    pub(crate) fn baseline(&self, size: f32, line_height: f32) -> f32 {
        line_height / 2.0 + self.regular.ascent_minus_descent / 2.0 * size
    }

    /// The shape plan for `buffer`'s (already guessed) script and language, from the cache.
    fn plan(&self, weight: Weight, buffer: &UnicodeBuffer) -> Rc<ShapePlan> {
        let script = buffer.script();
        let language = buffer.language();
        let matches = |entry: &&PlanEntry| {
            entry.weight == weight && entry.script == script && entry.language == language
        };
        if let Ok(plans) = self.plans.try_borrow()
            && let Some(entry) = plans.iter().find(matches)
        {
            return Rc::clone(&entry.plan);
        }
        let plan = Rc::new(ShapePlan::new(
            &self.face(weight).shaper,
            buffer.direction(),
            Some(script),
            language.as_ref(),
            &[],
        ));
        if let Ok(mut plans) = self.plans.try_borrow_mut() {
            plans.push(PlanEntry {
                weight,
                script,
                language,
                plan: Rc::clone(&plan),
            });
        }
        plan
    }

    fn shape<'t>(&self, text: &'t str, weight: Weight) -> Shaped<'t> {
        let face = self.face(weight);
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        // Always left to right: clusters then rise monotonically, which line breaking relies on.
        buffer.set_direction(Direction::LeftToRight);
        let plan = self.plan(weight, &buffer);
        let output = rustybuzz::shape_with_plan(&face.shaper, &plan, buffer);
        let upem = face.units_per_em;

        let mut glyphs = Vec::with_capacity(output.len());
        let mut clusters: Vec<Cluster> = Vec::new();
        for (info, pos) in output.glyph_infos().iter().zip(output.glyph_positions()) {
            let glyph = Glyph {
                id: info.glyph_id,
                advance: pos.x_advance as f32 / upem,
                x_offset: pos.x_offset as f32 / upem,
                y_offset: pos.y_offset as f32 / upem,
            };
            let index = glyphs.len();
            glyphs.push(glyph);
            let start = info.cluster as usize;
            // A new cluster only where the text position moves forward onto a character
            // boundary; anything else (which a left-to-right shape should not produce) joins
            // the current cluster, so byte ranges always stay valid.
            let starts_new = match clusters.last() {
                None => true,
                Some(last) => {
                    start > last.bytes.start && start <= text.len() && text.is_char_boundary(start)
                }
            };
            if starts_new {
                if let Some(last) = clusters.last_mut() {
                    last.bytes.end = start;
                }
                let begin = if clusters.is_empty() { 0 } else { start };
                clusters.push(Cluster {
                    bytes: begin..text.len(),
                    glyphs: index..index + 1,
                    advance: glyph.advance,
                    space: false,
                });
            } else if let Some(last) = clusters.last_mut() {
                last.glyphs.end = index + 1;
                last.advance += glyph.advance;
            }
        }
        for cluster in &mut clusters {
            cluster.space = text
                .get(cluster.bytes.clone())
                .is_some_and(|s| !s.is_empty() && s.chars().all(is_break_space));
        }
        let levels = bidi_levels(text, &clusters);
        Shaped {
            text,
            glyphs,
            clusters,
            levels,
        }
    }

    /// Shapes `text` as a single line (no wrapping).
    pub(crate) fn line(&self, text: &str, weight: Weight) -> Line {
        let shaped = self.shape(text, weight);
        let count = shaped.clusters.len();
        shaped.line(0..count, weight)
    }

    /// Shapes `text` as one line, shortened with an ellipsis to fit `max_width` at `size`.
    pub(crate) fn line_fitted(
        &self,
        text: &str,
        weight: Weight,
        size: f32,
        max_width: f32,
    ) -> Line {
        // No line is wider than the page: beyond a few hundred characters nothing can show,
        // so a huge label is cut before it is shaped.
        let text = match text.char_indices().nth(FITTED_CHARS) {
            Some((end, _)) => text.get(..end).unwrap_or(text),
            None => text,
        };
        let shaped = self.shape(text, weight);
        let width: f32 = shaped.clusters.iter().map(|c| c.advance).sum::<f32>() * size;
        if width <= max_width || text.is_empty() {
            return shaped.line(0..shaped.clusters.len(), weight);
        }
        let ellipsis = self.line("…", weight).width(size);
        let mut width = 0.0;
        let mut end = 0;
        for cluster in &shaped.clusters {
            if width + cluster.advance * size + ellipsis > max_width {
                break;
            }
            width += cluster.advance * size;
            end = cluster.bytes.end;
        }
        let prefix = text.get(..end).unwrap_or("").trim_end();
        self.line(&format!("{prefix}…"), weight)
    }

    /// Breaks `text` into lines no wider than `max_width` points at `size` points. Newlines
    /// in `text` are hard breaks; an empty text gives no lines.
    pub(crate) fn wrap(&self, text: &str, weight: Weight, size: f32, max_width: f32) -> Vec<Line> {
        let max_em = if size > 0.0 && max_width.is_finite() {
            (max_width / size).max(0.0)
        } else {
            0.0
        };
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let paragraph = paragraph.trim();
            if paragraph.is_empty() {
                continue;
            }
            let shaped = self.shape(paragraph, weight);
            for range in shaped.break_lines(max_em) {
                lines.push(shaped.line(range, weight));
            }
        }
        lines
    }

    /// Like [`Fonts::wrap`], but at most `max_lines` lines, the last one shortened with an
    /// ellipsis when text was left over.
    pub(crate) fn wrap_limited(
        &self,
        text: &str,
        weight: Weight,
        size: f32,
        max_width: f32,
        max_lines: usize,
    ) -> Vec<Line> {
        let mut lines = self.wrap(text, weight, size, max_width);
        if lines.len() > max_lines {
            let rest: Vec<&str> = lines
                .get(max_lines.saturating_sub(1)..)
                .unwrap_or_default()
                .iter()
                .map(|l| l.text.as_str())
                .collect();
            let last = self.line_fitted(&format!("{} …", rest.join(" ")), weight, size, max_width);
            lines.truncate(max_lines.saturating_sub(1));
            if max_lines > 0 {
                lines.push(last);
            }
        }
        lines
    }
}

impl Shaped<'_> {
    /// The character just before and the one at the start of cluster `i`.
    fn chars_around(&self, i: usize) -> (Option<char>, Option<char>) {
        let Some(cluster) = self.clusters.get(i) else {
            return (None, None);
        };
        let before = self
            .text
            .get(..cluster.bytes.start)
            .and_then(|s| s.chars().next_back());
        let at = self
            .text
            .get(cluster.bytes.start..)
            .and_then(|s| s.chars().next());
        (before, at)
    }

    /// Greedy line filling over clusters: ranges of cluster indices, trailing spaces dropped.
    fn break_lines(&self, max_em: f32) -> Vec<Range<usize>> {
        let count = self.clusters.len();
        let mut lines = Vec::new();
        let mut start = self.skip_spaces(0);
        let mut i = start;
        let mut width = 0.0f32;
        let mut last_break: Option<usize> = None;
        while i < count {
            let Some(cluster) = self.clusters.get(i) else {
                break;
            };
            if i > start && self.can_break_before(i) {
                last_break = Some(i);
            }
            if cluster.space {
                width += cluster.advance;
                i += 1;
                continue;
            }
            if i > start && width + cluster.advance > max_em {
                let at = last_break.filter(|&b| b > start).unwrap_or(i);
                lines.push(start..self.trim_spaces(start, at));
                start = self.skip_spaces(at);
                i = start;
                width = 0.0;
                last_break = None;
                continue;
            }
            width += cluster.advance;
            i += 1;
        }
        if start < count {
            lines.push(start..self.trim_spaces(start, count));
        }
        lines
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        while self.clusters.get(i).is_some_and(|c| c.space) {
            i += 1;
        }
        i
    }

    fn trim_spaces(&self, start: usize, mut end: usize) -> usize {
        while end > start && self.clusters.get(end - 1).is_some_and(|c| c.space) {
            end -= 1;
        }
        end
    }

    /// Whether a line may end before cluster `i` (which is not the first of the line).
    fn can_break_before(&self, i: usize) -> bool {
        let (Some(before), Some(at)) = self.chars_around(i) else {
            return false;
        };
        if is_break_space(at) {
            return false;
        }
        if is_break_space(before) {
            return true;
        }
        if no_break_before(at) || no_break_after(before) {
            return false;
        }
        match before {
            '-' | '\u{2010}' | '\u{00AD}' => at.is_alphabetic(),
            '\u{2013}' | '\u{2014}' | '/' => at.is_alphanumeric(),
            _ => is_ideographic(before) || is_ideographic(at),
        }
    }

    /// The drawable line made of clusters `range`.
    fn line(&self, range: Range<usize>, weight: Weight) -> Line {
        let first = self.clusters.get(range.start);
        let last = range.end.checked_sub(1).and_then(|i| self.clusters.get(i));
        let (Some(first), Some(last)) = (first, last) else {
            return Line {
                text: String::new(),
                glyphs: Vec::new(),
                width_em: 0.0,
                weight,
            };
        };
        let base = first.bytes.start;
        let text = self
            .text
            .get(base..last.bytes.end)
            .unwrap_or_default()
            .to_owned();
        let mut glyphs = Vec::new();
        let mut width_em = 0.0;
        for cluster in self
            .visual_order(range)
            .into_iter()
            .filter_map(|i| self.clusters.get(i))
        {
            let bytes = cluster.bytes.start - base..cluster.bytes.end - base;
            for glyph in self.glyphs.get(cluster.glyphs.clone()).unwrap_or_default() {
                glyphs.push(KrillaGlyph::new(
                    GlyphId::new(glyph.id),
                    glyph.advance,
                    glyph.x_offset,
                    glyph.y_offset,
                    0.0,
                    bytes.clone(),
                    None,
                ));
            }
            width_em += cluster.advance;
        }
        Line {
            text,
            glyphs,
            width_em,
            weight,
        }
    }

    /// The cluster indices of `range` in display order: logical order, with runs of
    /// right-to-left levels reversed from the highest level down (rule L2 of the bidi
    /// algorithm).
    fn visual_order(&self, range: Range<usize>) -> Vec<usize> {
        let mut order: Vec<usize> = range.collect();
        let Some(levels) = &self.levels else {
            return order;
        };
        let level = |i: &usize| levels.get(*i).copied().unwrap_or(0);
        let highest = order.iter().map(level).max().unwrap_or(0);
        let lowest_odd = order.iter().map(level).min().unwrap_or(0) | 1;
        for current in (lowest_odd..=highest).rev() {
            let mut start = 0;
            while start < order.len() {
                if order.get(start).map_or(0, level) < current {
                    start += 1;
                    continue;
                }
                let mut end = start;
                while order.get(end).is_some_and(|i| level(i) >= current) {
                    end += 1;
                }
                if let Some(run) = order.get_mut(start..end) {
                    run.reverse();
                }
                start = end;
            }
        }
        order
    }
}

/// The bidi level of each cluster, or `None` for text without right-to-left characters
/// (nearly all of it, which then skips the analysis).
fn bidi_levels(text: &str, clusters: &[Cluster]) -> Option<Vec<u8>> {
    if !text.chars().any(is_rtl) {
        return None;
    }
    let info = unicode_bidi::ParagraphBidiInfo::new(text, None);
    Some(
        clusters
            .iter()
            .map(|c| info.levels.get(c.bytes.start).map_or(0, |l| l.number()))
            .collect(),
    )
}

/// Characters of the right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko, …) and
/// the explicit right-to-left marks and overrides.
fn is_rtl(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x08FF
        | 0xFB1D..=0xFDFF
        | 0xFE70..=0xFEFF
        | 0x10800..=0x10FFF
        | 0x1E800..=0x1EFFF
        | 0x200F
        | 0x202B
        | 0x202E
        | 0x2067)
}

/// Spaces a line may break after (not the no-break spaces).
fn is_break_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{00A0}' | '\u{202F}' | '\u{2007}' | '\u{2060}')
}

/// Characters that behave like ideographs for line breaking: a break is allowed on either
/// side of them (CJK, kana, hangul, fullwidth forms, emoji).
fn is_ideographic(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF
        | 0x2E80..=0x2FFF
        | 0x3040..=0x30FF
        | 0x3100..=0x31FF
        | 0x3200..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA960..=0xA97F
        | 0xAC00..=0xD7FF
        | 0xF900..=0xFAFF
        | 0xFF00..=0xFFEF
        | 0x1F000..=0x1FAFF
        | 0x20000..=0x3FFFF)
}

/// Closing punctuation that must not start a line.
fn no_break_before(c: char) -> bool {
    matches!(
        c,
        ')' | ']'
            | '}'
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | '%'
            | '\u{2019}'
            | '\u{201D}'
            | '、'
            | '。'
            | '，'
            | '．'
            | '：'
            | '；'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〉'
            | '》'
            | '〕'
            | '｝'
            | '］'
            | 'ー'
            | '・'
            | '\u{200D}'
            | '\u{FE0F}'
    ) || ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

/// Opening punctuation that must not end a line.
fn no_break_after(c: char) -> bool {
    matches!(
        c,
        '(' | '['
            | '{'
            | '\u{2018}'
            | '\u{201C}'
            | '（'
            | '「'
            | '『'
            | '【'
            | '〈'
            | '《'
            | '〔'
            | '｛'
            | '［'
            | '\u{200D}'
    )
}

/// Makes user text safe to lay out: control characters become spaces (or are dropped), tabs
/// become spaces; newlines are kept when `keep_newlines`, else they become spaces too.
pub(crate) fn clean(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\r' => {}
            '\n' | '\t' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Result<Fonts, RenderError> {
        Fonts::load()
    }

    #[test]
    fn wraps_at_spaces_within_width() -> Result<(), RenderError> {
        let fonts = fonts()?;
        let text = "The quick brown fox jumps over the lazy dog and keeps running far away";
        let lines = fonts.wrap(text, Weight::Regular, 10.0, 120.0);
        assert!(lines.len() > 2, "{} lines", lines.len());
        for line in &lines {
            assert!(line.width(10.0) <= 120.0, "{:?} too wide", line.text);
            assert!(!line.text.starts_with(' ') && !line.text.ends_with(' '));
        }
        let joined: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined.join(" "), text);
        Ok(())
    }

    #[test]
    fn breaks_long_words_and_keeps_every_character() -> Result<(), RenderError> {
        let fonts = fonts()?;
        let word = "x".repeat(500);
        let lines = fonts.wrap(&word, Weight::Bold, 9.0, 80.0);
        assert!(lines.len() > 10);
        assert!(lines.iter().all(|l| l.width(9.0) <= 80.0));
        assert_eq!(lines.iter().map(|l| l.text.len()).sum::<usize>(), 500);
        Ok(())
    }

    #[test]
    fn glyph_ranges_stay_inside_the_line_text() -> Result<(), RenderError> {
        let fonts = fonts()?;
        let text = "Ünïcödé 漢字かな한국어 emoji 😀👍🏽 👨‍👩‍👧 e\u{301} done";
        for line in fonts.wrap(text, Weight::Regular, 10.0, 60.0) {
            for glyph in &line.glyphs {
                assert!(line.text.get(glyph.text_range.clone()).is_some());
            }
        }
        Ok(())
    }

    #[test]
    fn right_to_left_words_are_drawn_in_visual_order() -> Result<(), RenderError> {
        let fonts = fonts()?;
        let line = fonts.line("ab שלום cd", Weight::Regular);
        let first: Vec<&str> = line
            .glyphs
            .iter()
            .filter_map(|g| line.text.get(g.text_range.clone()))
            .collect();
        // Left to right on the page: "ab ", then the Hebrew word from its last letter, " cd".
        assert_eq!(first.join(""), "ab םולש cd");
        Ok(())
    }

    #[test]
    fn cjk_breaks_between_ideographs() -> Result<(), RenderError> {
        let fonts = fonts()?;
        let lines = fonts.wrap(&"漢字".repeat(40), Weight::Regular, 10.0, 100.0);
        assert!(lines.len() > 3);
        Ok(())
    }

    #[test]
    fn fitted_lines_get_an_ellipsis() -> Result<(), RenderError> {
        let fonts = fonts()?;
        let line = fonts.line_fitted("A rather long label for a bar", Weight::Regular, 9.0, 60.0);
        assert!(line.width(9.0) <= 60.0);
        assert!(line.text.ends_with('…'));
        Ok(())
    }

    #[test]
    fn cleaning_drops_controls() {
        assert_eq!(clean("a\tb\u{7}c\r\nd", true), "a bc\nd");
        assert_eq!(clean("a\nb", false), "a b");
    }
}
