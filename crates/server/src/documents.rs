//! Documents on disk: each document has a key (32 hex digits); its pages are single-page
//! TIFF Class F (MMR) files `documents/<first two digits>/<key>-NNNN.tif`, written and fsynced
//! (with their folder) before the database row that points at them. Also the conversion of
//! uploads into fax pages.

use std::io::Write;
use std::path::{Path, PathBuf};

use ferrofax_image::{Bitmap, CodedPage, FaxMetadata, ReadLimits, Resolution, read_tiff, write_tiff};
use ferrofax_render::{TextOptions, render_text};
use sha2::{Digest, Sha256};

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
}

/// The formats this server converts, for error messages.
pub const ACCEPTED_FORMATS: &str =
    "TIFF (fax or any black-and-white TIFF: CCITT G3/G4, PackBits, uncompressed) and plain UTF-8 text";

/// Makes fax pages from an uploaded document.
pub fn ingest(bytes: &[u8], limits: &Limits) -> Result<Vec<CodedPage>, IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::Bad("the document is empty (0 bytes)".into()));
    }
    if bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
        || bytes.starts_with(b"II+\0")
        || bytes.starts_with(b"MM\0+")
    {
        return ingest_tiff(bytes, limits);
    }
    if let Some(kind) = sniff_other(bytes) {
        return Err(IngestError::Unsupported(format!(
            "the document is {kind}, which this server does not convert yet; accepted: {ACCEPTED_FORMATS}"
        )));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => {
            let opts = TextOptions { max_pages: limits.max_pages, ..Default::default() };
            let pages = render_text(text, &opts).map_err(|e| IngestError::Limit(e.to_string()))?;
            Ok(pages.iter().map(|p| CodedPage::encode_mmr(p, Resolution::Fine)).collect())
        }
        _ => Err(IngestError::Unsupported(format!(
            "the document's format was not recognised (it is neither TIFF nor UTF-8 text); accepted: {ACCEPTED_FORMATS}"
        ))),
    }
}

fn sniff_other(b: &[u8]) -> Option<&'static str> {
    let kinds: [(&[u8], &str); 8] = [
        (b"%PDF", "a PDF"),
        (b"%!", "PostScript"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"BM", "a BMP image"),
        (b"PK\x03\x04", "a ZIP archive (an office document?)"),
        (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    ];
    kinds.iter().find(|(m, _)| b.starts_with(m)).map(|(_, k)| *k)
}

fn ingest_tiff(bytes: &[u8], limits: &Limits) -> Result<Vec<CodedPage>, IngestError> {
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
    let res = Resolution::nearest(x_dpi, y_dpi);
    let fax_res = matches!(res, Resolution::Standard | Resolution::Fine | Resolution::Superfine);
    if fax_res && ferrofax_image::PageWidth::from_pixels(b.width()).is_some() && (x_dpi - 204.0).abs() < 10.0 {
        return (b.clone(), res);
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

/// The folder of documents.
#[derive(Debug, Clone)]
pub struct DocStore {
    root: PathBuf,
}

/// What was written for a new document.
#[derive(Debug, Clone)]
pub struct WrittenDoc {
    pub dir: String,
    pub size_bytes: u64,
    pub sha256: String,
}

impl DocStore {
    pub fn new(root: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&root)?;
        Ok(DocStore { root })
    }

    fn shard(&self, key: &str) -> PathBuf {
        self.root.join(key.get(..2).unwrap_or("00"))
    }

    fn page_path(&self, key: &str, n: u32) -> PathBuf {
        self.shard(key).join(format!("{key}-{n:04}.tif"))
    }

    /// Writes the pages, each fsynced, then their folder (and the documents folder when the
    /// shard folder is new).
    pub fn write(&self, pages: &[CodedPage], meta: &FaxMetadata) -> std::io::Result<WrittenDoc> {
        let dir = format!("{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>());
        let path = self.shard(&dir);
        if !path.is_dir() {
            std::fs::create_dir_all(&path)?;
            sync_dir(&self.root)?;
        }
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let total = pages.len();
        for (i, page) in pages.iter().enumerate() {
            let mut m = meta.clone();
            m.description = format!("{} (page {} of {total})", meta.description, i + 1);
            let bytes = write_tiff(std::slice::from_ref(page), &m);
            hasher.update(&page.data);
            size += bytes.len() as u64;
            let mut f = std::fs::File::create(self.page_path(&dir, i as u32 + 1))?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        sync_dir(&path)?;
        Ok(WrittenDoc { dir, size_bytes: size, sha256: hex::encode(hasher.finalize()) })
    }

    /// The single-page TIFF of page `n` (1-based).
    pub fn page_file(&self, dir: &str, n: u32) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.page_path(dir, n))
    }

    /// Page `n` (1-based) as coded data.
    pub fn page(&self, dir: &str, n: u32) -> std::io::Result<CodedPage> {
        let bytes = self.page_file(dir, n)?;
        let tiff = read_tiff(&bytes, ReadLimits::default()).map_err(std::io::Error::other)?;
        tiff.coded_page(0).ok_or_else(|| std::io::Error::other(format!("page {n} of {dir} is not a stored fax page")))
    }

    /// The pages `1..=count` as one multi-page TIFF with `meta`.
    pub fn merged(&self, dir: &str, count: u32, meta: &FaxMetadata) -> std::io::Result<Vec<u8>> {
        let pages = (1..=count).map(|n| self.page(dir, n)).collect::<std::io::Result<Vec<_>>>()?;
        Ok(write_tiff(&pages, meta))
    }

    /// Removes a document's pages.
    pub fn remove(&self, key: &str) {
        if key.len() != 32 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
            return;
        }
        for n in 1.. {
            match std::fs::remove_file(self.page_path(key, n)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => {
                    tracing::warn!(key, error = %e, "could not remove document files");
                    break;
                }
            }
        }
    }

    /// Removes pages no row points at (left by a crash between writing files and the row).
    pub fn remove_orphans(&self, known: &[String]) -> std::io::Result<usize> {
        let known: std::collections::HashSet<&str> = known.iter().map(String::as_str).collect();
        let mut n = 0;
        for shard in std::fs::read_dir(&self.root)? {
            let shard = shard?;
            if !shard.file_type()?.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(shard.path())? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let key = name.split('-').next().unwrap_or_default();
                if !known.contains(key) {
                    std::fs::remove_file(entry.path())?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }
}

/// fsyncs a directory so that the entries made in it survive a crash.
pub fn sync_dir(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(path)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_become_pages_or_clear_errors() {
        let limits = Limits::default();
        assert_eq!(ingest(b"Dear Sir,\nplease find...\n", &limits).unwrap().len(), 1);
        assert!(matches!(ingest(b"", &limits), Err(IngestError::Bad(_))));
        let e = ingest(b"%PDF-1.7\n...", &limits).unwrap_err().to_string();
        assert!(e.contains("PDF") && e.contains("TIFF"), "{e}");
        assert!(matches!(ingest(&[0xff, 0xfe, 0x00, 0x01, 0x80], &limits), Err(IngestError::Unsupported(_))));
        assert!(matches!(ingest(b"II*\0\x08\0\0\0\xff", &limits), Err(IngestError::Bad(_))));
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

    #[test]
    fn documents_are_written_read_and_merged() {
        let tmp = tempfile::tempdir().unwrap();
        let store = DocStore::new(tmp.path().join("documents")).unwrap();
        let pages = ingest(b"one\x0ctwo", &Limits::default()).unwrap();
        let w = store.write(&pages, &FaxMetadata::default()).unwrap();
        assert_eq!(store.page(&w.dir, 2).unwrap(), pages[1]);
        let merged = store.merged(&w.dir, 2, &FaxMetadata::default()).unwrap();
        assert_eq!(read_tiff(&merged, ReadLimits::default()).unwrap().pages.len(), 2);
        let orphan = store.write(&pages[..1], &FaxMetadata::default()).unwrap();
        assert_eq!(store.remove_orphans(std::slice::from_ref(&w.dir)).unwrap(), 1);
        assert!(store.page(&w.dir, 1).is_ok());
        assert!(store.page(&orphan.dir, 1).is_err());
        store.remove(&w.dir);
        assert!(store.page(&w.dir, 1).is_err());
    }
}
