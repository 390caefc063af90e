//! End-to-end tests of the real `madoguchi` binary: `serve` on port 0 spoken to over a
//! plain TCP socket, and the one-shot commands (`kb export`/`kb import`,
//! `faq export`/`faq import`, `eval`, `ask`, `staff import`, `user`).
//!
//! Every command runs from the repository root with its own temporary data folder, so
//! nothing touches `./data`. Nothing here asserts which FAQ wins a question.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// How long `serve` may take to open the database and build the index (a debug build
/// indexes the bundled knowledge base in a few seconds).
const STARTUP_DEADLINE: Duration = Duration::from_secs(120);
/// How long one HTTP exchange with the running server may take.
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);

/// `madoguchi` run from the repository root with `data_dir` as its data folder and the
/// repository's knowledge base, whatever the caller's environment says.
fn madoguchi(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("MADOGUCHI_DATA_DIR", data_dir)
        .env(
            "MADOGUCHI_KB_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge-base"),
        )
        .env_remove("MADOGUCHI_DATABASE_URL")
        .env_remove("MADOGUCHI_LISTEN")
        // Each fresh data folder would encode the whole knowledge base first (seconds);
        // these tests are about the commands. Semantic retrieval is tested in process.
        .env("MADOGUCHI_SEMANTIC_MODEL", "off")
        .env("RUST_LOG", "warn");
    command
}

/// Runs a one-shot command to completion; the output is kept for the assertions.
fn run(command: &mut Command) -> Output {
    command.output().expect("run madoguchi")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

#[track_caller]
fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "{}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        stdout(output),
        stderr(output)
    );
}

/// A running `madoguchi serve`, killed when dropped, so a failing test leaves no server
/// behind.
struct Server {
    child: Child,
    address: SocketAddr,
    stderr_log: std::path::PathBuf,
    _data_dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `madoguchi serve` on `127.0.0.1:0` with `env` set too, and waits, up to
    /// [`STARTUP_DEADLINE`], for the line that names the address it bound.
    fn start_with(env: &[(&str, &str)]) -> Server {
        let data_dir = TempDir::new().expect("temporary data folder");
        let stderr_log = data_dir.path().join("stderr.log");
        let child = madoguchi(&data_dir.path().join("data"))
            .envs(env.iter().copied())
            .arg("serve")
            .env("MADOGUCHI_LISTEN", "127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&stderr_log).expect("stderr log"))
            .spawn()
            .expect("spawn madoguchi serve");
        let mut server = Server {
            child,
            address: ([127, 0, 0, 1], 0).into(),
            stderr_log,
            _data_dir: data_dir,
        };
        // Lines are read on a thread so that the wait below can have a deadline.
        let (lines_tx, lines_rx) = mpsc::channel();
        let out = server.child.stdout.take().expect("piped stdout");
        thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + STARTUP_DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix("madoguchi: listening on http://") {
                        server.address = url.trim().parse().expect("an address after http://");
                        return server;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!(
                        "no `listening on` line within {STARTUP_DEADLINE:?}\n{}",
                        server.log()
                    )
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = server.child.wait().expect("wait for madoguchi");
                    panic!(
                        "madoguchi serve exited ({status}) before listening\n{}",
                        server.log()
                    )
                }
            }
        }
    }

    fn log(&self) -> String {
        let log = std::fs::read_to_string(&self.stderr_log).unwrap_or_default();
        format!("stderr of madoguchi serve:\n{log}")
    }

    /// One HTTP/1.1 exchange on a new connection; returns the status and the JSON body.
    fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let mut stream = TcpStream::connect_timeout(&self.address, REQUEST_DEADLINE)
            .unwrap_or_else(|e| panic!("connect to {}: {e}\n{}", self.address, self.log()));
        stream.set_read_timeout(Some(REQUEST_DEADLINE)).unwrap();
        stream.set_write_timeout(Some(REQUEST_DEADLINE)).unwrap();
        let body = body.unwrap_or("");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.address,
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .unwrap_or_else(|e| panic!("{method} {path}: no complete answer: {e}"));
        let raw = String::from_utf8(raw).expect("answer is UTF-8");
        let (head, body) = raw.split_once("\r\n\r\n").expect("headers end");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {head:?}"));
        assert!(
            !head
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "expected a Content-Length answer: {head}"
        );
        let json = serde_json::from_str(body)
            .unwrap_or_else(|e| panic!("{method} {path}: body is not JSON ({e}): {body:?}"));
        (status, json)
    }
}

#[test]
fn serve_listens_on_port_zero_and_answers_health_checks_and_questions() {
    // Without the sentence encoder's model the server starts lexical-only, and says so in
    // the log and in /healthz.
    let server = Server::start_with(&[("MADOGUCHI_SEMANTIC_MODEL", "/nonexistent/use-model")]);
    assert_ne!(server.address.port(), 0, "the real port is printed");

    let (status, health) = server.request("GET", "/healthz", None);
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["status"], "ok");
    assert!(
        health["faqs"].as_u64().unwrap() > 0,
        "seeded on first start: {health}"
    );
    assert_eq!(health["retrieval"], "lexical", "{health}");
    let reason = health["semantic"]["off"].as_str().unwrap_or_default();
    assert!(reason.contains("/nonexistent/use-model"), "{health}");
    let log = server.log();
    assert!(
        log.contains("semantic retrieval off") && log.contains("scripts/fetch-model"),
        "{log}"
    );

    let question = serde_json::json!({"text": "プリンターで印刷できません"}).to_string();
    let (status, reply) = server.request("POST", "/api/v1/ask", Some(&question));
    assert_eq!(status, 200, "{reply}");
    let decision = reply["decision"].as_str().unwrap();
    assert!(
        ["answer", "suggest", "escalate"].contains(&decision),
        "{reply}"
    );
    assert!(reply["candidates"].is_array(), "{reply}");

    let (status, error) = server.request("POST", "/api/v1/ask", Some("{\"text\": \"\"}"));
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["error"]["code"], "empty_question");
    let (status, error) = server.request("GET", "/no/such/page", None);
    assert_eq!(status, 404, "{error}");
    assert_eq!(error["error"]["code"], "not_found");
}

#[test]
fn serve_refuses_a_listen_address_it_cannot_parse() {
    let data_dir = TempDir::new().unwrap();

    let output = run(madoguchi(data_dir.path())
        .arg("serve")
        .env("MADOGUCHI_LISTEN", "not-an-address"));

    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("MADOGUCHI_LISTEN"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn kb_export_then_import_round_trips_without_creating_anything() {
    let data_dir = TempDir::new().unwrap();
    let export_dir = data_dir.path().join("exported");

    let export = run(madoguchi(data_dir.path())
        .args(["kb", "export"])
        .arg(&export_dir));
    assert_success(&export);
    let exported: usize = stdout(&export)
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("`exported N entries`: {}", stdout(&export)));
    assert!(exported > 0);

    let import = run(madoguchi(data_dir.path())
        .args(["kb", "import", "--dir"])
        .arg(&export_dir));
    assert_success(&import);
    let report = stdout(&import);
    assert!(
        report.contains(&format!("imported {exported} entries")),
        "{report}"
    );
    assert!(report.contains(" 0 created"), "{report}");
    assert!(report.contains(" 0 updated"), "{report}");
    assert!(
        report.contains(&format!(" {exported} unchanged")),
        "{report}"
    );
}

/// What `read` reads from the database of `data_dir`, opened through the library as the
/// console opens it.
fn read_store<T>(data_dir: &Path, read: impl AsyncFnOnce(&madoguchi::storage::Store) -> T) -> T {
    let url = format!("sqlite://{}", data_dir.join("madoguchi.db").display());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = madoguchi::storage::Store::connect(
                &url,
                std::sync::Arc::new(madoguchi::clock::SystemClock),
            )
            .await
            .unwrap();
            read(&store).await
        })
}

/// The `faq.import` lines of the audit log, the first start's seed aside: (actor, detail).
fn faq_imports(data_dir: &Path) -> Vec<(String, String)> {
    read_store(data_dir, async |store| {
        let log = store.audit_log(1000).await.unwrap();
        log.into_iter()
            .filter(|a| a.action == "faq.import" && a.actor != "seed")
            .map(|a| (a.actor, a.detail.unwrap_or_default()))
            .collect()
    })
}

#[test]
fn kb_import_is_audited_and_refuses_what_the_console_refuses() {
    let data_dir = TempDir::new().unwrap();
    let dir = data_dir.path().join("kb");
    let entry = "---\nid: rooftop-key\ntitle: 庁舎屋上の鍵をなくしました\ncategory: ヘルプデスク\n\
                 ---\n総務課で予備の鍵を借ります。\n";
    fs::create_dir_all(dir.join("rooftop")).unwrap();
    fs::write(dir.join("rooftop/rooftop-key.md"), entry).unwrap();

    let import = run(madoguchi(data_dir.path())
        .args(["kb", "import", "--dir"])
        .arg(&dir));
    assert_success(&import);
    assert!(
        stdout(&import).contains(": 1 created, 0 updated"),
        "{}",
        stdout(&import)
    );
    assert_eq!(
        faq_imports(data_dir.path()),
        [(
            "kb-import".to_owned(),
            "markdown: 1 created, 0 updated, 0 unchanged".to_owned()
        )]
    );

    // An id the console uses as a page name: refused, naming the file; nothing written.
    fs::write(
        dir.join("rooftop/export.md"),
        entry.replace("id: rooftop-key", "id: export"),
    )
    .unwrap();
    let refused = run(madoguchi(data_dir.path())
        .args(["kb", "import", "--dir"])
        .arg(&dir));
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("export.md: ID export, ID: 「export」はIDに使えません。"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(faq_imports(data_dir.path()).len(), 1);
}

#[test]
fn kb_learned_writes_the_resolved_questions_and_names_a_file_it_cannot_write() {
    let data_dir = TempDir::new().unwrap();
    let file = data_dir.path().join("learned.jsonl");
    let written = run(madoguchi(data_dir.path())
        .args(["kb", "learned"])
        .arg(&file));
    assert_success(&written);
    assert!(
        stdout(&written).contains("wrote 0 learned questions"),
        "{}",
        stdout(&written)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "");

    let nowhere = data_dir.path().join("no-folder").join("learned.jsonl");
    let refused = run(madoguchi(data_dir.path())
        .args(["kb", "learned"])
        .arg(&nowhere));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("no-folder"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn faq_export_imports_back_unchanged_and_bad_files_change_nothing() {
    let dir = TempDir::new().unwrap();
    let data_dir = dir.path().join("data");
    // An entry holding a character Shift_JIS lacks (𠮷): the export names it and writes
    // nothing.
    let odd = dir.path().join("odd.csv");
    std::fs::write(
        &odd,
        "id,title,body\r\nkanji-name,𠮷野さんのアカウント,回答\r\n",
    )
    .unwrap();
    assert_success(&run(madoguchi(&data_dir).args(["faq", "import"]).arg(&odd)));
    let sjis = dir.path().join("faq-sjis.csv");
    let refused = run(madoguchi(&data_dir)
        .args(["faq", "export", "--format", "csv-sjis"])
        .arg(&sjis));
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("entry kanji-name, column タイトル: 「𠮷」"),
        "{}",
        stderr(&refused)
    );
    assert!(!sjis.exists());
    let unpublished = "id,title,body,公開\r\nkanji-name,吉野さんのアカウント,回答,非公開\r\n";
    std::fs::write(&odd, unpublished).unwrap();
    assert_success(&run(madoguchi(&data_dir).args(["faq", "import"]).arg(&odd)));

    for (format, name) in [
        ("csv", "faq.csv"),
        ("csv-sjis", "faq-sjis.csv"),
        ("markdown", "kb"),
        ("markdown", "kb.tar"),
    ] {
        let out = dir.path().join(name);
        let export = run(madoguchi(&data_dir)
            .args(["faq", "export", "--format", format])
            .arg(&out));
        assert_success(&export);
        assert!(
            stdout(&export).starts_with("exported "),
            "{}",
            stdout(&export)
        );
        let import = run(madoguchi(&data_dir)
            .args(["faq", "import", "--author", "yamada"])
            .arg(&out));
        assert_success(&import);
        let report = stdout(&import);
        assert!(
            report.contains(": 0 created, 0 updated"),
            "{format}: {report}"
        );
    }

    // Markdown goes only into a new or empty folder, never among older files.
    let again = run(madoguchi(&data_dir)
        .args(["faq", "export", "--format", "markdown"])
        .arg(dir.path().join("kb")));
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "ID,タイトル,本文\r\nnew-entry,新しい質問,\r\nBad Id,題,本文\r\n",
    )
    .unwrap();
    let refused = run(madoguchi(&data_dir).args(["faq", "import"]).arg(&bad));
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(
        message.contains("2行目（ID new-entry）「本文」: 空です。")
            && message.contains("3行目「ID」"),
        "{message}"
    );

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "\u{feff}id,title,body\r\nnew-entry,新しい質問,新しい回答\r\n",
    )
    .unwrap();
    let import = run(madoguchi(&data_dir).args(["faq", "import"]).arg(&good));
    assert_success(&import);
    assert!(stdout(&import).contains("1 created"), "{}", stdout(&import));

    let unknown = run(madoguchi(&data_dir)
        .args(["faq", "export", "--format", "xlsx"])
        .arg(dir.path().join("x")));
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn eval_prints_the_metrics_as_json_on_its_last_line() {
    let data_dir = TempDir::new().unwrap();

    let output = run(madoguchi(data_dir.path()).args(["eval", "--queries", "eval/calibration"]));

    assert_success(&output);
    let text = stdout(&output);
    let last = text.lines().last().expect("some output");
    let report: Value = serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("last line is not JSON ({e}): {last:?}"));
    assert!(report["queries"].as_u64().unwrap_or(0) > 0, "{report}");
    for field in [
        "sr_at_1",
        "sr_at_5",
        "mrr",
        "map",
        "ndcg_at_10",
        "auto_answer_rate",
        "auto_answer_precision",
        "oos_false_answer_rate",
    ] {
        let value = report[field]
            .as_f64()
            .unwrap_or_else(|| panic!("{field} is not a number: {report}"));
        assert!((0.0..=1.0).contains(&value), "{field} = {value}");
    }
    for field in ["p50_us", "p99_us"] {
        assert!(report[field].is_number(), "{field}: {report}");
    }
    assert!(
        report["p50_us"].as_f64() <= report["p99_us"].as_f64(),
        "{report}"
    );
}

#[test]
fn eval_fails_when_a_floor_or_the_out_of_scope_ceiling_is_not_met() {
    let data_dir = TempDir::new().unwrap();
    let queries = data_dir.path().join("queries.jsonl");
    // An entry's own title, judged out of scope: it is answered, so all out-of-scope
    // questions (one) are answered.
    fs::write(
        &queries,
        r#"{"id": "q1", "text": "アカウントがロックされてログインできません", "relevant": {}, "kind": "oos"}"#,
    )
    .unwrap();
    let eval = |extra: &[&str]| {
        run(madoguchi(data_dir.path())
            .args(["eval", "--queries"])
            .arg(&queries)
            .args(extra))
    };

    let over = eval(&["--max-oos-answered", "0.5"]);
    assert_eq!(over.status.code(), Some(1), "{}", stderr(&over));
    assert!(
        stderr(&over).contains("oos_false_answer_rate 1 is above the ceiling 0.5"),
        "{}",
        stderr(&over)
    );
    assert_success(&eval(&["--max-oos-answered", "1.0"]));

    // The same title judged in scope is answered: all in-scope questions (one) are.
    let answered = data_dir.path().join("answered.jsonl");
    fs::write(
        &answered,
        r#"{"id": "q2", "text": "アカウントがロックされてログインできません", "relevant": {"account-locked-out": 2}}"#,
    )
    .unwrap();
    let floor = |min: &str| {
        run(madoguchi(data_dir.path())
            .args(["eval", "--queries"])
            .arg(&answered)
            .args(["--min-answered", min]))
    };
    assert_success(&floor("1.0"));
    // 「？」 judged in scope is never answered: none of the in-scope questions are.
    fs::write(
        &answered,
        r#"{"id": "q3", "text": "？", "relevant": {"account-locked-out": 2}}"#,
    )
    .unwrap();
    let unanswered = floor("0.5");
    assert_eq!(unanswered.status.code(), Some(1), "{}", stderr(&unanswered));
    assert!(
        stderr(&unanswered).contains("in_scope_auto_answer_rate 0 is below the floor 0.5"),
        "{}",
        stderr(&unanswered)
    );
}

#[test]
fn ask_with_an_empty_question_fails_with_a_clear_message() {
    let data_dir = TempDir::new().unwrap();

    for text in ["", "   "] {
        let output = run(madoguchi(data_dir.path()).args(["ask", text]));

        assert!(!output.status.success(), "{text:?} succeeded");
        let message = stderr(&output);
        assert!(message.contains("the question is empty"), "{message}");
        assert!(!message.contains("panicked"), "{message}");
    }
}

#[test]
fn ask_with_json_prints_the_decision_and_candidates() {
    let data_dir = TempDir::new().unwrap();

    let output = run(madoguchi(data_dir.path()).args(["ask", "--json", "パスワードを忘れました"]));

    assert_success(&output);
    let outcome: Value = serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    let decision = outcome["decision"].as_str().unwrap_or_default();
    assert!(
        ["answer", "suggest", "escalate"].contains(&decision),
        "{outcome}"
    );
    assert!(outcome["candidates"].is_array(), "{outcome}");
}

/// `madoguchi chat` with the given lines on its standard input.
fn chat(data_dir: &Path, lines: &str, staff: Option<&str>) -> Output {
    let mut command = madoguchi(data_dir);
    command.arg("chat");
    if let Some(no) = staff {
        command.args(["--staff", no]);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start madoguchi chat");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn chat_talks_like_a_channel_until_end_of_input() {
    let dir = TempDir::new().unwrap();
    let output = chat(
        dir.path(),
        "こんにちは\nＶＰＮつながらない\nいいえ\n/exit\n担当者\n",
        None,
    );
    assert_success(&output);
    let out = stdout(&output);
    assert!(out.contains("窓口: こんにちは"), "{out}");
    assert!(out.contains("解決しましたか？（はい／いいえ）"), "{out}");
    assert!(
        out.contains("担当者に相談する"),
        "the other candidates end with a person: {out}"
    );
    assert!(
        !out.contains("職員番号"),
        "nothing after /exit is read: {out}"
    );
}

#[test]
fn staff_import_reads_the_directory_and_chat_knows_the_staff_member() {
    let dir = TempDir::new().unwrap();
    let csv = dir.path().join("staff.csv");
    std::fs::write(
        &csv,
        "\u{feff}職員番号,氏名,所属,メール,内線,LoGoチャットID\n10001,沼津 太郎,ICT推進課,taro@example.jp,1234,logo-taro\n",
    )
    .unwrap();
    let output = run(madoguchi(dir.path()).args(["staff", "import"]).arg(&csv));
    assert_success(&output);
    assert!(
        stdout(&output).contains("1 people (1 added"),
        "{}",
        stdout(&output)
    );
    // A known staff member escalates without being asked for a number.
    let out = stdout(&chat(dir.path(), "担当者\n", Some("10001")));
    assert!(out.contains("受付番号は #1 です"), "{out}");

    // A bad file is refused with its line, and the directory is unchanged.
    std::fs::write(
        &csv,
        "職員番号,氏名,所属\n10002,千本 花子,市民課\n10002,x,y\n",
    )
    .unwrap();
    let output = run(madoguchi(dir.path()).args(["staff", "import"]).arg(&csv));
    assert!(!output.status.success());
    assert!(stderr(&output).contains("3行目"), "{}", stderr(&output));
    let out = stdout(&chat(dir.path(), "担当者\n", Some("10001")));
    assert!(
        out.contains("受付番号は #2 です"),
        "10001 is still known: {out}"
    );
}

/// A file with nobody in it never empties the directory, and one that would remove
/// most of it (filtered to one 所属 in Excel) is refused unless told; nothing is
/// written when refused.
#[test]
fn staff_import_refuses_to_empty_or_mostly_empty_the_directory() {
    let dir = TempDir::new().unwrap();
    let csv = dir.path().join("staff.csv");
    let import = |text: &str, extra: &[&str]| {
        std::fs::write(&csv, text).unwrap();
        run(madoguchi(dir.path())
            .args(["staff", "import"])
            .arg(&csv)
            .args(extra))
    };
    let people = |range: std::ops::Range<u32>| {
        let rows: String = range
            .map(|i| format!("{},職員 {i},市民課\n", 10000 + i))
            .collect();
        format!("職員番号,氏名,所属\n{rows}")
    };
    assert_success(&import(&people(0..30), &[]));

    let output = import("職員番号,氏名,所属\n", &[]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("一人もいません"),
        "{}",
        stderr(&output)
    );

    // 25 of 30 would go: refused, and the directory keeps them.
    let output = import(&people(0..5), &[]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("25 人（30 人中）")
            && stderr(&output).contains("--allow-removals"),
        "{}",
        stderr(&output)
    );
    let out = stdout(&chat(dir.path(), "担当者\n", Some("10029")));
    assert!(
        out.contains("受付番号は #1 です"),
        "10029 is still known: {out}"
    );

    // Ten leaving is April: taken without asking. Told to, the rest go too.
    let output = import(&people(0..20), &[]);
    assert_success(&output);
    assert!(
        stdout(&output).contains("10 removed"),
        "{}",
        stdout(&output)
    );
    let output = import(&people(0..5), &["--allow-removals"]);
    assert_success(&output);
    assert!(
        stdout(&output).contains("15 removed"),
        "{}",
        stdout(&output)
    );
}

/// `madoguchi user ARGS...` with `stdin` as its standard input.
fn user(data_dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = madoguchi(data_dir)
        .arg("user")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start madoguchi user");
    // A command that refuses its arguments exits without reading: the pipe may be closed
    // already, and that is no failure of the test.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

/// The stored password hash of `login`, read through the library as the console will.
fn stored_hash(data_dir: &Path, login: &str) -> String {
    read_store(data_dir, async |store| {
        let user = store.user(login).await.unwrap().expect("user exists");
        user.password_hash
    })
}

#[test]
fn user_add_list_passwd_and_disable_manage_operator_accounts() {
    use madoguchi::accounts::verify_password;
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    let add = ["add", "yamada", "--name", "山田 太郎", "--role", "operator"];

    let output = user(data, &add, "first password 1\n");
    assert_success(&output);
    assert!(stdout(&output).contains("created user yamada"));
    let first = stored_hash(data, "yamada");
    assert!(first.starts_with("$argon2id$"), "{first}");
    assert!(verify_password(&first, "first password 1"));

    let output = user(data, &["list"], "");
    assert_success(&output);
    let list = stdout(&output);
    assert!(
        list.contains("yamada\t山田 太郎\toperator\tenabled"),
        "{list}"
    );
    assert!(
        !list.contains("argon2") && !list.contains("password 1"),
        "{list}"
    );

    // Refused, with a clear message, and nothing changed: a login already taken...
    let output = user(
        data,
        &["add", "yamada", "--name", "別人", "--role", "admin"],
        "another password 2\n",
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("already exists"),
        "{}",
        stderr(&output)
    );
    // ...a weak password (for a new login and for an existing one)...
    let output = user(
        data,
        &["add", "suzuki", "--name", "鈴木", "--role", "viewer"],
        "short\n",
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("at least 12"),
        "{}",
        stderr(&output)
    );
    let output = user(data, &["passwd", "yamada"], "            \n");
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("whitespace"),
        "{}",
        stderr(&output)
    );
    // ...no password at all, a bad login, an unknown role.
    let output = user(
        data,
        &["add", "suzuki", "--name", "鈴木", "--role", "viewer"],
        "",
    );
    assert!(
        stderr(&output).contains("no password"),
        "{}",
        stderr(&output)
    );
    let output = user(
        data,
        &["add", "鈴木", "--name", "鈴木", "--role", "viewer"],
        "long enough password\n",
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("invalid login"),
        "{}",
        stderr(&output)
    );
    let output = user(
        data,
        &["add", "suzuki", "--name", "鈴木", "--role", "root"],
        "long enough password\n",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown role"),
        "{}",
        stderr(&output)
    );
    let list = stdout(&user(data, &["list"], ""));
    assert_eq!(list.lines().count(), 2, "header and yamada only: {list}");
    assert_eq!(stored_hash(data, "yamada"), first);

    // passwd: the new password verifies, the old one no longer does.
    let output = user(data, &["passwd", "yamada"], "second password 2\r\n");
    assert_success(&output);
    let second = stored_hash(data, "yamada");
    assert_ne!(second, first);
    assert!(verify_password(&second, "second password 2"));
    assert!(!verify_password(&second, "first password 1"));
    let output = user(data, &["passwd", "nobody"], "second password 2\n");
    assert!(stderr(&output).contains("no user"), "{}", stderr(&output));

    let output = user(data, &["disable", "yamada"], "");
    assert_success(&output);
    let list = stdout(&user(data, &["list"], ""));
    assert!(
        list.contains("yamada\t山田 太郎\toperator\tdisabled"),
        "{list}"
    );
    let output = user(data, &["disable", "nobody"], "");
    assert!(!output.status.success());
}

#[test]
fn user_add_with_ldap_reads_no_password_and_stores_none_that_anyone_knows() {
    use madoguchi::accounts::verify_password;
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    // Whatever is on standard input is not read as a password.
    let output = user(
        data,
        &[
            "add",
            "yamada",
            "--name",
            "山田 太郎",
            "--role",
            "operator",
            "--ldap",
        ],
        "typed password 1\n",
    );
    assert_success(&output);
    assert!(
        stdout(&output).contains("created user yamada (operator, signs in through LDAP)"),
        "{}",
        stdout(&output)
    );
    let hash = stored_hash(data, "yamada");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!verify_password(&hash, "typed password 1"));
    assert!(!verify_password(&hash, ""));
    let list = stdout(&user(data, &["list"], ""));
    assert!(
        list.contains("yamada\t山田 太郎\toperator\tenabled"),
        "{list}"
    );
    // Two LDAP accounts do not share a hash (each is of its own random value).
    let output = user(
        data,
        &[
            "add", "suzuki", "--name", "鈴木", "--role", "viewer", "--ldap",
        ],
        "",
    );
    assert_success(&output);
    assert_ne!(stored_hash(data, "suzuki"), hash);
    // A bad login is still refused with nothing changed.
    let output = user(
        data,
        &["add", "a,b", "--name", "x", "--role", "viewer", "--ldap"],
        "",
    );
    assert!(
        stderr(&output).contains("invalid login"),
        "{}",
        stderr(&output)
    );
    assert_eq!(stdout(&user(data, &["list"], "")).lines().count(), 3);
}

#[test]
fn ip_ledger_imports_the_citys_shift_jis_csv_and_refuses_a_broken_one() {
    let data = TempDir::new().unwrap();
    let segment = run(madoguchi(data.path()).args([
        "ip",
        "segment",
        "lgwan",
        "10.50.0.0/24",
        "西庁舎",
        "--gateway",
        "10.50.0.1",
        "--dhcp",
        "10.50.0.100-10.50.0.199",
    ]));
    assert_success(&segment);
    let good = "IPアドレス,状態,ホスト名,所属\r\n10.50.0.5,使用中,K012-PC001,市民課\r\n10.50.0.6,予約,K012-PC002,市民課\r\n";
    let file = data.path().join("ledger.csv");
    std::fs::write(
        &file,
        madoguchi::spreadsheet::encode(good, madoguchi::spreadsheet::SpreadsheetEncoding::ShiftJis)
            .unwrap(),
    )
    .unwrap();
    let dry = run(madoguchi(data.path())
        .args(["ip", "import", "--dry-run"])
        .arg(&file));
    assert_success(&dry);
    assert!(
        stdout(&dry).contains("would import (dry run): 2 rows"),
        "{}",
        stdout(&dry)
    );
    let import = run(madoguchi(data.path()).args(["ip", "import"]).arg(&file));
    assert_success(&import);
    assert!(stdout(&import).contains("2 new"), "{}", stdout(&import));

    let broken = "IPアドレス,状態,ホスト名\r\n10.50.0.7,使用中,PC-1\r\n10.50.0.150,使用中,PC-2\r\n10.50.0.x,使用中,PC-3\r\n";
    std::fs::write(&file, broken).unwrap();
    let refused = run(madoguchi(data.path()).args(["ip", "import"]).arg(&file));
    assert_eq!(refused.status.code(), Some(1));
    let reasons = stderr(&refused);
    assert!(reasons.contains("3行目「IPアドレス」: DHCP"), "{reasons}");
    assert!(reasons.contains("4行目「IPアドレス」"), "{reasons}");

    let out = data.path().join("export.csv");
    let export = run(madoguchi(data.path())
        .args(["ip", "export", "--format", "csv-sjis"])
        .arg(&out));
    assert_success(&export);
    let (text, _) = madoguchi::spreadsheet::decode(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(
        text.lines().count(),
        3,
        "header and the two imported lines: {text}"
    );
    assert!(
        !text.contains("10.50.0.7"),
        "the refused file wrote nothing"
    );
    let next = run(madoguchi(data.path()).args(["ip", "allocate", "1", "PC-NEW"]));
    assert_success(&next);
    assert_eq!(stdout(&next).trim(), "10.50.0.2");

    let name = run(madoguchi(data.path()).args(["name", "issue", "K012", "PC"]));
    assert_success(&name);
    assert_eq!(stdout(&name).trim(), "K012-PC001");
    let bad = run(madoguchi(data.path()).args(["name", "issue", "K-012", "PC"]));
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
}

#[test]
fn equipment_register_imports_lists_changes_and_refuses_a_broken_file() {
    let data = TempDir::new().unwrap();
    let staff = data.path().join("staff.csv");
    std::fs::write(&staff, "職員番号,氏名,所属\n10001,沼津 太郎,市民課\n").unwrap();
    assert_success(&run(madoguchi(data.path())
        .args(["staff", "import"])
        .arg(&staff)));
    let good = "資産番号,種別,機種,製造番号,設置場所・所属コード,所属,使用者職員番号,状態,備考\r\n\
                PC-0001,PC,FMV-A,SN1,K012,市民課,10001,配備中,\r\n\
                PJ-01,プロジェクター,EB-1,,,,,貸出用,会議室A\r\n";
    let file = data.path().join("equipment.csv");
    let sjis = madoguchi::spreadsheet::SpreadsheetEncoding::ShiftJis;
    std::fs::write(&file, madoguchi::spreadsheet::encode(good, sjis).unwrap()).unwrap();
    let equipment = |args: &[&str]| run(madoguchi(data.path()).arg("equipment").args(args));
    let path = file.to_str().unwrap();
    let dry = equipment(&["import", "--dry-run", path]);
    assert_success(&dry);
    assert!(
        stdout(&dry).contains("would import (dry run): 2 rows"),
        "{}",
        stdout(&dry)
    );
    let import = equipment(&["import", path]);
    assert_success(&import);
    assert!(
        stdout(&import).contains("2 new, 0 changed"),
        "{}",
        stdout(&import)
    );

    let broken =
        "資産番号,種別,使用者職員番号,状態\r\nPC-0002,PC,99999,配備中\r\nPC-0003,スマホ,,在庫\r\n";
    std::fs::write(&file, broken).unwrap();
    let refused = equipment(&["import", path]);
    assert_eq!(refused.status.code(), Some(1));
    let reasons = stderr(&refused);
    assert!(reasons.contains("2行目「使用者職員番号」"), "{reasons}");
    assert!(reasons.contains("3行目「種別」"), "{reasons}");

    let listed = equipment(&["list", "--person", "沼津"]);
    assert_success(&listed);
    assert_eq!(
        stdout(&listed).trim(),
        "PC-0001\tPC\t配備中\tFMV-A\tK012\t市民課\t10001\t沼津 太郎"
    );
    let set = equipment(&[
        "set",
        "PC-0001",
        "--state",
        "修理中",
        "--reason",
        "液晶割れ",
    ]);
    assert_success(&set);
    assert!(stdout(&set).contains("修理中"), "{}", stdout(&set));
    let assign = equipment(&[
        "assign",
        "PJ-01",
        "--person",
        "10001",
        "--reason",
        "長期貸与",
    ]);
    assert_success(&assign);
    let final_state = equipment(&["set", "PJ-01", "--state", "廃棄", "--reason", "x"]);
    assert_eq!(
        final_state.status.code(),
        Some(1),
        "a deployed device is collected first"
    );
    let unknown = equipment(&["set", "PC-0001", "--state", "紛失", "--reason", "x"]);
    assert_eq!(unknown.status.code(), Some(1));

    let out = data.path().join("export.csv");
    let export = equipment(&["export", "--format", "csv-sjis", out.to_str().unwrap()]);
    assert_success(&export);
    let (text, _) = madoguchi::spreadsheet::decode(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.contains("PJ-01,プロジェクター,EB-1,,,,10001,配備中,会議室A"),
        "{text}"
    );
    assert!(!text.contains("PC-0002"), "the refused file wrote nothing");
}

#[test]
fn report_monthly_writes_html_and_csv_and_refuses_a_bad_month() {
    let data = TempDir::new().unwrap();
    let html = data.path().join("2026-11.html");
    let output = run(madoguchi(data.path())
        .args([
            "report", "monthly", "--month", "2026-11", "--format", "html", "--out",
        ])
        .arg(&html));
    assert_success(&output);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("ヘルプデスク月次報告 2026年11月"), "{page}");
    assert!(page.contains("<svg"));
    let csv = data.path().join("csv");
    let output = run(madoguchi(data.path())
        .args([
            "report", "monthly", "--month", "2026-11", "--format", "csv", "--out",
        ])
        .arg(&csv));
    assert_success(&output);
    assert!(csv.join("by_day.csv").exists());
    if std::path::Path::new(madoguchi::config::DEFAULT_FONT).exists() {
        let pdf = data.path().join("2026-11.pdf");
        let output = run(madoguchi(data.path())
            .args([
                "report", "monthly", "--month", "2026-11", "--format", "pdf", "--out",
            ])
            .arg(&pdf));
        assert_success(&output);
        assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    } else {
        eprintln!("report --format pdf skipped: fonts-ipaexfont-gothic is missing");
    }
    let annual = data.path().join("fy2026.html");
    let output = run(madoguchi(data.path())
        .args(["report", "annual", "--fiscal-year", "2026", "--out"])
        .arg(&annual));
    assert_success(&output);
    let page = std::fs::read_to_string(&annual).unwrap();
    assert!(page.contains("ヘルプデスク年次報告 2026年度"));
    assert!(
        page.contains("03/31"),
        "the last day of the fiscal year is in the table"
    );
    let bad = run(madoguchi(data.path())
        .args(["report", "monthly", "--month", "2026-13", "--out"])
        .arg(data.path().join("x.html")));
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(!data.path().join("x.html").exists());
}

#[test]
fn export_handover_writes_a_manifest_and_checksums_sha256sum_accepts() {
    let data = TempDir::new().unwrap();
    let out = data.path().join("handover");
    let output = run(madoguchi(data.path())
        .args(["export", "handover", "--out"])
        .arg(&out));
    assert_success(&output);
    assert!(stdout(&output).contains("manifest.json and SHA256SUMS"));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["files"].as_array().is_some_and(|f| f.len() > 20));
    // The checksums file is the standard tool's format.
    let check = run(Command::new("sha256sum")
        .arg("--check")
        .arg("--quiet")
        .arg("SHA256SUMS")
        .current_dir(&out));
    assert_success(&check);
}
