//! A campaign as typed, checked: its name, brief, window, tracked terms (normalised) and
//! budget.

use super::*;

/// A campaign as created or edited.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = DiscoveryCampaignInput)]
pub struct CampaignInput {
    /// Up to 120 characters.
    pub name: String,
    /// Up to 4,000 characters.
    #[serde(default)]
    pub brief: String,
    /// The first day of the window (UTC), `YYYY-MM-DD`.
    pub starts_on: NaiveDate,
    /// The last day of the window (UTC, included).
    pub ends_on: NaiveDate,
    /// @handles whose mention marks a post as the campaign's (up to 20; `@` optional).
    #[serde(default)]
    pub handles: Vec<String>,
    /// #hashtags (up to 20; `#` optional).
    #[serde(default)]
    pub hashtags: Vec<String>,
    /// Phrases (up to 20, up to 100 characters each), matched as whole words, any case.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Planned budget in minor units of `currency`.
    #[serde(default)]
    pub budget_planned_minor: i64,
    /// Spent so far, in minor units.
    #[serde(default)]
    pub budget_spent_minor: i64,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
}

/// The validated terms of a campaign.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Terms {
    pub handles: Vec<String>,
    pub hashtags: Vec<String>,
    pub phrases: Vec<String>,
}

pub(crate) fn chars(s: &str) -> usize {
    s.chars().count()
}

fn dedup(v: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    v.into_iter()
        .filter(|x| seen.insert(x.to_lowercase()))
        .collect()
}

/// Handles without `@`, lower case; `[a-z0-9._]`, 1–30 characters.
fn handles(field: &str, raw: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    let out: Vec<String> = raw
        .iter()
        .map(|h| h.trim().trim_start_matches('@').to_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    for h in &out {
        if chars(h) > HANDLE_MAX
            || !h
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        {
            errors.push(FieldError::new(
                field,
                format!("@{h} is not an Instagram username (letters, digits, . and _, up to {HANDLE_MAX})"),
            ));
            break;
        }
    }
    dedup(out)
}

/// Hashtags without `#`, lower case; letters, digits and `_`.
fn hashtags(field: &str, raw: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    let out: Vec<String> = raw
        .iter()
        .map(|h| h.trim().trim_start_matches('#').to_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    for h in &out {
        if chars(h) > HASHTAG_MAX || !h.chars().all(|c| c.is_alphanumeric() || c == '_') {
            errors.push(FieldError::new(
                field,
                format!("#{h} is not a hashtag (letters, digits and _, up to {HASHTAG_MAX})"),
            ));
            break;
        }
    }
    dedup(out)
}

fn phrases(field: &str, raw: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    let out: Vec<String> = raw
        .iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    if out.iter().any(|p| chars(p) > PHRASE_MAX) {
        errors.push(FieldError::new(
            field,
            format!("each phrase at most {PHRASE_MAX} characters"),
        ));
    }
    dedup(out)
}

/// A currency code: three ASCII letters, upper case.
pub fn currency(raw: &str) -> Result<String> {
    let c = raw.trim().to_ascii_uppercase();
    if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(Error::validation(
            "currency",
            "a three-letter ISO currency code, e.g. EUR",
        ))
    }
}

/// An amount in minor units within `0..=MONEY_MAX`.
pub fn amount(field: &str, minor: i64) -> std::result::Result<i64, FieldError> {
    if (0..=MONEY_MAX).contains(&minor) {
        Ok(minor)
    } else {
        Err(FieldError::new(
            field,
            "must be between 0 and 10,000,000,000.00",
        ))
    }
}

/// The checked fields of a campaign.
#[derive(Debug)]
pub struct Checked {
    pub name: String,
    pub brief: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub terms: Terms,
    pub planned: i64,
    pub spent: i64,
    pub currency: String,
}

impl CampaignInput {
    pub fn check(&self) -> Result<Checked> {
        let mut e = Vec::new();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            e.push(FieldError::new("name", "enter a name"));
        } else if chars(&name) > NAME_MAX {
            e.push(FieldError::new(
                "name",
                format!("at most {NAME_MAX} characters"),
            ));
        }
        let brief = self.brief.trim().to_string();
        if chars(&brief) > BRIEF_MAX {
            e.push(FieldError::new(
                "brief",
                format!("at most {BRIEF_MAX} characters"),
            ));
        }
        if self.ends_on < self.starts_on {
            e.push(FieldError::new("ends_on", "the end is before the start"));
        } else if (self.ends_on - self.starts_on).num_days() > WINDOW_DAYS_MAX {
            e.push(FieldError::new(
                "ends_on",
                format!("a window of at most {WINDOW_DAYS_MAX} days"),
            ));
        }
        for (field, list) in [
            ("handles", &self.handles),
            ("hashtags", &self.hashtags),
            ("phrases", &self.phrases),
        ] {
            if list.len() > TERMS_MAX {
                e.push(FieldError::new(field, format!("at most {TERMS_MAX}")));
            }
        }
        let terms = Terms {
            handles: handles("handles", &self.handles, &mut e),
            hashtags: hashtags("hashtags", &self.hashtags, &mut e),
            phrases: phrases("phrases", &self.phrases, &mut e),
        };
        let planned = amount("budget_planned_minor", self.budget_planned_minor)
            .map_err(|f| e.push(f))
            .unwrap_or(0);
        let spent = amount("budget_spent_minor", self.budget_spent_minor)
            .map_err(|f| e.push(f))
            .unwrap_or(0);
        let currency = match currency(&self.currency) {
            Ok(c) => c,
            Err(Error::Validation(f)) => {
                e.extend(f);
                String::new()
            }
            Err(other) => return Err(other),
        };
        if !e.is_empty() {
            return Err(Error::Validation(e));
        }
        Ok(Checked {
            name,
            brief,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            terms,
            planned,
            spent,
            currency,
        })
    }
}

pub(crate) fn json_list(v: &[String]) -> serde_json::Value {
    serde_json::Value::Array(
        v.iter()
            .map(|s| serde_json::Value::String(s.clone()))
            .collect(),
    )
}

/// A stored list of terms (anything else reads as empty).
pub fn list_of(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The campaign's terms.
pub fn terms_of(c: &campaign::Model) -> Terms {
    Terms {
        handles: list_of(&c.handles),
        hashtags: list_of(&c.hashtags),
        phrases: list_of(&c.phrases),
    }
}

/// The window as instants: from the start of the first day to the start of the day after
/// the last (UTC).
pub fn window(c: &campaign::Model) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = c.starts_on.and_time(chrono::NaiveTime::MIN).and_utc();
    let end = (c.ends_on + chrono::Duration::days(1))
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    (start, end)
}
