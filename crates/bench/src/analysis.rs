//! `bench analysis`: post analysis against the Python reference, side by side on one file.
//!
//! 1. Writes a deterministic captions file (`--captions N`, seeded): sentences from
//!    `data/captions/phrases.tsv` in 25 languages in roughly Instagram's proportions (English
//!    most, then es/pt/id/ru/tr/ar/fr/de/it/…), decorated with emojis, hashtags, `@mentions` and
//!    links, plus emoji-only, hashtag-only, mention-only, empty and mixed-language lines.
//! 2. Runs the Python reference (`analysis_reference.py`: vaderSentiment + lingua-py over the
//!    same 25 languages) on it, and `analysis::analyze_file` in this process (timed end to end,
//!    reading and writing included, after building the `Analyzer`, whose build time is printed
//!    separately).
//! 3. Prints posts/s of both and the ratio (the reference's own "both" figure: its sentiment
//!    and language loops, without start-up and file I/O), language agreement (same ISO code or
//!    both none) on the lines whose text lingua sees and on all lines (the analyzer gives no
//!    language to empty, emoji-, hashtag- and mention-only lines by design, where the reference
//!    guesses from tag words; disagreements broken down by cause) and English sentiment sign
//!    agreement (on lines both call English: the sign of the compound, |x| < 0.05 counting as
//!    0), and exits non-zero when the first or the last is below 99 %.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::Value;

#[derive(clap::Args, Debug)]
pub struct AnalysisArgs {
    /// Captions in the generated file.
    #[arg(long, default_value_t = 20_000)]
    captions: usize,
    /// Seed of the caption generator.
    #[arg(long, default_value_t = 14)]
    seed: u64,
    /// The Python reference script.
    #[arg(long, default_value = "../shared/anchors/analysis_reference.py")]
    reference: PathBuf,
    /// The Python interpreter (needs vaderSentiment and lingua-language-detector).
    #[arg(long, default_value = "python3")]
    python: String,
    /// Measure on this file (one caption per line) instead of a generated one: real or more
    /// varied text than the generator's phrases.
    #[arg(long)]
    from: Option<PathBuf>,
    /// Keep the captions and both outputs in this directory instead of a temporary one.
    #[arg(long)]
    keep: Option<PathBuf>,
}

const PHRASES: &str = include_str!("../data/captions/phrases.tsv");

/// Share of captions per language, in percent (Instagram-like: English first, then the big
/// Spanish, Portuguese, Indonesian, Russian, Turkish and Arabic audiences).
const LANGUAGE_WEIGHTS: &[(&str, f64)] = &[
    ("en", 40.0),
    ("es", 10.0),
    ("pt", 9.0),
    ("id", 6.0),
    ("ru", 5.0),
    ("tr", 4.0),
    ("ar", 4.0),
    ("fr", 3.0),
    ("de", 3.0),
    ("it", 3.0),
    ("ja", 2.0),
    ("ko", 1.5),
    ("hi", 1.5),
    ("fa", 1.0),
    ("th", 1.0),
    ("pl", 1.0),
    ("nl", 1.0),
    ("zh", 0.8),
    ("uk", 0.7),
    ("vi", 0.7),
    ("tl", 0.7),
    ("sv", 0.5),
    ("ro", 0.5),
    ("el", 0.4),
    ("he", 0.4),
];

const EMOJIS: &[&str] = &[
    "😍", "❤️", "🔥", "😂", "🙏", "✨", "💕", "😭", "😊", "👏", "🥰", "💯", "😢", "😡", "🙄", "🌞",
    "🌊", "🍕", "☕", "🎉", "💪", "📸", "🐶", "😎", "🤩", "💔", "😴", "🤔", "👌", "🌸", "🥺", "😅",
];

const TAGS_GENERAL: &[&str] = &[
    "love",
    "instagood",
    "photooftheday",
    "fashion",
    "beautiful",
    "happy",
    "cute",
    "tbt",
    "picoftheday",
    "followme",
    "selfie",
    "summer",
    "friends",
    "instadaily",
    "fitness",
    "food",
    "foodporn",
    "travel",
    "ootd",
    "makeup",
    "art",
    "music",
    "nature",
    "dog",
    "catsofinstagram",
    "gym",
    "wanderlust",
    "family",
    "photography",
    "gaming",
    "tech",
    "business",
    "motivation",
    "lifestyle",
    "homedecor",
    "cars",
    "football",
    "netflix",
    "skincare",
    "study",
];

const TAGS_LOCAL: &[&str] = &[
    "amor",
    "viaje",
    "comida",
    "familia",
    "futebol",
    "viagem",
    "essen",
    "reise",
    "voyage",
    "cuisine",
    "cibo",
    "viaggio",
    "yemek",
    "seyahat",
    "makanan",
    "kuliner",
    "путешествие",
    "еда",
    "фитнес",
    "jedzenie",
    "podróże",
    "旅行",
    "맛집",
    "อาหาร",
    "سفر",
];

const NAMES: &[&str] = &[
    "anna",
    "marco_ph",
    "the.foodie",
    "lucas",
    "maria.s",
    "joao",
    "ayse",
    "dmitry",
    "sarah_k",
    "kenji",
    "minji",
    "budi",
    "fatima",
    "pierre",
    "lena",
    "giulia",
    "studio.nine",
    "brandco",
];

/// splitmix64: a seeded, reproducible generator (no dependency for a benchmark's input).
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
}

struct Phrases {
    by_language: BTreeMap<&'static str, Vec<&'static str>>,
}

impl Phrases {
    fn load() -> Result<Self> {
        let mut by_language: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
        for line in PHRASES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (language, sentence) = line.split_once('\t').context("phrases.tsv: no tab")?;
            by_language.entry(language).or_default().push(sentence);
        }
        for (language, _) in LANGUAGE_WEIGHTS {
            if !by_language.contains_key(language) {
                bail!("phrases.tsv has no sentence in {language}");
            }
        }
        Ok(Phrases { by_language })
    }

    fn sentence(&self, rng: &mut Rng, language: &str) -> &'static str {
        self.by_language
            .get(language)
            .map_or("", |list| list[rng.below(list.len())])
    }
}

fn pick_language(rng: &mut Rng) -> &'static str {
    let total: f64 = LANGUAGE_WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut x = rng.unit() * total;
    for (language, weight) in LANGUAGE_WEIGHTS {
        if x < *weight {
            return language;
        }
        x -= weight;
    }
    "en"
}

fn emojis(rng: &mut Rng, max: usize) -> String {
    let n = 1 + rng.below(max);
    (0..n).map(|_| rng.pick(EMOJIS)).collect()
}

fn hashtags(rng: &mut Rng, max: usize) -> String {
    let n = 1 + rng.below(max);
    let tags: Vec<String> = (0..n)
        .map(|_| {
            let tag = if rng.unit() < 0.75 {
                rng.pick(TAGS_GENERAL)
            } else {
                rng.pick(TAGS_LOCAL)
            };
            format!("#{tag}")
        })
        .collect();
    tags.join(" ")
}

/// One caption; never contains a line break.
fn caption(rng: &mut Rng, phrases: &Phrases) -> String {
    let kind = rng.unit();
    if kind < 0.01 {
        return String::new();
    }
    if kind < 0.04 {
        return emojis(rng, 4);
    }
    if kind < 0.055 {
        return hashtags(rng, 8);
    }
    if kind < 0.065 {
        return format!("@{} {}", rng.pick(NAMES), emojis(rng, 3));
    }
    let language = pick_language(rng);
    let mut text = String::from(phrases.sentence(rng, language));
    if kind < 0.115 && language != "en" {
        // Code switching: a local sentence followed by an English one.
        text.push_str(". ");
        text.push_str(phrases.sentence(rng, "en"));
    } else {
        for _ in 0..rng.below(3) {
            text.push_str(if rng.unit() < 0.5 { ". " } else { "! " });
            text.push_str(phrases.sentence(rng, language));
        }
    }
    if rng.unit() < 0.5 {
        text.push(' ');
        text.push_str(&emojis(rng, 3));
    }
    if rng.unit() < 0.15 {
        text = format!("{text} with @{}", rng.pick(NAMES));
    }
    if rng.unit() < 0.03 {
        text.push_str(" https://example.com/p/");
        text.push_str(&rng.next_u64().to_string()[..6]);
    }
    if rng.unit() < 0.45 {
        text.push(' ');
        text.push_str(&hashtags(rng, 10));
    }
    text
}

fn write_captions(path: &Path, count: usize, seed: u64) -> Result<()> {
    let phrases = Phrases::load()?;
    let mut rng = Rng(seed);
    let mut out = BufWriter::new(File::create(path)?);
    for _ in 0..count {
        writeln!(out, "{}", caption(&mut rng, &phrases))?;
    }
    out.flush()?;
    Ok(())
}

fn read_jsonl(path: &Path) -> Result<Vec<Value>> {
    BufReader::new(File::open(path).with_context(|| format!("opening {}", path.display()))?)
        .lines()
        .map(|line| Ok(serde_json::from_str(&line?)?))
        .collect()
}

fn sign(x: f64) -> i8 {
    if x >= 0.05 {
        1
    } else if x <= -0.05 {
        -1
    } else {
        0
    }
}

pub async fn run(args: AnalysisArgs) -> Result<()> {
    tokio::task::spawn_blocking(move || run_blocking(args)).await?
}

fn run_blocking(args: AnalysisArgs) -> Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = args
        .keep
        .clone()
        .unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let py_out = dir.join("reference.jsonl");
    let rs_out = dir.join("rust.jsonl");
    let captions = match &args.from {
        Some(file) => {
            println!("captions: {}", file.display());
            file.clone()
        }
        None => {
            let captions = dir.join("captions.txt");
            write_captions(&captions, args.captions, args.seed)?;
            println!(
                "captions: {} (seed {}) in {}",
                args.captions,
                args.seed,
                captions.display()
            );
            captions
        }
    };

    // Python reference.
    let output = Command::new(&args.python)
        .arg(&args.reference)
        .arg(&captions)
        .arg(&py_out)
        .output()
        .with_context(|| format!("running {} {}", args.python, args.reference.display()))?;
    if !output.status.success() {
        bail!(
            "reference failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!(
        "python reference:\n  {}",
        stdout.lines().collect::<Vec<_>>().join("\n  ")
    );
    println!();
    let py_rate: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("both: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .context("no `both: N posts/s` line in the reference's output")?;

    // Rust.
    let started = Instant::now();
    let analyzer = ::analysis::Analyzer::new();
    let build = started.elapsed();
    let started = Instant::now();
    let lines = ::analysis::analyze_file(
        BufReader::new(File::open(&captions)?),
        BufWriter::new(File::create(&rs_out)?),
        &analyzer,
        |_| {},
    )?;
    let elapsed = started.elapsed();
    let rs_rate = lines as f64 / elapsed.as_secs_f64();
    println!(
        "rust analysis (threads {}): Analyzer::new {:.2} s; analyze_file {} lines in {:.2} s = {:.0} posts/s = {:.1} M posts/h",
        rayon_threads(),
        build.as_secs_f64(),
        lines,
        elapsed.as_secs_f64(),
        rs_rate,
        rs_rate * 3600.0 / 1e6
    );
    println!("ratio rust / python: {:.1}x (goal ≥ 5x)", rs_rate / py_rate);

    // Agreement.
    let py = read_jsonl(&py_out)?;
    let rs = read_jsonl(&rs_out)?;
    if py.len() != rs.len() {
        bail!(
            "line counts differ: python {} vs rust {}",
            py.len(),
            rs.len()
        );
    }
    let caption_lines: Vec<String> = BufReader::new(File::open(&captions)?)
        .lines()
        .collect::<Result<_, _>>()?;
    let mut same_language = 0usize;
    // Lines whose language Rust declines by policy (no letters outside hashtags, mentions and
    // links) are counted apart: there the reference guesses from tag words.
    let (mut detected_lines, mut detected_same) = (0usize, 0usize);
    let mut causes: BTreeMap<String, usize> = BTreeMap::new();
    let mut examples: Vec<String> = Vec::new();
    let (mut english, mut same_sign, mut within) = (0usize, 0usize, 0usize);
    let mut max_diff = 0.0f64;
    for (i, (p, r)) in py.iter().zip(&rs).enumerate() {
        let caption = caption_lines.get(i).map_or("", String::as_str);
        let pl = p["language"].as_str();
        let rl = r["language"].as_str();
        let detected = ::analysis::language::has_language_text(caption);
        if detected {
            detected_lines += 1;
        }
        if pl == rl {
            same_language += 1;
            if detected {
                detected_same += 1;
            }
        } else {
            let cause = match (pl, rl) {
                (Some(_), None) if !detected => {
                    "rust none by policy (no letters outside tags/mentions/links)".to_owned()
                }
                (Some(a), None) => format!("python {a} / rust none"),
                (None, Some(b)) => format!("python none / rust {b}"),
                (Some(a), Some(b)) => format!("python {a} / rust {b}"),
                (None, None) => "both none".to_owned(),
            };
            *causes.entry(cause).or_default() += 1;
            if detected && examples.len() < 8 {
                examples.push(format!("{pl:?} / {rl:?}: {caption}"));
            }
        }
        if pl == Some("en") && rl == Some("en") {
            english += 1;
            let pc = p["compound"].as_f64().unwrap_or(0.0);
            let rc = r["sentiment_score"].as_f64().unwrap_or(f64::NAN);
            if sign(pc) == sign(rc) {
                same_sign += 1;
            }
            let diff = (pc - rc).abs();
            if diff <= 1e-3 {
                within += 1;
            }
            max_diff = max_diff.max(diff);
        }
    }
    let overall = same_language as f64 / py.len().max(1) as f64;
    let language_agreement = detected_same as f64 / detected_lines.max(1) as f64;
    let sign_agreement = same_sign as f64 / english.max(1) as f64;
    println!(
        "language agreement on the {detected_lines} lines lingua sees: {:.2} %; on all lines: {:.2} % ({same_language}/{})",
        100.0 * language_agreement,
        100.0 * overall,
        py.len()
    );
    for (cause, count) in &causes {
        println!("  {count:>6}  {cause}");
    }
    for example in &examples {
        println!("  e.g. {example}");
    }
    println!(
        "english sentiment sign agreement: {:.2} % ({same_sign}/{english}); compound within 1e-3: {:.2} %; max |diff| {:.4}",
        100.0 * sign_agreement,
        100.0 * within as f64 / english.max(1) as f64,
        max_diff
    );
    if language_agreement < 0.99 || sign_agreement < 0.99 {
        bail!("agreement below 99 %");
    }
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
