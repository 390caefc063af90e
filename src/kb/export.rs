//! The live entries written out as files: the knowledge-base Markdown (one file a string,
//! a folder, or a tar archive for download) and the CSV formats of [`super::csv`].

use std::io::Read;

use super::files::{parse_entry, render_entry, KbError};
use super::FaqEntry;

/// The top folder inside an archive.
const ARCHIVE_ROOT: &str = "knowledge-base";

/// One entry as its knowledge-base file (YAML front matter and Markdown body).
pub fn markdown(entry: &FaqEntry) -> String {
    render_entry(entry)
}

/// The path of an entry's file in the knowledge-base layout: one folder per id prefix
/// (the part before the first '-'), as [`super::files::write_dir`] writes it.
pub fn markdown_path(entry: &FaqEntry) -> String {
    let folder = entry.id.split('-').next().unwrap_or("faq");
    format!("{folder}/{}.md", entry.id)
}

/// The entries as a tar archive of knowledge-base files under `knowledge-base/`, each
/// dated `mtime` (seconds since 1970).
pub fn to_tar(entries: &[FaqEntry], mtime: u64) -> Vec<u8> {
    let mut archive = tar::Builder::new(Vec::new());
    for entry in entries {
        let text = markdown(entry);
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        let path = format!("{ARCHIVE_ROOT}/{}", markdown_path(entry));
        archive
            .append_data(&mut header, path, text.as_bytes())
            .expect("writing to memory");
    }
    archive.into_inner().expect("writing to memory")
}

/// Reads the `*.md` entry files (README.md excepted) of a tar archive, in memory: nothing
/// is unpacked to disk. Sorted by id; a bad file or a repeated id is an error naming it.
pub fn from_tar(bytes: &[u8]) -> Result<Vec<FaqEntry>, KbError> {
    Ok(read_tar(bytes)?.into_iter().map(|(_, e)| e).collect())
}

/// Like [`from_tar`], each entry with the path of its file in the archive.
pub fn read_tar(bytes: &[u8]) -> Result<Vec<(String, FaqEntry)>, KbError> {
    let format = |path: &str, reason: String| KbError::Format {
        path: path.into(),
        reason,
    };
    let mut archive = tar::Archive::new(bytes);
    let mut entries: Vec<(String, FaqEntry)> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let items = archive
        .entries()
        .map_err(|e| format("archive", e.to_string()))?;
    for item in items {
        let mut item = item.map_err(|e| format("archive", e.to_string()))?;
        let path = item.path().map_or_else(
            |_| "(unreadable name)".to_owned(),
            |p| p.display().to_string(),
        );
        let is_entry = path.ends_with(".md") && !path.ends_with("README.md");
        if !item.header().entry_type().is_file() || !is_entry {
            continue;
        }
        let mut text = String::new();
        item.read_to_string(&mut text)
            .map_err(|e| format(&path, e.to_string()))?;
        let entry = parse_entry(&text).map_err(|reason| format(&path, reason))?;
        if seen.insert(entry.id.clone(), path.clone()).is_some() {
            return Err(KbError::Duplicate {
                path: path.into(),
                id: entry.id,
            });
        }
        entries.push((path, entry));
    }
    entries.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::files::{load_dir, write_dir};

    /// Entries whose text YAML must quote (colons, '#', leading '-', quotes, numbers and
    /// booleans as text) and a Markdown body with a list and a table.
    fn tricky() -> Vec<FaqEntry> {
        let entry = |id: &str, title: &str| FaqEntry {
            id: id.to_owned(),
            title: title.to_owned(),
            category: "アカウント・ログイン".to_owned(),
            keywords: vec!["yes".into(), "123".into(), "#タグ".into(), "null".into()],
            alternatives: vec!["- ハイフンで始まる".into(), "\"引用\": と 'コロン'".into()],
            related: vec![],
            body: "手順:\n\n1. 再起動\n2. ①を押す～\n\n| 項目 | 値 |\n| --- | --- |\n| a | b |"
                .to_owned(),
            published: true,
        };
        let mut hidden = entry("mail-hidden", "非公開: の項目 #1");
        hidden.published = false;
        hidden.related = vec!["account-reset".to_owned()];
        vec![entry("account-reset", "パスワード: リセット？"), hidden]
    }

    #[test]
    fn a_written_folder_loads_back_as_the_same_entries() {
        let dir = tempfile::tempdir().unwrap();
        write_dir(&tricky(), dir.path()).unwrap();
        assert!(dir.path().join("mail/mail-hidden.md").exists());
        assert_eq!(load_dir(dir.path()).unwrap(), tricky());
    }

    #[test]
    fn the_bundled_knowledge_base_round_trips_through_a_folder_and_an_archive() {
        let bundled = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
        let entries = load_dir(&bundled).unwrap();
        let dir = tempfile::tempdir().unwrap();
        write_dir(&entries, dir.path()).unwrap();
        assert_eq!(load_dir(dir.path()).unwrap(), entries);
        assert_eq!(from_tar(&to_tar(&entries, 0)).unwrap(), entries);
    }

    #[test]
    fn an_archive_holds_one_file_per_entry_under_knowledge_base() {
        let bytes = to_tar(&tricky(), 1_700_000_000);
        let mut archive = tar::Archive::new(&bytes[..]);
        let paths: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "knowledge-base/account/account-reset.md",
                "knowledge-base/mail/mail-hidden.md"
            ]
        );
        assert_eq!(from_tar(&bytes).unwrap(), tricky());
        assert_eq!(parse_entry(&markdown(&tricky()[1])).unwrap(), tricky()[1]);
    }

    #[test]
    fn a_bad_file_in_an_archive_is_named() {
        let mut archive = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        let text = "本文だけ";
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        archive
            .append_data(&mut header, "knowledge-base/x/broken.md", text.as_bytes())
            .unwrap();
        let err = from_tar(&archive.into_inner().unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("broken.md") && err.contains("front matter"),
            "{err}"
        );
    }
}
