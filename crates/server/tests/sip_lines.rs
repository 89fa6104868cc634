//! Two faxd instances with SIP lines on 127.0.0.1 fax each other over SIP and T.38, on real UDP
//! and in real time: the job completes on one side with the far end's identity, the fax arrives
//! in the other's inbox pixel for pixel as it was sent. A number the far end refuses maps to the
//! port status the retry logic reads.

mod support;

use std::time::Duration;

use ferrofax_image::{ReadLimits, read_tiff};
use ferrofax_server::config::{Config, DriverConfig, LineConfig};
use serde_json::{Value, json};
use support::{Faxd, NOON};

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn sip_line(id: &str, listen: u16, peer: u16, send: bool, ident: &str) -> Config {
    let line = LineConfig {
        id: id.into(),
        name: None,
        driver: DriverConfig::Sip {
            listen: format!("127.0.0.1:{listen}").parse().unwrap(),
            peer: Some(format!("127.0.0.1:{peer}")),
            media_ip: None,
            accept_from: vec!["127.0.0.1".parse().unwrap()],
            t38_version: 3,
            ring_seconds: 0.2,
        },
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
    let tiff = b.core.received_document(received["job_id"].as_i64().unwrap()).await.unwrap();
    let tiff = read_tiff(&tiff, ReadLimits::default()).unwrap();
    assert_eq!(tiff.pages.len(), 1);
    let row = a.core.store.job(id).await.unwrap().unwrap();
    let sent = a.core.page_to_send(&row, 1, "+1 555 0100", NOON).await.unwrap();
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
