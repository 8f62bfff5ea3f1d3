//! Identity's domain logic: plain async fns over (`&AppState`, `&Ctx` or `&Origin`, inputs).
//! No HTTP types here; pages and the JSON API both call these.

pub mod accounts;
pub mod activity;
pub mod activity_feed;
pub mod devices;
pub mod directory;
pub mod erasure;
pub mod google;
pub mod invitations;
pub mod links;
pub mod members;
pub mod sessions;
pub mod setup;
pub mod signup;
pub mod stats;
pub mod throttling;
pub mod tokens;
pub mod two_factor;
pub mod workspace_directory;
pub mod workspaces;

use chrono::Duration;
use platform::{Error, FieldError, Result};

pub const SESSION_TTL: Duration = Duration::days(7);
pub const MFA_PENDING_TTL: Duration = Duration::minutes(10);
pub const VERIFY_EMAIL_TTL: Duration = Duration::hours(48);
pub const RESET_TTL: Duration = Duration::hours(1);
pub const MAGIC_LINK_TTL: Duration = Duration::minutes(15);
pub const INVITATION_TTL: Duration = Duration::days(7);
pub const API_SIGN_IN_TTL: Duration = Duration::days(30);

/// A validated, trimmed email address and its lower-cased form (the unique key).
#[derive(Debug, Clone)]
pub struct Email {
    pub display: String,
    pub lower: String,
}

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Email, FieldError> {
        let trimmed = raw.trim();
        if trimmed.len() > 254 || !email_address_ok(trimmed) {
            return Err(FieldError::new(
                field,
                "Enter a valid email address, like name@example.com",
            ));
        }
        Ok(Email {
            display: trimmed.to_string(),
            lower: trimmed.to_lowercase(),
        })
    }
}

fn email_address_ok(s: &str) -> bool {
    // RFC 5322 syntax by the `email_address` crate, plus a dot in the domain: addresses at
    // dotless hosts are valid syntax but never reach a real inbox.
    email_address::EmailAddress::parse_with_options(
        s,
        email_address::Options::default().without_display_text(),
    )
    .is_ok_and(|a| a.domain().contains('.') && !a.domain().starts_with('['))
}

/// A required, trimmed, bounded text field.
pub fn text(field: &str, label: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, format!("{label} is required")));
    }
    if t.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("{label} must be at most {max} characters"),
        ));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(
            field,
            format!("{label} must not contain control characters"),
        ));
    }
    Ok(t.to_string())
}

/// Collects field errors so one answer names every problem of a form.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn take_err<T>(&mut self, r: Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(Error::Validation(mut errs)) => {
                self.0.append(&mut errs);
                None
            }
            Err(_) => None,
        }
    }

    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.0))
        }
    }
}

/// URL-safe slug from a name (`Acme Studio` → `acme-studio`).
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(|c| c.to_lowercase()) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "workspace".into()
    } else {
        slug
    }
}

pub fn link(state: &platform::AppState, path: &str) -> String {
    format!("{}{}", state.config.base_url(), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(
            Email::parse("email", "Alice@Example.com ")
                .is_ok_and(|e| e.lower == "alice@example.com")
        );
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "alice@localhost",
            "a b@example.com",
            "Alice <a@example.com>",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme Studio"), "acme-studio");
        assert_eq!(slugify("  ¡Hola!  Ñandú "), "hola-and");
        assert_eq!(slugify("!!!"), "workspace");
    }
}
