//! What a call reports, turned into what faxd shows and keeps: one observer per end of a call
//! takes the T.30 engine's events and updates the port's live status (the far end's identity,
//! the agreed mode, the page on the line) and, when sending, the job's page progress (a page
//! on the line, a page confirmed, recorded at once) or, when receiving, the pages that arrive
//! (the fax is stored as soon as its last page is in). It also says how the call ended, in fax
//! terms, from the engine's completion. Every driver reports through it.

use ferrofax_api::DeviceStatus;
use ferrofax_t30::{Completion, Event, PageResponse};

use super::receive::Reception;
use super::{AttemptEnd, Failure, LineContext, pages_text};
use crate::store::JobRow;

/// Which end of a call an observer follows.
enum End<'a> {
    Sending {
        job: &'a JobRow,
        /// The job's page number of the first page of this attempt.
        first: u32,
    },
    Receiving {
        reception: Box<Reception>,
        /// The fax was stored (after its last page).
        stored: bool,
    },
}

/// Follows one end of a call.
pub struct CallObserver<'a> {
    ctx: &'a LineContext,
    device: String,
    end: End<'a>,
    /// Sending: pages of the job confirmed so far (earlier attempts included).
    pub pages_confirmed: u32,
    /// The far end's identity (CSI when sending, TSI when receiving).
    pub remote_ident: String,
}

impl<'a> CallObserver<'a> {
    /// The sending end of `job`'s call on `device`, starting at its first unconfirmed page.
    pub fn sending(ctx: &'a LineContext, device: &str, job: &'a JobRow) -> Self {
        CallObserver {
            ctx,
            device: device.into(),
            end: End::Sending { job, first: job.pages_confirmed + 1 },
            pages_confirmed: job.pages_confirmed,
            remote_ident: String::new(),
        }
    }

    /// The receiving end of a call on `device`.
    pub fn receiving(ctx: &'a LineContext, device: &str, reception: Reception) -> Self {
        CallObserver {
            ctx,
            device: device.into(),
            end: End::Receiving { reception: Box::new(reception), stored: false },
            pages_confirmed: 0,
            remote_ident: String::new(),
        }
    }

    /// Acts on one event of the engine.
    pub async fn on_event(&mut self, e: Event) {
        let ports = &self.ctx.ports;
        match e {
            Event::RemoteIdentified { ident } => {
                let sending = matches!(self.end, End::Sending { .. });
                ports.set_live(&self.device, |s| {
                    if sending {
                        s.csid = ident.clone();
                    } else {
                        s.tsid = ident.clone();
                    }
                });
                if let End::Receiving { reception, .. } = &mut self.end {
                    reception.remote_ident = ident.clone();
                }
                self.remote_ident = ident;
            }
            Event::Negotiated(n) => ports.set_live(&self.device, |s| s.mode = n.to_string()),
            Event::PageStarted { page } => match &self.end {
                End::Sending { job, first } => {
                    let n = first + page;
                    ports.set_live(&self.device, |s| {
                        s.device_status = DeviceStatus::Sending;
                        s.current_page = n;
                    });
                    self.ctx.jobs.page_started(job.id, n).await;
                }
                End::Receiving { .. } => ports.set_live(&self.device, |s| s.current_page = page + 1),
            },
            Event::PageAnswered { page, response: PageResponse::Confirmed | PageResponse::ConfirmedRetrain } => {
                if let End::Sending { job, first } = &self.end {
                    let n = first + page;
                    self.ctx.jobs.page_confirmed(job.id, n).await;
                    self.pages_confirmed = self.pages_confirmed.max(n);
                }
            }
            Event::Finished(c) => {
                if let (End::Receiving { reception, .. }, Err(f)) = (&mut self.end, c.result) {
                    reception.ended_early = Some(f.description().to_string());
                }
            }
            Event::PageReceived { received, last, .. } => {
                if let End::Receiving { reception, .. } = &mut self.end {
                    reception.pages.push(received.into_coded());
                    let size: usize = reception.pages.iter().map(|p| p.data.len()).sum();
                    ports.set_live(&self.device, |s| s.document_size = size as u64);
                    if last {
                        self.keep(true).await;
                    }
                }
            }
            _ => {}
        }
    }

    /// Receiving: why the call ended before the fax's end, unless the engine said already.
    pub fn ended_early(&mut self, why: &str) {
        if let End::Receiving { reception, .. } = &mut self.end {
            reception.ended_early.get_or_insert_with(|| why.to_string());
        }
    }

    /// Receiving: stores what arrived, once: complete after the last page, or as a partial
    /// reception when the call ended before it.
    pub async fn keep(&mut self, complete: bool) {
        let End::Receiving { reception, stored } = &mut self.end else { return };
        if *stored || reception.pages.is_empty() {
            return;
        }
        *stored = true;
        let r = Reception { pages: std::mem::take(&mut reception.pages), ..(**reception).clone() };
        if let Err(e) = self.ctx.receptions.record(r, complete).await {
            tracing::error!(port = %self.device, "storing a received fax failed: {}", e.chain());
        }
    }

    /// Sending: how the attempt ended, from the engine's completion; `far_end` names the far
    /// end when it gave no identity.
    pub fn attempt_end(&self, completion: &Completion, far_end: &str) -> AttemptEnd {
        let End::Sending { job, .. } = &self.end else {
            return self.failed(DeviceStatus::FatalError, "not a sending call".into());
        };
        match completion.result {
            Ok(()) => {
                let by = completion.remote_ident.clone().filter(|r| !r.is_empty());
                let by = by.or_else(|| (!self.remote_ident.is_empty()).then(|| self.remote_ident.clone()));
                AttemptEnd {
                    status: DeviceStatus::Completed,
                    detail: format!("{} confirmed by {}", pages_text(job.page_count), by.as_deref().unwrap_or(far_end)),
                    remote_ident: self.remote_ident.clone(),
                    pages_confirmed: job.page_count.max(self.pages_confirmed),
                    failure: Failure::Line,
                }
            }
            Err(f) => AttemptEnd {
                failure: Failure::T30(f),
                ..self.failed(t30_failure_status(f), format!("T.30: {}", f.description()))
            },
        }
    }

    /// Sending: an attempt that ended with `status`, saying `detail`, with what was confirmed.
    pub fn failed(&self, status: DeviceStatus, detail: String) -> AttemptEnd {
        AttemptEnd {
            status,
            detail,
            remote_ident: self.remote_ident.clone(),
            pages_confirmed: self.pages_confirmed,
            failure: Failure::Line,
        }
    }
}

/// The port status a T.30 failure means: a far end that never answers as a fax machine is
/// not a fax call; anything else ended the call early. (Whether it is retried is the
/// lifecycle's decision, from the failure itself.)
pub fn t30_failure_status(f: ferrofax_t30::Failure) -> DeviceStatus {
    use ferrofax_t30::Failure as F;
    match f {
        F::T1Expired | F::RemoteCannotReceive => DeviceStatus::NotFaxCall,
        _ => DeviceStatus::Disconnected,
    }
}
