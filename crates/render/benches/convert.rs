//! Document conversion speed: PDF → MMR fax pages per second, ferrofax (hayro, halftoning and
//! our MMR encoder, one thread) against Ghostscript's `gs -sDEVICE=tiffg4 -r204x196` on the same
//! PDF, and PostScript through Ghostscript as ferrofax runs it. Run:
//! `cargo bench -p ferrofax-render --bench convert`.
//!
//! Documents: a 40-page typed report made with Ghostscript's `ps2pdf` (embedded Type 1 fonts,
//! rules), and the one-page test letter (`tests/data/letter.pdf`, text, grey fills and a grey
//! disc) repeated 20 times as 20 documents.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use ferrofax_image::{CodedPage, Resolution};
use ferrofax_render::{ConvertOptions, convert};

fn report_ps(pages: usize) -> String {
    let mut ps = String::from("%!PS-Adobe-3.0\n");
    for p in 0..pages {
        ps.push_str("/Times-Bold findfont 16 scalefont setfont 72 750 moveto (Quarterly report, page ");
        ps.push_str(&format!("{}) show\n/Times-Roman findfont 10 scalefont setfont\n", p + 1));
        for l in 0..55 {
            ps.push_str(&format!(
                "72 {} moveto (Line {l:02}: the quick brown fox jumps over the lazy dog; figures {} and {}.) show\n",
                730 - l * 12,
                p * 100 + l,
                l * 7
            ));
        }
        ps.push_str("0.5 setlinewidth 72 60 moveto 540 60 lineto stroke showpage\n");
    }
    ps
}

/// Converts with ferrofax and codes MMR; returns (pages, seconds), best of `runs`.
fn ours(pdf: &[u8], runs: usize) -> (usize, f64) {
    let opts = ConvertOptions::default();
    let mut best = f64::MAX;
    let mut pages = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let mut n = 0;
        convert(pdf, &opts, &mut |page| {
            let coded = CodedPage::encode_mmr(&page, Resolution::Fine);
            std::hint::black_box(coded);
            n += 1;
            Ok(())
        })
        .unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        pages = n;
    }
    (pages, best)
}

/// Ghostscript to G4 TIFF at 204 × 196, best of `runs` (one process per document).
fn ghostscript(input: &Path, out: &Path, runs: usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let st = Command::new("gs")
            .args(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=tiffg4", "-r204x196"])
            .arg(format!("-sOutputFile={}", out.display()))
            .arg(input)
            .status()
            .expect("gs (Debian package ghostscript)");
        assert!(st.success());
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let ps = dir.path().join("report.ps");
    std::fs::write(&ps, report_ps(40)).unwrap();
    let pdf = dir.path().join("report.pdf");
    assert!(Command::new("ps2pdf").arg(&ps).arg(&pdf).status().expect("ps2pdf (ghostscript)").success());
    let letter = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/letter.pdf");
    let out = dir.path().join("gs.tif");

    println!("{:<34} {:>6} {:>12} {:>12}", "document", "pages", "ours p/s", "gs p/s");
    let bytes = std::fs::read(&pdf).unwrap();
    let (n, t) = ours(&bytes, 3);
    let g = ghostscript(&pdf, &out, 3);
    println!("{:<34} {:>6} {:>12.1} {:>12.1}", "40-page typed report (PDF)", n, n as f64 / t, n as f64 / g);

    let bytes = std::fs::read(&letter).unwrap();
    let mut ours_total = 0.0;
    let mut gs_total = 0.0;
    for _ in 0..20 {
        ours_total += ours(&bytes, 1).1;
        gs_total += ghostscript(&letter, &out, 1);
    }
    println!(
        "{:<34} {:>6} {:>12.1} {:>12.1}",
        "letter with greys (PDF), 20 docs",
        20,
        20.0 / ours_total,
        20.0 / gs_total
    );

    // PostScript: ferrofax runs Ghostscript itself (grey pages) and halftones and codes them.
    let bytes = std::fs::read(&ps).unwrap();
    let (n, t) = ours(&bytes, 3);
    let g = ghostscript(&ps, &out, 3);
    println!("{:<34} {:>6} {:>12.1} {:>12.1}", "40-page typed report (PostScript)", n, n as f64 / t, n as f64 / g);
    println!(
        "ours: one thread, page rendered, halftoned and MMR-coded in memory; gs: one process per document, writing a G4 TIFF."
    );
}
