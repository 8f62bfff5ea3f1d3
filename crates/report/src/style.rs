//! The report's look in one place: page geometry, type scale and palette.
//!
//! Every layout module reads its sizes and colours from here so that the document keeps one
//! consistent rhythm (a restrained palette: one accent, greys, and green/amber/red only where a
//! value is judged), and a design change is a change to this file alone.

use crate::Tone;

/// A colour in sRGB, 0–255 per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Mixes `self` towards `other`; `t` = 0 gives `self`, 1 gives `other`.
    pub(crate) fn mix(self, other: Rgb, t: f64) -> Rgb {
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let channel = |a: u8, b: u8| -> u8 {
            let v = f64::from(a) + (f64::from(b) - f64::from(a)) * t;
            // Clamped to the channel range first, so the cast cannot truncate.
            v.round().clamp(0.0, 255.0) as u8
        };
        Rgb(
            channel(self.0, other.0),
            channel(self.1, other.1),
            channel(self.2, other.2),
        )
    }
}

// ---------------------------------------------------------------- page ----

/// A4 portrait in PostScript points.
pub(crate) const PAGE_WIDTH: f32 = 595.276;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
/// Left and right margin (20 mm): generous, and the same on both sides.
pub(crate) const MARGIN_X: f32 = 56.7;
/// Where the flowing content starts on a page (below the running head).
pub(crate) const CONTENT_TOP: f32 = 70.0;
/// Where the flowing content must end (above the footer rule).
pub(crate) const CONTENT_BOTTOM: f32 = PAGE_HEIGHT - 72.0;
/// The running head's baseline (pages after the cover).
pub(crate) const HEAD_BASELINE: f32 = 40.0;
/// The footer's rule and baseline.
pub(crate) const FOOTER_RULE_Y: f32 = PAGE_HEIGHT - 52.0;
pub(crate) const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 38.0;

/// The width available to content.
pub(crate) const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;

// ---------------------------------------------------------------- type ----

/// The cover's main heading.
pub(crate) const SIZE_TITLE: f32 = 26.0;
/// The cover's subheading.
pub(crate) const SIZE_LEAD: f32 = 13.0;
/// `Block::Heading`.
pub(crate) const SIZE_H1: f32 = 15.0;
/// `Block::SubHeading` and chart titles.
pub(crate) const SIZE_H2: f32 = 11.0;
/// Body text.
pub(crate) const SIZE_BODY: f32 = 10.0;
/// Table cells and key/value rows.
pub(crate) const SIZE_TABLE: f32 = 9.0;
/// Notes, captions, chart labels.
pub(crate) const SIZE_SMALL: f32 = 8.5;
/// Axis labels, footer and running head.
pub(crate) const SIZE_TINY: f32 = 7.5;

/// Line height as a multiple of the font size for running text.
pub(crate) const LEADING: f32 = 1.45;
/// Line height for compact text (table cells, labels).
pub(crate) const LEADING_TIGHT: f32 = 1.3;

// -------------------------------------------------------------- colour ----

/// Body text: a very dark slate rather than pure black, softer on paper.
pub(crate) const INK: Rgb = Rgb(0x1F, 0x29, 0x37);
/// Secondary text: labels, table headers.
pub(crate) const INK_SOFT: Rgb = Rgb(0x4B, 0x55, 0x63);
/// Tertiary text: notes, axis labels, footer.
pub(crate) const MUTED: Rgb = Rgb(0x7B, 0x85, 0x93);
/// Hairlines and tracks.
pub(crate) const RULE: Rgb = Rgb(0xDC, 0xE1, 0xE7);
/// The table header rule and axis lines.
pub(crate) const RULE_STRONG: Rgb = Rgb(0x9A, 0xA3, 0xAE);
/// Zebra stripes and empty chart backgrounds.
pub(crate) const ZEBRA: Rgb = Rgb(0xF4, 0xF6, 0xF8);
/// The one accent colour.
pub(crate) const ACCENT: Rgb = Rgb(0x1D, 0x4E, 0x89);
/// The accent, very light (heatmap low end, neutral callouts).
pub(crate) const ACCENT_TINT: Rgb = Rgb(0xEA, 0xF0, 0xF7);
pub(crate) const WHITE: Rgb = Rgb(0xFF, 0xFF, 0xFF);

pub(crate) const GOOD: Rgb = Rgb(0x2F, 0x85, 0x5A);
pub(crate) const WARNING: Rgb = Rgb(0xC2, 0x7C, 0x0E);
pub(crate) const BAD: Rgb = Rgb(0xC5, 0x30, 0x30);

/// Grey for "not enough data" cells and their hatching.
pub(crate) const EMPTY_CELL: Rgb = Rgb(0xF1, 0xF2, 0xF4);
pub(crate) const HATCH: Rgb = Rgb(0xC4, 0xCA, 0xD2);

/// The strong colour of a tone (bars, callout bars, the score ring).
pub(crate) fn tone_color(tone: Tone) -> Rgb {
    match tone {
        Tone::Good => GOOD,
        Tone::Warning => WARNING,
        Tone::Bad => BAD,
        Tone::Neutral => ACCENT,
    }
}

/// The light background of a tone (callout boxes).
pub(crate) fn tone_tint(tone: Tone) -> Rgb {
    match tone {
        Tone::Neutral => ACCENT_TINT,
        other => tone_color(other).mix(WHITE, 0.9),
    }
}

/// The text colour of a callout title: the tone, darkened for contrast on its tint.
pub(crate) fn tone_ink(tone: Tone) -> Rgb {
    tone_color(tone).mix(Rgb(0, 0, 0), 0.2)
}

/// The tone a 0–100 score reads as.
pub(crate) fn score_tone(value: f64) -> Tone {
    if !value.is_finite() {
        Tone::Neutral
    } else if value >= 70.0 {
        Tone::Good
    } else if value >= 40.0 {
        Tone::Warning
    } else {
        Tone::Bad
    }
}
