//! Importing and exporting the IP address ledger as CSV. An import checks the whole file
//! against the segments (inside one, a host address, not the gateway, not in a DHCP pool
//! unless 空き) and either writes every changed line in one transaction or nothing; a dry
//! run checks and counts the same way and writes nothing.

use std::collections::BTreeSet;

use serde::Serialize;

use super::ip_csv::{self, CsvProblem, LedgerCsvError, COLUMNS};
use super::sheet::would_empty;
use super::{LedgerResult, Ledgers};
use crate::domain::{AddressState, Cidr, TextEnum};
use crate::spreadsheet::SpreadsheetEncoding;
use crate::storage::ip_ledger::{
    self, HistoryLine, IpAddressRecord, IpExclusion, IpSegment, IP_LEDGER,
};
use crate::storage::{audit, AuditEntry};

/// What an import did (or, for a dry run, would do); `S` is the ledger's state type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportSummary<S = AddressState> {
    pub dry_run: bool,
    pub encoding: SpreadsheetEncoding,
    /// Rows in the file.
    pub rows: usize,
    pub created: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Rows per state, in the order of the state type's `ALL`.
    pub by_state: Vec<(S, usize)>,
}

impl<S: TextEnum + PartialEq> ImportSummary<S> {
    /// Nothing counted yet, for a file of `rows` rows.
    pub fn new(dry_run: bool, encoding: SpreadsheetEncoding, rows: usize) -> Self {
        Self {
            dry_run,
            encoding,
            rows,
            created: 0,
            changed: 0,
            unchanged: 0,
            by_state: S::ALL.iter().map(|s| (*s, 0)).collect(),
        }
    }

    /// Counts a row in `state`.
    pub fn count(&mut self, state: S) {
        if let Some(count) = self.by_state.iter_mut().find(|(s, _)| *s == state) {
            count.1 += 1;
        }
    }
}

impl Ledgers {
    /// Imports a ledger file (UTF-8 with or without BOM, or Shift_JIS). With `dry_run`,
    /// only checks and counts.
    pub async fn import_ip_csv(
        &self,
        bytes: &[u8],
        dry_run: bool,
        actor: &str,
    ) -> LedgerResult<ImportSummary> {
        let (ledger, mut problems) = ip_csv::read_lines(bytes)?;
        let mut tx = self.store.begin().await?;
        let segments = ip_ledger::segments(&mut tx.conn()).await?;
        let mut placed = Vec::new();
        for line in &ledger.lines {
            match segments
                .iter()
                .find(|s| (s.first_number..=s.last_number).contains(&line.number))
            {
                Some(segment) => placed.push((line, segment)),
                None => problems.push(problem(line.line, "台帳のどのセグメントにも入りません。")),
            }
        }
        // Every touched segment locked, in id order (two imports never deadlock).
        let touched: BTreeSet<i64> = placed.iter().map(|(_, s)| s.id).collect();
        let mut exclusions: Vec<IpExclusion> = Vec::new();
        for id in &touched {
            ip_ledger::lock_segment(&mut tx, *id).await?;
            exclusions.extend(ip_ledger::exclusions(&mut tx.conn(), *id).await?);
        }
        let mut writes = Vec::new();
        let mut summary = ImportSummary::new(dry_run, ledger.encoding, ledger.lines.len());
        for (line, segment) in placed {
            if let Some(reason) = misplaced(line, segment, &exclusions) {
                problems.push(problem(line.line, &reason));
                continue;
            }
            summary.count(line.state);
            let current = ip_ledger::address(&mut tx.conn(), line.number).await?;
            let record = record_of(line, segment, current.as_ref(), actor, tx.now());
            if let Some(c) = &current {
                let emptied: Vec<CsvProblem> = ledger
                    .absent
                    .iter()
                    .filter(|col| held(c, **col) && !held(&record, **col))
                    .map(|col| {
                        let label = COLUMNS[*col].0;
                        CsvProblem::new(line.line, Some(label), would_empty(label))
                    })
                    .collect();
                if !emptied.is_empty() {
                    problems.extend(emptied);
                    continue;
                }
            }
            match current {
                None if line.state == AddressState::Free => summary.unchanged += 1,
                None => {
                    summary.created += 1;
                    writes.push(record);
                }
                Some(c) if same(&c, &record) => summary.unchanged += 1,
                Some(_) => {
                    summary.changed += 1;
                    writes.push(record);
                }
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line); // stable: a line's problems keep their order
            return Err(LedgerCsvError::Problems(problems).into());
        }
        if dry_run {
            return Ok(summary);
        }
        for record in &writes {
            ip_ledger::put_address(&mut tx, record).await?;
            let line = HistoryLine {
                ledger: IP_LEDGER,
                item: &record.address,
                action: "import",
                state: record.state.as_str(),
                host: record.host.as_deref(),
                actor,
            };
            ip_ledger::append_history(&mut tx, &line).await?;
        }
        let detail = format!(
            "rows {}, created {}, changed {}",
            summary.rows, summary.created, summary.changed
        );
        let entry = AuditEntry::new(actor, "ip.import", "ip_ledger", "csv").detail(detail);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// The whole ledger (every line of every segment) as a CSV file. Audited: the ledger
    /// names people.
    pub async fn export_ip_csv(
        &self,
        encoding: SpreadsheetEncoding,
        actor: &str,
    ) -> LedgerResult<Vec<u8>> {
        let records = ip_ledger::addresses(&mut self.store.conn(), None, 0, i64::MAX).await?;
        let bytes = ip_csv::write(&records, encoding).map_err(LedgerCsvError::from)?;
        let entry = AuditEntry::new(actor, "ip.export", "ip_ledger", "csv")
            .detail(format!("rows {}", records.len()));
        self.store.record_audit(&entry).await?;
        Ok(bytes)
    }
}

fn problem(line: u64, reason: &str) -> CsvProblem {
    CsvProblem {
        line,
        column: Some(COLUMNS[0].0),
        reason: reason.to_owned(),
    }
}

/// Why the row's address cannot be in its segment as the row says, if it cannot.
fn misplaced(
    line: &ip_csv::CsvLine,
    segment: &IpSegment,
    exclusions: &[IpExclusion],
) -> Option<String> {
    let cidr = Cidr::parse(&segment.cidr).ok()?;
    if !cidr.is_host(line.number) {
        return Some(format!(
            "{} のネットワーク／ブロードキャストアドレスです。",
            cidr
        ));
    }
    if segment.gateway.as_deref() == Some(line.address.as_str()) {
        return Some("ゲートウェイのアドレスです。".into());
    }
    let pooled = exclusions.iter().any(|e| {
        e.segment_id == segment.id && (e.first_number..=e.last_number).contains(&line.number)
    });
    (pooled && line.state != AddressState::Free).then(|| "DHCPの範囲内です。".into())
}

fn record_of(
    line: &ip_csv::CsvLine,
    segment: &IpSegment,
    current: Option<&IpAddressRecord>,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> IpAddressRecord {
    let [host, computer_name, device, department, person, requester] = line.fields.clone();
    IpAddressRecord {
        number: line.number,
        address: line.address.clone(),
        segment_id: segment.id,
        state: line.state,
        host,
        computer_name,
        device,
        department,
        person,
        requester,
        note: line.note.clone(),
        since: line.since,
        quarantine_until: current.and_then(|c| c.quarantine_until),
        updated_at: now,
        updated_by: actor.to_owned(),
    }
}

/// Whether `record` holds something in the file's column `column` (an index into
/// [`COLUMNS`]; the address and the state always hold something).
fn held(record: &IpAddressRecord, column: usize) -> bool {
    match COLUMNS[column].1 {
        "host" => record.host.is_some(),
        "computer_name" => record.computer_name.is_some(),
        "device" => record.device.is_some(),
        "department" => record.department.is_some(),
        "person" => record.person.is_some(),
        "requester" => record.requester.is_some(),
        "since" => record.since.is_some(),
        "note" => record.note.is_some(),
        _ => true,
    }
}

/// Whether the file's line says what the ledger already holds.
fn same(current: &IpAddressRecord, imported: &IpAddressRecord) -> bool {
    current.state == imported.state
        && current.host == imported.host
        && current.computer_name == imported.computer_name
        && current.device == imported.device
        && current.department == imported.department
        && current.person == imported.person
        && current.requester == imported.requester
        && current.note == imported.note
        && current.since == imported.since
}
