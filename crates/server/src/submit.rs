//! Submitting faxes and acting on jobs: `POST /v1/jobs` (with Idempotency-Key), the job
//! commands and the job list. The checks and the conversion of an upload are shared with
//! `POST /v1/previews`, so that both answer the same problems. A preview goes through the same
//! checks and conversion, fills the cover page for the first recipient and draws the first
//! [`MAX_PREVIEW_PAGES`] pages as they will be sent (branded when Branding is on) as thumbnails
//! [`PREVIEW_WIDTH`] pixels wide; nothing is stored.

use ferrofax_api::validate;
use ferrofax_api::{FaxDocFields, JobType, ProblemType, Recipient, SubmitRequest, SubmitResponse};
use ferrofax_image::{CodedPage, FaxMetadata};
use sha2::{Digest, Sha256};

use base64::Engine;
use ferrofax_api::document::{MAX_PREVIEW_PAGES, PREVIEW_WIDTH};
use ferrofax_api::{PreviewPage, PreviewResponse};
use ferrofax_render::BrandingLine;
use std::path::PathBuf;
use std::time::Instant;

use std::sync::Arc;

use crate::auth::Caller;
use crate::clock::Clock;
use crate::committer::Committer;
use crate::config::Config;
use crate::conversion::{IngestError, ingest};
use crate::documents::DocStore;
use crate::error::{ServiceError, ServiceResult as ApiResult};
use crate::pages::Pages;
use crate::ports::LineRegistry;
use crate::queue::Jobs;
use crate::settings::SettingsCell;
use crate::store::{Created, DocumentRow, IdempotencyKey, JobRow, NewSubmission, Store};

/// The submissions part: checks, converts and records new faxes, and previews them.
pub struct Submissions {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) docs: DocStore,
    pub(crate) committer: Committer,
    pub(crate) config: Arc<Config>,
    pub(crate) settings: Arc<SettingsCell>,
    pub(crate) jobs: Arc<Jobs>,
    pub(crate) pages: Arc<Pages>,
    pub(crate) ports: Arc<LineRegistry>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) time_zone: jiff::tz::TimeZone,
    /// Where the common cover pages are (`coverpages/` of the data directory).
    pub(crate) coverpages: PathBuf,
}

/// An upload as the HTTP layer received it.
pub struct Upload {
    pub request: SubmitRequest,
    pub document: Vec<u8>,
    pub document_name: String,
    /// A personal cover page sent with the job.
    pub coverpage: Option<Vec<u8>>,
    pub idempotency_key: Option<String>,
}

fn invalid(field: &str, detail: impl Into<String>) -> ServiceError {
    ServiceError::invalid(field, detail)
}

/// A FaxDoc that passed the checks that need no conversion.
pub struct Checked<'a> {
    /// One job each, in order.
    pub recipients: Vec<&'a Recipient>,
    /// The cover page template to fill for each recipient, when one was asked for.
    pub template: Option<String>,
}

impl Submissions {
    /// The checks of a FaxDoc that need no conversion: the lengths of its text fields,
    /// recipients and their numbers, the TSID, the report address and the cover page. A
    /// submission and a preview both make them.
    pub fn check_request<'a>(&self, req: &'a SubmitRequest, coverpage: Option<&[u8]>) -> ApiResult<Checked<'a>> {
        // First, so that no other check, and nothing after, handles an oversized text.
        req.check_lengths().map_err(|e| invalid(&e.field, e.detail))?;
        let recipients = req.all_recipients();
        if !req.recipients.is_empty() && !req.recipient.fax_number.is_empty() {
            return Err(invalid("recipients", "give either fax_number or recipients, not both"));
        }
        if recipients.is_empty() {
            return Err(invalid("fax_number", "no recipient: give fax_number or recipients"));
        }
        if recipients.len() > self.config.limits.max_recipients {
            return Err(ServiceError::refused(
                ProblemType::TooLarge,
                format!(
                    "{} recipients; the configured limit is {}",
                    recipients.len(),
                    self.config.limits.max_recipients
                ),
            ));
        }
        for (i, r) in recipients.iter().enumerate() {
            validate::fax_number(&r.fax_number).map_err(|e| {
                invalid(
                    if req.recipients.is_empty() { "fax_number".into() } else { format!("recipients[{i}].fax_number") }
                        .as_str(),
                    e,
                )
            })?;
        }
        validate::identifier("tsid", &req.doc.tsid).map_err(|e| invalid("tsid", e))?;
        if !req.doc.email_address.trim().is_empty() {
            // Delivery reports go there: an address they cannot go to is refused now, not
            // found out when the fax has ended.
            ferrofax_route::mail::parse_recipients(&req.doc.email_address)
                .map_err(|e| invalid("email_address", e.to_string()))?;
        }
        let template = self.coverpage_template(req, coverpage)?;
        Ok(Checked { recipients, template })
    }

    /// Converts an uploaded document into fax pages (away from the async threads; in the
    /// conversion worker when one is configured). A document that cannot be converted is
    /// answered with a problem about the `document` field.
    pub async fn convert_document(&self, document: Vec<u8>) -> ApiResult<Vec<CodedPage>> {
        let limits = self.config.limits.clone();
        let worker = self.config.conversion_worker.clone();
        tokio::task::spawn_blocking(move || ingest(&document, &limits, worker.as_deref())).await?.map_err(|e| match e {
            IngestError::Unsupported(m) => {
                ServiceError::refused(ProblemType::UnsupportedFormat, m).with_field("document")
            }
            IngestError::Bad(m) => ServiceError::refused(ProblemType::BadDocument, m).with_field("document"),
            IngestError::Limit(m) => ServiceError::refused(ProblemType::TooLarge, m).with_field("document"),
            IngestError::Unavailable(m) => {
                ServiceError::refused(ProblemType::UnsupportedFormat, m).with_field("document")
            }
        })
    }

    /// Fills and renders each recipient's cover page, in order.
    pub async fn render_covers(
        &self,
        template: &str,
        recipients: &[&Recipient],
        doc: &FaxDocFields,
        document_pages: u32,
    ) -> ApiResult<Vec<CodedPage>> {
        let zoned = crate::clock::timestamp(self.clock.now()).to_zoned_datetime(self.time_zone.clone());
        let texts = recipients
            .iter()
            .map(|r| {
                let f = crate::coverpage::fields(r, doc, document_pages, &zoned);
                crate::coverpage::fill(template, &f).map_err(|e| invalid("coverpage", e.0))
            })
            .collect::<ApiResult<Vec<String>>>()?;
        tokio::task::spawn_blocking(move || {
            texts.iter().map(|t| crate::coverpage::render(t).map_err(|e| invalid("coverpage", e.0))).collect()
        })
        .await?
    }

    /// Queues a fax: one job per recipient, answered only once stored durably.
    pub async fn submit(&self, caller: &Caller, up: Upload) -> ApiResult<SubmitResponse> {
        let req = &up.request;
        let Checked { recipients, template } = self.check_request(req, up.coverpage.as_deref())?;

        let request_hash = {
            let mut h = Sha256::new();
            h.update(serde_json::to_vec(req).expect("serializable"));
            h.update(Sha256::digest(&up.document));
            hex::encode(h.finalize())
        };
        let idem = match &up.idempotency_key {
            Some(k) if k.is_empty() || k.len() > 200 => {
                return Err(invalid("Idempotency-Key", "an Idempotency-Key must be 1–200 characters"));
            }
            Some(k) => {
                if let Some(done) = self.store.idempotency(&caller.user, k).await? {
                    return self.replay(done, &request_hash).await;
                }
                Some(IdempotencyKey { owner: caller.user.clone(), key: k.clone(), request_hash: request_hash.clone() })
            }
            None => None,
        };

        let pages = self.convert_document(up.document).await?;
        let now = self.clock.now();
        let meta = FaxMetadata {
            description: format!("{} submitted by {}", up.document_name, caller.user),
            software: format!("ferrofax {}", env!("CARGO_PKG_VERSION")),
            sender_name: req.doc.sender_name.clone(),
            ..Default::default()
        };
        let docs = self.docs.clone();
        let page_count = pages.len() as u32;
        let written = tokio::task::spawn_blocking(move || docs.write(&pages, &meta))
            .await?
            .map_err(|e| ServiceError::internal("the document's pages could not be stored", e))?;
        let doc = DocumentRow {
            id: 0,
            dir: written.dir.clone(),
            name: up.document_name.clone(),
            page_count,
            size_bytes: written.size_bytes,
            sha256: written.sha256,
            created_at: now,
        };
        let covers = match &template {
            Some(t) => match self.write_covers(t, &recipients, &req.doc, page_count).await {
                Ok(c) => c,
                Err(p) => {
                    self.docs.remove(&written.dir);
                    return Err(p);
                }
            },
            None => Vec::new(),
        };
        let job_pages = page_count + template.is_some() as u32;
        let rows: Vec<JobRow> = recipients
            .iter()
            .map(|r| JobRow {
                page_count: job_pages,
                fax_number: r.fax_number.trim().to_string(),
                recipient: (*r).clone(),
                fields: req.doc.clone(),
                discount_send: req.doc.discount_send,
                next_attempt_at: Some(now),
                ..JobRow::new(JobType::Send, &caller.user, now)
            })
            .collect();
        let cover_dirs: Vec<String> = covers.iter().flatten().map(|c| c.dir.clone()).collect();
        let forget_files = |docs: &crate::documents::DocStore| {
            docs.remove(&written.dir);
            cover_dirs.iter().for_each(|d| docs.remove(d));
        };
        let sub = NewSubmission { doc, jobs: rows.clone(), covers, idempotency: idem };
        let (document_id, job_ids) = match self.committer.commit(sub).await {
            Ok(Created::Inserted { document_id, job_ids }) => (document_id, job_ids),
            Ok(Created::Existing(done)) => {
                // The same key was committed by a concurrent request meanwhile.
                forget_files(&self.docs);
                return self.replay(done, &request_hash).await;
            }
            Err(e) => {
                forget_files(&self.docs);
                return Err(ServiceError::internal("the fax could not be recorded", e));
            }
        };
        for (id, mut row) in job_ids.iter().zip(rows) {
            row.id = *id;
            row.document_id = document_id;
            self.jobs.publish(&row);
        }
        self.ports.wake_scheduler();
        Ok(SubmitResponse { job_ids, document_id, page_count: job_pages })
    }

    /// Fills and renders each recipient's cover page and writes it as a one-page document.
    async fn write_covers(
        &self,
        template: &str,
        recipients: &[&Recipient],
        doc: &FaxDocFields,
        document_pages: u32,
    ) -> ApiResult<Vec<Option<DocumentRow>>> {
        let now = self.clock.now();
        let pages = self.render_covers(template, recipients, doc, document_pages).await?;
        let docs = self.docs.clone();
        let written =
            tokio::task::spawn_blocking(move || -> Result<Vec<crate::documents::WrittenDoc>, ServiceError> {
                let mut out = Vec::with_capacity(pages.len());
                for page in &pages {
                    match docs.write(std::slice::from_ref(page), &FaxMetadata::default()) {
                        Ok(w) => out.push(w),
                        Err(e) => {
                            out.iter().for_each(|w| docs.remove(&w.dir));
                            return Err(ServiceError::internal("a cover page could not be stored", e));
                        }
                    }
                }
                Ok(out)
            })
            .await??;
        Ok(written
            .into_iter()
            .map(|w| {
                Some(DocumentRow {
                    id: 0,
                    dir: w.dir,
                    name: "cover page".into(),
                    page_count: 1,
                    size_bytes: w.size_bytes,
                    sha256: w.sha256,
                    created_at: now,
                })
            })
            .collect())
    }

    async fn replay(&self, done: crate::store::IdempotentOutcome, request_hash: &str) -> ApiResult<SubmitResponse> {
        if done.request_hash != request_hash {
            return Err(ServiceError::refused(
                ProblemType::IdempotencyConflict,
                "this Idempotency-Key was used before with a different request",
            ));
        }
        let first = done.job_ids.first().copied().unwrap_or_default();
        let page_count = self.store.job(first).await?.map(|j| j.page_count).unwrap_or(0);
        Ok(SubmitResponse { job_ids: done.job_ids, document_id: done.document_id, page_count })
    }

    /// The cover page template a submission asks for, checked against ServerCoverpage.
    fn coverpage_template(&self, req: &SubmitRequest, personal: Option<&[u8]>) -> ApiResult<Option<String>> {
        let d = &req.doc;
        if !d.send_coverpage {
            return Ok(None);
        }
        if !d.server_coverpage && self.settings.snapshot().server_coverpage {
            return Err(ServiceError::refused(
                ProblemType::InvalidValue,
                "this server allows only its common cover pages (ServerCoverpage is on); set server_coverpage and name one",
            )
            .with_field("server_coverpage"));
        }
        if d.server_coverpage {
            let name = d.coverpage_name.as_str();
            let ok = !name.is_empty() && !name.contains('/') && !name.starts_with('.');
            let dir = self.coverpages.clone();
            // `classic` finds classic.svg; `notice.txt` is taken as named.
            let found = [name.to_string(), format!("{name}.svg"), format!("{name}.txt")]
                .iter()
                .find_map(|n| if ok { std::fs::read_to_string(dir.join(n)).ok() } else { None });
            return found
                .map(Some)
                .ok_or_else(|| invalid("coverpage_name", format!("the server has no common cover page `{name}`")));
        }
        let bytes = personal.ok_or_else(|| {
            invalid("coverpage", "a personal cover page must be uploaded as the multipart part `coverpage`")
        })?;
        let text = std::str::from_utf8(bytes).map_err(|_| {
            ServiceError::refused(
                ProblemType::UnsupportedFormat,
                "a personal cover page must be an SVG or UTF-8 text template",
            )
            .with_field("coverpage")
        })?;
        Ok(Some(text.to_string()))
    }

    /// Checks and converts an upload as [`Core::submit`] does and draws its first pages.
    /// The upload's idempotency key, if any, is not used.
    pub async fn preview(&self, caller: &Caller, up: Upload) -> ApiResult<PreviewResponse> {
        let started = Instant::now();
        let req = &up.request;
        let Checked { recipients, template } = self.check_request(req, up.coverpage.as_deref())?;
        let document = self.convert_document(up.document).await?;
        let first = recipients[0];
        let covers = match &template {
            Some(t) => self.render_covers(t, &[first], &req.doc, document.len() as u32).await?,
            None => Vec::new(),
        };
        let cover_pages = covers.len() as u32;
        let page_count = cover_pages + document.len() as u32;
        let branding = self.settings.snapshot().branding.then(|| (self.tsid_to_send(&req.doc), self.clock.now()));
        let to = first.fax_number.trim();
        let drawn = covers
            .into_iter()
            .map(|p| (p, true))
            .chain(document.into_iter().map(|p| (p, false)))
            .take(MAX_PREVIEW_PAGES as usize)
            .zip(1..)
            .map(|((page, cover), n)| {
                let line = branding
                    .as_ref()
                    .map(|(tsid, at)| self.pages.branding_line(&req.doc, tsid, to, *at, n, page_count));
                tokio::task::spawn_blocking(move || draw(&page, n, cover, line.as_ref()))
            })
            .collect::<Vec<_>>();
        let mut pages = Vec::with_capacity(drawn.len());
        for task in drawn {
            pages.push(task.await??);
        }
        tracing::debug!(
            user = %caller.user,
            pages = page_count,
            drawn = pages.len(),
            ms = started.elapsed().as_millis() as u64,
            "previewed a fax"
        );
        Ok(PreviewResponse { page_count, cover_pages, pages })
    }

    /// The identity a fax would be sent with: its own TSID, unless it has none or the server
    /// uses the ports' (UseDeviceTsid); then that of the first port that sends.
    pub fn tsid_to_send(&self, doc: &FaxDocFields) -> String {
        if !doc.tsid.is_empty() && !self.settings.snapshot().use_device_tsid {
            return doc.tsid.clone();
        }
        self.ports.ports().iter().find(|p| p.send).map(|p| p.tsid.clone()).unwrap_or_default()
    }
}

/// Page `n` drawn as a thumbnail, branded as it will be sent when `line` is given.
fn draw(page: &CodedPage, n: u32, cover: bool, line: Option<&BrandingLine>) -> Result<PreviewPage, ServiceError> {
    let mut bitmap = page.decode(n).map_err(|e| ServiceError::internal("a converted page could not be drawn", e))?;
    if let Some(line) = line {
        bitmap = ferrofax_render::brand(&bitmap, page.resolution, line);
    }
    let t = ferrofax_render::preview::thumbnail_png(&bitmap, page.resolution, PREVIEW_WIDTH);
    let png = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(&t.png));
    Ok(PreviewPage { number: n, cover, width: t.width, height: t.height, png })
}
