//! Submission throughput: accepted jobs per second and latency percentiles for 1-page
//! submissions from 16 concurrent clients against a real `faxd` process (release build,
//! SQLite with durable commits, page files fsynced). Run: `cargo bench -p ferrofax-server
//! --bench submit` (options: `-- --jobs N --clients C`).
//!
//! Two documents are measured: a 1-page fax TIFF (MMR, A4 fine, a typed letter) and the same
//! letter as plain text (rendered by the server). The queue is paused so that the figure is
//! the cost of accepting work; a second run with the queue running sends meanwhile.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrofax_image::{CodedPage, FaxMetadata, Resolution, write_tiff};
use ferrofax_render::{TextOptions, render_text};

const LETTER: &str = "ACME Pharmacy\n123 Main Street\n\nDear Dr Jones,\n\nPlease find the refill request for the patient below.\n\n\
Name: Jane Doe\nDate of birth: 1970-01-01\nMedication: Amoxicillin 500 mg, 3x daily, 10 days\n\n\
Kind regards,\n\nJohn Smith\nPharmacist\n";

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let jobs = arg("--jobs", 3000);
    let clients = arg("--clients", 16);
    let pages = render_text(LETTER, &TextOptions::default()).expect("letter renders");
    let tiff = write_tiff(&[CodedPage::encode_mmr(&pages[0], Resolution::Fine)], &FaxMetadata::default());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    println!(
        "machine: {} cores; faxd: {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        env!("CARGO_BIN_EXE_faxd")
    );
    for (label, doc, name, paused) in [
        ("1-page fax TIFF (MMR), queue paused", tiff.clone(), "letter.tif", true),
        ("1-page plain text, queue paused", LETTER.as_bytes().to_vec(), "letter.txt", true),
        ("1-page fax TIFF, queue sending meanwhile", tiff.clone(), "letter.tif", false),
    ] {
        rt.block_on(run(label, doc, name, paused, jobs, clients));
    }
}

async fn run(label: &str, doc: Vec<u8>, name: &'static str, paused: bool, jobs: usize, clients: usize) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tmp = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = tmp.path().join("faxd.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\n[[lines]]\nid = \"loop1\"\ndriver = \"loopback\"\npeer = \"loop2\"\nspeed = 10000.0\nring_seconds = 0.0\n\
             [[lines]]\nid = \"loop2\"\ndriver = \"loopback\"\npeer = \"loop1\"\nsend = false\nspeed = 10000.0\nring_seconds = 0.0\n"
        ),
    )
    .unwrap();
    let data = tmp.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_faxd"))
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .env("FAXD_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    while !data.join("faxd.url").exists() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let token = std::fs::read_to_string(data.join("admin.token")).unwrap().trim().to_string();
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build().unwrap();
    http.patch(format!("{url}/v1/server"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"pause_server_queue": paused}))
        .send()
        .await
        .unwrap();

    let doc = Arc::new(doc);
    let submit = move |i: usize| {
        let (http, url, token, doc) = (http.clone(), url.clone(), token.clone(), doc.clone());
        async move {
            let form = reqwest::multipart::Form::new()
                .part("fax", reqwest::multipart::Part::text(format!(r#"{{"fax_number":"555 {i:04}"}}"#)))
                .part("document", reqwest::multipart::Part::bytes(doc.to_vec()).file_name(name));
            let t = Instant::now();
            let r = http.post(format!("{url}/v1/jobs")).bearer_auth(&token).multipart(form).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 201);
            t.elapsed()
        }
    };
    for i in 0..clients * 4 {
        submit(i).await; // warm-up: connections, caches
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let submit = submit.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            for i in (c..jobs).step_by(clients) {
                lat.push(submit(i).await);
            }
            lat
        }));
    }
    let mut lat: Vec<Duration> = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "{label}: {jobs} jobs from {clients} clients in {:.2} s = {:.0} jobs/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        elapsed.as_secs_f64(),
        jobs as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3
    );
    let _ = child.kill();
    let _ = child.wait();
}
