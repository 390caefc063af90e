//! Reply templates for operators (`prompts/operator_replies.md`): a title per `## ` line,
//! the text up to the next title. Read when the ticket page opens, so an edit shows at
//! once; when the file is missing or has no template, the bundled one is used.

use std::path::Path;

/// One canned reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTemplate {
    pub title: String,
    pub text: String,
}

const FILE: &str = "operator_replies.md";
const BUNDLED: &str = include_str!("../../prompts/operator_replies.md");

/// The templates in `dir`, or the bundled ones.
pub fn load(dir: &Path) -> Vec<ReplyTemplate> {
    let parsed = std::fs::read_to_string(dir.join(FILE))
        .map(|text| parse(&text))
        .unwrap_or_default();
    if parsed.is_empty() {
        parse(BUNDLED)
    } else {
        parsed
    }
}

/// Reads `## title` sections; HTML comments and text before the first title are ignored.
pub fn parse(text: &str) -> Vec<ReplyTemplate> {
    let mut out: Vec<ReplyTemplate> = Vec::new();
    let mut in_comment = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if in_comment || trimmed.starts_with("<!--") {
            in_comment = !trimmed.ends_with("-->");
            continue;
        }
        if let Some(title) = trimmed.strip_prefix("## ") {
            out.push(ReplyTemplate {
                title: title.trim().to_owned(),
                text: String::new(),
            });
        } else if let Some(current) = out.last_mut() {
            current.text.push_str(line);
            current.text.push('\n');
        }
    }
    for t in &mut out {
        t.text = t.text.trim().to_owned();
    }
    out.retain(|t| !t.title.is_empty() && !t.text.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_templates_parse() {
        let templates = parse(BUNDLED);
        assert!(templates.len() >= 5, "{templates:?}");
        assert_eq!(templates[0].title, "確認中です");
        assert!(templates[0]
            .text
            .starts_with("お問い合わせありがとうございます。"));
        assert!(templates.iter().all(|t| !t.text.contains("<!--")));
    }

    #[test]
    fn sections_without_text_are_dropped_and_a_missing_file_falls_back() {
        let t = parse("## 空\n\n## 本文あり\n一行目\n二行目\n");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].text, "一行目\n二行目");
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), parse(BUNDLED));
    }
}
