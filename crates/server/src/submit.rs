//! Submitting faxes and acting on jobs: `POST /v1/jobs` (with Idempotency-Key), the job
//! commands and the job list. The checks and the conversion of an upload are shared with
//! `POST /v1/previews` (see [`crate::preview`]), so that both answer the same problems.

use ferrofax_api::validate;
use ferrofax_api::{
    DeviceStatus, FaxDocFields, JobCommand, JobList, JobType, JobView, Problem, ProblemType, Recipient, SubmitRequest,
    SubmitResponse,
};
use ferrofax_image::{CodedPage, FaxMetadata};
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::conversion::{IngestError, ingest};
use crate::jobs::{self, Effect};
use crate::service::{ApiResult, Core, internal, not_found};
use crate::store::{Created, DocumentRow, IdempotencyKey, JobFilter, JobRow, NewSubmission};

/// An upload as the HTTP layer received it.
pub struct Upload {
    pub request: SubmitRequest,
    pub document: Vec<u8>,
    pub document_name: String,
    /// A personal cover page sent with the job.
    pub coverpage: Option<Vec<u8>>,
    pub idempotency_key: Option<String>,
}

fn invalid(field: &str, detail: impl Into<String>) -> Problem {
    Problem::new(ProblemType::InvalidValue, detail).with_field(field)
}

/// A FaxDoc that passed the checks that need no conversion.
pub struct Checked<'a> {
    /// One job each, in order.
    pub recipients: Vec<&'a Recipient>,
    /// The cover page template to fill for each recipient, when one was asked for.
    pub template: Option<String>,
}

impl Core {
    /// The checks of a FaxDoc that need no conversion: recipients and their numbers, the TSID,
    /// the report address and the cover page. A submission and a preview both make them.
    pub fn check_request<'a>(&self, req: &'a SubmitRequest, coverpage: Option<&[u8]>) -> ApiResult<Checked<'a>> {
        let recipients = req.all_recipients();
        if !req.recipients.is_empty() && !req.recipient.fax_number.is_empty() {
            return Err(invalid("recipients", "give either fax_number or recipients, not both"));
        }
        if recipients.is_empty() {
            return Err(invalid("fax_number", "no recipient: give fax_number or recipients"));
        }
        if recipients.len() > self.config.limits.max_recipients {
            return Err(Problem::new(
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
        tokio::task::spawn_blocking(move || ingest(&document, &limits, worker.as_deref()))
            .await
            .map_err(internal)?
            .map_err(|e| match e {
                IngestError::Unsupported(m) => Problem::new(ProblemType::UnsupportedFormat, m).with_field("document"),
                IngestError::Bad(m) => Problem::new(ProblemType::BadDocument, m).with_field("document"),
                IngestError::Limit(m) => Problem::new(ProblemType::TooLarge, m).with_field("document"),
                IngestError::Unavailable(m) => Problem::new(ProblemType::UnsupportedFormat, m).with_field("document"),
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
        let zoned = crate::clock::timestamp(self.now()).to_zoned_datetime(self.time_zone.clone());
        let texts = recipients
            .iter()
            .map(|r| {
                let f = crate::coverpage::fields(r, doc, document_pages, &zoned);
                crate::coverpage::fill(template, &f).map_err(|e| invalid("coverpage", e))
            })
            .collect::<ApiResult<Vec<String>>>()?;
        tokio::task::spawn_blocking(move || {
            texts.iter().map(|t| crate::coverpage::render(t).map_err(|e| invalid("coverpage", e))).collect()
        })
        .await
        .map_err(internal)?
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
        let now = self.now();
        let meta = FaxMetadata {
            description: format!("{} submitted by {}", up.document_name, caller.user),
            software: format!("ferrofax {}", env!("CARGO_PKG_VERSION")),
            sender_name: req.doc.sender_name.clone(),
            ..Default::default()
        };
        let docs = self.docs.clone();
        let page_count = pages.len() as u32;
        let written = tokio::task::spawn_blocking(move || docs.write(&pages, &meta))
            .await
            .map_err(internal)?
            .map_err(internal)?;
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
                return Err(internal(e));
            }
        };
        for (id, mut row) in job_ids.iter().zip(rows) {
            row.id = *id;
            row.document_id = document_id;
            self.publish_job(&row);
        }
        self.wake.notify_one();
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
        let now = self.now();
        let pages = self.render_covers(template, recipients, doc, document_pages).await?;
        let docs = self.docs.clone();
        let written = tokio::task::spawn_blocking(move || -> Result<Vec<crate::documents::WrittenDoc>, Problem> {
            let mut out = Vec::with_capacity(pages.len());
            for page in &pages {
                match docs.write(std::slice::from_ref(page), &FaxMetadata::default()) {
                    Ok(w) => out.push(w),
                    Err(e) => {
                        out.iter().for_each(|w| docs.remove(&w.dir));
                        return Err(internal(e));
                    }
                }
            }
            Ok(out)
        })
        .await
        .map_err(internal)??;
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
            return Err(Problem::new(
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
        if !d.server_coverpage && self.settings().server_coverpage {
            return Err(Problem::new(
                ProblemType::InvalidValue,
                "this server allows only its common cover pages (ServerCoverpage is on); set server_coverpage and name one",
            )
            .with_field("server_coverpage"));
        }
        if d.server_coverpage {
            let name = d.coverpage_name.as_str();
            let ok = !name.is_empty() && !name.contains('/') && !name.starts_with('.');
            let dir = self.data_dir.join("coverpages");
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
            Problem::new(ProblemType::UnsupportedFormat, "a personal cover page must be an SVG or UTF-8 text template")
                .with_field("coverpage")
        })?;
        Ok(Some(text.to_string()))
    }

    /// A job as the caller may see it.
    pub async fn get_job(&self, caller: &Caller, id: i64) -> ApiResult<JobView> {
        Ok(self.view(&self.job_for(caller, id).await?))
    }

    /// Lists jobs newest first. Users see only their own outgoing jobs.
    pub async fn list_jobs(&self, caller: &Caller, mut filter: JobFilter) -> ApiResult<JobList> {
        if !caller.admin {
            if filter.owner.as_deref().is_some_and(|o| o != caller.user) {
                return Err(crate::service::forbidden("a user may list only their own jobs"));
            }
            filter.owner = Some(caller.user.clone());
            filter.types = vec![JobType::Send];
        }
        filter.limit = filter.limit.clamp(1, 1000);
        let rows = self.store.jobs(&filter).await?;
        let next_after = (rows.len() as u32 == filter.limit).then(|| rows.last().map(|r| r.id)).flatten();
        Ok(JobList { jobs: rows.iter().map(|r| self.view(r)).collect(), next_after })
    }

    /// Applies a command to a job (the state rules of `jobs::decide`).
    pub async fn command(&self, caller: &Caller, id: i64, cmd: JobCommand) -> ApiResult<Option<JobView>> {
        let row = self.job_for(caller, id).await?;
        if row.job_type != JobType::Send && !caller.admin {
            return Err(crate::service::forbidden("only an administrator may change received faxes"));
        }
        let now = self.now();
        let mut refusal = None;
        let mut effect = None;
        let saved = self
            .modify_job(id, |r| match jobs::decide(r.job_type, r.state, r.paused, cmd) {
                Ok(Effect::Delete) => {
                    effect = Some(Effect::Delete);
                    false
                }
                Ok(e) => {
                    jobs::apply(r, e, now);
                    effect = Some(e);
                    true
                }
                Err(why) => {
                    refusal = Some(why);
                    false
                }
            })
            .await?
            .ok_or_else(|| not_found(&format!("job {id}")))?;
        if let Some(why) = refusal {
            return Err(Problem::new(ProblemType::InvalidState, format!("job {id}: {why}")));
        }
        match effect {
            Some(Effect::Delete) => {
                self.delete_job(id).await?;
                Ok(None)
            }
            Some(Effect::CancelOnLine) => {
                if let Some(t) = self.on_line.lock().expect("on_line").get(&id) {
                    t.cancel();
                }
                Ok(Some(self.view(&saved)))
            }
            _ => {
                self.wake.notify_one();
                Ok(Some(self.view(&saved)))
            }
        }
    }

    /// The attempts of a job, oldest first.
    pub async fn attempts(&self, caller: &Caller, id: i64) -> ApiResult<Vec<ferrofax_api::Attempt>> {
        self.job_for(caller, id).await?;
        let rows = self.store.attempts(id).await?;
        Ok(rows
            .into_iter()
            .map(|a| ferrofax_api::Attempt {
                number: a.number,
                port: a.port,
                started_at: crate::clock::timestamp(a.started_at),
                ended_at: a.ended_at.map(crate::clock::timestamp),
                result: a.result.as_deref().and_then(DeviceStatus::parse),
                detail: a.detail,
                pages_confirmed: a.pages_confirmed,
                remote_ident: a.remote_ident,
                tsid: a.tsid,
            })
            .collect())
    }

    /// Deletes a job row and, when no other job uses it, its document.
    pub async fn delete_job(&self, id: i64) -> ApiResult<()> {
        for dir in self.store.delete_job(id).await? {
            self.docs.remove(&dir);
        }
        self.events.publish(self.now(), None, ferrofax_api::EventBody::JobRemoved { job_id: id });
        Ok(())
    }
}
