//! The April switch applied by the real `madoguchi` binary to a real Samba AD DC started
//! here: the LGWAN接続系 part of a synthetic city's plan, once without a break and once
//! killed (SIGKILL) in the middle and resumed; both leave the directory entry by entry
//! the same. Without `/usr/sbin/samba` the test is skipped with a notice
//! (`MADOGUCHI_REQUIRE_SAMBA=1` makes that a failure).

#[path = "components/samba.rs"]
mod samba;

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ldap3::{Ldap, Scope, SearchEntry};
use madoguchi::personnel::sample;
use tempfile::TempDir;

use self::samba::{ADMIN, BASE, PASSWORD};

const STAFF_OU: &str = "OU=職員,DC=city,DC=test";

/// The plan's LGWAN OU as the DC spells it.
fn dc_ou(plan_ou: &str) -> String {
    plan_ou.replace("DC=lgwan,DC=numazu,DC=local", BASE)
}

/// Empties the staff OU and fills it with the city's LGWAN accounts as the export says.
async fn seed(ldap: &mut Ldap, directory_csv: &str) {
    let (found, _) = ldap
        .search(BASE, Scope::Subtree, "(objectClass=*)", vec!["1.1"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let mut dns: Vec<String> = found
        .into_iter()
        .map(|e| SearchEntry::construct(e).dn)
        .filter(|dn| dn.ends_with(STAFF_OU))
        .collect();
    dns.sort_by_key(|dn| std::cmp::Reverse(dn.matches(',').count()));
    for dn in dns {
        ldap.delete(&dn).await.unwrap().success().unwrap();
    }
    let mut ous = HashSet::new();
    for line in directory_csv.lines().skip(1) {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        if &record[1] != "ad_lgwan" {
            continue;
        }
        let ou = dc_ou(&record[4]);
        if ous.insert(ou.clone()) {
            for dn in [STAFF_OU.to_owned(), ou.clone()] {
                let name = dn.split(',').next().unwrap().trim_start_matches("OU=");
                let attrs = vec![
                    ("objectClass", HashSet::from(["organizationalUnit"])),
                    ("ou", HashSet::from([name])),
                ];
                let _ = ldap.add(&dn, attrs).await;
            }
        }
        let control = if &record[6] == "有効" { "544" } else { "546" };
        let no = &record[0];
        let attrs = vec![
            ("objectClass", HashSet::from(["user"])),
            ("sAMAccountName", HashSet::from([no])),
            ("employeeNumber", HashSet::from([no])),
            ("department", HashSet::from([&record[3]])),
            ("userAccountControl", HashSet::from([control])),
        ];
        let dn = format!("CN={no},{ou}");
        ldap.add(&dn, attrs).await.unwrap().success().unwrap();
    }
}

/// Every entry under the staff OU: DN and the attributes the switch writes.
async fn snapshot(ldap: &mut Ldap) -> Vec<String> {
    let attrs = vec![
        "employeeNumber",
        "department",
        "userAccountControl",
        "displayName",
    ];
    let (found, _) = ldap
        .search(STAFF_OU, Scope::Subtree, "(objectClass=*)", attrs)
        .await
        .unwrap()
        .success()
        .unwrap();
    let mut entries: Vec<String> = found
        .into_iter()
        .map(|e| {
            let e = SearchEntry::construct(e);
            let mut attrs: Vec<_> = e.attrs.into_iter().collect();
            attrs.sort();
            format!("{} {attrs:?}", e.dn.to_lowercase())
        })
        .collect();
    entries.sort();
    entries
}

fn madoguchi(data: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    command
        .current_dir(data)
        .arg("--config")
        .arg(data.join("madoguchi.toml"))
        .args(args)
        .env_remove("MADOGUCHI_DATABASE_URL");
    command
}

fn run(data: &Path, args: &[&str]) -> String {
    let out = madoguchi(data, args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A data folder with the city's files, settings (for the DC at `dc_url`, when given), and
/// an approved plan.
fn planned(dc_url: Option<&str>, city: &sample::SampleCity) -> (TempDir, PathBuf, String) {
    let dir = TempDir::new().unwrap();
    let data = dir.path().to_path_buf();
    for (name, text) in [
        ("changes.csv", &city.changes),
        ("org.csv", &city.org),
        ("directory.csv", &city.directory),
    ] {
        std::fs::write(data.join(name), text).unwrap();
    }
    let mut settings = format!("data_dir = \"{}\"\n", data.join("data").display());
    if let Some(url) = dc_url {
        settings.push_str(&format!(
            "[personnel.directory]\nurl = \"{url}\"\nbind_dn = \"{ADMIN}\"\n\
             password = \"{PASSWORD}\"\nsystem = \"ad_lgwan\"\n\
             plan_suffix = \"DC=lgwan,DC=numazu,DC=local\"\ndirectory_suffix = \"{BASE}\"\n\
             tls_no_verify = true\n"
        ));
    }
    std::fs::write(data.join("madoguchi.toml"), settings).unwrap();
    let args = ["personnel", "plan", "changes.csv", "--org", "org.csv"];
    let summary = run(
        &data,
        &[&args[..], &["--directory", "directory.csv"]].concat(),
    );
    assert!(
        summary.lines().last().unwrap().contains("\"plan_id\":1"),
        "{summary}"
    );
    run(&data, &["personnel", "approve", "1"]);
    (dir, data, summary)
}

fn lgwan_items(summary: &str) -> u64 {
    let json: serde_json::Value = serde_json::from_str(summary.lines().last().unwrap()).unwrap();
    json["by_system"]["ad_lgwan"].as_u64().unwrap()
}

#[tokio::test]
async fn a_run_killed_in_the_middle_and_resumed_leaves_the_directory_as_an_unbroken_run() {
    let Some(dc) = samba::dc("127.0.0.1").await else {
        return;
    };
    let mut ldap = samba::connect(dc).await.unwrap();
    let city = sample::city(1300);

    // Without a break.
    seed(&mut ldap, &city.directory).await;
    let before = snapshot(&mut ldap).await;
    let (_keep, data, summary) = planned(Some(&dc.url), &city);
    let items = lgwan_items(&summary);
    assert!(items >= 500, "{items} LGWAN changes");
    let started = Instant::now();
    let out = run(&data, &["personnel", "apply", "1"]);
    let took = started.elapsed();
    let whole = snapshot(&mut ldap).await;
    assert_ne!(before, whole, "the run changed nothing");
    let mut timing = std::io::stderr();
    writeln!(
        timing,
        "apply of plan 1 ({items} LGWAN changes): {took:?}; {out}"
    )
    .ok();

    // Killed and resumed, from the same start.
    seed(&mut ldap, &city.directory).await;
    assert_eq!(snapshot(&mut ldap).await, before);
    let (_keep2, data, _) = planned(Some(&dc.url), &city);
    let mut child = madoguchi(&data, &["personnel", "apply", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let status = run(&data, &["personnel", "status", "1"]);
        let json: serde_json::Value = serde_json::from_str(status.lines().last().unwrap()).unwrap();
        if json["done"].as_u64().unwrap() >= 900 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the run made no progress: {status}"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let status = run(&data, &["personnel", "status", "1"]);
    assert!(!status.contains("完了"), "killed too late: {status}");
    // The killed run still holds the plan (its lease has not run out): a plain resume is
    // refused, and the operator who knows it is gone takes it over.
    let refused = madoguchi(&data, &["personnel", "apply", "1"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let reason = String::from_utf8_lossy(&refused.stderr);
    assert!(reason.contains("別の適用が実行中"), "{reason}");
    run(&data, &["personnel", "apply", "1", "--take-over"]);
    let resumed = snapshot(&mut ldap).await;
    assert_eq!(resumed.len(), whole.len());
    for (a, b) in resumed.iter().zip(&whole) {
        assert_eq!(a, b);
    }
    let status = run(&data, &["personnel", "status", "1"]);
    assert!(status.contains("\"failed\":0"), "{status}");
}

/// Without a DC every change becomes a work order; the run report comes out as CSV (UTF-8
/// with BOM, Shift_JIS) and PDF; an unknown format is refused.
#[test]
fn the_run_report_comes_out_of_the_cli_as_csv_and_pdf() {
    let city = sample::city(60);
    let (_keep, data, summary) = planned(None, &city);
    let json: serde_json::Value = serde_json::from_str(summary.lines().last().unwrap()).unwrap();
    let items = json["items"].as_u64().unwrap() as usize;
    let out = run(&data, &["personnel", "apply", "1"]);
    assert!(out.contains(&format!("\"done\":{items}")), "{out}");
    run(&data, &["personnel", "report", "1", "--out", "report.csv"]);
    let csv = std::fs::read_to_string(data.join("report.csv")).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(csv.lines().count(), items + 1);
    assert_eq!(csv.matches("作業指示書").count(), items);
    let sjis = [
        "personnel",
        "report",
        "1",
        "--format",
        "csv-sjis",
        "--out",
        "sjis.csv",
    ];
    run(&data, &sjis);
    let bytes = std::fs::read(data.join("sjis.csv")).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "Shift_JIS, not UTF-8");
    let bad = madoguchi(
        &data,
        &["personnel", "report", "1", "--format", "xls", "--out", "x"],
    )
    .output()
    .unwrap();
    assert!(!bad.status.success());
    if std::path::Path::new(madoguchi::config::DEFAULT_FONT).exists() {
        run(
            &data,
            &[
                "personnel",
                "report",
                "1",
                "--format",
                "pdf",
                "--out",
                "report.pdf",
            ],
        );
        let pdf = std::fs::read(data.join("report.pdf")).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }
}
