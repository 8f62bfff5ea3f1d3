//! Captions: length, calls to action, questions, and whether they are written in the
//! language the audience comments in.

use super::{Built, WEIGHTS};
use crate::service::audit::{
    inputs::{Context, median, rate, share},
    report::{Component, Figure, Finding, Level, Recommendation},
};

pub const KEY: &str = "captions";
const METHOD: &str = "25 points × the share of captions of 50 characters or more (all 25 at 80 %), 25 × the share with a call to action (all at 50 %), 20 × the share asking a question (all at 30 %), 30 × the share of captions in the language most of the comments are written in (when comments were analysed; otherwise the other parts are scaled to 100).";
const BENCHMARK: &str =
    "Targets above, the same for every account; the audience's language from the analysed comments";

/// Phrases that ask the reader to act, in the main languages (lower case).
const CALLS: &[&str] = &[
    "link in bio",
    "comment",
    "share",
    "save this",
    "save it",
    "tag a friend",
    "tag someone",
    "dm me",
    "send me",
    "click",
    "shop",
    "follow",
    "sign up",
    "subscribe",
    "book now",
    "order",
    "let me know",
    "tell me",
    "swipe",
    "kommentier",
    "teile",
    "folge",
    "link in der bio",
    "comenta",
    "comparte",
    "guarda",
    "sígueme",
    "enlace en la bio",
    "commente",
    "partage",
    "abonne",
    "lien en bio",
    "commenta",
    "condividi",
    "salva",
    "seguimi",
    "comente",
    "compartilhe",
    "siga",
    "link na bio",
    "reageer",
    "deel",
    "volg",
    "yorum",
    "paylaş",
    "takip et",
    "пиши",
    "комментар",
    "подпиш",
    "ссылка в био",
];

fn has_call(caption: &str) -> bool {
    let lower = caption.to_lowercase();
    CALLS.iter().any(|c| lower.contains(c))
}

fn has_question(caption: &str) -> bool {
    caption.contains('?') || caption.contains('？') || caption.contains('¿')
}

pub fn build(cx: &Context) -> Built {
    let posts = cx.posts();
    let captions: Vec<(&instagram::service::history::PostRecord, &str)> = posts
        .iter()
        .map(|p| (*p, p.caption.as_deref().unwrap_or("").trim()))
        .collect();
    let mut c = Component {
        key: KEY.into(),
        title: "Captions".into(),
        score: None,
        weight: WEIGHTS.captions,
        summary: String::new(),
        method: METHOD.into(),
        benchmark: BENCHMARK.into(),
        figures: Vec::new(),
        findings: Vec::new(),
        posts: Vec::new(),
    };
    let mut recs = Vec::new();
    if captions.is_empty() {
        c.summary = "No post in the period.".into();
        return (c, recs);
    }
    let n = captions.len();
    let lengths: Vec<f64> = captions
        .iter()
        .map(|(_, t)| t.chars().count() as f64)
        .collect();
    let long = captions
        .iter()
        .filter(|(_, t)| t.chars().count() >= 50)
        .count();
    let calls: Vec<_> = captions.iter().filter(|(_, t)| has_call(t)).collect();
    let questions = captions.iter().filter(|(_, t)| has_question(t)).count();
    let med_len = median(lengths).unwrap_or(0.0);
    c.figures.push(Figure {
        label: "Caption length (median characters)".into(),
        value: format!("{med_len:.0}"),
        raw: Some(med_len),
    });
    c.figures.push(Figure {
        label: "Captions of 50 characters or more".into(),
        value: share(long, n),
        raw: Some(long as f64 / n as f64),
    });
    c.figures.push(Figure {
        label: "With a call to action".into(),
        value: share(calls.len(), n),
        raw: Some(calls.len() as f64 / n as f64),
    });
    c.figures.push(Figure {
        label: "Asking a question".into(),
        value: share(questions, n),
        raw: Some(questions as f64 / n as f64),
    });
    let with_cta = median(calls.iter().filter_map(|(p, _)| p.rate));
    let without_cta = median(
        captions
            .iter()
            .filter(|(_, t)| !has_call(t))
            .filter_map(|(p, _)| p.rate),
    );
    if let (Some(w), Some(wo)) = (with_cta, without_cta) {
        c.findings.push(Finding {
            level: if w > wo { Level::Good } else { Level::Info },
            text: format!(
                "Posts with a call to action: median {} against {} without.",
                rate(w),
                rate(wo)
            ),
            posts: Vec::new(),
        });
    }
    let length_pts = 25.0 * (long as f64 / n as f64 / 0.8).min(1.0);
    let call_pts = 25.0 * (calls.len() as f64 / n as f64 / 0.5).min(1.0);
    let question_pts = 20.0 * (questions as f64 / n as f64 / 0.3).min(1.0);
    let audience = cx.audience_languages.first().map(|(l, _)| l.as_str());
    let score = match audience {
        Some(lang) => {
            let labelled: Vec<Option<&str>> = captions
                .iter()
                .filter_map(|(p, _)| cx.labels.get(&p.id).map(|l| l.language.as_deref()))
                .filter(|l| l.is_some())
                .collect();
            let matching = labelled.iter().filter(|l| **l == Some(lang)).count();
            let lang_share = if labelled.is_empty() {
                1.0
            } else {
                matching as f64 / labelled.len() as f64
            };
            c.figures.push(Figure {
                label: format!("Captions in the audience's language ({lang})"),
                value: share(matching, labelled.len()),
                raw: Some(lang_share),
            });
            if lang_share < 0.6 && !labelled.is_empty() {
                c.findings.push(Finding {
                    level: Level::Warning,
                    text: format!(
                        "Most comments are in {lang}, but {} of the captions are.",
                        share(matching, labelled.len())
                    ),
                    posts: Vec::new(),
                });
                recs.push(Recommendation {
                    key: "captions.language".into(),
                    component: KEY.into(),
                    title: format!("Write for your audience's language ({lang})"),
                    detail: "Most comments come in a language most captions are not written in; write in it, or add it.".into(),
                    impact: WEIGHTS.captions * 30.0 * (1.0 - lang_share),
                });
            }
            length_pts + call_pts + question_pts + 30.0 * lang_share
        }
        None => (length_pts + call_pts + question_pts) * 100.0 / 70.0,
    };
    c.score = Some(score);
    c.summary = format!(
        "Median caption {med_len:.0} characters; {} with a call to action, {} asking a question.",
        share(calls.len(), n),
        share(questions, n)
    );
    if call_pts < 25.0 {
        recs.push(Recommendation {
            key: "captions.call_to_action".into(),
            component: KEY.into(),
            title: "End captions with a call to action".into(),
            detail: format!(
                "{} of your captions ask the reader to do something (comment, save, share, visit the link in bio).",
                share(calls.len(), n)
            ),
            impact: WEIGHTS.captions * (25.0 - call_pts),
        });
    }
    if question_pts < 20.0 {
        recs.push(Recommendation {
            key: "captions.questions".into(),
            component: KEY.into(),
            title: "Ask your audience a question".into(),
            detail: format!(
                "{} of your captions ask a question; questions invite comments.",
                share(questions, n)
            ),
            impact: WEIGHTS.captions * (20.0 - question_pts),
        });
    }
    (c, recs)
}
