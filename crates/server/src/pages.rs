//! The pages of jobs and received faxes: one page as stored (TIFF) or drawn (PNG, optionally
//! scaled), a page as it goes on the line (branded), and a whole document as one multi-page
//! TIFF Class F or PDF.

use std::sync::Arc;

use ferrofax_api::{DocumentFormat, FaxDocFields, JobType, validate};
use ferrofax_image::{CodedPage, FaxMetadata, write_tiff};
use ferrofax_render::BrandingLine;

use crate::auth::Caller;
use crate::clock::{Clock, Millis};
use crate::documents::DocStore;
use crate::error::{ServiceError, ServiceResult};
use crate::ports::LineRegistry;
use crate::queue::Jobs;
use crate::settings::SettingsCell;
use crate::store::{JobRow, Store};

type ApiResult<T> = ServiceResult<T>;

fn not_found(what: &str) -> ServiceError {
    ServiceError::not_found(what)
}

/// A stored page file that could not be read or decoded.
fn unreadable(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ServiceError {
    ServiceError::internal("a stored page could not be read", e)
}

/// The pages part: reads the stored pages of jobs and received faxes.
pub struct Pages {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) ports: Arc<LineRegistry>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) docs: DocStore,
    pub(crate) settings: Arc<SettingsCell>,
    pub(crate) time_zone: jiff::tz::TimeZone,
    pub(crate) jobs: Arc<Jobs>,
}

/// A whole document as a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFile {
    pub bytes: Vec<u8>,
    pub format: DocumentFormat,
}

impl Pages {
    /// The single-page TIFF of page `n` (1-based) of a job's document: as stored, or (`sent`)
    /// as it goes, or went, on the line.
    pub async fn page(&self, caller: &Caller, id: i64, n: u32, sent: bool) -> ApiResult<Vec<u8>> {
        let row = self.jobs.job_for(caller, id).await?;
        check_page_number(&row, n)?;
        if let Some((tsid, at)) = self.sent_branding(&row, sent).await? {
            let page = self.page_to_send(&row, n, &tsid, at).await?;
            return Ok(write_tiff(&[page], &FaxMetadata::default()));
        }
        let (dir, k) = self.page_location(&row, n).await?;
        let docs = self.docs.clone();
        tokio::task::spawn_blocking(move || docs.page_file(&dir, k)).await?.map_err(unreadable)
    }

    /// What a page as sent is branded with: the identity and start time of the job's last
    /// attempt, or, before any, what would be sent now. None when pages are wanted as stored,
    /// when the job is a received fax, or when Branding is off (pages go out as stored).
    async fn sent_branding(&self, row: &JobRow, sent: bool) -> ApiResult<Option<(String, Millis)>> {
        if !sent {
            return Ok(None);
        }
        if row.job_type != JobType::Send {
            return Err(ServiceError::invalid(
                "sent",
                "sent applies to outgoing faxes; a received fax is as it arrived",
            ));
        }
        let s = self.settings.snapshot();
        if !s.branding {
            return Ok(None);
        }
        let attempts = self.store.attempts(row.id).await?;
        if let Some(a) = attempts.last() {
            return Ok(Some((a.tsid.clone(), a.started_at)));
        }
        let tsid = if !row.fields.tsid.is_empty() && !s.use_device_tsid {
            row.fields.tsid.clone()
        } else {
            self.ports.ports().iter().find(|p| p.send).map(|p| p.tsid.clone()).unwrap_or_default()
        };
        Ok(Some((tsid, self.clock.now())))
    }

    /// Page `n` of a job as stored or as sent.
    async fn page_as(&self, row: &JobRow, n: u32, sent: bool) -> ApiResult<CodedPage> {
        match self.sent_branding(row, sent).await? {
            Some((tsid, at)) => self.page_to_send(row, n, &tsid, at).await,
            None => self.job_page(row, n).await,
        }
    }

    /// Page `n` (1-based) of a job as a PNG picture with square pixels: the page itself in
    /// 1 bit, or `width` pixels wide in 8-bit grey (see
    /// [`ferrofax_render::preview::thumbnail_png`]).
    pub async fn page_png(
        &self,
        caller: &Caller,
        id: i64,
        n: u32,
        width: Option<u32>,
        sent: bool,
    ) -> ApiResult<Vec<u8>> {
        if let Some(w) = width {
            let (lo, hi) = ferrofax_api::document::PAGE_PNG_WIDTHS.into_inner();
            validate::range("width", w as i64, lo as i64, hi as i64).map_err(|e| ServiceError::invalid("width", e))?;
        }
        let row = self.jobs.job_for(caller, id).await?;
        check_page_number(&row, n)?;
        let page = self.page_as(&row, n, sent).await?;
        tokio::task::spawn_blocking(move || {
            let bitmap = page.decode(n).map_err(unreadable)?;
            Ok(match width {
                Some(w) if w != bitmap.width() => {
                    ferrofax_render::preview::thumbnail_png(&bitmap, page.resolution, w).png
                }
                _ => ferrofax_render::preview::page_png(&bitmap, page.resolution),
            })
        })
        .await?
    }

    /// Where page `n` (1-based) of what a job sends is kept: the cover page comes first.
    pub async fn page_location(&self, row: &JobRow, mut n: u32) -> ApiResult<(String, u32)> {
        let mut doc_id = row.document_id;
        if let Some(cover) = row.cover_document_id {
            if n == 1 {
                doc_id = cover;
            } else {
                n -= 1;
            }
        }
        let doc = self.store.document(doc_id).await?.ok_or_else(|| not_found("the job's document"))?;
        Ok((doc.dir, n))
    }

    /// The branding line of page `page` of `pages`, sent to `to` at `at` with the identity
    /// `tsid`.
    pub fn branding_line(
        &self,
        fields: &FaxDocFields,
        tsid: &str,
        to: &str,
        at: Millis,
        page: u32,
        pages: u32,
    ) -> BrandingLine {
        let when = crate::clock::timestamp(at).to_zoned_datetime(self.time_zone.clone());
        let from = match (fields.sender_name.trim(), tsid.trim()) {
            ("", t) => t.to_string(),
            (s, "") => s.to_string(),
            (s, t) => format!("{s} {t}"),
        };
        BrandingLine { when: when.strftime("%Y-%m-%d %H:%M").to_string(), from, to: to.to_string(), page, pages }
    }

    /// Page `n` of a job as it goes on the line: with the branding line on top when Branding
    /// is on (`started` is when the call began, `tsid` the identity sent).
    pub async fn page_to_send(&self, row: &JobRow, n: u32, tsid: &str, started: Millis) -> ApiResult<CodedPage> {
        let page = self.job_page(row, n).await?;
        if !self.settings.snapshot().branding {
            return Ok(page);
        }
        let line = self.branding_line(&row.fields, tsid, &row.fax_number, started, n, row.page_count);
        tokio::task::spawn_blocking(move || {
            let bitmap = page.decode(n).map_err(unreadable)?;
            let branded = ferrofax_render::brand(&bitmap, page.resolution, &line);
            Ok(CodedPage::encode_mmr(&branded, page.resolution))
        })
        .await?
    }

    /// Page `n` (1-based) of what a job sends, as coded data.
    /// The size of a job's stored pages in bytes (the cover page's included); 0 if unknown.
    pub async fn document_size(&self, row: &JobRow) -> u64 {
        let mut size = 0;
        for id in row.cover_document_id.into_iter().chain([row.document_id]) {
            if let Ok(Some(doc)) = self.store.document(id).await {
                size += doc.size_bytes;
            }
        }
        size
    }

    pub async fn job_page(&self, row: &JobRow, n: u32) -> ApiResult<CodedPage> {
        let (dir, k) = self.page_location(row, n).await?;
        let docs = self.docs.clone();
        tokio::task::spawn_blocking(move || docs.page(&dir, k)).await?.map_err(unreadable)
    }

    /// Every page of a job as stored: a sent job's cover page and then its document (without
    /// the branding line, which is drawn while sending), or a received fax's pages.
    pub async fn stored_pages(&self, row: &JobRow) -> ApiResult<Vec<CodedPage>> {
        let mut parts = Vec::new();
        for id in row.cover_document_id.into_iter().chain([row.document_id]) {
            let doc = self.store.document(id).await?.ok_or_else(|| not_found("the job's document"))?;
            parts.push((doc.dir, doc.page_count));
        }
        let docs = self.docs.clone();
        tokio::task::spawn_blocking(move || {
            parts
                .iter()
                .flat_map(|(dir, count)| (1..=*count).map(|k| docs.page(dir, k)))
                .collect::<std::io::Result<Vec<_>>>()
        })
        .await?
        .map_err(unreadable)
    }

    /// A job's whole document (see [`Pages::stored_pages`]) as one file with the fax's
    /// metadata, for a caller who may see the job.
    pub async fn job_document(
        &self,
        caller: &Caller,
        id: i64,
        format: DocumentFormat,
        sent: bool,
    ) -> ApiResult<DocumentFile> {
        let row = self.jobs.job_for(caller, id).await?;
        if let Some((tsid, at)) = self.sent_branding(&row, sent).await? {
            let mut pages = Vec::with_capacity(row.page_count as usize);
            for n in 1..=row.page_count {
                pages.push(self.page_to_send(&row, n, &tsid, at).await?);
            }
            let meta = crate::archive::sent_metadata(&row, &tsid, row.finished_at.unwrap_or(at));
            return self.pages_file(pages, meta, format).await;
        }
        let meta = if row.job_type == JobType::Send {
            // The identity the last call sent, else the one asked for.
            let attempts = self.store.attempts(id).await?;
            let tsid = attempts.iter().rev().map(|a| a.tsid.as_str()).find(|t| !t.is_empty());
            let at = row.finished_at.unwrap_or(row.submitted_at);
            crate::archive::sent_metadata(&row, tsid.unwrap_or(&row.fields.tsid), at)
        } else {
            crate::archive::received_metadata(&row)
        };
        self.document_file(&row, meta, format).await
    }

    /// A received fax as one file with its metadata.
    pub async fn received_file(&self, id: i64, format: DocumentFormat) -> ApiResult<DocumentFile> {
        let row = self
            .store
            .job(id)
            .await?
            .filter(|r| r.job_type != JobType::Send)
            .ok_or_else(|| not_found(&format!("received fax {id}")))?;
        let meta = crate::archive::received_metadata(&row);
        self.document_file(&row, meta, format).await
    }

    /// A received fax as one multi-page TIFF with its metadata (routing sends this on; unlike
    /// [`Pages::received_file`] it makes a TIFF even of a reception that kept no page).
    pub async fn received_document(&self, id: i64) -> ApiResult<Vec<u8>> {
        let row = self
            .store
            .job(id)
            .await?
            .filter(|r| r.job_type != JobType::Send)
            .ok_or_else(|| not_found(&format!("received fax {id}")))?;
        let doc = self.store.document(row.document_id).await?.ok_or_else(|| not_found("the fax's document"))?;
        let meta = crate::archive::received_metadata(&row);
        let docs = self.docs.clone();
        tokio::task::spawn_blocking(move || docs.merged(&doc.dir, doc.page_count, &meta)).await?.map_err(unreadable)
    }

    async fn document_file(&self, row: &JobRow, meta: FaxMetadata, format: DocumentFormat) -> ApiResult<DocumentFile> {
        let pages = self.stored_pages(row).await?;
        if pages.is_empty() {
            return Err(ServiceError::refused(
                ferrofax_api::ProblemType::NotFound,
                format!("job {} has no pages", row.id),
            ));
        }
        self.pages_file(pages, meta, format).await
    }

    /// Pages as one TIFF Class F or PDF file.
    async fn pages_file(
        &self,
        pages: Vec<CodedPage>,
        meta: FaxMetadata,
        format: DocumentFormat,
    ) -> ApiResult<DocumentFile> {
        tokio::task::spawn_blocking(move || {
            let bytes = match format {
                DocumentFormat::Tiff => write_tiff(&pages, &meta),
                DocumentFormat::Pdf => ferrofax_route::pdf::fax_pdf(&pages, &meta.description)
                    .map_err(|e| ServiceError::internal("the PDF could not be made", e))?,
            };
            Ok(DocumentFile { bytes, format })
        })
        .await?
    }
}

fn check_page_number(row: &JobRow, n: u32) -> ApiResult<()> {
    if n == 0 || n > row.page_count {
        return Err(not_found(&format!("page {n} of job {} (it has {} pages)", row.id, row.page_count)));
    }
    Ok(())
}
