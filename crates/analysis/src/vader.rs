//! English sentiment: a port of VADER's `polarity_scores(text)["compound"]`
//! (vaderSentiment 3.3.2, Hutto & Gilbert, ICWSM 2014; MIT licence, see `data/LICENSES.md`).
//!
//! The port follows the Python implementation rule by rule, including its quirks, because
//! results are compared line by line with it: emoji → description substitution on single code
//! points, whitespace split, ASCII-punctuation stripping unless that leaves ≤ 2 characters,
//! booster/dampener words (with the 0.95/0.9 decay for the 2nd/3rd preceding word), negation
//! of up to three preceding words, "no", "never so/this", "without doubt", "least", the
//! special-case bigrams/trigrams, ALL-CAPS emphasis when only some words are capitalised, the
//! "but" shift (including Python's `list.index` behaviour on equal values), `!`/`?` emphasis and
//! the normalisation `x / sqrt(x² + 15)`.
//!
//! The sentiment-laden idiom table of the Python source is not consulted by
//! `polarity_scores` in 3.3.2, so it is not consulted here either.
//!
//! Speed: one pass over the text, lowercase tokens in one buffer, one hash lookup per token.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use rustc_hash::FxHasher;

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

const B_INCR: f64 = 0.293;
const B_DECR: f64 = -0.293;
const C_INCR: f64 = 0.733;
const N_SCALAR: f64 = -0.74;

const NEGATE: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

const BOOSTERS_UP: &[&str] = &[
    "absolutely",
    "amazingly",
    "awfully",
    "completely",
    "considerable",
    "considerably",
    "decidedly",
    "deeply",
    "effing",
    "enormous",
    "enormously",
    "entirely",
    "especially",
    "exceptional",
    "exceptionally",
    "extreme",
    "extremely",
    "fabulously",
    "flipping",
    "flippin",
    "frackin",
    "fracking",
    "fricking",
    "frickin",
    "frigging",
    "friggin",
    "fully",
    "fuckin",
    "fucking",
    "fuggin",
    "fugging",
    "greatly",
    "hella",
    "highly",
    "hugely",
    "incredible",
    "incredibly",
    "intensely",
    "major",
    "majorly",
    "more",
    "most",
    "particularly",
    "purely",
    "quite",
    "really",
    "remarkably",
    "so",
    "substantially",
    "thoroughly",
    "total",
    "totally",
    "tremendous",
    "tremendously",
    "uber",
    "unbelievably",
    "unusually",
    "utter",
    "utterly",
    "very",
];

const BOOSTERS_DOWN: &[&str] = &[
    "almost",
    "barely",
    "hardly",
    "kinda",
    "kindof",
    "kind-of",
    "less",
    "little",
    "marginal",
    "marginally",
    "occasional",
    "occasionally",
    "partly",
    "scarce",
    "scarcely",
    "slight",
    "slightly",
    "somewhat",
    "sorta",
    "sortof",
    "sort-of",
];

/// The multi-word dampeners of VADER's booster table; only its idiom check can match them.
const BOOSTER_BIGRAMS: &[(&str, &str)] = &[("just", "enough"), ("kind", "of"), ("sort", "of")];

/// VADER's SPECIAL_CASES as word sequences (the single-word "badass" entry can never match a
/// space-joined sequence in the Python code, so it is left out).
const SPECIAL_CASES: &[(&[&str], f64)] = &[
    (&["the", "shit"], 3.0),
    (&["the", "bomb"], 3.0),
    (&["bad", "ass"], 1.5),
    (&["bus", "stop"], 0.0),
    (&["yeah", "right"], -2.0),
    (&["kiss", "of", "death"], -1.5),
    (&["to", "die", "for"], 3.0),
    (&["beating", "heart"], 3.5),
];

/// Parsed lexicons, built once.
pub(crate) struct Vader {
    lexicon: FxMap<Box<str>, f64>,
    boosters: FxMap<&'static str, f64>,
    /// Single-code-point emoji → description (the Python code walks the text one code point at
    /// a time, so multi-code-point keys never match).
    emoji: FxMap<char, Box<str>>,
    emoji_has_ascii: bool,
}

/// A VADER result: the compound score and how many tokens carried sentiment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct VaderScore {
    pub compound: f64,
    pub bearing_tokens: usize,
}

struct Token<'a> {
    /// The token as VADER sees it (after punctuation stripping).
    raw: &'a str,
    lower: std::ops::Range<usize>,
    valence: Option<f64>,
}

impl Vader {
    pub(crate) fn new(lexicon_text: &str, emoji_text: &str) -> Self {
        let mut lexicon = FxMap::default();
        for line in lexicon_text.trim_end_matches('\n').split('\n') {
            if line.is_empty() {
                continue;
            }
            let mut fields = line.trim().split('\t');
            if let (Some(word), Some(measure)) = (fields.next(), fields.next())
                && let Ok(value) = measure.parse::<f64>()
            {
                lexicon.insert(Box::from(word), value);
            }
        }
        let mut boosters = FxMap::default();
        for word in BOOSTERS_UP {
            boosters.insert(*word, B_INCR);
        }
        for word in BOOSTERS_DOWN {
            boosters.insert(*word, B_DECR);
        }
        let mut emoji = FxMap::default();
        for line in emoji_text.trim_end_matches('\n').split('\n') {
            let mut fields = line.trim().split('\t');
            if let (Some(key), Some(description)) = (fields.next(), fields.next()) {
                let mut chars = key.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    emoji.insert(c, Box::from(description));
                }
            }
        }
        let emoji_has_ascii = emoji.keys().any(char::is_ascii);
        Vader {
            lexicon,
            boosters,
            emoji,
            emoji_has_ascii,
        }
    }

    pub(crate) fn has_emoji_description(&self, c: char) -> bool {
        self.emoji.contains_key(&c)
    }

    /// VADER's compound score of `text`, unrounded.
    pub(crate) fn score(&self, text: &str) -> VaderScore {
        let replaced;
        let text = match self.replace_emoji(text) {
            Some(t) => {
                replaced = t;
                replaced.as_str()
            }
            None => text,
        };
        let text = text.trim_matches(py_isspace);

        let mut lower_buf = String::with_capacity(text.len());
        let mut tokens: Vec<Token<'_>> = Vec::with_capacity(text.len() / 4 + 1);
        for word in text.split(py_isspace).filter(|w| !w.is_empty()) {
            let raw = strip_punc_if_word(word);
            let start = lower_buf.len();
            if raw.is_ascii() {
                lower_buf.extend(raw.bytes().map(|b| char::from(b.to_ascii_lowercase())));
            } else {
                lower_buf.push_str(&raw.to_lowercase());
            }
            let lower = start..lower_buf.len();
            let valence = self.lexicon.get(&lower_buf[lower.clone()]).copied();
            tokens.push(Token {
                raw,
                lower,
                valence,
            });
        }
        if tokens.is_empty() {
            return VaderScore {
                compound: 0.0,
                bearing_tokens: 0,
            };
        }
        let words = Words {
            tokens: &tokens,
            buf: &lower_buf,
        };
        let allcaps = tokens.iter().filter(|t| py_isupper(t.raw)).count();
        let is_cap_diff = allcaps > 0 && allcaps < tokens.len();

        let mut sentiments: Vec<f64> = Vec::with_capacity(tokens.len());
        for i in 0..tokens.len() {
            let lower = words.lower(i);
            if self.boosters.contains_key(lower)
                || (lower == "kind" && i + 1 < tokens.len() && words.lower(i + 1) == "of")
            {
                sentiments.push(0.0);
                continue;
            }
            sentiments.push(self.valence(&words, i, is_cap_diff));
        }

        but_check(&words, &mut sentiments);

        let bearing_tokens = sentiments.iter().filter(|s| **s != 0.0).count();
        let mut sum: f64 = 0.0;
        for s in &sentiments {
            sum += s;
        }
        let amplifier = punctuation_emphasis(text);
        if sum > 0.0 {
            sum += amplifier;
        } else if sum < 0.0 {
            sum -= amplifier;
        }
        VaderScore {
            compound: normalize(sum),
            bearing_tokens,
        }
    }

    fn replace_emoji(&self, text: &str) -> Option<String> {
        let needs = text
            .chars()
            .any(|c| (self.emoji_has_ascii || !c.is_ascii()) && self.emoji.contains_key(&c));
        if !needs {
            return None;
        }
        let mut out = String::with_capacity(text.len() + 32);
        let mut prev_space = true;
        for c in text.chars() {
            if let Some(description) = self.emoji.get(&c) {
                if !prev_space {
                    out.push(' ');
                }
                out.push_str(description);
                prev_space = false;
            } else {
                out.push(c);
                prev_space = c == ' ';
            }
        }
        Some(out)
    }

    fn in_lexicon(&self, words: &Words<'_>, i: usize) -> bool {
        words.tokens[i].valence.is_some()
    }

    fn scalar_inc_dec(&self, words: &Words<'_>, j: usize, valence: f64, is_cap_diff: bool) -> f64 {
        let Some(&b) = self.boosters.get(words.lower(j)) else {
            return 0.0;
        };
        let mut scalar = b;
        if valence < 0.0 {
            scalar *= -1.0;
        }
        if is_cap_diff && py_isupper(words.tokens[j].raw) {
            if valence > 0.0 {
                scalar += C_INCR;
            } else {
                scalar -= C_INCR;
            }
        }
        scalar
    }

    fn valence(&self, words: &Words<'_>, i: usize, is_cap_diff: bool) -> f64 {
        let Some(base) = words.tokens[i].valence else {
            return 0.0;
        };
        let n = words.tokens.len();
        let lower = words.lower(i);
        let mut valence = base;
        if lower == "no" && i != n - 1 && self.in_lexicon(words, i + 1) {
            valence = 0.0;
        }
        if (i > 0 && words.lower(i - 1) == "no")
            || (i > 1 && words.lower(i - 2) == "no")
            || (i > 2 && words.lower(i - 3) == "no" && matches!(words.lower(i - 1), "or" | "nor"))
        {
            valence = base * N_SCALAR;
        }
        if is_cap_diff && py_isupper(words.tokens[i].raw) {
            if valence > 0.0 {
                valence += C_INCR;
            } else {
                valence -= C_INCR;
            }
        }
        for start_i in 0..3 {
            if i > start_i && !self.in_lexicon(words, i - (start_i + 1)) {
                let mut s = self.scalar_inc_dec(words, i - (start_i + 1), valence, is_cap_diff);
                if start_i == 1 && s != 0.0 {
                    s *= 0.95;
                }
                if start_i == 2 && s != 0.0 {
                    s *= 0.9;
                }
                valence += s;
                valence = negation_check(valence, words, start_i, i);
                if start_i == 2 {
                    valence = special_idioms_check(valence, words, i);
                }
            }
        }
        // VADER's "least" check: "least" (not in the lexicon) negates unless "at/very least".
        if i > 1 && !self.in_lexicon(words, i - 1) && words.lower(i - 1) == "least" {
            if words.lower(i - 2) != "at" && words.lower(i - 2) != "very" {
                valence *= N_SCALAR;
            }
        } else if i > 0 && !self.in_lexicon(words, i - 1) && words.lower(i - 1) == "least" {
            valence *= N_SCALAR;
        }
        valence
    }
}

struct Words<'a> {
    tokens: &'a [Token<'a>],
    buf: &'a str,
}

impl Words<'_> {
    fn lower(&self, i: usize) -> &str {
        self.buf.get(self.tokens[i].lower.clone()).unwrap_or("")
    }

    /// Whether words `start..start+seq.len()` equal `seq` (false when out of range).
    fn matches(&self, start: usize, seq: &[&str]) -> bool {
        start + seq.len() <= self.tokens.len()
            && seq
                .iter()
                .enumerate()
                .all(|(k, w)| self.lower(start + k) == *w)
    }
}

fn negated(word: &str) -> bool {
    NEGATE.contains(&word) || word.contains("n't")
}

fn negation_check(valence: f64, words: &Words<'_>, start_i: usize, i: usize) -> f64 {
    let w = |k: usize| words.lower(i - k);
    match start_i {
        0 => {
            if negated(w(1)) {
                return valence * N_SCALAR;
            }
        }
        1 => {
            if w(2) == "never" && matches!(w(1), "so" | "this") {
                return valence * 1.25;
            } else if w(2) == "without" && w(1) == "doubt" {
                return valence;
            } else if negated(w(2)) {
                return valence * N_SCALAR;
            }
        }
        _ => {
            if (w(3) == "never" && matches!(w(2), "so" | "this")) || matches!(w(1), "so" | "this") {
                return valence * 1.25;
            } else if w(3) == "without" && (w(2) == "doubt" || w(1) == "doubt") {
                return valence;
            } else if negated(w(3)) {
                return valence * N_SCALAR;
            }
        }
    }
    valence
}

/// VADER's `_special_idioms_check`, called with `i ≥ 3`.
fn special_idioms_check(mut valence: f64, words: &Words<'_>, i: usize) -> f64 {
    // The Python code tries, in order: (i-1,i), (i-2..=i), (i-2,i-1), (i-3..=i-1), (i-3,i-2).
    let sequences: [(usize, usize); 5] =
        [(i - 1, 2), (i - 2, 3), (i - 2, 2), (i - 3, 3), (i - 3, 2)];
    'outer: for (start, len) in sequences {
        for (seq, value) in SPECIAL_CASES {
            if seq.len() == len && words.matches(start, seq) {
                valence = *value;
                break 'outer;
            }
        }
    }
    let n = words.tokens.len();
    if n - 1 > i {
        for (seq, value) in SPECIAL_CASES {
            if seq.len() == 2 && words.matches(i, seq) {
                valence = *value;
            }
        }
    }
    if n - 1 > i + 1 {
        for (seq, value) in SPECIAL_CASES {
            if seq.len() == 3 && words.matches(i, seq) {
                valence = *value;
            }
        }
    }
    // n-grams (i-3..=i-1), (i-3,i-2), (i-2,i-1) against the multi-word boosters: only the
    // bigrams can match (no booster has three words).
    for start in [i - 3, i - 2] {
        for (a, b) in BOOSTER_BIGRAMS {
            if words.lower(start) == *a && words.lower(start + 1) == *b {
                valence += B_DECR;
            }
        }
    }
    valence
}

/// VADER's `_but_check`, including `list.index(value)` finding the first equal value.
fn but_check(words: &Words<'_>, sentiments: &mut [f64]) {
    let Some(bi) = (0..words.tokens.len()).find(|&k| words.lower(k) == "but") else {
        return;
    };
    for k in 0..sentiments.len() {
        let sentiment = sentiments[k];
        let si = sentiments.iter().position(|s| *s == sentiment).unwrap_or(k);
        if si < bi {
            sentiments[si] = sentiment * 0.5;
        } else if si > bi {
            sentiments[si] = sentiment * 1.5;
        }
    }
}

fn punctuation_emphasis(text: &str) -> f64 {
    let (mut ep, mut qm) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'!' => ep += 1,
            b'?' => qm += 1,
            _ => {}
        }
    }
    let ep_amplifier = ep.min(4) as f64 * 0.292;
    let qm_amplifier = if qm > 1 {
        if qm <= 3 { qm as f64 * 0.18 } else { 0.96 }
    } else {
        0.0
    };
    ep_amplifier + qm_amplifier
}

fn normalize(score: f64) -> f64 {
    let norm = score / (score * score + 15.0).sqrt();
    norm.clamp(-1.0, 1.0)
}

/// Python's `str.isspace` for one character (adds the ASCII information separators).
fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `token.strip(string.punctuation)`, unless that leaves two characters or fewer.
fn strip_punc_if_word(token: &str) -> &str {
    let stripped = token.trim_matches(|c: char| c.is_ascii_punctuation());
    if stripped.chars().count() <= 2 {
        token
    } else {
        stripped
    }
}

/// Python's `str.isupper`: at least one cased character and no lowercase or titlecase one.
fn py_isupper(s: &str) -> bool {
    let mut cased = false;
    if s.is_ascii() {
        for b in s.bytes() {
            if b.is_ascii_lowercase() {
                return false;
            }
            cased |= b.is_ascii_uppercase();
        }
        return cased;
    }
    for c in s.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

fn is_titlecase(c: char) -> bool {
    matches!(c,
        '\u{1C5}' | '\u{1C8}' | '\u{1CB}' | '\u{1F2}'
        | '\u{1F88}'..='\u{1F8F}' | '\u{1F98}'..='\u{1F9F}' | '\u{1FA8}'..='\u{1FAF}'
        | '\u{1FBC}' | '\u{1FCC}' | '\u{1FFC}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vader() -> Vader {
        Vader::new(
            include_str!("../data/vader_lexicon.txt"),
            include_str!("../data/emoji_utf8_lexicon.txt"),
        )
    }

    /// Values from the Python package (`tests/fixtures/vader_compound.tsv`, rounded to 4
    /// places there): negation, "but", caps, `!!!`, boosters, idioms, emoticons, emojis.
    #[test]
    fn compound_matches_python() {
        let vader = vader();
        let fixture = include_str!("../tests/fixtures/vader_compound.tsv");
        let mut checked = 0;
        for line in fixture.lines().filter(|l| !l.starts_with('#')) {
            let Some((sentence, expected)) = line.rsplit_once('\t') else {
                continue;
            };
            let expected: f64 = expected.parse().unwrap_or(f64::NAN);
            let got = vader.score(sentence).compound;
            assert!(
                (got - expected).abs() <= 0.000_051,
                "{sentence:?}: python {expected}, rust {got}"
            );
            checked += 1;
        }
        assert!(checked >= 30, "only {checked} fixture lines");
    }

    #[test]
    fn strip_keeps_emoticons() {
        assert_eq!(strip_punc_if_word(":)"), ":)");
        assert_eq!(strip_punc_if_word("good!!!"), "good");
        assert_eq!(strip_punc_if_word("ok!"), "ok!");
    }

    #[test]
    fn isupper_like_python() {
        assert!(py_isupper("SUX!"));
        assert!(!py_isupper("Sux"));
        assert!(!py_isupper(":)"));
        assert!(py_isupper("ÉTÉ"));
    }
}
