//! A real CUPS server for tests: `cupsd` started in a temp folder on a free port, with two
//! queues (integrations/printer/README.md):
//! - `renzoku<port>`, the continuous-form printer as the contract wants its queue: it
//!   takes `application/pdf` as is (the PPD `tests/batches/renzoku.ppd`: one pass-through
//!   filter, `gziptoany`, no Ghostscript) and its device writes what it gets to
//!   `printer/renzoku.pdf` (`file:` device; each job replaces the last);
//! - `madoguchi<port>`, a cups-pdf queue: a PostScript printer, whose jobs CUPS and
//!   cups-pdf re-render through Ghostscript (`out/*-job_<n>.pdf`).
//!
//! Shared by tests/batches/cups.rs and the console's end-to-end run
//! (tests/console/batches_cups.rs). Skipped with a notice when CUPS or cups-pdf is
//! missing; MADOGUCHI_REQUIRE_CUPS=1 makes that a failure.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use madoguchi::config::DEFAULT_FONT;
use tempfile::TempDir;

const REQUIRE_VAR: &str = "MADOGUCHI_REQUIRE_CUPS";
const CUPSD: &str = "/usr/sbin/cupsd";
const CUPS_PDF: &str = "/usr/lib/cups/backend/cups-pdf";
const PPD: &str = "/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd";

/// The PDF-direct queue's PPD: the printer takes `application/pdf` unchanged.
const RENZOKU_PPD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/batches/renzoku.ppd");

/// A CUPS server with a PDF-direct queue and a cups-pdf queue, stopped on drop.
pub struct Cups {
    pub dir: TempDir,
    pub server: String,
    /// The cups-pdf queue (re-renders through Ghostscript).
    pub queue: String,
    /// The PDF-direct queue (the continuous-form printer's contract).
    pub direct: String,
    child: Child,
}

impl Drop for Cups {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(cups_pdf_conf(&self.queue));
    }
}

fn cups_pdf_conf(queue: &str) -> PathBuf {
    PathBuf::from(format!("/etc/cups/cups-pdf-{queue}.conf"))
}

fn skip(reason: &str) -> Option<Cups> {
    if std::env::var(REQUIRE_VAR).as_deref() == Ok("1") {
        panic!("{REQUIRE_VAR}=1 but {reason} (apt-get install cups printer-driver-cups-pdf)");
    }
    let notice = format!("CUPS tests skipped: {reason}\n");
    std::io::stderr().write_all(notice.as_bytes()).ok();
    None
}

impl Cups {
    pub fn start() -> Option<Cups> {
        for needed in [CUPSD, CUPS_PDF, PPD, DEFAULT_FONT] {
            if !Path::new(needed).exists() {
                return skip(&format!("{needed} is missing"));
            }
        }
        let dir = TempDir::new().unwrap();
        let root = dir.path();
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        for sub in [
            "etc", "spool", "cache", "state", "log", "tmp", "out", "printer",
        ] {
            std::fs::create_dir(root.join(sub)).unwrap();
        }
        for open in ["tmp", "out", "printer"] {
            std::fs::set_permissions(root.join(open), std::fs::Permissions::from_mode(0o1777))
                .unwrap();
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let r = root.display();
        std::fs::write(
            root.join("etc/cups-files.conf"),
            format!(
                "ServerRoot {r}/etc\nRequestRoot {r}/spool\nTempDir {r}/tmp\nCacheDir {r}/cache\n\
                 StateDir {r}/state\nAccessLog {r}/log/access_log\nErrorLog {r}/log/error_log\n\
                 PageLog {r}/log/page_log\nUser lp\nGroup lp\nSystemGroup root lpadmin\n\
                 FileDevice Yes\n"
            ),
        )
        .unwrap();
        std::fs::write(
            root.join("etc/cupsd.conf"),
            format!(
                "Listen 127.0.0.1:{port}\nBrowsing No\nWebInterface No\nDefaultAuthType None\n\
                 LogLevel warn\n<Location />\n  Order allow,deny\n  Allow 127.0.0.1\n</Location>\n"
            ),
        )
        .unwrap();
        let queue = format!("madoguchi{port}");
        std::fs::write(
            cups_pdf_conf(&queue),
            format!("Out {r}/out\nAnonDirName {r}/out\nLabel 2\nUserUMask 0022\n"),
        )
        .unwrap();
        let device = format!("file://{r}/printer/renzoku.pdf");
        let child = Command::new(CUPSD)
            .arg("-f")
            .arg("-c")
            .arg(root.join("etc/cupsd.conf"))
            .arg("-s")
            .arg(root.join("etc/cups-files.conf"))
            .spawn()
            .unwrap();
        let server = format!("127.0.0.1:{port}");
        let direct = format!("renzoku{port}");
        let cups = Cups {
            dir,
            server: server.clone(),
            queue: queue.clone(),
            direct: direct.clone(),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(&server).is_err() {
            assert!(
                Instant::now() < deadline,
                "cupsd did not listen on {server}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        for (name, uri, ppd) in [
            (&queue, format!("cups-pdf:/{queue}"), PPD),
            (&direct, device, RENZOKU_PPD),
        ] {
            let added = Command::new("lpadmin")
                .args(["-h", &server, "-p", name, "-E", "-v", &uri, "-P", ppd])
                .output()
                .unwrap();
            assert!(
                added.status.success(),
                "{}",
                String::from_utf8_lossy(&added.stderr)
            );
        }
        Some(cups)
    }

    /// What the PDF-direct queue's device received last.
    pub fn printed(&self) -> PathBuf {
        self.dir.path().join("printer/renzoku.pdf")
    }

    /// The PDF cups-pdf wrote for job `id` (`<queue>-<n>`), once it is there.
    #[allow(dead_code)] // tests/batches.rs uses it, the console's run prints PDF-direct
    pub fn output_of(&self, id: &str) -> PathBuf {
        let number = id.rsplit('-').next().unwrap();
        let suffix = format!("-job_{number}.pdf");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = std::fs::read_dir(self.dir.path().join("out"))
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.to_string_lossy().ends_with(&suffix));
            if let Some(found) = found {
                return found;
            }
            assert!(Instant::now() < deadline, "no output for job {id}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

pub fn page_count(pdf: &Path) -> u64 {
    let info = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo (poppler-utils)");
    let text = String::from_utf8_lossy(&info.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| l.starts_with("Pages:"))
        .unwrap_or_else(|| panic!("{text}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}
