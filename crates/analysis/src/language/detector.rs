//! Our implementation of lingua 1.8's high-accuracy `compute_language_confidence_values` over
//! its own models, for the 25 languages.
//!
//! The steps are lingua's, in its order: split the lower-cased text into words; a language
//! the characters alone decide gets confidence 1 ([`Rules::detect`]); otherwise the candidate
//! languages are narrowed by alphabet and letters ([`Rules::filter`]; one left gets 1). Then
//! for each n-gram order (1 to 5 below 120 characters, trigrams alone from 120), each distinct
//! n-gram of the words adds to each candidate's sum the log probability of the n-gram or of its
//! longest prefix the candidate's model knows. A candidate's score is the sum of its negative
//! order sums, divided by the number of distinct unigrams its model knows (short texts), and
//! its confidence `exp(score)` over the sum of those of all candidates with a non-zero score.
//! When every `exp` underflows, the best first-order sum gets 1.
//!
//! The only difference from lingua is where the probabilities come from: the shared memo of
//! [`NgramModels`] rather than one FST walk per n-gram, prefix and language. The sums run over
//! the same terms in another order (lingua follows a hash set's order, which changes from call
//! to call), so confidences agree to rounding.

use std::cmp::Ordering;

use lingua::Language;

use super::ngrams::{NgramModels, ngram_key};
use super::rules::{Rules, for_each};
use super::script::CharClasses;
use super::{LANGUAGE_COUNT, LANGUAGES, detector_input, iso_code};

/// Texts of this many characters (in words) or more are scored with trigrams alone.
const LONG_TEXT_CHARS: usize = 120;

pub(crate) struct Detector {
    classes: CharClasses,
    rules: Rules,
    models: NgramModels,
}

impl Detector {
    pub(crate) fn new() -> Self {
        Detector {
            classes: CharClasses::new(),
            rules: Rules::new(),
            models: NgramModels::new(),
        }
    }

    /// The most likely language and its confidence, or `None`.
    pub(crate) fn detect(&self, text: &str) -> Option<(&'static str, f64)> {
        let input = detector_input(text)?;
        let ranked = ranked(&self.confidence_values(&input));
        // lingua's `detect_language_of` rules: nothing when the top value is 0 or tied.
        let (top, top_value) = *ranked.first()?;
        if top_value <= 0.0 {
            return None;
        }
        if let Some((_, second)) = ranked.get(1)
            && (top_value - second).abs() < f64::EPSILON
        {
            return None;
        }
        Some((iso_code(top), top_value))
    }

    /// lingua's confidence value of each language (index of [`LANGUAGES`]) for a text.
    pub(crate) fn confidence_values(&self, text: &str) -> [f64; LANGUAGE_COUNT] {
        let mut values = [0.0; LANGUAGE_COUNT];
        let lowered = text.trim().to_lowercase();
        let words = self.classes.words(&lowered);
        if words.is_empty() {
            return values;
        }
        if let Some(language) = self.rules.detect(&words, &self.classes) {
            values[language] = 1.0;
            return values;
        }
        let candidates = self.rules.filter(&words, &self.classes);
        if candidates.count_ones() == 1 {
            values[candidates.trailing_zeros() as usize] = 1.0;
            return values;
        }

        let char_count: usize = words.iter().map(|word| word.chars().count()).sum();
        let orders = if char_count >= LONG_TEXT_CHARS {
            3..=3
        } else {
            1..=5
        };
        let mut totals = [0.0f64; LANGUAGE_COUNT];
        let mut first_order_sums: Option<[f64; LANGUAGE_COUNT]> = None;
        let mut known_unigrams: Option<[u32; LANGUAGE_COUNT]> = None;
        let mut ngrams: Vec<(u128, &str)> = Vec::new();
        for order in orders {
            if char_count < order {
                continue;
            }
            distinct_ngrams(&words, order, &mut ngrams);
            let mut sums = [0.0f64; LANGUAGE_COUNT];
            let mut known = [0u32; LANGUAGE_COUNT];
            for &(key, ngram) in &ngrams {
                let scores = self.models.scores(ngram, key);
                for_each(candidates, |language| {
                    sums[language] += scores.log_probability[language];
                });
                if order == 1 {
                    for_each(candidates & scores.known_by, |language| {
                        known[language] += 1
                    });
                }
            }
            // An order adds to a language only with a negative sum (lingua keeps no entry else).
            for_each(candidates, |language| {
                if sums[language] < 0.0 {
                    totals[language] += sums[language];
                } else {
                    sums[language] = 0.0;
                }
            });
            first_order_sums.get_or_insert(sums);
            if order == 1 {
                known_unigrams = Some(known);
            }
        }

        let mut probabilities = [0.0f64; LANGUAGE_COUNT];
        let mut scored = 0u32;
        for_each(candidates, |language| {
            let mut total = totals[language];
            if let Some(known) = known_unigrams
                && known[language] > 0
            {
                total /= f64::from(known[language]);
            }
            if total != 0.0 {
                probabilities[language] = total.exp();
                scored |= 1 << language;
            }
        });
        if scored == 0 {
            return values;
        }
        let mut denominator = 0.0;
        for_each(scored, |language| denominator += probabilities[language]);
        if denominator == 0.0 {
            // Every exp underflowed (long texts): the best first-order sum takes it all.
            let mut best: Option<usize> = None;
            if let Some(sums) = first_order_sums {
                for_each(candidates, |language| {
                    if sums[language] < 0.0
                        && best.is_none_or(|b| sums[language].total_cmp(&sums[b]).is_gt())
                    {
                        best = Some(language);
                    }
                });
            }
            if let Some(best) = best {
                values[best] = 1.0;
            }
            return values;
        }
        for_each(scored, |language| {
            values[language] = probabilities[language] / denominator;
        });
        values
    }
}

/// Confidence values in lingua's order: highest first, equal values by language.
pub(crate) fn ranked(values: &[f64; LANGUAGE_COUNT]) -> Vec<(Language, f64)> {
    let mut ranked: Vec<(Language, f64)> = LANGUAGES.iter().copied().zip(*values).collect();
    ranked.sort_by(|a, b| {
        b.1.partial_cmp(&a.1)
            .unwrap_or(Ordering::Equal)
            .then(a.0.cmp(&b.0))
    });
    ranked
}

/// The distinct n-grams of one order within the words, with their keys.
fn distinct_ngrams<'w>(words: &[&'w str], order: usize, out: &mut Vec<(u128, &'w str)>) {
    out.clear();
    let mut boundaries: Vec<usize> = Vec::new();
    for word in words {
        boundaries.clear();
        boundaries.extend(word.char_indices().map(|(i, _)| i));
        boundaries.push(word.len());
        if boundaries.len() <= order {
            continue;
        }
        for start in 0..boundaries.len() - order {
            let ngram = &word[boundaries[start]..boundaries[start + order]];
            out.push((ngram_key(ngram), ngram));
        }
    }
    out.sort_unstable_by_key(|&(key, _)| key);
    out.dedup_by_key(|&mut (key, _)| key);
}
