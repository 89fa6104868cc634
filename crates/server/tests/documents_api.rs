//! The document endpoints over HTTP: previews of a fax before it is submitted (the same checks
//! and problems as a submission, nothing stored), scaled page pictures, whole documents as TIFF
//! and PDF read back by libtiff and Ghostscript, and who may fetch what.
//!
//! Ghostscript (`gs`) and libtiff's `tiffinfo` are the outside readers; where they are missing
//! the tests that need them do not run, except under CI=true, where they fail.

#[path = "../../route/tests/support/ghostscript.rs"]
mod ghostscript;
mod support;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use support::{Faxd, loopback_config};

/// A two-page text document.
const TWO_PAGES: &[u8] = b"Dear pharmacy,\nplease refill the prescription.\n\x0cPage two.\n";

impl Faxd {
    /// Posts a multipart fax (parts `fax`, `document` and optionally `coverpage`) to `path`.
    async fn multipart(
        &self,
        path: &str,
        token: &str,
        fax: Value,
        document: &[u8],
        coverpage: Option<&[u8]>,
    ) -> (u16, Value) {
        let mut form = reqwest::multipart::Form::new()
            .part("fax", reqwest::multipart::Part::text(fax.to_string()).mime_str("application/json").unwrap())
            .part("document", reqwest::multipart::Part::bytes(document.to_vec()).file_name("letter.txt"));
        if let Some(c) = coverpage {
            form = form.part("coverpage", reqwest::multipart::Part::bytes(c.to_vec()).file_name("cover.svg"));
        }
        let r = self.http.post(format!("{}{path}", self.url)).bearer_auth(token).multipart(form).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    async fn preview(&self, fax: Value, document: &[u8]) -> (u16, Value) {
        self.multipart("/v1/previews", &self.admin.clone(), fax, document, None).await
    }

    /// GET with a token: status, headers and body.
    async fn fetch(&self, path: &str, token: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let r = self.http.get(format!("{}{path}", self.url)).bearer_auth(token).send().await.unwrap();
        (r.status().as_u16(), r.headers().clone(), r.bytes().await.unwrap().to_vec())
    }

    async fn job_count(&self) -> usize {
        self.get("/v1/jobs").await["jobs"].as_array().unwrap().len()
    }
}

/// A PNG's width, height and pixels (one byte each: grey or palette index).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// The PNG of a `data:image/png;base64,` URL.
fn data_url_png(url: &Value) -> Vec<u8> {
    let b64 = url.as_str().unwrap().strip_prefix("data:image/png;base64,").expect("a PNG data URL");
    base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
}

/// Whether an outside program can be run: when it cannot, a note (the test does not run)
/// or, under CI=true, a failure.
fn tool(program: &str, package: &str) -> bool {
    match Command::new(program).arg("--help").output() {
        Ok(_) => true,
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("`{program}` (Debian package {package}) is needed by this test under CI")
        }
        Err(_) => {
            eprintln!("`{program}` is not installed; this test does not run here (it must under CI=true)");
            false
        }
    }
}

/// The page count Ghostscript reads in a PDF.
fn gs_page_count(pdf: &Path) -> u32 {
    let out = Command::new("gs")
        .args(["-q", "-dNODISPLAY", "-dNOSAFER", "-c"])
        .arg(format!("({}) (r) file runpdfbegin pdfpagecount = quit", pdf.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "gs: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("gs prints the page count")
}

/// The pages (directories) libtiff's tiffinfo finds in a TIFF, and its report.
fn tiffinfo_pages(tiff: &Path) -> (usize, String) {
    let out = Command::new("tiffinfo").arg(tiff).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tiffinfo: {report}");
    (report.matches("TIFF Directory at offset").count(), report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_draws_the_pages_as_sent_and_stores_nothing() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let fax = json!({
        "fax_number": "100", "recipient_name": "Ann Smith", "sender_name": "Dr Jones",
        "send_coverpage": true, "server_coverpage": true, "coverpage_name": "classic",
    });
    let (s, v) = f.preview(fax.clone(), TWO_PAGES).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!((v["page_count"].as_u64(), v["cover_pages"].as_u64()), (Some(3), Some(1)), "{v}");
    let pages = v["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 3);
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(p["number"], i + 1);
        assert_eq!(p["cover"], i == 0, "only page 1 is the cover page");
        let (w, h, pixels) = decode_png(&data_url_png(&p["png"]));
        assert_eq!((w, h), (400, p["height"].as_u64().unwrap() as u32));
        assert_eq!(p["width"], 400);
        // An A4 page (297 mm high) on a 1728-dot line (215 mm wide), in square pixels.
        assert!((548..=556).contains(&h), "page {} is {w} × {h}", i + 1);
        assert!(pixels.iter().any(|&g| g < 128), "page {} has ink", i + 1);
    }

    // Branding (on by default) is drawn on every page; off, the pages differ.
    let branded: Vec<Vec<u8>> = pages.iter().map(|p| data_url_png(&p["png"])).collect();
    let (s, _) = f.patch("/v1/server", json!({"branding": false})).await;
    assert_eq!(s, 200);
    let (_, plain) = f.preview(fax.clone(), TWO_PAGES).await;
    let plain: Vec<Vec<u8>> = plain["pages"].as_array().unwrap().iter().map(|p| data_url_png(&p["png"])).collect();
    assert_ne!(plain[0], branded[0], "the cover page is branded too");
    for i in 1..3 {
        // The text pages have a blank top margin, where the branding line goes.
        let ink = |png: &[u8]| decode_png(png).2[..400 * 12].iter().filter(|&&g| g < 200).count();
        assert_eq!(ink(&plain[i]), 0, "page {}", i + 1);
        assert!(ink(&branded[i]) > 30, "page {}: the branding line is at the top", i + 1);
    }

    // The cover page is filled for the first recipient of a broadcast; each fax has 3 pages.
    let broadcast = json!({
        "recipients": [{"fax_number": "100", "recipient_name": "Ann"}, {"fax_number": "200", "recipient_name": "Bob"}],
        "send_coverpage": true, "server_coverpage": true, "coverpage_name": "classic",
    });
    let (s, v) = f.preview(broadcast, TWO_PAGES).await;
    assert_eq!((s, v["page_count"].as_u64()), (200, Some(3)), "{v}");

    // Nothing was kept: no job, no document row, no page file.
    assert_eq!(f.job_count().await, 0);
    assert!(f.core.store.document_dirs().await.unwrap().is_empty());
    let files = walk(&f.dir.path().join("documents"));
    assert!(files.is_empty(), "no page files: {files:?}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.flatten().flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] }).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_refuses_what_a_submission_refuses_with_the_same_problem() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let admin = f.admin.clone();
    // What, the fax part, the document, the personal cover page, the status.
    type Case<'a> = (&'a str, Value, &'a [u8], Option<&'a [u8]>, u16);
    let cases: Vec<Case> = vec![
        ("empty number", json!({"fax_number": ""}), b"text", None, 422),
        ("bad number", json!({"fax_number": "call me"}), b"text", None, 422),
        ("unsupported file", json!({"fax_number": "100"}), b"\x7fELF\x02\x01\x01\0\xff\xfe", None, 415),
        ("21-character TSID", json!({"fax_number": "100", "tsid": "123456789012345678901"}), b"text", None, 422),
        ("empty file", json!({"fax_number": "100"}), b"", None, 422),
        (
            "cover page that is no template",
            json!({"fax_number": "100", "send_coverpage": true}),
            b"text",
            Some(b"\xff\xfe\x00"),
            415,
        ),
        (
            "unknown cover page field",
            json!({"fax_number": "100", "send_coverpage": true}),
            b"text",
            Some(b"To {colour}"),
            422,
        ),
    ];
    for (what, fax, doc, cover, status) in cases {
        let (s1, submitted) = f.multipart("/v1/jobs", &admin, fax.clone(), doc, cover).await;
        let (s2, previewed) = f.multipart("/v1/previews", &admin, fax, doc, cover).await;
        assert_eq!((s1, s2), (status, status), "{what}: {submitted} / {previewed}");
        assert_eq!(previewed, submitted, "{what}: the same problem, field and words");
        assert!(previewed["field"].is_string(), "{what}: the problem names its field: {previewed}");
    }
    let (s, v) = f.preview(json!({"fax_number": ""}), b"text").await;
    assert_eq!((s, v["field"].as_str()), (422, Some("fax_number")), "{v}");
    let (s, v) = f.preview(json!({"fax_number": "100", "tsid": "123456789012345678901"}), b"text").await;
    assert_eq!((s, v["field"].as_str()), (422, Some("tsid")), "{v}");
    assert_eq!(v["type"], "urn:ferrofax:problem:invalid-value");
    // A body without the fax part is malformed, as for a submission.
    let form = reqwest::multipart::Form::new().part("document", reqwest::multipart::Part::bytes(b"x".to_vec()));
    let r = f.http.post(format!("{}/v1/previews", f.url)).bearer_auth(&admin).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(f.job_count().await, 0, "nothing refused was kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_pictures_scale_to_the_width_asked_and_only_owners_fetch_documents() {
    let f = Faxd::start(loopback_config(1.0)).await;
    f.patch("/v1/server", json!({"pause_server_queue": true})).await;
    let alice = f.token_for("alice", "user").await;
    let bob = f.token_for("bob", "user").await;
    let (s, v) = f.multipart("/v1/jobs", &alice, json!({"fax_number": "100"}), TWO_PAGES, None).await;
    assert_eq!(s, 201, "{v}");
    let id = v["job_ids"][0].as_i64().unwrap();

    let (s, headers, png) = f.fetch(&format!("/v1/jobs/{id}/pages/1.png?width=100"), &alice).await;
    assert_eq!((s, headers["content-type"].to_str().unwrap()), (200, "image/png"));
    let (w, h, _) = decode_png(&png);
    assert_eq!(w, 100);
    assert!((137..=139).contains(&h), "square pixels keep the page's proportions: {w} × {h}");
    let (_, _, full) = f.fetch(&format!("/v1/jobs/{id}/pages/1.png"), &alice).await;
    assert_eq!(ferrofax_render::preview::read_bitmap_png(&full).unwrap().width(), 1728, "unscaled as before");
    for bad in ["49", "1729", "wide", "-5"] {
        let (s, v) = f.call(Method::GET, &format!("/v1/jobs/{id}/pages/1.png?width={bad}"), &alice, None).await;
        assert_eq!((s, v["field"].as_str()), (422, Some("width")), "width={bad}: {v}");
    }
    let (s, v) = f.call(Method::GET, &format!("/v1/jobs/{id}/pages/1?width=100"), &alice, None).await;
    assert_eq!(s, 422, "a TIFF page is not scaled: {v}");

    // Bob sees neither Alice's pages nor her document; Alice gets both.
    for path in [format!("/v1/jobs/{id}/pages/1.png?width=100"), format!("/v1/jobs/{id}/document?format=pdf")] {
        let (s, v) = f.call(Method::GET, &path, &bob, None).await;
        assert_eq!((s, v["type"].as_str()), (404, Some("urn:ferrofax:problem:not-found")), "{path}: {v}");
    }
    let (s, headers, pdf) = f.fetch(&format!("/v1/jobs/{id}/document?format=pdf"), &alice).await;
    assert_eq!((s, headers["content-type"].to_str().unwrap()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    let (s, headers, _) = f.fetch(&format!("/v1/jobs/{id}/document"), &f.admin).await;
    assert_eq!((s, headers["content-type"].to_str().unwrap()), (200, "image/tiff"), "admins see every job");
    let (s, v) = f.call(Method::GET, &format!("/v1/jobs/{id}/document?format=docx"), &alice, None).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("format")), "{v}");
    let (s, _) = f.call(Method::GET, "/v1/jobs/999/document", &alice, None).await;
    assert_eq!(s, 404);
    // Bob may still preview (nothing of anyone's is involved).
    let (s, _) = f.multipart("/v1/previews", &bob, json!({"fax_number": "100"}), TWO_PAGES, None).await;
    assert_eq!(s, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_download_as_tiff_and_pdf_that_libtiff_and_ghostscript_read() {
    let gs = ghostscript::ghostscript().is_some();
    let tiffinfo = tool("tiffinfo", "libtiff-tools");
    if !gs || !tiffinfo {
        return;
    }
    let f = Faxd::start(loopback_config(1.0)).await;
    let admin = f.admin.clone();
    let tmp = tempfile::tempdir().unwrap();
    let fax =
        json!({"fax_number": "100", "send_coverpage": true, "server_coverpage": true, "coverpage_name": "classic"});
    let (s, v) = f.multipart("/v1/jobs", &admin, fax, TWO_PAGES, None).await;
    assert_eq!(s, 201, "{v}");
    let id = v["job_ids"][0].as_i64().unwrap();

    // What the job sends: cover page + two pages.
    let (s, headers, pdf) = f.fetch(&format!("/v1/jobs/{id}/document?format=pdf"), &admin).await;
    assert_eq!(s, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["content-disposition"].to_str().unwrap(), format!("attachment; filename=\"fax-{id}.pdf\""));
    let pdf_path = tmp.path().join("sent.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    assert_eq!(gs_page_count(&pdf_path), 3);
    let (s, headers, tiff) = f.fetch(&format!("/v1/jobs/{id}/document"), &admin).await;
    assert_eq!((s, headers["content-type"].to_str().unwrap()), (200, "image/tiff"));
    assert_eq!(headers["content-disposition"].to_str().unwrap(), format!("attachment; filename=\"fax-{id}.tif\""));
    let tiff_path = tmp.path().join("sent.tif");
    std::fs::write(&tiff_path, &tiff).unwrap();
    let (pages, report) = tiffinfo_pages(&tiff_path);
    assert_eq!(pages, 3, "{report}");
    assert!(report.contains("CCITT Group 4"), "{report}");

    // Once sent, it arrives; the received fax downloads from the job and from the inbox.
    f.advance_until(id, 1000, 30 * 60_000, |j| j["queue_status"] == "completed").await;
    let received = f.received_after(id).await;
    for path in
        [format!("/v1/jobs/{received}/document?format=pdf"), format!("/v1/inbox/{received}/document?format=pdf")]
    {
        let (s, headers, pdf) = f.fetch(&path, &admin).await;
        assert_eq!((s, headers["content-type"].to_str().unwrap()), (200, "application/pdf"), "{path}");
        std::fs::write(&pdf_path, &pdf).unwrap();
        assert_eq!(gs_page_count(&pdf_path), 3, "{path}");
    }
    let (s, headers, tiff) = f.fetch(&format!("/v1/inbox/{received}/document"), &admin).await;
    assert_eq!((s, headers["content-type"].to_str().unwrap()), (200, "image/tiff"), "TIFF stays the inbox's default");
    std::fs::write(&tiff_path, &tiff).unwrap();
    let (pages, report) = tiffinfo_pages(&tiff_path);
    assert_eq!(pages, 3, "{report}");
    assert!(report.contains("tsid=+1 555 0100"), "the fax's metadata: {report}");
    let (s, v) = f.call(Method::GET, &format!("/v1/inbox/{received}/document?format=gif"), &admin, None).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("format")), "{v}");
    let (s, _) = f.call(Method::GET, &format!("/v1/inbox/{id}/document?format=pdf"), &admin, None).await;
    assert_eq!(s, 404, "a sent fax is not in the inbox");
}

/// How long a preview of a ten-page PDF takes, converted by the real worker process as faxd
/// does it (reported; bounded loosely so that a regression by an order of magnitude fails).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_page_pdf_previews_in_reasonable_time() {
    if ghostscript::ghostscript().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let letter = Path::new(env!("CARGO_MANIFEST_DIR")).join("../render/tests/data/letter.pdf");
    let ten = tmp.path().join("ten.pdf");
    let st = Command::new("gs")
        .args(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite"])
        .arg(format!("-sOutputFile={}", ten.display()))
        .args(std::iter::repeat_n(&letter, 10))
        .status()
        .unwrap();
    assert!(st.success());
    let pdf = std::fs::read(&ten).unwrap();
    let mut config = loopback_config(1.0);
    config.conversion_worker = Some(env!("CARGO_BIN_EXE_faxd").into());
    let f = Faxd::start(config).await;
    let fax =
        json!({"fax_number": "100", "send_coverpage": true, "server_coverpage": true, "coverpage_name": "classic"});
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let (s, v) = f.preview(fax.clone(), &pdf).await;
        times.push(started.elapsed());
        assert_eq!((s, v["page_count"].as_u64()), (200, Some(11)), "{v}");
        assert_eq!(v["pages"].as_array().unwrap().len(), 11);
    }
    let started = Instant::now();
    let (s, _) = f.multipart("/v1/jobs", &f.admin.clone(), fax.clone(), &pdf, None).await;
    let submit = started.elapsed();
    assert_eq!(s, 201);
    eprintln!(
        "preview of a 10-page PDF with a cover page ({}): {:?}; its submission: {submit:?}",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        times
    );
    let best = times.iter().min().unwrap();
    assert!(best.as_secs_f64() < if cfg!(debug_assertions) { 60.0 } else { 10.0 }, "{times:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_the_document_endpoints() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let doc: Value = f.http.get(format!("{}/v1/openapi.json", f.url)).send().await.unwrap().json().await.unwrap();
    let paths = &doc["paths"];
    assert!(paths["/v1/previews"]["post"].is_object(), "{}", paths["/v1/previews"]);
    assert!(paths["/v1/jobs/{id}/document"]["get"].is_object());
    let names = |path: &str| -> Vec<String> {
        paths[path]["get"]["parameters"].as_array().unwrap().iter().map(|p| p["name"].to_string()).collect()
    };
    assert!(names("/v1/jobs/{id}/document").contains(&"\"format\"".into()));
    assert!(names("/v1/inbox/{id}/document").contains(&"\"format\"".into()));
    assert!(names("/v1/jobs/{id}/pages/{n}").contains(&"\"width\"".into()));
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in ["PreviewResponse", "PreviewPage"] {
        assert!(schemas.contains_key(s), "schema {s} is missing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_as_sent_carry_the_branding_line_the_far_end_received() {
    let f = Faxd::start(loopback_config(5.0)).await;
    let token = f.admin.clone();
    let (id, received) = f.fax_through(json!({"fax_number": "100"}), "Page one\x0cPage two").await;
    let got = f.received_pages(received).await;
    let ink_on_top = |bytes: &[u8]| {
        let (w, _, pixels) = decode_png(bytes);
        pixels[..(w * 12) as usize].iter().filter(|&&g| g < 200).count()
    };
    for n in 1..=2u32 {
        // As stored: no branding line at the top. As sent: the line, and the same pixels the
        // receiving port stored.
        let (s, _, stored) = f.fetch(&format!("/v1/jobs/{id}/pages/{n}.png?width=400"), &token).await;
        assert_eq!(s, 200);
        let (s, _, sent) = f.fetch(&format!("/v1/jobs/{id}/pages/{n}.png?width=400&sent=true"), &token).await;
        assert_eq!(s, 200);
        assert_eq!(ink_on_top(&stored), 0, "page {n} as stored");
        assert!(ink_on_top(&sent) > 30, "page {n} as sent has its branding line");
        let (s, _, tiff) = f.fetch(&format!("/v1/jobs/{id}/pages/{n}?sent=true"), &token).await;
        assert_eq!(s, 200);
        let sent_page = support::tiff_pages(&tiff).remove(0).0;
        assert_eq!(sent_page, got[n as usize - 1].0, "page {n} as sent is the page received");
    }
    let (s, _, doc) = f.fetch(&format!("/v1/jobs/{id}/document?sent=true"), &token).await;
    assert_eq!(s, 200);
    let pages: Vec<_> = support::tiff_pages(&doc).into_iter().map(|(b, _)| b).collect();
    assert_eq!(pages, got.iter().map(|(b, _)| b.clone()).collect::<Vec<_>>(), "the document as sent");
    // A received fax has no other form.
    let (s, _, body) = f.fetch(&format!("/v1/jobs/{received}/document?sent=true"), &token).await;
    assert_eq!(s, 422, "{}", String::from_utf8_lossy(&body));
}
