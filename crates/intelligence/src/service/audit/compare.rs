//! Two audits of the same subject side by side: the change of the overall score and of each
//! component's score, and of the figures both measured.

use serde::Serialize;

use super::report::Report;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = AuditComponentDelta)]
pub struct ComponentDelta {
    pub key: String,
    pub title: String,
    pub before: Option<f64>,
    pub after: Option<f64>,
    /// `after − before`, when both were scored.
    pub delta: Option<f64>,
    pub figures: Vec<FigureDelta>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = AuditFigureDelta)]
pub struct FigureDelta {
    pub label: String,
    pub before: String,
    pub after: String,
    pub delta: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = AuditComparison)]
pub struct Comparison {
    pub overall_before: Option<f64>,
    pub overall_after: Option<f64>,
    pub overall_delta: Option<f64>,
    pub components: Vec<ComponentDelta>,
    /// Set when the two were computed by different method versions.
    pub method_note: Option<String>,
}

fn delta(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(b? - a?)
}

/// `before` is the earlier audit.
pub fn compare(before: &Report, after: &Report) -> Comparison {
    let components = after
        .components
        .iter()
        .map(|c| {
            let old = before.component(&c.key);
            let figures = c
                .figures
                .iter()
                .filter_map(|f| {
                    let o = old?.figures.iter().find(|x| x.label == f.label)?;
                    Some(FigureDelta {
                        label: f.label.clone(),
                        before: o.value.clone(),
                        after: f.value.clone(),
                        delta: delta(o.raw, f.raw),
                    })
                })
                .collect();
            ComponentDelta {
                key: c.key.clone(),
                title: c.title.clone(),
                before: old.and_then(|o| o.score),
                after: c.score,
                delta: delta(old.and_then(|o| o.score), c.score),
                figures,
            }
        })
        .collect();
    Comparison {
        overall_before: before.overall,
        overall_after: after.overall,
        overall_delta: delta(before.overall, after.overall),
        components,
        method_note: (before.inputs.method_version != after.inputs.method_version).then(|| {
            format!(
                "The audits were computed by method versions {} and {}: part of a change may come from the method.",
                before.inputs.method_version, after.inputs.method_version
            )
        }),
    }
}
