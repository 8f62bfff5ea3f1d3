//! TOTP (RFC 6238): SHA-1, 6 digits, 30-second steps, one step of drift either way. A code is
//! accepted once: the step it matched is remembered and that step or an earlier one is refused.

use crate::error::{Error, Result};
use subtle_compare::eq as constant_time_eq;
use totp_rs::{Algorithm, Secret, TOTP};

pub const DIGITS: usize = 6;
pub const STEP: u64 = 30;

mod subtle_compare {
    /// Length-independent constant-time comparison of two short ASCII codes.
    pub fn eq(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// A fresh 160-bit secret, base32 (what authenticator apps expect).
pub fn new_secret() -> Result<String> {
    let bytes = crate::crypto::random_bytes::<20>().map_err(Error::internal)?;
    Ok(data_encoding::BASE32_NOPAD.encode(&bytes))
}

fn totp(secret_b32: &str, issuer: &str, account: &str, digits: usize) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .map_err(|e| Error::internal(format!("totp secret: {e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        digits,
        1,
        STEP,
        bytes,
        Some(issuer.to_string()),
        account.to_string(),
    )
    .map_err(|e| Error::internal(format!("totp: {e}")))
}

/// The code for a Unix time (seconds).
pub fn code_at(secret_b32: &str, unix: u64) -> Result<String> {
    Ok(totp(secret_b32, "Growthdeck", "user", DIGITS)?.generate(unix))
}

/// `otpauth://totp/…` for authenticator apps.
pub fn otpauth_uri(secret_b32: &str, issuer: &str, account: &str) -> Result<String> {
    Ok(totp(secret_b32, issuer, account, DIGITS)?.get_url())
}

/// An SVG QR code of the `otpauth://` URI.
pub fn qr_svg(uri: &str) -> Result<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(Error::internal)?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// The step (`unix / 30`) a code matches within ±1 step of `now`, if any, and if it is later
/// than `last_step` (single use).
pub fn verify(
    secret_b32: &str,
    code: &str,
    now: u64,
    last_step: Option<i64>,
) -> Result<Option<i64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret_b32, "Growthdeck", "user", DIGITS)?;
    let current = (now / STEP) as i64;
    for step in [current - 1, current, current + 1] {
        if step < 0 {
            continue;
        }
        if constant_time_eq(&totp.generate(step as u64 * STEP), &code) {
            if last_step.is_some_and(|last| step <= last) {
                return Ok(None);
            }
            return Ok(Some(step));
        }
    }
    Ok(None)
}

/// Number of backup codes a second factor comes with.
pub const BACKUP_CODES: usize = 10;

/// A backup code as shown once: 10 characters of Crockford-like base32 (50 bits; with
/// throttling, plenty), grouped `xxxxx-xxxxx`.
pub fn new_backup_code() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let bytes = crate::crypto::random_bytes::<10>().map_err(Error::internal)?;
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{}-{}", &chars[..5], &chars[5..]))
}

/// A typed backup code without separators, lower case: what is hashed and compared.
pub fn normalise_backup_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// A fresh set of [`BACKUP_CODES`] codes: each as shown once and as stored (the SHA-256 of
/// its normalised form).
pub fn new_backup_code_set() -> Result<Vec<(String, String)>> {
    (0..BACKUP_CODES)
        .map(|_| {
            let code = new_backup_code()?;
            let hash = crate::crypto::token_hash(&normalise_backup_code(&code));
            Ok((code, hash))
        })
        .collect()
}

/// Whether a typed code could be a backup code (after normalising).
pub fn looks_like_backup_code(normalised: &str) -> bool {
    normalised.len() == 10
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows: seed "12345678901234567890", 8 digits.
    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let seed = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        let vectors: [(u64, &str); 6] = [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ];
        let t = totp(&seed, "RFC", "vector", 8).unwrap();
        for (time, expected) in vectors {
            assert_eq!(t.generate(time), expected, "T = {time}");
        }
    }

    #[test]
    fn six_digit_codes_are_the_last_six_of_the_rfc_values() {
        let seed = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        assert_eq!(code_at(&seed, 59).unwrap(), "287082");
        assert_eq!(code_at(&seed, 1234567890).unwrap(), "005924");
    }

    #[test]
    fn drift_of_one_step_and_single_use() {
        let secret = new_secret().unwrap();
        let now = 1_700_000_000;
        let prev = code_at(&secret, now - 30).unwrap();
        let next = code_at(&secret, now + 30).unwrap();
        let far = code_at(&secret, now - 90).unwrap();
        let step = (now / 30) as i64;
        assert_eq!(verify(&secret, &prev, now, None).unwrap(), Some(step - 1));
        assert_eq!(verify(&secret, &next, now, None).unwrap(), Some(step + 1));
        assert_eq!(verify(&secret, &far, now, None).unwrap(), None);
        let code = code_at(&secret, now).unwrap();
        assert_eq!(
            verify(&secret, &code, now, Some(step)).unwrap(),
            None,
            "replay in the same window"
        );
        assert_eq!(verify(&secret, "12345", now, None).unwrap(), None);
        assert_eq!(verify(&secret, "abcdef", now, None).unwrap(), None);
    }

    #[test]
    fn uri_and_qr() {
        let secret = new_secret().unwrap();
        let uri = otpauth_uri(&secret, "Growthdeck", "alice@example.com").unwrap();
        assert!(uri.starts_with("otpauth://totp/"));
        assert!(uri.contains(&secret));
        assert!(qr_svg(&uri).unwrap().contains("<svg"));
    }
}
