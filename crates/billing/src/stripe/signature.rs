//! Verifying `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`: the hex HMAC-SHA256 of
//! `"{t}.{raw body}"` under the endpoint secret. Only `v1` counts (`v0` is a test scheme);
//! during a secret rotation Stripe sends one `v1` per secret, so any may match. A timestamp
//! more than five minutes from now is refused against replays of a captured request.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Stripe's libraries use the same tolerance.
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// No `t=` or no `v1=` in the header.
    Malformed,
    /// The timestamp is too far from now.
    Stale,
    /// No `v1` value matches the body.
    Mismatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignatureError::Malformed => "the Stripe-Signature header is missing or malformed",
            SignatureError::Stale => "the Stripe-Signature timestamp is outside the tolerance",
            SignatureError::Mismatch => "the Stripe-Signature does not match the payload",
        })
    }
}

/// The `v1` signature of `payload` at `timestamp` (hex).
pub fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, payload))
}

fn mac(secret: &str, timestamp: i64, payload: &[u8]) -> Vec<u8> {
    #[allow(clippy::expect_used)] // HMAC takes a key of any length.
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(payload);
    m.finalize().into_bytes().to_vec()
}

/// Checks the header against the raw body; returns the signed timestamp.
pub fn verify(header: &str, payload: &[u8], secret: &str, now: i64) -> Result<i64, SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => {
                // A value that is not hex can never match; skip it rather than fail.
                if let Ok(bytes) = hex::decode(v) {
                    candidates.push(bytes);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let expected = mac(secret, timestamp, payload);
    // Compare against every candidate in constant time, without stopping at the first match.
    let matched = candidates
        .iter()
        .fold(subtle::Choice::from(0), |acc, c| acc | expected.ct_eq(c));
    if !bool::from(matched) {
        return Err(SignatureError::Mismatch);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    Ok(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1"}"#;

    #[test]
    fn a_matching_v1_within_tolerance_passes() {
        let sig = sign(SECRET, 1000, BODY);
        assert_eq!(
            verify(&format!("t=1000,v1={sig}"), BODY, SECRET, 1100),
            Ok(1000)
        );
        // A v0 and an unknown scheme are ignored; the second v1 matches (rotation).
        let header = format!(
            "t=1000,v0={sig},v1={},v1={sig}",
            sign("whsec_old", 1000, BODY)
        );
        assert_eq!(verify(&header, BODY, SECRET, 1000), Ok(1000));
    }

    #[test]
    fn tampering_staleness_and_malformed_headers_fail() {
        let sig = sign(SECRET, 1000, BODY);
        assert_eq!(
            verify(
                &format!("t=1000,v1={sig}"),
                br#"{"id":"evt_2"}"#,
                SECRET,
                1000
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&format!("t=1000,v1={sig}"), BODY, "whsec_other", 1000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&format!("t=1000,v1={sig}"), BODY, SECRET, 1301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&format!("t=1000,v1={sig}"), BODY, SECRET, 699),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&format!("t=1000,v0={sig}"), BODY, SECRET, 1000),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&format!("v1={sig}"), BODY, SECRET, 1000),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify("", BODY, SECRET, 1000),
            Err(SignatureError::Malformed)
        );
    }
}
