//! A faxd in this process on a manual clock, served on a loopback port, with an HTTP client.
#![allow(dead_code)]

pub mod smtp;

use std::sync::Arc;
use std::time::Duration;

use ferrofax_server::config::{Config, DriverConfig, LineConfig};
use ferrofax_server::{Core, ManualClock, startup};
use serde_json::Value;

pub struct Faxd {
    pub core: Arc<Core>,
    pub clock: ManualClock,
    pub url: String,
    pub admin: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
}

/// 2026-11-24 12:00:00 UTC.
pub const NOON: i64 = 1_795_521_600_000;

/// The loopback pair, its calls running `speed` times faster than a real line.
pub fn loopback_config(speed: f64) -> Config {
    let line = |id: &str, peer: &str, send: bool| LineConfig {
        id: id.into(),
        name: None,
        driver: DriverConfig::Loopback {
            peer: peer.into(),
            speed,
            ring_seconds: 1.0,
            busy_numbers: vec!["666".into()],
        },
        send,
        receive: true,
        rings: 1,
        csid: if send { "+1 555 0100".into() } else { "+1 555 0200".into() },
        tsid: if send { "+1 555 0100".into() } else { "+1 555 0200".into() },
    };
    Config { lines: vec![line("loop1", "loop2", true), line("loop2", "loop1", false)], ..Config::default() }
}

impl Faxd {
    pub async fn start(mut config: Config) -> Faxd {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(NOON);
        // The server's own address is known before it starts, as with faxd (links point at it).
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        config.listen = listener.local_addr().unwrap();
        let url = format!("http://{}", config.listen);
        let core = startup::start(config, dir.path().to_path_buf(), Arc::new(clock.clone())).await.unwrap();
        let app = ferrofax_server::http::router(core.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let admin = std::fs::read_to_string(dir.path().join("admin.token")).unwrap().trim().to_string();
        Faxd { core, clock, url, admin, http: reqwest::Client::new(), dir }
    }

    #[allow(dead_code)]
    pub async fn token_for(&self, name: &str, role: &str) -> String {
        ferrofax_server::auth::add_user(self.core.store.as_ref(), name, role, NOON).await.unwrap()
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
        let mut rq = self.http.request(method, format!("{}{path}", self.url)).bearer_auth(token);
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let r = rq.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str) -> Value {
        let (s, v) = self.call(reqwest::Method::GET, path, &self.admin.clone(), None).await;
        assert_eq!(s, 200, "GET {path}: {v}");
        v
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PATCH, path, &self.admin.clone(), Some(body)).await
    }

    /// Submits a document; returns the status and body.
    pub async fn submit_as(&self, token: &str, fax: Value, document: Vec<u8>, name: &str) -> (u16, Value) {
        let form = reqwest::multipart::Form::new()
            .part("fax", reqwest::multipart::Part::text(fax.to_string()).mime_str("application/json").unwrap())
            .part("document", reqwest::multipart::Part::bytes(document).file_name(name.to_string()));
        let r =
            self.http.post(format!("{}/v1/jobs", self.url)).bearer_auth(token).multipart(form).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    /// Submits a text fax as admin and returns the job ids.
    pub async fn submit_text(&self, fax: Value) -> Vec<i64> {
        let (s, v) = self.submit_as(&self.admin.clone(), fax, b"Hello from the test\n".to_vec(), "hello.txt").await;
        assert_eq!(s, 201, "{v}");
        v["job_ids"].as_array().unwrap().iter().map(|i| i.as_i64().unwrap()).collect()
    }

    pub async fn job(&self, id: i64) -> Value {
        self.get(&format!("/v1/jobs/{id}")).await
    }

    /// Lets the server's tasks run (real time, briefly) without moving the clock.
    pub async fn settle(&self) {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }

    /// Moves the clock in `step_ms` steps until `done` holds for the job, at most `max_ms`.
    pub async fn advance_until(&self, id: i64, step_ms: i64, max_ms: i64, done: impl Fn(&Value) -> bool) -> Value {
        let mut moved = 0;
        loop {
            // Give the server real time to react to the last move.
            for _ in 0..50 {
                let j = self.job(id).await;
                if done(&j) {
                    return j;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
                if j["queue_status"] != "in_progress" {
                    break;
                }
            }
            assert!(moved <= max_ms, "job {id} did not reach the expected state: {}", self.job(id).await);
            self.clock.advance(step_ms);
            moved += step_ms;
        }
    }

    /// Waits (in real time, the clock standing still) until `done` holds for the job.
    pub async fn wait_job(&self, id: i64, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..600 {
            let j = self.job(id).await;
            if done(&j) {
                return j;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("job {id}: {what} did not happen within 30 s: {}", self.job(id).await)
    }

    /// The id of the first fax received after job `after`, waiting for it in real time.
    pub async fn received_after(&self, after: i64) -> i64 {
        for _ in 0..600 {
            let inbox = self.get("/v1/inbox").await;
            let found =
                inbox.as_array().unwrap().iter().map(|x| x["job_id"].as_i64().unwrap()).filter(|&i| i > after).min();
            if let Some(id) = found {
                return id;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no fax was received after job {after}")
    }

    /// Sends a text fax from loop1 and returns (sent job, received job) once it has arrived.
    pub async fn fax_through(&self, fax: Value, text: &str) -> (i64, i64) {
        let (s, v) = self.submit_as(&self.admin.clone(), fax, text.as_bytes().to_vec(), "fax.txt").await;
        assert_eq!(s, 201, "{v}");
        let id = v["job_ids"][0].as_i64().unwrap();
        self.advance_until(id, 1000, 30 * 60_000, |j| j["queue_status"] == "completed").await;
        (id, self.received_after(id).await)
    }

    /// The pages of a received fax as faxd stored it, decoded, with their resolutions.
    pub async fn received_pages(&self, id: i64) -> Vec<(ferrofax_image::Bitmap, ferrofax_image::Resolution)> {
        let r = self
            .http
            .get(format!("{}/v1/inbox/{id}/document", self.url))
            .bearer_auth(&self.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        tiff_pages(&r.bytes().await.unwrap())
    }
}

/// The pages of a TIFF, decoded, with their resolutions.
pub fn tiff_pages(bytes: &[u8]) -> Vec<(ferrofax_image::Bitmap, ferrofax_image::Resolution)> {
    let t = ferrofax_image::read_tiff(bytes, ferrofax_image::ReadLimits::default()).unwrap();
    (0..t.pages.len()).map(|i| (t.decode_page(i).unwrap(), t.pages[i].resolution())).collect()
}
