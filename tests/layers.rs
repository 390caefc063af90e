//! Modules depend downwards only (README, "Layout"): every `crate::…` path in the library's
//! code names a module of a lower layer, or the module's own. Test modules inside the
//! library (`#[cfg(test)]`) are left out: they may reach for anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use the modules of the layers below its own.
const LAYERS: &[&[&str]] = &[
    &[
        "clock",
        "analysis",
        "calendar",
        "spreadsheet",
        "prompts",
        "urlencoded",
    ],
    &["domain"],
    &["batches"],
    &["kb"],
    &["engine"],
    &["lexicon"],
    &["config"],
    &["storage"],
    &[
        "notify",
        "outbox",
        "knowledge",
        "accounts",
        "directory",
        "print_runs",
    ],
    &["learning"],
    &["ledgers", "reports"],
    &["tickets"],
    &["requests"],
    &["loans"],
    &["outages"],
    &["personnel"],
    &["conversation"],
    &["channels", "adapters"],
    &["helpdesk"],
    &["http", "terminal", "eval"],
    &["server"],
    &["commands"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`src/tickets/actions.rs` → `tickets`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_owned())
}

/// The modules a piece of code names as `crate::name`, including those in
/// `use crate::{a, b::c}` groups.
fn crate_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                found.push(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
        }
    }
    found.retain(|n| !n.is_empty());
    found
}

/// The code of a file without its test modules and comments.
fn library_code(text: &str) -> String {
    let code = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => text,
    };
    code.lines()
        .filter(|line| {
            let line = line.trim_start();
            !line.starts_with("//")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_module_depends_only_on_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut violations: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unplaced = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        if ["lib", "main"].contains(&module.as_str()) {
            continue;
        }
        // Test-only files inside the library.
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == "tests.rs" || file.components().any(|c| c.as_os_str() == "tests") {
            continue;
        }
        let Some(own) = layer_of(&module) else {
            unplaced.push(module.clone());
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read a source file");
        for used in crate_paths(&library_code(&text)) {
            if used == module {
                continue;
            }
            match layer_of(&used) {
                Some(layer) if layer < own => {}
                _ => violations
                    .entry(format!("{} ({module})", file.display()))
                    .or_default()
                    .push(used),
            }
        }
    }
    unplaced.sort();
    unplaced.dedup();
    assert!(unplaced.is_empty(), "modules in no layer: {unplaced:?}");
    assert!(
        violations.is_empty(),
        "modules using modules of their own layer or above:\n{violations:#?}"
    );
}

#[test]
fn the_checker_sees_plain_paths_and_groups() {
    let code =
        "use crate::storage::{a, b};\nuse crate::{domain::X, engine};\nlet x = crate::http::app();";
    assert_eq!(
        crate_paths(code),
        ["storage", "domain", "engine", "http"].map(String::from)
    );
    assert_eq!(
        library_code("use crate::a;\n// crate::b\n#[cfg(test)]\nuse crate::c;"),
        "use crate::a;"
    );
}

#[test]
fn http_handlers_only_translate_to_service_calls() {
    let http = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut files = Vec::new();
    sources(&http, &mut files);
    let mut offenders = Vec::new();
    for file in files {
        let code = library_code(&std::fs::read_to_string(&file).expect("read"));
        for forbidden in [".store()", ".begin()", "storage::sql", "Tx"] {
            if code.contains(forbidden) && (forbidden != "Tx" || has_word(&code, "Tx")) {
                offenders.push(format!("{}: {forbidden}", file.display()));
            }
        }
        if has_word(&code, "Store") {
            offenders.push(format!("{}: Store", file.display()));
        }
    }
    assert!(
        offenders.is_empty(),
        "handlers reaching for storage: {offenders:#?}"
    );
}

/// Whether `word` stands in `code` as a whole identifier.
fn has_word(code: &str, word: &str) -> bool {
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        let part = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !part(before) && !part(after)
    })
}
