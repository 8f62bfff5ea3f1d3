//! Password policy (ASVS 5.0: length, not composition; refuse common passwords) and Argon2id
//! hashing on the blocking pool (a hash costs ~19 MiB and tens of milliseconds).

use std::{collections::HashSet, sync::OnceLock};

use crate::error::{Error, FieldError, Result};
use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
};

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// The 20,000 most common passwords of 12+ characters (see `data/common-passwords.LICENSE.md`).
fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .collect()
    })
}

pub fn common_list_len() -> usize {
    common_passwords().len()
}

/// Checks a new password; `field` names the form field in the error.
pub fn check_policy(field: &str, password: &str, email: &str) -> Result<()> {
    let len = password.chars().count();
    let message = if password.trim().is_empty() && len > 0 {
        Some("The password cannot be only spaces".to_string())
    } else if len < MIN_LEN {
        Some(format!(
            "Use at least {MIN_LEN} characters (a few words make a strong password)"
        ))
    } else if len > MAX_LEN {
        Some(format!("Use at most {MAX_LEN} characters"))
    } else if common_passwords().contains(password.to_lowercase().as_str()) {
        Some("This password is on a list of commonly used passwords; choose another".to_string())
    } else if !email.is_empty() && password.to_lowercase().contains(&email.to_lowercase()) {
        Some("The password must not contain your email address".to_string())
    } else {
        None
    };
    match message {
        Some(m) => Err(Error::Validation(vec![FieldError::new(field, m)])),
        None => Ok(()),
    }
}

/// Argon2id with the crate defaults (m = 19 MiB, t = 2, p = 1: the ASVS minimum).
pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt_bytes = crate::crypto::random_bytes::<16>().map_err(Error::internal)?;
        let salt = SaltString::encode_b64(&salt_bytes).map_err(Error::internal)?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(Error::internal)
    })
    .await
    .map_err(Error::internal)?
}

pub async fn verify(password: &str, phc: &str) -> Result<bool> {
    let password = password.to_owned();
    let phc = phc.to_owned();
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&phc).map_err(Error::internal)?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(Error::internal)?
}

/// A hash of a random password, verified against when the account does not exist, so a wrong
/// email costs the same time as a wrong password (no account enumeration by timing).
pub async fn dummy_verify(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = match DUMMY.get() {
        Some(p) => p.clone(),
        None => match hash("dummy password for timing equalisation").await {
            Ok(p) => DUMMY.get_or_init(|| p).clone(),
            Err(_) => return,
        },
    };
    let _ = verify(password, &phc).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refuses_short_long_and_common() {
        assert!(check_policy("password", "short", "").is_err());
        assert!(check_policy("password", &" ".repeat(20), "").is_err());
        assert!(check_policy("password", &"\u{3000}\t ".repeat(6), "").is_err());
        assert!(check_policy("password", "  spaced out passphrase  ", "").is_ok());
        assert!(check_policy("password", &"x".repeat(129), "").is_err());
        assert!(check_policy("password", "1qaz2wsx3edc", "").is_err());
        assert!(check_policy("password", "1QAZ2WSX3EDC", "").is_err());
        assert!(check_policy("password", "alice@example.com!!", "alice@example.com").is_err());
        assert!(check_policy("password", "correct horse battery staple", "").is_ok());
        assert!(common_list_len() >= 10_000);
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash("correct horse battery staple").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", &h).await.unwrap());
        assert!(!verify("wrong horse battery staple", &h).await.unwrap());
    }
}
