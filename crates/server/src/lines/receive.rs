//! Recording a received fax: its pages become a document, a Receive job (or FailReceive for
//! a partial one) is written, and the port's enabled routing methods run. A routing failure
//! leaves the job as a Routing job that the scheduler retries.

use std::collections::HashSet;
use std::sync::Arc;

use ferrofax_api::{DeviceStatus, JobState, JobType, PortView, Problem};
use ferrofax_image::CodedPage;

use crate::archive::received_metadata;
use crate::routing::Fax;
use crate::service::{Core, internal};
use crate::store::{Created, DocumentRow, JobRow, NewSubmission};

/// A fax as it arrived on a port.
#[derive(Clone)]
pub struct Reception {
    pub port: PortView,
    /// The sender's identity (TSID).
    pub remote_ident: String,
    pub caller_id: String,
    pub called_number: String,
    pub pages: Vec<CodedPage>,
}

/// Stores a received fax and routes it. Returns the job id.
pub async fn record_received(core: &Arc<Core>, r: Reception, complete: bool) -> Result<i64, Problem> {
    let now = core.now();
    let page_count = r.pages.len() as u32;
    let mut row = JobRow {
        state: if complete { JobState::Completed } else { JobState::Failed },
        device_status: if complete { DeviceStatus::Completed } else { DeviceStatus::Disconnected },
        page_count,
        pages_confirmed: page_count,
        fax_number: r.called_number.clone(),
        attempts: 1,
        port: Some(r.port.device_id.clone()),
        detail: if complete { "received".into() } else { "partial reception kept".into() },
        finished_at: Some(now),
        remote_ident: r.remote_ident.clone(),
        caller_id: r.caller_id.clone(),
        csid: r.port.csid.clone(),
        ..JobRow::new(if complete { JobType::Receive } else { JobType::FailReceive }, "", now)
    };
    // A fax with routing to do says so from the start, so that a restart finds it if faxd
    // stops before routing has run (see `startup::recover`).
    let stored = core.store.routing(&r.port.device_id).await.unwrap_or_default();
    if crate::routing::views(&r.port.device_id, &r.port.name, &stored).iter().any(|m| m.enable) {
        row.device_status = DeviceStatus::Routing;
    }
    let meta = received_metadata(&row);
    let docs = core.docs.clone();
    let pages = r.pages;
    let written =
        tokio::task::spawn_blocking(move || docs.write(&pages, &meta)).await.map_err(internal)?.map_err(internal)?;
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
    let created = core.committer.commit(sub).await.map_err(internal)?;
    let Created::Inserted { document_id, job_ids } = created else {
        return Err(internal("a received fax was taken for a repeated submission"));
    };
    row.id = job_ids[0];
    row.document_id = document_id;
    core.publish_job(&row);
    tracing::info!(job = row.id, port = %r.port.device_id, pages = page_count, "fax received from {}", r.remote_ident);
    // Routing may take long (an SMTP server, a webhook's retries): it runs on its own, so that
    // the line and the caller are not held.
    let (core, id) = (core.clone(), row.id);
    tokio::spawn(async move { route(&core, id).await });
    Ok(row.id)
}

/// Runs the enabled routing methods of the fax's port that have not succeeded before (see
/// [`crate::routing`]); when one fails the fax becomes a Routing job retried after RetryDelay.
/// A fax being routed already is left alone.
pub async fn route(core: &Arc<Core>, job_id: i64) {
    let Some(_claim) = core.routing.claim(job_id) else {
        return;
    };
    let Ok(Some(row)) = core.store.job(job_id).await else {
        return;
    };
    let Some(port) = row.port.clone().and_then(|p| core.port(&p)) else {
        return;
    };
    let stored = core.store.routing(&port.device_id).await.unwrap_or_default();
    let done: HashSet<&str> = crate::routing::done_entries(&row.routing).map(|(name, _)| name).collect();
    let methods: Vec<_> = crate::routing::views(&port.device_id, &port.name, &stored)
        .into_iter()
        .filter(|m| m.enable && !done.contains(m.function_name.as_str()))
        .collect();
    if methods.is_empty() && row.job_type != JobType::Routing {
        if row.device_status == DeviceStatus::Routing {
            // The methods were turned off meanwhile: nothing is left to do.
            let _ = core
                .modify_job(job_id, |r| {
                    r.device_status = DeviceStatus::Handled;
                    true
                })
                .await;
        }
        return;
    }
    let info = ferrofax_route::ReceivedFax {
        job_id,
        tsid: row.remote_ident.clone(),
        caller_id: row.caller_id.clone(),
        called_number: row.fax_number.clone(),
        csid: row.csid.clone(),
        port: port.device_id.clone(),
        port_name: port.name.clone(),
        pages: row.page_count,
        received_at: crate::clock::timestamp(row.finished_at.unwrap_or(row.submitted_at)),
        time_zone: core.time_zone.clone(),
    };
    let fax = match core.received_document(job_id).await.map_err(|p| p.detail).and_then(|t| Fax::new(info, t)) {
        Ok(f) => Arc::new(f),
        Err(e) => {
            tracing::error!(job = job_id, "routing: {e}");
            return;
        }
    };
    // Entries of methods done before are kept; this pass adds one entry per method run.
    let mut log: Vec<String> = crate::routing::done_entries(&row.routing).map(|(_, e)| e.to_string()).collect();
    let mut failed = Vec::new();
    for m in &methods {
        let name = &m.function_name;
        match crate::routing::run(core, name, &m.routing_data, &fax).await {
            Ok(line) => {
                tracing::info!(job = job_id, method = %name, "routed: {line}");
                log.push(format!("{name}: {}", line.replace(';', ",")));
            }
            Err(e) => {
                tracing::warn!(job = job_id, method = %name, "routing failed: {e}");
                log.push(format!("{name} failed: {}", e.replace(';', ",")));
                failed.push(format!("{name}: {e}"));
            }
        }
    }
    // Routing is retried after RetryDelay, and at least a minute apart.
    let delay = (core.settings().retry_delay as i64 * 60_000).max(60_000);
    let now = core.now();
    let _ = core
        .modify_job(job_id, |r| {
            r.routing = log.join("; ");
            if failed.is_empty() {
                if r.job_type == JobType::Routing {
                    r.job_type = JobType::Receive;
                    r.state = JobState::Completed;
                    r.finished_at = Some(now);
                }
                r.device_status = DeviceStatus::Handled;
                r.detail = "received and routed".into();
            } else {
                r.job_type = JobType::Routing;
                r.state = JobState::Retrying;
                r.device_status = DeviceStatus::Routing;
                r.detail = format!("routing failed: {}", failed.join("; "));
                r.next_attempt_at = Some(now + delay);
                r.finished_at = None;
            }
            true
        })
        .await;
    if !failed.is_empty() {
        core.wake.notify_one();
    }
}
