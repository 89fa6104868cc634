//! faxd as a well-behaved daemon, run as a real process: it stops within seconds on SIGTERM
//! while an event stream is open, and a second faxd refuses a data directory that one holds.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills faxd when the test ends, passing or not.
struct Faxd(Child);

impl Drop for Faxd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn faxd(dir: &Path, port: u16) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_faxd"));
    c.arg("--data-dir").arg(dir).arg("--listen").arg(format!("127.0.0.1:{port}")).env("FAXD_LOG", "warn");
    c
}

async fn wait_until_up(url: &str) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Ok(r) = http.get(format!("{url}/v1/version")).send().await
            && r.status().as_u16() < 500
        {
            return url.to_string();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("faxd did not come up at {url}");
}

#[tokio::test]
async fn sigterm_stops_faxd_within_seconds_while_an_event_stream_is_open() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Faxd(faxd(tmp.path(), port).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    let url = wait_until_up(&format!("http://127.0.0.1:{port}")).await;
    let token = std::fs::read_to_string(tmp.path().join("admin.token")).unwrap().trim().to_string();
    // An event stream held open, as a console tab or `fax port watch` holds it.
    let stream = reqwest::Client::new().get(format!("{url}/v1/events")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let mut body = stream.bytes_stream();
    let reader = tokio::spawn(async move {
        use futures_util::StreamExt;
        while let Some(Ok(_)) = body.next().await {}
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = child.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let asked = Instant::now();
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(asked.elapsed() < Duration::from_secs(8), "faxd still running 8 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "faxd exits cleanly on SIGTERM: {status:?}");
    // The stream was ended by the server, not left hanging.
    tokio::time::timeout(Duration::from_secs(2), reader).await.expect("the stream ends").unwrap();
    // The port is free again: a new faxd can take over.
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("faxd let go of its port");
}

#[tokio::test]
async fn a_second_faxd_refuses_the_data_directory_and_names_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let first = Faxd(faxd(tmp.path(), port).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    let url = wait_until_up(&format!("http://127.0.0.1:{port}")).await;
    let written = std::fs::read_to_string(tmp.path().join("faxd.url")).unwrap();
    let second = faxd(tmp.path(), free_port()).output().unwrap();
    assert!(!second.status.success(), "the second faxd must not start");
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(said.contains("in use by another faxd"), "{said}");
    assert!(said.contains(&format!("process {}", first.0.id())), "names the holder: {said}");
    // The first one is untouched: its address file and its service.
    assert_eq!(std::fs::read_to_string(tmp.path().join("faxd.url")).unwrap(), written);
    assert!(reqwest::get(format!("{url}/v1/version")).await.unwrap().status().as_u16() < 500);
    // Once the first has stopped, the directory can be used again.
    drop(first);
    let mut again = Faxd(faxd(tmp.path(), free_port()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(again.0.try_wait().unwrap().is_none(), "a faxd on a free directory keeps running");
}
