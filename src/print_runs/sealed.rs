//! Print-run files at rest (特記事項 第11-7(2)): AES-256-GCM with a key from the
//! configuration, a fresh random nonce per file, and the run id and the file's role as
//! associated data, so a file cannot be passed off as another run's. Layout: `MDGK1`,
//! the 12-byte nonce, then the ciphertext with its tag.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

const MAGIC: &[u8] = b"MDGK1";

/// The key run files are sealed with.
pub struct FileKey(LessSafeKey);

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(secret)")
    }
}

/// A file that cannot be opened with this key (changed, another run's, another key).
#[derive(Debug, thiserror::Error)]
#[error("the run file cannot be decrypted (changed, another run's, or another key)")]
pub struct SealError;

impl FileKey {
    /// From 32 bytes written as 64 hex digits.
    pub fn from_hex(hex_key: &str) -> Result<Self, String> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| "the key is not hex".to_owned())?;
        let key = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| "the key must be 32 bytes (64 hex digits)".to_owned())?;
        Ok(Self(LessSafeKey::new(key)))
    }

    /// `plain` sealed for `(run, role)`.
    pub fn seal(&self, run: i64, role: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the operating system's random source");
        let mut body = plain.to_vec();
        let aad = format!("{run}/{role}");
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut body,
            )
            .expect("AES-GCM seals any length this program writes");
        [MAGIC, &nonce[..], &body].concat()
    }

    /// The plain bytes of a file sealed for `(run, role)`.
    pub fn open(&self, run: i64, role: &str, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        let rest = sealed.strip_prefix(MAGIC).ok_or(SealError)?;
        if rest.len() < NONCE_LEN {
            return Err(SealError);
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError)?;
        let aad = format!("{run}/{role}");
        let mut body = body.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut body)
            .map_err(|_| SealError)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_open_only_for_their_run_and_role_and_key() {
        let key = FileKey::from_hex(&"ab".repeat(32)).unwrap();
        let sealed = key.seal(7, "input", "沼津 太郎".as_bytes());
        assert!(!sealed.windows(6).any(|w| w == "沼津".as_bytes()));
        assert_eq!(
            key.open(7, "input", &sealed).unwrap(),
            "沼津 太郎".as_bytes()
        );
        assert!(key.open(8, "input", &sealed).is_err());
        assert!(key.open(7, "output", &sealed).is_err());
        let other = FileKey::from_hex(&"cd".repeat(32)).unwrap();
        assert!(other.open(7, "input", &sealed).is_err());
        let mut changed = sealed.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert!(key.open(7, "input", &changed).is_err());
        assert!(FileKey::from_hex("abcd").is_err());
        assert_eq!(format!("{key:?}"), "FileKey(secret)");
    }
}
