//! Emoji sentiment for every language: the Emoji Sentiment Ranking v1.0 (Kralj Novak,
//! Smailović, Sluban, Mozetič, "Sentiment of Emojis", PLoS ONE 10(12), 2015; CC BY-SA 4.0,
//! see `data/LICENSES.md`).
//!
//! Per emoji the paper's sentiment score is the mean of the Laplace-smoothed distribution over
//! {−1, 0, +1}: with `N` occurrences of which `n₋` negative and `n₊` positive,
//! `p₋ = (n₋ + 1)/(N + 3)`, `p₊ = (n₊ + 1)/(N + 3)` and `s = p₊ − p₋ = (n₊ − n₋)/(N + 3)`.
//! Emojis seen fewer than [`MIN_OCCURRENCES`] times in the paper's corpus are ignored (their
//! score is mostly the prior). A text's emoji score is the mean of `s` over its emoji
//! occurrences that have a score; variation selectors and skin-tone modifiers carry none.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use rustc_hash::FxHasher;

/// Emojis with fewer occurrences in the ranking's corpus are not scored.
pub const MIN_OCCURRENCES: u32 = 5;

pub(crate) struct EmojiSentiment {
    scores: HashMap<char, f64, BuildHasherDefault<FxHasher>>,
}

/// The mean emoji score of a text and how many emoji occurrences it averaged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EmojiScore {
    pub score: f64,
    pub count: usize,
}

impl EmojiSentiment {
    pub(crate) fn new(csv: &str) -> Self {
        let mut scores = HashMap::default();
        // Header: Emoji,Unicode codepoint,Occurrences,Position,Negative,Neutral,Positive,...
        for line in csv.lines().skip(1) {
            let fields: Vec<&str> = line.splitn(8, ',').collect();
            let [emoji, _, occurrences, _, negative, _, positive, ..] = fields.as_slice() else {
                continue;
            };
            let mut chars = emoji.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                continue;
            };
            let (Ok(n), Ok(neg), Ok(pos)) = (
                occurrences.parse::<u32>(),
                negative.parse::<u32>(),
                positive.parse::<u32>(),
            ) else {
                continue;
            };
            if n < MIN_OCCURRENCES {
                continue;
            }
            let score = (f64::from(pos) - f64::from(neg)) / (f64::from(n) + 3.0);
            scores.insert(c, score);
        }
        EmojiSentiment { scores }
    }

    /// The mean score over the text's ranked emoji occurrences; `None` when it has none.
    pub(crate) fn score(&self, text: &str) -> Option<EmojiScore> {
        let (mut sum, mut count) = (0.0, 0usize);
        for c in text.chars().filter(|c| !c.is_ascii()) {
            if let Some(s) = self.scores.get(&c) {
                sum += s;
                count += 1;
            }
        }
        (count > 0).then(|| EmojiScore {
            score: sum / count as f64,
            count,
        })
    }
}
