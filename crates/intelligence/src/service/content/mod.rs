//! The content engine: captions, hashtag sets, a week of post ideas and bio rewrites for an
//! own account, written by the AI provider (crate `ai`) from the account's own data — its
//! best posts and their captions, its categories and languages from post analysis, its best
//! posting slots, its brand voice ([`voice`]) — and, for hashtags, from the lift-ranked
//! suggestions computed without any model ([`crate::service::hashtags`]), which the model
//! only ranks and explains. Everything from the account or the user goes to the model as
//! fenced data ([`ai::Prompt`]), never as instructions ([`prompts`]).
//!
//! Texts are kept, edited, and scheduled into the planner through the library ([`library`]).

pub mod grounding;
pub mod library;
pub mod prompts;
pub mod voice;

use instagram::service::subject::Subject;
use platform::{AppState, Ctx, Error, FieldError, Result, Scope, web::forms::within};
use serde::{Deserialize, Serialize};

use crate::service::planner::SubjectKey;

/// What the engine writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ContentKind)]
pub enum Kind {
    Caption,
    Hashtags,
    PostIdeas,
    Bio,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Caption, Kind::Hashtags, Kind::PostIdeas, Kind::Bio];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Caption => "caption",
            Kind::Hashtags => "hashtags",
            Kind::PostIdeas => "post_ideas",
            Kind::Bio => "bio",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Caption => "Caption",
            Kind::Hashtags => "Hashtag set",
            Kind::PostIdeas => "Post ideas for a week",
            Kind::Bio => "Bio rewrite",
        }
    }

    pub fn feature(self) -> ai::AiFeature {
        match self {
            Kind::Caption => ai::AiFeature::Caption,
            Kind::Hashtags => ai::AiFeature::Hashtags,
            Kind::PostIdeas => ai::AiFeature::PostIdeas,
            Kind::Bio => ai::AiFeature::Bio,
        }
    }

    /// The longest text kept: Instagram's caption limit (2,200 characters), its bio limit
    /// (150), and room for a week of ideas.
    pub fn max_chars(self) -> usize {
        match self {
            Kind::Caption | Kind::Hashtags => 2_200,
            Kind::PostIdeas => 4_000,
            Kind::Bio => 150,
        }
    }
}

/// Longest brief accepted.
pub const BRIEF_MAX: usize = 500;
/// Longest niche accepted (post ideas).
pub const NICHE_MAX: usize = 100;

/// What the user asks for.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = ContentRequest)]
pub struct Request {
    pub kind: Kind,
    /// What the post is about, or what to change (at most 500 characters).
    #[serde(default)]
    pub brief: String,
    /// The niche of the week's ideas (post ideas; at most 100 characters).
    #[serde(default)]
    pub niche: String,
    /// An enabled model; absent: the workspace's or the server's default.
    #[serde(default)]
    pub model: Option<String>,
}

fn check(r: &Request) -> Result<()> {
    let mut errors = Vec::new();
    if let Err(e) = within("brief", "The brief", r.brief.trim(), BRIEF_MAX) {
        errors.push(e);
    }
    if let Err(e) = within("niche", "The niche", r.niche.trim(), NICHE_MAX) {
        errors.push(e);
    }
    if matches!(r.kind, Kind::Caption | Kind::Hashtags) && r.brief.trim().is_empty() {
        errors.push(FieldError::new("brief", "Say what the post is about"));
    }
    if r.kind == Kind::PostIdeas && r.niche.trim().is_empty() && r.brief.trim().is_empty() {
        errors.push(FieldError::new(
            "niche",
            "Name the niche (or write a brief) for the week's ideas",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// The reference of an account's texts among the AI's generations.
pub fn reference(subject: &Subject) -> String {
    format!("{}:{}", subject.kind(), subject.id())
}

/// Asks the AI for a text of `request.kind` for an own account; the text is written in the
/// background and streamed ([`ai::generation`]).
pub async fn request(
    state: &AppState,
    ctx: &Ctx,
    subject: &Subject,
    request: &Request,
) -> Result<ai::model::generation::Model> {
    let caller = ai::Caller::of(ctx)?;
    own_account(subject)?;
    check(request)?;
    let prompt = prompt_for(state, ctx, subject, request).await?;
    ai::generation::start(state, &caller, new_text(subject, request, &prompt)).await
}

/// The prompt of a request (grounded in the account's data).
pub async fn prompt_for(
    state: &AppState,
    ctx: &Ctx,
    subject: &Subject,
    request: &Request,
) -> Result<ai::Prompt> {
    let scope = Scope::of(ctx)?;
    let key = SubjectKey::of(&scope, subject);
    let voice = voice::of(&state.db, &key).await?;
    let facts = grounding::of(state, &scope, subject, request.kind).await?;
    Ok(prompts::build(request, &voice, &facts))
}

/// What the page or the API starts: the text, where it is kept afterwards.
pub fn new_text<'a>(
    subject: &Subject,
    request: &'a Request,
    prompt: &'a ai::Prompt,
) -> ai::NewText<'a> {
    ai::NewText {
        feature: request.kind.feature(),
        reference: reference(subject),
        title: format!(
            "{} for @{}",
            request.kind.label(),
            subject.profile().username
        ),
        prompt,
        model: request.model.as_deref(),
        next_path: Some(format!("{}/studio/keep/{{id}}", subject.path())),
    }
}

/// The studio is for own accounts: writing a tracked profile's captions is not ours to do.
pub fn own_account(subject: &Subject) -> Result<()> {
    if subject.is_tracked() {
        return Err(Error::NotFound);
    }
    Ok(())
}
