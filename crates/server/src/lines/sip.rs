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
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use ferrofax_api::{DeviceStatus, PortView};
use ferrofax_sip::media::{answer, answer_audio};
use ferrofax_sip::{
    AgentConfig, FloodLimit, IncomingCall, SessionDescription, SipAgent, SipError, T38Params, T38Plan, audio_session,
    t38_far_end, t38_session,
};
use ferrofax_t30::{CallRole, Config as T30Config, Event, PageResponse, SendPage, Session};
use ferrofax_t38::T38Call;
use ferrofax_t38_udp::{FarEnd, run_call};
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use crate::config::{DriverConfig, SipLine, SipTransport, T38Offer};
use crate::lines::receive::{Reception, record_received};
use crate::service::Core;
use crate::store::JobRow;

/// The longest a fax call may last.
const CALL_LIMIT: Duration = Duration::from_secs(2 * 3600);
/// How long an INVITE may go unanswered.
const ANSWER_LIMIT: Duration = Duration::from_secs(60);
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

#[derive(Debug, Clone)]
struct Inbound {
    line: String,
    sip: SipLine,
}

/// Starts the user agents of the SIP lines (and their registrations) and their answering loops.
pub async fn start(core: &Arc<Core>) -> anyhow::Result<()> {
    for l in core.config.effective_lines() {
        let DriverConfig::Sip(sip) = l.driver.clone() else {
            continue;
        };
        let mut agent = SipAgent::start(agent_config(&sip))
            .await
            .with_context(|| format!("line `{}`: SIP address {}", l.id, sip.listen))?;
        let mut calls = agent.take_incoming().context("a new SIP agent has its incoming calls")?;
        tracing::info!(line = %l.id, sip = %agent.local_addr(), transport = ?sip.transport, "SIP line listening");
        core.sip_agents.lock().expect("sip agents").insert(l.id.clone(), Arc::new(agent));
        let inbound = Inbound { line: l.id.clone(), sip };
        let core = core.clone();
        tokio::spawn(async move {
            while let Some(call) = calls.recv().await {
                tokio::spawn(answer_call(core.clone(), inbound.clone(), call));
            }
        });
    }
    Ok(())
}

/// Stops the SIP lines' user agents: each unregisters (if registered), a few seconds at most.
pub async fn stop(core: &Core) {
    let agents: Vec<Arc<SipAgent>> = core.sip_agents.lock().expect("sip agents").values().cloned().collect();
    futures_util::future::join_all(agents.iter().map(|a| a.shutdown())).await;
}

/// What an incoming call offers that we can take.
enum Offered {
    T38 { far: SocketAddr, params: T38Params },
    Audio,
}

async fn answer_call(core: Arc<Core>, inb: Inbound, call: IncomingCall) {
    let Some(port) = core.port(&inb.line) else {
        return call.reject(503);
    };
    let accept_from = &inb.sip.accept_from;
    if !accept_from.is_empty() && !call.source.is_some_and(|s| accept_from.contains(&s.ip())) {
        tracing::warn!(line = %inb.line, source = ?call.source, from = %call.from, "call from an address this line does not accept (403)");
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
        tracing::info!(line = %inb.line, from = %call.from, "call offering neither T.38 nor G.711 refused (488)");
        return call.reject(488);
    };
    if !super::reserve_to_answer(&core, &port.device_id).await {
        return call.reject(486);
    }
    let result = receive(&core, &inb, &port, call, offered).await;
    if let Err(e) = result {
        tracing::warn!(line = %inb.line, "receiving: {e:#}");
    }
    core.release(&port.device_id);
}

async fn receive(
    core: &Arc<Core>,
    inb: &Inbound,
    port: &PortView,
    mut call: IncomingCall,
    offered: Offered,
) -> anyhow::Result<()> {
    let (from, to) = (sip_user(&call.from), sip_user(&call.to));
    let start = crate::clock::timestamp(core.now());
    core.set_live(&port.device_id, |l| {
        l.status.device_status = DeviceStatus::Ringing;
        l.status.caller_id = from.clone();
        l.status.start_time = Some(start);
    });
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs_f64(inb.sip.ring_seconds.max(0.0)) * port.rings.max(1)) => {}
        _ = call.cancelled() => {
            tracing::info!(line = %inb.line, from = %from, "the caller gave up while the line rang");
            return Ok(());
        }
    }
    let ip = media_ip(&inb.sip);
    let socket = UdpSocket::bind(SocketAddr::new(ip, 0)).await.context("binding the UDPTL socket")?;
    // Our RTP port: only there to be offered; no audio is sent or read.
    let rtp = UdpSocket::bind(SocketAddr::new(ip, 0)).await.context("binding the RTP socket")?;
    let (udptl, rtp_port) = (socket.local_addr()?, rtp.local_addr()?.port());
    let offer = call.offer.clone().context("an offer")?;
    let mine = ours(inb.sip.t38_version);
    let (mut sip, far, agreed, far_params) = match offered {
        Offered::T38 { far, params } => {
            let agreed = T38Params::answer(&params, &mine);
            let image = t38_session(udptl, &agreed).media.remove(0);
            let a = answer(&offer, None, ip, |m| m.is_t38().then(|| image.clone())).context("answering T.38")?;
            (call.accept(a)?, far, agreed, params)
        }
        Offered::Audio => {
            let a = answer(&offer, None, ip, |m| answer_audio(m, rtp_port)).context("answering G.711")?;
            let mut sip = call.accept(a)?;
            core.set_live(&port.device_id, |l| l.status.device_status = DeviceStatus::Answered);
            let plan = T38Plan {
                request_after: inb.sip.t38_request_seconds.map(Duration::from_secs_f64),
                give_up: T38_SWITCH_LIMIT,
                ..T38Plan::default()
            };
            match sip.switch_to_t38(udptl, &mine, &plan).await {
                Ok(s) => (sip, s.far, s.agreed, s.far_params),
                Err(e) => {
                    tracing::warn!(line = %inb.line, from = %from, "the audio call did not go to T.38: {e}");
                    sip.hangup().await;
                    return Ok(());
                }
            }
        }
    };
    sip.set_audio_port(rtp_port);
    core.set_live(&port.device_id, |l| {
        l.status.device_status = DeviceStatus::Receiving;
        l.status.receive = true;
        l.status.csid = port.csid.clone();
        l.status.address = to.clone();
    });
    let session = Session::receiver(T30Config::new(CallRole::Answering, &port.csid));
    let t38 = T38Call::new(session, T38Params::call_config(&agreed, &far_params));
    let device = port.device_id.clone();
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let run = run_call(t38, &socket, FarEnd::Learn(far), CALL_LIMIT, move |e| {
        let _ = events_tx.send(e.clone());
    });
    let mut reception = Reception {
        port: port.clone(),
        remote_ident: String::new(),
        caller_id: from,
        called_number: to,
        pages: Vec::new(),
    };
    let mut stored = false;
    // Pages are kept as they come; the fax is stored as soon as its last page is in (before
    // the caller's farewell), so that a stop after that loses nothing.
    let record = async {
        while let Some(e) = events.recv().await {
            match e {
                Event::PageStarted { page } => core.set_live(&device, |l| l.status.current_page = page + 1),
                Event::RemoteIdentified { ident } => {
                    core.set_live(&device, |l| l.status.tsid = ident.clone());
                    reception.remote_ident = ident;
                }
                Event::Negotiated(n) => core.set_live(&device, |l| l.status.mode = n.to_string()),
                Event::PageReceived { received, last, .. } => {
                    reception.pages.push(received.into_coded());
                    if last && !stored {
                        stored = true;
                        let r = Reception { pages: std::mem::take(&mut reception.pages), ..reception.clone() };
                        if let Err(p) = record_received(core, r, true).await {
                            tracing::error!(line = %inb.line, "storing a received fax: {}", p.detail);
                        }
                    }
                }
                _ => {}
            }
        }
    };
    let completion = tokio::select! {
        (r, ()) = async { tokio::join!(run, record) } => r.ok(),
        end = sip.ended() => {
            tracing::info!(line = %inb.line, "caller hung up during the fax: {end:?}");
            None
        }
    };
    sip.hangup().await;
    drop(rtp);
    // Pages of a fax that did not reach its end are kept as a partial reception.
    if !stored && !reception.pages.is_empty() {
        let complete = completion.as_ref().is_some_and(|c| c.result.is_ok());
        record_received(core, reception, complete).await.map_err(|p| anyhow::anyhow!("{}", p.detail))?;
    }
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
pub async fn send(
    core: &Arc<Core>,
    port: &PortView,
    line: &SipLine,
    job: &JobRow,
    tsid: &str,
    cancel: &CancellationToken,
) -> Outcome {
    let mut out = super::dialing(core, port, job, tsid);
    let first = job.pages_confirmed + 1;
    let fail = |mut o: Outcome, status: DeviceStatus, detail: String| {
        o.status = status;
        o.detail = detail;
        o
    };
    let Some(peer) = line.peer.clone().or_else(|| line.account.as_ref().map(|a| a.registrar.clone())) else {
        return fail(out, DeviceStatus::FatalError, format!("SIP line {} has no peer to call", port.device_id));
    };
    let agent = core.sip_agents.lock().expect("sip agents").get(&port.device_id).cloned();
    let Some(agent) = agent else {
        return fail(out, DeviceStatus::FatalError, format!("SIP line {} is not running", port.device_id));
    };
    let started = core.now();
    let mut pages = Vec::new();
    for n in first..=job.page_count {
        match core.page_to_send(job, n, tsid, started).await {
            Ok(p) => pages.push(SendPage::coded(p)),
            Err(p) => return fail(out, DeviceStatus::FatalError, format!("page {n} could not be read: {}", p.detail)),
        }
    }
    let ip = media_ip(line);
    let sockets = async {
        let udptl = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        let rtp = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        std::io::Result::Ok((udptl.local_addr()?, udptl, rtp.local_addr()?, rtp))
    };
    let (udptl, socket, rtp_addr, _rtp) = match sockets.await {
        Ok(s) => s,
        Err(e) => return fail(out, DeviceStatus::FatalError, format!("binding the media sockets: {e}")),
    };
    let target = format!("sip:{}@{peer}", ferrofax_api::validate::dial_string(&job.fax_number));
    let user: String = tsid.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    let from = if user.is_empty() { "fax" } else { &user };
    let mine = ours(line.t38_version);
    let offer: SessionDescription = match line.t38_offer {
        T38Offer::Initial => t38_session(udptl, &mine),
        T38Offer::Reinvite => audio_session(rtp_addr),
    };
    let mut call = match agent.call(&target, from, offer, ANSWER_LIMIT, cancel).await {
        Ok(call) => call,
        Err(e) => {
            let (status, detail) = call_failure(&target, e);
            return fail(out, status, detail);
        }
    };
    call.set_audio_port(rtp_addr.port());
    let (far, agreed, far_params) = match (line.t38_offer, t38_far_end(&call.remote())) {
        (_, Some((far, answered))) => (far, answered.clone(), answered),
        (T38Offer::Initial, None) => {
            call.hangup().await;
            return fail(out, DeviceStatus::NotFaxCall, format!("{target} answered without a T.38 stream"));
        }
        (T38Offer::Reinvite, None) => {
            let plan = T38Plan { request_after: Some(Duration::ZERO), give_up: T38_SWITCH_LIMIT, ..T38Plan::default() };
            let switched = tokio::select! {
                s = call.switch_to_t38(udptl, &mine, &plan) => s,
                _ = cancel.cancelled() => Err(SipError::Cancelled),
            };
            match switched {
                Ok(s) => (s.far, s.agreed, s.far_params),
                Err(e) => {
                    call.hangup().await;
                    let (status, detail) = switch_failure(&target, e);
                    return fail(out, status, detail);
                }
            }
        }
    };
    let session = Session::sender(T30Config::new(CallRole::Calling, tsid), pages);
    let t38 = T38Call::new(session, T38Params::call_config(&agreed, &far_params));
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let run = run_call(t38, &socket, FarEnd::Fixed(far), CALL_LIMIT, move |e| {
        let _ = events_tx.send(e.clone());
    });
    let record = async {
        let (mut confirmed, mut remote) = (job.pages_confirmed, String::new());
        while let Some(e) = events.recv().await {
            match e {
                Event::RemoteIdentified { ident } => {
                    core.set_live(&port.device_id, |l| l.status.csid = ident.clone());
                    remote = ident;
                }
                Event::Negotiated(n) => core.set_live(&port.device_id, |l| l.status.mode = n.to_string()),
                Event::PageStarted { page } => {
                    let n = first + page;
                    core.set_live(&port.device_id, |l| {
                        l.status.device_status = DeviceStatus::Sending;
                        l.status.current_page = n;
                    });
                    core.page_started(job.id, n).await;
                }
                Event::PageAnswered { page, response: PageResponse::Confirmed | PageResponse::ConfirmedRetrain } => {
                    confirmed = first + page;
                    core.page_confirmed(job.id, job.attempts, confirmed).await;
                }
                _ => {}
            }
        }
        (confirmed, remote)
    };
    // Re-INVITEs during the fax are answered keeping our T.38 stream; the fax ends by itself.
    let keep_answering = async {
        call.ended().await;
        std::future::pending::<()>().await
    };
    let (result, (confirmed, remote)) = tokio::select! {
        r = async { tokio::join!(run, record) } => r,
        _ = keep_answering => unreachable!("never ends"),
        _ = cancel.cancelled() => {
            call.hangup().await;
            return fail(out, DeviceStatus::Aborting, crate::scheduler::CANCELLED_DURING_THE_CALL.into());
        }
    };
    call.hangup().await;
    out.pages_confirmed = confirmed;
    out.remote_ident = remote;
    match result {
        Ok(c) => match c.result {
            Ok(()) => {
                out.status = DeviceStatus::Completed;
                out.detail =
                    format!("{} confirmed by {}", super::pages_text(job.page_count), c.remote_ident.unwrap_or(target));
                out
            }
            Err(f) => fail(out, super::t30_failure_status(&f), format!("T.30: {}", f.description())),
        },
        Err(e) => fail(out, DeviceStatus::Disconnected, format!("T.38: {e}")),
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
