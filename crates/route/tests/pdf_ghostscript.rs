//! The PDF of a fax, read by Ghostscript (an implementation no one here wrote): each page
//! rendered at its own resolution gives back exactly the fax page's pixels, whatever coding
//! (MH, MR, MMR) the page had.

use std::path::Path;
use std::process::Command;

use ferrofax_image::{Bitmap, CodedPage, Coding, Resolution};
use ferrofax_route::pdf::fax_pdf;

/// Ghostscript, or None (a failure under CI, where it must be installed).
fn ghostscript() -> Option<&'static str> {
    match Command::new("gs").arg("--version").output() {
        Ok(o) if o.status.success() => Some("gs"),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("Ghostscript (`gs`, Debian package ghostscript) is needed by this test under CI")
        }
        _ => {
            eprintln!("Ghostscript is not installed; this test does not run here (it must under CI=true)");
            None
        }
    }
}

/// Page `n` (1-based) of a PDF rendered by Ghostscript to a bitmap at `x`×`y` dpi.
pub fn render_page(gs: &str, pdf: &Path, n: usize, x: u32, y: u32) -> Bitmap {
    let out = pdf.with_extension(format!("{n}.pbm"));
    let status = Command::new(gs)
        .args(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pbmraw"])
        .arg(format!("-r{x}x{y}"))
        .arg(format!("-dFirstPage={n}"))
        .arg(format!("-dLastPage={n}"))
        .arg(format!("-sOutputFile={}", out.display()))
        .arg(pdf)
        .status()
        .unwrap();
    assert!(status.success(), "gs failed on page {n}");
    read_pbm(&std::fs::read(&out).unwrap())
}

/// Reads a binary PBM (P4): 1 is black, as in a Bitmap.
fn read_pbm(bytes: &[u8]) -> Bitmap {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 3 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i] == b'#' {
            while bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).to_string());
    }
    assert_eq!(fields[0], "P4");
    let (w, h): (u32, u32) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let data = &bytes[i + 1..];
    let mut b = Bitmap::new(w, h);
    let stride = w.div_ceil(8) as usize;
    for y in 0..h {
        b.row_mut(y).copy_from_slice(&data[y as usize * stride..][..stride]);
    }
    b
}

/// A page with text, rules and scattered dots (runs of every length), `height` lines.
fn page(height: u32, seed: u64) -> Bitmap {
    let opts = ferrofax_render::ConvertOptions::default();
    let text = format!("Fax page {seed}\nThe quick brown fox jumps over the lazy dog 0123456789\n");
    let (_, pages) = ferrofax_render::convert_to_pages(text.as_bytes(), &opts).unwrap();
    let mut b = pages[0].scaled(1728, height);
    let mut s = seed | 1;
    for y in (height / 2)..height {
        for x in 0..1728 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            if s.is_multiple_of(7) {
                b.set(x, y, true);
            }
        }
    }
    b.fill_run(height / 3, 100, 1628);
    b
}

#[test]
fn ghostscript_renders_every_page_pixel_for_pixel() {
    let Some(gs) = ghostscript() else { return };
    let pages = [
        (page(2200, 1), Coding::Mmr, Resolution::Fine),
        (page(1100, 2), Coding::Mh, Resolution::Standard),
        (page(2200, 3), Coding::Mr, Resolution::Fine),
    ];
    let coded: Vec<CodedPage> = pages.iter().map(|(b, coding, r)| CodedPage::encode(b, *coding, *r, false)).collect();
    let pdf = fax_pdf(&coded, "Test fax").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fax.pdf");
    std::fs::write(&path, &pdf).unwrap();
    for (i, (bitmap, coding, r)) in pages.iter().enumerate() {
        let got = render_page(gs, &path, i + 1, r.x_dpi(), r.y_dpi());
        assert_eq!((got.width(), got.height()), (bitmap.width(), bitmap.height()), "page {} ({coding:?})", i + 1);
        assert!(got == *bitmap, "page {} ({coding:?}) differs from the fax page", i + 1);
        assert!(bitmap.black_pixels() > 10_000);
    }
}
