//! Content category by hashtag and keyword rules (`rules/1`).
//!
//! The word lists live in `data/categories/<category>.txt`, one file per category, compiled in:
//! a `[tags]` section (hashtags, without `#`) and a `[words]` section (keywords, one line per
//! language with an optional `xx:` prefix that only documents the language). Matching is one
//! pass over the lowercased caption:
//! * a hashtag (`#foodporn`) matches the tag lists, then the keyword lists, and weighs
//!   [`HASHTAG_WEIGHT`];
//! * a word token matches the keyword lists as a whole word and weighs [`WORD_WEIGHT`];
//! * keywords in scripts written without spaces (Han, kana, Hangul, Thai) are matched as
//!   substrings with one Aho-Corasick automaton.
//!
//! A category's score is the sum of its weights. The result is the top category with
//! `confidence = share × (1 − 0.5^top)`, where `share` is the top score over the sum of all
//! scores (ties and mixed evidence lower it) and the second factor grows with the amount of
//! evidence (one keyword 0.5, one hashtag 0.75, ...). No evidence, no category: "lifestyle" is
//! a category with its own words, not a fallback.

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasherDefault;
use std::str::FromStr;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;

use rustc_hash::FxHasher;

/// Weight of a matched hashtag.
pub const HASHTAG_WEIGHT: f64 = 2.0;
/// Weight of a matched keyword.
pub const WORD_WEIGHT: f64 = 1.0;

macro_rules! categories {
    ($($variant:ident => $name:literal, $label:literal;)*) => {
        /// The content taxonomy.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Category { $($variant),* }

        impl Category {
            /// Every category, in a fixed order (also the tie-break order).
            pub const ALL: [Category; 20] = [$(Category::$variant),*];

            /// The stable identifier (`"food"`).
            pub fn as_str(self) -> &'static str {
                match self { $(Category::$variant => $name),* }
            }

            /// The display label (`"Food"`).
            pub fn label(self) -> &'static str {
                match self { $(Category::$variant => $label),* }
            }

            fn rules(self) -> &'static str {
                match self {
                    $(Category::$variant => include_str!(concat!("../data/categories/", $name, ".txt"))),*
                }
            }
        }

        impl FromStr for Category {
            type Err = UnknownCategory;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($name => Ok(Category::$variant),)* _ => Err(UnknownCategory(s.to_owned())) }
            }
        }
    };
}

categories! {
    Fashion => "fashion", "Fashion";
    Beauty => "beauty", "Beauty";
    Food => "food", "Food";
    Travel => "travel", "Travel";
    Fitness => "fitness", "Fitness";
    Tech => "tech", "Tech";
    Gaming => "gaming", "Gaming";
    Music => "music", "Music";
    Art => "art", "Art";
    Photography => "photography", "Photography";
    Family => "family", "Family";
    Pets => "pets", "Pets";
    Business => "business", "Business";
    Education => "education", "Education";
    Health => "health", "Health";
    Sports => "sports", "Sports";
    Home => "home", "Home";
    Automotive => "automotive", "Automotive";
    Entertainment => "entertainment", "Entertainment";
    Lifestyle => "lifestyle", "Lifestyle";
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCategory(pub String);

impl fmt::Display for UnknownCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown category {:?}", self.0)
    }
}

impl std::error::Error for UnknownCategory {}

/// The category of a text, with the evidence it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryGuess {
    pub category: Category,
    pub confidence: f64,
    /// The matched hashtags (`#foodporn`) and keywords (`pizza`), in text order, deduplicated.
    pub evidence: Vec<String>,
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

pub(crate) struct Rules {
    tags: FxMap<Box<str>, Vec<Category>>,
    words: FxMap<Box<str>, Vec<Category>>,
    unspaced: Option<Unspaced>,
}

/// Keywords of scripts without spaces, matched as substrings; pattern `i` is `entries[i]`.
struct Unspaced {
    automaton: AhoCorasick,
    entries: Vec<(Category, Box<str>)>,
}

impl Rules {
    pub(crate) fn new() -> Self {
        let mut tags: FxMap<Box<str>, Vec<Category>> = FxMap::default();
        let mut words: FxMap<Box<str>, Vec<Category>> = FxMap::default();
        let mut unspaced: Vec<(Category, Box<str>)> = Vec::new();
        for category in Category::ALL {
            let mut in_tags = false;
            for line in category.rules().lines() {
                let line = line.trim();
                match line {
                    "" => continue,
                    "[tags]" => in_tags = true,
                    "[words]" => in_tags = false,
                    _ if line.starts_with('#') => continue,
                    _ => {
                        let body = strip_language_prefix(line);
                        for entry in body.split_whitespace() {
                            let entry = entry.to_lowercase();
                            let target = if in_tags {
                                &mut tags
                            } else if entry.chars().any(is_unspaced_script) {
                                unspaced.push((category, entry.into_boxed_str()));
                                continue;
                            } else {
                                &mut words
                            };
                            let list = target.entry(entry.into_boxed_str()).or_default();
                            if !list.contains(&category) {
                                list.push(category);
                            }
                        }
                    }
                }
            }
        }
        let unspaced = if unspaced.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(unspaced.iter().map(|(_, w)| w.as_ref()))
                .ok()
                .map(|automaton| Unspaced {
                    automaton,
                    entries: unspaced,
                })
        };
        Rules {
            tags,
            words,
            unspaced,
        }
    }

    pub(crate) fn categorize(&self, text: &str) -> Option<CategoryGuess> {
        let lower = lowercase(text);
        let mut scores = [0.0f64; 20];
        let mut evidence: Vec<(Category, String)> = Vec::new();
        let mut add = |category: Category, weight: f64, what: String| {
            scores[category as usize] += weight;
            if !evidence.iter().any(|(c, e)| *c == category && *e == what) {
                evidence.push((category, what));
            }
        };

        // Mentions and links name accounts and sites, not the post's subject.
        let chunks = lower.split_whitespace().filter(|chunk| {
            let c =
                chunk.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '#');
            !(c.starts_with('@')
                || c.starts_with("http://")
                || c.starts_with("https://")
                || c.starts_with("www."))
        });
        for token in chunks.flat_map(tokens) {
            match token {
                Token::Hashtag(tag) => {
                    let hit = self.tags.get(tag).or_else(|| self.words.get(tag));
                    for category in hit.into_iter().flatten() {
                        add(*category, HASHTAG_WEIGHT, format!("#{tag}"));
                    }
                }
                Token::Word(word) => {
                    for category in self.words.get(word).into_iter().flatten() {
                        add(*category, WORD_WEIGHT, word.to_owned());
                    }
                }
            }
        }
        if let Some(Unspaced { automaton, entries }) = &self.unspaced
            && lower.chars().any(is_unspaced_script)
        {
            for m in automaton.find_iter(lower.as_str()) {
                if let Some((category, word)) = entries.get(m.pattern().as_usize()) {
                    add(*category, WORD_WEIGHT, word.to_string());
                }
            }
        }

        let total: f64 = scores.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let (best, top) = scores
            .iter()
            .enumerate()
            .fold(
                (0usize, 0.0f64),
                |acc, (i, s)| if *s > acc.1 { (i, *s) } else { acc },
            );
        let category = Category::ALL[best];
        let confidence = (top / total) * (1.0 - 0.5f64.powf(top));
        let evidence = evidence
            .into_iter()
            .filter(|(c, _)| *c == category)
            .map(|(_, e)| e)
            .collect();
        Some(CategoryGuess {
            category,
            confidence,
            evidence,
        })
    }
}

fn strip_language_prefix(line: &str) -> &str {
    match line.split_once(':') {
        Some((prefix, rest))
            if prefix.len() <= 3 && prefix.chars().all(|c| c.is_ascii_lowercase()) =>
        {
            rest
        }
        _ => line,
    }
}

/// Lowercase, dropping the combining dot that `İ` lowercases into (so "İstanbul" → "istanbul").
fn lowercase(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == 'İ' {
            out.push('i');
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Scripts written without spaces between words (or with particles glued to words).
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0E7F        // Thai
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF // Han
        | 0xAC00..=0xD7AF      // Hangul syllables
    )
}

/// Characters that belong to a word: letters, digits and the combining marks of scripts that
/// use them inside words (Devanagari virama, Arabic/Hebrew points, Thai vowels, ZWNJ).
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c as u32,
            0x0300..=0x036F | 0x0591..=0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F
            | 0x0900..=0x0DFF | 0x0E00..=0x0E7F | 0x200C | 0x200D)
}

#[derive(Debug, PartialEq)]
pub(crate) enum Token<'a> {
    Hashtag(&'a str),
    Word(&'a str),
}

/// Hashtags (`#` followed by word characters or `_`) and words, in text order.
pub(crate) fn tokens(text: &str) -> impl Iterator<Item = Token<'_>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find(|c: char| c == '#' || is_word_char(c))?;
            let after = &rest[start..];
            if let Some(tag_body) = after.strip_prefix('#') {
                let len = tag_body
                    .find(|c: char| !(is_word_char(c) || c == '_'))
                    .unwrap_or(tag_body.len());
                let tag = &tag_body[..len];
                rest = &tag_body[len..];
                if !tag.is_empty() {
                    return Some(Token::Hashtag(tag));
                }
            } else {
                let len = after
                    .find(|c: char| !is_word_char(c))
                    .unwrap_or(after.len());
                let word = &after[..len];
                rest = &after[len..];
                return Some(Token::Word(word));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyword_is_one_token() {
        for category in Category::ALL {
            let mut in_tags = false;
            for line in category.rules().lines().map(str::trim) {
                if line.starts_with('[') {
                    in_tags = line == "[tags]";
                    continue;
                }
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                for entry in strip_language_prefix(line).split_whitespace() {
                    let entry = lowercase(entry);
                    let toks: Vec<_> = tokens(&entry).collect();
                    let ok = if in_tags {
                        toks == vec![Token::Word(&entry)]
                    } else {
                        toks == vec![Token::Word(&entry)] || entry.chars().any(is_unspaced_script)
                    };
                    assert!(ok, "{category}: {entry:?} is not a single token: {toks:?}");
                }
            }
        }
    }

    #[test]
    fn round_trip_names() {
        for category in Category::ALL {
            assert_eq!(category.as_str().parse::<Category>(), Ok(category));
        }
        assert!("cooking".parse::<Category>().is_err());
    }

    #[test]
    fn tokens_split_hashtags_and_words() {
        let toks: Vec<_> = tokens("pizza night! #foodporn #yum_yum x").collect();
        assert_eq!(
            toks,
            vec![
                Token::Word("pizza"),
                Token::Word("night"),
                Token::Hashtag("foodporn"),
                Token::Hashtag("yum_yum"),
                Token::Word("x")
            ]
        );
    }
}
