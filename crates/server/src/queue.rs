//! The jobs: reading and changing stored jobs, and publishing each change. Every change goes
//! through [`Jobs::modify`] (optimistic, retried on a concurrent write) with a rule of
//! [`crate::lifecycle`]; the users' commands, an attempt's page progress and its end, listing
//! and deleting are here. Who may see a job is decided here too (`job_for`).

use std::sync::Arc;

use ferrofax_api::{DeviceStatus, EventBody, JobCommand, JobList, JobType, JobView};

use crate::auth::Caller;
use crate::clock::{Clock, Millis};
use crate::documents::DocStore;
use crate::error::{ServiceError, ServiceResult};
use crate::events::EventHub;
use crate::jobs::{self, Outlook};
use crate::lifecycle::{self, Effect};
use crate::ports::LineRegistry;
use crate::settings::{DiscountWindow, SettingsCell};
use crate::store::{AttemptRow, JobFilter, JobRow, Search, SearchFields, Store, StoreError};

/// The search of a list (`q`), checked: none when empty or blank.
pub fn search(text: Option<&str>, within: SearchFields) -> ServiceResult<Option<Search>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    ferrofax_api::validate::search(text).map_err(|e| ServiceError::invalid("q", e))?;
    Ok(Some(Search { text: text.to_string(), within }))
}

/// The jobs part.
pub struct Jobs {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) docs: DocStore,
    pub(crate) events: Arc<EventHub>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: Arc<SettingsCell>,
    pub(crate) ports: Arc<LineRegistry>,
    pub(crate) time_zone: jiff::tz::TimeZone,
    /// How long a call's lease on its job lasts without a confirmed page.
    pub(crate) lease_ms: Millis,
}

impl Jobs {
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// What the queue looks like now, for showing jobs.
    pub fn outlook(&self) -> Outlook {
        let s = self.settings.snapshot();
        let window = DiscountWindow::new(&s, self.time_zone.clone());
        Outlook::new(self.clock.now(), s.retries, self.ports.no_send_port(), s.pause_server_queue, window)
    }

    /// The API view of a job.
    pub fn view(&self, row: &JobRow) -> JobView {
        jobs::view(row, &self.outlook())
    }

    /// Publishes a job's change.
    pub fn publish(&self, row: &JobRow) {
        let owner = (row.job_type == JobType::Send).then_some(row.owner.as_str());
        self.events.publish(self.clock.now(), owner, EventBody::Job { job: Box::new(self.view(row)) });
    }

    /// Loads, changes and saves a job, trying again when another writer changed it meanwhile;
    /// `change` returns false to leave the job as it is. Publishes the change.
    pub async fn modify(
        &self,
        id: i64,
        mut change: impl FnMut(&mut JobRow) -> bool,
    ) -> Result<Option<JobRow>, StoreError> {
        loop {
            let Some(mut row) = self.store.job(id).await? else {
                return Ok(None);
            };
            if !change(&mut row) {
                return Ok(Some(row));
            }
            match self.store.save_job(&row).await {
                Ok(saved) => {
                    self.publish(&saved);
                    return Ok(Some(saved));
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Like `modify`, and ends the job's open attempt in the same transaction.
    pub async fn end_attempt(
        &self,
        id: i64,
        attempt: &AttemptRow,
        mut change: impl FnMut(&mut JobRow),
    ) -> Result<Option<JobRow>, StoreError> {
        loop {
            let Some(mut row) = self.store.job(id).await? else { return Ok(None) };
            change(&mut row);
            match self.store.save_job_ending_attempt(&row, attempt).await {
                Ok(saved) => {
                    self.publish(&saved);
                    return Ok(Some(saved));
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Records that page `n` of a job is on the line.
    pub async fn page_started(&self, id: i64, n: u32) {
        let r = self
            .modify(id, |r| {
                r.current_page = n;
                r.device_status = DeviceStatus::Sending;
                true
            })
            .await;
        if let Err(e) = r {
            tracing::error!(job = id, error = %e, "could not record page progress");
        }
    }

    /// Records, durably, that the receiver confirmed page `n`; renews the job's lease.
    pub async fn page_confirmed(&self, id: i64, n: u32) {
        let lease = self.clock.now() + self.lease_ms;
        let r = self
            .modify(id, |r| {
                r.pages_confirmed = r.pages_confirmed.max(n);
                r.lease_until = Some(lease);
                true
            })
            .await;
        if let Err(e) = r {
            tracing::error!(job = id, error = %e, "could not record a confirmed page");
        }
    }

    /// A job the caller may see.
    pub async fn job_for(&self, caller: &Caller, id: i64) -> ServiceResult<JobRow> {
        let row = self.store.job(id).await?.ok_or_else(|| ServiceError::not_found(&format!("job {id}")))?;
        if !caller.admin && row.job_type == JobType::Send && row.owner != caller.user {
            return Err(ServiceError::not_found(&format!("job {id}")));
        }
        Ok(row)
    }

    /// A job as the caller may see it.
    pub async fn get(&self, caller: &Caller, id: i64) -> ServiceResult<JobView> {
        Ok(self.view(&self.job_for(caller, id).await?))
    }

    /// Lists jobs newest first. Users see only their own outgoing jobs.
    pub async fn list(&self, caller: &Caller, mut filter: JobFilter) -> ServiceResult<JobList> {
        if !caller.admin {
            if filter.owner.as_deref().is_some_and(|o| o != caller.user) {
                return Err(ServiceError::forbidden("a user may list only their own jobs"));
            }
            filter.owner = Some(caller.user.clone());
            filter.types = vec![JobType::Send];
        }
        filter.limit = filter.limit.clamp(1, 1000);
        let rows = self.store.jobs(&filter).await?;
        let next_after = (rows.len() as u32 == filter.limit).then(|| rows.last().map(|r| r.id)).flatten();
        let outlook = self.outlook();
        Ok(JobList { jobs: rows.iter().map(|r| jobs::view(r, &outlook)).collect(), next_after })
    }

    /// Applies a command to a job (the rules of `lifecycle::decide`). A job cancelled during
    /// its call is Deleting until its line has ended the call.
    pub async fn command(&self, caller: &Caller, id: i64, cmd: JobCommand) -> ServiceResult<Option<JobView>> {
        let row = self.job_for(caller, id).await?;
        if row.job_type != JobType::Send && !caller.admin {
            return Err(ServiceError::forbidden("only an administrator may change received faxes"));
        }
        let now = self.clock.now();
        let mut refusal = None;
        let mut effect = None;
        let saved = self
            .modify(id, |r| match lifecycle::decide(r.job_type, r.state, r.paused, cmd) {
                Ok(Effect::Delete) => {
                    effect = Some(Effect::Delete);
                    false
                }
                Ok(e) => {
                    lifecycle::apply_command(r, e, now);
                    effect = Some(e);
                    true
                }
                Err(why) => {
                    refusal = Some(why);
                    false
                }
            })
            .await?
            .ok_or_else(|| ServiceError::not_found(&format!("job {id}")))?;
        if let Some(why) = refusal {
            return Err(ServiceError::state(format!("job {id}: {why}")));
        }
        match effect {
            Some(Effect::Delete) => {
                self.delete(id).await?;
                Ok(None)
            }
            Some(Effect::CancelOnLine) => {
                // The call ends the T.30 way; a job claimed but not yet dialling sees the
                // Deleting state itself (see the scheduler's attempt).
                self.ports.cancel_call(id);
                Ok(Some(self.view(&saved)))
            }
            _ => {
                self.ports.wake_scheduler();
                Ok(Some(self.view(&saved)))
            }
        }
    }

    /// The attempts of a job, oldest first.
    pub async fn attempts(&self, caller: &Caller, id: i64) -> ServiceResult<Vec<ferrofax_api::Attempt>> {
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
    pub async fn delete(&self, id: i64) -> ServiceResult<()> {
        for dir in self.store.delete_job(id).await? {
            self.docs.remove(&dir);
        }
        self.events.publish(self.clock.now(), None, EventBody::JobRemoved { job_id: id });
        Ok(())
    }
}
