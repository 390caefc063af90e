//! What changed between two versions of an FAQ entry, field by field, for the console's
//! revision history.
//!
//! Every field is compared as lines: the title and category are one line each, the
//! lists (keywords, alternatives, related) one item a line, the body its Markdown lines
//! (in hunks with three lines of context), and `published` the line `true` or `false`.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use super::FaqEntry;

/// Lines of unchanged body shown around each change.
const BODY_CONTEXT: usize = 3;

/// The fields of an entry, in the order a diff lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Title,
    Category,
    Keywords,
    Alternatives,
    Related,
    Body,
    Published,
}

impl Field {
    pub const ALL: [Field; 7] = [
        Field::Title,
        Field::Category,
        Field::Keywords,
        Field::Alternatives,
        Field::Related,
        Field::Body,
        Field::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Category => "category",
            Field::Keywords => "keywords",
            Field::Alternatives => "alternatives",
            Field::Related => "related",
            Field::Body => "body",
            Field::Published => "published",
        }
    }

    /// The field's text as lines are compared.
    fn text(self, entry: &FaqEntry) -> String {
        let lines = |items: &[String]| items.join("\n");
        match self {
            Field::Title => entry.title.clone(),
            Field::Category => entry.category.clone(),
            Field::Keywords => lines(&entry.keywords),
            Field::Alternatives => lines(&entry.alternatives),
            Field::Related => lines(&entry.related),
            Field::Body => entry.body.clone(),
            Field::Published => entry.published.to_string(),
        }
    }
}

/// The differences between two versions of one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryDiff {
    /// Every field, in [`Field::ALL`] order, changed or not.
    pub fields: Vec<FieldDiff>,
}

impl EntryDiff {
    /// True when some field differs.
    pub fn changed(&self) -> bool {
        self.fields.iter().any(|f| f.changed)
    }
}

/// One field's differences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDiff {
    pub field: Field,
    pub changed: bool,
    /// Empty when unchanged. One hunk holding every line for the short fields; for the
    /// body, each change with up to three lines of context around it.
    pub hunks: Vec<Hunk>,
}

/// A run of neighbouring lines, some of them changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hunk {
    pub lines: Vec<DiffLine>,
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub kind: LineKind,
    /// 1-based line number in the older version (none for inserted lines).
    pub old_line: Option<usize>,
    /// 1-based line number in the newer version (none for deleted lines).
    pub new_line: Option<usize>,
    /// The line, without its line ending.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Equal,
    Insert,
    Delete,
}

/// Compares `old` with `new`, field by field.
pub fn diff_entries(old: &FaqEntry, new: &FaqEntry) -> EntryDiff {
    let fields = Field::ALL
        .into_iter()
        .map(|field| diff_field(field, &field.text(old), &field.text(new)))
        .collect();
    EntryDiff { fields }
}

fn diff_field(field: Field, old: &str, new: &str) -> FieldDiff {
    if old == new {
        return FieldDiff {
            field,
            changed: false,
            hunks: Vec::new(),
        };
    }
    // Every line ends in a newline, so that a last line is equal to itself followed by more.
    let (old, new) = (format!("{old}\n"), format!("{new}\n"));
    let diff = TextDiff::from_lines(&old, &new);
    let context = if field == Field::Body {
        BODY_CONTEXT
    } else {
        usize::MAX / 2
    };
    let hunks = diff
        .grouped_ops(context)
        .iter()
        .map(|group| Hunk {
            lines: group
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|change| DiffLine {
                    kind: match change.tag() {
                        ChangeTag::Equal => LineKind::Equal,
                        ChangeTag::Insert => LineKind::Insert,
                        ChangeTag::Delete => LineKind::Delete,
                    },
                    old_line: change.old_index().map(|i| i + 1),
                    new_line: change.new_index().map(|i| i + 1),
                    text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
                })
                .collect(),
        })
        .collect();
    FieldDiff {
        field,
        changed: true,
        hunks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> FaqEntry {
        FaqEntry {
            id: "vpn-connect".into(),
            title: "VPNにつながりません".into(),
            category: "テレワーク・モバイル".into(),
            keywords: vec!["VPN".into(), "リモート".into()],
            alternatives: vec!["在宅でつながらない".into()],
            related: vec![],
            body: (1..=10)
                .map(|n| format!("手順{n}"))
                .collect::<Vec<_>>()
                .join("\n"),
            published: true,
        }
    }

    fn kinds(hunk: &Hunk) -> Vec<(LineKind, &str)> {
        hunk.lines
            .iter()
            .map(|l| (l.kind, l.text.as_str()))
            .collect()
    }

    #[test]
    fn identical_versions_have_no_changes() {
        let diff = diff_entries(&entry(), &entry());
        assert!(!diff.changed());
        assert_eq!(diff.fields.len(), 7);
        assert!(diff.fields.iter().all(|f| f.hunks.is_empty()));
    }

    #[test]
    fn a_body_edit_is_one_hunk_with_three_lines_of_context() {
        let old = entry();
        let mut new = entry();
        new.body = new.body.replace("手順5", "手順5（内線1234）");
        let diff = diff_entries(&old, &new);
        let changed: Vec<Field> = diff
            .fields
            .iter()
            .filter(|f| f.changed)
            .map(|f| f.field)
            .collect();
        assert_eq!(changed, [Field::Body]);
        let body = &diff.fields[5];
        assert_eq!(body.hunks.len(), 1);
        use LineKind::*;
        assert_eq!(
            kinds(&body.hunks[0]),
            [
                (Equal, "手順2"),
                (Equal, "手順3"),
                (Equal, "手順4"),
                (Delete, "手順5"),
                (Insert, "手順5（内線1234）"),
                (Equal, "手順6"),
                (Equal, "手順7"),
                (Equal, "手順8"),
            ]
        );
        let deleted = &body.hunks[0].lines[3];
        assert_eq!((deleted.old_line, deleted.new_line), (Some(5), None));
    }

    #[test]
    fn distant_body_edits_are_separate_hunks() {
        let mut new = entry();
        new.body = new
            .body
            .replace("手順1\n", "")
            .replace("手順10", "手順10\n以上");
        let diff = diff_entries(&entry(), &new);
        assert_eq!(diff.fields[5].hunks.len(), 2);
    }

    #[test]
    fn list_and_flag_changes_show_every_line() {
        let mut new = entry();
        new.keywords.push("在宅".into());
        new.published = false;
        let diff = diff_entries(&entry(), &new);
        use LineKind::*;
        assert_eq!(
            kinds(&diff.fields[2].hunks[0]),
            [(Equal, "VPN"), (Equal, "リモート"), (Insert, "在宅")]
        );
        assert_eq!(
            kinds(&diff.fields[6].hunks[0]),
            [(Delete, "true"), (Insert, "false")]
        );
        let json = serde_json::to_value(&diff).unwrap();
        assert_eq!(json["fields"][6]["field"], "published");
        assert_eq!(json["fields"][6]["hunks"][0]["lines"][0]["kind"], "delete");
    }
}
