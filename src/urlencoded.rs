//! Form bodies (`application/x-www-form-urlencoded`) read strictly. `serde_urlencoded`
//! turns bytes that are not UTF-8, raw or percent-encoded (`text=%FF`), into U+FFFD; the
//! helpdesk refuses such a form as it refuses a JSON body that is not UTF-8.

use serde::de::DeserializeOwned;

/// Why a form body was refused; the message is Japanese, for the person who sent it.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("本文が UTF-8 ではありません。")]
    NotUtf8,
    #[error("フォームとして読み取れません: {0}")]
    Invalid(#[from] serde_urlencoded::de::Error),
}

/// Reads a form body into `T`, refusing one that is not UTF-8 once percent-decoded.
pub fn from_bytes<T: DeserializeOwned>(body: &[u8]) -> Result<T, FormError> {
    if !decodes_to_utf8(body) {
        return Err(FormError::NotUtf8);
    }
    Ok(serde_urlencoded::from_bytes(body)?)
}

/// Whether every name and value of `body` is UTF-8 once percent-decoded. Decoding the whole
/// body at once tells the same: the separators `&` and `=` are ASCII, which never occurs
/// inside a multi-byte UTF-8 sequence.
fn decodes_to_utf8(body: &[u8]) -> bool {
    let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
    let mut decoded = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let byte = match (body[i], hex(body.get(i + 1)), hex(body.get(i + 2))) {
            (b'%', Some(high), Some(low)) => {
                i += 2;
                (high * 16 + low) as u8
            }
            (byte, _, _) => byte,
        };
        decoded.push(byte);
        i += 1;
    }
    std::str::from_utf8(&decoded).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Pairs = Vec<(String, String)>;

    #[test]
    fn utf8_forms_are_read_as_serde_urlencoded_reads_them() {
        let pairs: Pairs = from_bytes(b"text=%E5%8D%B0%E5%88%B7&a=b+c&odd=%zz&pct=%").unwrap();
        assert_eq!(
            pairs,
            [
                ("text".into(), "印刷".into()),
                ("a".into(), "b c".into()),
                ("odd".into(), "%zz".into()),
                ("pct".into(), "%".into()),
            ]
        );
        let raw: Pairs = from_bytes("text=印刷".as_bytes()).unwrap();
        assert_eq!(raw[0].1, "印刷");
    }

    #[test]
    fn bytes_that_are_not_utf8_raw_or_percent_encoded_are_refused() {
        for body in [
            &b"text=%FF"[..],
            b"text=%e5%8d",
            b"text=%E5%8D&b=%88",
            b"%C0%AF=x",
            b"text=\xff",
            b"text=\xe5\x8d",
        ] {
            assert!(
                matches!(from_bytes::<Pairs>(body), Err(FormError::NotUtf8)),
                "{body:?}"
            );
        }
    }
}
