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
