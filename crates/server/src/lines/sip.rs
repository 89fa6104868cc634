//! The SIP line: faxes go out as SIP calls carrying T.38 and come in the same way. Each SIP
//! line has its own user agent on its `listen` address. Sending calls `sip:<number>@<peer>`
//! offering a T.38 stream and runs ferrofax's T.30 over it, recording each page as the far end
//! confirms it; receiving answers calls that offer T.38 after the port's Rings, and records the
//! fax. SIP answers map to the port's DeviceStatus (486 Busy, 408/480 NoAnswer, 404/484
//! BadAddress, 488/606 NotFaxCall, …), which the retry logic reads.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use ferrofax_api::{DeviceStatus, PortView};
use ferrofax_sip::{IncomingCall, SipAgent, SipError, T38Params, t38_far_end, t38_session};
use ferrofax_t30::{CallRole, Config as T30Config, Event, Failure, PageResponse, ReceivedPage, SendPage, Session};
use ferrofax_t38::T38Call;
use ferrofax_t38_udp::{FarEnd, run_call};
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use crate::config::DriverConfig;
use crate::lines::receive::{Reception, record_received};
use crate::service::Core;
use crate::store::JobRow;

/// The longest a fax call may last.
const CALL_LIMIT: Duration = Duration::from_secs(2 * 3600);
/// How long an INVITE may go unanswered.
const ANSWER_LIMIT: Duration = Duration::from_secs(60);

/// What sending needs of a SIP line.
#[derive(Debug, Clone)]
pub struct SendLine {
    pub peer: Option<String>,
    pub media_ip: IpAddr,
    pub t38_version: u8,
}

#[derive(Debug, Clone)]
struct Inbound {
    line: String,
    accept_from: Vec<IpAddr>,
    ring: Duration,
    media_ip: IpAddr,
    t38_version: u8,
}

fn ours(version: u8) -> T38Params {
    T38Params { version, ..T38Params::default() }
}

/// Starts the user agents of the SIP lines and their answering loops.
pub async fn start(core: &Arc<Core>) -> anyhow::Result<()> {
    for l in core.config.effective_lines() {
        let DriverConfig::Sip { listen, accept_from, ring_seconds, media_ip, t38_version, .. } = l.driver.clone()
        else {
            continue;
        };
        let mut agent =
            SipAgent::bind(listen).await.with_context(|| format!("line `{}`: SIP address {listen}", l.id))?;
        let mut calls = agent.take_incoming().context("a new SIP agent has its incoming calls")?;
        tracing::info!(line = %l.id, sip = %agent.local_addr(), "SIP line listening");
        core.sip_agents.lock().expect("sip agents").insert(l.id.clone(), Arc::new(agent));
        let inbound = Inbound {
            line: l.id.clone(),
            accept_from,
            ring: Duration::from_secs_f64(ring_seconds.max(0.0)),
            media_ip: media_ip.unwrap_or(listen.ip()),
            t38_version,
        };
        let core = core.clone();
        tokio::spawn(async move {
            while let Some(call) = calls.recv().await {
                tokio::spawn(answer(core.clone(), inbound.clone(), call));
            }
        });
    }
    Ok(())
}

async fn answer(core: Arc<Core>, inb: Inbound, call: IncomingCall) {
    let Some(port) = core.port(&inb.line) else {
        return call.reject(503);
    };
    if !inb.accept_from.is_empty() && !call.source.is_some_and(|s| inb.accept_from.contains(&s.ip())) {
        tracing::warn!(line = %inb.line, source = ?call.source, from = %call.from, "call from a peer this line does not accept");
        return call.reject(403);
    }
    if !port.receive {
        return call.reject(480);
    }
    let Some((far, offered)) = call.offer.as_ref().and_then(t38_far_end) else {
        tracing::info!(line = %inb.line, from = %call.from, "call without a T.38 offer refused (488)");
        return call.reject(488);
    };
    if !core.reserve(&port.device_id) {
        return call.reject(486);
    }
    let result = receive(&core, &inb, &port, call, far, offered).await;
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
    far: SocketAddr,
    offered: T38Params,
) -> anyhow::Result<()> {
    let (from, to) = (sip_user(&call.from), sip_user(&call.to));
    let start = crate::clock::timestamp(core.now());
    core.set_live(&port.device_id, |l| {
        l.status.device_status = DeviceStatus::Ringing;
        l.status.caller_id = from.clone();
        l.status.start_time = Some(start);
    });
    tokio::select! {
        _ = tokio::time::sleep(inb.ring * port.rings.max(1)) => {}
        _ = call.cancelled() => {
            tracing::info!(line = %inb.line, from = %from, "the caller gave up while the line rang");
            return Ok(());
        }
    }
    let socket = UdpSocket::bind(SocketAddr::new(inb.media_ip, 0)).await.context("binding the UDPTL socket")?;
    let agreed = T38Params::answer(&offered, &ours(inb.t38_version));
    let mut sip = call.accept(t38_session(socket.local_addr()?, &agreed)).map_err(|e| anyhow::anyhow!("{e}"))?;
    core.set_live(&port.device_id, |l| {
        l.status.device_status = DeviceStatus::Receiving;
        l.status.receive = true;
        l.status.csid = port.csid.clone();
        l.status.address = to.clone();
    });
    let session = Session::receiver(T30Config::new(CallRole::Answering, &port.csid));
    let t38 = T38Call::new(session, T38Params::call_config(&agreed, &offered));
    let mut pages = Vec::new();
    let device = port.device_id.clone();
    let run = run_call(t38, &socket, FarEnd::Learn(far), CALL_LIMIT, |e| match e {
        Event::PageStarted { page } => core.set_live(&device, |l| l.status.current_page = page + 1),
        Event::PageReceived { received, .. } => pages.push((**received).clone()),
        Event::RemoteCapabilities { .. } | Event::Negotiated(_) => {}
        _ => {}
    });
    let completion = tokio::select! {
        r = run => r.ok(),
        end = sip.ended() => {
            tracing::info!(line = %inb.line, "caller hung up during the fax: {end:?}");
            None
        }
    };
    sip.hangup().await;
    let complete = completion.as_ref().is_some_and(|c| c.result.is_ok());
    let remote_ident = completion.as_ref().and_then(|c| c.remote_ident.clone()).unwrap_or_default();
    if !pages.is_empty() {
        let r = Reception {
            port: port.clone(),
            remote_ident,
            caller_id: from,
            called_number: to,
            pages: pages.into_iter().map(ReceivedPage::into_coded).collect(),
        };
        record_received(core, r, complete).await.map_err(|p| anyhow::anyhow!("{}", p.detail))?;
    }
    Ok(())
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
        503 => DeviceStatus::Unavailable,
        _ => DeviceStatus::FatalError,
    }
}

pub async fn send(
    core: &Arc<Core>,
    port: &PortView,
    line: &SendLine,
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
    let Some(peer) = &line.peer else {
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
    let socket = match UdpSocket::bind(SocketAddr::new(line.media_ip, 0)).await.and_then(|s| Ok((s.local_addr()?, s))) {
        Ok(s) => s,
        Err(e) => return fail(out, DeviceStatus::FatalError, format!("binding the UDPTL socket: {e}")),
    };
    let (udptl, socket) = socket;
    let target = format!("sip:{}@{peer}", ferrofax_api::validate::dial_string(&job.fax_number));
    let user: String = tsid.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    let from = if user.is_empty() { "fax" } else { &user };
    let offer = t38_session(udptl, &ours(line.t38_version));
    let call = match agent.call(&target, from, offer, ANSWER_LIMIT, cancel).await {
        Ok(call) => call,
        Err(SipError::Refused { code, reason }) => {
            return fail(out, refused_status(code), format!("{target} answered {code} {reason}"));
        }
        Err(SipError::NoAnswer(limit)) => {
            return fail(out, DeviceStatus::NoAnswer, format!("no answer from {target} within {limit:?}"));
        }
        Err(SipError::Cancelled) => return fail(out, DeviceStatus::Aborting, "cancelled while dialling".into()),
        Err(e) => return fail(out, DeviceStatus::Disconnected, format!("calling {target}: {e}")),
    };
    let Some((far, answered)) = t38_far_end(&call.remote()) else {
        call.hangup().await;
        return fail(out, DeviceStatus::NotFaxCall, format!("{target} answered without a T.38 stream"));
    };
    let session = Session::sender(T30Config::new(CallRole::Calling, tsid), pages);
    let t38 = T38Call::new(session, T38Params::call_config(&answered, &answered));
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let run = run_call(t38, &socket, FarEnd::Fixed(far), CALL_LIMIT, move |e| {
        let _ = events_tx.send(e.clone());
    });
    let record = async {
        let (mut confirmed, mut remote) = (job.pages_confirmed, String::new());
        while let Some(e) = events.recv().await {
            match e {
                Event::RemoteCapabilities { ident, .. } => remote = ident.unwrap_or_default(),
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
    let (result, (confirmed, remote)) = tokio::select! {
        r = async { tokio::join!(run, record) } => r,
        _ = cancel.cancelled() => {
            call.hangup().await;
            return fail(out, DeviceStatus::Aborting, "cancelled during the call".into());
        }
    };
    call.hangup().await;
    out.pages_confirmed = confirmed;
    out.remote_ident = remote;
    match result {
        Ok(c) => match c.result {
            Ok(()) => {
                out.status = DeviceStatus::Completed;
                out.detail = format!("{} pages confirmed by {}", job.page_count, c.remote_ident.unwrap_or(target));
                out
            }
            Err(f) => {
                let status = match f {
                    Failure::T1Expired | Failure::RemoteCannotReceive => DeviceStatus::NotFaxCall,
                    _ => DeviceStatus::Disconnected,
                };
                fail(out, status, format!("T.30: {}", f.description()))
            }
        },
        Err(e) => fail(out, DeviceStatus::Disconnected, format!("T.38: {e}")),
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
    }
}
