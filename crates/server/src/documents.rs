//! Documents on disk: each document has a key (32 hex digits); its pages are single-page
//! TIFF Class F (MMR) files `documents/<first two digits>/<key>-NNNN.tif`, written and fsynced
//! (with their folder) before the database row that points at them.

use std::io::Write;
use std::path::{Path, PathBuf};

use ferrofax_image::{CodedPage, FaxMetadata, ReadLimits, read_tiff, write_tiff};
use sha2::{Digest, Sha256};

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
    fn documents_are_written_read_and_merged() {
        let tmp = tempfile::tempdir().unwrap();
        let store = DocStore::new(tmp.path().join("documents")).unwrap();
        let pages = crate::conversion::ingest(b"one\x0ctwo", &crate::config::Limits::default(), None).unwrap();
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
