//! Line drivers: how a job's pages reach the far end and how received faxes are recorded.
//! Drivers: `loopback` (two ports of this server wired together) and `sip` (SIP calls carrying
//! T.38); later `modem`. All answer to the same [`send`] contract.

pub mod loopback;
pub mod receive;
pub mod sip;

use std::sync::Arc;

use ferrofax_api::{DeviceStatus, PortView};
use tokio_util::sync::CancellationToken;

use crate::clock::Millis;
use crate::config::DriverConfig;
use crate::service::Core;
use crate::store::JobRow;

/// How a call ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Completed, or the failure (Busy, NoAnswer, BadAddress, Disconnected, …).
    pub status: DeviceStatus,
    pub detail: String,
    /// The far end's identity (CSID).
    pub remote_ident: String,
    /// Pages of the job confirmed so far, counting those of earlier attempts.
    pub pages_confirmed: u32,
}

/// Sends a job's pages, from the first one not yet confirmed, on a reserved port.
pub async fn send(core: &Arc<Core>, port: &PortView, job: &JobRow, tsid: &str, cancel: &CancellationToken) -> Outcome {
    let line = core.config.effective_lines().into_iter().find(|l| l.id == port.device_id);
    match line.map(|l| l.driver) {
        Some(DriverConfig::Loopback { peer, speed, ring_seconds, busy_numbers }) => {
            let wiring = loopback::Wiring { peer, speed, ring_ms: (ring_seconds * 1000.0) as Millis, busy_numbers };
            loopback::send(core, port, &wiring, job, tsid, cancel).await
        }
        Some(DriverConfig::Sip(line)) => sip::send(core, port, &line, job, tsid, cancel).await,
        None => Outcome {
            status: DeviceStatus::FatalError,
            detail: format!("port {} has no line configured", port.device_id),
            remote_ident: String::new(),
            pages_confirmed: job.pages_confirmed,
        },
    }
}

/// The port status a T.30 failure means: a far end that never answers as a fax machine is
/// not a fax call; anything else ended the call early.
pub fn t30_failure_status(f: &ferrofax_t30::Failure) -> DeviceStatus {
    use ferrofax_t30::Failure;
    match f {
        Failure::T1Expired | Failure::RemoteCannotReceive => DeviceStatus::NotFaxCall,
        _ => DeviceStatus::Disconnected,
    }
}

/// Reserves a port to answer a call on it. The scheduler holds every free sending port for
/// the moment it takes to look for a job; a call arriving then is not refused for that, so a
/// port that stays taken for half a second is really in a call.
pub async fn reserve_to_answer(core: &Core, device_id: &str) -> bool {
    for _ in 0..25 {
        if core.reserve(device_id) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

/// "1 page", "3 pages".
pub fn pages_text(n: u32) -> String {
    if n == 1 { "1 page".into() } else { format!("{n} pages") }
}

/// Waits `ms` on the server's clock; false if the call was cancelled meanwhile.
pub async fn wait(core: &Core, cancel: &CancellationToken, ms: Millis) -> bool {
    let until = core.now() + ms;
    tokio::select! {
        _ = core.clock.sleep_until(until) => true,
        _ = cancel.cancelled() => false,
    }
}

/// Marks a port as dialling out for `job` (its live status and the job's event) and gives the
/// outcome as it stands before the call.
pub fn dialing(core: &Arc<Core>, port: &PortView, job: &JobRow, tsid: &str) -> Outcome {
    let start = crate::clock::timestamp(core.now());
    core.set_live(&port.device_id, |l| {
        let s = &mut l.status;
        s.device_status = DeviceStatus::Dialing;
        s.send = true;
        s.address = job.fax_number.clone();
        s.job_id = Some(job.id);
        s.page_count = job.page_count;
        s.tsid = tsid.into();
        s.recipient_name = job.recipient.recipient_name.clone();
        s.sender_name = job.fields.sender_name.clone();
        s.document_name = job.fields.display_name.clone();
        s.start_time = Some(start);
        s.submitted_time = Some(crate::clock::timestamp(job.submitted_at));
    });
    core.publish_job(&JobRow { device_status: DeviceStatus::Dialing, ..job.clone() });
    Outcome {
        status: DeviceStatus::Dialing,
        detail: String::new(),
        remote_ident: String::new(),
        pages_confirmed: job.pages_confirmed,
    }
}
