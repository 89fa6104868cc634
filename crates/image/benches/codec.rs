//! Page coding speed: pages per second for MH, MR and MMR encoding and decoding by ferrofax,
//! and by libtiff on the same pages (`tiffcp` over one multi-page file, so process start-up
//! is spread over all pages). Run: `cargo bench -p ferrofax-image --bench codec`.
//!
//! The pages are A4 fine (1728 × 2292): typed letters rendered by ferrofax-render, the kind of
//! page a fax server codes most.

use std::process::Command;
use std::time::Instant;

use ferrofax_image::{Bitmap, CodedPage, Coding, FaxMetadata, Resolution, write_tiff};
use ferrofax_render::{TextOptions, render_text};

const PAGES: usize = 40;

fn letter_pages() -> Vec<Bitmap> {
    let mut text = String::new();
    for p in 0..PAGES {
        for l in 0..60 {
            text.push_str(&format!(
                "Page {p:02} line {l:02}: Lorem ipsum dolor sit amet, consectetur adipiscing elit {}\n",
                l * p
            ));
        }
        text.push('\x0c');
    }
    let opts = TextOptions { max_pages: 1000, ..Default::default() };
    render_text(&text, &opts).unwrap().into_iter().take(PAGES).collect()
}

fn rate(n: usize, secs: f64) -> f64 {
    n as f64 / secs
}

fn tiffcp(args: &[&str], input: &std::path::Path, output: &std::path::Path) -> f64 {
    let runs = 5;
    let mut best = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let st = Command::new("tiffcp").args(args).arg(input).arg(output).status().expect("tiffcp (libtiff-tools)");
        assert!(st.success());
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let pages = letter_pages();
    let n = pages.len();
    let dir = tempfile::tempdir().unwrap();
    println!("{n} pages of 1728x2292 (A4 fine, typed text); best of 5 runs; pages/s");
    println!(
        "{:<6} {:>14} {:>14} {:>14} {:>14} {:>14}",
        "coding", "ours encode", "libtiff encode", "ours decode", "libtiff decode", "line decode"
    );
    // An uncompressed multi-page file for libtiff to encode from, made by libtiff from our MMR.
    let mmr: Vec<CodedPage> =
        pages.iter().map(|p| CodedPage::encode(p, Coding::Mmr, Resolution::Fine, false)).collect();
    let g4 = dir.path().join("g4.tif");
    std::fs::write(&g4, write_tiff(&mmr, &FaxMetadata::default())).unwrap();
    let raw = dir.path().join("raw.tif");
    assert!(Command::new("tiffcp").args(["-c", "none"]).arg(&g4).arg(&raw).status().unwrap().success());
    for (coding, libtiff_codec) in [(Coding::Mh, "g3:1d"), (Coding::Mr, "g3:2d"), (Coding::Mmr, "g4")] {
        let mut enc = f64::MAX;
        let mut coded = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            coded = pages.iter().map(|p| CodedPage::encode(p, coding, Resolution::Fine, false)).collect::<Vec<_>>();
            enc = enc.min(t.elapsed().as_secs_f64());
        }
        let mut dec = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            for (i, c) in coded.iter().enumerate() {
                let b = c.decode(i as u32 + 1).unwrap();
                assert!(b == pages[i]);
            }
            dec = dec.min(t.elapsed().as_secs_f64());
        }
        // The fax receiver's line decoder (bad-line counting), for MH and MR.
        let mut lines = f64::NAN;
        if coding != Coding::Mmr {
            lines = f64::MAX;
            for _ in 0..5 {
                let t = Instant::now();
                for (i, c) in coded.iter().enumerate() {
                    let (b, report) = c.decode_lines();
                    assert!(b == pages[i] && report.bad_lines == 0);
                }
                lines = lines.min(t.elapsed().as_secs_f64());
            }
        }
        let ours_file = dir.path().join("ours.tif");
        std::fs::write(&ours_file, write_tiff(&coded, &FaxMetadata::default())).unwrap();
        let lib_enc = tiffcp(&["-c", libtiff_codec], &raw, &dir.path().join("lib.tif"));
        let lib_dec = tiffcp(&["-c", "none"], &ours_file, &dir.path().join("dec.tif"));
        let bytes: usize = coded.iter().map(|c| c.data.len()).sum();
        println!(
            "{:<6} {:>14.0} {:>14.0} {:>14.0} {:>14.0} {:>14.0}   ({} bytes/page)",
            coding.name(),
            rate(n, enc),
            rate(n, lib_enc),
            rate(n, dec),
            rate(n, lib_dec),
            rate(n, lines),
            bytes / n
        );
    }
    println!("libtiff figures include reading and writing the files and one process start.");
}
