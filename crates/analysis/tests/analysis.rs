//! The analysis engine through its public API, on fixed multilingual captions.

use std::sync::OnceLock;

use analysis::{Analyzer, Category, Label, Sentiment, SentimentMethod};

fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(Analyzer::new)
}

fn language(text: &str) -> Option<&'static str> {
    analyzer().analyze(text).language.map(|l| l.code)
}

#[test]
fn languages_of_fixed_captions() {
    let cases = [
        (
            "Sunday brunch with my favourite people, the pancakes were amazing",
            "en",
        ),
        ("Domingo de paseo con la familia, qué bonito día", "es"),
        ("Que dia lindo para passear na praia com a família", "pt"),
        ("Akhirnya bisa liburan juga ke Bali bareng keluarga", "id"),
        ("Сегодня приготовила вкусный ужин для всей семьи", "ru"),
        ("Bugün hava çok güzel, sahilde yürüyüş yaptık", "tr"),
        ("يوم جميل مع العائلة في الحديقة", "ar"),
        ("Endlich Wochenende, jetzt wird entspannt", "de"),
        ("今日は友達とカフェでランチしました", "ja"),
        ("오늘은 친구들이랑 맛집 투어 했어요", "ko"),
        ("Дякую всім за привітання з днем народження", "uk"),
    ];
    for (text, expected) in cases {
        let analysis = analyzer().analyze(text);
        let guess = analysis
            .language
            .unwrap_or_else(|| panic!("no language for {text:?}"));
        assert_eq!(guess.code, expected, "{text:?}");
        assert!(guess.confidence > 0.0 && guess.confidence <= 1.0);
    }
}

#[test]
fn empty_emoji_only_and_hashtag_only_have_no_language() {
    for text in [
        "",
        "   ",
        "😍🔥🔥",
        "#love #instagood #photooftheday",
        "@anna_b 😍",
        "https://example.com",
    ] {
        assert_eq!(language(text), None, "{text:?}");
    }
    let empty = analyzer().analyze("");
    assert!(
        matches!(&empty.sentiment, Sentiment::NotAnalysed { reason } if reason == "empty text")
    );
    assert_eq!(empty.category, None);
}

#[test]
fn emoji_only_gets_emoji_sentiment() {
    let analysis = analyzer().analyze("😍😍🔥");
    let Sentiment::Analysed {
        label,
        score,
        method,
        confidence,
    } = analysis.sentiment
    else {
        panic!("not analysed: {:?}", analysis.sentiment);
    };
    assert_eq!(method, SentimentMethod::Emoji);
    assert_eq!(label, Label::Positive);
    assert!(score > 0.3 && score < 1.0, "{score}");
    assert!(confidence > 0.0 && confidence <= 1.0);

    let sad = analyzer().analyze("😭😢💔");
    assert!(
        matches!(
            sad.sentiment,
            Sentiment::Analysed {
                label: Label::Negative,
                ..
            }
        ),
        "{:?}",
        sad.sentiment
    );
}

#[test]
fn english_uses_vader() {
    let analysis =
        analyzer().analyze("Honestly the worst service I have ever had, never going back");
    let Sentiment::Analysed { label, method, .. } = analysis.sentiment else {
        panic!("not analysed");
    };
    assert_eq!(method, SentimentMethod::VaderEn);
    assert_eq!(label, Label::Negative);

    let analysis =
        analyzer().analyze("This pasta was absolutely amazing, I could eat it every day!!!");
    assert!(matches!(
        analysis.sentiment,
        Sentiment::Analysed {
            label: Label::Positive,
            method: SentimentMethod::VaderEn,
            ..
        }
    ));
}

#[test]
fn no_method_for_german_without_emojis() {
    let analysis = analyzer().analyze("Der beste Kaffee der Stadt, ganz ehrlich");
    assert_eq!(analysis.language.map(|l| l.code), Some("de"));
    match analysis.sentiment {
        Sentiment::NotAnalysed { reason } => assert_eq!(reason, "no sentiment method for German"),
        other => panic!("expected not analysed, got {other:?}"),
    }
    // The same text with emojis is scored by the emoji method.
    let analysis = analyzer().analyze("Der beste Kaffee der Stadt, ganz ehrlich 😍❤️");
    assert!(matches!(
        analysis.sentiment,
        Sentiment::Analysed {
            method: SentimentMethod::Emoji,
            label: Label::Positive,
            ..
        }
    ));
}

#[test]
fn mixed_language_caption() {
    // A Spanish sentence followed by an English one: one language, from lingua's scores.
    let analysis =
        analyzer().analyze("Qué ganas tenía de volver a la playa con mis amigas. Best trip ever!");
    let code = analysis.language.map(|l| l.code);
    assert!(matches!(code, Some("es") | Some("en")), "{code:?}");
    assert!(matches!(analysis.sentiment, Sentiment::Analysed { .. }) || code == Some("es"));
}

#[test]
fn categories_with_evidence() {
    let food = analyzer().analyze("Best pizza in town tonight 🍕 #foodporn #instafood @marco");
    let guess = food.category.expect("a category");
    assert_eq!(guess.category, Category::Food);
    assert!(
        guess.evidence.contains(&"#foodporn".to_owned()),
        "{:?}",
        guess.evidence
    );
    assert!(
        guess.evidence.contains(&"pizza".to_owned()),
        "{:?}",
        guess.evidence
    );
    assert!(
        guess.confidence > 0.5 && guess.confidence <= 1.0,
        "{}",
        guess.confidence
    );

    let cases = [
        (
            "Neues Training im Fitnessstudio heute, Kniebeugen bis zum Umfallen",
            Category::Fitness,
        ),
        (
            "Nuestro perro durmiendo en el sofá #dogsofinstagram",
            Category::Pets,
        ),
        ("Наконец-то отпуск, море и пляж #travel", Category::Travel),
        ("今日は家族で旅行に行きました", Category::Travel),
        (
            "New episode of the series tonight on netflix",
            Category::Entertainment,
        ),
        ("Morning routine vlog #dayinmylife", Category::Lifestyle),
    ];
    for (text, expected) in cases {
        let got = analyzer().analyze(text).category.map(|c| c.category);
        assert_eq!(got, Some(expected), "{text:?}");
    }
    // No evidence, no category: lifestyle is not a fallback.
    assert_eq!(
        analyzer().analyze("Just thinking out loud today").category,
        None
    );
    // A mention is an account name, not evidence.
    assert_eq!(analyzer().analyze("Thanks @pizza_lover").category, None);
}

#[test]
fn batch_keeps_order() {
    let texts = [
        "Sunday brunch with my favourite people",
        "",
        "Domingo de paseo con la familia, qué bonito día",
        "😍",
        "Сегодня приготовила вкусный ужин для всей семьи",
    ];
    let many: Vec<&str> = texts.iter().copied().cycle().take(500).collect();
    let batch = analyzer().analyze_batch(&many);
    assert_eq!(batch.len(), many.len());
    for (text, analysis) in many.iter().zip(&batch) {
        let single = analyzer().analyze(text);
        // lingua sums its probabilities in hash-map order: equal up to the last bits.
        assert_eq!(
            analysis.language.map(|l| l.code),
            single.language.map(|l| l.code),
            "{text:?}"
        );
        let confidence = |a: &analysis::Analysis| a.language.map_or(0.0, |l| l.confidence);
        assert!((confidence(analysis) - confidence(&single)).abs() < 1e-9);
        assert_eq!(analysis.sentiment, single.sentiment, "{text:?}");
        assert_eq!(analysis.category, single.category, "{text:?}");
    }
}

#[test]
fn analyze_file_writes_json_lines_in_order() {
    let input = "Sunday brunch with my favorite people, so happy\n\nDer beste Kaffee der Stadt, ganz ehrlich\r\n😍🔥\n";
    let mut out = Vec::new();
    let mut seen = Vec::new();
    let n = analysis::analyze_file(input.as_bytes(), &mut out, analyzer(), |done| {
        seen.push(done)
    })
    .expect("io");
    assert_eq!(n, 4);
    assert_eq!(seen, vec![4]);
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["language"], "en");
    assert_eq!(lines[0]["sentiment"], "positive");
    assert_eq!(lines[0]["method"]["sentiment"], "vader_en");
    assert_eq!(lines[1]["language"], serde_json::Value::Null);
    assert_eq!(lines[1]["sentiment"], "not_analysed");
    assert_eq!(lines[1]["sentiment_score"], serde_json::Value::Null);
    assert_eq!(lines[2]["language"], "de");
    assert_eq!(lines[2]["sentiment"], "not_analysed");
    assert_eq!(lines[3]["sentiment"], "positive");
    assert_eq!(lines[3]["method"]["sentiment"], "emoji");
    for line in &lines {
        for key in [
            "language",
            "language_confidence",
            "sentiment",
            "sentiment_score",
            "category",
            "category_confidence",
            "method",
        ] {
            assert!(line.get(key).is_some(), "missing {key} in {line}");
        }
        assert_eq!(line["method"]["version"], analysis::METHOD_VERSION);
    }
}

#[test]
fn analyzer_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Analyzer>();
}
