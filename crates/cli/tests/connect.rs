//! Which server `fax` talks to, with which token, and how it says it cannot: the local faxd's
//! admin token (found on disk) goes only to the faxd its data directory records, a token given
//! explicitly goes where the user says, an address without `http://` is refused saying so, and
//! errors are one plain line, with RUST_BACKTRACE set or not. Stand-in servers record the
//! Authorization header of each request and refuse it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// A stand-in server: answers every request 401 and keeps each request's Authorization header.
struct Recorder {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut auth = String::from("(none)");
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("authorization")
                    {
                        auth = value.trim().to_string();
                    }
                    line.clear();
                }
                log.lock().unwrap().push(auth);
                let body = r#"{"type":"https://ferrofax.dev/problems/unauthorized","title":"Unauthorized","status":401,"detail":"the token is not valid"}"#;
                let _ = write!(
                    stream,
                    "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Recorder { url, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// `fax ARGS…` with the data directory `data` and the given environment, backtraces asked for.
fn fax(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fax"));
    cmd.args(args).env("FAXD_DATA_DIR", data).env_remove("FAX_URL").env_remove("FAX_TOKEN");
    cmd.env("RUST_BACKTRACE", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// A failure's message: one line naming fax, no Rust debugging output; returns it.
fn plain_failure(what: &str, out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{what} fails");
    assert!(err.starts_with("fax: "), "{what}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: one line: {err}");
    for debug in ["Caused by", "backtrace", "Error {", "Os {", "panicked", "kind:"] {
        assert!(!err.contains(debug), "{what}: `{debug}` in {err}");
    }
    err
}

/// A data directory like the local faxd's: its address and its admin token.
fn local_faxd(dir: &Path, url: &str) {
    std::fs::write(dir.join("faxd.url"), format!("{url}\n")).unwrap();
    std::fs::write(dir.join("admin.token"), "ffx_local_admin\n").unwrap();
}

#[test]
fn the_admin_token_on_disk_goes_only_to_the_local_faxd() {
    let data = tempfile::tempdir().unwrap();
    let (local, elsewhere) = (Recorder::start(), Recorder::start());
    local_faxd(data.path(), &local.url);

    // Another server, no token given: nothing is sent, and the user is told what to do.
    let err = plain_failure("another server", &fax(data.path(), &["--url", &elsewhere.url, "jobs"], &[]));
    assert!(err.contains("--token") && err.contains(&local.url), "{err}");
    assert!(elsewhere.seen().iter().all(|a| !a.contains("ffx_local_admin")), "{:?}", elsewhere.seen());
    let err =
        plain_failure("another server from FAX_URL", &fax(data.path(), &["jobs"], &[("FAX_URL", &elsewhere.url)]));
    assert!(err.contains("FAX_TOKEN"), "{err}");
    assert!(elsewhere.seen().is_empty(), "{:?}", elsewhere.seen());

    // A token given explicitly goes where the user says.
    plain_failure(
        "a refused token",
        &fax(data.path(), &["--url", &elsewhere.url, "--token", "ffx_given", "jobs"], &[]),
    );
    plain_failure(
        "a refused token",
        &fax(data.path(), &["jobs"], &[("FAX_URL", &elsewhere.url), ("FAX_TOKEN", "ffx_env")]),
    );
    assert_eq!(elsewhere.seen(), ["Bearer ffx_given", "Bearer ffx_env"]);

    // The local faxd gets its own token, however its address is written.
    let port = local.url.rsplit(':').next().unwrap();
    plain_failure("refused by the stand-in", &fax(data.path(), &["jobs"], &[]));
    plain_failure(
        "refused by the stand-in",
        &fax(data.path(), &["--url", &format!("http://localhost:{port}/"), "jobs"], &[]),
    );
    assert_eq!(local.seen(), ["Bearer ffx_local_admin", "Bearer ffx_local_admin"]);
}

#[test]
fn an_address_without_a_scheme_is_refused_saying_how_to_write_it() {
    let data = tempfile::tempdir().unwrap();
    local_faxd(data.path(), "http://127.0.0.1:9");
    for (args, env) in [
        (vec!["--url", "localhost:8025", "jobs"], vec![]),
        (vec!["--token", "ffx_x", "ports"], vec![("FAX_URL", "localhost:8025")]),
    ] {
        let err = plain_failure("localhost:8025", &fax(data.path(), &args, &env));
        assert!(err.contains("add `http://`") && err.contains("http://localhost:8025"), "{err}");
    }
    let err = plain_failure("ftp", &fax(data.path(), &["--url", "ftp://fax.example.com", "--token", "t", "jobs"], &[]));
    assert!(err.contains("http:// or https://"), "{err}");
}

#[test]
fn errors_are_one_plain_line() {
    let data = tempfile::tempdir().unwrap();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    local_faxd(data.path(), &format!("http://{closed}"));
    let err = plain_failure("no server", &fax(data.path(), &["jobs"], &[]));
    assert!(err.contains("cannot reach the fax server"), "{err}");
    let err = plain_failure("a missing file", &fax(data.path(), &["tiff", "info", "/nonexistent.tif"], &[]));
    assert!(err.contains("reading /nonexistent.tif"), "{err}");
    let refusing = Recorder::start();
    let err = plain_failure("refused", &fax(data.path(), &["--url", &refusing.url, "--token", "t", "ports"], &[]));
    assert!(err.contains("the token is not valid"), "{err}");
}
