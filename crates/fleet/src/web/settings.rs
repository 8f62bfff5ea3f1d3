//! The fleet's settings page (`/fleet/settings`, owners and admins change it): the warm-up
//! steps — one per line, `name | label | image kind | text kind | days after` — retries and
//! their backoff, the task lease, the time zone calendar days are counted in, and the URL a
//! proxy test connects to.

use askama::Template;
use axum::{extract::State, response::Response};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Ctx, Error, Permission, Result,
    error::FieldError,
    http::extract::Form,
    web::{
        flash,
        forms::{FormErrors, html_with, redirect_flash},
        pages::{PageRoutes, get},
        shell::{self, FlashKind, Shell},
    },
};
use serde::Deserialize;

use super::nav::{self, Link};
use crate::service::{
    access,
    settings::{self, Input, Settings, Step},
};

const PATH: &str = "/fleet/settings";
pub const STEPS_TEXT_MAX: usize = 4000;

pub fn routes() -> PageRoutes {
    PageRoutes::new().route(PATH, get(settings_page).post(save))
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    steps: String,
    max_retries: String,
    retry_backoff_secs: String,
    lease_secs: String,
    time_zone: String,
    proxy_check_url: String,
}

fn kind_text(k: &Option<String>) -> &str {
    k.as_deref().unwrap_or("-")
}

impl SettingsForm {
    fn of(s: &Settings) -> Self {
        SettingsForm {
            steps: s
                .steps
                .iter()
                .map(|st| {
                    format!(
                        "{} | {} | {} | {} | {}",
                        st.name,
                        st.label,
                        kind_text(&st.image_kind),
                        kind_text(&st.text_kind),
                        st.days_after
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            max_retries: s.max_retries.to_string(),
            retry_backoff_secs: s.retry_backoff_secs.to_string(),
            lease_secs: s.lease_secs.to_string(),
            time_zone: s.time_zone.clone(),
            proxy_check_url: s.proxy_check_url.clone(),
        }
    }

    fn input(&self) -> Result<Input> {
        let mut errors = Vec::new();
        if self.steps.chars().count() > STEPS_TEXT_MAX {
            errors.push(FieldError::new("steps", "At most 4,000 characters"));
        }
        let mut steps = Vec::new();
        for (i, line) in self.steps.lines().map(str::trim).enumerate() {
            if line.is_empty() {
                continue;
            }
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let kind = |s: &str| (!s.is_empty() && s != "-").then(|| s.to_string());
            match parts.as_slice() {
                [name, label, image, text, days] => match days.parse::<u32>() {
                    Ok(d) => steps.push(Step {
                        name: name.to_string(),
                        label: label.to_string(),
                        image_kind: kind(image),
                        text_kind: kind(text),
                        days_after: d,
                    }),
                    Err(_) => errors.push(FieldError::new(
                        "steps",
                        format!("Line {}: days after must be a whole number", i + 1),
                    )),
                },
                _ => errors.push(FieldError::new(
                    "steps",
                    format!(
                        "Line {}: write name | label | image kind | text kind | days after",
                        i + 1
                    ),
                )),
            }
        }
        let int = |field: &'static str, raw: &str, errors: &mut Vec<FieldError>| {
            raw.trim()
                .replace(',', "")
                .parse::<i32>()
                .unwrap_or_else(|_| {
                    errors.push(FieldError::new(field, "A whole number"));
                    0
                })
        };
        let max_retries = int("max_retries", &self.max_retries, &mut errors);
        let retry_backoff_secs = int("retry_backoff_secs", &self.retry_backoff_secs, &mut errors);
        let lease_secs = int("lease_secs", &self.lease_secs, &mut errors);
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        Ok(Input {
            steps,
            max_retries,
            retry_backoff_secs,
            lease_secs,
            time_zone: self.time_zone.trim().to_string(),
            proxy_check_url: self.proxy_check_url.trim().to_string(),
        })
    }
}

#[derive(Template)]
#[template(path = "fleet/settings.html")]
struct SettingsPage {
    shell: Shell,
    subnav: Vec<Link>,
    form: SettingsForm,
    errors: FormErrors,
    can_manage: bool,
    steps_max: usize,
    image_kinds: String,
    text_kinds: String,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    form: Option<SettingsForm>,
    errors: FormErrors,
) -> Result<Response> {
    let scope = access::read(state, ctx).await?;
    let form = match form {
        Some(f) => f,
        None => SettingsForm::of(&settings::get(&state.db, &scope).await?),
    };
    let (jar, flashes) = flash::take(jar);
    let view = SettingsPage {
        shell: shell::for_request(state, Some(ctx), "Fleet settings", "/fleet", flashes).await?,
        subnav: nav::links(PATH),
        form,
        errors,
        can_manage: ctx.can(Permission::WorkspaceSettings),
        steps_max: STEPS_TEXT_MAX,
        image_kinds: settings::IMAGE_KINDS.join(", "),
        text_kinds: settings::TEXT_KINDS.join(", "),
    };
    let answer = view.errors.answer;
    Ok(html_with(answer, jar, &view))
}

async fn settings_page(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response> {
    render(&state, &ctx, jar, None, FormErrors::default()).await
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<SettingsForm>,
) -> Result<Response> {
    let outcome = match form.input() {
        Ok(input) => settings::save(&state, &ctx, input).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => Ok(redirect_flash(
            jar,
            FlashKind::Success,
            "Settings saved. Steps queued from now on follow them.",
            PATH,
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render(&state, &ctx, jar, Some(form), errors).await
        }
    }
}
