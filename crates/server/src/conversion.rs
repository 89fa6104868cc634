//! Uploads into fax pages at submit time. Black-and-white TIFFs are read here (pages already
//! MMR at a fax geometry are kept as sent); text is laid out here; PDF, PostScript and pictures
//! — the formats whose decoders are large and fed by strangers — are converted by
//! `faxd convert-worker` in a separate process held to the configured memory (address-space
//! limit) and time, so a hostile or broken document costs one process, never the server.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ferrofax_image::{Bitmap, CodedPage, FaxMetadata, ReadLimits, Resolution, read_tiff, write_tiff};
use ferrofax_render::{ConvertOptions, Format, RenderError, RenderLimits, convert, sniff};

use crate::config::Limits;

/// Why an upload could not be made into pages.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Bad(String),
    #[error("{0}")]
    Limit(String),
    /// A tool the conversion needs is not installed.
    #[error("{0}")]
    Unavailable(String),
}

impl From<RenderError> for IngestError {
    fn from(e: RenderError) -> Self {
        match e {
            RenderError::BadDocument(m) => IngestError::Bad(m),
            RenderError::Unsupported(m) => IngestError::Unsupported(m),
            RenderError::Limit(m) => IngestError::Limit(m),
            RenderError::Unavailable(m) => IngestError::Unavailable(m),
        }
    }
}

fn render_limits(limits: &Limits) -> RenderLimits {
    RenderLimits {
        max_pages: limits.max_pages,
        max_image_pixels: limits.max_image_megapixels as u64 * 1_000_000,
        max_time: Duration::from_secs(limits.conversion_seconds),
        ghostscript: limits.ghostscript.clone(),
    }
}

/// Makes fax pages from an uploaded document; `worker` is the program to run as
/// `convert-worker` (None: convert in this process).
pub fn ingest(bytes: &[u8], limits: &Limits, worker: Option<&Path>) -> Result<Vec<CodedPage>, IngestError> {
    let format = sniff(bytes)?;
    match format {
        Format::Tiff => match ingest_bilevel_tiff(bytes, limits) {
            Err(IngestError::Unsupported(_)) => convert_untrusted(bytes, limits, worker),
            other => other,
        },
        Format::Text => convert_here(bytes, limits),
        Format::Pdf | Format::PostScript | Format::Picture(_) => convert_untrusted(bytes, limits, worker),
    }
}

fn convert_untrusted(bytes: &[u8], limits: &Limits, worker: Option<&Path>) -> Result<Vec<CodedPage>, IngestError> {
    match worker {
        Some(program) => convert_in_worker(program, bytes, limits),
        None => convert_here(bytes, limits),
    }
}

fn convert_here(bytes: &[u8], limits: &Limits) -> Result<Vec<CodedPage>, IngestError> {
    let opts = ConvertOptions { limits: render_limits(limits), ..Default::default() };
    let mut pages = Vec::new();
    convert(bytes, &opts, &mut |p| {
        pages.push(CodedPage::encode_mmr(&p, opts.page.resolution));
        Ok(())
    })?;
    Ok(pages)
}

fn ingest_bilevel_tiff(bytes: &[u8], limits: &Limits) -> Result<Vec<CodedPage>, IngestError> {
    use ferrofax_image::ImageError as E;
    let read_limits = ReadLimits {
        max_pages: limits.max_pages,
        max_width: limits.max_image_width,
        max_height: limits.max_image_height,
    };
    let map = |e: E| match e {
        E::Limit(m) => IngestError::Limit(m),
        E::Unsupported { .. } => IngestError::Unsupported(format!("TIFF {e}")),
        other => IngestError::Bad(format!("the TIFF is damaged: {other}")),
    };
    let tiff = read_tiff(bytes, read_limits).map_err(map)?;
    let mut out = Vec::with_capacity(tiff.pages.len());
    for (i, p) in tiff.pages.iter().enumerate() {
        let bitmap = tiff.decode_page(i).map_err(map)?;
        // A page that is already MMR at a fax width and resolution is kept as sent (it was
        // just decoded, so it is sound); anything else is fitted and coded anew.
        if let Some(coded) = tiff.coded_page(i).filter(|c| c.coding == ferrofax_image::Coding::Mmr)
            && is_fax_geometry(&bitmap, p.x_dpi, p.y_dpi)
        {
            out.push(coded);
            continue;
        }
        let (page, res) = fit_to_fax(&bitmap, p.x_dpi, p.y_dpi);
        out.push(CodedPage::encode_mmr(&page, res));
    }
    Ok(out)
}

fn is_fax_geometry(b: &Bitmap, x_dpi: f64, y_dpi: f64) -> bool {
    let res = Resolution::nearest(x_dpi, y_dpi);
    matches!(res, Resolution::Standard | Resolution::Fine | Resolution::Superfine)
        && ferrofax_image::PageWidth::from_pixels(b.width()).is_some()
        && (x_dpi - 204.0).abs() < 10.0
}

/// Makes a page fit a fax line: kept as is when it already has a T.4 width and resolution;
/// otherwise scaled to 204 dpi across and standard or fine down, and centred on 1728 pixels
/// (scaled down further if still wider).
pub fn fit_to_fax(b: &Bitmap, x_dpi: f64, y_dpi: f64) -> (Bitmap, Resolution) {
    if is_fax_geometry(b, x_dpi, y_dpi) {
        return (b.clone(), Resolution::nearest(x_dpi, y_dpi));
    }
    let target = if y_dpi < 150.0 { Resolution::Standard } else { Resolution::Fine };
    let mut sx = 204.0 / x_dpi;
    let mut sy = target.y_dpi() as f64 / y_dpi;
    let w = b.width() as f64 * sx;
    if w > 1728.0 {
        let k = 1728.0 / w;
        sx *= k;
        sy *= k;
    }
    let nw = ((b.width() as f64 * sx).round() as u32).clamp(1, 1728);
    let nh = ((b.height() as f64 * sy).round() as u32).max(1);
    (b.scaled(nw, nh).centred_in_width(1728), target)
}

/// Exit codes of the worker, by kind of failure.
const EXIT_BAD: i32 = 2;
const EXIT_UNSUPPORTED: i32 = 3;
const EXIT_LIMIT: i32 = 4;
const EXIT_UNAVAILABLE: i32 = 5;

/// Runs `<program> convert-worker`: the document on its standard input, a multi-page MMR
/// TIFF on its standard output, a one-line reason on its standard error.
fn convert_in_worker(program: &Path, bytes: &[u8], limits: &Limits) -> Result<Vec<CodedPage>, IngestError> {
    let mut child = Command::new(program)
        .arg("convert-worker")
        .args(["--max-pages", &limits.max_pages.to_string()])
        .args(["--max-megapixels", &limits.max_image_megapixels.to_string()])
        .args(["--seconds", &limits.conversion_seconds.to_string()])
        .args(["--memory-mb", &limits.conversion_memory_mb.to_string()])
        .arg("--ghostscript")
        .arg(&limits.ghostscript)
        .env_remove("FAXD_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| IngestError::Unavailable(format!("the document converter could not be started: {e}")))?;
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        out
    });
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    // The worker keeps its own clock; this one catches a worker stuck inside one page.
    let deadline = Instant::now() + Duration::from_secs(limits.conversion_seconds + 5);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(IngestError::Bad(format!("the document converter failed: {e}"))),
        }
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let message = errors.join().unwrap_or_default();
    let reason = message.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
    let Some(status) = status else {
        return Err(IngestError::Limit(format!(
            "converting the document took longer than the configured {} s",
            limits.conversion_seconds
        )));
    };
    match status.code() {
        Some(0) => {
            let tiff = read_tiff(&out, ReadLimits { max_pages: limits.max_pages, ..ReadLimits::default() })
                .map_err(|e| IngestError::Bad(format!("the document converter's output was not understood: {e}")))?;
            Ok((0..tiff.pages.len()).filter_map(|i| tiff.coded_page(i)).collect())
        }
        Some(EXIT_BAD) => Err(IngestError::Bad(reason)),
        Some(EXIT_UNSUPPORTED) => Err(IngestError::Unsupported(reason)),
        Some(EXIT_LIMIT) => Err(IngestError::Limit(reason)),
        Some(EXIT_UNAVAILABLE) => Err(IngestError::Unavailable(reason)),
        _ if message.contains("memory allocation") => Err(IngestError::Limit(format!(
            "converting the document needed more than the configured {} MB of memory",
            limits.conversion_memory_mb
        ))),
        _ => Err(IngestError::Bad(format!(
            "the document could not be converted: the converter stopped ({status}){}",
            if reason.is_empty() { String::new() } else { format!(": {reason}") }
        ))),
    }
}

/// Options of `faxd convert-worker`.
#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
    #[arg(long)]
    max_pages: u32,
    #[arg(long)]
    max_megapixels: u32,
    #[arg(long)]
    seconds: u64,
    #[arg(long)]
    memory_mb: u64,
    #[arg(long)]
    ghostscript: std::path::PathBuf,
}

/// The worker: converts its standard input and writes the pages to its standard output.
/// Returns the exit code.
pub fn worker_main(args: WorkerArgs) -> i32 {
    let bytes = args.memory_mb.saturating_mul(1 << 20);
    if let Err(e) = rlimit::setrlimit(rlimit::Resource::AS, bytes, bytes) {
        eprintln!("the converter's memory limit could not be set: {e}");
        return EXIT_UNAVAILABLE;
    }
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("the document could not be read: {e}");
        return EXIT_BAD;
    }
    let limits = Limits {
        max_pages: args.max_pages,
        max_image_megapixels: args.max_megapixels,
        conversion_seconds: args.seconds,
        conversion_memory_mb: args.memory_mb,
        ghostscript: args.ghostscript,
        ..Limits::default()
    };
    let result = match sniff(&input) {
        Ok(Format::Tiff) => ingest_bilevel_tiff(&input, &limits).or_else(|e| match e {
            IngestError::Unsupported(_) => convert_here(&input, &limits),
            other => Err(other),
        }),
        Ok(_) => convert_here(&input, &limits),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(pages) => {
            let tiff = write_tiff(&pages, &FaxMetadata::default());
            match std::io::stdout().write_all(&tiff).and_then(|_| std::io::stdout().flush()) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("the pages could not be written: {e}");
                    EXIT_BAD
                }
            }
        }
        Err(e) => {
            eprintln!("{}", e.to_string().replace('\n', " "));
            match e {
                IngestError::Bad(_) => EXIT_BAD,
                IngestError::Unsupported(_) => EXIT_UNSUPPORTED,
                IngestError::Limit(_) => EXIT_LIMIT,
                IngestError::Unavailable(_) => EXIT_UNAVAILABLE,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_become_pages_or_clear_errors() {
        let limits = Limits::default();
        assert_eq!(ingest(b"Dear Sir,\nplease find...\n", &limits, None).unwrap().len(), 1);
        assert!(matches!(ingest(b"", &limits, None), Err(IngestError::Bad(_))));
        let e = ingest(b"%PDF-1.7\n...", &limits, None).unwrap_err();
        assert!(matches!(e, IngestError::Bad(_)) && e.to_string().contains("PDF"), "{e}");
        assert!(matches!(ingest(&[0xff, 0xfe, 0x00, 0x01, 0x80], &limits, None), Err(IngestError::Unsupported(_))));
        assert!(matches!(ingest(b"II*\0\x08\0\0\0\xff", &limits, None), Err(IngestError::Bad(_))));
        let e = ingest(b"PK\x03\x04...", &limits, None).unwrap_err().to_string();
        assert!(e.contains("ZIP") && e.contains("PDF"), "{e}");
    }

    #[test]
    fn foreign_resolutions_are_fitted_to_a_fax_line() {
        let mut b = Bitmap::new(2480, 100);
        b.fill_run(50, 0, 2480);
        let (p, r) = fit_to_fax(&b, 300.0, 300.0);
        assert_eq!((p.width(), r), (1728, Resolution::Fine));
        assert_eq!(p.height(), 65);
        let (p, r) = fit_to_fax(&Bitmap::new(1728, 10), 204.0, 98.0);
        assert_eq!((p.width(), p.height(), r), (1728, 10, Resolution::Standard));
    }
}
