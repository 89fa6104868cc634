//! Ghostscript as a test peer: renders a PDF's pages to bitmaps. Shared by this crate's tests
//! and faxd's (which include this file by path).
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use ferrofax_image::Bitmap;

/// Ghostscript, or None (a failure under CI, where it must be installed).
pub fn ghostscript() -> Option<&'static str> {
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
pub fn read_pbm(bytes: &[u8]) -> Bitmap {
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
