//! PostScript and EPS through Debian's Ghostscript (`gs`), run as a separate process with
//! `-dSAFER`: it draws black-and-white pages (its own halftoning for greys) at the fax
//! resolution on a page exactly one fax line wide, which are read from its output one by one. Stopped when it runs past the time limit or makes
//! more pages than allowed. Without Ghostscript installed the error says which package to add.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferrofax_image::Bitmap;

use crate::page::PageSetup;
use crate::{RenderError, RenderLimits};

/// Whether the document is Encapsulated PostScript (one picture, scaled onto the page).
fn is_eps(bytes: &[u8]) -> bool {
    let first = bytes.split(|&b| b == b'\n' || b == b'\r').next().unwrap_or_default();
    first.starts_with(b"%!PS-Adobe") && first.windows(4).any(|w| w == b"EPSF")
}

/// Renders PostScript (or EPS, or anything Ghostscript reads) page by page.
pub fn render_postscript(
    bytes: &[u8],
    setup: &PageSetup,
    limits: &RenderLimits,
    page: &mut dyn FnMut(Bitmap) -> Result<(), RenderError>,
) -> Result<(), RenderError> {
    let width_pt = setup.width() as f64 / setup.x_dpi() * 72.0;
    let height_pt = setup.height() as f64 / setup.y_dpi() * 72.0;
    let mut cmd = Command::new(&limits.ghostscript);
    cmd.args(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dNOPROMPT", "-sDEVICE=pbmraw"])
        .arg(format!("-r{}x{}", setup.resolution.x_dpi(), setup.resolution.y_dpi()))
        .arg(format!("-dDEVICEWIDTHPOINTS={width_pt:.3}"))
        .arg(format!("-dDEVICEHEIGHTPOINTS={height_pt:.3}"))
        .arg("-dFIXEDMEDIA")
        .arg(if is_eps(bytes) { "-dEPSFitPage" } else { "-dPSFitPage" })
        .arg(format!("-dLastPage={}", limits.max_pages as u64 + 1))
        .args(["-sOutputFile=-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            RenderError::Unavailable(format!(
                "PostScript is converted by Ghostscript, which is not installed (`{}` not found): install the Debian package `ghostscript`",
                limits.ghostscript.display()
            ))
        } else {
            RenderError::Unavailable(format!("Ghostscript could not be started: {e}"))
        }
    })?;
    let mut stdin = child.stdin.take().expect("piped");
    let stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let child = Arc::new(Mutex::new(child));
    let done = Arc::new(AtomicBool::new(false));
    let timed_out = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let (child, done, timed_out, limit) = (child.clone(), done.clone(), timed_out.clone(), limits.max_time);
        std::thread::spawn(move || {
            let start = Instant::now();
            while !done.load(Ordering::Relaxed) {
                if start.elapsed() > limit {
                    timed_out.store(true, Ordering::Relaxed);
                    let _ = child.lock().expect("not poisoned").kill();
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let result = read_pages(BufReader::new(stdout), setup, limits, page);
    if result.is_err() {
        let _ = child.lock().expect("not poisoned").kill();
    }
    done.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    let _ = writer.join();
    let status = child.lock().expect("not poisoned").wait();
    let stderr = errors.join().unwrap_or_default();
    if timed_out.load(Ordering::Relaxed) {
        return Err(RenderError::Limit(format!(
            "converting the PostScript took longer than the configured {} s",
            limits.max_time.as_secs()
        )));
    }
    let pages = result?;
    let ok = status.map(|s| s.success()).unwrap_or(false);
    if !ok || pages == 0 {
        let detail = stderr.lines().find(|l| l.contains("Error")).unwrap_or(stderr.lines().next().unwrap_or(""));
        return Err(RenderError::BadDocument(format!(
            "Ghostscript could not read the PostScript{}",
            if detail.is_empty() { String::from(" (it made no pages)") } else { format!(": {}", detail.trim()) }
        )));
    }
    Ok(())
}

/// Reads `P4` pages from Ghostscript's output; returns how many there were.
fn read_pages(
    mut out: impl BufRead,
    setup: &PageSetup,
    limits: &RenderLimits,
    page: &mut dyn FnMut(Bitmap) -> Result<(), RenderError>,
) -> Result<u32, RenderError> {
    let bad = |what: &str| RenderError::BadDocument(format!("Ghostscript's output was not understood ({what})"));
    let mut n = 0u32;
    loop {
        let mut tokens = Vec::new();
        while tokens.len() < 3 {
            let mut line = String::new();
            if out.read_line(&mut line).map_err(|e| bad(&e.to_string()))? == 0 {
                return if tokens.is_empty() { Ok(n) } else { Err(bad("a page header ends early")) };
            }
            let line = line.split('#').next().unwrap_or_default();
            tokens.extend(line.split_whitespace().map(str::to_owned));
        }
        if tokens[0] != "P4" {
            return Err(bad("not PBM"));
        }
        let w: u32 = tokens[1].parse().map_err(|_| bad("width"))?;
        let h: u32 = tokens[2].parse().map_err(|_| bad("height"))?;
        if w > 4 * setup.width() || h > 4 * setup.height() {
            return Err(bad("page larger than asked for"));
        }
        let mut picture = Bitmap::new(w, h);
        for y in 0..h {
            out.read_exact(picture.row_mut(y)).map_err(|_| bad("a page ends early"))?;
        }
        n += 1;
        if n > limits.max_pages {
            return Err(RenderError::Limit(format!(
                "the PostScript makes more than the configured limit of {} pages",
                limits.max_pages
            )));
        }
        // Exactly one fax line wide and one paper long (Ghostscript may round a pixel off).
        let mut fitted = Bitmap::new(setup.width(), setup.height());
        let bytes = picture.stride().min(fitted.stride());
        for y in 0..h.min(setup.height()) {
            fitted.row_mut(y)[..bytes].copy_from_slice(&picture.row(y)[..bytes]);
        }
        if w < setup.width() && !w.is_multiple_of(8) {
            // Bits past the picture's width in its last byte are padding, not ink.
            let last = (w / 8) as usize;
            for y in 0..h.min(setup.height()) {
                fitted.row_mut(y)[last] &= 0xff << (8 - w % 8);
            }
        }
        page(fitted)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eps_is_told_from_postscript() {
        assert!(is_eps(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"));
        assert!(!is_eps(b"%!PS-Adobe-3.0\n"));
    }

    #[test]
    fn a_missing_ghostscript_is_named() {
        let limits = RenderLimits { ghostscript: "/nonexistent/gs".into(), ..Default::default() };
        let e = render_postscript(b"%!PS\nshowpage\n", &PageSetup::default(), &limits, &mut |_| Ok(())).unwrap_err();
        assert!(matches!(e, RenderError::Unavailable(_)) && e.to_string().contains("ghostscript"), "{e}");
    }
}
