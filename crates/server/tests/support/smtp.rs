//! A real SMTP server for the tests: Debian's aiosmtpd (package python3-aiosmtpd) on a free
//! local port, keeping each message it accepts in a Maildir. Under CI=true a server that cannot
//! be started fails the test; elsewhere the test is left out with a note.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ferrofax_server::config::SmtpProfile;

pub struct Smtp {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// A message as it arrived, parsed.
pub struct Mail {
    pub raw: Vec<u8>,
}

impl Mail {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(&self.raw).expect("a MIME message")
    }
}

fn python() -> Option<&'static str> {
    ["/usr/bin/python3", "python3"].into_iter().find(|p| {
        Command::new(p).args(["-c", "import aiosmtpd"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    })
}

fn unavailable(why: &str) -> Option<Smtp> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("the test SMTP server is needed under CI: {why}");
    }
    eprintln!("the test SMTP server cannot run here ({why}); this test does not run (it must under CI=true)");
    None
}

impl Smtp {
    /// Starts aiosmtpd and waits until it takes connections.
    pub async fn start() -> Option<Smtp> {
        let Some(python) = python() else {
            return unavailable("python3 with aiosmtpd (Debian package python3-aiosmtpd) is not installed");
        };
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let smtp = Smtp { child, port, dir };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Some(smtp);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        unavailable("aiosmtpd did not listen within 10 s")
    }

    /// A profile for this server (no TLS, no login).
    pub fn profile(&self) -> SmtpProfile {
        serde_json::from_value(serde_json::json!({
            "host": "127.0.0.1", "port": self.port, "tls": "none", "from": "Fax server <fax@test.example>"
        }))
        .unwrap()
    }

    fn new_dir(&self) -> PathBuf {
        self.dir.path().join("maildir").join("new")
    }

    /// The messages that arrived so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        let mut files: Vec<_> =
            std::fs::read_dir(self.new_dir()).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files.into_iter().map(|p| Mail { raw: std::fs::read(p).unwrap() }).collect()
    }

    /// Waits (real time) until `n` messages have arrived, and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Mail> {
        for _ in 0..600 {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{n} messages did not arrive within 30 s ({} did)", self.messages().len())
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
