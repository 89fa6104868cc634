//! The SIP line: faxes go out as SIP calls carrying T.38 and come in the same way. Each SIP
//! line has its own user agent on its `listen` address (UDP, TCP or both), registered with a
//! `registrar` when one is configured. Sending calls `sip:<number>@<peer>` offering T.38 at once
//! (`t38_offer = "initial"`) or G.711 audio first and T.38 by re-INVITE once answered
//! (`"reinvite"`), and runs ferrofax's T.30 over it, recording each page as the far end confirms
//! it. Receiving answers, after the port's Rings, calls that offer T.38 with T.38, and calls that
//! offer G.711 audio with audio, then waits for the caller's T.38 re-INVITE or asks for T.38
//! itself after `t38_request_seconds`; no audio is sent or decoded meanwhile. SIP answers map to
//! the port's DeviceStatus (486 Busy, 408/480 NoAnswer, 404/484 BadAddress, 488/606 NotFaxCall,
//! 401/407 after our credentials NoDialTone, …), which the retry logic reads.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use ferrofax_api::{DeviceStatus, PortView};
use ferrofax_sip::media::{answer, answer_audio};
use ferrofax_sip::{
    AgentConfig, FloodLimit, IncomingCall, SessionDescription, SipAgent, SipError, T38Params, T38Plan, audio_session,
    t38_far_end, t38_session,
};
use ferrofax_t30::{CallRole, Config as T30Config, Event, SendPage, Session};
use ferrofax_t38::T38Call;
use ferrofax_t38_udp::{FarEnd, run_call_until};
use tokio::net::UdpSocket;

use super::observer::CallObserver;
use super::{AttemptEnd, LineContext, LineDriver, LineError, Outgoing, Reception, line_error};
use crate::clock::Millis;
use crate::config::{SipLine, SipTransport, T38Offer};
use crate::lifecycle::CANCELLED_DURING_THE_CALL;
use crate::ports::LineState;

/// The longest a fax call may last.
const CALL_LIMIT: Duration = Duration::from_secs(2 * 3600);
/// How long an INVITE may go unanswered.
const ANSWER_LIMIT: Duration = Duration::from_secs(60);
/// How long a cancelled call may take to end with DCN before it is hung up.
const ABORT_GRACE: Duration = Duration::from_secs(40);
/// How long an audio call may take to get to T.38.
const T38_SWITCH_LIMIT: Duration = Duration::from_secs(60);

fn ours(version: u8) -> T38Params {
    T38Params { version, ..T38Params::default() }
}

fn media_ip(line: &SipLine) -> IpAddr {
    line.media_ip.unwrap_or(line.listen.ip())
}

/// The user agent a line's settings ask for.
pub fn agent_config(line: &SipLine) -> AgentConfig {
    let mut c = AgentConfig::udp(line.listen);
    c.udp = line.transport != SipTransport::Tcp;
    c.tcp = line.transport != SipTransport::Udp;
    c.call_over_tcp = line.transport == SipTransport::Tcp;
    c.flood = (line.invite_burst > 0 && line.invites_per_second > 0.0).then(|| FloodLimit {
        burst: line.invite_burst,
        per_second: line.invites_per_second,
        ..FloodLimit::default()
    });
    c.account = line.account.clone();
    c
}

/// A SIP line: its user agent (started by [`LineDriver::start`]) and its settings.
pub struct SipLineDriver {
    line: String,
    sip: SipLine,
    agent: OnceLock<Arc<SipAgent>>,
}

/// What a SIP line says of itself: its registration.
struct Registration(Arc<SipAgent>);

impl LineState for Registration {
    fn words(&self) -> String {
        self.0.registration().map(|r| registration_words(&r.borrow())).unwrap_or_default()
    }
}

impl SipLineDriver {
    pub fn new(line: &str, sip: SipLine) -> Self {
        SipLineDriver { line: line.into(), sip, agent: OnceLock::new() }
    }

    /// The line's running user agent.
    pub fn agent(&self) -> Option<Arc<SipAgent>> {
        self.agent.get().cloned()
    }
}

#[async_trait]
impl LineDriver for SipLineDriver {
    /// Starts the line's user agent (and its registration) and its answering loop.
    async fn start(&self, ctx: &Arc<LineContext>) -> Result<(), LineError> {
        let mut agent = SipAgent::start(agent_config(&self.sip))
            .await
            .map_err(|e| line_error(&self.line, format!("SIP address {}", self.sip.listen), e))?;
        let mut calls = agent
            .take_incoming()
            .ok_or_else(|| line_error(&self.line, "starting its SIP agent", "no incoming calls"))?;
        tracing::info!(line = %self.line, sip = %agent.local_addr(), transport = ?self.sip.transport, "SIP line listening");
        let agent = Arc::new(agent);
        ctx.ports.set_line_state(&self.line, Arc::new(Registration(agent.clone())));
        let _ = self.agent.set(agent);
        let (ctx, line, sip) = (ctx.clone(), self.line.clone(), self.sip.clone());
        tokio::spawn(async move {
            while let Some(call) = calls.recv().await {
                tokio::spawn(answer_call(ctx.clone(), line.clone(), sip.clone(), call));
            }
        });
        Ok(())
    }

    async fn place_call(&self, ctx: &Arc<LineContext>, call: Outgoing<'_>) -> AttemptEnd {
        send(ctx, self.agent(), &self.sip, call).await
    }

    /// Stops the user agent: it unregisters (if registered), a few seconds at most.
    async fn stop(&self) {
        if let Some(agent) = self.agent() {
            agent.shutdown().await;
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// What an incoming call offers that we can take.
enum Offered {
    T38 { far: SocketAddr, params: T38Params },
    Audio,
}

async fn answer_call(ctx: Arc<LineContext>, line: String, sip: SipLine, call: IncomingCall) {
    let Some(port) = ctx.ports.port(&line) else {
        return call.reject(503);
    };
    let accept_from = &sip.accept_from;
    if !accept_from.is_empty() && !call.source.is_some_and(|s| accept_from.contains(&s.ip())) {
        tracing::warn!(line = %line, source = ?call.source, from = %call.from, "call from an address this line does not accept (403)");
        return call.reject(403);
    }
    if !port.receive {
        return call.reject(480);
    }
    let offered = match call.offer.as_ref() {
        Some(o) => match t38_far_end(o) {
            Some((far, params)) => Some(Offered::T38 { far, params }),
            None => o.media.iter().any(|m| m.port != 0 && answer_audio(m, 1).is_some()).then_some(Offered::Audio),
        },
        None => None,
    };
    let Some(offered) = offered else {
        tracing::info!(line = %line, from = %call.from, "call offering neither T.38 nor G.711 refused (488)");
        return call.reject(488);
    };
    if !ctx.ports.reserve_to_answer(&port.device_id).await {
        return call.reject(486);
    }
    if let Err(e) = receive(&ctx, &sip, &port, call, offered).await {
        tracing::warn!(line = %line, "receiving: {e}");
    }
    ctx.ports.release(&port.device_id);
}

/// Why receiving a call stopped early (logged; the caller sees the SIP answer).
#[derive(Debug, thiserror::Error)]
enum ReceiveError {
    #[error("binding the {0} socket: {1}")]
    Socket(&'static str, std::io::Error),
    #[error("the call has no offer to answer")]
    NoOffer,
    #[error("the offer has no stream to answer with {0}")]
    Unanswerable(&'static str),
    #[error(transparent)]
    Sip(#[from] SipError),
}

async fn receive(
    ctx: &Arc<LineContext>,
    sip_line: &SipLine,
    port: &PortView,
    mut call: IncomingCall,
    offered: Offered,
) -> Result<(), ReceiveError> {
    let (from, to) = (sip_user(&call.from), sip_user(&call.to));
    let start = crate::clock::timestamp(ctx.now());
    ctx.ports.set_live(&port.device_id, |s| {
        s.device_status = DeviceStatus::Ringing;
        s.caller_id = from.clone();
        s.start_time = Some(start);
    });
    // Rings × ring time, on the server's clock.
    let ring_ms = (sip_line.ring_seconds.max(0.0) * 1000.0) as Millis * port.rings.max(1) as Millis;
    tokio::select! {
        _ = ctx.clock.sleep_until(ctx.now() + ring_ms) => {}
        _ = call.cancelled() => {
            tracing::info!(line = %port.device_id, from = %from, "the caller gave up while the line rang");
            return Ok(());
        }
    }
    let ip = media_ip(sip_line);
    let socket = UdpSocket::bind(SocketAddr::new(ip, 0)).await.map_err(|e| ReceiveError::Socket("UDPTL", e))?;
    // Our RTP port: only there to be offered; no audio is sent or read.
    let rtp = UdpSocket::bind(SocketAddr::new(ip, 0)).await.map_err(|e| ReceiveError::Socket("RTP", e))?;
    let udptl = socket.local_addr().map_err(|e| ReceiveError::Socket("UDPTL", e))?;
    let rtp_port = rtp.local_addr().map_err(|e| ReceiveError::Socket("RTP", e))?.port();
    let offer = call.offer.clone().ok_or(ReceiveError::NoOffer)?;
    let mine = ours(sip_line.t38_version);
    let (mut sip, far, agreed, far_params) = match offered {
        Offered::T38 { far, params } => {
            let agreed = T38Params::answer(&params, &mine);
            let image = t38_session(udptl, &agreed).media.remove(0);
            let a = answer(&offer, None, ip, |m| m.is_t38().then(|| image.clone()))
                .ok_or(ReceiveError::Unanswerable("T.38"))?;
            (call.accept(a)?, far, agreed, params)
        }
        Offered::Audio => {
            let a =
                answer(&offer, None, ip, |m| answer_audio(m, rtp_port)).ok_or(ReceiveError::Unanswerable("G.711"))?;
            let mut sip = call.accept(a)?;
            ctx.ports.set_live(&port.device_id, |s| s.device_status = DeviceStatus::Answered);
            let plan = T38Plan {
                request_after: sip_line.t38_request_seconds.map(Duration::from_secs_f64),
                give_up: T38_SWITCH_LIMIT,
                ..T38Plan::default()
            };
            match sip.switch_to_t38(udptl, &mine, &plan).await {
                Ok(s) => (sip, s.far, s.agreed, s.far_params),
                Err(e) => {
                    tracing::warn!(line = %port.device_id, from = %from, "the audio call did not go to T.38: {e}");
                    sip.hangup().await;
                    return Ok(());
                }
            }
        }
    };
    sip.set_audio_port(rtp_port);
    ctx.ports.set_live(&port.device_id, |s| {
        s.device_status = DeviceStatus::Receiving;
        s.receive = true;
        s.csid = port.csid.clone();
        s.address = to.clone();
        s.routing_string = to.clone();
    });
    let session = Session::receiver(T30Config::new(CallRole::Answering, &port.csid));
    let t38 = T38Call::new(session, T38Params::call_config(&agreed, &far_params));
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let run = run_call_until(t38, &socket, FarEnd::Learn(far), CALL_LIMIT, std::future::pending(), move |e| {
        let _ = events_tx.send(e.clone());
    });
    let reception = Reception {
        port: port.clone(),
        remote_ident: String::new(),
        caller_id: from,
        called_number: to,
        pages: Vec::new(),
        ended_early: None,
    };
    let mut end = CallObserver::receiving(ctx, &port.device_id, reception);
    // Pages are kept as they come; the fax is stored as soon as its last page is in (before
    // the caller's farewell), so that a stop after that loses nothing.
    let record = async {
        while let Some(e) = events.recv().await {
            end.on_event(e).await;
        }
    };
    let completion = tokio::select! {
        (r, ()) = async { tokio::join!(run, record) } => r.ok(),
        hung_up = sip.ended() => {
            tracing::info!(line = %port.device_id, "caller hung up during the fax: {hung_up:?}");
            None
        }
    };
    if completion.is_none() {
        end.ended_early("the caller hung up");
    }
    sip.hangup().await;
    drop(rtp);
    // Pages of a fax that did not reach its end are kept as a partial reception.
    end.keep(completion.as_ref().is_some_and(|c| c.result.is_ok())).await;
    Ok(())
}

/// A registration state as a port's status shows it.
pub fn registration_words(state: &ferrofax_sip::RegistrationState) -> String {
    use ferrofax_sip::RegistrationState as R;
    match state {
        R::Starting => "registering".into(),
        R::Registered { until, .. } => {
            let until = jiff::Timestamp::try_from(*until).map(|t| t.strftime("%H:%M:%S UTC").to_string());
            format!("registered until {}", until.unwrap_or_default())
        }
        R::Failed { error, tries, retry_in, .. } => {
            format!("registration failed ({tries} tries): {error}; trying again in {} s", retry_in.as_secs())
        }
        R::Stopped => "unregistered".into(),
    }
}

/// The user part of a From/To value (`"Name" <sip:+15550100@host>;tag=x` → `+15550100`).
fn sip_user(value: &str) -> String {
    let uri = value.split_once("sip:").or_else(|| value.split_once("sips:")).map(|(_, r)| r).unwrap_or(value);
    let end = uri.find(['@', '>', ';']).unwrap_or(uri.len());
    uri[..end].to_string()
}

/// The port status a refused INVITE means.
fn refused_status(code: u16) -> DeviceStatus {
    match code {
        486 | 600 => DeviceStatus::Busy,
        408 | 480 | 487 => DeviceStatus::NoAnswer,
        404 | 484 | 604 => DeviceStatus::BadAddress,
        415 | 488 | 606 => DeviceStatus::NotFaxCall,
        403 | 603 => DeviceStatus::CallBlacklisted,
        // Challenged again after our credentials: the trunk gives this line no service.
        401 | 407 => DeviceStatus::NoDialTone,
        503 => DeviceStatus::Unavailable,
        _ => DeviceStatus::FatalError,
    }
}

/// Calls out on a SIP line with the job's pages from the first one not yet confirmed.
async fn send(ctx: &Arc<LineContext>, agent: Option<Arc<SipAgent>>, line: &SipLine, call: Outgoing<'_>) -> AttemptEnd {
    let (port, job, tsid, cancel) = (call.port, call.job, call.tsid, call.cancel);
    let size = ctx.pages.document_size(job).await;
    ctx.dialing(port, job, tsid, size);
    let mut end = CallObserver::sending(ctx, &port.device_id, job);
    let Some(peer) = line.peer.clone().or_else(|| line.account.as_ref().map(|a| a.registrar.clone())) else {
        return end.failed(DeviceStatus::FatalError, format!("SIP line {} has no peer to call", port.device_id));
    };
    let Some(agent) = agent else {
        return end.failed(DeviceStatus::FatalError, format!("SIP line {} is not running", port.device_id));
    };
    let pages: Vec<SendPage> = match ctx.pages_to_send(job, tsid, call.started_at).await {
        Ok(p) => p.into_iter().map(SendPage::coded).collect(),
        Err(why) => return end.failed(DeviceStatus::FatalError, why),
    };
    let ip = media_ip(line);
    let sockets = async {
        let udptl = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        let rtp = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        std::io::Result::Ok((udptl.local_addr()?, udptl, rtp.local_addr()?, rtp))
    };
    let (udptl, socket, rtp_addr, _rtp) = match sockets.await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(line = %port.device_id, "binding the media sockets: {e}");
            return end.failed(DeviceStatus::FatalError, "the line could not open its media ports".into());
        }
    };
    let target = format!("sip:{}@{peer}", ferrofax_api::validate::dial_string(&job.fax_number));
    let user: String = tsid.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    let from = if user.is_empty() { "fax" } else { &user };
    let mine = ours(line.t38_version);
    let offer: SessionDescription = match line.t38_offer {
        T38Offer::Initial => t38_session(udptl, &mine),
        T38Offer::Reinvite => audio_session(rtp_addr),
    };
    let mut sip = match agent.call(&target, from, offer, ANSWER_LIMIT, cancel).await {
        Ok(call) => call,
        Err(e) => {
            let (status, detail) = call_failure(&target, e);
            return end.failed(status, detail);
        }
    };
    sip.set_audio_port(rtp_addr.port());
    let (far, agreed, far_params) = match (line.t38_offer, t38_far_end(&sip.remote())) {
        (_, Some((far, answered))) => (far, answered.clone(), answered),
        (T38Offer::Initial, None) => {
            sip.hangup().await;
            return end.failed(DeviceStatus::NotFaxCall, format!("{target} answered without a T.38 stream"));
        }
        (T38Offer::Reinvite, None) => {
            let plan = T38Plan { request_after: Some(Duration::ZERO), give_up: T38_SWITCH_LIMIT, ..T38Plan::default() };
            let switched = tokio::select! {
                s = sip.switch_to_t38(udptl, &mine, &plan) => s,
                _ = cancel.cancelled() => Err(SipError::Cancelled),
            };
            match switched {
                Ok(s) => (s.far, s.agreed, s.far_params),
                Err(e) => {
                    sip.hangup().await;
                    let (status, detail) = switch_failure(&target, e);
                    return end.failed(status, detail);
                }
            }
        }
    };
    let session = Session::sender(T30Config::new(CallRole::Calling, tsid), pages);
    let t38 = T38Call::new(session, T38Params::call_config(&agreed, &far_params));
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel::<Event>();
    // A cancel ends the call the T.30 way (DCN) before the BYE.
    let run = run_call_until(t38, &socket, FarEnd::Fixed(far), CALL_LIMIT, cancel.cancelled(), move |e| {
        let _ = events_tx.send(e.clone());
    });
    let record = async {
        while let Some(e) = events.recv().await {
            end.on_event(e).await;
        }
    };
    // Re-INVITEs during the fax are answered keeping our T.38 stream (the dialog's task does
    // that); a BYE from the far end ends the attempt at once, as it does when receiving.
    let result = tokio::select! {
        (r, ()) = async { tokio::join!(run, record) } => Some(r),
        hung_up = sip.ended() => {
            tracing::info!(line = %port.device_id, "the far end hung up during the fax: {hung_up:?}");
            None
        }
        // A cancelled call has a while to end with DCN (the page on the line goes out first);
        // then it is hung up all the same.
        _ = async { cancel.cancelled().await; tokio::time::sleep(ABORT_GRACE).await } => None,
    };
    sip.hangup().await;
    if cancel.is_cancelled() {
        return match result {
            // Confirmed in full before the cancel took effect: delivered.
            Some(Ok(c)) if c.result.is_ok() => end.attempt_end(&c, &target),
            _ => end.failed(DeviceStatus::Aborting, CANCELLED_DURING_THE_CALL.into()),
        };
    }
    match result {
        Some(Ok(c)) => end.attempt_end(&c, &target),
        Some(Err(e)) => end.failed(DeviceStatus::Disconnected, format!("T.38: {e}")),
        // Every page confirmed, then a BYE before T.30's farewell: the fax was delivered.
        None if end.pages_confirmed >= job.page_count => {
            let done = ferrofax_t30::Completion {
                result: Ok(()),
                pages_sent: job.page_count,
                pages_received: 0,
                negotiated: None,
                remote_ident: None,
            };
            end.attempt_end(&done, &target)
        }
        None => {
            let after = match end.pages_confirmed {
                0 => "before any page was confirmed".to_string(),
                n => format!("after page {n}"),
            };
            end.failed(DeviceStatus::Disconnected, format!("the far end hung up {after}"))
        }
    }
}

/// The port status and detail of an INVITE that did not get us a call.
fn call_failure(target: &str, e: SipError) -> (DeviceStatus, String) {
    match e {
        SipError::Refused { code, reason } => (refused_status(code), format!("{target} answered {code} {reason}")),
        SipError::AuthRejected { code, reason } => (
            refused_status(code),
            format!("{target} refused our credentials ({code} {reason}): check the line's user and password"),
        ),
        SipError::NoAnswer(limit) => (DeviceStatus::NoAnswer, format!("no answer from {target} within {limit:?}")),
        SipError::Cancelled => (DeviceStatus::Aborting, "cancelled while dialling".into()),
        e => (DeviceStatus::Disconnected, format!("calling {target}: {e}")),
    }
}

/// The port status and detail of an audio call that did not get to T.38.
fn switch_failure(target: &str, e: SipError) -> (DeviceStatus, String) {
    match e {
        SipError::ReinviteRefused { code, reason } if code != 200 => {
            (DeviceStatus::NotFaxCall, format!("{target} refused T.38 ({code} {reason})"))
        }
        SipError::ReinviteRefused { reason, .. } => (DeviceStatus::NotFaxCall, format!("{target}: {reason}")),
        SipError::Cancelled => (DeviceStatus::Aborting, "cancelled while switching to T.38".into()),
        e => (DeviceStatus::Disconnected, format!("{target}: the call did not get to T.38: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_from_sip_headers() {
        assert_eq!(sip_user("<sip:+15550100@127.0.0.1:42629>;tag=VdDr4oSZ"), "+15550100");
        assert_eq!(sip_user("\"Fax\" <sip:200@gw.example>"), "200");
        assert_eq!(sip_user("sip:alice@example.com;tag=1"), "alice");
        assert_eq!(sip_user("nothing"), "nothing");
        assert_eq!(refused_status(486), DeviceStatus::Busy);
        assert_eq!(refused_status(488), DeviceStatus::NotFaxCall);
        assert_eq!(refused_status(407), DeviceStatus::NoDialTone);
        let (status, detail) =
            call_failure("sip:1@x", SipError::AuthRejected { code: 401, reason: "Unauthorized".into() });
        assert_eq!(status, DeviceStatus::NoDialTone);
        assert!(detail.contains("refused our credentials"), "{detail}");
        let (status, _) = switch_failure("sip:1@x", SipError::ReinviteRefused { code: 488, reason: "x".into() });
        assert_eq!(status, DeviceStatus::NotFaxCall);
        let (status, _) = switch_failure("sip:1@x", SipError::ReinviteTimeout(Duration::from_secs(32)));
        assert_eq!(status, DeviceStatus::Disconnected);
    }
}
