//! lingua 1.8's rules before the n-gram models: a language decided by the characters alone
//! (`detect_language_with_rules`), and the candidate languages narrowed by the writing system
//! and by letters only some languages use (`filter_languages_by_rules`).
//!
//! Languages are sets of bits, bit `i` standing for `LANGUAGES[i]`. The character tables are
//! lingua's (`Language::unique_characters` and `CHARS_TO_LANGUAGES_MAPPING`, Apache-2.0)
//! restricted to our 25 languages; entries naming none of them are left out, which changes
//! nothing since lingua intersects them with the detector's languages.

use std::cmp::Ordering;

use lingua::Language::{self, *};

use super::script::{Alphabet, CharClasses};
use super::{LANGUAGE_COUNT, LANGUAGES, index_of, set_of};

/// Letters lingua treats as proof of one language (only Latin, Cyrillic and Devanagari
/// letters are looked up; `¿¡` are kept for fidelity though they never reach the look-up).
const UNIQUE_CHARACTERS: [(Language, &str); 6] = [
    (German, "ß"),
    (Polish, "ŁłŃńŚśŹź"),
    (Romanian, "Țţ"),
    (Spanish, "¿¡"),
    (Ukrainian, "ҐґЄєЇї"),
    (
        Vietnamese,
        "ẰằẦầẲẳẨẩẴẵẪẫẮắẤấẠạẶặẬậỀềẺẻỂểẼẽỄễẾếỆệỈỉĨĩỊịƠơỒồỜờỎỏỔổỞởỖỗỠỡỐốỚớỘộỢợƯưỪừỦủỬửŨũỮữỨứỤụỰựỲỳỶỷỸỹỴỵ",
    ),
];

/// Letters shared by a few languages: each occurrence in a word votes for them.
const SHARED_CHARACTERS: [(&str, &[Language]); 35] = [
    ("Ãã", &[Portuguese, Vietnamese]),
    ("ĄąĘę", &[Polish]),
    ("Żż", &[Polish, Romanian]),
    ("Îî", &[French, Romanian]),
    ("Ññ", &[Spanish]),
    ("Ăă", &[Romanian, Vietnamese]),
    ("İıĞğ", &[Turkish]),
    ("ẸẹỌọ", &[Vietnamese]),
    ("ÐðÞþ", &[Turkish]),
    ("Ûû", &[French]),
    ("Şş", &[Romanian, Turkish]),
    ("Ďď", &[Romanian]),
    ("Ćć", &[Polish]),
    ("Đđ", &[Vietnamese]),
    ("Іі", &[Ukrainian]),
    ("Ìì", &[Italian, Vietnamese]),
    ("Ëë", &[Dutch, French]),
    ("ÈèÙù", &[French, Italian, Vietnamese]),
    ("Êê", &[French, Portuguese, Vietnamese]),
    ("Õõ", &[Portuguese, Vietnamese]),
    ("Ôô", &[French, Portuguese, Vietnamese]),
    ("ЁёЫыЭэ", &[Russian]),
    ("ЩщЪъ", &[Russian]),
    ("Òò", &[Italian, Vietnamese]),
    ("Ââ", &[French, Portuguese, Romanian, Turkish, Vietnamese]),
    ("Åå", &[Swedish]),
    ("Ýý", &[Turkish, Vietnamese]),
    ("Ää", &[German, Swedish]),
    ("Àà", &[French, Italian, Portuguese, Vietnamese]),
    ("Üü", &[German, Spanish, Turkish]),
    ("Çç", &[French, Portuguese, Turkish]),
    ("Öö", &[German, Swedish, Turkish]),
    ("Óó", &[Polish, Portuguese, Spanish, Vietnamese]),
    ("ÁáÍíÚú", &[Portuguese, Spanish, Vietnamese]),
    ("Éé", &[French, Italian, Portuguese, Spanish, Vietnamese]),
];

/// The alphabets each language is written in (lingua's `Language::alphabets`).
fn alphabets(language: Language) -> &'static [Alphabet] {
    match language {
        Russian | Ukrainian => &[Alphabet::Cyrillic],
        Arabic | Persian => &[Alphabet::Arabic],
        Hindi => &[Alphabet::Devanagari],
        Chinese => &[Alphabet::Han],
        Greek => &[Alphabet::Greek],
        Hebrew => &[Alphabet::Hebrew],
        Japanese => &[Alphabet::Hiragana, Alphabet::Katakana, Alphabet::Han],
        Korean => &[Alphabet::Hangul],
        Thai => &[Alphabet::Thai],
        _ => &[Alphabet::Latin],
    }
}

const UNKNOWN: usize = LANGUAGE_COUNT;
const ALL_LANGUAGES: u32 = (1 << LANGUAGE_COUNT) - 1;

pub(crate) struct Rules {
    /// Languages written in each alphabet.
    alphabet_languages: [u32; 18],
    /// The language of an alphabet only one of the languages uses (lingua's
    /// `Alphabet::all_supporting_single_language` over the languages the `lingua` crate is
    /// built with, which are ours).
    single_language: [Option<usize>; 18],
    unique_characters: Vec<(char, u32)>,
    shared_characters: Vec<(&'static str, u32)>,
}

impl Rules {
    pub(crate) fn new() -> Self {
        let mut alphabet_languages = [0u32; 18];
        for (i, &language) in LANGUAGES.iter().enumerate() {
            for &alphabet in alphabets(language) {
                alphabet_languages[alphabet as usize] |= 1 << i;
            }
        }
        let single_language = alphabet_languages.map(|languages| {
            (languages.count_ones() == 1).then(|| languages.trailing_zeros() as usize)
        });
        let unique_characters = UNIQUE_CHARACTERS
            .iter()
            .flat_map(|&(language, chars)| chars.chars().map(move |c| (c, set_of(&[language]))))
            .collect();
        let shared_characters = SHARED_CHARACTERS
            .iter()
            .map(|&(chars, languages)| (chars, set_of(languages)))
            .collect();
        Rules {
            alphabet_languages,
            single_language,
            unique_characters,
            shared_characters,
        }
    }

    /// lingua's `detect_language_with_rules`: the language most words are written in when
    /// their characters say so (an alphabet of one language, Han for Chinese, a letter unique
    /// to a language), or `None`.
    pub(crate) fn detect(&self, words: &[&str], classes: &CharClasses) -> Option<usize> {
        let chinese = index_of(Chinese);
        let japanese = index_of(Japanese);
        // Words per language; the last slot counts the words no rule decides.
        let mut total = [0u32; LANGUAGE_COUNT + 1];
        for word in words {
            let mut counts = [0u32; LANGUAGE_COUNT];
            for c in word.chars() {
                match classes.alphabet(c) {
                    Some(alphabet) if self.single_language[alphabet as usize].is_some() => {
                        if let Some(language) = self.single_language[alphabet as usize] {
                            counts[language] += 1;
                        }
                    }
                    Some(Alphabet::Han) => counts[chinese] += 1,
                    Some(Alphabet::Latin | Alphabet::Cyrillic | Alphabet::Devanagari) => {
                        for &(unique, languages) in &self.unique_characters {
                            if unique == c {
                                for_each(languages, |language| counts[language] += 1);
                            }
                        }
                    }
                    _ => {}
                }
            }
            let counted = counts.iter().filter(|&&n| n > 0).count();
            let slot = if counted == 0 {
                UNKNOWN
            } else if counts[chinese] > 0 && counts[japanese] > 0 {
                japanese
            } else {
                let ranked = top_two(&counts);
                match ranked {
                    (Some(first), None) => first,
                    (Some(first), Some(second)) if counts[first] > counts[second] => first,
                    _ => UNKNOWN,
                }
            };
            total[slot] += 1;
        }

        let half_word_count = words.len() as f64 * 0.5;
        if f64::from(total[UNKNOWN]) < half_word_count {
            total[UNKNOWN] = 0;
        }
        // The unknown slot sorts first among equals (lingua's key is `Option<Language>`).
        let key_order = |a: usize, b: usize| match (a == UNKNOWN, b == UNKNOWN) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => LANGUAGES[a].cmp(&LANGUAGES[b]),
        };
        let mut ranked: Vec<usize> = (0..=LANGUAGE_COUNT).filter(|&i| total[i] > 0).collect();
        ranked.sort_by(|&a, &b| total[b].cmp(&total[a]).then_with(|| key_order(a, b)));
        let known = |slot: usize| (slot != UNKNOWN).then_some(slot);
        match ranked[..] {
            [] => None,
            [only] => known(only),
            [first, second, ..] => {
                if (first == japanese && second == chinese)
                    || (first == chinese && second == japanese)
                {
                    Some(japanese)
                } else if total[first] == total[second] {
                    None
                } else {
                    known(first)
                }
            }
        }
    }

    /// lingua's `filter_languages_by_rules`: the languages of the alphabet most characters
    /// are written in, narrowed to those voted for by shared letters in at least half the
    /// word count.
    pub(crate) fn filter(&self, words: &[&str], classes: &CharClasses) -> u32 {
        let mut alphabet_counts = [0usize; 18];
        for word in words {
            let mut chars = word.chars();
            let Some(first) = chars.next().and_then(|c| classes.alphabet(c)) else {
                continue;
            };
            if chars.all(|c| classes.alphabet(c) == Some(first)) {
                alphabet_counts[first as usize] += word.chars().count();
            }
        }
        let counted: Vec<usize> = alphabet_counts.iter().copied().filter(|&n| n > 0).collect();
        if counted.is_empty() {
            return ALL_LANGUAGES;
        }
        if counted.len() > 1 && counted.iter().all(|&n| n == counted[0]) {
            return ALL_LANGUAGES;
        }
        // The most frequent alphabet; among equals the first in lingua's order.
        let mut top = 0;
        for (i, &n) in alphabet_counts.iter().enumerate() {
            if n > alphabet_counts[top] {
                top = i;
            }
        }
        let filtered = self.alphabet_languages[top];

        let mut votes = [0usize; LANGUAGE_COUNT];
        for &(chars, languages) in &self.shared_characters {
            let relevant = filtered & languages;
            if relevant == 0 {
                continue;
            }
            let occurrences: usize = words
                .iter()
                .map(|word| chars.chars().filter(|&c| word.contains(c)).count())
                .sum();
            for_each(relevant, |language| votes[language] += occurrences);
        }
        let half_word_count = words.len() as f64 * 0.5;
        let mut subset = 0u32;
        for (i, &n) in votes.iter().enumerate() {
            if n > 0 && n as f64 >= half_word_count {
                subset |= 1 << i;
            }
        }
        if subset != 0 { subset } else { filtered }
    }
}

/// The two languages with the highest counts (ties: lingua's language order).
fn top_two(counts: &[u32; LANGUAGE_COUNT]) -> (Option<usize>, Option<usize>) {
    let better = |a: usize, b: usize| {
        counts[a] > counts[b] || (counts[a] == counts[b] && LANGUAGES[a] < LANGUAGES[b])
    };
    let mut first: Option<usize> = None;
    let mut second: Option<usize> = None;
    for i in (0..LANGUAGE_COUNT).filter(|&i| counts[i] > 0) {
        match first {
            Some(f) if !better(i, f) => {
                if second.is_none_or(|s| better(i, s)) {
                    second = Some(i);
                }
            }
            _ => {
                second = first;
                first = Some(i);
            }
        }
    }
    (first, second)
}

/// Calls `f` with the index of every language in a set.
pub(crate) fn for_each(mut languages: u32, mut f: impl FnMut(usize)) {
    while languages != 0 {
        f(languages.trailing_zeros() as usize);
        languages &= languages - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> Option<Language> {
        let classes = CharClasses::new();
        let lowered = text.to_lowercase();
        let words = classes.words(&lowered);
        Rules::new().detect(&words, &classes).map(|i| LANGUAGES[i])
    }

    #[test]
    fn characters_decide_some_languages() {
        assert_eq!(detect("Καλημέρα σας"), Some(Greek));
        assert_eq!(detect("안녕하세요 여러분"), Some(Korean));
        assert_eq!(detect("ひらがな"), Some(Japanese));
        assert_eq!(detect("中文"), Some(Chinese));
        assert_eq!(detect("Straße"), Some(German));
        assert_eq!(detect("hello world"), None);
    }

    #[test]
    fn filter_keeps_the_alphabet_and_its_letters() {
        let classes = CharClasses::new();
        let rules = Rules::new();
        let lowered = "привет мир".to_owned();
        let words = classes.words(&lowered);
        assert_eq!(
            rules.filter(&words, &classes),
            set_of(&[Russian, Ukrainian])
        );
        let lowered = "mañana niño".to_owned();
        let words = classes.words(&lowered);
        assert_eq!(rules.filter(&words, &classes), set_of(&[Spanish]));
    }
}
