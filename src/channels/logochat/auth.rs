//! Who may call the webhook: the shared token (compared in constant time) and, when a
//! signing secret is set, an HMAC-SHA256 signature over the timestamp followed by the raw
//! body, within a 5-minute window.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far a signed request's timestamp may be from now.
pub const REPLAY_WINDOW_SECS: i64 = 300;

/// Why a call was refused (the response says 401 and no more).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing token")]
    MissingToken,
    #[error("wrong token")]
    WrongToken,
    #[error("missing signature or timestamp")]
    MissingSignature,
    #[error("bad signature")]
    BadSignature,
    #[error("timestamp outside the replay window")]
    Stale,
}

/// Whether `given` is the configured token, in time independent of where they differ.
pub fn check_token(expected: &str, given: Option<&str>) -> Result<(), AuthError> {
    let given = given.ok_or(AuthError::MissingToken)?;
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(AuthError::WrongToken)
    }
}

/// Checks `signature` (`sha256=<hex>` or bare hex) over `timestamp` + `body`, and that
/// `timestamp` (Unix seconds) is within [`REPLAY_WINDOW_SECS`] of `now`.
pub fn check_signature(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), AuthError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(AuthError::MissingSignature);
    };
    let at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| AuthError::BadSignature)?;
    let hex_sig = signature.trim();
    let hex_sig = hex_sig.strip_prefix("sha256=").unwrap_or(hex_sig);
    let given = hex::decode(hex_sig).map_err(|_| AuthError::BadSignature)?;
    let mut mac = mac(secret);
    mac.update(timestamp.trim().as_bytes());
    mac.update(body);
    mac.verify_slice(&given)
        .map_err(|_| AuthError::BadSignature)?;
    if (now - at).abs() > REPLAY_WINDOW_SECS {
        return Err(AuthError::Stale);
    }
    Ok(())
}

/// `sha256=<hex>` for `timestamp` + `body`: what a caller sends, and what the outbox
/// sends with each delivery.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(timestamp.to_string().as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn mac(secret: &str) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_must_match_exactly() {
        assert_eq!(check_token("s3cret", Some("s3cret")), Ok(()));
        assert_eq!(
            check_token("s3cret", Some("s3cre")),
            Err(AuthError::WrongToken)
        );
        assert_eq!(check_token("s3cret", Some("")), Err(AuthError::WrongToken));
        assert_eq!(check_token("s3cret", None), Err(AuthError::MissingToken));
    }

    #[test]
    fn a_signature_covers_timestamp_and_body_within_the_window() {
        let body = br#"{"text":"VPN"}"#;
        let now = 1_790_000_000;
        let sig = sign("k", now, body);
        let ts = now.to_string();
        assert_eq!(
            check_signature("k", Some(&ts), Some(&sig), body, now + 10),
            Ok(())
        );
        // Bare hex is accepted too.
        let bare = sig.trim_start_matches("sha256=");
        assert_eq!(
            check_signature("k", Some(&ts), Some(bare), body, now),
            Ok(())
        );
        // Another body, another key, another timestamp: refused.
        let refused = [
            check_signature("k", Some(&ts), Some(&sig), br#"{"text":"vpn"}"#, now),
            check_signature("other", Some(&ts), Some(&sig), body, now),
            check_signature("k", Some(&(now + 1).to_string()), Some(&sig), body, now),
            check_signature("k", Some(&ts), Some("sha256=zz"), body, now),
        ];
        assert!(
            refused.iter().all(|r| *r == Err(AuthError::BadSignature)),
            "{refused:?}"
        );
        assert_eq!(
            check_signature(
                "k",
                Some(&ts),
                Some(&sig),
                body,
                now + REPLAY_WINDOW_SECS + 1
            ),
            Err(AuthError::Stale)
        );
        assert_eq!(
            check_signature("k", None, Some(&sig), body, now),
            Err(AuthError::MissingSignature)
        );
    }
}
