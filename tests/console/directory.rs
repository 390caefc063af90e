//! A real OpenLDAP slapd per test: a temp dir with slapd.conf and a seeded database, on a
//! free port, killed on drop. Its stats log (every BIND, with its DN) is kept in the temp
//! dir so tests can see exactly what was sent.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const SLAPD: &str = "/usr/sbin/slapd";
const REQUIRE_VAR: &str = "MADOGUCHI_REQUIRE_LDAP";
pub const SUFFIX: &str = "dc=city,dc=numazu,dc=lg,dc=jp";
pub const BIND_DN: &str = "uid={login},ou=people,dc=city,dc=numazu,dc=lg,dc=jp";
/// yamada's password in the directory.
pub const DIRECTORY_PASSWORD: &str = "directory password 1";

pub struct Directory {
    pub url: String,
    dir: TempDir,
    child: Option<Child>,
}

impl Directory {
    /// A running directory with `uid=yamada` and `uid=sato` (both with
    /// [`DIRECTORY_PASSWORD`]), or `None` (with a notice) when slapd is not installed.
    pub fn start() -> Option<Directory> {
        if !std::path::Path::new(SLAPD).exists() {
            if std::env::var(REQUIRE_VAR).as_deref() == Ok("1") {
                panic!("{REQUIRE_VAR}=1 but {SLAPD} is missing (apt-get install slapd ldap-utils)");
            }
            // Straight to stderr: the harness captures eprintln!, and a skip must show.
            let notice = "LDAP tests skipped: /usr/sbin/slapd is missing\n";
            std::io::stderr().write_all(notice.as_bytes()).ok();
            return None;
        }
        let dir = TempDir::new().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("db")).unwrap();
        let conf = format!(
            "include /etc/ldap/schema/core.schema\n\
             include /etc/ldap/schema/cosine.schema\n\
             include /etc/ldap/schema/inetorgperson.schema\n\
             pidfile {root}/slapd.pid\n\
             modulepath /usr/lib/ldap\n\
             moduleload back_mdb\n\
             database mdb\n\
             suffix \"{SUFFIX}\"\n\
             rootdn \"cn=admin,{SUFFIX}\"\n\
             rootpw admin-secret\n\
             directory {root}/db\n",
            root = root.display()
        );
        std::fs::write(root.join("slapd.conf"), conf).unwrap();
        let hashed = Command::new("/usr/sbin/slappasswd")
            .args(["-s", DIRECTORY_PASSWORD])
            .output()
            .unwrap();
        let hashed = String::from_utf8(hashed.stdout).unwrap().trim().to_owned();
        assert!(hashed.starts_with("{SSHA}"), "{hashed}");
        let mut seed = format!(
            "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: city\ndc: city\n\n\
             dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n"
        );
        for (uid, name) in [("yamada", "山田"), ("sato", "佐藤")] {
            seed.push_str(&format!(
                "dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\n\
                 cn: {name}\nsn: {name}\nuserPassword: {hashed}\n\n"
            ));
        }
        let mut slapadd = Command::new("/usr/sbin/slapadd")
            .arg("-q")
            .arg("-f")
            .arg(root.join("slapd.conf"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        slapadd
            .stdin
            .take()
            .unwrap()
            .write_all(seed.as_bytes())
            .unwrap();
        let out = slapadd.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("ldap://127.0.0.1:{port}");
        let log = std::fs::File::create(root.join("slapd.log")).unwrap();
        let child = Command::new(SLAPD)
            .arg("-f")
            .arg(root.join("slapd.conf"))
            .args(["-h", &format!("{url}/"), "-d", "stats"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let directory = Directory {
            url,
            dir,
            child: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "slapd did not start: {}",
                directory.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Some(directory)
    }

    /// slapd's stats log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default()
    }

    /// The BIND requests in the log (one line per bind the directory received).
    pub fn binds(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains(" BIND dn=") && l.contains(" method="))
            .map(str::to_owned)
            .collect()
    }

    /// Stops the directory: it can no longer be reached.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

impl Drop for Directory {
    fn drop(&mut self) {
        self.stop();
    }
}
