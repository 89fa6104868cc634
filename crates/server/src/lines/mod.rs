//! Line drivers: how a job's pages reach the far end and how calls are answered. A driver
//! implements [`LineDriver`]: `loopback` (two ports of this server wired together) and `sip`
//! (SIP calls carrying T.38); an RTP audio line or a serial modem is another implementation,
//! made by [`drivers`] from its configuration, and nothing else changes. Drivers are handed a
//! [`LineContext`] with the parts a call needs (the line registry, the jobs, the page loader,
//! the recorder of received faxes and the clock), and report what a call does through one
//! [`observer::CallObserver`].

pub mod loopback;
pub mod observer;
pub mod receive;
pub mod sip;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use ferrofax_api::{DeviceStatus, PortView};
use ferrofax_image::CodedPage;
use tokio_util::sync::CancellationToken;

use crate::clock::{Clock, Millis};
use crate::config::{Config, DriverConfig};
use crate::pages::Pages;
use crate::ports::LineRegistry;
use crate::queue::Jobs;
use crate::store::JobRow;

pub use crate::lifecycle::{AttemptEnd, Failure};
pub use receive::{Reception, Receptions};

/// Why a line could not start.
#[derive(Debug, thiserror::Error)]
#[error("line `{line}`: {what}")]
pub struct LineError {
    pub line: String,
    pub what: String,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// A call to place: a claimed job on its reserved port.
pub struct Outgoing<'a> {
    pub port: &'a PortView,
    pub job: &'a JobRow,
    /// The identity to send (TSID).
    pub tsid: &'a str,
    /// Cancelled when the job is cancelled: the call ends the T.30 way.
    pub cancel: &'a CancellationToken,
    /// When the attempt began (its branding line is dated so).
    pub started_at: Millis,
}

/// A kind of fax line.
#[async_trait]
pub trait LineDriver: Send + Sync {
    /// Starts answering calls on the line (and registering it, for lines that do).
    async fn start(&self, ctx: &Arc<LineContext>) -> Result<(), LineError>;
    /// Calls out with the job's pages from the first one not yet confirmed, and says how the
    /// attempt ended.
    async fn place_call(&self, ctx: &Arc<LineContext>, call: Outgoing<'_>) -> AttemptEnd;
    /// Stops the line (a registered line unregisters): a few seconds at most.
    async fn stop(&self);
    /// The driver itself, for what only its own kind offers (a SIP line's user agent).
    fn as_any(&self) -> &dyn std::any::Any;
}

/// What a driver is handed: the parts a call needs.
pub struct LineContext {
    pub ports: Arc<LineRegistry>,
    pub jobs: Arc<Jobs>,
    pub pages: Arc<Pages>,
    pub receptions: Receptions,
    pub clock: Arc<dyn Clock>,
}

impl LineContext {
    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    /// Waits `ms` on the server's clock; false if `cancel` fired meanwhile.
    pub async fn wait(&self, cancel: &CancellationToken, ms: Millis) -> bool {
        let until = self.now() + ms;
        tokio::select! {
            _ = self.clock.sleep_until(until) => true,
            _ = cancel.cancelled() => false,
        }
    }

    /// The pages of a job as they go on the line, from its first page not yet confirmed
    /// (branded when Branding is on). The error names the page in fax terms; the log has the
    /// cause.
    pub async fn pages_to_send(&self, job: &JobRow, tsid: &str, started: Millis) -> Result<Vec<CodedPage>, String> {
        let mut pages = Vec::new();
        for n in job.pages_confirmed + 1..=job.page_count {
            match self.pages.page_to_send(job, n, tsid, started).await {
                Ok(p) => pages.push(p),
                Err(e) => {
                    tracing::error!(job = job.id, page = n, "a page to send could not be read: {}", e.chain());
                    return Err(format!("page {n} of the fax could not be read ({})", e.user_words()));
                }
            }
        }
        Ok(pages)
    }

    /// Marks a port as dialling out for `job` (its live status and the job's event).
    pub fn dialing(&self, port: &PortView, job: &JobRow, tsid: &str, document_size: u64) {
        let start = crate::clock::timestamp(self.now());
        self.ports.set_live(&port.device_id, |s| {
            s.device_status = DeviceStatus::Dialing;
            s.send = true;
            s.address = job.fax_number.clone();
            s.routing_string = ferrofax_api::validate::dial_string(&job.fax_number);
            s.job_id = Some(job.id);
            s.page_count = job.page_count;
            s.tsid = tsid.into();
            s.recipient_name = job.recipient.recipient_name.clone();
            s.sender_name = job.fields.sender_name.clone();
            s.document_name = job.fields.display_name.clone();
            s.document_size = document_size;
            s.start_time = Some(start);
            s.submitted_time = Some(crate::clock::timestamp(job.submitted_at));
        });
        self.jobs.publish(&JobRow { device_status: DeviceStatus::Dialing, ..job.clone() });
    }
}

/// The drivers of the configured lines, by port (device id).
pub fn drivers(config: &Config) -> HashMap<String, Arc<dyn LineDriver>> {
    config
        .effective_lines()
        .into_iter()
        .map(|l| {
            let driver: Arc<dyn LineDriver> = match l.driver {
                DriverConfig::Loopback { peer, speed, ring_seconds, busy_numbers } => {
                    Arc::new(loopback::LoopbackLine::new(loopback::Wiring {
                        peer,
                        speed,
                        ring_ms: (ring_seconds * 1000.0) as Millis,
                        busy_numbers,
                    }))
                }
                DriverConfig::Sip(sip) => Arc::new(sip::SipLineDriver::new(&l.id, sip)),
            };
            (l.id, driver)
        })
        .collect()
}

/// An attempt that ended before any call (no line, nothing to send).
pub fn not_placed(job: &JobRow, status: DeviceStatus, detail: String) -> AttemptEnd {
    AttemptEnd {
        status,
        detail,
        remote_ident: String::new(),
        pages_confirmed: job.pages_confirmed,
        failure: Failure::Line,
    }
}

/// "1 page", "3 pages".
pub fn pages_text(n: u32) -> String {
    if n == 1 { "1 page".into() } else { format!("{n} pages") }
}

/// A failure to start a line, as a [`LineError`].
pub fn line_error(
    line: &str,
    what: impl Into<String>,
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> LineError {
    LineError { line: line.into(), what: what.into(), source: Some(source.into()) }
}
