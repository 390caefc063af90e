//! Contrast in a question: in 「上書きじゃなくて、ファイルを消してしまった」 the staff member
//! sets 上書き aside, and searching for it pulls up the neighbouring entry (overwritten
//! files) above the one asked about (deleted files). The clause before じゃなくて／ではなく,
//! and a clause that ends in でもない (「紙詰まりでもトナー切れでもないです」), are left out
//! of the search. Grammar only: nothing here names a topic, so a city's own entries
//! benefit as the bundled ones do.

/// Markers that set the words before them aside and go on (「AじゃなくてB」); a て after
/// them is part of the marker. Not でなく: 「音がでなくて」 is a symptom.
const SET_ASIDE: [&str; 3] = ["じゃなく", "ではなく", "でもなく"];
/// Markers that set their whole clause aside (「AでもBでもないです」「Aじゃないほうで」).
const CLAUSE_ASIDE: [&str; 5] = [
    "でもない",
    "じゃないほう",
    "じゃない方",
    "ではないほう",
    "ではない方",
];
/// What is left must say this much (characters other than punctuation and spaces), or
/// the question is kept whole: 「印刷じゃなくて」 alone still asks about printing.
const MIN_LEFT: usize = 4;

fn is_boundary(c: char) -> bool {
    matches!(
        c,
        '、' | '。' | ',' | '.' | '!' | '?' | '！' | '？' | ' ' | '　' | '\n'
    )
}

/// The question without the words it sets aside, or `None` when it sets nothing aside
/// (or too little would be left).
pub fn without_set_aside(text: &str) -> Option<String> {
    let mut left = text.to_owned();
    while let Some(span) = next_aside(&left) {
        left.replace_range(span, "");
    }
    if left.len() == text.len() {
        return None;
    }
    let content = left.chars().filter(|c| !is_boundary(*c)).count();
    (content >= MIN_LEFT).then(|| left.trim_matches(is_boundary).to_string())
}

/// The first span (bytes) to leave out: from the start of its clause to the end of its
/// marker (「じゃなくて」) or of its clause (「でもないです」).
fn next_aside(text: &str) -> Option<std::ops::Range<usize>> {
    let (at, marker, whole_clause) = SET_ASIDE
        .iter()
        .map(|m| (m, false))
        .chain(CLAUSE_ASIDE.iter().map(|m| (m, true)))
        .filter_map(|(m, whole)| text.find(m).map(|at| (at, *m, whole)))
        .min_by_key(|(at, m, _)| (*at, std::cmp::Reverse(m.len())))?;
    let start = text[..at]
        .char_indices()
        .rfind(|(_, c)| is_boundary(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let after = at + marker.len();
    let end = if whole_clause {
        text[after..]
            .find(is_boundary)
            .map_or(text.len(), |i| after + i)
    } else if text[after..].starts_with('て') {
        after + 'て'.len_utf8()
    } else {
        after
    };
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn focus(text: &str) -> Option<String> {
        without_set_aside(text)
    }

    #[test]
    fn the_words_set_aside_are_left_out() {
        assert_eq!(
            focus("上書きじゃなくて、共有フォルダのファイル自体を消してしまった").as_deref(),
            Some("共有フォルダのファイル自体を消してしまった")
        );
        assert_eq!(
            focus("課の代表アドレスではなく、私個人のメールを部下に見てもらいたい").as_deref(),
            Some("私個人のメールを部下に見てもらいたい")
        );
        assert_eq!(
            focus("スキャナーが認識されません。USBメモリではなく機器のほうです").as_deref(),
            Some("スキャナーが認識されません。機器のほうです")
        );
    }

    #[test]
    fn a_clause_that_sets_itself_aside_is_left_out_whole() {
        assert_eq!(
            focus("エラー番号が出て止まっています。紙詰まりでもトナー切れでもないです").as_deref(),
            Some("エラー番号が出て止まっています")
        );
        assert_eq!(
            focus("市民向けではなく、職員向けの調査を作りたい。LoGoフォームじゃないほうで")
                .as_deref(),
            Some("職員向けの調査を作りたい")
        );
    }

    #[test]
    fn questions_without_contrast_or_with_too_little_left_are_kept() {
        assert_eq!(focus("パスワードを忘れました"), None);
        // A question form, not a contrast.
        assert_eq!(focus("なりすましじゃないか確かめたい"), None);
        assert_eq!(focus("音がでなくて困っています"), None);
        assert_eq!(focus("印刷じゃなくて"), None);
        assert_eq!(focus("印刷じゃなくてスキャン").as_deref(), Some("スキャン"));
    }
}
