//! Secrets at rest and single-use tokens.
//!
//! * `Keyring`: XChaCha20-Poly1305 with the platform key. Every ciphertext names the key that
//!   sealed it (`v1.<key id>.<base64url(nonce ‖ ciphertext)>`), so a new key can be made current
//!   while old ciphertexts still open. A purpose string is bound as associated data, so a
//!   ciphertext copied from one field into another does not decrypt.
//! * Tokens (session ids, API tokens, links in mail) are 256-bit random values shown once and
//!   stored only as SHA-256 hashes.

use std::{collections::BTreeMap, io::Write, path::Path};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("platform key file {path}: {message}")]
    KeyFile { path: String, message: String },
    #[error("ciphertext is malformed")]
    Malformed,
    #[error("ciphertext was sealed with unknown key {0:?}")]
    UnknownKey(String),
    #[error("ciphertext does not open with its key (tampered, or wrong purpose)")]
    Open,
    #[error("the system random source failed")]
    Random,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    current: String,
    /// key id → base64url of 32 bytes
    keys: BTreeMap<String, String>,
}

pub struct Keyring {
    current: String,
    keys: BTreeMap<String, [u8; 32]>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .field("keys", &self.keys.len())
            .finish()
    }
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|_| CryptoError::Random)?;
    Ok(buf)
}

/// A 256-bit random token, base64url (43 characters).
pub fn random_token() -> Result<String, CryptoError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// SHA-256 hex of a token: what the database keeps. Tokens are high-entropy, so a fast hash is
/// the right tool (a slow KDF is for low-entropy passwords).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Keyring {
    /// Loads `<data_dir>/platform.key`, creating it (mode 0600) with one fresh key if missing.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, CryptoError> {
        let path = data_dir.join("platform.key");
        let err = |message: String| CryptoError::KeyFile {
            path: path.display().to_string(),
            message,
        };
        if !path.exists() {
            crate::db::private_dir(data_dir).map_err(|e| err(e.to_string()))?;
            let ring = Keyring::generate()?;
            let json =
                serde_json::to_vec_pretty(&ring.to_file()).map_err(|e| err(e.to_string()))?;
            // Several processes may start on a fresh data directory at once: each writes a
            // complete key to its own temporary file, and the atomic hard link decides which
            // one becomes the platform key. The others use the winner's key.
            let tmp = data_dir.join(format!(
                ".platform.key.{}.tmp",
                hex::encode(random_bytes::<8>()?)
            ));
            let mut file = open_private(&tmp).map_err(|e| err(e.to_string()))?;
            file.write_all(&json).map_err(|e| err(e.to_string()))?;
            file.sync_all().map_err(|e| err(e.to_string()))?;
            drop(file);
            let linked = std::fs::hard_link(&tmp, &path);
            let _ = std::fs::remove_file(&tmp);
            match linked {
                Ok(()) => {
                    tracing::info!(path = %path.display(), "generated a new platform key");
                    return Ok(ring);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(err(e.to_string())),
            }
        }
        // A key file left readable by an older version or by hand is made private.
        if let Err(e) = crate::db::private_file(&path) {
            warn_if_readable_by_others(&path);
            tracing::warn!(path = %path.display(), error = %e, "could not make the platform key private");
        }
        let bytes = std::fs::read(&path).map_err(|e| err(e.to_string()))?;
        let file: KeyFile = serde_json::from_slice(&bytes).map_err(|e| err(e.to_string()))?;
        Self::from_file(file).map_err(err)
    }

    /// A keyring with one random key (tests, first start).
    pub fn generate() -> Result<Self, CryptoError> {
        let mut keys = BTreeMap::new();
        keys.insert("k1".to_string(), random_bytes::<32>()?);
        Ok(Self {
            current: "k1".into(),
            keys,
        })
    }

    fn to_file(&self) -> KeyFile {
        KeyFile {
            current: self.current.clone(),
            keys: self
                .keys
                .iter()
                .map(|(id, k)| (id.clone(), URL_SAFE_NO_PAD.encode(k)))
                .collect(),
        }
    }

    fn from_file(file: KeyFile) -> Result<Self, String> {
        let mut keys = BTreeMap::new();
        for (id, encoded) in file.keys {
            if id.is_empty() || id.contains('.') {
                return Err(format!(
                    "key id {id:?} must be non-empty and contain no dot"
                ));
            }
            let raw = URL_SAFE_NO_PAD
                .decode(encoded.trim())
                .map_err(|e| format!("key {id}: {e}"))?;
            let key: [u8; 32] = raw
                .try_into()
                .map_err(|_| format!("key {id} is not 32 bytes"))?;
            keys.insert(id, key);
        }
        if !keys.contains_key(&file.current) {
            return Err(format!("current key {:?} is not in the file", file.current));
        }
        Ok(Self {
            current: file.current,
            keys,
        })
    }

    pub fn encrypt(&self, purpose: &str, plaintext: &[u8]) -> Result<String, CryptoError> {
        let key = self
            .keys
            .get(&self.current)
            .ok_or_else(|| CryptoError::UnknownKey(self.current.clone()))?;
        let cipher = XChaCha20Poly1305::new(key.into());
        let nonce_bytes = random_bytes::<24>()?;
        let nonce = XNonce::from_slice(&nonce_bytes);
        let sealed = cipher
            .encrypt(
                nonce,
                Payload {
                    msg: plaintext,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Open)?;
        let mut blob = nonce_bytes.to_vec();
        blob.extend_from_slice(&sealed);
        Ok(format!(
            "v1.{}.{}",
            self.current,
            URL_SAFE_NO_PAD.encode(blob)
        ))
    }

    pub fn decrypt(&self, purpose: &str, ciphertext: &str) -> Result<Vec<u8>, CryptoError> {
        let mut parts = ciphertext.splitn(3, '.');
        let (Some("v1"), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Malformed);
        };
        let key = self
            .keys
            .get(key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_string()))?;
        let blob = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| CryptoError::Malformed)?;
        if blob.len() < 24 + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, sealed) = blob.split_at(24);
        XChaCha20Poly1305::new(key.into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Open)
    }

    pub fn encrypt_str(&self, purpose: &str, plaintext: &str) -> Result<String, CryptoError> {
        self.encrypt(purpose, plaintext.as_bytes())
    }

    pub fn decrypt_str(&self, purpose: &str, ciphertext: &str) -> Result<String, CryptoError> {
        String::from_utf8(self.decrypt(purpose, ciphertext)?).map_err(|_| CryptoError::Malformed)
    }

    /// Adds a fresh key and makes it current; old ciphertexts still open (key rotation).
    pub fn rotate(&mut self) -> Result<String, CryptoError> {
        let id = format!("k{}", self.keys.len() + 1);
        self.keys.insert(id.clone(), random_bytes::<32>()?);
        self.current = id.clone();
        Ok(id)
    }
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "platform key file is readable by group/others; chmod 600 it");
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_purpose_binding() {
        let ring = Keyring::generate().unwrap();
        let sealed = ring.encrypt_str("totp", "JBSWY3DPEHPK3PXP").unwrap();
        assert!(sealed.starts_with("v1.k1."));
        assert_eq!(
            ring.decrypt_str("totp", &sealed).unwrap(),
            "JBSWY3DPEHPK3PXP"
        );
        assert!(matches!(
            ring.decrypt_str("stripe", &sealed),
            Err(CryptoError::Open)
        ));
    }

    #[test]
    fn rotation_keeps_old_ciphertexts_readable() {
        let mut ring = Keyring::generate().unwrap();
        let old = ring.encrypt_str("p", "old").unwrap();
        assert_eq!(ring.rotate().unwrap(), "k2");
        let new = ring.encrypt_str("p", "new").unwrap();
        assert!(new.starts_with("v1.k2."));
        assert_eq!(ring.decrypt_str("p", &old).unwrap(), "old");
        assert_eq!(ring.decrypt_str("p", &new).unwrap(), "new");
    }

    #[test]
    fn tampering_is_detected() {
        let ring = Keyring::generate().unwrap();
        let sealed = ring.encrypt_str("p", "secret").unwrap();
        let mut chars: Vec<char> = sealed.chars().collect();
        let last = chars.len() - 1;
        chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert!(ring.decrypt_str("p", &tampered).is_err());
        assert!(matches!(
            ring.decrypt_str("p", "v1.zz.AAAA"),
            Err(CryptoError::UnknownKey(_))
        ));
        assert!(matches!(
            ring.decrypt_str("p", "garbage"),
            Err(CryptoError::Malformed)
        ));
    }

    #[test]
    fn concurrent_first_starts_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let rings: Vec<Keyring> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| Keyring::load_or_create(dir.path()).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let sealed = rings[0].encrypt_str("p", "shared").unwrap();
        for ring in &rings {
            assert_eq!(ring.decrypt_str("p", &sealed).unwrap(), "shared");
        }
    }

    #[test]
    fn key_file_is_private_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::load_or_create(dir.path()).unwrap();
        let sealed = ring.encrypt_str("p", "x").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("platform.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            // A key made readable by hand is made private again at the next start.
            std::fs::set_permissions(
                dir.path().join("platform.key"),
                std::fs::Permissions::from_mode(0o644),
            )
            .unwrap();
        }
        let again = Keyring::load_or_create(dir.path()).unwrap();
        assert_eq!(again.decrypt_str("p", &sealed).unwrap(), "x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join("platform.key")), 0o600);
            // A data directory the key creates is private too.
            let fresh = dir.path().join("fresh");
            Keyring::load_or_create(&fresh).unwrap();
            assert_eq!(mode(&fresh), 0o700);
        }
    }
}
