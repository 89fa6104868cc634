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
