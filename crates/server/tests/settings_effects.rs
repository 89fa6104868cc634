//! Every FaxServer property shown by its effect, on a manual clock.

mod support;

use serde_json::json;
use support::{Faxd, NOON, loopback_config};

const MIN: i64 = 60_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_give_exactly_retries_plus_one_attempts_spaced_by_retry_delay() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let (s, _) = f.patch("/v1/server", json!({"retries": 2, "retry_delay": 5})).await;
    assert_eq!(s, 200);
    // The receiving line does not answer: every attempt fails with NoAnswer.
    let (s, _) = f.patch("/v1/ports/loop2", json!({"receive": false})).await;
    assert_eq!(s, 200);
    let id = f.submit_text(json!({"fax_number": "100"})).await[0];
    let j = f.advance_until(id, 30_000, 60 * MIN, |j| j["queue_status"] == "retries_exceeded").await;
    assert_eq!(j["attempts"], 3);
    assert_eq!(j["device_status"], "no_answer");
    let attempts = f.core.store.attempts(id).await.unwrap();
    assert_eq!(attempts.len(), 3);
    for w in attempts.windows(2) {
        let gap = w[1].started_at - w[0].ended_at.unwrap();
        assert!((5 * MIN..5 * MIN + MIN).contains(&gap), "attempts spaced by {gap} ms");
    }
    assert!(attempts.iter().all(|a| a.result.as_deref() == Some("no_answer")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_server_queue_holds_and_releases() {
    let f = Faxd::start(loopback_config(1.0)).await;
    f.patch("/v1/server", json!({"pause_server_queue": true})).await;
    let id = f.submit_text(json!({"fax_number": "100"})).await[0];
    for _ in 0..5 {
        f.clock.advance(10 * MIN);
        f.settle().await;
    }
    assert_eq!(f.job(id).await["queue_status"], "pending");
    assert_eq!(f.job(id).await["attempts"], 0);
    f.patch("/v1/server", json!({"pause_server_queue": false})).await;
    let j = f.advance_until(id, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
    assert_eq!(j["pages_confirmed"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discount_window_across_midnight_holds_and_releases_discount_jobs() {
    let f = Faxd::start(loopback_config(1.0)).await;
    // 23:30–01:00 UTC; it is 12:00.
    let (s, v) = f
        .patch("/v1/server", json!({"discount_rate_start_hour": 23, "discount_rate_start_minute": 30, "discount_rate_end_hour": 1, "discount_rate_end_minute": 0}))
        .await;
    assert_eq!(s, 200, "{v}");
    let cheap = f.submit_text(json!({"fax_number": "100", "discount_send": true})).await[0];
    let now = f.submit_text(json!({"fax_number": "101"})).await[0];
    f.advance_until(now, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
    // Until 23:30 the discount job waits.
    let opens = NOON + 11 * 60 * MIN + 30 * MIN;
    while f.clock_now() + 30 * MIN < opens {
        f.clock.advance(30 * MIN);
        f.settle().await;
        assert_eq!(f.job(cheap).await["queue_status"], "pending", "at {}", f.clock_now());
    }
    let j = f.advance_until(cheap, 30_000, 40 * MIN, |j| j["queue_status"] == "completed").await;
    let finished: jiff::Timestamp = j["finished_at"].as_str().unwrap().parse().unwrap();
    let start = jiff::Timestamp::from_millisecond(opens).unwrap();
    assert!(finished >= start, "sent at {finished}, before the window opened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dirty_days_purge_failed_jobs_and_their_files() {
    let f = Faxd::start(loopback_config(1.0)).await;
    f.patch("/v1/server", json!({"retries": 0, "dirty_days": 2})).await;
    // 666… answers busy on this line: the job fails on its only attempt.
    let id = f.submit_text(json!({"fax_number": "666 1234"})).await[0];
    let j = f.advance_until(id, 1000, 10 * MIN, |j| j["queue_status"] == "retries_exceeded").await;
    assert_eq!(j["device_status"], "busy");
    let docs = f.dir.path().join("documents");
    assert_eq!(files_under(&docs), 1);
    f.clock.advance(47 * 60 * MIN);
    f.settle().await;
    assert_eq!(f.job(id).await["queue_status"], "retries_exceeded");
    f.clock.advance(2 * 60 * MIN);
    f.settle().await;
    let (s, _) = f.call(reqwest::Method::GET, &format!("/v1/jobs/{id}"), &f.admin.clone(), None).await;
    assert_eq!(s, 404, "the failed job is purged after DirtyDays");
    assert_eq!(files_under(&docs), 0, "its files are gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_device_tsid_changes_the_tsid_recorded_for_the_attempt() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let a = f.submit_text(json!({"fax_number": "100", "tsid": "+44 20 7946"})).await[0];
    f.advance_until(a, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
    f.patch("/v1/server", json!({"use_device_tsid": true})).await;
    let b = f.submit_text(json!({"fax_number": "100", "tsid": "+44 20 7946"})).await[0];
    f.advance_until(b, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
    assert_eq!(f.core.store.attempts(a).await.unwrap()[0].tsid, "+44 20 7946");
    assert_eq!(f.core.store.attempts(b).await.unwrap()[0].tsid, "+1 555 0100");
    // The receiver saw those identities too.
    let inbox = f.get("/v1/inbox").await;
    let tsids: Vec<&str> = inbox.as_array().unwrap().iter().map(|x| x["tsid"].as_str().unwrap()).collect();
    assert_eq!(tsids, vec!["+1 555 0100", "+44 20 7946"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_coverpage_refuses_a_personal_cover_page() {
    let f = Faxd::start(loopback_config(1.0)).await;
    f.patch("/v1/server", json!({"server_coverpage": true})).await;
    let (s, v) = f
        .submit_as(
            &f.admin.clone(),
            json!({"fax_number": "100", "send_coverpage": true, "coverpage_name": "mine.txt"}),
            b"x".to_vec(),
            "a.txt",
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "server_coverpage");
    assert!(v["detail"].as_str().unwrap().contains("common cover pages"), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_keeps_a_tiff_that_tiffinfo_reads_with_its_metadata() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let archive = f.dir.path().join("sent-archive");
    let (s, v) = f
        .patch(
            "/v1/server",
            json!({"archive_outbound_faxes": true, "archive_directory": archive.display().to_string()}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let id = f
        .submit_text(json!({"fax_number": "+1 555 0199", "sender_name": "Dr Jones", "recipient_name": "Pharmacy"}))
        .await[0];
    f.advance_until(id, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
    let path = archive.join(format!("fax-{id}.tif"));
    let mut waited = 0;
    while !path.exists() && waited < 200 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waited += 1;
    }
    let out =
        std::process::Command::new("tiffinfo").arg(&path).output().expect("tiffinfo (libtiff-tools) must be installed");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("CCITT Group 4"), "{text}");
    assert!(text.contains("Fax to +1 555 0199"), "{text}");
    assert!(text.contains("recipient_number=+1 555 0199"), "{text}");
    assert!(text.contains("sender_name=Dr Jones"), "{text}");
    assert!(text.contains("tsid=+1 555 0100"), "{text}");
}

impl Faxd {
    fn clock_now(&self) -> i64 {
        use ferrofax_server::Clock;
        self.clock.now()
    }
}

fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() { files_under(&e.path()) } else { 1 }
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branding_stamps_a_header_and_moves_the_content_down() {
    use ferrofax_image::{ReadLimits, read_tiff};
    let faxd = Faxd::start(loopback_config(1.0)).await;
    let f = &faxd;
    let decode = |bytes: &[u8]| read_tiff(bytes, ReadLimits::default()).unwrap().decode_page(0).unwrap();
    let received_page = |id: i64| async move {
        let inbox = f.get("/v1/inbox").await;
        let fax = inbox.as_array().unwrap().iter().find(|x| x["job_id"].as_i64().unwrap() > id).unwrap().clone();
        let r = f
            .http
            .get(format!("{}/v1/inbox/{}/document", f.url, fax["job_id"]))
            .bearer_auth(&f.admin)
            .send()
            .await
            .unwrap();
        decode(&r.bytes().await.unwrap())
    };
    let sent_page = |id: i64| async move {
        let r = f.http.get(format!("{}/v1/jobs/{id}/pages/1", f.url)).bearer_auth(&f.admin).send().await.unwrap();
        decode(&r.bytes().await.unwrap())
    };
    let ink_rows = |b: &ferrofax_image::Bitmap, rows: std::ops::Range<u32>| {
        rows.filter(|&y| (0..b.width()).any(|x| b.get(x, y))).count()
    };

    assert!(f.get("/v1/server").await["branding"].as_bool().unwrap(), "branding is on by default");
    let a = f.submit_text(json!({"fax_number": "100", "sender_name": "Dr Jones"})).await[0];
    f.advance_until(a, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
    let (sent, got) = (sent_page(a).await, received_page(0).await);
    assert_eq!((got.width(), got.height()), (sent.width(), sent.height()));
    assert_eq!(ink_rows(&sent, 0..40), 0, "the document's top margin is blank");
    assert!(ink_rows(&got, 0..40) > 5, "the received page has the branding line on top");
    assert!(got.black_pixels() > sent.black_pixels(), "nothing of the content was lost");

    f.patch("/v1/server", json!({"branding": false})).await;
    let b = f.submit_text(json!({"fax_number": "100"})).await[0];
    f.advance_until(b, 1000, 10 * MIN, |j| j["queue_status"] == "completed").await;
    assert_eq!(received_page(a + 1).await, sent_page(b).await, "without branding the page arrives as sent");
}
