//! The scheduler: runs the queue. Each pass purges failed jobs after DirtyDays, routes again
//! the received faxes whose routing is due, and asks [`crate::dispatch`] which due jobs start
//! on which free lines (PauseServerQueue, the discount window, RetryDelay, job and port
//! priority are decided there); it claims those jobs, runs each attempt on its line and records
//! its end as [`crate::lifecycle`] decides (Retries, RetriesExceeded), then archives and
//! reports. It sleeps on the injected clock until the next thing is due or something wakes it.

use std::collections::HashMap;
use std::sync::Arc;

use ferrofax_api::{DeviceStatus, JobState, JobType, PortView};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::clock::{Clock, Millis};
use crate::dispatch::{self, LineChoice, QueueTimes};
use crate::lifecycle::{self, AttemptEnd, RetryPolicy};
use crate::lines::{LineContext, LineDriver, Outgoing, not_placed};
use crate::pages::Pages;
use crate::ports::LineRegistry;
use crate::queue::Jobs;
use crate::settings::{DiscountWindow, SettingsCell};
use crate::store::{AttemptRow, Claim, JobFilter, JobRow, Store, StoreError};

/// What the scheduler reads and drives.
pub struct Scheduler {
    pub store: Arc<dyn Store>,
    pub jobs: Arc<Jobs>,
    pub ports: Arc<LineRegistry>,
    pub pages: Arc<Pages>,
    pub settings: Arc<SettingsCell>,
    pub routing: Arc<crate::routing::Runtime>,
    pub lines: Arc<LineContext>,
    pub drivers: Arc<HashMap<String, Arc<dyn LineDriver>>>,
    pub clock: Arc<dyn Clock>,
    pub time_zone: jiff::tz::TimeZone,
    /// How long a claim's lease lasts.
    pub lease_ms: Millis,
    /// Told when something may be due (a submission, a command, a freed line).
    pub wake: Arc<Notify>,
    pub shutdown: CancellationToken,
}

impl Scheduler {
    /// Runs until shutdown.
    pub async fn run(self: Arc<Self>) {
        let core = &self;
        loop {
            let wake_at = match core.tick().await {
                Ok(t) => t,
                Err(e) => {
                    tracing::error!(error = %e, "scheduler pass failed; trying again shortly");
                    Some(core.clock.now() + 5_000)
                }
            };
            let sleep_to = wake_at.unwrap_or(core.clock.now() + 3_600_000);
            tokio::select! {
                _ = core.wake.notified() => {}
                _ = core.clock.sleep_until(sleep_to) => {}
                _ = core.shutdown.cancelled() => return,
            }
        }
    }

    /// One pass: purge, route, start what is due; returns when to look again.
    async fn tick(self: &Arc<Self>) -> Result<Option<Millis>, StoreError> {
        let core = self;
        let now = core.clock.now();
        let s = core.settings.snapshot();
        let mut wake: Option<Millis> = None;
        let mut at = |t: Millis| {
            if t > now {
                wake = Some(wake.map_or(t, |w| w.min(t)));
            }
        };
        if let Some(before) = dispatch::purge_before(now, s.dirty_days) {
            for id in core.store.failed_before(before).await? {
                tracing::info!(job = id, "purging failed job after {} dirty days", s.dirty_days);
                if let Err(e) = core.jobs.delete(id).await {
                    tracing::warn!(job = id, "purge failed: {}", e.chain());
                }
            }
            if let Some(t) = core.store.oldest_failed().await? {
                at(t + (now - before));
            }
        }
        // Received faxes whose routing failed are routed again when due.
        let routing = JobFilter {
            states: vec![JobState::Retrying],
            types: vec![JobType::Routing, JobType::FailReceive],
            limit: 100,
            ..Default::default()
        };
        for job in core.store.jobs(&routing).await? {
            match job.next_attempt_at {
                Some(t) if t <= now => {
                    // On its own task: a webhook's retries must not hold the queue.
                    core.routing.spawn_route(job.id);
                }
                Some(t) => at(t),
                None => {}
            }
        }
        let window = DiscountWindow::new(&s, core.time_zone.clone());
        let ports: Vec<PortView> = core.ports.ports().iter().filter(|p| p.send).cloned().collect();
        // Free lines are held while the store is asked, so that a call arriving meanwhile does not
        // take one that a job is given.
        let reserved: Vec<bool> = ports.iter().map(|p| core.ports.reserve(&p.device_id)).collect();
        let lines: Vec<LineChoice> = ports
            .iter()
            .zip(&reserved)
            .map(|(p, free)| LineChoice { device_id: p.device_id.clone(), priority: p.priority, free: *free })
            .collect();
        let mut started = Vec::new();
        let result = async {
            let head = match dispatch::query(now, s.pause_server_queue, &window, &lines) {
                Some(q) => core.store.queue_head(&q).await?,
                None => Vec::new(),
            };
            let open = window.is_open(now);
            let times = QueueTimes {
                next_due: core.store.next_due(open).await?,
                discount_waiting: !open && core.store.discount_waiting().await?,
            };
            let plan = dispatch::assign(now, s.pause_server_queue, &window, &lines, &head, times);
            let lease = core.lease_ms;
            for (job_id, device_id) in &plan.starts {
                let Some(port) = ports.iter().find(|p| &p.device_id == device_id) else { continue };
                // The call is registered before the job is InProgress, so that a cancel that comes
                // as soon as it is always finds the call to stop.
                let cancel = core.ports.start_call(*job_id);
                let claim = Claim { now, port: device_id, tsid: &port.tsid, lease_until: now + lease };
                match core.store.claim(*job_id, &claim).await {
                    Ok(Some(job)) => started.push((job, port.clone(), cancel)),
                    // Changed since it was read (paused, cancelled): look again at once.
                    Ok(None) => {
                        core.ports.end_call(*job_id);
                        at(now + 1);
                    }
                    Err(e) => {
                        core.ports.end_call(*job_id);
                        return Err(e);
                    }
                }
            }
            Ok::<_, StoreError>(plan.look_again)
        }
        .await;
        for (port, free) in ports.iter().zip(&reserved) {
            if *free && !started.iter().any(|(_, p, _)| p.device_id == port.device_id) {
                core.ports.unreserve(&port.device_id);
            }
        }
        for (job, port, cancel) in started {
            let core = core.clone();
            tokio::spawn(async move { core.attempt(job, port, cancel).await });
        }
        if let Some(t) = result? {
            at(t);
        }
        Ok(wake)
    }

    /// One attempt of a claimed job on a reserved port.
    async fn attempt(self: Arc<Self>, job: JobRow, port: PortView, cancel: CancellationToken) {
        let core = &self;
        // The attempt began when it was claimed (its row says so).
        let started_at = job.lease_until.map(|l| l - core.lease_ms).unwrap_or_else(|| core.clock.now());
        let s = core.settings.snapshot();
        let tsid =
            if s.use_device_tsid || job.fields.tsid.is_empty() { port.tsid.clone() } else { job.fields.tsid.clone() };
        if let Err(e) = core.store.set_attempt_tsid(job.id, job.attempts, &tsid).await {
            tracing::warn!(job = job.id, error = %e, "could not record the attempt's TSID");
        }
        core.jobs.publish(&job);
        tracing::info!(job = job.id, port = %port.device_id, attempt = job.attempts, "sending to {}", job.fax_number);
        let end = if job.pages_confirmed >= job.page_count {
            // Every page was confirmed before a restart of faxd: nothing is sent again.
            AttemptEnd {
                status: DeviceStatus::Completed,
                detail: "all pages were confirmed earlier".into(),
                remote_ident: job.remote_ident.clone(),
                pages_confirmed: job.page_count,
                failure: lifecycle::Failure::Line,
            }
        } else if cancel.is_cancelled() {
            not_placed(&job, DeviceStatus::Aborting, "cancelled before dialling".into())
        } else {
            match core.drivers.get(&port.device_id) {
                Some(driver) => {
                    let call = Outgoing { port: &port, job: &job, tsid: &tsid, cancel: &cancel, started_at };
                    driver.place_call(&core.lines, call).await
                }
                None => not_placed(
                    &job,
                    DeviceStatus::FatalError,
                    format!("port {} has no line configured", port.device_id),
                ),
            }
        };
        core.finish(&job, &port, end, &tsid, cancel.is_cancelled()).await;
        core.ports.end_call(job.id);
        core.ports.release(&port.device_id);
    }

    async fn finish(&self, job: &JobRow, port: &PortView, end: AttemptEnd, tsid: &str, cancelled: bool) {
        let core = self;
        let s = core.settings.snapshot();
        let now = core.clock.now();
        let attempt_row = AttemptRow {
            job_id: job.id,
            number: job.attempts,
            port: port.device_id.clone(),
            started_at: now,
            ended_at: Some(now),
            result: Some(end.status.as_str().into()),
            detail: end.detail.clone(),
            pages_confirmed: end.pages_confirmed,
            remote_ident: end.remote_ident.clone(),
            tsid: tsid.into(),
        };
        let policy = RetryPolicy { retries: s.retries, retry_delay_minutes: s.retry_delay };
        // The job's new state and the attempt's end are one transaction, tried again a few times
        // if the store fails (else the job stays on its lease and is recovered at the next start).
        let mut result = Ok(None);
        for wait_ms in [0, 500, 2_000, 5_000] {
            tokio::time::sleep(std::time::Duration::from_millis(wait_ms)).await;
            result = core
                .jobs
                .end_attempt(job.id, &attempt_row, |r| lifecycle::attempt_ended(r, &end, policy, cancelled, now))
                .await;
            if result.is_ok() {
                break;
            }
        }
        match result {
            Ok(Some(row)) => {
                tracing::info!(job = job.id, state = row.state.as_str(), "attempt ended: {}", end.detail);
                if row.state == JobState::Completed && s.archive_outbound_faxes {
                    archive(&core.pages, &row, tsid, &s.archive_directory, now).await;
                }
                crate::reports::job_ended(&core.routing, &row);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(job = job.id, error = %e, "could not record the attempt's outcome")
            }
        }
    }
}

async fn archive(pages_of: &Pages, row: &JobRow, tsid: &str, dir: &str, now: Millis) {
    let mut pages = Vec::with_capacity(row.page_count as usize);
    for n in 1..=row.page_count {
        match pages_of.job_page(row, n).await {
            Ok(p) => pages.push(p),
            Err(e) => {
                tracing::error!(job = row.id, "archive: page {n} is missing: {}", e.chain());
                return;
            }
        }
    }
    let meta = crate::archive::sent_metadata(row, tsid, now);
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
