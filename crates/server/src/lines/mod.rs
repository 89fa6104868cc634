//! Line drivers: how a job's pages reach the far end and how received faxes are recorded.
//! The foundation has the `loopback` driver; `sip` (and later `modem`) arrive with their
//! issues and answer to the same [`send`] contract.

pub mod loopback;
pub mod receive;

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
        Some(DriverConfig::Loopback { peer, page_seconds, ring_seconds, busy_numbers }) => {
            let wiring = loopback::Wiring {
                peer,
                page_ms: (page_seconds * 1000.0) as Millis,
                ring_ms: (ring_seconds * 1000.0) as Millis,
                busy_numbers,
            };
            loopback::send(core, port, &wiring, job, tsid, cancel).await
        }
        None => Outcome {
            status: DeviceStatus::FatalError,
            detail: format!("port {} has no line configured", port.device_id),
            remote_ident: String::new(),
            pages_confirmed: job.pages_confirmed,
        },
    }
}

/// Waits `ms` on the server's clock; false if the call was cancelled meanwhile.
pub async fn wait(core: &Core, cancel: &CancellationToken, ms: Millis) -> bool {
    let until = core.now() + ms;
    tokio::select! {
        _ = core.clock.sleep_until(until) => true,
        _ = cancel.cancelled() => false,
    }
}
