//! End-to-end checks: documents render to PDFs that a PDF reader (lopdf) loads, with the
//! expected pages, metadata and extractable text; hostile input renders without panicking.

use chrono::{TimeZone, Utc};
use lopdf::Object;
use report::{Align, Bar, Block, Column, Cover, Document, Score, Tone, render};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn column(title: &str, align: Align) -> Column {
    Column {
        title: title.to_owned(),
        align,
        weight: 1.0,
    }
}

fn bar(label: &str, value: f64, tone: Tone) -> Bar {
    Bar {
        label: label.to_owned(),
        value,
        tone,
        annotation: Some(format!("{label} note")),
    }
}

/// A document with one block of every kind and a 200-row table.
fn full_document() -> Document {
    let rows = (1..=200)
        .map(|i| {
            vec![
                format!("row-{i:04}"),
                format!("Cell text {i}"),
                format!("{}", i * 7),
            ]
        })
        .collect();
    Document {
        title: "Audit report for testing".to_owned(),
        subject: "Audit of @tester: overall score 72/100".to_owned(),
        keywords: vec!["audit".to_owned(), "test".to_owned()],
        created: Utc
            .with_ymd_and_hms(2026, 3, 4, 5, 6, 7)
            .single()
            .unwrap_or_default(),
        footer: "Growthdeck test footer".to_owned(),
        cover: Cover {
            kicker: "Account audit".to_owned(),
            heading: "@tester".to_owned(),
            subheading: "A test account".to_owned(),
            score: Some(Score {
                value: 72.0,
                label: "Overall score".to_owned(),
            }),
            facts: vec![("Followers".to_owned(), "12,345".to_owned())],
            note: Some("Method note".to_owned()),
        },
        blocks: vec![
            Block::Heading("Summary".to_owned()),
            Block::SubHeading("Details".to_owned()),
            Block::Paragraph("A paragraph of running text. ".repeat(20)),
            Block::Note("A small note.".to_owned()),
            Block::Callout {
                title: "Good news".to_owned(),
                body: "Engagement is up.".to_owned(),
                tone: Tone::Good,
            },
            Block::KeyValues(vec![("Likes".to_owned(), "1,000".to_owned())]),
            Block::Bars {
                title: "Bars".to_owned(),
                unit: "%".to_owned(),
                bars: vec![
                    bar("Reels", 5.5, Tone::Good),
                    bar("Images", 2.0, Tone::Warning),
                ],
                max: Some(10.0),
            },
            Block::Line {
                title: "Followers".to_owned(),
                unit: "followers".to_owned(),
                points: (0..30)
                    .map(|i| (format!("D{i}"), f64::from(i * i)))
                    .collect(),
            },
            Block::Grid {
                title: "Heatmap".to_owned(),
                columns: (0..24).map(|h| format!("{h}")).collect(),
                rows: vec![
                    (
                        "Mon".to_owned(),
                        (0..24).map(|h| Some(f64::from(h))).collect(),
                    ),
                    ("Tue".to_owned(), vec![None; 24]),
                ],
                legend: "Engagement by hour".to_owned(),
            },
            Block::PageBreak,
            Block::Table {
                columns: vec![
                    column("Identifier", Align::Left),
                    column("Description", Align::Left),
                    column("Amount", Align::Right),
                ],
                rows,
                caption: Some("The table caption".to_owned()),
            },
        ],
    }
}

fn text_of(page: u32, pdf: &lopdf::Document) -> Result<String, lopdf::Error> {
    pdf.extract_text(&[page])
}

/// An Info dictionary entry as text (PDF text strings are PDFDocEncoding or UTF-16BE).
fn info(pdf: &lopdf::Document, key: &[u8]) -> Result<String, Box<dyn std::error::Error>> {
    let info = pdf.trailer.get_deref(b"Info", pdf)?.as_dict()?;
    let value: &Object = info.get_deref(key, pdf)?;
    Ok(lopdf::decode_text_string(value)?)
}

#[test]
fn a_full_document_renders_and_reads_back() -> TestResult {
    let bytes = render(&full_document())?;
    assert!(bytes.starts_with(b"%PDF-"));
    let pdf = lopdf::Document::load_mem(&bytes)?;
    let pages = pdf.get_pages();
    let count = u32::try_from(pages.len())?;

    assert_eq!(info(&pdf, b"Title")?, "Audit report for testing");
    assert_eq!(
        info(&pdf, b"Subject")?,
        "Audit of @tester: overall score 72/100"
    );

    // The cover: the score, the facts and the footer, as text.
    let cover = text_of(1, &pdf)?;
    assert!(cover.contains("72"), "cover text: {cover:?}");
    assert!(cover.contains("12,345"), "cover text: {cover:?}");
    assert!(
        cover.contains("Growthdeck test footer"),
        "cover text: {cover:?}"
    );
    assert!(
        cover.contains(&format!("1 / {count}")),
        "cover text: {cover:?}"
    );

    // The table starts after the page break and spans several pages; every one of its pages
    // repeats the header, every row appears exactly once, in order, and every page but the
    // table's last holds the same number of rows.
    let mut next_row = 1;
    let mut rows_per_page = Vec::new();
    let mut table_pages = Vec::new();
    for page in 1..=count {
        let text = text_of(page, &pdf)?;
        assert!(
            text.contains(&format!("{page} / {count}")),
            "page {page}: {text:?}"
        );
        let rows = (1..=200)
            .filter(|i| text.contains(&format!("row-{i:04}")))
            .collect::<Vec<_>>();
        if rows.is_empty() {
            continue;
        }
        table_pages.push(page);
        assert!(
            text.contains("Identifier") && text.contains("Amount"),
            "page {page} lacks the header: {text:?}"
        );
        assert_eq!(
            rows.first(),
            Some(&next_row),
            "page {page} starts at the wrong row"
        );
        assert_eq!(
            rows.len(),
            rows.iter().collect::<std::collections::BTreeSet<_>>().len()
        );
        next_row += rows.len();
        rows_per_page.push(rows.len());
    }
    assert_eq!(next_row, 201, "not every row was found");
    let full = rows_per_page.first().copied().unwrap_or(0);
    assert!(full >= 25, "{rows_per_page:?}");
    assert!(
        rows_per_page.iter().rev().skip(1).all(|&rows| rows == full),
        "{rows_per_page:?}"
    );
    assert_eq!(
        table_pages.len(),
        200usize.div_ceil(full),
        "{rows_per_page:?}"
    );
    // The table's pages follow each other up to the last page; the page break before the
    // table means the page before its first holds none of it, and the cover holds no block.
    let first = table_pages.first().copied().unwrap_or(0);
    assert!(first > 2, "{table_pages:?}");
    assert_eq!(
        table_pages,
        (first..=count).collect::<Vec<_>>(),
        "{rows_per_page:?}"
    );
    assert!(!text_of(1, &pdf)?.contains("Summary"));
    assert!(text_of(2, &pdf)?.contains("Summary"));

    // A table cell's text and the caption come back out.
    let last = text_of(count, &pdf)?;
    assert!(last.contains("Cell text 200"), "{last:?}");
    assert!(last.contains("1400"), "{last:?}");
    assert!(last.contains("The table caption"), "{last:?}");
    Ok(())
}

#[test]
fn text_outside_ascii_is_extractable() -> TestResult {
    let doc = Document {
        blocks: vec![Block::Paragraph("Zürich café — Ωmega".to_owned())],
        ..Document::default()
    };
    let pdf = lopdf::Document::load_mem(&render(&doc)?)?;
    let text = text_of(2, &pdf)?;
    assert!(text.contains("Zürich café — Ωmega"), "{text:?}");
    Ok(())
}

#[test]
fn an_empty_document_is_one_page() -> TestResult {
    let bytes = render(&Document::default())?;
    let pdf = lopdf::Document::load_mem(&bytes)?;
    assert_eq!(pdf.get_pages().len(), 1);
    Ok(())
}

#[test]
fn hostile_input_renders() -> TestResult {
    let long_word = "x".repeat(2_000);
    let mixed = "Emoji 😀🎉👍🏽👨‍👩‍👧 and CJK 漢字かな한국어 and RTL שלום مرحبا and a\u{0}null \u{202E}override\ttab";
    let nasty = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1e308,
        1e308,
        -5.0,
        0.0,
    ];
    // 5,000 rows; every 250th holds the mixed-script text (all of them would only make the
    // test slow in a debug build, not harder).
    let rows: Vec<Vec<String>> = (0..5_000)
        .map(|i| {
            let text = if i % 250 == 0 {
                mixed.to_owned()
            } else {
                format!("Row {i} text")
            };
            vec![format!("{i}"), text, String::new()]
        })
        .collect();
    let doc = Document {
        title: long_word.clone(),
        subject: mixed.to_owned(),
        keywords: vec![String::new(), mixed.to_owned()],
        created: Utc::now(),
        footer: long_word.clone(),
        cover: Cover {
            kicker: long_word.clone(),
            heading: format!("{mixed} {long_word}"),
            subheading: String::new(),
            score: Some(Score {
                value: f64::NAN,
                label: long_word.clone(),
            }),
            facts: vec![(long_word.clone(), mixed.to_owned()); 60],
            note: Some(long_word.clone()),
        },
        blocks: vec![
            Block::Heading(String::new()),
            Block::Heading(long_word.clone()),
            Block::SubHeading(mixed.to_owned()),
            Block::Paragraph(format!("{long_word} {mixed}\n\n\n{long_word}")),
            Block::Note(String::new()),
            Block::Callout {
                title: String::new(),
                body: long_word.repeat(5),
                tone: Tone::Bad,
            },
            Block::Callout {
                title: String::new(),
                body: String::new(),
                tone: Tone::Neutral,
            },
            Block::KeyValues(vec![]),
            Block::KeyValues(vec![(long_word.clone(), long_word.clone())]),
            Block::Table {
                columns: vec![],
                rows: vec![],
                caption: None,
            },
            Block::Table {
                columns: vec![],
                rows: vec![vec![long_word.clone(); 3]],
                caption: Some(String::new()),
            },
            Block::Table {
                columns: vec![
                    Column {
                        title: long_word.clone(),
                        align: Align::Right,
                        weight: f32::NAN,
                    },
                    Column {
                        title: mixed.to_owned(),
                        align: Align::Left,
                        weight: f32::INFINITY,
                    },
                    Column {
                        title: String::new(),
                        align: Align::Right,
                        weight: -1.0,
                    },
                ],
                rows,
                caption: Some(mixed.to_owned()),
            },
            Block::Table {
                columns: (0..12)
                    .map(|i| column(&format!("c{i}"), Align::Left))
                    .collect(),
                rows: vec![vec![long_word.clone(); 12]],
                caption: None,
            },
            Block::Bars {
                title: String::new(),
                unit: String::new(),
                bars: vec![],
                max: Some(f64::NAN),
            },
            Block::Bars {
                title: long_word.clone(),
                unit: long_word.clone(),
                bars: nasty
                    .iter()
                    .map(|v| Bar {
                        label: long_word.clone(),
                        value: *v,
                        tone: Tone::Neutral,
                        annotation: Some(mixed.to_owned()),
                    })
                    .collect(),
                max: Some(f64::NEG_INFINITY),
            },
            Block::Line {
                title: String::new(),
                unit: String::new(),
                points: vec![],
            },
            Block::Line {
                title: mixed.to_owned(),
                unit: "%".to_owned(),
                points: nasty.iter().map(|v| (long_word.clone(), *v)).collect(),
            },
            Block::Line {
                title: "Only NaN".to_owned(),
                unit: String::new(),
                points: vec![("a".to_owned(), f64::NAN)],
            },
            Block::Line {
                title: "Flat".to_owned(),
                unit: String::new(),
                points: vec![("a".to_owned(), 5.0), ("b".to_owned(), 5.0)],
            },
            Block::Line {
                title: "Many".to_owned(),
                unit: String::new(),
                points: (0..20_000)
                    .map(|i| (format!("{i}"), f64::from(i).sin()))
                    .collect(),
            },
            Block::Grid {
                title: String::new(),
                columns: vec![],
                rows: vec![],
                legend: String::new(),
            },
            Block::Grid {
                title: long_word.clone(),
                columns: (0..100).map(|i| format!("{i}")).collect(),
                rows: (0..60)
                    .map(|r| {
                        (
                            long_word.clone(),
                            (0..150).map(|c| nasty.get((r + c) % 8).copied()).collect(),
                        )
                    })
                    .collect(),
                legend: mixed.to_owned(),
            },
            Block::PageBreak,
            Block::PageBreak,
        ],
    };
    let bytes = render(&doc)?;
    let pdf = lopdf::Document::load_mem(&bytes)?;
    assert!(pdf.get_pages().len() > 100);
    Ok(())
}
