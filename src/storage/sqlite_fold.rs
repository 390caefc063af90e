//! The SQLite side of `search_fold`: a SQL function `madoguchi_fold(x)` that does what
//! `LOWER` does (ASCII letters to small letters) and also folds the full-width forms of
//! ASCII (`Ａ`, `１`, `－`) to ASCII, registered on every connection of the pool.
//!
//! SQLite has no `TRANSLATE`; a chain of `REPLACE`s, one per character, doubled the time
//! of a search over the IP ledger's 50,000 lines. This is one call per value, in place of
//! the `LOWER` the search would call anyway.

use libsqlite3_sys as ffi;

/// The function's name, as the statements call it.
pub(super) const NAME: &str = "madoguchi_fold";
const NAME_C: &[u8] = b"madoguchi_fold\0";

/// Registers `madoguchi_fold` on the connection `db`; SQLite's result code.
///
/// # Safety
/// `db` is an open connection handle that no other thread uses during the call (sqlx's
/// `LockedSqliteHandle`).
pub(super) unsafe fn register(db: *mut ffi::sqlite3) -> i32 {
    // SAFETY: `db` is valid by the caller's contract; the name is NUL-terminated and
    // static; the function keeps no user data, so there is nothing to destroy.
    unsafe {
        ffi::sqlite3_create_function_v2(
            db,
            NAME_C.as_ptr().cast(),
            1,
            ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC,
            std::ptr::null_mut(),
            Some(fold),
            None,
            None,
            None,
        )
    }
}

/// `madoguchi_fold(x)`: NULL for NULL, else `x` as text folded by
/// [`super::search_fold::fold_lower`].
unsafe extern "C" fn fold(
    ctx: *mut ffi::sqlite3_context,
    n_args: i32,
    args: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite calls this with `n_args` (1, as registered) valid values in `args`
    // and a valid context, and keeps the text it returns for a value alive until the
    // value changes; the result is copied by SQLite (`SQLITE_TRANSIENT`) before `folded`
    // is dropped.
    unsafe {
        if n_args != 1 {
            ffi::sqlite3_result_error_code(ctx, ffi::SQLITE_MISUSE);
            return;
        }
        let value = *args;
        if ffi::sqlite3_value_type(value) == ffi::SQLITE_NULL {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let text = ffi::sqlite3_value_text(value);
        if text.is_null() {
            ffi::sqlite3_result_error_nomem(ctx);
            return;
        }
        let len = usize::try_from(ffi::sqlite3_value_bytes(value)).unwrap_or(0);
        let bytes = std::slice::from_raw_parts(text, len);
        if !may_fold(bytes) {
            // The usual value (no capital, nothing full-width): returned as it is, with
            // no copy made here.
            ffi::sqlite3_result_value(ctx, value);
            return;
        }
        let folded = if bytes.contains(&0xEF) {
            super::search_fold::fold_lower(&String::from_utf8_lossy(bytes)).into_bytes()
        } else {
            // ASCII capitals only: what SQLite's LOWER does, byte by byte.
            bytes.to_ascii_lowercase()
        };
        let Ok(folded_len) = i32::try_from(folded.len()) else {
            ffi::sqlite3_result_error_toobig(ctx);
            return;
        };
        ffi::sqlite3_result_text(
            ctx,
            folded.as_ptr().cast(),
            folded_len,
            ffi::SQLITE_TRANSIENT(),
        );
    }
}

/// Whether folding could change `bytes`: an ASCII capital, or the lead byte (0xEF) of a
/// full-width form's UTF-8 (`U+FF01`..`U+FF5E` are `EF BC 81`..`EF BD 9E`; half-width
/// katakana and a few others share the byte and are looked at for nothing).
fn may_fold(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| b.is_ascii_uppercase() || *b == 0xEF)
}

#[cfg(test)]
mod tests {
    use super::may_fold;

    #[test]
    fn only_capitals_and_full_width_forms_need_folding() {
        assert!(!may_fold("host-3999 部署07課".as_bytes()));
        assert!(may_fold(b"Host"));
        assert!(may_fold("ｈｏｓｔ".as_bytes()));
        assert!(may_fold("ＰＣ".as_bytes()));
    }
}
