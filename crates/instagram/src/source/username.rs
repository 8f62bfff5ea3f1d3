//! Instagram usernames, checked once where they enter (the add-account form, the JSON API, the
//! social-data API's path, tracked profiles, the command line) and carried as [`Username`] from
//! there on.
//!
//! Instagram's rules: 1 to 30 characters; ASCII letters, digits, `.` and `_`; no period at the
//! start or the end, and never two periods in a row. Usernames are case-insensitive: we keep
//! them in lower case. A leading `@` and surrounding spaces are forgiven.
//!
//! A username whose first part is `demo` (`demo.travel.mia`, `demo_fitness`) is a **demo
//! username**: it always names generated data (the demo pool), whether or not a live source is
//! configured, so demos and API integrations can be tried on any install without a key and
//! without ever passing made-up figures off as a real account.

use std::fmt;

/// The most characters Instagram allows in a username.
pub const MAX_LEN: usize = 30;

/// A valid Instagram username, lower case, without `@`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

/// Why a typed username is not one; the message is shown next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("Enter an Instagram username")]
    Empty,
    #[error("An Instagram username has at most 30 characters (this one has {0})")]
    TooLong(usize),
    #[error("Use only letters, digits, periods and underscores (not “{0}”)")]
    Character(char),
    #[error("A username cannot start or end with a period")]
    EdgePeriod,
    #[error("A username cannot have two periods in a row")]
    DoublePeriod,
}

impl Username {
    pub fn parse(raw: &str) -> Result<Username, UsernameError> {
        let trimmed = raw.trim();
        let bare = trimmed.strip_prefix('@').unwrap_or(trimmed);
        if bare.is_empty() {
            return Err(UsernameError::Empty);
        }
        if let Some(c) = bare
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '_'))
        {
            return Err(UsernameError::Character(c));
        }
        // ASCII only from here: bytes are characters.
        if bare.len() > MAX_LEN {
            return Err(UsernameError::TooLong(bare.len()));
        }
        if bare.starts_with('.') || bare.ends_with('.') {
            return Err(UsernameError::EdgePeriod);
        }
        if bare.contains("..") {
            return Err(UsernameError::DoublePeriod);
        }
        Ok(Username(bare.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a demo username (`demo.…` or `demo_…`): always generated data.
    pub fn is_demo(&self) -> bool {
        is_demo_name(&self.0)
    }

    /// The words of the username (split at `.` and `_`, without the `demo` prefix of a demo
    /// username): what the demo generator reads a persona from.
    pub fn words(&self) -> Vec<&str> {
        let rest = if self.is_demo() {
            &self.0[5..]
        } else {
            &self.0
        };
        rest.split(['.', '_']).filter(|w| !w.is_empty()).collect()
    }
}

fn is_demo_name(lower: &str) -> bool {
    lower.len() > 5 && (lower.starts_with("demo.") || lower.starts_with("demo_"))
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Username {
    type Err = UsernameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Username::parse(s)
    }
}

impl From<UsernameError> for platform::Error {
    fn from(e: UsernameError) -> Self {
        platform::Error::validation("username", e.to_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        Username::parse(raw).unwrap().to_string()
    }

    #[test]
    fn valid_usernames_are_kept_in_lower_case_without_the_at() {
        assert_eq!(ok("natgeo"), "natgeo");
        assert_eq!(ok("  @Travel.With.Mia "), "travel.with.mia");
        assert_eq!(ok("a"), "a");
        assert_eq!(ok("_"), "_");
        assert_eq!(ok("__a__"), "__a__");
        assert_eq!(ok("a.b_c.9"), "a.b_c.9");
        assert_eq!(ok("a_.b"), "a_.b");
        assert_eq!(ok(&"x".repeat(30)), "x".repeat(30));
        assert_eq!(ok("123456"), "123456");
    }

    #[test]
    fn each_rule_has_its_own_message() {
        let err = |raw: &str| Username::parse(raw).unwrap_err();
        assert_eq!(err(""), UsernameError::Empty);
        assert_eq!(err("   "), UsernameError::Empty);
        assert_eq!(err("@"), UsernameError::Empty);
        assert_eq!(err(&"x".repeat(31)), UsernameError::TooLong(31));
        assert_eq!(err("has space"), UsernameError::Character(' '));
        assert_eq!(err("émoji"), UsernameError::Character('é'));
        assert_eq!(err("dash-ed"), UsernameError::Character('-'));
        assert_eq!(err("@@double"), UsernameError::Character('@'));
        assert_eq!(err("a😀"), UsernameError::Character('😀'));
        assert_eq!(err(".lead"), UsernameError::EdgePeriod);
        assert_eq!(err("trail."), UsernameError::EdgePeriod);
        assert_eq!(err("."), UsernameError::EdgePeriod);
        assert_eq!(err("two..dots"), UsernameError::DoublePeriod);
        // A long name of multi-byte characters is refused for its characters, not its bytes.
        assert_eq!(err(&"é".repeat(20)), UsernameError::Character('é'));
        assert!(err("x y").to_string().contains("letters, digits"));
    }

    #[test]
    fn demo_usernames_are_a_reserved_prefix() {
        let u = |raw: &str| Username::parse(raw).unwrap();
        assert!(u("demo.travel.mia").is_demo());
        assert!(u("Demo_Fitness").is_demo());
        assert!(!u("demo").is_demo());
        assert!(!u("demolition").is_demo());
        assert!(!u("my.demo.account").is_demo());
        assert_eq!(u("demo.travel.mia").words(), ["travel", "mia"]);
        assert_eq!(u("demo_gym__rat").words(), ["gym", "rat"]);
        assert_eq!(u("natgeo").words(), ["natgeo"]);
    }
}
