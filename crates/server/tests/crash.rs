//! Crash safety with real processes: 200 jobs from 16 concurrent clients, `kill -9` of faxd
//! in the middle, a restart on the same data directory. Every acknowledged job exists exactly
//! once and ends Completed, and none is completed twice.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferrofax_image::{Bitmap, CodedPage, FaxMetadata, Resolution, write_tiff};

const JOBS: usize = 200;
const CLIENTS: usize = 16;

/// Kills faxd when the test ends, passing or not.
struct Faxd(Child);

impl Drop for Faxd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_faxd(dir: &Path, config: &Path) -> Faxd {
    Faxd(
        Command::new(env!("CARGO_BIN_EXE_faxd"))
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(dir)
            .env("FAXD_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("faxd starts"),
    )
}

async fn wait_until_up(http: &reqwest::Client, url: &str, token: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Ok(r) = http.get(format!("{url}/v1/version")).bearer_auth(token).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("faxd did not come up");
}

async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
    http.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

fn small_tiff() -> Vec<u8> {
    let mut b = Bitmap::new(1728, 120);
    for y in 10..110 {
        b.fill_run(y, 200 + y, 900 + 2 * y);
    }
    write_tiff(&[CodedPage::encode_mmr(&b, Resolution::Fine)], &FaxMetadata::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_mid_run_loses_no_acknowledged_job_and_completes_none_twice() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = tmp.path().join("faxd.toml");
    std::fs::write(
        &config,
        format!(
            r#"listen = "127.0.0.1:{port}"
[[lines]]
id = "loop1"
driver = "loopback"
peer = "loop2"
speed = 200.0
ring_seconds = 0.0
[[lines]]
id = "loop2"
driver = "loopback"
peer = "loop1"
send = false
speed = 200.0
ring_seconds = 0.0
"#
        ),
    )
    .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut faxd = start_faxd(&data, &config);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let token_path = data.join("admin.token");
    let start = Instant::now();
    while !token_path.exists() {
        assert!(start.elapsed() < Duration::from_secs(30), "no admin token");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let token = std::fs::read_to_string(&token_path).unwrap().trim().to_string();
    wait_until_up(&http, &url, &token).await;

    let tiff = Arc::new(small_tiff());
    let acked: Arc<Mutex<HashMap<String, Vec<i64>>>> = Arc::default();
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (http, url, token, tiff, acked) = (http.clone(), url.clone(), token.clone(), tiff.clone(), acked.clone());
        clients.push(tokio::spawn(async move {
            for k in (c..JOBS).step_by(CLIENTS) {
                let key = format!("job-{k}");
                let deadline = Instant::now() + Duration::from_secs(120);
                loop {
                    assert!(Instant::now() < deadline, "submission {key} never acknowledged");
                    let form = reqwest::multipart::Form::new()
                        .part("fax", reqwest::multipart::Part::text(format!(r#"{{"fax_number":"{k}"}}"#)))
                        .part("document", reqwest::multipart::Part::bytes(tiff.to_vec()).file_name("page.tif"));
                    let r = http
                        .post(format!("{url}/v1/jobs"))
                        .bearer_auth(&token)
                        .header("Idempotency-Key", &key)
                        .multipart(form)
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().as_u16() == 201 => {
                            let v: serde_json::Value = r.json().await.unwrap();
                            let ids = v["job_ids"].as_array().unwrap().iter().map(|i| i.as_i64().unwrap()).collect();
                            let mut a = acked.lock().unwrap();
                            if let Some(prev) = a.insert(key.clone(), ids) {
                                assert_eq!(Some(&prev), a.get(&key), "a retried key must give the same jobs");
                            }
                            break;
                        }
                        Ok(r) if r.status().is_client_error() => {
                            panic!("refused: {}", r.text().await.unwrap())
                        }
                        _ => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            }
        }));
    }

    // Kill faxd with SIGKILL once a good part of the jobs is in, while others are on the line.
    while acked.lock().unwrap().len() < JOBS * 2 / 5 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    faxd.0.kill().unwrap();
    faxd.0.wait().unwrap();
    let at_kill = acked.lock().unwrap().len();
    faxd = start_faxd(&data, &config);
    wait_until_up(&http, &url, &token).await;
    for c in clients {
        c.await.unwrap();
    }
    assert!(at_kill < JOBS, "the kill came after every submission; it proves nothing");

    let acked = acked.lock().unwrap().clone();
    assert_eq!(acked.len(), JOBS);
    let ids: Vec<i64> = acked.values().flatten().copied().collect();
    let distinct: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), JOBS, "one job per acknowledged submission");

    let deadline = Instant::now() + Duration::from_secs(180);
    let jobs = loop {
        let v = get_json(&http, &format!("{url}/v1/jobs?type=send&limit=1000"), &token).await;
        let jobs = v["jobs"].as_array().unwrap().clone();
        if jobs.iter().all(|j| j["queue_status"] == "completed") && jobs.len() >= JOBS {
            break jobs;
        }
        assert!(
            Instant::now() < deadline,
            "jobs did not complete: {:?}",
            jobs.iter().filter(|j| j["queue_status"] != "completed").take(3).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let on_server: HashSet<i64> = jobs.iter().map(|j| j["job_id"].as_i64().unwrap()).collect();
    assert_eq!(on_server, distinct, "the server holds exactly the acknowledged jobs");
    for id in &distinct {
        let attempts = get_json(&http, &format!("{url}/v1/jobs/{id}/attempts"), &token).await;
        let completed = attempts.as_array().unwrap().iter().filter(|a| a["result"] == "completed").count();
        assert_eq!(completed, 1, "job {id} completed {completed} times: {attempts}");
        assert!(
            attempts.as_array().unwrap().iter().all(|a| !a["ended_at"].is_null()),
            "job {id} has an attempt that never ended: {attempts}"
        );
    }
    drop(faxd);
}
