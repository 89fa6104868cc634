//! The loopback pair runs the real fax engine: the pages that arrive are the pages sent, pixel
//! for pixel, the identities are the ports' own, the port status shows each phase (ringing,
//! the agreed mode, page by page) as it happens, and a call cancelled halfway keeps what the
//! receiver already had.

mod support;

use ferrofax_api::DeviceStatus;
use ferrofax_client::EventBody;
use ferrofax_image::{ReadLimits, read_tiff};
use futures_util::StreamExt;
use serde_json::json;
use support::{Faxd, NOON, loopback_config};

const THREE_PAGES: &[u8] = b"First page of three.\n\x0cSecond page, with more words on it.\n\x0cThird and last.\n";

async fn submit(f: &Faxd, body: &[u8]) -> i64 {
    let (s, v) = f.submit_as(&f.admin.clone(), json!({"fax_number": "100"}), body.to_vec(), "three.txt").await;
    assert_eq!(s, 201, "{v}");
    v["job_ids"][0].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_cross_the_engine_pixel_for_pixel_with_live_progress() {
    let f = Faxd::start(loopback_config(5.0)).await;
    let client = ferrofax_client::FaxServer::connect(&f.url, &f.admin).await.unwrap();
    let mut events = client.events(Some(0)).await.unwrap();
    let id = submit(&f, THREE_PAGES).await;
    let j = f.advance_until(id, 1000, 600_000, |j| j["queue_status"] == "completed").await;
    assert_eq!(j["pages_confirmed"], 3, "{j}");
    assert_eq!(j["remote_ident"], "+1 555 0200", "the receiver's CSI: {j}");

    let inbox = f.get("/v1/inbox").await;
    let received = &inbox.as_array().unwrap()[0];
    assert_eq!(received["tsid"], "+1 555 0100", "the sender's TSI: {received}");
    assert_eq!(received["page_count"], 3, "{received}");
    let tiff = f.core.pages.received_document(received["job_id"].as_i64().unwrap()).await.unwrap();
    let tiff = read_tiff(&tiff, ReadLimits::default()).unwrap();
    let row = f.core.store.job(id).await.unwrap().unwrap();
    for n in 1..=3u32 {
        let sent = f.core.pages.page_to_send(&row, n, "+1 555 0100", NOON).await.unwrap();
        assert!(tiff.decode_page(n as usize - 1).unwrap() == sent.decode(1).unwrap(), "page {n} arrives as sent");
    }

    // The ports told every phase as it happened.
    let (mut sending, mut receiving, mut ringing) = (Vec::new(), Vec::new(), false);
    while let Some(e) = events.next().await {
        let e = e.unwrap();
        match &e.body {
            EventBody::PortStatus { status } if status.device_id == "loop1" => {
                if status.device_status == DeviceStatus::Sending {
                    sending.push((status.current_page, status.mode.clone(), status.description.clone()));
                }
                if status.device_status == DeviceStatus::Available && !sending.is_empty() {
                    break;
                }
            }
            EventBody::PortStatus { status } if status.device_id == "loop2" => {
                ringing |= status.device_status == DeviceStatus::Ringing && status.caller_id == "+1 555 0100";
                if status.device_status == DeviceStatus::Receiving {
                    receiving.push((status.current_page, status.tsid.clone()));
                }
            }
            _ => {}
        }
    }
    assert!(ringing, "loop2 rang with the caller's identity");
    let pages: Vec<u32> = sending.iter().map(|s| s.0).collect();
    assert!(pages.windows(2).all(|w| w[0] <= w[1]) && pages.contains(&1) && pages.contains(&3), "{pages:?}");
    let (_, mode, description) = sending.last().unwrap();
    assert!(mode.contains("14400") && mode.contains("MMR") && mode.contains("ECM"), "mode: {mode}");
    assert!(description.starts_with("sending page 3 of 3 to 100 (V.17 14400"), "{description}");
    assert!(receiving.iter().any(|(p, tsid)| *p == 3 && tsid == "+1 555 0100"), "{receiving:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_cancelled_halfway_keeps_the_pages_already_received() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let id = submit(&f, THREE_PAGES).await;
    f.advance_until(id, 500, 600_000, |j| j["pages_confirmed"].as_u64().unwrap_or(0) >= 1).await;
    let (s, v) = f.call(reqwest::Method::POST, &format!("/v1/jobs/{id}/cancel"), &f.admin.clone(), None).await;
    assert!(s == 200 || s == 202, "{s} {v}");
    let j = f
        .advance_until(id, 500, 60_000, |j| !matches!(j["queue_status"].as_str(), Some("in_progress" | "deleting")))
        .await;
    assert_eq!(j["queue_status"], "canceled", "{j}");
    let confirmed = j["pages_confirmed"].as_u64().unwrap();
    assert!((1..3).contains(&confirmed), "{j}");
    // The receiver kept at least the confirmed pages, as a partial reception.
    let inbox = f.get("/v1/inbox").await;
    let partial = inbox.as_array().unwrap().iter().find(|x| x["type"] == "fail_receive").expect("a partial reception");
    assert!(partial["page_count"].as_u64().unwrap() >= confirmed, "{partial}");
    // The call was ended the T.30 way: the receiver heard the sender's DCN (not a dropped line).
    let received = f.job(partial["job_id"].as_i64().unwrap()).await;
    assert_eq!(
        received["detail"], "partial reception kept: the other end disconnected before the end of the document",
        "{received}"
    );
    assert_eq!(j["detail"], "cancelled during the call", "{j}");
    // Both ports are free again.
    for port in ["loop1", "loop2"] {
        let s = f.get(&format!("/v1/ports/{port}/status")).await;
        assert_eq!(s["device_status"], "available", "{s}");
    }
}
