//! Recording a received fax: its pages become a document, and a Receive job (or FailReceive
//! for a partial one) is written in the state [`crate::lifecycle::received`] gives it; then
//! its routing starts (see [`crate::routing`]).

use std::sync::Arc;

use ferrofax_api::{JobType, PortView};
use ferrofax_image::CodedPage;

use crate::archive::received_metadata;
use crate::clock::Clock;
use crate::committer::Committer;
use crate::documents::DocStore;
use crate::error::{ServiceError, ServiceResult};
use crate::lifecycle;
use crate::queue::Jobs;
use crate::routing::Runtime;
use crate::store::{Created, DocumentRow, JobRow, NewSubmission, Store};

/// A fax as it arrived on a port.
#[derive(Clone)]
pub struct Reception {
    pub port: PortView,
    /// The sender's identity (TSID).
    pub remote_ident: String,
    pub caller_id: String,
    pub called_number: String,
    pub pages: Vec<CodedPage>,
    /// Why the call ended before the fax's end, in fax terms, when it did.
    pub ended_early: Option<String>,
}

/// Records received faxes.
pub struct Receptions {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) docs: DocStore,
    pub(crate) committer: Committer,
    pub(crate) jobs: Arc<Jobs>,
    pub(crate) routing: Arc<Runtime>,
    pub(crate) clock: Arc<dyn Clock>,
}

/// Stores a received fax and routes it. Returns the job id.
impl Receptions {
    /// Stores a received fax (complete, or partial) and starts its routing. Returns the job id.
    pub async fn record(&self, r: Reception, complete: bool) -> ServiceResult<i64> {
        let now = self.clock.now();
        let page_count = r.pages.len() as u32;
        let mut row = JobRow {
            page_count,
            pages_confirmed: page_count,
            fax_number: r.called_number.clone(),
            port: Some(r.port.device_id.clone()),
            remote_ident: r.remote_ident.clone(),
            caller_id: r.caller_id.clone(),
            csid: r.port.csid.clone(),
            ..JobRow::new(JobType::Receive, "", now)
        };
        // A fax with routing to do says so from the start, so that a restart finds it if faxd
        // stops before routing has run (see `startup::recover`). Methods that cannot be read
        // count as routing to do: the routing pass finds out.
        let routing_to_do = match self.store.routing(&r.port.device_id).await {
            Ok(stored) => crate::routing::views(&r.port.device_id, &r.port.name, &stored).iter().any(|m| m.enable),
            Err(e) => {
                tracing::error!(port = %r.port.device_id, error = %e, "could not read the routing methods");
                true
            }
        };
        lifecycle::received(&mut row, complete, r.ended_early.as_deref(), routing_to_do, now);
        let meta = received_metadata(&row);
        let docs = self.docs.clone();
        let pages = r.pages;
        let written = tokio::task::spawn_blocking(move || docs.write(&pages, &meta))
            .await?
            .map_err(|e| ServiceError::internal("the received pages could not be written", e))?;
        let doc = DocumentRow {
            id: 0,
            dir: written.dir.clone(),
            name: format!("fax from {}", r.remote_ident),
            page_count,
            size_bytes: written.size_bytes,
            sha256: written.sha256,
            created_at: now,
        };
        let sub = NewSubmission { doc, jobs: vec![row.clone()], covers: Vec::new(), idempotency: None };
        let created = self
            .committer
            .commit(sub)
            .await
            .map_err(|e| ServiceError::internal("the received fax could not be recorded", e))?;
        let Created::Inserted { document_id, job_ids } = created else {
            return Err(ServiceError::internal(
                "the received fax could not be recorded",
                "it was taken for a repeated submission",
            ));
        };
        row.id = job_ids[0];
        row.document_id = document_id;
        self.jobs.publish(&row);
        tracing::info!(job = row.id, port = %r.port.device_id, pages = page_count, "fax received from {}", r.remote_ident);
        // Routing may take long (an SMTP server, a webhook's retries): it runs on its own, so that
        // the line and the caller are not held.
        self.routing.spawn_route(row.id);
        Ok(row.id)
    }
}
