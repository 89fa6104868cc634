//! Printing through the system's CUPS client: `lp [-d <printer>] -t <title> <file>`, the fax
//! written as PDF or TIFF into a private temporary folder for the command's run, which may
//! take at most the configured time.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;

use crate::RouteError;

/// How to print.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrintOptions {
    /// The `lp` program (looked up on PATH unless a path).
    pub program: PathBuf,
    /// Longest `lp` may take, seconds.
    pub timeout_seconds: u64,
}

impl Default for PrintOptions {
    fn default() -> Self {
        PrintOptions { program: PathBuf::from("lp"), timeout_seconds: 60 }
    }
}

/// One thing to print.
#[derive(Debug, Clone)]
pub struct PrintJob<'a> {
    /// The printer (CUPS destination); None: the system's default printer.
    pub printer: Option<&'a str>,
    pub title: &'a str,
    /// The file's name, whose extension tells CUPS its type (`fax-12.pdf`).
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// Checks a printer name as CUPS takes it: printable characters, no spaces, `/` or `#`.
pub fn check_printer(name: &str) -> Result<(), RouteError> {
    let ok = !name.is_empty()
        && name.len() <= 127
        && !name.starts_with('-')
        && name.chars().all(|c| c.is_ascii_graphic() && c != '/' && c != '#');
    if ok {
        Ok(())
    } else {
        Err(RouteError::Config(format!(
            "`{name}` is not a printer name: use letters, digits and punctuation other than `/` and `#`, no spaces"
        )))
    }
}

/// Prints; returns what `lp` said (usually the request id).
pub async fn print(opts: &PrintOptions, job: &PrintJob<'_>) -> Result<String, RouteError> {
    if let Some(p) = job.printer {
        check_printer(p)?;
    }
    let fail = |what: String| RouteError::Print(what);
    let dir = tempfile::Builder::new()
        .prefix("ferrofax-print-")
        .tempdir()
        .map_err(|e| fail(format!("printing: no temporary folder: {e}")))?;
    let path = dir.path().join(job.file_name);
    tokio::fs::write(&path, job.bytes).await.map_err(|e| fail(format!("printing: writing {}: {e}", path.display())))?;

    let mut cmd = tokio::process::Command::new(&opts.program);
    if let Some(p) = job.printer {
        cmd.arg("-d").arg(p);
    }
    // The file's path is absolute, so it cannot be taken for an option.
    cmd.arg("-t").arg(job.title).arg(&path);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    let program = opts.program.display().to_string();
    let child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            fail(format!("printing needs the CUPS client `lp` (Debian package cups-client); `{program}` was not found"))
        }
        _ => fail(format!("printing: `{program}` could not be started: {e}")),
    })?;
    let limit = Duration::from_secs(opts.timeout_seconds.max(1));
    let out = match tokio::time::timeout(limit, child.wait_with_output()).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Err(fail(format!("printing: waiting for `{program}`: {e}"))),
        Err(_) => return Err(fail(format!("printing: `{program}` did not finish within {}s", limit.as_secs()))),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).trim().chars().take(500).collect::<String>();
        let said = if stderr.is_empty() { stdout } else { stderr };
        return Err(fail(format!("printing: `{program}` failed ({}): {said}", out.status)));
    }
    Ok(if stdout.is_empty() { "sent to the printer".into() } else { stdout })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_names_are_checked() {
        check_printer("Office_Laser-2").unwrap();
        for bad in ["", "two words", "a/b", "-d", "x#1"] {
            assert!(check_printer(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_missing_program_is_named_with_its_package() {
        let opts = PrintOptions { program: "/nonexistent/lp".into(), timeout_seconds: 5 };
        let job = PrintJob { printer: None, title: "t", file_name: "f.pdf", bytes: b"%PDF" };
        let e = print(&opts, &job).await.unwrap_err().to_string();
        assert!(e.contains("printing needs the CUPS client `lp` (Debian package cups-client)"), "{e}");
    }

    #[tokio::test]
    async fn a_failing_program_gives_its_stderr_and_a_slow_one_is_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let script = |name: &str, body: &str| {
            use std::os::unix::fs::PermissionsExt;
            let p = dir.path().join(name);
            std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
            p
        };
        let job = PrintJob { printer: Some("nowhere"), title: "t", file_name: "f.pdf", bytes: b"%PDF" };
        let failing = PrintOptions {
            program: script("lp-fail", "echo 'lp: The printer or class does not exist.' >&2; exit 1"),
            timeout_seconds: 5,
        };
        let e = print(&failing, &job).await.unwrap_err().to_string();
        assert!(e.contains("The printer or class does not exist."), "{e}");
        let slow = PrintOptions { program: script("lp-slow", "sleep 30"), timeout_seconds: 1 };
        let e = print(&slow, &job).await.unwrap_err().to_string();
        assert!(e.contains("did not finish within 1s"), "{e}");
    }
}
