//! The handover export (7(2), 6): everything the helpdesk holds, for the next contractor,
//! as CSV files (UTF-8 with BOM, CRLF, RFC 4180; NULL is an empty field) with a manifest
//! (`manifest.json`: file, table, description, columns, rows, SHA-256) and `SHA256SUMS`
//! (`sha256sum -c` reads it). Read in one transaction, which also writes the one audit
//! row, so the files are one consistent picture; the export's own audit row is therefore
//! not in `audit_log.csv`.

use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::spreadsheet::{self, SpreadsheetEncoding};
use crate::storage::handover::{dump, TableDump, HANDOVER_TABLES};
use crate::storage::{audit, AuditEntry, StorageError, Store};

/// Why an export failed. Nothing is audited then.
#[derive(Debug, thiserror::Error)]
pub enum HandoverError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("writing {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// One file of the export.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct HandoverFile {
    pub file: String,
    pub table: String,
    pub description: String,
    pub columns: Vec<String>,
    /// Data rows, the header not counted.
    pub rows: usize,
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct HandoverManifest {
    pub format: String,
    pub exported_at: String,
    pub encoding: String,
    pub files: Vec<HandoverFile>,
}

const FORMAT: &str = "madoguchi-handover/1";
const ENCODING: &str = "CSV (RFC 4180), UTF-8 with BOM, CRLF line ends, header row first; \
                        NULL is an empty field; times are UTC (ISO 8601)";

fn csv_bytes(table: &TableDump) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer
        .write_record(&table.columns)
        .expect("writing to memory");
    for row in &table.rows {
        writer
            .write_record(row.iter().map(|v| v.as_deref().unwrap_or("")))
            .expect("writing to memory");
    }
    let text = String::from_utf8(writer.into_inner().expect("memory")).expect("UTF-8");
    spreadsheet::encode(&text, SpreadsheetEncoding::Utf8).expect("UTF-8 holds everything")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), HandoverError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|source| HandoverError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Writes the export into `dir` (created if missing) and audits it as `actor`'s action.
pub async fn export_handover(
    store: &Store,
    dir: &Path,
    actor: &str,
) -> Result<HandoverManifest, HandoverError> {
    std::fs::create_dir_all(dir).map_err(|source| HandoverError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut tx = store.begin().await?;
    let mut files = Vec::with_capacity(HANDOVER_TABLES.len());
    for table in HANDOVER_TABLES {
        let data = dump(&mut tx.conn(), table).await?;
        let bytes = csv_bytes(&data);
        let file = format!("{}.csv", table.table);
        write(dir, &file, &bytes)?;
        files.push(HandoverFile {
            file,
            table: table.table.to_owned(),
            description: table.description.to_owned(),
            columns: data.columns,
            rows: data.rows.len(),
            sha256: hex::encode(Sha256::digest(&bytes)),
        });
    }
    let manifest = HandoverManifest {
        format: FORMAT.to_owned(),
        exported_at: tx.now().to_rfc3339(),
        encoding: ENCODING.to_owned(),
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
    write(dir, "manifest.json", &json)?;
    let mut sums: String = manifest
        .files
        .iter()
        .map(|f| format!("{}  {}\n", f.sha256, f.file))
        .collect();
    sums.push_str(&format!(
        "{}  manifest.json\n",
        hex::encode(Sha256::digest(&json))
    ));
    write(dir, "SHA256SUMS", sums.as_bytes())?;
    let rows: usize = manifest.files.iter().map(|f| f.rows).sum();
    let entry = AuditEntry {
        actor: actor.to_owned(),
        action: "handover.export".to_owned(),
        object_kind: "handover".to_owned(),
        object_id: manifest.exported_at.clone(),
        detail: Some(format!("files={} rows={rows}", manifest.files.len())),
    };
    audit::append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(manifest)
}
