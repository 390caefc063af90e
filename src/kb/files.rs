//! Reading and writing the knowledge base as Markdown files with YAML front matter
//! (format in `knowledge-base/README.md`), and FAQ sets as JSON lines.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::FaqEntry;

/// Why a knowledge-base file or FAQ set cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("{path}: duplicate id {id}")]
    Duplicate { path: PathBuf, id: String },
}

/// The front matter fields, in the order they are written.
#[derive(Serialize, Deserialize)]
struct FrontMatter {
    id: String,
    title: String,
    category: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    alternatives: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    related: Vec<String>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    published: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// Parses one entry file.
pub fn parse_entry(text: &str) -> Result<FaqEntry, String> {
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n");
    let rest = text
        .strip_prefix("---\n")
        .ok_or("missing front matter (--- line)")?;
    let end = rest
        .find("\n---\n")
        .or_else(|| rest.strip_suffix("\n---").map(|r| r.len()));
    let end = end.ok_or("front matter is not closed by a --- line")?;
    let front: FrontMatter =
        serde_yaml::from_str(&rest[..end]).map_err(|e| format!("front matter: {e}"))?;
    let body = rest.get(end + 5..).unwrap_or("").trim().to_string();
    let entry = FaqEntry {
        id: front.id,
        title: front.title,
        category: front.category,
        keywords: front.keywords,
        alternatives: front.alternatives,
        related: front.related,
        body,
        published: front.published,
    };
    entry.validate().map_err(|e| e.to_string())?;
    Ok(entry)
}

/// Renders one entry as a file.
pub fn render_entry(entry: &FaqEntry) -> String {
    let front = FrontMatter {
        id: entry.id.clone(),
        title: entry.title.clone(),
        category: entry.category.clone(),
        keywords: entry.keywords.clone(),
        alternatives: entry.alternatives.clone(),
        related: entry.related.clone(),
        published: entry.published,
    };
    let yaml = serde_yaml::to_string(&front).expect("front matter serialises");
    format!("---\n{yaml}---\n{}\n", entry.body.trim())
}

/// Reads every `*.md` entry below `dir` (README.md files excepted), sorted by id.
pub fn load_dir(dir: &Path) -> Result<Vec<FaqEntry>, KbError> {
    Ok(load_dir_files(dir)?.into_iter().map(|(_, e)| e).collect())
}

/// Like [`load_dir`], each entry with the file it was read from.
pub fn load_dir_files(dir: &Path) -> Result<Vec<(PathBuf, FaqEntry)>, KbError> {
    let mut files = Vec::new();
    collect_markdown(dir, &mut files)?;
    files.sort();
    let mut seen = HashSet::new();
    let mut entries = Vec::with_capacity(files.len());
    for path in files {
        let text = fs::read_to_string(&path).map_err(|source| KbError::Io {
            path: path.clone(),
            source,
        })?;
        let entry = parse_entry(&text).map_err(|reason| KbError::Format {
            path: path.clone(),
            reason,
        })?;
        if !seen.insert(entry.id.clone()) {
            return Err(KbError::Duplicate { path, id: entry.id });
        }
        entries.push((path, entry));
    }
    entries.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    Ok(entries)
}

/// Writes entries into `dir`, one folder per id prefix (the part before the first '-'),
/// as the bundled knowledge base is laid out.
pub fn write_dir(entries: &[FaqEntry], dir: &Path) -> Result<usize, KbError> {
    for entry in entries {
        let folder = dir.join(entry.id.split('-').next().unwrap_or("faq"));
        fs::create_dir_all(&folder).map_err(|source| KbError::Io {
            path: folder.clone(),
            source,
        })?;
        let path = folder.join(format!("{}.md", entry.id));
        fs::write(&path, render_entry(entry)).map_err(|source| KbError::Io { path, source })?;
    }
    Ok(entries.len())
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), KbError> {
    let read = fs::read_dir(dir).map_err(|source| KbError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for item in read {
        let path = item
            .map_err(|source| KbError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if path.is_dir() {
            collect_markdown(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md")
            && path.file_name().is_some_and(|n| n != "README.md")
        {
            out.push(path);
        }
    }
    Ok(())
}

/// One line of a FAQ set in JSON lines (`madoguchi eval --faq`). Ids may be strings or
/// numbers; alternatives and keywords are optional extras.
#[derive(Debug, Deserialize, Serialize)]
pub struct FaqLine {
    pub id: serde_json::Value,
    pub question: String,
    pub answer: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub alternatives: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// Reads a FAQ set in JSON lines. Blank lines are skipped; a bad line is an error naming it.
pub fn load_jsonl(path: &Path) -> Result<Vec<FaqEntry>, KbError> {
    let text = fs::read_to_string(path).map_err(|source| KbError::Io {
        path: path.into(),
        source,
    })?;
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let format = |reason: String| KbError::Format {
            path: path.into(),
            reason: format!("line {}: {reason}", n + 1),
        };
        let faq: FaqLine = serde_json::from_str(line).map_err(|e| format(e.to_string()))?;
        let id =
            json_id(&faq.id).ok_or_else(|| format("id must be a string or a number".into()))?;
        if !seen.insert(id.clone()) {
            return Err(KbError::Duplicate {
                path: path.into(),
                id,
            });
        }
        entries.push(FaqEntry {
            id,
            title: faq.question,
            category: faq.category.unwrap_or_default(),
            keywords: faq.keywords,
            alternatives: faq.alternatives,
            related: Vec::new(),
            body: faq.answer,
            published: true,
        });
    }
    Ok(entries)
}

/// Writes entries as a FAQ set in JSON lines.
pub fn to_jsonl(entries: &[FaqEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        let line = FaqLine {
            id: serde_json::Value::String(e.id.clone()),
            question: e.title.clone(),
            answer: e.body.clone(),
            category: Some(e.category.clone()),
            alternatives: e.alternatives.clone(),
            keywords: e.keywords.clone(),
        };
        out.push_str(&serde_json::to_string(&line).expect("FAQ line serialises"));
        out.push('\n');
    }
    out
}

/// A JSON id as text: strings as they are, numbers in their JSON form.
pub fn json_id(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "---\nid: pc-slow\ntitle: パソコンが遅い\ncategory: パソコン・Windows\nkeywords: [遅い, 重い]\nalternatives:\n  - PC重い\nrelated: [pc-frozen]\n---\n再起動してください。\n";

    #[test]
    fn parses_and_renders_round_trip() {
        let entry = parse_entry(SAMPLE).unwrap();
        assert_eq!(entry.id, "pc-slow");
        assert_eq!(entry.alternatives, vec!["PC重い"]);
        assert_eq!(entry.body, "再起動してください。");
        assert_eq!(parse_entry(&render_entry(&entry)).unwrap(), entry);
    }

    #[test]
    fn missing_front_matter_is_a_clear_error() {
        assert!(parse_entry("本文だけ")
            .unwrap_err()
            .contains("front matter"));
        assert!(parse_entry("---\nid: x\n")
            .unwrap_err()
            .contains("not closed"));
        assert!(
            parse_entry("---\nid: Bad Id\ntitle: t\ncategory: c\n---\nb")
                .unwrap_err()
                .contains("id")
        );
    }

    #[test]
    fn bundled_knowledge_base_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
        let entries = load_dir(&dir).unwrap();
        assert!(entries.len() >= 150, "{} entries", entries.len());
        let ids: HashSet<_> = entries.iter().map(|e| e.id.as_str()).collect();
        for e in &entries {
            assert!(
                e.alternatives.len() >= 2,
                "{} has too few alternatives",
                e.id
            );
            for r in &e.related {
                assert!(ids.contains(r.as_str()), "{} relates to missing {r}", e.id);
            }
        }
    }

    #[test]
    fn jsonl_accepts_numeric_ids_and_rejects_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("faq.jsonl");
        fs::write(
            &path,
            "{\"id\": 7, \"question\": \"q\", \"answer\": \"a\"}\n\n",
        )
        .unwrap();
        assert_eq!(load_jsonl(&path).unwrap()[0].id, "7");
        fs::write(&path, "{\"id\": 7, \"question\": \"q\"}\n").unwrap();
        assert!(load_jsonl(&path)
            .unwrap_err()
            .to_string()
            .contains("line 1"));
    }
}
