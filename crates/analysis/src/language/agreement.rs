//! Agreement of our detector with the `lingua` crate itself (same 25 languages, high
//! accuracy, preloaded models) on lingua's own test data and on caption-like lines built from
//! it: same top language (or both none) and confidence values within 1e-6.
//!
//! The small sample runs with every `cargo test`; the large one (100 lines per language and
//! file, ~9,000 lines) is slow in a debug build:
//! `cargo test -p analysis --release -- --ignored agrees_with_lingua --nocapture`.
//! Any caption file (one per line, e.g. `bench analysis --keep DIR`'s `captions.txt`) can be
//! compared the same way, on the text lingua sees in [`Detector::detect`]:
//! `ANALYSIS_AGREEMENT_FILE=DIR/captions.txt cargo test -p analysis --release -- --ignored
//! agrees_with_lingua_on_file --nocapture`.

use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};

use super::detector::{Detector, ranked};
use super::ngrams::test_data_directory;
use super::{LANGUAGES, detector_input, index_of};

const FILES: [&str; 3] = ["sentences.txt", "single-words.txt", "word-pairs.txt"];
const EMOJIS: [&str; 5] = ["😍", "🔥🔥", "❤️", "🙏", "😂😂"];
const TAGS: [&str; 5] = ["#love", "#instagood", "#travel", "#foodie", "#summer"];

fn test_lines(language: Language, file: &str, count: usize) -> Vec<String> {
    test_data_directory(language)
        .get_file(file)
        .and_then(|file| file.contents_utf8())
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .take(count)
        .map(str::to_owned)
        .collect()
}

/// lingua's test lines, then captions made of them: with emojis and hashtags, code-switched
/// with English, and long (trigram-only) ones.
fn sample(per_file: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut sentences: Vec<Vec<String>> = Vec::new();
    for language in LANGUAGES {
        for file in FILES {
            lines.extend(test_lines(language, file, per_file));
        }
        sentences.push(test_lines(language, "sentences.txt", per_file));
    }
    let english = &sentences[index_of(Language::English)];
    for (l, own) in sentences.iter().enumerate() {
        for (i, sentence) in own.iter().enumerate() {
            let k = (i + l) % EMOJIS.len();
            lines.push(format!(
                "{sentence} {} {} {}",
                EMOJIS[k],
                TAGS[k],
                TAGS[(k + 2) % 5]
            ));
            if let Some(en) = english.get(i) {
                lines.push(format!("{sentence}. {en}"));
            }
            let next = &own[(i + 1) % own.len()];
            let third = &own[(i + 2) % own.len()];
            lines.push(format!("{sentence}! {next}. {third}"));
        }
    }
    lines
}

fn lingua() -> LanguageDetector {
    LanguageDetectorBuilder::from_languages(&LANGUAGES)
        .with_preloaded_language_models()
        .build()
}

/// lingua's `detect_language_of` on sorted confidence values.
fn top(values: &[(Language, f64)]) -> Option<Language> {
    let (language, value) = *values.first()?;
    let second = values.get(1).map_or(0.0, |v| v.1);
    (value > 0.0 && (value - second).abs() >= f64::EPSILON).then_some(language)
}

struct Agreement {
    lines: usize,
    same_top: usize,
    within: usize,
    max_diff: f64,
}

fn compare(lines: &[String]) -> Agreement {
    let lingua = lingua();
    let ours = Detector::new();
    let mut agreement = Agreement {
        lines: lines.len(),
        same_top: 0,
        within: 0,
        max_diff: 0.0,
    };
    for line in lines {
        let theirs = lingua.compute_language_confidence_values(line.as_str());
        let mine = ranked(&ours.confidence_values(line));
        if top(&theirs) == top(&mine) {
            agreement.same_top += 1;
        } else {
            eprintln!(
                "top differs: {line:?}: lingua {:?} ours {:?}",
                &theirs[..2],
                &mine[..2]
            );
        }
        let diff = theirs
            .iter()
            .map(|(language, value)| {
                let our = mine
                    .iter()
                    .find(|(l, _)| l == language)
                    .map_or(f64::NAN, |v| v.1);
                (value - our).abs()
            })
            .fold(0.0, f64::max);
        if diff <= 1e-6 {
            agreement.within += 1;
        } else {
            eprintln!("confidence differs by {diff:e}: {line:?}");
        }
        agreement.max_diff = agreement.max_diff.max(diff);
    }
    println!(
        "{} lines: same top language {} ({:.3} %), all confidences within 1e-6 {} ({:.3} %), max |diff| {:e}",
        agreement.lines,
        agreement.same_top,
        100.0 * agreement.same_top as f64 / agreement.lines as f64,
        agreement.within,
        100.0 * agreement.within as f64 / agreement.lines as f64,
        agreement.max_diff
    );
    agreement
}

fn check(per_file: usize) {
    let lines = sample(per_file);
    let agreement = compare(&lines);
    assert!(agreement.lines >= 25 * 3 * per_file);
    assert!(agreement.same_top as f64 >= 0.995 * agreement.lines as f64);
    assert!(agreement.within as f64 >= 0.99 * agreement.lines as f64);
}

#[test]
fn agrees_with_lingua_on_a_sample() {
    check(2);
}

#[test]
#[ignore = "slow in debug builds; run in release (see the module docs)"]
fn agrees_with_lingua() {
    check(100);
}

#[test]
#[ignore = "needs ANALYSIS_AGREEMENT_FILE; run in release (see the module docs)"]
fn agrees_with_lingua_on_file() {
    let path = std::env::var("ANALYSIS_AGREEMENT_FILE").unwrap_or_default();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let lines: Vec<String> = text
        .lines()
        .filter_map(|line| detector_input(line).map(|input| input.into_owned()))
        .collect();
    assert!(!lines.is_empty(), "no caption with letters in {path:?}");
    let agreement = compare(&lines);
    assert_eq!(agreement.same_top, agreement.lines);
}
