//! A faxd in this process on a manual clock, served on a loopback port, with an HTTP client.
#![allow(dead_code)]

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
    pub async fn start(config: Config) -> Faxd {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(NOON);
        let core = startup::start(config, dir.path().to_path_buf(), Arc::new(clock.clone())).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
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
}
