//! An own account's brand voice: tone, words to use and to avoid, an emoji policy and the
//! language to write in. Every text the engine asks for carries it (as data).

use platform::{Ctx, Error, FieldError, Permission, Result, web::forms::within};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::OnConflict};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{model::content::brand_voice, service::planner::SubjectKey};

pub const TONE_MAX: usize = 200;
pub const WORDS_MAX: usize = 500;
pub const EMOJI: [(&str, &str); 3] = [
    ("none", "No emoji"),
    ("few", "A few emoji"),
    ("many", "Plenty of emoji"),
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = BrandVoice)]
pub struct Voice {
    /// e.g. "warm, witty, never salesy" (at most 200 characters).
    #[serde(default)]
    pub tone: String,
    /// Words and phrases to use, comma-separated (at most 500 characters).
    #[serde(default)]
    pub words_use: String,
    /// Words and phrases never to use (at most 500 characters).
    #[serde(default)]
    pub words_avoid: String,
    /// `none`, `few` or `many`.
    #[serde(default = "default_emoji")]
    pub emoji_policy: String,
    /// A language code such as `en` or `de`; empty: the account's main language.
    #[serde(default)]
    pub language: String,
}

fn default_emoji() -> String {
    "few".into()
}

pub async fn of(db: &impl ConnectionTrait, key: &SubjectKey) -> Result<Voice> {
    let row = brand_voice::Entity::find()
        .filter(brand_voice::Column::WorkspaceId.eq(key.workspace_id))
        .filter(brand_voice::Column::SubjectKind.eq(key.kind))
        .filter(brand_voice::Column::SubjectId.eq(key.id))
        .one(db)
        .await?;
    Ok(row
        .map(|r| Voice {
            tone: r.tone,
            words_use: r.words_use,
            words_avoid: r.words_avoid,
            emoji_policy: r.emoji_policy,
            language: r.language,
        })
        .unwrap_or(Voice {
            emoji_policy: default_emoji(),
            ..Voice::default()
        }))
}

pub fn check(v: &Voice) -> Result<Voice> {
    let clean = |s: &str| s.trim().replace(['\r', '\n'], " ");
    let v = Voice {
        tone: clean(&v.tone),
        words_use: clean(&v.words_use),
        words_avoid: clean(&v.words_avoid),
        emoji_policy: v.emoji_policy.trim().to_ascii_lowercase(),
        language: v.language.trim().to_ascii_lowercase(),
    };
    let mut errors = Vec::new();
    for r in [
        within("tone", "The tone", &v.tone, TONE_MAX),
        within("words_use", "Words to use", &v.words_use, WORDS_MAX),
        within("words_avoid", "Words to avoid", &v.words_avoid, WORDS_MAX),
    ] {
        if let Err(e) = r {
            errors.push(e);
        }
    }
    if !EMOJI.iter().any(|(k, _)| *k == v.emoji_policy) {
        errors.push(FieldError::new("emoji_policy", "Choose none, few or many"));
    }
    if !v.language.is_empty()
        && (v.language.len() > 8
            || !v
                .language
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'))
    {
        errors.push(FieldError::new(
            "language",
            "A language code such as en, de or pt-br, or empty for the account's own",
        ));
    }
    if errors.is_empty() {
        Ok(v)
    } else {
        Err(Error::Validation(errors))
    }
}

pub async fn save(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    key: &SubjectKey,
    input: &Voice,
) -> Result<Voice> {
    ctx.require(Permission::WorkspaceWrite)?;
    let v = check(input)?;
    brand_voice::Entity::insert(brand_voice::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(key.workspace_id),
        subject_kind: Set(key.kind.to_string()),
        subject_id: Set(key.id),
        tone: Set(v.tone.clone()),
        words_use: Set(v.words_use.clone()),
        words_avoid: Set(v.words_avoid.clone()),
        emoji_policy: Set(v.emoji_policy.clone()),
        language: Set(v.language.clone()),
        updated_by: Set(Some(ctx.user_id())),
        updated_at: Set(platform::db::now()),
    })
    .on_conflict(
        OnConflict::columns([
            brand_voice::Column::WorkspaceId,
            brand_voice::Column::SubjectKind,
            brand_voice::Column::SubjectId,
        ])
        .update_columns([
            brand_voice::Column::Tone,
            brand_voice::Column::WordsUse,
            brand_voice::Column::WordsAvoid,
            brand_voice::Column::EmojiPolicy,
            brand_voice::Column::Language,
            brand_voice::Column::UpdatedBy,
            brand_voice::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voices_are_checked_and_cleaned() {
        let ok = check(&Voice {
            tone: " warm\nwitty ".into(),
            emoji_policy: "FEW".into(),
            language: "pt-BR".into(),
            ..Voice::default()
        })
        .unwrap_or_default();
        assert_eq!(ok.tone, "warm witty");
        assert_eq!(ok.emoji_policy, "few");
        assert_eq!(ok.language, "pt-br");
        assert!(
            check(&Voice {
                emoji_policy: "lots".into(),
                ..Voice::default()
            })
            .is_err()
        );
        assert!(
            check(&Voice {
                tone: "x".repeat(201),
                emoji_policy: "none".into(),
                ..Voice::default()
            })
            .is_err()
        );
    }
}
