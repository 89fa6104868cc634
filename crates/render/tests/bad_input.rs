//! Hostile and broken documents: each gets a clear error of the right kind, within the
//! configured page, pixel and time limits, and never a panic or a hang.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use ferrofax_render::{ConvertOptions, RenderError, RenderLimits, convert_to_pages};

#[path = "support/pdf_writer.rs"]
mod pdf_writer;

fn opts() -> ConvertOptions {
    ConvertOptions {
        limits: RenderLimits { max_pages: 500, max_time: Duration::from_secs(20), ..Default::default() },
        ..Default::default()
    }
}

fn refused(bytes: &[u8]) -> RenderError {
    let started = Instant::now();
    let e = convert_to_pages(bytes, &opts()).map(|(f, p)| (f, p.len())).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(20), "answered within the time limit");
    assert!(!e.to_string().is_empty());
    e
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], body: &[u8]) {
    out.extend((body.len() as u32).to_be_bytes());
    let mut c = kind.to_vec();
    c.extend(body);
    out.extend(&c);
    out.extend(crc32(&c).to_be_bytes());
}

#[test]
fn empty_and_unknown_documents() {
    assert!(matches!(refused(b""), RenderError::BadDocument(m) if m.contains("empty")));
    assert!(matches!(refused(&[0u8, 159, 146, 150, 0, 1]), RenderError::Unsupported(m) if m.contains("PDF")));
}

#[test]
fn corrupt_tiff() {
    // A header pointing at an IFD that runs off the end of the file.
    assert!(matches!(refused(b"II*\0\x08\0\0\0\x10\0\0\x01\x03\0"), RenderError::BadDocument(m) if m.contains("TIFF")));
    // A first IFD offset beyond the file.
    assert!(matches!(refused(b"MM\0*\x7f\xff\xff\xff"), RenderError::BadDocument(_)));
}

#[test]
fn headers_claiming_100000_by_100000_pixels() {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    png_chunk(&mut png, b"IEND", &[]);
    let e = refused(&png);
    assert!(matches!(&e, RenderError::Limit(m) if m.contains("100000 × 100000")), "{e}");

    // A bilevel TIFF of the same size, its strip a few bytes.
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    let entries: [(u16, u16, u32, u32); 8] = [
        (256, 4, 1, 100_000),
        (257, 4, 1, 100_000),
        (258, 3, 1, 1),
        (259, 3, 1, 4),
        (262, 3, 1, 0),
        (273, 4, 1, 200),
        (278, 4, 1, 100_000),
        (279, 4, 1, 4),
    ];
    tiff.extend((entries.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in entries {
        tiff.extend(tag.to_le_bytes());
        tiff.extend(kind.to_le_bytes());
        tiff.extend(count.to_le_bytes());
        tiff.extend(value.to_le_bytes());
    }
    tiff.extend([0; 4]);
    tiff.resize(204, 0);
    let e = refused(&tiff);
    assert!(matches!(&e, RenderError::Limit(_)), "{e}");
}

#[test]
fn truncated_jpeg() {
    let bytes = std::fs::read(data("photo.jpg")).unwrap();
    let e = refused(&bytes[..bytes.len() / 3]);
    assert!(matches!(&e, RenderError::BadDocument(m) if m.contains("JPEG")), "{e}");
}

/// A well-formed PDF of `pages` empty pages.
fn pdf_with_pages(pages: usize) -> Vec<u8> {
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", i + 3)).collect();
    let mut objects = vec![
        ("<< /Type /Catalog /Pages 2 0 R >>".to_string(), None),
        (format!("<< /Type /Pages /Kids [{}] /Count {pages} >>", kids.join(" ")), None),
    ];
    objects.extend((0..pages).map(|_| ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_string(), None)));
    pdf_writer::build_pdf(&objects)
}

#[test]
fn a_pdf_of_10000_pages_is_refused_before_rendering() {
    let pdf = pdf_with_pages(10_000);
    let started = Instant::now();
    let e = refused(&pdf);
    assert!(matches!(&e, RenderError::Limit(m) if m.contains("10000 pages")), "{e}");
    eprintln!("10,000-page PDF refused in {:?}", started.elapsed());
    // The same structure within the limit converts.
    let (_, pages) = convert_to_pages(&pdf_with_pages(3), &opts()).unwrap();
    assert_eq!(pages.len(), 3);
}

#[test]
fn damaged_pdf() {
    let mut pdf = std::fs::read(data("letter.pdf")).unwrap();
    pdf.truncate(400);
    let e = refused(&pdf);
    assert!(matches!(&e, RenderError::BadDocument(m) if m.contains("PDF")), "{e}");
}

/// Runs Ghostscript to make a test document; a missing Ghostscript fails the test.
fn ghostscript(args: &[&str]) {
    let out = Command::new("gs")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("gs (Debian package ghostscript) is needed: {e}"));
    assert!(out.status.success(), "gs: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn encrypted_pdfs() {
    let tmp = tempfile::tempdir().unwrap();
    let letter = data("letter.pdf");
    let locked = tmp.path().join("locked.pdf");
    let restricted = tmp.path().join("restricted.pdf");
    let out = |p: &PathBuf| format!("-sOutputFile={}", p.display());
    let base = ["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", "-dEncryptionR=3", "-dKeyLength=128"];
    let mut a = base.to_vec();
    let (o1, o2) = (out(&locked), out(&restricted));
    a.extend(["-sOwnerPassword=owner", "-sUserPassword=secret", &o1, letter.to_str().unwrap()]);
    ghostscript(&a);
    let mut b = base.to_vec();
    b.extend(["-sOwnerPassword=owner", "-dPermissions=-3904", &o2, letter.to_str().unwrap()]);
    ghostscript(&b);

    let e = refused(&std::fs::read(&locked).unwrap());
    assert!(matches!(&e, RenderError::BadDocument(m) if m.contains("password")), "{e}");
    // Encrypted with only an owner password (printing allowed, no password to open): opens.
    let (_, pages) = convert_to_pages(&std::fs::read(&restricted).unwrap(), &opts()).unwrap();
    assert_eq!(pages.len(), 1);
    assert!(pages[0].black_pixels() > 10_000);
}

#[test]
fn postscript_that_loops_forever_is_stopped_at_the_time_limit() {
    Command::new("gs").arg("--version").output().expect("gs (Debian package ghostscript) is needed");
    let opts = ConvertOptions {
        limits: RenderLimits { max_time: Duration::from_secs(2), ..Default::default() },
        ..Default::default()
    };
    let started = Instant::now();
    let e = convert_to_pages(b"%!PS\n{ 1 pop } loop\n", &opts).map(|_| ()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(matches!(&e, RenderError::Limit(m) if m.contains("longer than")), "{e}");
    let e = convert_to_pages(b"%!PS\n/undefinedthing cvx exec\n", &opts).map(|_| ()).unwrap_err();
    assert!(matches!(&e, RenderError::BadDocument(m) if m.contains("Ghostscript")), "{e}");
    let limited = ConvertOptions { limits: RenderLimits { max_pages: 3, ..Default::default() }, ..Default::default() };
    let e = convert_to_pages(b"%!PS\n1 1 50 { pop showpage } for\n", &limited).map(|_| ()).unwrap_err();
    assert!(matches!(&e, RenderError::Limit(_)), "{e}");
}
