//! A local server for the documentation examples: starts `faxd` from the `FAXD_BIN`
//! environment variable or next to the running test binary, on a free port and a temporary
//! data directory, and stops it when dropped. Not part of the API.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running faxd for examples.
pub struct DocServer {
    child: Child,
    dir: PathBuf,
}

impl Drop for DocServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn faxd_path() -> PathBuf {
    if let Some(p) = std::env::var_os("FAXD_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("current exe");
    let mut dir = exe.parent().expect("exe dir").to_path_buf();
    for _ in 0..4 {
        if dir.join("faxd").is_file() {
            return dir.join("faxd");
        }
        if !dir.pop() {
            break;
        }
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.join("../../target/debug/faxd")
}

/// Starts faxd and returns its URL, the admin token and the guard.
pub async fn server() -> (String, String, DocServer) {
    let dir = std::env::temp_dir().join(format!("ferrofax-doc-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
    let child = Command::new(faxd_path())
        .arg("--data-dir")
        .arg(&dir)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("faxd must be built (cargo build --workspace) to run the examples");
    let guard = DocServer { child, dir: dir.clone() };
    for _ in 0..200 {
        if let Ok(t) = std::fs::read_to_string(dir.join("admin.token"))
            && dir.join("faxd.url").exists()
        {
            return (format!("http://127.0.0.1:{port}"), t.trim().to_string(), guard);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("faxd did not start");
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}
