//! Headless Chromium through chromedriver: one driver process (in its own process group,
//! with its own TMPDIR) and one WebDriver session per test, all killed when dropped.
//!
//! Without Debian's chromium and chromium-driver the tests print a `SKIPPED` notice and
//! pass, unless `MADOGUCHI_REQUIRE_BROWSER=1` makes that a failure.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Once};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tempfile::TempDir;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long chromedriver may take to say which port it took, and how often it is started
/// before a test gives up.
const DRIVER_START: Duration = Duration::from_secs(20);
const DRIVER_TRIES: usize = 3;

/// A browser session for one test. Fields drop in order: the session first, then the
/// driver's whole process group, then its temporary folder.
pub struct Browser {
    pub client: Client,
    _driver: Driver,
}

impl Browser {
    /// A fresh session whose viewport is `width` x `height` CSS pixels. Call [`available`]
    /// first.
    pub async fn start(width: u32, height: u32) -> Browser {
        let driver = Driver::start();
        let profile = driver.tmp.path().join("profile");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    // The city network has no internet and neither do these tests.
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
                    "--lang=ja",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("an object literal")
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("start a Chromium session");
        fit_viewport(&client, width, height).await;
        Browser {
            client,
            _driver: driver,
        }
    }

    /// Ends the session cleanly (the driver is killed on drop either way).
    pub async fn quit(self) {
        let Browser { client, _driver } = self;
        client.close().await.expect("close the session");
    }
}

/// Whether Chromium and chromedriver are installed. When they are not, prints a `SKIPPED`
/// notice once (straight to stderr: the harness would capture `eprintln!`) and returns
/// false, or panics when `MADOGUCHI_REQUIRE_BROWSER=1`.
pub fn available() -> bool {
    static NOTICE: Once = Once::new();
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let notice = format!(
        "SKIPPED: browser tests need {} (install chromium chromium-driver)",
        missing.join(" and ")
    );
    if std::env::var("MADOGUCHI_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("{notice}, and MADOGUCHI_REQUIRE_BROWSER=1");
    }
    NOTICE.call_once(|| {
        std::io::stderr()
            .write_all(format!("{notice}\n").as_bytes())
            .ok();
    });
    false
}

/// Headless Chromium's window includes room for browser chrome it does not draw (about
/// 140 px of height), so the window is grown until the page itself gets `width` x `height`
/// CSS pixels: what a 1000 x 700 screen, or the same screen at 200% zoom, shows a page.
async fn fit_viewport(client: &Client, width: u32, height: u32) {
    let viewport = || async {
        let size = client
            .execute("return [innerWidth, innerHeight];", Vec::new())
            .await
            .expect("read the viewport size");
        let read = |i: usize| size[i].as_i64().expect("a size");
        (read(0), read(1))
    };
    let (inner_width, inner_height) = viewport().await;
    let (outer_width, outer_height) = client.get_window_size().await.expect("window size");
    let grow = |outer: u64, inner: i64, wanted: u32| {
        u32::try_from(outer as i64 + i64::from(wanted) - inner).expect("a window size")
    };
    client
        .set_window_size(
            grow(outer_width, inner_width, width),
            grow(outer_height, inner_height, height),
        )
        .await
        .expect("resize the window");
    let wanted = (i64::from(width), i64::from(height));
    assert_eq!(viewport().await, wanted, "viewport size in CSS pixels");
}

/// chromedriver on a port it picked, in its own process group.
struct Driver {
    child: Child,
    port: u16,
    tmp: TempDir,
}

impl Driver {
    /// Starts chromedriver, again if it exits before saying its port or stays silent (seen
    /// once in CI: one start in 22 never reported a port), and panics with what it printed
    /// on stderr after the last try.
    fn start() -> Driver {
        let mut failures = Vec::new();
        for _ in 0..DRIVER_TRIES {
            match Driver::try_start() {
                Ok(driver) => {
                    if !failures.is_empty() {
                        // Straight to stderr, past the harness's capture, so CI shows it.
                        let notice = format!(
                            "NOTICE: chromedriver started on try {}; before: {}\n",
                            failures.len() + 1,
                            failures.join(" | ")
                        );
                        std::io::stderr().write_all(notice.as_bytes()).ok();
                    }
                    return driver;
                }
                Err(failure) => failures.push(failure),
            }
        }
        panic!(
            "chromedriver did not start in {DRIVER_TRIES} tries:\n{}",
            failures.join("\n")
        );
    }

    fn try_start() -> Result<Driver, String> {
        let tmp = TempDir::new().expect("a temporary folder for the browser");
        let stderr_path = tmp.path().join("chromedriver.stderr");
        let stderr = std::fs::File::create(&stderr_path).expect("chromedriver's stderr file");
        let mut child = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .env("TMPDIR", tmp.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            // Its own group, so that Drop can kill Chromium with it.
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let stdout = child.stdout.take().expect("piped stdout");
        let (port_tx, port_rx) = mpsc::channel();
        std::thread::spawn(move || {
            // "ChromeDriver was started successfully on port 40123." Keep draining after
            // that so the driver never blocks on a full pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = port_in(&line) {
                    let _ = port_tx.send(port);
                }
            }
        });
        let mut driver = Driver {
            child,
            port: 0,
            tmp,
        };
        match port_rx.recv_timeout(DRIVER_START) {
            Ok(port) => {
                driver.port = port;
                Ok(driver)
            }
            Err(error) => {
                let why = match error {
                    mpsc::RecvTimeoutError::Timeout => format!("no port in {DRIVER_START:?}"),
                    mpsc::RecvTimeoutError::Disconnected => {
                        "it closed its output without a port".to_string()
                    }
                };
                let printed = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                // Dropping the driver kills its process group before the next try.
                drop(driver);
                Err(format!("{why}; stderr: {}", printed.trim()))
            }
        }
    }
}

fn port_in(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("started successfully on port ")?;
    rest.trim_end_matches('.').trim().parse().ok()
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The negative pid is the group: chromedriver and every Chromium process it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `target/test-artifacts/` (under `CARGO_TARGET_DIR` when set), created if needed.
pub fn artifacts_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(|dir| manifest.join(dir))
        .unwrap_or_else(|| manifest.join("target"));
    let dir = target.join("test-artifacts");
    std::fs::create_dir_all(&dir).expect("create the test-artifacts folder");
    dir
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_port_chromedriver_reports() {
        let line = "ChromeDriver was started successfully on port 40123.";
        assert_eq!(super::port_in(line), Some(40123));
        assert_eq!(super::port_in("Starting ChromeDriver 156.0"), None);
    }
}

/// Chromium's network emulation (chromedriver's `chromium/network_conditions`): `offline`
/// makes every request of the page fail as if the network were down.
pub async fn set_offline(client: &Client, offline: bool) {
    client
        .issue_cmd(NetworkConditions { offline })
        .await
        .expect("set Chromium's network conditions");
}

/// `url`'s types, named through reqwest (a dependency already) since `url` is not one.
type Url = reqwest::Url;
type UrlError = <Url as std::str::FromStr>::Err;

#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl fantoccini::wd::WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(&self, base: &Url, session: Option<&str>) -> Result<Url, UrlError> {
        let session = session.expect("a session");
        base.join(&format!("session/{session}/chromium/network_conditions"))
    }

    fn method_and_body(&self, _: &Url) -> (axum::http::Method, Option<String>) {
        let conditions = json!({"network_conditions": {
            "offline": self.offline,
            "latency": 0,
            "download_throughput": 1_000_000,
            "upload_throughput": 1_000_000,
        }});
        (axum::http::Method::POST, Some(conditions.to_string()))
    }
}

/// Adds `name: value` to every request the page makes, as the portal's signing-in
/// reverse proxy would (Chrome DevTools' `Network.setExtraHTTPHeaders` through
/// chromedriver's `goog/cdp/execute`).
pub async fn set_header(client: &Client, name: &str, value: &str) {
    for (cmd, params) in [
        ("Network.enable", json!({})),
        (
            "Network.setExtraHTTPHeaders",
            json!({"headers": {name: value}}),
        ),
    ] {
        client
            .issue_cmd(Cdp { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    }
}

#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &Url, session: Option<&str>) -> Result<Url, UrlError> {
        let session = session.expect("a session");
        base.join(&format!("session/{session}/goog/cdp/execute"))
    }

    fn method_and_body(&self, _: &Url) -> (axum::http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (axum::http::Method::POST, Some(body.to_string()))
    }
}
