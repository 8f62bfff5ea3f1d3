//! Writing systems of characters and lingua's word splitting.
//!
//! lingua 1.8 reasons about characters through eighteen Unicode scripts (its "alphabets") and
//! splits text into words with the pattern
//! `\p{Bengali}+|\p{Devanagari}+|\p{Gujarati}+|\p{Gurmukhi}+|\p{Han}|\p{Hangul}+|\p{Hiragana}|\p{Katakana}|\p{Tamil}+|\p{Telugu}+|\p{Thai}+|\p{L}+`
//! over the trimmed, lower-cased text. We take the same Unicode property tables from
//! `regex-syntax` and walk the text once instead of running the regex: a word starts at the
//! first character of any of those classes, the first alternative holding that character
//! decides (Han, Hiragana and Katakana are one-character words, the others extend over their
//! own class, `\p{L}` over every letter — leftmost-first semantics).

use regex_syntax::hir::{Class, HirKind};

/// lingua's alphabets, in its declaration order (which is its `Ord`, used to break ties).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Alphabet {
    Arabic,
    Armenian,
    Bengali,
    Cyrillic,
    Devanagari,
    Georgian,
    Greek,
    Gujarati,
    Gurmukhi,
    Han,
    Hangul,
    Hebrew,
    Hiragana,
    Katakana,
    Latin,
    Tamil,
    Telugu,
    Thai,
}

impl Alphabet {
    pub(crate) const ALL: [Alphabet; 18] = [
        Alphabet::Arabic,
        Alphabet::Armenian,
        Alphabet::Bengali,
        Alphabet::Cyrillic,
        Alphabet::Devanagari,
        Alphabet::Georgian,
        Alphabet::Greek,
        Alphabet::Gujarati,
        Alphabet::Gurmukhi,
        Alphabet::Han,
        Alphabet::Hangul,
        Alphabet::Hebrew,
        Alphabet::Hiragana,
        Alphabet::Katakana,
        Alphabet::Latin,
        Alphabet::Tamil,
        Alphabet::Telugu,
        Alphabet::Thai,
    ];

    fn script_name(self) -> &'static str {
        match self {
            Alphabet::Arabic => "Arabic",
            Alphabet::Armenian => "Armenian",
            Alphabet::Bengali => "Bengali",
            Alphabet::Cyrillic => "Cyrillic",
            Alphabet::Devanagari => "Devanagari",
            Alphabet::Georgian => "Georgian",
            Alphabet::Greek => "Greek",
            Alphabet::Gujarati => "Gujarati",
            Alphabet::Gurmukhi => "Gurmukhi",
            Alphabet::Han => "Han",
            Alphabet::Hangul => "Hangul",
            Alphabet::Hebrew => "Hebrew",
            Alphabet::Hiragana => "Hiragana",
            Alphabet::Katakana => "Katakana",
            Alphabet::Latin => "Latin",
            Alphabet::Tamil => "Tamil",
            Alphabet::Telugu => "Telugu",
            Alphabet::Thai => "Thai",
        }
    }

    /// How a word starting with a character of this script extends in lingua's word pattern.
    fn word_extent(self) -> Option<WordExtent> {
        match self {
            Alphabet::Bengali
            | Alphabet::Devanagari
            | Alphabet::Gujarati
            | Alphabet::Gurmukhi
            | Alphabet::Hangul
            | Alphabet::Tamil
            | Alphabet::Telugu
            | Alphabet::Thai => Some(WordExtent::Script(self)),
            Alphabet::Han | Alphabet::Hiragana | Alphabet::Katakana => Some(WordExtent::Single),
            _ => None,
        }
    }
}

enum WordExtent {
    Script(Alphabet),
    Single,
    Letters,
}

/// The Unicode tables lingua's rules need: the script of a character (of the eighteen) and
/// whether it is a letter (`\p{L}`).
pub(crate) struct CharClasses {
    /// Disjoint, sorted code point ranges with their script.
    scripts: Vec<(u32, u32, Alphabet)>,
    /// Sorted ranges of `\p{L}`.
    letters: Vec<(u32, u32)>,
}

impl CharClasses {
    pub(crate) fn new() -> Self {
        let mut scripts = Vec::new();
        for alphabet in Alphabet::ALL {
            for (start, end) in class_ranges(&format!("\\p{{{}}}", alphabet.script_name())) {
                scripts.push((start, end, alphabet));
            }
        }
        scripts.sort_unstable_by_key(|&(start, _, _)| start);
        CharClasses {
            scripts,
            letters: class_ranges("\\p{L}"),
        }
    }

    pub(crate) fn alphabet(&self, c: char) -> Option<Alphabet> {
        if c.is_ascii() {
            return c.is_ascii_alphabetic().then_some(Alphabet::Latin);
        }
        let c = u32::from(c);
        let i = self.scripts.partition_point(|&(start, _, _)| start <= c);
        let (_, end, alphabet) = *self.scripts.get(i.checked_sub(1)?)?;
        (c <= end).then_some(alphabet)
    }

    fn is_letter(&self, c: char) -> bool {
        if c.is_ascii() {
            return c.is_ascii_alphabetic();
        }
        let c = u32::from(c);
        let i = self.letters.partition_point(|&(start, _)| start <= c);
        i > 0 && self.letters.get(i - 1).is_some_and(|&(_, end)| c <= end)
    }

    /// lingua's `split_text_into_words` on an already trimmed, lower-cased text: byte ranges of
    /// the words.
    pub(crate) fn words<'t>(&self, lowered: &'t str) -> Vec<&'t str> {
        let mut words = Vec::new();
        let mut chars = lowered.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            let alphabet = self.alphabet(c);
            let extent = match alphabet.and_then(Alphabet::word_extent) {
                Some(extent) => extent,
                None if self.is_letter(c) => WordExtent::Letters,
                None => continue,
            };
            let mut end = start + c.len_utf8();
            match extent {
                WordExtent::Single => {}
                WordExtent::Script(script) => {
                    while let Some(&(i, next)) = chars.peek() {
                        if self.alphabet(next) != Some(script) {
                            break;
                        }
                        end = i + next.len_utf8();
                        chars.next();
                    }
                }
                WordExtent::Letters => {
                    while let Some(&(i, next)) = chars.peek() {
                        if !self.is_letter(next) {
                            break;
                        }
                        end = i + next.len_utf8();
                        chars.next();
                    }
                }
            }
            words.push(&lowered[start..end]);
        }
        words
    }
}

/// The code point ranges of a Unicode class expression such as `\p{Greek}`.
fn class_ranges(pattern: &str) -> Vec<(u32, u32)> {
    match regex_syntax::parse(pattern).map(|hir| hir.kind().clone()) {
        Ok(HirKind::Class(Class::Unicode(class))) => class
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        // The patterns are constants; the tests check every table is non-empty.
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_filled() {
        for alphabet in Alphabet::ALL {
            assert!(
                !class_ranges(&format!("\\p{{{}}}", alphabet.script_name())).is_empty(),
                "{alphabet:?}"
            );
        }
        assert!(!class_ranges("\\p{L}").is_empty());
    }

    #[test]
    fn words_follow_linguas_pattern() {
        let classes = CharClasses::new();
        assert_eq!(
            classes.words("hello, wörld! 123 it's"),
            ["hello", "wörld", "it", "s"]
        );
        assert_eq!(classes.words("今日は"), ["今", "日", "は"]);
        assert_eq!(classes.words("abc今日"), ["abc今日"]);
        assert_eq!(classes.words("नमस्ते दुनिया"), ["नमस्ते", "दुनिया"]);
        assert_eq!(classes.alphabet('ж'), Some(Alphabet::Cyrillic));
        assert_eq!(classes.alphabet('1'), None);
    }
}
