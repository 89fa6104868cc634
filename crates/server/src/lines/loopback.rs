//! The loopback line: two ports of this server wired together. A call from one reaches its
//! peer whatever number is dialled; the peer rings `Rings` times (if its Receive is on and it
//! is free) and answers, and then the two ends run the real fax engine against each other: a
//! T.30 sender with the port's TSID and a T.30 receiver with the peer's CSID, over an
//! in-memory T.38 link, negotiating, training, coding and (with ECM) correcting as on a real
//! line. Time on the link is the server's clock, `speed` times faster, so tests on a manual
//! clock move calls along by moving time.

use std::sync::Arc;
use std::time::Duration;

use ferrofax_api::{DeviceStatus, PortView};
use ferrofax_t30::{CallRole, Completion, Config as T30Config, Event, PageResponse, SendPage, Session};
use ferrofax_t38::sim::{LineModel, Link};
use ferrofax_t38::{T38Call, T38Config};
use tokio_util::sync::CancellationToken;

use super::{Outcome, wait};
use crate::clock::{Millis, timestamp};
use crate::lines::receive::{Reception, record_received};
use crate::service::Core;
use crate::store::JobRow;

/// How a loopback port is wired.
#[derive(Debug, Clone)]
pub struct Wiring {
    pub peer: String,
    /// Link time runs this many times faster than the server's clock.
    pub speed: f64,
    pub ring_ms: Millis,
    pub busy_numbers: Vec<String>,
}

/// Rings of a peer that does not answer before the caller gives up.
const NO_ANSWER_RINGS: i64 = 5;
/// The longest a loopback call may last, in link time.
const CALL_LIMIT: Duration = Duration::from_secs(2 * 3600);

pub async fn send(
    core: &Arc<Core>,
    port: &PortView,
    w: &Wiring,
    job: &JobRow,
    tsid: &str,
    cancel: &CancellationToken,
) -> Outcome {
    let dial = ferrofax_api::validate::dial_string(&job.fax_number);
    let mut out = super::dialing(core, port, job, tsid);

    let fail = |mut o: Outcome, status: DeviceStatus, detail: String| {
        o.status = status;
        o.detail = detail;
        o
    };
    if w.busy_numbers.iter().any(|p| !p.is_empty() && dial.starts_with(p.as_str())) {
        if !wait(core, cancel, w.ring_ms).await {
            return fail(out, DeviceStatus::Aborting, "cancelled while dialling".into());
        }
        return fail(out, DeviceStatus::Busy, format!("{} is busy", job.fax_number));
    }
    let Some(peer) = core.port(&w.peer) else {
        return fail(out, DeviceStatus::FatalError, format!("loopback peer {} is not a port", w.peer));
    };
    if !peer.receive {
        if !wait(core, cancel, NO_ANSWER_RINGS * w.ring_ms).await {
            return fail(out, DeviceStatus::Aborting, "cancelled while ringing".into());
        }
        return fail(
            out,
            DeviceStatus::NoAnswer,
            format!("no answer from {} after {NO_ANSWER_RINGS} rings", job.fax_number),
        );
    }
    if !super::reserve_to_answer(core, &peer.device_id).await {
        return fail(
            out,
            DeviceStatus::Busy,
            format!("{} is busy (line {} is in a call)", job.fax_number, peer.device_id),
        );
    }
    let result = call(core, port, &peer, w, job, tsid, cancel, &mut out).await;
    core.release(&peer.device_id);
    match result {
        Ok(()) => out,
        Err((status, detail)) => fail(out, status, detail),
    }
}

/// The two ends of a loopback call and what has happened on them.
struct Ends<'a> {
    core: &'a Arc<Core>,
    port: &'a PortView,
    peer: &'a PortView,
    job: &'a JobRow,
    /// The job's page number of the first page of this attempt.
    first: u32,
    reception: Reception,
    /// The fax was kept by the receiving port (after its last page).
    recorded: bool,
    sent: Option<Completion>,
    received: Option<Completion>,
}

impl Ends<'_> {
    /// Acts on what the receiving end reports. A page is kept before its answer reaches the
    /// sender, so a page the sender sees confirmed is never one that was lost.
    async fn receiver_event(&mut self, e: Event) {
        match e {
            Event::RemoteIdentified { ident } => {
                self.core.set_live(&self.peer.device_id, |l| l.status.tsid = ident.clone());
                self.reception.remote_ident = ident;
            }
            Event::Negotiated(n) => self.core.set_live(&self.peer.device_id, |l| l.status.mode = n.to_string()),
            Event::PageStarted { page } => {
                self.core.set_live(&self.peer.device_id, |l| l.status.current_page = page + 1);
            }
            Event::PageReceived { received, last, .. } => {
                self.reception.pages.push(received.into_coded());
                if last {
                    self.keep_reception(true).await;
                }
            }
            Event::Finished(c) => self.received = Some(c),
            _ => {}
        }
    }

    /// Acts on what the sending end reports: progress on the port, pages on the job.
    async fn sender_event(&mut self, e: Event, out: &mut Outcome) {
        let (core, device) = (self.core, &self.port.device_id);
        match e {
            Event::RemoteIdentified { ident } => {
                core.set_live(device, |l| l.status.csid = ident.clone());
                out.remote_ident = ident;
            }
            Event::Negotiated(n) => core.set_live(device, |l| l.status.mode = n.to_string()),
            Event::PageStarted { page } => {
                let n = self.first + page;
                core.set_live(device, |l| {
                    l.status.device_status = DeviceStatus::Sending;
                    l.status.current_page = n;
                });
                core.page_started(self.job.id, n).await;
            }
            Event::PageAnswered { page, response: PageResponse::Confirmed | PageResponse::ConfirmedRetrain } => {
                let n = self.first + page;
                core.page_confirmed(self.job.id, self.job.attempts, n).await;
                out.pages_confirmed = n;
            }
            Event::Finished(c) => self.sent = Some(c),
            _ => {}
        }
    }

    /// Stores what the receiving port got, once.
    async fn keep_reception(&mut self, complete: bool) {
        if self.recorded || self.reception.pages.is_empty() {
            return;
        }
        self.recorded = true;
        let r = Reception { pages: std::mem::take(&mut self.reception.pages), ..self.reception.clone() };
        if let Err(e) = record_received(self.core, r, complete).await {
            tracing::error!("recording a received fax failed: {}", e.detail);
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn call(
    core: &Arc<Core>,
    port: &PortView,
    peer: &PortView,
    w: &Wiring,
    job: &JobRow,
    tsid: &str,
    cancel: &CancellationToken,
    out: &mut Outcome,
) -> Result<(), (DeviceStatus, String)> {
    let start = timestamp(core.now());
    core.set_live(&peer.device_id, |l| {
        let s = &mut l.status;
        s.device_status = DeviceStatus::Ringing;
        s.caller_id = port.tsid.clone();
        s.start_time = Some(start);
    });
    if !wait(core, cancel, peer.rings as Millis * w.ring_ms).await {
        return Err((DeviceStatus::Aborting, "cancelled while ringing".into()));
    }
    core.set_live(&peer.device_id, |l| {
        l.status.device_status = DeviceStatus::Receiving;
        l.status.receive = true;
        l.status.csid = peer.csid.clone();
        l.status.address = job.fax_number.clone();
    });
    let first = job.pages_confirmed + 1;
    let started = core.now();
    let mut pages = Vec::new();
    for n in first..=job.page_count {
        match core.page_to_send(job, n, tsid, started).await {
            Ok(p) => pages.push(SendPage::coded(p)),
            Err(p) => return Err((DeviceStatus::FatalError, format!("page {n} could not be read: {}", p.detail))),
        }
    }
    let mut sender =
        T38Call::new(Session::sender(T30Config::new(CallRole::Calling, tsid), pages), T38Config::default());
    let mut receiver =
        T38Call::new(Session::receiver(T30Config::new(CallRole::Answering, &peer.csid)), T38Config::default());
    let mut ends = Ends {
        core,
        port,
        peer,
        job,
        first,
        reception: Reception {
            port: peer.clone(),
            remote_ident: String::new(),
            caller_id: port.tsid.clone(),
            called_number: job.fax_number.clone(),
            pages: Vec::new(),
        },
        recorded: false,
        sent: None,
        received: None,
    };

    // Link time `t` is server time `origin + t / speed`.
    let origin = core.now();
    let speed = w.speed.max(0.01);
    let link_now = |now: Millis| Duration::from_secs_f64(((now - origin).max(0) as f64 / 1000.0) * speed);
    let server_time = |t: Duration| origin + (t.as_secs_f64() * 1000.0 / speed).ceil() as Millis;
    let mut link = Link::new(LineModel::clean(), LineModel::clean());
    link.start(&mut sender, &mut receiver);
    let mut cancelled = false;
    loop {
        let now = link_now(core.now()).min(CALL_LIMIT);
        let next = link.run_until(&mut sender, &mut receiver, now);
        while let Some(e) = receiver.poll_event() {
            ends.receiver_event(e).await;
        }
        while let Some(e) = sender.poll_event() {
            ends.sender_event(e, out).await;
        }
        let Some(next) = next.filter(|_| now < CALL_LIMIT) else { break };
        tokio::select! {
            _ = core.clock.sleep_until(server_time(next)) => {}
            _ = cancel.cancelled() => {
                cancelled = true;
                break;
            }
        }
    }
    let receiver_done = ends.received.as_ref().is_some_and(|c| c.result.is_ok());
    ends.keep_reception(receiver_done).await;
    if cancelled {
        return Err((DeviceStatus::Aborting, crate::scheduler::CANCELLED_DURING_THE_CALL.into()));
    }
    if link.stalled() {
        tracing::error!(job = job.id, "the loopback call stalled: an engine kept asking for the same moment");
        return Err((DeviceStatus::FatalError, "the fax engine stalled".into()));
    }
    let Some(sent) = ends.sent else {
        return Err((
            DeviceStatus::Disconnected,
            "the call ended without an outcome (two hours passed, or both ends fell silent)".into(),
        ));
    };
    match sent.result {
        Ok(()) => {
            out.status = DeviceStatus::Completed;
            let by = if out.remote_ident.is_empty() { &peer.device_id } else { &out.remote_ident };
            out.detail = format!("{} confirmed by {by}", super::pages_text(job.page_count));
            Ok(())
        }
        Err(f) => Err((super::t30_failure_status(&f), format!("T.30: {}", f.description()))),
    }
}
