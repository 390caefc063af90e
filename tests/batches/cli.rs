//! `madoguchi batch ...` as a user runs it, from the repository root.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

/// `madoguchi batch ARGS` with a database of its own (seeded from the bundled catalogue).
fn batch(args: &[&str]) -> Output {
    let data = TempDir::new().unwrap();
    batch_in(data.path(), args)
}

/// `madoguchi batch ARGS` with its database in `data`.
fn batch_in(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("batch")
        .args(args)
        .env("MADOGUCHI_DATA_DIR", data)
        .env_remove("MADOGUCHI_DATABASE_URL")
        .env_remove("MADOGUCHI_BATCHES_CATALOGUE_DIR")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run madoguchi")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(dir: &TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

#[test]
fn list_and_the_fiscal_2026_schedule_as_json_and_icalendar() {
    let list = batch(&["list", "--json"]);
    assert!(list.status.success(), "{}", text(&list.stderr));
    let jobs: Vec<Value> = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(jobs.len(), 10);
    assert!(jobs
        .iter()
        .all(|j| j["checksum"].as_str().unwrap().len() == 64));

    let schedule = batch(&["schedule", "--fiscal-year", "2026", "--json"]);
    assert!(schedule.status.success(), "{}", text(&schedule.stderr));
    let runs: Vec<Value> = serde_json::from_slice(&schedule.stdout).unwrap();
    let kettei: Vec<&str> = runs
        .iter()
        .filter(|r| r["job"] == "kouki-kettei")
        .map(|r| r["date"].as_str().unwrap())
        .collect();
    assert_eq!(kettei.len(), 10);
    assert_eq!(kettei[1], "2026-05-08", "Sunday 5/10 moves to Friday");
    assert!(runs.iter().all(|r| r["name"].is_string()));

    let ics = batch(&["schedule", "--fiscal-year", "2026", "--ics"]);
    let ics = text(&ics.stdout);
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), runs.len());
    assert!(ics.contains("DTSTART;VALUE=DATE:20260508"));
}

#[test]
fn a_sample_is_checked_and_rendered_with_its_font_embedded() {
    let dir = TempDir::new().unwrap();
    let data = path(&dir, "kettei.dat");
    let made = batch(&[
        "sample",
        "kouki-kettei",
        "--records",
        "30",
        "--seed",
        "3",
        &data,
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let check = batch(&["check", "kouki-kettei", &data, "--json"]);
    assert!(check.status.success(), "{}", text(&check.stdout));
    let report: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["status"], "passed");
    assert_eq!(report["records"], 30);
    assert_eq!(report["checks"].as_array().unwrap().len(), 8);

    if !Path::new("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf").exists() {
        eprintln!("render test skipped: fonts-ipaexfont-gothic is not installed");
        return;
    }
    let pdf = path(&dir, "kettei.pdf");
    let render = batch(&["render", "kouki-kettei", &data, "--out", &pdf]);
    assert!(render.status.success(), "{}", text(&render.stderr));
    assert!(
        text(&render.stdout).contains("30 forms, 30 pages"),
        "{}",
        text(&render.stdout)
    );
    let fonts = Command::new("pdffonts").arg(&pdf).output();
    let Ok(fonts) = fonts else {
        eprintln!("pdffonts check skipped: poppler-utils is not installed");
        return;
    };
    let fonts = text(&fonts.stdout);
    let ipaex = fonts
        .lines()
        .find(|l| l.contains("IPAexGothic"))
        .unwrap_or_else(|| panic!("{fonts}"));
    // emb sub uni: yes yes yes
    assert!(
        ipaex.split_whitespace().filter(|w| *w == "yes").count() >= 3,
        "{fonts}"
    );
}

#[test]
fn a_changed_amount_fails_the_check_with_line_and_field_and_nothing_is_rendered() {
    let dir = TempDir::new().unwrap();
    let data = path(&dir, "kettei.dat");
    assert!(batch(&["sample", "kouki-kettei", "--records", "5", &data])
        .status
        .success());
    let mut bytes = std::fs::read(&data).unwrap();
    // Line 2 (the first notice), last digit of the amount (bytes 145..155 of the record).
    let at = 202 + 154;
    bytes[at] = if bytes[at] == b'9' {
        b'0'
    } else {
        bytes[at] + 1
    };
    std::fs::write(&data, &bytes).unwrap();
    let check = batch(&["check", "kouki-kettei", &data]);
    assert_eq!(check.status.code(), Some(1));
    let out = text(&check.stdout);
    assert!(
        out.contains("[エラー] 合計金額の照合") && out.contains("7行目 合計金額"),
        "{out}"
    );
    let pdf = path(&dir, "x.pdf");
    let render = batch(&["render", "kouki-kettei", &data, "--out", &pdf]);
    assert_eq!(render.status.code(), Some(1));
    assert!(!Path::new(&pdf).exists());
}

#[test]
fn bad_input_is_refused_with_exit_1() {
    let dir = TempDir::new().unwrap();
    let empty = path(&dir, "empty.dat");
    std::fs::write(&empty, b"").unwrap();
    let check = batch(&["check", "kouki-kettei", &empty]);
    assert_eq!(check.status.code(), Some(1));
    assert!(text(&check.stdout).contains("ファイルが空です"));
    let other = path(&dir, "furikomi.csv");
    assert!(
        batch(&["sample", "suito-furikomi", "--records", "3", &other])
            .status
            .success()
    );
    let check = batch(&["check", "kouki-kettei", &other]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        text(&check.stdout).contains("口座振込通知はがき"),
        "{}",
        text(&check.stdout)
    );
    let unknown = batch(&["check", "no-such-job", &other]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown.stderr).contains("kouki-kettei"));
}

/// `madoguchi batch selftest` with its database in `data` (the results are stored).
fn selftest(data: &Path, catalogue: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["batch", "selftest"])
        .env("MADOGUCHI_DATA_DIR", data)
        .env_remove("MADOGUCHI_DATABASE_URL")
        .env_remove("MADOGUCHI_BATCHES_CATALOGUE_DIR")
        .env("RUST_LOG", "warn");
    if let Some(dir) = catalogue {
        command.env("MADOGUCHI_BATCHES_CATALOGUE_DIR", dir);
    }
    command.output().expect("run madoguchi")
}

#[test]
fn the_selftest_passes_and_catches_a_changed_form() {
    let data = TempDir::new().unwrap();
    let ok = selftest(data.path(), None);
    assert!(
        ok.status.success(),
        "{}{}",
        text(&ok.stdout),
        text(&ok.stderr)
    );
    assert!(text(&ok.stdout).contains("10 jobs, 0 failed"));
    // A copy of the catalogue with one form moved by a millimetre.
    let dir = TempDir::new().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("integrations/print-batches");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let mut body = std::fs::read_to_string(&path).unwrap();
            if path.ends_with("kouki-kettei.toml") {
                body = body.replacen("x = 25.0, y = 45.0", "x = 26.0, y = 45.0", 1);
            }
            std::fs::write(dir.path().join(path.file_name().unwrap()), body).unwrap();
        }
    }
    // A database of its own: its catalogue is seeded from the changed files.
    let other = TempDir::new().unwrap();
    let changed = selftest(other.path(), Some(dir.path()));
    assert_eq!(changed.status.code(), Some(1));
    let out = text(&changed.stdout);
    assert!(
        out.contains("NG kouki-kettei ") && out.contains("1 failed"),
        "{out}"
    );
}

/// The selftest's results as the console reads them ("last checked"), from the database
/// in `data`.
async fn last_checked(data: &Path) -> Vec<madoguchi::storage::batch_duties::SelfTestRow> {
    let url = format!("sqlite://{}", data.join("madoguchi.db").display());
    let store = madoguchi::storage::Store::connect(
        &url,
        std::sync::Arc::new(madoguchi::clock::SystemClock),
    )
    .await
    .unwrap();
    madoguchi::storage::batch_duties::latest_selftests(&mut store.conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_selftest_stores_its_results_as_the_monthly_check_does() {
    let data = TempDir::new().unwrap();
    let first = selftest(data.path(), None);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let stored = last_checked(data.path()).await;
    assert_eq!(stored.len(), 10);
    assert!(stored.iter().all(|r| r.passed && r.checked_by == "cli"));
    let list = batch(&["list", "--json"]);
    let jobs: Vec<Value> = serde_json::from_slice(&list.stdout).unwrap();
    for job in &jobs {
        let row = stored.iter().find(|r| r.job_id == job["id"]).unwrap();
        assert_eq!(row.definition_sha256, job["checksum"].as_str().unwrap());
    }
    // A second run adds a second result per job; the console shows the newest.
    let second = selftest(data.path(), None);
    assert!(second.status.success());
    let again = last_checked(data.path()).await;
    assert_eq!(again.len(), 10);
    assert!(again.iter().zip(&stored).all(|(b, a)| b.id > a.id));
}

#[tokio::test]
async fn the_command_line_uses_the_catalogue_admins_edited() {
    let data = TempDir::new().unwrap();
    let ids = |out: &Output| -> Vec<String> {
        let jobs: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        jobs.iter()
            .map(|j| j["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = batch_in(data.path(), &["list", "--json"]);
    assert!(ids(&before).contains(&"kouki-kettei".to_owned()));
    // An admin retires the job in the console (the same service, on the same database).
    let url = format!("sqlite://{}", data.path().join("madoguchi.db").display());
    let store = madoguchi::storage::Store::connect(
        &url,
        std::sync::Arc::new(madoguchi::clock::SystemClock),
    )
    .await
    .unwrap();
    let bundled = madoguchi::batches::Catalogue::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("integrations/print-batches"),
    )
    .unwrap();
    let revisions =
        madoguchi::print_runs::revisions::CatalogueRevisions::new(store, bundled.into());
    let history = revisions.history("kouki-kettei").await.unwrap();
    let base = history.iter().map(|r| r.revision).max().unwrap();
    let retire = madoguchi::print_runs::revisions::CatalogueEdit::Retire {
        job: "kouki-kettei".into(),
        base,
    };
    revisions.edit("admin", &retire, "市の指示").await.unwrap();
    let after = batch_in(data.path(), &["list", "--json"]);
    assert!(!ids(&after).contains(&"kouki-kettei".to_owned()));
    assert_eq!(ids(&after).len(), ids(&before).len() - 1);
    let check = batch_in(data.path(), &["check", "kouki-kettei", "/dev/null"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        text(&check.stderr).contains("no job"),
        "{}",
        text(&check.stderr)
    );
    let schedule = batch_in(
        data.path(),
        &["schedule", "--fiscal-year", "2026", "--json"],
    );
    assert!(!text(&schedule.stdout).contains("\"kouki-kettei\""));
}
