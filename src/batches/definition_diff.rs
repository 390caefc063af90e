//! What changed between two revisions of a job's definition: its TOML lines, in hunks
//! with three lines of context, for the console's revision history.

use similar::{ChangeTag, TextDiff};

/// Lines of unchanged text shown around each change.
const CONTEXT: usize = 3;

/// One line of a hunk: `Some(true)` added, `Some(false)` removed, `None` unchanged; its
/// 1-based number in the older and the newer text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub added: Option<bool>,
    pub old_line: Option<usize>,
    pub new_line: Option<usize>,
    pub text: String,
}

/// The changed lines of `new` against `old`, each hunk a run of neighbouring lines;
/// empty when the texts are equal.
pub fn diff_definitions(old: &str, new: &str) -> Vec<Vec<DiffLine>> {
    if old == new {
        return Vec::new();
    }
    let (old, new) = (ended(old), ended(new));
    let diff = TextDiff::from_lines(&old, &new);
    diff.grouped_ops(CONTEXT)
        .iter()
        .map(|group| {
            group
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|change| DiffLine {
                    added: match change.tag() {
                        ChangeTag::Equal => None,
                        ChangeTag::Insert => Some(true),
                        ChangeTag::Delete => Some(false),
                    },
                    old_line: change.old_index().map(|i| i + 1),
                    new_line: change.new_index().map(|i| i + 1),
                    text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
                })
                .collect()
        })
        .collect()
}

/// Every line ends in a newline, so a last line equals itself followed by more.
fn ended(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_is_one_removal_and_one_addition_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        let hunks = diff_definitions(old, new);
        assert_eq!(hunks.len(), 1);
        let changed: Vec<_> = hunks[0].iter().filter(|l| l.added.is_some()).collect();
        assert_eq!(changed.len(), 2);
        assert_eq!(
            (changed[0].added, changed[0].text.as_str()),
            (Some(false), "e")
        );
        assert_eq!(
            (changed[1].added, changed[1].new_line),
            (Some(true), Some(5))
        );
        // Three lines either side, not the first line.
        assert_eq!(hunks[0].first().unwrap().text, "b");
        assert!(diff_definitions(old, old).is_empty());
    }
}
