//! The line registry: the ports (FaxPort settings) in priority order and, for each, its live
//! state (free or held for a call, its FaxStatus), the cancellation of the job on it, and what
//! the line under it says of itself (a SIP line's registration). Every status change is
//! published as a `port_status` event. The scheduler and the drivers reserve and release lines
//! here, drivers report progress here, the API reads here. This is the in-memory state that
//! belongs to one node.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use ferrofax_api::{DeviceStatus, EventBody, FaxStatus, PortView};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::clock::{Clock, Millis, timestamp};
use crate::events::EventHub;

/// What a line says of itself beside what it is doing (a SIP line: its registration).
pub trait LineState: Send + Sync {
    /// In words, or empty.
    fn words(&self) -> String;
}

/// The live state of one line.
#[derive(Debug, Clone)]
struct Live {
    busy: bool,
    status: FaxStatus,
}

/// The ports and their lines' live state.
pub struct LineRegistry {
    ports: RwLock<Arc<Vec<PortView>>>,
    live: Mutex<HashMap<String, Live>>,
    /// Cancellation of the jobs on lines now, by job id.
    calls: Mutex<HashMap<i64, CancellationToken>>,
    line_states: Mutex<HashMap<String, Arc<dyn LineState>>>,
    /// Serialises port changes (a new priority renumbers every port).
    changes: tokio::sync::Mutex<()>,
    events: Arc<EventHub>,
    clock: Arc<dyn Clock>,
    /// Told when a line is freed (the scheduler waits on it).
    freed: Arc<Notify>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LineRegistry {
    /// The registry of `ports` (in priority order), all idle.
    pub fn new(ports: Vec<PortView>, events: Arc<EventHub>, clock: Arc<dyn Clock>, freed: Arc<Notify>) -> Self {
        let live = ports
            .iter()
            .map(|p| {
                let status = idle_status(&p.device_id, &p.name, &p.csid, &p.tsid);
                (p.device_id.clone(), Live { busy: false, status })
            })
            .collect();
        LineRegistry {
            ports: RwLock::new(Arc::new(ports)),
            live: Mutex::new(live),
            calls: Mutex::new(HashMap::new()),
            line_states: Mutex::new(HashMap::new()),
            changes: tokio::sync::Mutex::new(()),
            events,
            clock,
            freed,
        }
    }

    /// The ports in priority order (a shared snapshot).
    pub fn ports(&self) -> Arc<Vec<PortView>> {
        self.ports.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn port(&self, id: &str) -> Option<PortView> {
        self.ports().iter().find(|p| p.device_id == id).cloned()
    }

    /// Whether no port can send now (the NoLine modifier of due jobs).
    pub fn no_send_port(&self) -> bool {
        !self.ports().iter().any(|p| p.send)
    }

    /// Holds other port changes off while one is made.
    pub async fn change(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.changes.lock().await
    }

    /// Puts changed port settings in force (under [`LineRegistry::change`]); an idle line's
    /// status shows its new identities.
    pub fn replace_ports(&self, ports: Vec<PortView>) {
        let changed: Vec<PortView> = ports.clone();
        *self.ports.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(ports);
        for p in changed {
            self.set_live(&p.device_id, |s| {
                if s.device_status == DeviceStatus::Available {
                    s.csid = p.csid.clone();
                    s.tsid = p.tsid.clone();
                }
            });
        }
    }

    /// Registers what a line says of itself.
    pub fn set_line_state(&self, device_id: &str, state: Arc<dyn LineState>) {
        lock(&self.line_states).insert(device_id.into(), state);
    }

    fn line_words(&self, device_id: &str) -> String {
        let state = lock(&self.line_states).get(device_id).cloned();
        state.map(|s| s.words()).unwrap_or_default()
    }

    /// Changes the live status of a port and publishes it.
    pub fn set_live(&self, device_id: &str, change: impl FnOnce(&mut FaxStatus)) {
        let now = self.clock.now();
        let status = {
            let mut live = lock(&self.live);
            let Some(l) = live.get_mut(device_id) else {
                return;
            };
            change(&mut l.status);
            l.status.description = describe(&l.status);
            with_elapsed(l.status.clone(), now)
        };
        let status = FaxStatus { line: self.line_words(device_id), ..status };
        self.events.publish(now, None, EventBody::PortStatus { status: Box::new(status) });
    }

    /// The live status of a port.
    pub fn live_status(&self, device_id: &str) -> Option<FaxStatus> {
        let s = lock(&self.live).get(device_id).map(|l| l.status.clone())?;
        Some(FaxStatus { line: self.line_words(device_id), ..with_elapsed(s, self.clock.now()) })
    }

    /// Reserves a free port for a call; false if it is busy.
    pub fn reserve(&self, device_id: &str) -> bool {
        match lock(&self.live).get_mut(device_id) {
            Some(l) if !l.busy => {
                l.busy = true;
                true
            }
            _ => false,
        }
    }

    /// Reserves a port to answer a call on it. The scheduler holds every free sending port for
    /// the moment it takes to look for a job; a call arriving then is not refused for that, so
    /// a port that stays taken for half a second is really in a call.
    pub async fn reserve_to_answer(&self, device_id: &str) -> bool {
        for _ in 0..25 {
            if self.reserve(device_id) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        false
    }

    /// Gives back a reservation that was not used for a call.
    pub fn unreserve(&self, device_id: &str) {
        if let Some(l) = lock(&self.live).get_mut(device_id) {
            l.busy = false;
        }
    }

    /// Frees a port after a call: idle again, and the scheduler is told.
    pub fn release(&self, device_id: &str) {
        if let Some(l) = lock(&self.live).get_mut(device_id) {
            l.busy = false;
        }
        self.set_live(device_id, |s| {
            *s = idle_status(&s.device_id, &s.device_name, &s.csid, &s.tsid);
        });
        self.freed.notify_one();
    }

    /// Registers the call of a job, returning what cancels it.
    pub fn start_call(&self, job_id: i64) -> CancellationToken {
        let token = CancellationToken::new();
        lock(&self.calls).insert(job_id, token.clone());
        token
    }

    pub fn end_call(&self, job_id: i64) {
        lock(&self.calls).remove(&job_id);
    }

    /// Cancels the call of a job, if it has one now.
    pub fn cancel_call(&self, job_id: i64) -> bool {
        lock(&self.calls).get(&job_id).map(|t| t.cancel()).is_some()
    }

    /// Tells the scheduler to look at the queue.
    pub fn wake_scheduler(&self) {
        self.freed.notify_one();
    }
}

fn with_elapsed(mut s: FaxStatus, now: Millis) -> FaxStatus {
    if let Some(start) = s.start_time {
        s.elapsed_time = timestamp(now).duration_since(start).as_secs().max(0) as u64;
    }
    s
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
