//! Documents converted at submit time by the real `faxd convert-worker` process: a PDF and a
//! picture become pages that can be previewed; a decompression bomb, a picture too large to
//! decode and a PDF with too many pages are refused with clear errors while the server goes on
//! serving.

#[path = "../../render/tests/support/pdf_writer.rs"]
mod pdf_writer;
mod support;

use std::time::{Duration, Instant};

use ferrofax_server::config::Limits;
use serde_json::json;
use support::{Faxd, loopback_config};

fn data(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../render/tests/data").join(name);
    std::fs::read(p).unwrap()
}

/// A one-page PDF whose content stream inflates to `inflated` bytes of nothing.
fn pdf_bomb(inflated: usize) -> Vec<u8> {
    let zeros = vec![b' '; inflated];
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(&zeros, 6);
    pdf_writer::build_pdf(&[
        ("<< /Type /Catalog /Pages 2 0 R >>".into(), None),
        ("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(), None),
        ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".into(), None),
        (format!("<< /Length {} /Filter /FlateDecode >>", packed.len()), Some(&packed)),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_documents_are_converted_in_a_worker_held_to_its_limits() {
    let mut config = loopback_config(1.0);
    config.conversion_worker = Some(env!("CARGO_BIN_EXE_faxd").into());
    config.limits = Limits {
        conversion_memory_mb: 400,
        conversion_seconds: 20,
        max_image_megapixels: 50,
        max_pages: 50,
        ..Limits::default()
    };
    let f = Faxd::start(config).await;
    let admin = f.admin.clone();

    // A real PDF (fonts embedded by Ghostscript) and a JPEG photograph convert to one page each.
    for (name, doc) in [("letter.pdf", data("letter.pdf")), ("photo.jpg", data("photo.jpg"))] {
        let (s, v) = f.submit_as(&admin, json!({"fax_number": "100"}), doc, name).await;
        assert_eq!(s, 201, "{name}: {v}");
        assert_eq!(v["page_count"], 1, "{name}: {v}");
        let id = v["job_ids"][0].as_i64().unwrap();
        let png = f.http.get(format!("{}/v1/jobs/{id}/pages/1.png", f.url)).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(png.status(), 200);
        assert_eq!(png.headers()["content-type"], "image/png");
        let bytes = png.bytes().await.unwrap();
        let page = ferrofax_render::preview::read_bitmap_png(&bytes).unwrap();
        assert_eq!(page.width(), 1728);
        assert!(page.black_pixels() > 20_000, "{name} has ink");
    }
    let (s, _) = f.call(reqwest::Method::GET, "/v1/jobs/1/pages/one.png", &admin, None).await;
    assert_eq!(s, 404);

    // A content stream that inflates to 1 GB: the worker runs out of its 400 MB and is stopped.
    let started = Instant::now();
    let (s, v) = f.submit_as(&admin, json!({"fax_number": "100"}), pdf_bomb(1 << 30), "bomb.pdf").await;
    assert!(s == 413 || s == 422, "{v}");
    eprintln!("bomb: {v}");
    assert!(!v["detail"].as_str().unwrap().is_empty(), "{v}");
    assert!(started.elapsed() < Duration::from_secs(25), "answered within the conversion time limit");

    // A PNG whose header claims 20000 × 20000 pixels (400 MP > 50 MP): refused before decoding.
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, 20_000, 20_000);
        enc.set_color(png::ColorType::Grayscale);
        let mut w = enc.write_header().unwrap();
        w.write_chunk(png::chunk::IDAT, &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]).unwrap();
        std::mem::forget(w); // no image data follows; the header is the point
    }
    let (s, v) = f.submit_as(&admin, json!({"fax_number": "100"}), png, "huge.png").await;
    assert_eq!(s, 413, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("megapixels"), "{v}");

    // The server still takes work.
    let (s, v) = f.submit_as(&admin, json!({"fax_number": "100"}), b"still here".to_vec(), "t.txt").await;
    assert_eq!(s, 201, "{v}");
}
