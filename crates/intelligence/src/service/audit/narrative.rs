//! An audit's AI-written summary and action plan, written from the audit's stored report and
//! nothing else: its scores with their weights, each component's summary, figures and
//! findings, the ranked recommendations and the risk signals (said as signals). The report
//! goes to the model as fenced data; the text is kept as the audit's latest AI summary
//! (reference `audit:<id>`), regenerated on demand, shown marked AI-written and printed in the
//! PDF.

use platform::{AppState, Ctx, Error, Result, Scope};
use serde_json::json;

use super::{Report, run};
use crate::model::audit;

/// The reference of an audit's summaries among the AI's texts.
pub fn reference(audit_id: uuid::Uuid) -> String {
    format!("audit:{audit_id}")
}

/// The prompt: our instructions; the report only, as data.
pub fn prompt(row: &audit::Model, report: &Report) -> ai::Prompt {
    let components: Vec<_> = report
        .components
        .iter()
        .map(|c| {
            json!({
                "title": c.title,
                "score": c.score.map(|s| s.round()),
                "weight_percent": (c.weight * 100.0).round(),
                "summary": c.summary,
                "figures": c.figures.iter().map(|f| json!({"label": f.label, "value": f.value})).collect::<Vec<_>>(),
                "findings": c.findings.iter().map(|f| json!({"level": f.level.label(), "text": f.text})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let data = json!({
        "account": row.username,
        "period": {"from": report.inputs.from, "to": report.inputs.to},
        "data_sources": report.inputs.sources,
        "overall_score": report.overall.map(|s| s.round()),
        "how_the_overall_score_is_made": report.overall_method,
        "components": components,
        "recommendations_ranked": report.recommendations.iter().map(|r| json!({"title": r.title, "detail": r.detail, "expected_points": (r.impact * 10.0).round() / 10.0})).collect::<Vec<_>>(),
        "risk_signals": report.risk_signals.iter().map(|f| f.text.clone()).collect::<Vec<_>>(),
    });
    ai::Prompt::new(
        "You explain Instagram account audits to the people who run the account. You use only the audit report in the data: no other knowledge of the account, no invented figures. Risk signals are signals to look into, never a verdict (Instagram has no shadowban flag). If the data sources include demo, say once that the figures are demo data.",
    )
    .task("Write (1) a summary of at most 120 words: the overall score, what is strong and what holds the account back, citing the report's own figures; then (2) an action plan of 3 to 5 numbered steps in the order of the ranked recommendations, each one concrete and tied to the evidence it comes from. Plain text.")
    .data("audit_report", data)
}

/// Asks for (another) summary of a finished audit.
pub async fn request(
    state: &AppState,
    ctx: &Ctx,
    id: uuid::Uuid,
) -> Result<ai::model::generation::Model> {
    let caller = ai::Caller::of(ctx)?;
    let row = run::find_in(state, ctx, id).await?;
    let Some(report) = run::report_of(&row) else {
        return Err(Error::Conflict(
            "The audit has not finished: its summary is written from its report.".into(),
        ));
    };
    let prompt = prompt(&row, &report);
    ai::generation::start(
        state,
        &caller,
        ai::NewText {
            feature: ai::AiFeature::AuditSummary,
            reference: reference(row.id),
            title: format!("Summary and action plan · @{}", row.username),
            prompt: &prompt,
            model: None,
            next_path: None,
        },
    )
    .await
}

/// The audit's latest summary, if any was asked for.
pub async fn latest(
    state: &AppState,
    scope: &Scope,
    audit_id: uuid::Uuid,
) -> Result<Option<ai::model::generation::Model>> {
    ai::generation::latest_for(
        state,
        scope,
        ai::AiFeature::AuditSummary,
        &reference(audit_id),
    )
    .await
}
