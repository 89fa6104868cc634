//! Print routing through `lp` found on PATH: a stand-in `lp` first on PATH checks what faxd
//! runs (printer, title, a PDF of the fax); with no `lp` on PATH the fax's routing fails naming
//! the package to install. PATH belongs to the whole process, so this file holds one test.

mod support;

use std::os::unix::fs::PermissionsExt;

use serde_json::json;
use support::{Faxd, loopback_config};

/// Runs `test` in a fresh runtime with PATH set to `path` (no other thread of this process
/// runs meanwhile).
fn with_path(path: &str, test: impl AsyncFnOnce()) {
    // SAFETY: this binary has one test, and no runtime or other thread exists while PATH changes.
    unsafe { std::env::set_var("PATH", path) };
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap().block_on(test());
}

#[test]
fn print_routing_runs_lp_from_path_and_names_its_package_when_missing() {
    let bin = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let lp = bin.path().join("lp");
    std::fs::write(
        &lp,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > {out}/args\nfor f; do :; done\ncp \"$f\" {out}/printed\n\
             echo 'request id is Office-42 (1 file(s))'\n",
            out = out.path().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&lp, std::fs::Permissions::from_mode(0o755)).unwrap();
    let system_path = std::env::var("PATH").unwrap_or_default();

    with_path(&format!("{}:{system_path}", bin.path().display()), async || {
        let f = Faxd::start(loopback_config(1.0)).await;
        let (s, v) = f
            .patch(
                "/v1/ports/loop2/routing",
                json!([{"method": "print", "enable": true, "routing_data": "Office|pdf"}]),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let (_, id) = f.fax_through(json!({"fax_number": "100"}), "One\x0cTwo").await;
        f.wait_job(id, "printing", |j| j["detail"] == "received and routed").await;
        let args = std::fs::read_to_string(out.path().join("args")).unwrap();
        let args: Vec<&str> = args.lines().collect();
        assert_eq!(args[..4], ["-d", "Office", "-t", &format!("Fax {id} from +1 555 0100")]);
        assert!(args[4].ends_with(&format!("/fax-{id}.pdf")), "{args:?}");
        assert!(!std::path::Path::new(args[4]).exists(), "the temporary file is removed after printing");
        let pdf = std::fs::read(out.path().join("printed")).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(String::from_utf8_lossy(&pdf).contains("/Count 2"), "two pages");
        let routing = f.get("/v1/inbox").await[0]["routing"].as_str().unwrap().to_string();
        assert_eq!(routing, "print: printed on Office: request id is Office-42 (1 file(s))");
    });

    let empty = tempfile::tempdir().unwrap();
    with_path(&empty.path().display().to_string(), async || {
        let f = Faxd::start(loopback_config(1.0)).await;
        let (s, _) = f.patch("/v1/ports/loop2/routing", json!([{"method": "print", "enable": true}])).await;
        assert_eq!(s, 200, "no printer: the default one");
        let (_, id) = f.fax_through(json!({"fax_number": "100"}), "x").await;
        let j = f.wait_job(id, "routing failed", |j| j["type"] == "routing").await;
        let detail = j["detail"].as_str().unwrap();
        assert!(detail.contains("print: printing needs the CUPS client `lp` (Debian package cups-client)"), "{detail}");
    });
}
