//! Two faxd instances with SIP lines on 127.0.0.1 fax each other over SIP and T.38, on real UDP
//! and in real time: the job completes on one side with the far end's identity, the fax arrives
//! in the other's inbox pixel for pixel as it was sent; also starting as an audio call switched
//! to T.38 by re-INVITE, and over TCP. A number the far end refuses maps to the port status the
//! retry logic reads (486 is a Busy attempt, tried again after RetryDelay). An INVITE flood does
//! not disturb a call in progress, a forged Via does not get past `accept_from`, and a line
//! registers with Kamailio (or says clearly why it cannot, and keeps working).

mod support;

use std::time::Duration;

use ferrofax_image::{ReadLimits, read_tiff};
use ferrofax_server::config::{Config, DriverConfig, LineConfig, SipLine, SipTransport, T38Offer};
use ferrofax_sip::RegistrationState;
use serde_json::{Value, json};
use support::{Faxd, NOON};

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn sip_line(id: &str, listen: u16, peer: u16, send: bool, ident: &str) -> Config {
    let line = LineConfig {
        id: id.into(),
        name: None,
        driver: DriverConfig::Sip(SipLine {
            peer: Some(format!("127.0.0.1:{peer}")),
            accept_from: vec!["127.0.0.1".parse().unwrap()],
            t38_version: 3,
            // Rings are timed on faxd's clock, which these tests move only where they say.
            ring_seconds: 0.0,
            ..SipLine::new(format!("127.0.0.1:{listen}").parse().unwrap())
        }),
        send,
        receive: !send,
        rings: 1,
        csid: ident.into(),
        tsid: ident.into(),
    };
    Config { lines: vec![line], ..Config::default() }
}

/// Waits in real time (the call runs on the network's clock) for the job to satisfy `done`.
async fn wait_for(f: &Faxd, id: i64, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..600 {
        let j = f.job(id).await;
        if done(&j) {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("job {id} did not get there: {}", f.job(id).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_faxd_fax_each_other_over_sip_and_t38() {
    let (pa, pb) = (free_udp_port(), free_udp_port());
    let a = Faxd::start(sip_line("sip1", pa, pb, true, "+1 555 0100")).await;
    let b = Faxd::start(sip_line("sip2", pb, pa, false, "+1 555 0200")).await;
    let id = a.submit_text(json!({"fax_number": "200"})).await[0];
    let j = wait_for(&a, id, |j| j["queue_status"] != "pending" && j["queue_status"] != "in_progress").await;
    assert_eq!(j["queue_status"], "completed", "{j}");
    assert_eq!(j["pages_confirmed"], 1, "{j}");
    assert_eq!(j["remote_ident"], "+1 555 0200", "{j}");

    // The fax is in b's inbox, as a sent it.
    let received = loop {
        let inbox = b.get("/v1/inbox").await;
        if let Some(x) = inbox.as_array().unwrap().first() {
            break x.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(received["type"], "receive", "{received}");
    assert_eq!(received["tsid"], "+1 555 0100", "{received}");
    assert_eq!(received["caller_id"], "+15550100", "{received}");
    assert_eq!(received["called_number"], "200", "{received}");
    let tiff = b.core.pages.received_document(received["job_id"].as_i64().unwrap()).await.unwrap();
    let tiff = read_tiff(&tiff, ReadLimits::default()).unwrap();
    assert_eq!(tiff.pages.len(), 1);
    let row = a.core.store.job(id).await.unwrap().unwrap();
    let sent = a.core.pages.page_to_send(&row, 1, "+1 555 0100", NOON).await.unwrap();
    assert!(tiff.decode_page(0).unwrap() == sent.decode(1).unwrap(), "the page arrives pixel for pixel");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_far_end_that_takes_no_calls_is_no_answer() {
    let (pa, pb) = (free_udp_port(), free_udp_port());
    let a = Faxd::start(sip_line("sip1", pa, pb, true, "+1 555 0100")).await;
    let b = Faxd::start(sip_line("sip2", pb, pa, false, "+1 555 0200")).await;
    // b's line stops receiving: it answers 480.
    let (s, v) = b.patch("/v1/ports/sip2", json!({"receive": false})).await;
    assert_eq!(s, 200, "{v}");
    let id = a.submit_text(json!({"fax_number": "200"})).await[0];
    let j = wait_for(&a, id, |j| j["attempts"].as_u64().unwrap_or(0) >= 1 && j["queue_status"] != "in_progress").await;
    assert!(j["detail"].as_str().unwrap_or("").contains("480"), "{j}");
    let attempts = a.get(&format!("/v1/jobs/{id}/attempts")).await;
    assert_eq!(attempts[0]["result"], "no_answer", "{attempts}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_sip_port_does_not_disturb_a_call() {
    let (pa, pb) = (free_udp_port(), free_udp_port());
    let a = Faxd::start(sip_line("sip1", pa, pb, true, "+1 555 0100")).await;
    let b = Faxd::start(sip_line("sip2", pb, pa, false, "+1 555 0200")).await;
    let id = a.submit_text(json!({"fax_number": "200"})).await[0];
    // While the fax goes on, b's SIP port gets malformed messages: noise, a truncated request,
    // a lying Content-Length, an INVITE whose SDP is broken, an INVITE from a stranger.
    let noise = tokio::spawn(async move {
        let s = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let target = format!("127.0.0.1:{pb}");
        let mut n = 0u32;
        let messages: Vec<Vec<u8>> = vec![
            (0..300u32).map(|i| (i * 7919 % 251) as u8).collect(),
            b"INVITE sip:200@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP".to_vec(),
            b"OPTIONS sip:x@y SIP/2.0\r\nContent-Length: 99999\r\n\r\nabc".to_vec(),
            format!(
                "INVITE sip:200@127.0.0.1:{pb} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKjunk1\r\n\
                 From: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:200@127.0.0.1>\r\nCall-ID: junk1\r\nCSeq: 1 INVITE\r\n\
                 Content-Type: application/sdp\r\nContent-Length: 11\r\n\r\nv=0\r\nm=image"
            )
            .into_bytes(),
        ];
        loop {
            for m in &messages {
                let _ = s.send_to(m, &target).await;
            }
            n += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
            if n > 400 {
                break;
            }
        }
    });
    let j = wait_for(&a, id, |j| j["queue_status"] != "pending" && j["queue_status"] != "in_progress").await;
    noise.abort();
    assert_eq!(j["queue_status"], "completed", "{j}");
    let inbox = b.get("/v1/inbox").await;
    let received: Vec<&Value> = inbox.as_array().unwrap().iter().filter(|x| x["type"] == "receive").collect();
    assert_eq!(received.len(), 1, "{inbox}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_cancelled_while_the_far_end_rings_cancels_the_invite() {
    let (pa, pb) = (free_udp_port(), free_udp_port());
    let a = Faxd::start(sip_line("sip1", pa, pb, true, "+1 555 0100")).await;
    let b = Faxd::start(sip_line("sip2", pb, pa, false, "+1 555 0200")).await;
    // b rings for a long time before answering.
    let (s, v) = b.patch("/v1/ports/sip2", json!({"rings": 50})).await;
    assert_eq!(s, 200, "{v}");
    let id = a.submit_text(json!({"fax_number": "200"})).await[0];
    wait_for(&a, id, |j| j["device_status"] == "dialing").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (s, v) = a.call(reqwest::Method::POST, &format!("/v1/jobs/{id}/cancel"), &a.admin.clone(), None).await;
    assert_eq!(s, 200, "{v}");
    let j = wait_for(&a, id, |j| {
        !["in_progress", "pending", "deleting"].contains(&j["queue_status"].as_str().unwrap_or(""))
    })
    .await;
    assert_eq!(j["queue_status"], "canceled", "{j}");
    // b got the CANCEL: its port is free again long before its 50 rings would have ended.
    let mut free = false;
    for _ in 0..100 {
        let port = b.get("/v1/ports/sip2/status").await;
        if port["device_status"] != "ringing" {
            free = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(free, "b still rings after the CANCEL");
    assert!(b.get("/v1/inbox").await.as_array().unwrap().is_empty());
}

fn set(config: &mut Config, f: impl FnOnce(&mut SipLine)) {
    let DriverConfig::Sip(l) = &mut config.lines[0].driver else { panic!("a sip line") };
    f(l);
}

/// Sends one fax from a to b and checks that it completes and arrives.
async fn fax_goes_through(a: &Faxd, b: &Faxd) {
    let id = a.submit_text(json!({"fax_number": "200"})).await[0];
    let j = wait_for(a, id, |j| j["queue_status"] != "pending" && j["queue_status"] != "in_progress").await;
    assert_eq!(j["queue_status"], "completed", "{j}");
    assert_eq!(j["remote_ident"], "+1 555 0200", "{j}");
    for _ in 0..100 {
        if !b.get("/v1/inbox").await.as_array().unwrap().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the fax did not arrive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audio_call_switched_to_t38_by_reinvite_carries_the_fax() {
    let (pa, pb) = (free_udp_port(), free_udp_port());
    let mut ca = sip_line("sip1", pa, pb, true, "+1 555 0100");
    set(&mut ca, |l| l.t38_offer = T38Offer::Reinvite);
    let a = Faxd::start(ca).await;
    let b = Faxd::start(sip_line("sip2", pb, pa, false, "+1 555 0200")).await;
    fax_goes_through(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fax_with_sip_over_tcp() {
    let (pa, pb) = (free_udp_port(), free_udp_port());
    let mut ca = sip_line("sip1", pa, pb, true, "+1 555 0100");
    set(&mut ca, |l| l.transport = SipTransport::Tcp);
    let mut cb = sip_line("sip2", pb, pa, false, "+1 555 0200");
    set(&mut cb, |l| l.transport = SipTransport::Tcp);
    let a = Faxd::start(ca).await;
    let b = Faxd::start(cb).await;
    fax_goes_through(&a, &b).await;
}

/// A faxd whose line calls a bare SIP agent of the test's, with a fax for it queued.
async fn faxd_calling_a_bare_agent() -> (ferrofax_sip::SipAgent, Faxd, i64) {
    let peer = ferrofax_sip::SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut ca = sip_line("sip1", free_udp_port(), 0, true, "+1 555 0100");
    set(&mut ca, |l| l.peer = Some(peer.local_addr().to_string()));
    let a = Faxd::start(ca).await;
    let id = a.submit_text(json!({"fax_number": "200"})).await[0];
    (peer, a, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_far_end_is_a_busy_attempt_tried_again_after_the_retry_delay() {
    let (mut peer, a, id) = faxd_calling_a_bare_agent().await;
    // The far end is busy.
    let call = tokio::time::timeout(Duration::from_secs(10), peer.next_incoming()).await.unwrap().unwrap();
    call.reject(486);
    let j = wait_for(&a, id, |j| j["attempts"] == 1 && j["queue_status"] != "in_progress").await;
    assert_eq!(j["device_status"], "busy", "{j}");
    let attempts = a.get(&format!("/v1/jobs/{id}/attempts")).await;
    assert_eq!(attempts[0]["result"], "busy", "{attempts}");
    // No new call until RetryDelay has passed on faxd's clock.
    let early = tokio::time::timeout(Duration::from_secs(1), peer.next_incoming()).await;
    assert!(early.is_err(), "tried again before RetryDelay");
    let delay_ms = a.get("/v1/server").await["retry_delay"].as_i64().unwrap_or(10) * 60_000;
    a.clock.advance(delay_ms - 1_000);
    let early = tokio::time::timeout(Duration::from_millis(700), peer.next_incoming()).await;
    assert!(early.is_err(), "tried again before RetryDelay");
    a.clock.advance(2_000);
    let again = tokio::time::timeout(Duration::from_secs(10), peer.next_incoming()).await;
    let again = again.expect("tried again after RetryDelay").unwrap();
    again.reject(486);
    let j = wait_for(&a, id, |j| j["attempts"] == 2 && j["queue_status"] != "in_progress").await;
    assert_eq!(j["device_status"], "busy", "{j}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_flood_gets_503_and_the_call_in_progress_completes() {
    let (pa, pb) = (free_udp_port(), free_udp_port());
    let a = Faxd::start(sip_line("sip1", pa, pb, true, "+1 555 0100")).await;
    let b = Faxd::start(sip_line("sip2", pb, pa, false, "+1 555 0200")).await;
    let id = a.submit_text(json!({"fax_number": "200"})).await[0];
    wait_for(&a, id, |j| j["device_status"] == "sending").await;
    // Hundreds of INVITEs a second at b's port from one socket, while the fax goes on.
    let flood = tokio::spawn(async move {
        let s = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let me = s.local_addr().unwrap();
        let (mut sent, mut refused) = (0u32, 0u32);
        let mut buf = vec![0u8; 4096];
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(3) {
            for _ in 0..20 {
                sent += 1;
                let invite = format!(
                    "INVITE sip:200@127.0.0.1:{pb} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKflood{sent}\r\n\
                     From: <sip:flood@{me}>;tag=f{sent}\r\nTo: <sip:200@127.0.0.1>\r\nCall-ID: flood{sent}\r\n\
                     CSeq: 1 INVITE\r\nContact: <sip:flood@{me}>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
                );
                s.send_to(invite.as_bytes(), ("127.0.0.1", pb)).await.unwrap();
            }
            while let Ok(Ok((n, _))) = tokio::time::timeout(Duration::from_millis(1), s.recv_from(&mut buf)).await {
                if buf[..n].starts_with(b"SIP/2.0 503") {
                    refused += 1;
                }
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        (sent, refused)
    });
    let j = wait_for(&a, id, |j| j["queue_status"] != "pending" && j["queue_status"] != "in_progress").await;
    let (sent, refused) = flood.await.unwrap();
    assert!(sent >= 600, "{sent}");
    assert!(refused >= 20, "only {refused} of {sent} flood INVITEs got 503");
    assert_eq!(j["queue_status"], "completed", "{j}");
    let inbox = b.get("/v1/inbox").await;
    assert_eq!(inbox.as_array().unwrap().len(), 1, "{inbox}");
}

/// Sends a raw INVITE offering T.38 from `from` (a local address) to `to` with a Via of `via`,
/// and gives the first final answer's status line.
async fn raw_invite(from: &str, to: u16, via: &str) -> String {
    let s = tokio::net::UdpSocket::bind(format!("{from}:0")).await.unwrap();
    let me = s.local_addr().unwrap();
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=image 40500 udptl t38\r\n";
    let invite = format!(
        "INVITE sip:200@127.0.0.1:{to} SIP/2.0\r\nVia: SIP/2.0/UDP {via};branch=z9hG4bKv{}\r\n\
         From: <sip:x@{me}>;tag=v1\r\nTo: <sip:200@127.0.0.1>\r\nCall-ID: via-{me}\r\nCSeq: 1 INVITE\r\n\
         Contact: <sip:x@{me}>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        me.port(),
        sdp.len()
    );
    s.send_to(invite.as_bytes(), ("127.0.0.1", to)).await.unwrap();
    let mut buf = vec![0u8; 4096];
    loop {
        let (n, _) =
            tokio::time::timeout(Duration::from_secs(5), s.recv_from(&mut buf)).await.expect("an answer").unwrap();
        let line = String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or("").to_string();
        if !line.starts_with("SIP/2.0 1") {
            return line;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_from_goes_by_the_packets_source_not_the_via() {
    let pb = free_udp_port();
    let mut cb = sip_line("sip2", pb, 9, false, "+1 555 0200");
    set(&mut cb, |l| {
        l.accept_from = vec!["127.0.0.2".parse().unwrap()];
        l.ring_seconds = 0.0;
    });
    let _b = Faxd::start(cb).await;
    // From 127.0.0.1 claiming to be 127.0.0.2 in its Via (even with received=): refused.
    let forged = raw_invite("127.0.0.1", pb, "127.0.0.2:5060;received=127.0.0.2").await;
    assert!(forged.starts_with("SIP/2.0 403"), "{forged}");
    // Really from 127.0.0.2: answered.
    let real = raw_invite("127.0.0.2", pb, "127.0.0.2:5060").await;
    assert!(real.starts_with("SIP/2.0 200"), "{real}");
}

#[path = "../../sip/tests/kamailio/mod.rs"]
mod kamailio;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_registers_or_says_why_not_and_keeps_receiving() {
    if !kamailio::available() {
        return;
    }
    let k = kamailio::Kamailio::start("faxpass");
    let registration = |f: &Faxd| {
        let driver = f.core.drivers.get("sip2").expect("the line's driver");
        let sip = driver.as_any().downcast_ref::<ferrofax_server::lines::sip::SipLineDriver>().expect("a SIP line");
        let agent = sip.agent().expect("the line's agent");
        agent.registration().expect("an account")
    };
    let (pa, pb) = (free_udp_port(), free_udp_port());
    let account = |password: &str| ferrofax_sip::Account {
        registrar: k.addr.to_string(),
        domain: None,
        user: "fax200".into(),
        auth_user: None,
        password: password.into(),
        expires: 60,
    };
    let mut cb = sip_line("sip2", pb, pa, false, "+1 555 0200");
    set(&mut cb, |l| l.account = Some(account("faxpass")));
    let b = Faxd::start(cb).await;
    let mut state = registration(&b);
    let s =
        tokio::time::timeout(Duration::from_secs(10), state.wait_for(|s| !matches!(s, RegistrationState::Starting)))
            .await
            .unwrap()
            .unwrap()
            .clone();
    assert!(s.is_registered(), "{s:?}\n{}", k.log());
    let status = b.get("/v1/ports/sip2/status").await;
    assert!(status["line"].as_str().unwrap().starts_with("registered until "), "{status}");
    // Stopping faxd's SIP lines unregisters.
    b.core.stop().await;
    assert_eq!(*state.borrow(), RegistrationState::Stopped);
    drop(b);

    // With the wrong password: a clear error, and the line still takes faxes.
    let pb = free_udp_port();
    let mut cb = sip_line("sip2", pb, pa, false, "+1 555 0200");
    set(&mut cb, |l| l.account = Some(account("wrong")));
    let b = Faxd::start(cb).await;
    let mut state = registration(&b);
    let s = tokio::time::timeout(
        Duration::from_secs(10),
        state.wait_for(|s| matches!(s, RegistrationState::Failed { .. })),
    )
    .await
    .unwrap()
    .unwrap()
    .clone();
    let RegistrationState::Failed { error, code, .. } = s else { unreachable!() };
    assert_eq!(code, Some(401));
    assert!(error.contains("refused our credentials"), "{error}");
    let status = b.get("/v1/ports/sip2/status").await;
    assert!(status["line"].as_str().unwrap().contains("refused our credentials"), "{status}");
    let a = Faxd::start(sip_line("sip1", pa, pb, true, "+1 555 0100")).await;
    fax_goes_through(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rings_are_timed_on_faxds_clock_before_a_sip_call_is_answered() {
    let (pa, pb) = (free_udp_port(), free_udp_port());
    let a = Faxd::start(sip_line("sip1", pa, pb, true, "+1 555 0100")).await;
    let mut cb = sip_line("sip2", pb, pa, false, "+1 555 0200");
    set(&mut cb, |l| l.ring_seconds = 2.0);
    let b = Faxd::start(cb).await;
    let (s, _) = b.patch("/v1/ports/sip2", json!({"rings": 3})).await;
    assert_eq!(s, 200);
    let id = a.submit_text(json!({"fax_number": "200"})).await[0];
    let status = || async { b.get("/v1/ports/sip2/status").await["device_status"].as_str().unwrap().to_string() };
    for _ in 0..100 {
        if status().await == "ringing" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status().await, "ringing");
    // Three rings of two seconds on b's clock: still ringing after 5.5 s of it, however long
    // in real time.
    b.clock.advance(5_500);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(status().await, "ringing");
    b.clock.advance(600);
    let j = wait_for(&a, id, |j| j["queue_status"] == "completed").await;
    assert_eq!(j["remote_ident"], "+1 555 0200", "{j}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_far_end_hanging_up_mid_fax_ends_the_attempt_at_once() {
    let (mut peer, a, id) = faxd_calling_a_bare_agent().await;
    // The far end answers with T.38 and, before any fax is exchanged, hangs up.
    let incoming = tokio::time::timeout(Duration::from_secs(10), peer.next_incoming()).await.unwrap().unwrap();
    let offer = incoming.offer.clone().expect("an offer");
    let udptl = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let params = ferrofax_sip::t38_far_end(&offer).expect("a T.38 offer").1;
    let image = ferrofax_sip::t38_session(udptl.local_addr().unwrap(), &params).media.remove(0);
    let answer =
        ferrofax_sip::media::answer(&offer, None, "127.0.0.1".parse().unwrap(), |m| m.is_t38().then(|| image.clone()))
            .unwrap();
    let call = incoming.accept(answer).unwrap();
    wait_for(&a, id, |j| j["device_status"] == "dialing" || j["device_status"] == "sending").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let hung_up = std::time::Instant::now();
    call.hangup().await;
    let j = wait_for(&a, id, |j| j["queue_status"] != "in_progress").await;
    assert!(hung_up.elapsed() < Duration::from_secs(5), "the attempt ended {:?} after the BYE", hung_up.elapsed());
    assert_eq!(j["queue_status"], "retrying", "{j}");
    assert_eq!(j["device_status"], "disconnected", "{j}");
    assert_eq!(j["detail"], "the far end hung up before any page was confirmed", "{j}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fax_cancelled_mid_call_ends_with_dcn_then_bye() {
    let (pa, pb) = (free_udp_port(), free_udp_port());
    let a = Faxd::start(sip_line("sip1", pa, pb, true, "+1 555 0100")).await;
    let b = Faxd::start(sip_line("sip2", pb, pa, false, "+1 555 0200")).await;
    let (s, v) =
        a.submit_as(&a.admin.clone(), json!({"fax_number": "200"}), b"one\x0ctwo\x0cthree".to_vec(), "three.txt").await;
    assert_eq!(s, 201, "{v}");
    let id = v["job_ids"][0].as_i64().unwrap();
    wait_for(&a, id, |j| j["pages_confirmed"] == 1).await;
    let (s, v) = a.call(reqwest::Method::POST, &format!("/v1/jobs/{id}/cancel"), &a.admin.clone(), None).await;
    assert_eq!(s, 200, "{v}");
    let j = wait_for(&a, id, |j| j["queue_status"] != "in_progress" && j["queue_status"] != "deleting").await;
    assert_eq!(
        (j["queue_status"].as_str(), j["detail"].as_str()),
        (Some("canceled"), Some("cancelled during the call"))
    );
    // The receiving faxd heard the sender's DCN before the BYE, and kept what it got.
    let mut partial = None;
    for _ in 0..100 {
        let inbox = b.get("/v1/inbox").await;
        partial = inbox.as_array().unwrap().iter().find(|x| x["type"] == "fail_receive").cloned();
        if partial.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let partial = partial.expect("a partial reception on the receiving faxd");
    let received = b.job(partial["job_id"].as_i64().unwrap()).await;
    assert_eq!(
        received["detail"], "partial reception kept: the other end disconnected before the end of the document",
        "{received}"
    );
}
