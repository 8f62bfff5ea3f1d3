//! `/planner/items/{id}`: one planned post, its form (times in its subject's zone) and its
//! removal; an invalid change is answered inline.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, Permission, Result, Scope,
    http::extract::{Form, Path},
    web::{
        flash,
        forms::{FormErrors, action_failed, html_with, parse_id, redirect_flash},
        shell::{self, FlashKind, Shell},
    },
};

use super::{
    local_time,
    subject::{MediaOption, PlannerForm, media_options, slot_of},
    subject_named,
};
use crate::{
    model::planner::calendar_item,
    service::planner::{calendar as items, zone},
};

// ---- planned posts --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "intelligence/planner_item.html")]
struct ItemPage {
    shell: Shell,
    action: String,
    delete: String,
    back: String,
    username: String,
    time_zone: String,
    can_write: bool,
    errors: FormErrors,
    form: PlannerForm,
    media: Vec<MediaOption>,
    title_max: usize,
    note_max: usize,
    created: String,
}

async fn item_view(
    state: &AppState,
    ctx: &Ctx,
    item: &calendar_item::Model,
    errors: FormErrors,
    form: Option<PlannerForm>,
    jar: CookieJar,
) -> Result<Response> {
    let (subject, key) = subject_named(state, ctx, &item.subject_kind, item.subject_id).await?;
    let tz = zone::of(&state.db, &key).await?;
    let local = item.slot_at.with_timezone(&tz);
    let form = form.unwrap_or_else(|| PlannerForm {
        title: item.title.clone(),
        note: item.note.clone(),
        date: local.format("%Y-%m-%d").to_string(),
        time: local.format("%H:%M").to_string(),
        media_type: item.media_type.clone(),
        ..PlannerForm::default()
    });
    let (jar, flashes) = flash::take(jar);
    let back = format!("{}/planner", subject.path());
    let view = ItemPage {
        shell: shell::for_request(state, Some(ctx), "Planned post", "/planner", flashes).await?,
        action: format!("/planner/items/{}", item.id),
        delete: format!("/planner/items/{}/delete", item.id),
        back,
        username: subject.profile().username.clone(),
        time_zone: tz.name().to_string(),
        can_write: ctx.can(Permission::WorkspaceWrite),
        errors,
        media: media_options(&form.media_type),
        form,
        title_max: items::TITLE_MAX,
        note_max: items::NOTE_MAX,
        created: local_time(&item.created_at, tz),
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

pub async fn item_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceRead)?;
    let item = items::find_in(&state.db, &Scope::of(&ctx)?, parse_id(&id)?).await?;
    item_view(&state, &ctx, &item, FormErrors::default(), None, jar).await
}

pub async fn item_update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
    Form(form): Form<PlannerForm>,
) -> Result<Response> {
    ctx.require(Permission::WorkspaceRead)?;
    let item = items::find_in(&state.db, &Scope::of(&ctx)?, parse_id(&id)?).await?;
    let (subject, key) = subject_named(&state, &ctx, &item.subject_kind, item.subject_id).await?;
    let tz = zone::of(&state.db, &key).await?;
    let back = format!("{}/planner", subject.path());
    let outcome = async {
        let slot_at = slot_of(tz, &form.date, &form.time)?;
        items::update(
            &state.db,
            &ctx,
            item.id,
            items::ItemInput {
                title: form.title.clone(),
                note: form.note.clone(),
                slot_at,
                media_type: form.media_type.clone(),
            },
        )
        .await
    }
    .await;
    match outcome {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Planned post saved.",
            &back,
        )),
        Err(e @ Error::Validation(_)) => {
            let errors = FormErrors::from_error(e)?;
            item_view(&state, &ctx, &item, errors, Some(form), jar).await
        }
        Err(e) => action_failed(jar, e, &back),
    }
}

pub async fn item_delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let outcome = match parse_id(&id) {
        Ok(id) => items::delete(&state.db, &ctx, id).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(item) => {
            let back = match subject_named(&state, &ctx, &item.subject_kind, item.subject_id).await
            {
                Ok((s, _)) => format!("{}/planner", s.path()),
                Err(_) => "/planner".into(),
            };
            Ok(redirect_flash(
                jar,
                FlashKind::Success,
                "Planned post removed.",
                &back,
            ))
        }
        Err(e) => action_failed(jar, e, "/planner"),
    }
}
