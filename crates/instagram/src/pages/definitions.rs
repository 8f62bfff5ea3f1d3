//! `/instagram/definitions`: how every figure of the Instagram pages is computed, said once
//! and linked from each place that shows one (`#engagement-rate`, `#follower-change`, …).

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Permission, Result,
    web::{
        flash,
        forms::html,
        shell::{self, Shell},
    },
};

use crate::service::{compare::MAX_CHOSEN, engagement, period::Period};

#[derive(Template)]
#[template(path = "instagram/definitions.html")]
struct DefinitionsPage {
    shell: Shell,
    engagement_definition: &'static str,
    ranges: String,
    max_compared: usize,
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    ctx.require(Permission::WorkspaceRead)?;
    let (jar, flashes) = flash::take(jar);
    let page = DefinitionsPage {
        shell: shell::for_request(
            &state,
            Some(&ctx),
            "How figures are computed",
            "/instagram",
            flashes,
        )
        .await?,
        engagement_definition: engagement::DEFINITION,
        ranges: Period::CHOICES
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        max_compared: MAX_CHOSEN,
    };
    Ok(html(jar, &page))
}
