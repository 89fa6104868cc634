//! The scheduler: starts due jobs on free lines (priority, then submit order), honouring
//! PauseServerQueue, the discount window, RetryDelay and port priority; records the outcome
//! of each attempt (Retries, RetriesExceeded, archive, delivery report); purges failed jobs
//! after DirtyDays.
//! It sleeps on the injected clock until the next thing is due or something wakes it.

use std::sync::Arc;

use ferrofax_api::{DeviceStatus, JobState, JobType, PortView};
use tokio_util::sync::CancellationToken;

use crate::clock::Millis;
use crate::lines::{self, Outcome};

/// What a job cancelled while its call ran says it ended with (the lines say it too).
pub const CANCELLED_DURING_THE_CALL: &str = "cancelled during the call";
use crate::service::Core;
use crate::settings::DiscountWindow;
use crate::store::{AttemptRow, ClaimRule, JobFilter, JobRow};

const DAY_MS: Millis = 86_400_000;

/// Runs until shutdown.
pub async fn run(core: Arc<Core>) {
    loop {
        let wake_at = match tick(&core).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, "scheduler pass failed; trying again shortly");
                Some(core.now() + 5_000)
            }
        };
        let sleep_to = wake_at.unwrap_or(core.now() + 3_600_000);
        tokio::select! {
            _ = core.wake.notified() => {}
            _ = core.clock.sleep_until(sleep_to) => {}
            _ = core.shutdown.cancelled() => return,
        }
    }
}

/// One pass: purge, start what is due; returns when to look again.
async fn tick(core: &Arc<Core>) -> Result<Option<Millis>, crate::store::StoreError> {
    let now = core.now();
    let s = core.settings();
    let mut wake: Option<Millis> = None;
    let mut at = |t: Millis| {
        if t > now {
            wake = Some(wake.map_or(t, |w| w.min(t)));
        }
    };
    if s.dirty_days > 0 {
        let keep = s.dirty_days as Millis * DAY_MS;
        for id in core.store.failed_before(now - keep).await? {
            tracing::info!(job = id, "purging failed job after {} dirty days", s.dirty_days);
            if let Err(p) = core.delete_job(id).await {
                tracing::warn!(job = id, "purge failed: {}", p.detail);
            }
        }
        if let Some(t) = core.store.oldest_failed().await? {
            at(t + keep);
        }
    }
    // Received faxes whose routing failed are routed again when due.
    let routing =
        JobFilter { states: vec![JobState::Retrying], types: vec![JobType::Routing], limit: 100, ..Default::default() };
    for job in core.store.jobs(&routing).await? {
        match job.next_attempt_at {
            Some(t) if t <= now => {
                // On its own task: a webhook's retries must not hold the queue.
                let core = core.clone();
                tokio::spawn(async move { crate::lines::receive::route(&core, job.id).await });
            }
            Some(t) => at(t),
            None => {}
        }
    }
    if s.pause_server_queue {
        return Ok(wake);
    }
    let window = DiscountWindow::new(&s, core.time_zone.clone());
    let open = window.is_open(now);
    let lease = core.config.queue.lease_seconds as Millis * 1000;
    let ports: Vec<PortView> = core.ports.read().expect("ports").iter().filter(|p| p.send).cloned().collect();
    for port in ports {
        if !core.reserve(&port.device_id) {
            continue;
        }
        let rule = ClaimRule { now, discount_open: open, lease_until: now + lease };
        match core.store.claim_next(rule, &port.device_id, &port.tsid).await {
            Ok(Some(job)) => {
                let core = core.clone();
                tokio::spawn(async move { attempt(core, job, port).await });
            }
            Ok(None) => {
                core.unreserve(&port.device_id);
                break;
            }
            Err(e) => {
                core.unreserve(&port.device_id);
                return Err(e);
            }
        }
    }
    if let Some(t) = core.store.next_due(open).await? {
        at(t);
    }
    if !open && core.store.discount_waiting().await? {
        at(window.next_change(now));
    }
    Ok(wake)
}

/// One attempt of a claimed job on a reserved port.
async fn attempt(core: Arc<Core>, job: JobRow, port: PortView) {
    let cancel = CancellationToken::new();
    core.on_line.lock().expect("on_line").insert(job.id, cancel.clone());
    let s = core.settings();
    let tsid =
        if s.use_device_tsid || job.fields.tsid.is_empty() { port.tsid.clone() } else { job.fields.tsid.clone() };
    if let Err(e) = core.store.set_attempt_tsid(job.id, job.attempts, &tsid).await {
        tracing::warn!(job = job.id, error = %e, "could not record the attempt's TSID");
    }
    core.publish_job(&job);
    tracing::info!(job = job.id, port = %port.device_id, attempt = job.attempts, "sending to {}", job.fax_number);
    let outcome = if job.pages_confirmed >= job.page_count {
        // Every page was confirmed before a restart of faxd: nothing is sent again.
        Outcome {
            status: DeviceStatus::Completed,
            detail: "all pages were confirmed earlier".into(),
            remote_ident: job.remote_ident.clone(),
            pages_confirmed: job.page_count,
        }
    } else {
        lines::send(&core, &port, &job, &tsid, &cancel).await
    };
    finish(&core, &job, &port, outcome, &tsid, cancel.is_cancelled()).await;
    core.on_line.lock().expect("on_line").remove(&job.id);
    core.release(&port.device_id);
}

async fn finish(core: &Arc<Core>, job: &JobRow, port: &PortView, o: Outcome, tsid: &str, cancelled: bool) {
    let s = core.settings();
    let now = core.now();
    let attempt_row = AttemptRow {
        job_id: job.id,
        number: job.attempts,
        port: port.device_id.clone(),
        started_at: now,
        ended_at: Some(now),
        result: Some(o.status.as_str().into()),
        detail: o.detail.clone(),
        pages_confirmed: o.pages_confirmed,
        remote_ident: o.remote_ident.clone(),
        tsid: tsid.into(),
    };
    // The job's new state and the attempt's end are one transaction.
    let result = core
        .end_attempt(job.id, &attempt_row, |r| {
            r.current_page = 0;
            r.lease_until = None;
            r.pages_confirmed = r.pages_confirmed.max(o.pages_confirmed);
            if !o.remote_ident.is_empty() {
                r.remote_ident = o.remote_ident.clone();
            }
            r.device_status = o.status;
            r.detail = o.detail.clone();
            if r.state == JobState::Deleting || (cancelled && o.status != DeviceStatus::Completed) {
                r.state = JobState::Canceled;
                r.finished_at = Some(now);
                // The line's own words when it had others to say (the call failed meanwhile).
                r.detail = if o.detail == CANCELLED_DURING_THE_CALL || o.detail.is_empty() {
                    CANCELLED_DURING_THE_CALL.to_string()
                } else {
                    format!("{CANCELLED_DURING_THE_CALL} ({})", o.detail)
                };
            } else if o.status == DeviceStatus::Completed {
                r.state = JobState::Completed;
                r.finished_at = Some(now);
            } else if !o.status.is_retryable() {
                r.state = JobState::Failed;
                r.finished_at = Some(now);
            } else if r.attempts <= s.retries {
                r.state = JobState::Retrying;
                r.next_attempt_at = Some(now + s.retry_delay as Millis * 60_000);
            } else {
                r.state = JobState::RetriesExceeded;
                r.finished_at = Some(now);
                r.detail = format!("{} (after {} attempts)", o.detail, r.attempts);
            }
        })
        .await;
    match result {
        Ok(Some(row)) => {
            tracing::info!(job = job.id, state = row.state.as_str(), "attempt ended: {}", o.detail);
            if row.state == JobState::Completed && s.archive_outbound_faxes {
                archive(core, &row, tsid, &s.archive_directory).await;
            }
            crate::reports::job_ended(core, &row);
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(job = job.id, error = %e, "could not record the attempt's outcome")
        }
    }
}

async fn archive(core: &Arc<Core>, row: &JobRow, tsid: &str, dir: &str) {
    let mut pages = Vec::with_capacity(row.page_count as usize);
    for n in 1..=row.page_count {
        match core.job_page(row, n).await {
            Ok(p) => pages.push(p),
            Err(p) => {
                tracing::error!(job = row.id, "archive: page {n} is missing: {}", p.detail);
                return;
            }
        }
    }
    let meta = crate::archive::sent_metadata(row, tsid, core.now());
    let dir = std::path::PathBuf::from(dir);
    let name = format!("fax-{}.tif", row.id);
    let done = tokio::task::spawn_blocking(move || {
        let bytes = ferrofax_image::write_tiff(&pages, &meta);
        crate::archive::write_durably(&dir, &name, &bytes)
    })
    .await;
    match done {
        Ok(Ok(path)) => tracing::info!(job = row.id, path = %path.display(), "archived"),
        Ok(Err(e)) => tracing::error!(job = row.id, error = %e, "archiving failed"),
        Err(e) => tracing::error!(job = row.id, error = %e, "archiving failed"),
    }
}
