//! The README's promise with the real binaries: faxd started with no configuration, `fax send`
//! of a TIFF (made by netpbm/libtiff, not by us) and of a text file to 100 both end Completed,
//! the faxes are in the inbox, and the received TIFF decodes (with libtiff) to the pixels sent;
//! searched for and downloaded as PDFs, they are read by Ghostscript.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::{Faxd, bin, fax, ok, peer};

/// A 1728×300 page as raw PBM: bars, a diagonal and a checker patch.
fn test_page() -> (u32, u32, Vec<u8>) {
    let (w, h) = (1728u32, 300u32);
    let stride = (w / 8) as usize;
    let mut bits = vec![0u8; stride * h as usize];
    let mut set = |x: u32, y: u32| bits[y as usize * stride + (x / 8) as usize] |= 0x80 >> (x % 8);
    for y in 0..h {
        for x in 0..w {
            let bar = (y / 20) % 2 == 0 && x > 100 && x < 100 + 5 * y;
            let diag = x.abs_diff(y * 5) < 3;
            let check = x > 1400 && y > 100 && ((x / 4) + (y / 4)) % 2 == 0;
            if bar || diag || check {
                set(x, y);
            }
        }
    }
    (w, h, bits)
}

fn pbm(w: u32, h: u32, bits: &[u8]) -> Vec<u8> {
    let mut v = format!("P4\n{w} {h}\n").into_bytes();
    v.extend_from_slice(bits);
    v
}

/// The raster of a raw PBM (P4) file.
fn pbm_raster(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).to_string();
    let mut fields = text.split_ascii_whitespace();
    assert_eq!(fields.next(), Some("P4"));
    let w: u32 = fields.next().unwrap().parse().unwrap();
    let h: u32 = fields.next().unwrap().parse().unwrap();
    let raster_len = (w as usize).div_ceil(8) * h as usize;
    (w, h, bytes[bytes.len() - raster_len..].to_vec())
}

#[test]
fn fresh_faxd_sends_tiff_and_text_to_100_and_they_arrive() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _faxd = Faxd(
        Command::new(bin("faxd"))
            .arg("--data-dir")
            .arg(&data)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .env("FAXD_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("faxd starts"),
    );
    let start = Instant::now();
    while !data.join("faxd.url").exists() {
        assert!(start.elapsed() < Duration::from_secs(30), "faxd did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let meta = std::fs::metadata(data.join("admin.token")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o600, "the admin token is private");

    // Without the branding line the page must arrive exactly as sent.
    let out = fax(&data, &["server", "set", "branding", "false"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // A TIFF made by netpbm (through libtiff), at fax resolution.
    let (w, h, bits) = test_page();
    let pbm_path = tmp.path().join("page.pbm");
    std::fs::write(&pbm_path, pbm(w, h, &bits)).unwrap();
    let tiff =
        peer(Command::new("pamtotiff").args(["-g4", "-xresolution", "204", "-yresolution", "196"]).arg(&pbm_path));
    let tiff_path = tmp.path().join("document.tif");
    std::fs::write(&tiff_path, &tiff.stdout).unwrap();

    let out = fax(&data, &["send", tiff_path.to_str().unwrap(), "--to", "100", "--wait", "--json"]);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(jobs[0]["queue_status"], "completed", "{jobs}");
    assert_eq!(jobs[0]["pages_confirmed"], 1);

    let text_path = tmp.path().join("letter.txt");
    std::fs::write(&text_path, "Dear pharmacy,\n\nplease refill the prescription.\n\x0cPage two.\n").unwrap();
    let out = fax(&data, &["send", text_path.to_str().unwrap(), "--to", "100", "--wait"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("page 2 of 2"), "progress is shown: {stdout}");
    assert!(stdout.contains("completed: 2/2 pages"), "{stdout}");

    let out = fax(&data, &["inbox", "--json"]);
    let inbox: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inbox = inbox.as_array().unwrap();
    assert_eq!(inbox.len(), 2, "{inbox:?}");
    assert!(inbox.iter().all(|f| f["called_number"] == "100"));
    let tiff_fax = inbox.iter().find(|f| f["page_count"] == 1).unwrap();

    let received = tmp.path().join("received.tif");
    let out = fax(&data, &["inbox", "get", &tiff_fax["job_id"].to_string(), "-o", received.to_str().unwrap()]);
    assert!(out.status.success());
    let info = peer(Command::new("tiffinfo").arg(&received));
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("tsid=+1 555 0100"), "{info}");
    let decoded = peer(Command::new("tifftopnm").arg(&received));
    let (rw, rh, raster) = pbm_raster(&decoded.stdout);
    assert_eq!((rw, rh), (w, h));
    assert!(raster == bits, "the received page has the pixels sent");

    // The same fax as a PDF, found by searching the inbox for the sender's TSID.
    let out = ok(fax(&data, &["inbox", "--search", "555 0100", "--json"]));
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 2, "{found}");
    let out = ok(fax(&data, &["inbox", "--search", "no such sender", "--json"]));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(), serde_json::json!([]));
    let received_pdf = tmp.path().join("received.pdf");
    ok(fax(&data, &["inbox", "get", &tiff_fax["job_id"].to_string(), "--pdf", "-o", received_pdf.to_str().unwrap()]));
    let info = peer(
        Command::new("gs")
            .args(["-q", "-dNODISPLAY", "-dNOSAFER", "-c"])
            .arg(format!("({}) (r) file runpdfbegin pdfpagecount = quit", received_pdf.display())),
    );
    assert_eq!(String::from_utf8_lossy(&info.stdout).trim(), "1");

    let out = fax(&data, &["jobs", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        all.as_array().unwrap().iter().filter(|j| j["type"] == "send" && j["queue_status"] == "completed").count(),
        2
    );

    // A PDF (converted by faxd's worker process) with the shipped "classic" cover page, and a
    // PNG preview of the cover.
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../render/tests/data/letter.pdf");
    let out = fax(
        &data,
        &[
            "send",
            pdf.to_str().unwrap(),
            "--to",
            "100",
            "--cover",
            "classic",
            "--cover-subject",
            "Refill",
            "--wait",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(jobs[0]["queue_status"], "completed", "{jobs}");
    assert_eq!(jobs[0]["page_count"], 2, "cover + letter: {jobs}");
    let preview = tmp.path().join("cover.png");
    let id = jobs[0]["job_id"].to_string();
    let out = fax(&data, &["job", "page", &id, "1", "-o", preview.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let png = peer(Command::new("pngtopnm").arg(&preview));
    let (pw, _, _) = pbm_raster(&png.stdout);
    assert_eq!(pw, 1728);

    // The whole job, cover page first, downloaded as fax-ID.pdf and found by its file name.
    let out = ok(fax(&data, &["jobs", "--search", "LETTER.PDF", "--json"]));
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<String> = found.as_array().unwrap().iter().map(|j| j["job_id"].to_string()).collect();
    assert_eq!(found, vec![id.clone()]);
    let out = ok(Command::new(bin("fax"))
        .args(["job", "download", &id, "--pdf"])
        .current_dir(tmp.path())
        .env("FAXD_DATA_DIR", &data)
        .env_remove("FAX_URL")
        .env_remove("FAX_TOKEN")
        .output()
        .unwrap());
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("fax-{id}.pdf")));
    let pdf = tmp.path().join(format!("fax-{id}.pdf"));
    let info = peer(
        Command::new("gs")
            .args(["-q", "-dNODISPLAY", "-dNOSAFER", "-c"])
            .arg(format!("({}) (r) file runpdfbegin pdfpagecount = quit", pdf.display())),
    );
    assert_eq!(String::from_utf8_lossy(&info.stdout).trim(), "2");
}
