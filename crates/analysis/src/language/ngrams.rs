//! lingua's n-gram models and a shared memo over them.
//!
//! Each language's model (`ngrams.fst` of the `lingua-<language>-language-model` crates) maps
//! an n-gram of 1 to 5 characters to the bits of its natural-log probability. lingua scores an
//! n-gram for a language with the first of the n-gram and its shorter prefixes that the model
//! holds, so the contribution of an n-gram is a fixed vector over the languages: the
//! [`NgramScores`] of the memo. Captions share most n-grams, so after warm-up a caption costs
//! one hash look-up per n-gram instead of one FST walk per n-gram, prefix and language.
//!
//! The memo is sharded (readers of different shards never meet) and bounded: a shard that
//! reaches its share of the capacity (114,688 n-grams, at most ~30 MB) is emptied and refills
//! from the models.

use std::sync::{PoisonError, RwLock};

use fst::Map;
use lingua::Language;
use rustc_hash::FxHashMap;

use super::{LANGUAGE_COUNT, LANGUAGES};

const SHARDS: usize = 32;
/// N-grams per shard: 7/8 of 4,096, the most a table of 4,096 buckets holds without growing.
const SHARD_CAPACITY: usize = 3_584;
/// Most n-grams kept in the memo: 114,688, at most ~30 MB (4,096 buckets of 225 bytes per
/// shard).
#[cfg(test)]
const MEMO_CAPACITY: usize = SHARDS * SHARD_CAPACITY;

/// What an n-gram contributes to each language's score.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NgramScores {
    /// The log probability of the n-gram or, failing that, of its longest prefix in the
    /// language's model; 0 when none is there (lingua adds nothing then).
    pub(crate) log_probability: [f64; LANGUAGE_COUNT],
    /// Languages (bit = index in [`LANGUAGES`]) whose model holds the n-gram itself.
    pub(crate) known_by: u32,
}

/// An n-gram of at most five characters as a hash key: 21 bits per character and the length.
pub(crate) fn ngram_key(ngram: &str) -> u128 {
    let mut key = 0u128;
    let mut length = 0u128;
    for c in ngram.chars() {
        key |= u128::from(u32::from(c)) << (21 * length);
        length += 1;
    }
    key | (length << 120)
}

pub(crate) struct NgramModels {
    models: Vec<Option<Map<&'static [u8]>>>,
    memo: Vec<RwLock<FxHashMap<u128, NgramScores>>>,
}

impl NgramModels {
    /// Opens the 25 embedded models (no copy: an FST is read in place). A model that cannot
    /// be opened counts as empty, as lingua treats a model it cannot load.
    pub(crate) fn new() -> Self {
        let models = LANGUAGES
            .iter()
            .map(|&language| {
                models_directory(language)
                    .get_file("ngrams.fst")
                    .and_then(|file| Map::new(file.contents()).ok())
            })
            .collect();
        let memo = (0..SHARDS)
            .map(|_| {
                RwLock::new(FxHashMap::with_capacity_and_hasher(
                    SHARD_CAPACITY,
                    Default::default(),
                ))
            })
            .collect();
        NgramModels { models, memo }
    }

    /// The scores of an n-gram of 1 to 5 characters (`key` is its [`ngram_key`]).
    pub(crate) fn scores(&self, ngram: &str, key: u128) -> NgramScores {
        // The key's low bits mix the last characters; the length bits are the same for all.
        let shard = &self.memo[(key as usize ^ (key >> 64) as usize) % SHARDS];
        if let Some(scores) = shard
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return *scores;
        }
        let scores = self.look_up(ngram);
        let mut map = shard.write().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= SHARD_CAPACITY {
            map.clear();
        }
        map.insert(key, scores);
        scores
    }

    fn look_up(&self, ngram: &str) -> NgramScores {
        let prefix = ngram
            .char_indices()
            .next_back()
            .map(|(last, _)| &ngram[..last])
            .filter(|prefix| !prefix.is_empty());
        let mut scores = match prefix {
            Some(prefix) => self.scores(prefix, ngram_key(prefix)),
            None => NgramScores {
                log_probability: [0.0; LANGUAGE_COUNT],
                known_by: 0,
            },
        };
        scores.known_by = 0;
        for (i, model) in self.models.iter().enumerate() {
            if let Some(bits) = model.as_ref().and_then(|model| model.get(ngram)) {
                scores.log_probability[i] = f64::from_bits(bits);
                scores.known_by |= 1 << i;
            }
        }
        scores
    }

    /// Number of n-grams in the memo.
    #[cfg(test)]
    pub(crate) fn memo_len(&self) -> usize {
        self.memo
            .iter()
            .map(|shard| shard.read().map_or(0, |map| map.len()))
            .sum()
    }
}

fn models_directory(language: Language) -> include_dir::Dir<'static> {
    use Language::*;
    match language {
        English => lingua_english_language_model::ENGLISH_MODELS_DIRECTORY,
        Spanish => lingua_spanish_language_model::SPANISH_MODELS_DIRECTORY,
        Portuguese => lingua_portuguese_language_model::PORTUGUESE_MODELS_DIRECTORY,
        French => lingua_french_language_model::FRENCH_MODELS_DIRECTORY,
        German => lingua_german_language_model::GERMAN_MODELS_DIRECTORY,
        Italian => lingua_italian_language_model::ITALIAN_MODELS_DIRECTORY,
        Dutch => lingua_dutch_language_model::DUTCH_MODELS_DIRECTORY,
        Turkish => lingua_turkish_language_model::TURKISH_MODELS_DIRECTORY,
        Russian => lingua_russian_language_model::RUSSIAN_MODELS_DIRECTORY,
        Arabic => lingua_arabic_language_model::ARABIC_MODELS_DIRECTORY,
        Hindi => lingua_hindi_language_model::HINDI_MODELS_DIRECTORY,
        Indonesian => lingua_indonesian_language_model::INDONESIAN_MODELS_DIRECTORY,
        Japanese => lingua_japanese_language_model::JAPANESE_MODELS_DIRECTORY,
        Korean => lingua_korean_language_model::KOREAN_MODELS_DIRECTORY,
        Chinese => lingua_chinese_language_model::CHINESE_MODELS_DIRECTORY,
        Polish => lingua_polish_language_model::POLISH_MODELS_DIRECTORY,
        Swedish => lingua_swedish_language_model::SWEDISH_MODELS_DIRECTORY,
        Ukrainian => lingua_ukrainian_language_model::UKRAINIAN_MODELS_DIRECTORY,
        Thai => lingua_thai_language_model::THAI_MODELS_DIRECTORY,
        Vietnamese => lingua_vietnamese_language_model::VIETNAMESE_MODELS_DIRECTORY,
        Persian => lingua_persian_language_model::PERSIAN_MODELS_DIRECTORY,
        Romanian => lingua_romanian_language_model::ROMANIAN_MODELS_DIRECTORY,
        Greek => lingua_greek_language_model::GREEK_MODELS_DIRECTORY,
        Hebrew => lingua_hebrew_language_model::HEBREW_MODELS_DIRECTORY,
        Tagalog => lingua_tagalog_language_model::TAGALOG_MODELS_DIRECTORY,
    }
}

/// The test sentences, single words and word pairs lingua's model crates ship for a language.
#[cfg(test)]
pub(crate) fn test_data_directory(language: Language) -> include_dir::Dir<'static> {
    use Language::*;
    match language {
        English => lingua_english_language_model::ENGLISH_TESTDATA_DIRECTORY,
        Spanish => lingua_spanish_language_model::SPANISH_TESTDATA_DIRECTORY,
        Portuguese => lingua_portuguese_language_model::PORTUGUESE_TESTDATA_DIRECTORY,
        French => lingua_french_language_model::FRENCH_TESTDATA_DIRECTORY,
        German => lingua_german_language_model::GERMAN_TESTDATA_DIRECTORY,
        Italian => lingua_italian_language_model::ITALIAN_TESTDATA_DIRECTORY,
        Dutch => lingua_dutch_language_model::DUTCH_TESTDATA_DIRECTORY,
        Turkish => lingua_turkish_language_model::TURKISH_TESTDATA_DIRECTORY,
        Russian => lingua_russian_language_model::RUSSIAN_TESTDATA_DIRECTORY,
        Arabic => lingua_arabic_language_model::ARABIC_TESTDATA_DIRECTORY,
        Hindi => lingua_hindi_language_model::HINDI_TESTDATA_DIRECTORY,
        Indonesian => lingua_indonesian_language_model::INDONESIAN_TESTDATA_DIRECTORY,
        Japanese => lingua_japanese_language_model::JAPANESE_TESTDATA_DIRECTORY,
        Korean => lingua_korean_language_model::KOREAN_TESTDATA_DIRECTORY,
        Chinese => lingua_chinese_language_model::CHINESE_TESTDATA_DIRECTORY,
        Polish => lingua_polish_language_model::POLISH_TESTDATA_DIRECTORY,
        Swedish => lingua_swedish_language_model::SWEDISH_TESTDATA_DIRECTORY,
        Ukrainian => lingua_ukrainian_language_model::UKRAINIAN_TESTDATA_DIRECTORY,
        Thai => lingua_thai_language_model::THAI_TESTDATA_DIRECTORY,
        Vietnamese => lingua_vietnamese_language_model::VIETNAMESE_TESTDATA_DIRECTORY,
        Persian => lingua_persian_language_model::PERSIAN_TESTDATA_DIRECTORY,
        Romanian => lingua_romanian_language_model::ROMANIAN_TESTDATA_DIRECTORY,
        Greek => lingua_greek_language_model::GREEK_TESTDATA_DIRECTORY,
        Hebrew => lingua_hebrew_language_model::HEBREW_TESTDATA_DIRECTORY,
        Tagalog => lingua_tagalog_language_model::TAGALOG_TESTDATA_DIRECTORY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_ngrams_apart() {
        assert_ne!(ngram_key("a"), ngram_key("ab"));
        assert_ne!(ngram_key("ab"), ngram_key("ba"));
        assert_eq!(ngram_key("日本"), ngram_key("日本"));
    }

    #[test]
    fn scores_fall_back_to_prefixes() {
        let models = NgramModels::new();
        let english = 0;
        let the = models.scores("the", ngram_key("the"));
        assert!(the.known_by & 1 << english != 0);
        assert!(the.log_probability[english] < 0.0);
        // Not an English trigram: its score is that of the longest prefix English knows.
        let thq = models.scores("thж", ngram_key("thж"));
        let th = models.scores("th", ngram_key("th"));
        assert_eq!(thq.known_by & 1 << english, 0);
        assert_eq!(
            thq.log_probability[english].to_bits(),
            th.log_probability[english].to_bits()
        );
        assert!(models.memo_len() >= 4);
    }

    #[test]
    fn memo_stays_bounded() {
        let models = NgramModels::new();
        // More distinct bigrams than the memo holds (Han characters: few models know them).
        let han = (0x4E00u32..0x4E00 + 400).filter_map(char::from_u32);
        let ngrams: Vec<String> = han
            .clone()
            .flat_map(|a| han.clone().take(300).map(move |b| format!("{a}{b}")))
            .collect();
        assert!(ngrams.len() > MEMO_CAPACITY);
        for ngram in &ngrams {
            models.scores(ngram, ngram_key(ngram));
        }
        assert!(models.memo_len() <= MEMO_CAPACITY);
    }
}
