//! The fax service: the object model's operations over the store, the documents, the lines
//! and the event hub. The HTTP layer and the scheduler call it; it checks rights and values
//! and answers errors as problem reports.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use ferrofax_api::{
    DeviceStatus, EventBody, FaxStatus, JobType, JobView, PortView, Problem, ProblemType, ServerSettings,
};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::auth::Caller;
use crate::clock::{Clock, Millis};
use crate::config::Config;
use crate::documents::DocStore;
use crate::events::EventHub;
use crate::jobs;
use crate::store::{JobRow, Store, StoreError};

pub type ApiResult<T> = Result<T, Problem>;

/// Logs an internal failure and answers it without details.
pub fn internal(e: impl std::fmt::Display) -> Problem {
    tracing::error!(error = %e, "internal error");
    Problem::new(ProblemType::Internal, "the server failed to do this; its log has the details")
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        internal(e)
    }
}

pub fn not_found(what: &str) -> Problem {
    Problem::new(ProblemType::NotFound, format!("{what} does not exist"))
}

pub fn forbidden(detail: &str) -> Problem {
    Problem::new(ProblemType::Forbidden, detail)
}

/// The search of a list (`q`), checked: none when empty or blank.
pub fn search(text: Option<&str>, within: crate::store::SearchFields) -> ApiResult<Option<crate::store::Search>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    ferrofax_api::validate::search(text).map_err(|e| Problem::new(ProblemType::InvalidValue, e).with_field("q"))?;
    Ok(Some(crate::store::Search { text: text.to_string(), within }))
}

/// The live state of one line.
#[derive(Debug, Clone)]
pub struct Live {
    pub busy: bool,
    pub status: FaxStatus,
}

/// Everything the server runs on.
pub struct Core {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    pub data_dir: PathBuf,
    pub docs: DocStore,
    pub events: Arc<EventHub>,
    pub settings: RwLock<ServerSettings>,
    pub time_zone: jiff::tz::TimeZone,
    /// Port settings, in priority order.
    pub ports: RwLock<Vec<PortView>>,
    pub live: Mutex<HashMap<String, Live>>,
    /// Cancellation of the jobs on lines now.
    pub on_line: Mutex<HashMap<i64, CancellationToken>>,
    /// Wakes the scheduler.
    pub wake: Notify,
    /// Serialises port changes (priority renumbering reads and writes all ports).
    pub port_lock: tokio::sync::Mutex<()>,
    pub shutdown: CancellationToken,
    /// Records submissions in group commits.
    pub committer: crate::committer::Committer,
    /// Sign-in state kept in memory (failed password checks).
    pub accounts: crate::auth::Accounts,
    /// The SIP user agent of each SIP line.
    pub sip_agents: Mutex<HashMap<String, Arc<ferrofax_sip::SipAgent>>>,
    /// Routing of received faxes: download links, the webhook client, faxes being routed.
    pub routing: crate::routing::Runtime,
}

impl Core {
    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    pub fn settings(&self) -> ServerSettings {
        self.settings.read().expect("settings").clone()
    }

    /// Whether no port can send now (the NoLine modifier of due jobs).
    pub fn no_send_port(&self) -> bool {
        !self.ports.read().expect("ports").iter().any(|p| p.send)
    }

    pub fn port(&self, id: &str) -> Option<PortView> {
        self.ports.read().expect("ports").iter().find(|p| p.device_id == id).cloned()
    }

    /// The API view of a job.
    pub fn view(&self, row: &JobRow) -> JobView {
        jobs::view(row, self.no_send_port(), self.settings().retries, self.now())
    }

    /// Publishes a job's change.
    pub fn publish_job(&self, row: &JobRow) {
        let owner = (row.job_type == JobType::Send).then_some(row.owner.as_str());
        self.events.publish(self.now(), owner, EventBody::Job { job: Box::new(self.view(row)) });
    }

    /// Loads, changes and saves a job, retrying when another writer changed it meanwhile;
    /// `change` returns false to leave the job as it is. Publishes the change.
    pub async fn modify_job(
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
                    self.publish_job(&saved);
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
            .modify_job(id, |r| {
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
    pub async fn page_confirmed(&self, id: i64, _attempt: u32, n: u32) {
        let lease = self.now() + self.config.queue.lease_seconds as Millis * 1000;
        let r = self
            .modify_job(id, |r| {
                r.pages_confirmed = r.pages_confirmed.max(n);
                r.lease_until = Some(lease);
                true
            })
            .await;
        if let Err(e) = r {
            tracing::error!(job = id, error = %e, "could not record a confirmed page");
        }
    }

    /// Like `modify_job`, and ends the job's open attempt in the same transaction.
    pub async fn end_attempt(
        &self,
        id: i64,
        attempt: &crate::store::AttemptRow,
        mut change: impl FnMut(&mut JobRow),
    ) -> Result<Option<JobRow>, StoreError> {
        loop {
            let Some(mut row) = self.store.job(id).await? else { return Ok(None) };
            change(&mut row);
            match self.store.save_job_ending_attempt(&row, attempt).await {
                Ok(saved) => {
                    self.publish_job(&saved);
                    return Ok(Some(saved));
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// A job the caller may see.
    pub async fn job_for(&self, caller: &Caller, id: i64) -> ApiResult<JobRow> {
        let row = self.store.job(id).await?.ok_or_else(|| not_found(&format!("job {id}")))?;
        if !caller.admin && row.job_type == JobType::Send && row.owner != caller.user {
            return Err(not_found(&format!("job {id}")));
        }
        Ok(row)
    }

    /// Changes the live state of a port and publishes it.
    pub fn set_live(&self, device_id: &str, change: impl FnOnce(&mut Live)) {
        let status = {
            let mut live = self.live.lock().expect("live");
            let Some(l) = live.get_mut(device_id) else {
                return;
            };
            change(l);
            if let Some(start) = l.status.start_time {
                let now = crate::clock::timestamp(self.now());
                l.status.elapsed_time = now.duration_since(start).as_secs().max(0) as u64;
            }
            l.status.description = describe(&l.status);
            l.status.clone()
        };
        let status = FaxStatus { line: self.line_state(device_id), ..status };
        self.events.publish(self.now(), None, EventBody::PortStatus { status: Box::new(status) });
    }

    pub fn live_status(&self, device_id: &str) -> Option<FaxStatus> {
        let mut s = self.live.lock().expect("live").get(device_id).map(|l| l.status.clone())?;
        if let Some(start) = s.start_time {
            s.elapsed_time = crate::clock::timestamp(self.now()).duration_since(start).as_secs().max(0) as u64;
        }
        s.line = self.line_state(device_id);
        Some(s)
    }

    /// The state of the line under a port, in words (a SIP line's registration), or empty.
    fn line_state(&self, device_id: &str) -> String {
        let agent = self.sip_agents.lock().expect("sip agents").get(device_id).cloned();
        let Some(registration) = agent.and_then(|a| a.registration()) else {
            return String::new();
        };
        let state = registration.borrow().clone();
        crate::lines::sip::registration_words(&state)
    }

    /// Reserves a free port for a call; false if it is busy.
    pub fn reserve(&self, device_id: &str) -> bool {
        let mut live = self.live.lock().expect("live");
        match live.get_mut(device_id) {
            Some(l) if !l.busy => {
                l.busy = true;
                true
            }
            _ => false,
        }
    }

    /// Gives back a reservation that was not used for a call.
    pub fn unreserve(&self, device_id: &str) {
        if let Some(l) = self.live.lock().expect("live").get_mut(device_id) {
            l.busy = false;
        }
    }

    /// Frees a port after a call and wakes the scheduler.
    pub fn release(&self, device_id: &str) {
        self.set_live(device_id, |l| {
            l.busy = false;
            let (id, name, csid, tsid) = (
                l.status.device_id.clone(),
                l.status.device_name.clone(),
                l.status.csid.clone(),
                l.status.tsid.clone(),
            );
            l.status = idle_status(&id, &name, &csid, &tsid);
        });
        self.wake.notify_one();
    }
}

/// The status of a port with nothing on it.
pub fn idle_status(device_id: &str, name: &str, csid: &str, tsid: &str) -> FaxStatus {
    let mut s = FaxStatus {
        device_id: device_id.into(),
        device_name: name.into(),
        device_status: DeviceStatus::Available,
        caller_id: String::new(),
        csid: csid.into(),
        tsid: tsid.into(),
        current_page: 0,
        page_count: 0,
        document_name: String::new(),
        document_size: 0,
        send: false,
        receive: false,
        address: String::new(),
        routing_string: String::new(),
        sender_name: String::new(),
        recipient_name: String::new(),
        description: String::new(),
        job_id: None,
        start_time: None,
        submitted_time: None,
        elapsed_time: 0,
        mode: String::new(),
        line: String::new(),
    };
    s.description = describe(&s);
    s
}

/// The Description of a status, in words.
pub fn describe(s: &FaxStatus) -> String {
    match s.device_status {
        DeviceStatus::Available => "idle".into(),
        DeviceStatus::Dialing => format!("dialing {}", s.address),
        DeviceStatus::Sending if s.current_page == 0 => {
            format!("calling {}: setting up{}", s.address, in_mode(&s.mode))
        }
        DeviceStatus::Receiving if s.current_page == 0 => {
            format!("answered {}: setting up{}", if s.tsid.is_empty() { "a caller" } else { &s.tsid }, in_mode(&s.mode))
        }
        DeviceStatus::Sending => {
            format!("sending page {} of {} to {}{}", s.current_page, s.page_count, s.address, in_mode(&s.mode))
        }
        DeviceStatus::Receiving => format!(
            "receiving page {} from {}{}",
            s.current_page,
            if s.tsid.is_empty() { "unknown" } else { &s.tsid },
            in_mode(&s.mode)
        ),
        DeviceStatus::Ringing => "ringing".into(),
        DeviceStatus::Answered => "answered".into(),
        DeviceStatus::Aborting => "ending the call".into(),
        other => other.as_str().replace('_', " "),
    }
}

fn in_mode(mode: &str) -> String {
    if mode.is_empty() { String::new() } else { format!(" ({mode})") }
}
