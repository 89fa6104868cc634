//! The queue's and the ports' settings shown by their effects on a manual clock: paused and
//! resumed jobs, restarts, job and port priority, Rings, CSID and TSID, DirtyDays 0, a paused
//! queue with a call in progress, and what a waiting job says it waits for.

mod support;

use ferrofax_server::config::{Config, DriverConfig, LineConfig};
use serde_json::json;
use support::{Faxd, NOON, loopback_config};

const MIN: i64 = 60_000;

/// Lets the server run for `ms` of its clock in steps of a second.
async fn run_for(f: &Faxd, ms: i64) {
    let mut moved = 0;
    while moved < ms {
        f.clock.advance(1000);
        f.settle().await;
        moved += 1000;
    }
}

async fn inbox_len(f: &Faxd) -> usize {
    f.get("/v1/inbox").await.as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_job_is_not_dialled_and_a_resumed_one_is() {
    let f = Faxd::start(loopback_config(5.0)).await;
    f.patch("/v1/server", json!({"pause_server_queue": true})).await;
    let id = f.submit_text(json!({"fax_number": "100"})).await[0];
    let (s, v) = f.call(reqwest::Method::POST, &format!("/v1/jobs/{id}/pause"), &f.admin.clone(), None).await;
    assert_eq!(s, 200, "{v}");
    f.patch("/v1/server", json!({"pause_server_queue": false})).await;
    run_for(&f, 10 * MIN).await;
    let j = f.job(id).await;
    assert_eq!(
        (j["queue_status"].as_str(), j["paused"].as_bool(), j["attempts"].as_u64()),
        (Some("pending"), Some(true), Some(0))
    );
    assert!(f.core.store.attempts(id).await.unwrap().is_empty(), "a paused job is never dialled");
    let (s, _) = f.call(reqwest::Method::POST, &format!("/v1/jobs/{id}/resume"), &f.admin.clone(), None).await;
    assert_eq!(s, 200);
    let j = f.advance_until(id, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
    assert_eq!((j["attempts"].as_u64(), j["paused"].as_bool()), (Some(1), Some(false)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_job_is_sent_again_from_page_one() {
    let f = Faxd::start(loopback_config(5.0)).await;
    let (id, first) = f.fax_through(json!({"fax_number": "100"}), "one\x0ctwo\x0cthree").await;
    assert_eq!(f.received_pages(first).await.len(), 3);
    let (s, v) = f.call(reqwest::Method::POST, &format!("/v1/jobs/{id}/restart"), &f.admin.clone(), None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!((v["pages_confirmed"].as_u64(), v["attempts"].as_u64()), (Some(0), Some(0)));
    f.advance_until(id, 1000, 30 * MIN, |j| j["queue_status"] == "completed").await;
    let again = f.received_after(first).await;
    assert_eq!(f.received_pages(again).await.len(), 3, "every page is sent again");
    assert_eq!(f.job(id).await["attempts"], 1, "the restart counts attempts afresh");
    let attempts = f.core.store.attempts(id).await.unwrap();
    assert_eq!(attempts.len(), 2, "both attempts stay in the job's history");
    assert_eq!(attempts.iter().map(|a| a.pages_confirmed).collect::<Vec<_>>(), [3, 3]);
}

/// Two sending lines and one receiving line, all loopback.
fn three_lines() -> Config {
    let line = |id: &str, peer: &str, send: bool, receive: bool| LineConfig {
        id: id.into(),
        name: None,
        driver: DriverConfig::Loopback { peer: peer.into(), speed: 5.0, ring_seconds: 1.0, busy_numbers: vec![] },
        rings: 1,
        csid: "+1 555 0200".into(),
        tsid: format!("+1 555 01{}", id.len()),
        send,
        receive,
    };
    Config {
        lines: vec![line("a", "r", true, false), line("bb", "r", true, false), line("r", "a", false, true)],
        ..Config::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_better_priority_free_port_is_chosen() {
    let f = Faxd::start(three_lines()).await;
    let (s, v) = f.patch("/v1/ports/bb", json!({"priority": 1})).await;
    assert_eq!(s, 200, "{v}");
    let id = f.submit_text(json!({"fax_number": "100"})).await[0];
    let j = f.advance_until(id, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
    assert_eq!(j["port"], "bb");
    f.patch("/v1/ports/a", json!({"priority": 1})).await;
    let id = f.submit_text(json!({"fax_number": "100"})).await[0];
    let j = f.advance_until(id, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
    assert_eq!(j["port"], "a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_higher_priority_job_goes_first() {
    let f = Faxd::start(loopback_config(5.0)).await;
    f.patch("/v1/server", json!({"pause_server_queue": true})).await;
    let low = f.submit_text(json!({"fax_number": "100", "priority": "low"})).await[0];
    let normal = f.submit_text(json!({"fax_number": "100"})).await[0];
    let high = f.submit_text(json!({"fax_number": "100", "priority": "high"})).await[0];
    f.patch("/v1/server", json!({"pause_server_queue": false})).await;
    f.advance_until(low, 1000, 30 * MIN, |j| j["queue_status"] == "completed").await;
    let started = |id: i64| {
        let store = f.core.store.clone();
        async move { store.attempts(id).await.unwrap()[0].started_at }
    };
    let (h, n, l) = (started(high).await, started(normal).await, started(low).await);
    assert!(h < n && n < l, "high {h}, normal {n}, low {l}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rings_delay_the_answer_by_rings_times_the_ring_time() {
    let mut config = loopback_config(5.0);
    for l in &mut config.lines {
        if let DriverConfig::Loopback { ring_seconds, .. } = &mut l.driver {
            *ring_seconds = 6.0;
        }
    }
    let f = Faxd::start(config).await;
    f.patch("/v1/ports/loop2", json!({"rings": 3})).await;
    let id = f.submit_text(json!({"fax_number": "100"})).await[0];
    // Claimed and ringing at once; answered after 3 × 6 s of the server's clock, not before.
    f.settle().await;
    let ringing_since = ferrofax_server::Clock::now(&f.clock);
    let mut answered_at = None;
    for _ in 0..40 {
        f.clock.advance(1000);
        f.settle().await;
        if f.get("/v1/ports/loop2/status").await["device_status"] == "receiving" {
            answered_at = Some(ferrofax_server::Clock::now(&f.clock));
            break;
        }
    }
    let waited = answered_at.expect("the call is answered") - ringing_since;
    assert!((18_000..=19_000).contains(&waited), "answered after {waited} ms");
    // FaxStatus names the document's size and the number the call is for, on both ends.
    let sending = f.get("/v1/ports/loop1/status").await;
    assert!(sending["document_size"].as_u64().unwrap() > 100, "{sending}");
    assert_eq!(sending["routing_string"], "100", "{sending}");
    assert_eq!(f.get("/v1/ports/loop2/status").await["routing_string"], "100");
    f.advance_until(id, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csid_and_tsid_changed_through_the_api_are_what_the_far_end_sees() {
    let f = Faxd::start(loopback_config(5.0)).await;
    f.patch("/v1/ports/loop2", json!({"csid": "+49 30 1234"})).await;
    f.patch("/v1/ports/loop1", json!({"tsid": "+33 1 5678"})).await;
    let (id, received) = f.fax_through(json!({"fax_number": "100"}), "x").await;
    assert_eq!(f.job(id).await["remote_ident"], "+49 30 1234", "the sender saw the new CSID");
    let inbox = f.get("/v1/inbox").await;
    let fax = inbox.as_array().unwrap().iter().find(|x| x["job_id"] == received).unwrap().clone();
    assert_eq!((fax["tsid"].as_str(), fax["csid"].as_str()), (Some("+33 1 5678"), Some("+49 30 1234")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dirty_days_zero_never_purges() {
    let f = Faxd::start(loopback_config(5.0)).await;
    f.patch("/v1/server", json!({"retries": 0, "dirty_days": 0})).await;
    let id = f.submit_text(json!({"fax_number": "666 1234"})).await[0];
    f.advance_until(id, 1000, 10 * MIN, |j| j["queue_status"] == "retries_exceeded").await;
    for _ in 0..4 {
        f.clock.advance(100 * 24 * 60 * MIN);
        f.settle().await;
    }
    assert_eq!(f.job(id).await["queue_status"], "retries_exceeded", "kept after 400 days");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_server_queue_lets_a_call_in_progress_finish() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let id = f.submit_text(json!({"fax_number": "100"})).await[0];
    let second = f.submit_text(json!({"fax_number": "100"})).await[0];
    f.advance_until(id, 500, 5 * MIN, |j| j["queue_status"] == "in_progress" && j["current_page"] == 1).await;
    f.patch("/v1/server", json!({"pause_server_queue": true})).await;
    let j = f.advance_until(id, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
    assert_eq!(j["pages_confirmed"], 1);
    run_for(&f, 5 * MIN).await;
    assert_eq!(f.job(second).await["attempts"], 0, "nothing new starts while paused");
    assert_eq!(inbox_len(&f).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_job_says_what_it_waits_for_and_when_it_really_goes() {
    let f = Faxd::start(loopback_config(5.0)).await;
    // The shipped window opens at 20:00; it is 12:00.
    let cheap = f.submit_text(json!({"fax_number": "100", "discount_send": true})).await[0];
    f.settle().await;
    let j = f.job(cheap).await;
    assert!(j["status_text"].as_str().unwrap().contains("waits for the discount window from 20:00"), "{j}");
    assert_eq!(j["waits_for"], "the discount window from 20:00", "{j}");
    let next: jiff::Timestamp = j["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(next.as_millisecond(), NOON + 8 * 60 * MIN, "its next attempt is when the window opens");
    f.patch("/v1/server", json!({"pause_server_queue": true})).await;
    let j = f.job(cheap).await;
    assert!(j["status_text"].as_str().unwrap().contains("queue paused"), "{j}");
    assert_eq!(j["waits_for"], "queue paused", "{j}");
    assert!(j["next_attempt_at"].is_null(), "no time while the queue is paused: {j}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_paused_during_its_call_that_completes_is_completed_and_not_paused() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let id = f.submit_text(json!({"fax_number": "100"})).await[0];
    f.advance_until(id, 500, 5 * MIN, |j| j["queue_status"] == "in_progress").await;
    let (s, v) = f.call(reqwest::Method::POST, &format!("/v1/jobs/{id}/pause"), &f.admin.clone(), None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["paused"], true);
    let j = f.advance_until(id, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
    assert_eq!(j["paused"], false, "{j}");
    assert_eq!(j["status_text"], "Completed", "{j}");
    assert_eq!(j["allowed_operations"], json!(["restart", "delete"]), "{j}");
}
