//! Post analysis: language, sentiment and category of a caption or comment, fast and on all
//! cores. Pure Rust, no database, no async; the language models live in this crate so that only
//! the final binary links them.
//!
//! # Methods and their versions
//!
//! Every [`Analysis`] carries its [`Method`]; storage compares [`METHOD_VERSION`] to decide
//! re-analysis (bump it whenever any part below changes its results).
//!
//! * **Language** (`lingua-1.8-models/25`): our implementation of lingua 1.8's
//!   high-accuracy method over lingua's own n-gram models, restricted to 25 languages common on
//!   Instagram ([`language::LANGUAGES`]): the same rules, n-grams, sums and confidence values
//!   as the `lingua` crate (equal top language on every line tested, confidences within 1e-13),
//!   with the probabilities read through a shared, bounded memo instead of one FST walk per
//!   n-gram and language (see [`language`]). The detector sees the caption without URLs and
//!   `@mentions`; a caption with no letters outside hashtags, mentions and URLs (empty,
//!   emoji-only, hashtag-only) has no language. Confidence is lingua's confidence value of the
//!   top language.
//! * **Sentiment** (`vader-3.3.2-compatible/1`, `emoji-sentiment-ranking-1.0/1`):
//!   English text is scored by a port of VADER 3.3.2 (`compound`, which already reads emojis
//!   through their descriptions), method `vader_en`. Other languages, and text whose language is
//!   unknown, are scored by the Emoji Sentiment Ranking v1.0 when they contain ranked emojis
//!   (method `emoji`, see [`emoji`](crate::emoji) for the formula); otherwise the result is
//!   [`Sentiment::NotAnalysed`] with the reason, never a guess. Labels follow VADER's
//!   convention: score ≥ 0.05 positive, ≤ −0.05 negative, else neutral. Confidence: for a
//!   positive or negative label `|score| × (1 − 0.5ⁿ)` with `n` the number of
//!   sentiment-bearing tokens (lexicon words or ranked emojis); for neutral
//!   `0.5 × (1 − |score| / 0.05)` — "neutral" is a weak claim by nature.
//! * **Category** (`rules/1`): hashtag and keyword rules per category in the 25 languages, see
//!   [`category`](crate::category).
//!
//! # Use
//!
//! Build one [`Analyzer`] at start-up ([`Analyzer::new`] opens the 25 language models, which
//! are embedded in the binary and read in place, and parses the lexicons: a few milliseconds) and share it; call [`Analyzer::analyze_batch`] (rayon over all cores) from
//! a blocking thread, never from the async executor. [`analyze_file`] is the batch CLI's
//! engine: one caption per line in, JSON Lines out, in input order.
//!
//! Data sources and licences: `data/LICENSES.md`.

pub mod category;
pub mod emoji;
pub mod language;
mod vader;

use std::io::{self, BufRead, Write};

use rayon::prelude::*;
use serde::Serialize;

pub use category::{Category, CategoryGuess, UnknownCategory};

/// The version of the whole analysis; results stored with another version are re-analysed.
pub const METHOD_VERSION: u32 = 1;
/// Language method: our implementation of lingua 1.8's method over its models, 25 languages.
pub const LANGUAGE_METHOD: &str = "lingua-1.8-models/25";
/// English sentiment method.
pub const VADER_METHOD: &str = "vader-3.3.2-compatible/1";
/// Emoji sentiment method.
pub const EMOJI_METHOD: &str = "emoji-sentiment-ranking-1.0/1";
/// Category method.
pub const CATEGORY_METHOD: &str = "rules/1";

/// Score at or beyond which a label is positive (negative below its negation).
pub const LABEL_THRESHOLD: f64 = 0.05;

/// The analysis of one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub language: Option<LanguageGuess>,
    pub sentiment: Sentiment,
    pub category: Option<CategoryGuess>,
    pub method: Method,
}

/// A detected language.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LanguageGuess {
    /// ISO 639-1 code.
    pub code: &'static str,
    /// lingua's confidence value, 0..1.
    pub confidence: f64,
}

/// Sentiment, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Sentiment {
    Analysed {
        label: Label,
        /// −1..1 (VADER's compound for English, the mean emoji score otherwise).
        score: f64,
        confidence: f64,
        method: SentimentMethod,
    },
    NotAnalysed {
        reason: String,
    },
}

/// Sentiment label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Positive,
    Neutral,
    Negative,
}

impl Label {
    /// The label of a score (VADER's convention).
    pub fn of(score: f64) -> Label {
        if score >= LABEL_THRESHOLD {
            Label::Positive
        } else if score <= -LABEL_THRESHOLD {
            Label::Negative
        } else {
            Label::Neutral
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Label::Positive => "positive",
            Label::Neutral => "neutral",
            Label::Negative => "negative",
        }
    }
}

/// Which sentiment method produced a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SentimentMethod {
    /// VADER on English text (emojis included through their descriptions).
    #[serde(rename = "vader_en")]
    VaderEn,
    /// Mean Emoji Sentiment Ranking score of the text's emojis.
    #[serde(rename = "emoji")]
    Emoji,
}

impl SentimentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            SentimentMethod::VaderEn => "vader_en",
            SentimentMethod::Emoji => "emoji",
        }
    }
}

/// The methods and versions behind an [`Analysis`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Method {
    pub version: u32,
    pub language: &'static str,
    pub sentiment: &'static str,
    pub category: &'static str,
}

/// The method set of this build.
pub const METHOD: Method = Method {
    version: METHOD_VERSION,
    language: LANGUAGE_METHOD,
    sentiment: "vader-3.3.2-compatible/1+emoji-sentiment-ranking-1.0/1",
    category: CATEGORY_METHOD,
};

/// The analysis engine: language detector, lexicons and rules, built once and shared.
pub struct Analyzer {
    detector: language::Detector,
    vader: vader::Vader,
    emoji: emoji::EmojiSentiment,
    rules: category::Rules,
}

impl Analyzer {
    /// Builds the engine. Not free (opens the 25 language models, parses the lexicons, and
    /// the n-gram memo it starts grows to ~30 MB at most): build once at start-up and share.
    pub fn new() -> Self {
        let (detector, (vader, (emoji, rules))) = rayon::join(language::Detector::new, || {
            rayon::join(
                || {
                    vader::Vader::new(
                        include_str!("../data/vader_lexicon.txt"),
                        include_str!("../data/emoji_utf8_lexicon.txt"),
                    )
                },
                || {
                    rayon::join(
                        || {
                            emoji::EmojiSentiment::new(include_str!(
                                "../data/Emoji_Sentiment_Data_v1.0.csv"
                            ))
                        },
                        category::Rules::new,
                    )
                },
            )
        });
        Analyzer {
            detector,
            vader,
            emoji,
            rules,
        }
    }

    /// Analyses one text.
    pub fn analyze(&self, text: &str) -> Analysis {
        let language = self
            .detector
            .detect(text)
            .map(|(code, confidence)| LanguageGuess { code, confidence });
        let sentiment = self.sentiment(text, language.map(|l| l.code));
        let category = self.rules.categorize(text);
        Analysis {
            language,
            sentiment,
            category,
            method: METHOD,
        }
    }

    /// Analyses many texts on all cores; the result keeps the input order.
    pub fn analyze_batch(&self, texts: &[&str]) -> Vec<Analysis> {
        texts.par_iter().map(|text| self.analyze(text)).collect()
    }

    fn sentiment(&self, text: &str, language: Option<&'static str>) -> Sentiment {
        if language == Some("en") {
            let vader = self.vader.score(text);
            return analysed(
                vader.compound,
                vader.bearing_tokens,
                SentimentMethod::VaderEn,
            );
        }
        if let Some(emoji) = self.emoji.score(text) {
            return analysed(emoji.score, emoji.count, SentimentMethod::Emoji);
        }
        let reason = if text.trim().is_empty() {
            "empty text".to_owned()
        } else if let Some(code) = language {
            format!("no sentiment method for {}", language::language_name(code))
        } else if text.chars().any(|c| self.vader.has_emoji_description(c)) {
            "language not detected; its emojis are not in the emoji sentiment ranking".to_owned()
        } else {
            "language not detected and no emoji".to_owned()
        };
        Sentiment::NotAnalysed { reason }
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

fn analysed(score: f64, bearing: usize, method: SentimentMethod) -> Sentiment {
    let label = Label::of(score);
    let confidence = match label {
        Label::Neutral => 0.5 * (1.0 - score.abs() / LABEL_THRESHOLD),
        _ => score.abs().min(1.0) * (1.0 - 0.5f64.powi(i32::try_from(bearing).unwrap_or(i32::MAX))),
    };
    Sentiment::Analysed {
        label,
        score,
        confidence,
        method,
    }
}

/// One line of [`analyze_file`]'s output.
#[derive(Serialize)]
struct FileRecord<'a> {
    language: Option<&'static str>,
    language_confidence: Option<f64>,
    sentiment: &'static str,
    sentiment_score: Option<f64>,
    category: Option<&'static str>,
    category_confidence: Option<f64>,
    method: FileMethod<'a>,
}

#[derive(Serialize)]
struct FileMethod<'a> {
    version: u32,
    language: &'static str,
    /// `vader_en`, `emoji`, or the reason sentiment was not analysed.
    sentiment: &'a str,
    category: &'static str,
}

/// Lines per batch in [`analyze_file`].
pub const FILE_CHUNK: usize = 4096;

/// Reads one caption per line and writes one JSON object per line, in input order:
/// `{"language", "language_confidence", "sentiment", "sentiment_score", "category",
/// "category_confidence", "method"}` where `sentiment` is the label or `"not_analysed"` (score
/// `null` then) and scores are rounded to 4 decimals. Lines are processed in chunks of
/// [`FILE_CHUNK`] with [`Analyzer::analyze_batch`]; `progress` gets the number of lines done
/// after each chunk. Invalid UTF-8 is replaced, a trailing `\r` dropped. Returns the line count.
pub fn analyze_file(
    mut input: impl BufRead,
    mut output: impl Write,
    analyzer: &Analyzer,
    mut progress: impl FnMut(usize),
) -> io::Result<usize> {
    let mut done = 0usize;
    let mut lines: Vec<String> = Vec::with_capacity(FILE_CHUNK);
    let mut buf = Vec::new();
    loop {
        lines.clear();
        while lines.len() < FILE_CHUNK {
            buf.clear();
            if input.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            if buf.last() == Some(&b'\n') {
                buf.pop();
            }
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            lines.push(String::from_utf8_lossy(&buf).into_owned());
        }
        if lines.is_empty() {
            break;
        }
        let texts: Vec<&str> = lines.iter().map(String::as_str).collect();
        let results = analyzer.analyze_batch(&texts);
        for analysis in &results {
            write_record(&mut output, analysis)?;
        }
        done += results.len();
        progress(done);
        if lines.len() < FILE_CHUNK {
            break;
        }
    }
    output.flush()?;
    Ok(done)
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn write_record(output: &mut impl Write, analysis: &Analysis) -> io::Result<()> {
    let (sentiment, sentiment_score, sentiment_method) = match &analysis.sentiment {
        Sentiment::Analysed {
            label,
            score,
            method,
            ..
        } => (label.as_str(), Some(round4(*score)), method.as_str()),
        Sentiment::NotAnalysed { reason } => ("not_analysed", None, reason.as_str()),
    };
    let record = FileRecord {
        language: analysis.language.map(|l| l.code),
        language_confidence: analysis.language.map(|l| round4(l.confidence)),
        sentiment,
        sentiment_score,
        category: analysis.category.as_ref().map(|c| c.category.as_str()),
        category_confidence: analysis.category.as_ref().map(|c| round4(c.confidence)),
        method: FileMethod {
            version: analysis.method.version,
            language: analysis.method.language,
            sentiment: sentiment_method,
            category: analysis.method.category,
        },
    };
    serde_json::to_writer(&mut *output, &record).map_err(io::Error::other)?;
    output.write_all(b"\n")
}
