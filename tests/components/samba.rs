//! A real Samba AD DC for the tests that write into Active Directory: provisioned in a
//! temporary folder and started once per test binary, on a loopback address of the
//! binary's own (so two binaries do not meet on port 636). `samba -i` ends when its
//! standard input closes, and the binary holds that pipe: when the binary exits, the DC
//! stops and its folder is removed. Without `/usr/sbin/samba` the tests skip with a notice
//! (`MADOGUCHI_REQUIRE_SAMBA=1` makes that a failure). Included with `#[path]`.

use std::io::Write;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings};
use tokio::sync::OnceCell;

const SAMBA: &str = "/usr/sbin/samba";
pub const ADMIN: &str = "Administrator@city.test";
pub const PASSWORD: &str = "Passw0rd!Switch";
pub const BASE: &str = "DC=city,DC=test";

/// The running DC.
pub struct Dc {
    /// `ldaps://<address>:636`.
    pub url: String,
    /// The write end of the DC's standard input: closed when the binary exits.
    _stdin: Mutex<ChildStdin>,
    /// The shell that runs Samba and then removes its folder.
    _process: Mutex<Child>,
}

static DC: OnceCell<Option<Dc>> = OnceCell::const_new();

/// The binary's DC on `address` (127.0.0.N), started on first use; `None` (with a
/// notice) without Samba.
pub async fn dc(address: &'static str) -> Option<&'static Dc> {
    DC.get_or_init(|| start(address)).await.as_ref()
}

async fn start(address: &str) -> Option<Dc> {
    if !Path::new(SAMBA).exists() {
        assert!(
            std::env::var("MADOGUCHI_REQUIRE_SAMBA").as_deref() != Ok("1"),
            "MADOGUCHI_REQUIRE_SAMBA=1 but {SAMBA} is missing (Debian package samba)"
        );
        let notice = format!("SKIPPED: needs Samba ({SAMBA}, Debian package samba)\n");
        std::io::stderr().write_all(notice.as_bytes()).ok();
        return None;
    }
    let dir = tempfile::TempDir::new().unwrap().keep();
    let status = Command::new("samba-tool")
        .args(["domain", "provision", "--realm=CITY.TEST", "--domain=CITY"])
        .args(["--server-role=dc", "--dns-backend=NONE", "--use-rfc2307"])
        .arg(format!("--targetdir={}", dir.display()))
        .arg(format!("--adminpass={PASSWORD}"))
        .arg(format!("--option=interfaces={address}/8"))
        .arg("--option=bind interfaces only=yes")
        .arg("--option=server services=ldap")
        // Its own pid file: another DC (another binary, another engineer) may be running.
        .arg(format!("--option=pid directory={}", dir.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "samba-tool domain provision failed");
    // The shell removes the folder once Samba has ended (on EOF of the shared stdin).
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("\"$0\" -i -M single -s \"$1/etc/smb.conf\"; rm -rf \"$1\"")
        .arg(SAMBA)
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let url = format!("ldaps://{address}:636");
    let dc = Dc {
        url,
        _stdin: Mutex::new(stdin),
        _process: Mutex::new(child),
    };
    while connect(&dc).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "Samba did not answer on {}",
            dc.url
        );
        let ended = dc._process.lock().unwrap().try_wait().unwrap().is_some();
        assert!(!ended, "Samba ended at start");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Some(dc)
}

/// A connection bound as the DC's administrator.
pub async fn connect(dc: &Dc) -> ldap3::result::Result<Ldap> {
    let settings = LdapConnSettings::new()
        .set_no_tls_verify(true)
        .set_conn_timeout(Duration::from_secs(5));
    let (driver, mut ldap) = LdapConnAsync::with_settings(settings, &dc.url).await?;
    ldap3::drive!(driver);
    ldap.simple_bind(ADMIN, PASSWORD).await?.success()?;
    Ok(ldap)
}
