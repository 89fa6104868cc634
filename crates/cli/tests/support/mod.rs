//! What the command-line tests share: faxd as a child process killed when the test ends,
//! the `fax` binary run against a data directory, and peer tools that must be there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

/// Kills faxd when the test ends, passing or not.
pub struct Faxd(pub Child);

impl Drop for Faxd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn bin(name: &str) -> PathBuf {
    let fax = PathBuf::from(env!("CARGO_BIN_EXE_fax"));
    if name == "fax" { fax } else { fax.with_file_name(name) }
}

pub fn fax(data: &Path, args: &[&str]) -> Output {
    Command::new(bin("fax"))
        .args(args)
        .env("FAXD_DATA_DIR", data)
        .env_remove("FAX_URL")
        .env_remove("FAX_TOKEN")
        .output()
        .expect("fax runs")
}

pub fn ok(out: Output) -> Output {
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    out
}

/// Runs a peer tool; a missing peer fails the test (CI installs them).
pub fn peer(cmd: &mut Command) -> Output {
    let name = format!("{cmd:?}");
    let out = cmd.output().unwrap_or_else(|e| panic!("{name}: {e} (install ghostscript and libtiff-tools)"));
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Starts faxd on a free port with the data directory `data` (and the configuration file
/// `config`, if any); returns once it has written its address there.
pub fn start_faxd(data: &Path, config: Option<&Path>) -> Faxd {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = Command::new(bin("faxd"));
    cmd.arg("--data-dir").arg(data).arg("--listen").arg(format!("127.0.0.1:{port}"));
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let faxd = Faxd(cmd.env("FAXD_LOG", "warn").stdout(std::process::Stdio::null()).spawn().expect("faxd starts"));
    let start = std::time::Instant::now();
    while !data.join("faxd.url").exists() {
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "faxd did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    faxd
}

/// The JSON `fax … --json` printed.
pub fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}
