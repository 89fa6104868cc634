//! The loopback line: two ports of this server wired together. A call from one reaches its
//! peer whatever number is dialled; the peer rings `Rings` times (if its Receive is on and it
//! is free), answers, and the stored pages cross one by one, `page_seconds` each, each page
//! confirmed as it lands. The SIP-lines issue rebuilds this on the T.30 engine.

use std::sync::Arc;

use ferrofax_api::{DeviceStatus, PortView};
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
    pub page_ms: Millis,
    pub ring_ms: Millis,
    pub busy_numbers: Vec<String>,
}

/// Rings of a peer that does not answer before the caller gives up.
const NO_ANSWER_RINGS: i64 = 5;

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
    if !core.reserve(&peer.device_id) {
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
    let started = core.now();
    let start = timestamp(started);
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
        l.status.tsid = tsid.into();
        l.status.csid = peer.csid.clone();
        l.status.address = job.fax_number.clone();
    });
    out.remote_ident = peer.csid.clone();
    let mut reception = Reception {
        port: peer.clone(),
        remote_ident: tsid.into(),
        caller_id: port.tsid.clone(),
        called_number: job.fax_number.clone(),
        pages: Vec::new(),
    };
    for n in (job.pages_confirmed + 1)..=job.page_count {
        core.set_live(&port.device_id, |l| {
            l.status.device_status = DeviceStatus::Sending;
            l.status.current_page = n;
            l.status.csid = peer.csid.clone();
        });
        core.set_live(&peer.device_id, |l| l.status.current_page = n);
        core.page_started(job.id, n).await;
        let page = match core.page_to_send(job, n, tsid, started).await {
            Ok(p) => p,
            Err(p) => return Err((DeviceStatus::FatalError, format!("page {n} could not be read: {}", p.detail))),
        };
        if !wait(core, cancel, w.page_ms).await {
            let detail = format!("call ended during page {n}");
            finish_reception(core, reception, false).await;
            return Err((DeviceStatus::Disconnected, detail));
        }
        reception.pages.push(page);
        if n == job.page_count {
            // The receiver keeps the fax before it confirms the last page, so that a confirmed
            // page is never one that was lost.
            let pages = std::mem::take(&mut reception.pages);
            finish_reception(core, Reception { pages, ..reception.clone() }, true).await;
        }
        core.page_confirmed(job.id, job.attempts, n).await;
        out.pages_confirmed = n;
    }
    out.status = DeviceStatus::Completed;
    out.detail = format!(
        "{} pages confirmed by {}",
        job.page_count,
        if peer.csid.is_empty() { &peer.device_id } else { &peer.csid }
    );
    Ok(())
}

async fn finish_reception(core: &Arc<Core>, r: Reception, complete: bool) {
    if r.pages.is_empty() {
        return;
    }
    if let Err(e) = record_received(core, r, complete).await {
        tracing::error!("recording a received fax failed: {}", e.detail);
    }
}
