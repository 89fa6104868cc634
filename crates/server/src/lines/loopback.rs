//! The loopback line: two ports of this server wired together. A call from one reaches its
//! peer whatever number is dialled; the peer rings `Rings` times (if its Receive is on and it
//! is free) and answers, and then the two ends run the real fax engine against each other: a
//! T.30 sender with the port's TSID and a T.30 receiver with the peer's CSID, over an
//! in-memory T.38 link, negotiating, training, coding and (with ECM) correcting as on a real
//! line. Time on the link is the server's clock, `speed` times faster, so tests on a manual
//! clock move calls along by moving time.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ferrofax_api::{DeviceStatus, PortView};
use ferrofax_t30::{CallRole, Completion, Config as T30Config, SendPage, Session};
use ferrofax_t38::sim::{LineModel, Link};
use ferrofax_t38::{T38Call, T38Config};
use tokio_util::sync::CancellationToken;

use super::observer::CallObserver;
use super::{AttemptEnd, LineContext, LineDriver, LineError, Outgoing, Reception};
use crate::clock::{Millis, timestamp};
use crate::lifecycle::CANCELLED_DURING_THE_CALL;

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
/// How long an aborted call may take to end the T.30 way (DCN), in link time.
const ABORT_LIMIT: Duration = Duration::from_secs(10);

/// A loopback line.
pub struct LoopbackLine {
    wiring: Wiring,
}

impl LoopbackLine {
    pub fn new(wiring: Wiring) -> Self {
        LoopbackLine { wiring }
    }
}

#[async_trait]
impl LineDriver for LoopbackLine {
    /// Calls come only from the peer port of this server: nothing to start.
    async fn start(&self, _ctx: &Arc<LineContext>) -> Result<(), LineError> {
        Ok(())
    }

    async fn place_call(&self, ctx: &Arc<LineContext>, call: Outgoing<'_>) -> AttemptEnd {
        let w = &self.wiring;
        let (port, job, cancel) = (call.port, call.job, call.cancel);
        let dial = ferrofax_api::validate::dial_string(&job.fax_number);
        let size = ctx.pages.document_size(job).await;
        ctx.dialing(port, job, call.tsid, size);
        let mut sender = CallObserver::sending(ctx, &port.device_id, job);
        if w.busy_numbers.iter().any(|p| !p.is_empty() && dial.starts_with(p.as_str())) {
            if !ctx.wait(cancel, w.ring_ms).await {
                return sender.failed(DeviceStatus::Aborting, "cancelled while dialling".into());
            }
            return sender.failed(DeviceStatus::Busy, format!("{} is busy", job.fax_number));
        }
        let Some(peer) = ctx.ports.port(&w.peer) else {
            return sender.failed(DeviceStatus::FatalError, format!("loopback peer {} is not a port", w.peer));
        };
        if !peer.receive {
            if !ctx.wait(cancel, NO_ANSWER_RINGS * w.ring_ms).await {
                return sender.failed(DeviceStatus::Aborting, "cancelled while ringing".into());
            }
            return sender.failed(
                DeviceStatus::NoAnswer,
                format!("no answer from {} after {NO_ANSWER_RINGS} rings", job.fax_number),
            );
        }
        if !ctx.ports.reserve_to_answer(&peer.device_id).await {
            return sender.failed(
                DeviceStatus::Busy,
                format!("{} is busy (line {} is in a call)", job.fax_number, peer.device_id),
            );
        }
        let end = self.call(ctx, &call, &peer, &mut sender).await;
        ctx.ports.release(&peer.device_id);
        end
    }

    async fn stop(&self) {}

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl LoopbackLine {
    /// The call itself, once the peer is reserved: rings, then both ends run the fax engine.
    async fn call(
        &self,
        ctx: &Arc<LineContext>,
        call: &Outgoing<'_>,
        peer: &PortView,
        sender_end: &mut CallObserver<'_>,
    ) -> AttemptEnd {
        let (port, job, tsid, cancel) = (call.port, call.job, call.tsid, call.cancel);
        let w = &self.wiring;
        let start = timestamp(ctx.now());
        ctx.ports.set_live(&peer.device_id, |s| {
            s.device_status = DeviceStatus::Ringing;
            s.caller_id = port.tsid.clone();
            s.start_time = Some(start);
        });
        // Rings × ring time, on the server's clock.
        if !ctx.wait(cancel, peer.rings as Millis * w.ring_ms).await {
            return sender_end.failed(DeviceStatus::Aborting, "cancelled while ringing".into());
        }
        ctx.ports.set_live(&peer.device_id, |s| {
            s.device_status = DeviceStatus::Receiving;
            s.receive = true;
            s.csid = peer.csid.clone();
            s.address = job.fax_number.clone();
            s.routing_string = job.fax_number.clone();
        });
        let pages = match ctx.pages_to_send(job, tsid, call.started_at).await {
            Ok(p) => p.into_iter().map(SendPage::coded).collect(),
            Err(why) => return sender_end.failed(DeviceStatus::FatalError, why),
        };
        let mut sender =
            T38Call::new(Session::sender(T30Config::new(CallRole::Calling, tsid), pages), T38Config::default());
        let mut receiver =
            T38Call::new(Session::receiver(T30Config::new(CallRole::Answering, &peer.csid)), T38Config::default());
        let reception = Reception {
            port: peer.clone(),
            remote_ident: String::new(),
            caller_id: port.tsid.clone(),
            called_number: job.fax_number.clone(),
            pages: Vec::new(),
            ended_early: None,
        };
        let mut receiver_end = CallObserver::receiving(ctx, &peer.device_id, reception);

        // Link time `t` is server time `origin + t / speed`.
        let origin = ctx.now();
        let speed = w.speed.max(0.01);
        let link_now = |now: Millis| Duration::from_secs_f64(((now - origin).max(0) as f64 / 1000.0) * speed);
        let server_time = |t: Duration| origin + (t.as_secs_f64() * 1000.0 / speed).ceil() as Millis;
        let mut link = Link::new(LineModel::clean(), LineModel::clean());
        link.start(&mut sender, &mut receiver);
        let (mut sent, mut received): (Option<Completion>, Option<Completion>) = (None, None);
        // When the job was cancelled: the link time by which the call must have ended.
        let mut abort_by: Option<Duration> = None;
        let never = CancellationToken::new();
        loop {
            let now = link_now(ctx.now()).min(CALL_LIMIT);
            let next = link.run_until(&mut sender, &mut receiver, now);
            while let Some(e) = receiver.poll_event() {
                if let ferrofax_t30::Event::Finished(c) = &e {
                    received = Some(c.clone());
                }
                receiver_end.on_event(e).await;
            }
            while let Some(e) = sender.poll_event() {
                if let ferrofax_t30::Event::Finished(c) = &e {
                    sent = Some(c.clone());
                }
                sender_end.on_event(e).await;
            }
            let over = abort_by.is_some_and(|by| now >= by) || (sent.is_some() && received.is_some());
            let Some(next) = next.filter(|_| now < CALL_LIMIT && !over) else { break };
            // Once cancelled, the call only runs out its farewell.
            let watch = if abort_by.is_some() { &never } else { cancel };
            tokio::select! {
                _ = ctx.clock.sleep_until(server_time(next)) => {}
                _ = watch.cancelled() => {
                    // Cancelled: the sender ends the call the T.30 way (DCN).
                    let now = link_now(ctx.now());
                    sender.abort(now);
                    abort_by = Some(now + ABORT_LIMIT);
                }
            }
        }
        let receiver_done = received.as_ref().is_some_and(|c| c.result.is_ok());
        receiver_end.keep(receiver_done).await;
        if abort_by.is_some() {
            let mut end = sender_end.failed(DeviceStatus::Aborting, CANCELLED_DURING_THE_CALL.into());
            // A fax confirmed in full before the cancel took effect was delivered.
            if sent.as_ref().is_some_and(|c| c.result.is_ok()) {
                end = sender_end.attempt_end(sent.as_ref().expect("checked"), &peer.device_id);
            }
            return end;
        }
        if link.stalled() {
            tracing::error!(job = job.id, "the loopback call stalled: an engine kept asking for the same moment");
            return sender_end.failed(DeviceStatus::FatalError, "the fax engine stalled".into());
        }
        match sent {
            Some(c) => sender_end.attempt_end(&c, &peer.device_id),
            None => sender_end.failed(
                DeviceStatus::Disconnected,
                "the call ended without an outcome (two hours passed, or both ends fell silent)".into(),
            ),
        }
    }
}
