//! Webhook delivery against a real HTTP server in this process: retries on 503 with growing
//! delays, a signature the receiver can check, and failures that are not retried.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use ferrofax_route::webhook::{RetryPolicy, Target, deliver};

#[derive(Default)]
struct Seen {
    requests: Vec<(Instant, HeaderMap, Bytes)>,
}

/// Serves answers from `script` in turn (the last one repeats); records what arrives.
async fn server(script: Vec<(u16, &'static str)>) -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let state = (seen.clone(), Arc::new(script));
    type S = (Arc<Mutex<Seen>>, Arc<Vec<(u16, &'static str)>>);
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(|State((seen, script)): State<S>, headers: HeaderMap, body: Bytes| async move {
                let mut s = seen.lock().unwrap();
                s.requests.push((Instant::now(), headers, body));
                let (code, text) = script[(s.requests.len() - 1).min(script.len() - 1)];
                (StatusCode::from_u16(code).unwrap(), text)
            }),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn client() -> reqwest::Client {
    ferrofax_route::install_crypto_provider();
    reqwest::Client::new()
}

const SECRET: &str = "a secret of 24 characters";

fn policy(attempts: u32) -> RetryPolicy {
    RetryPolicy { attempts, first_delay_ms: 40, max_delay_ms: 1000, timeout_seconds: 5 }
}

#[tokio::test]
async fn a_503_is_retried_with_growing_delays_and_every_request_is_signed() {
    let (url, seen) = server(vec![(503, "busy"), (503, "busy"), (200, "ok")]).await;
    let target = Target::new(&url, SECRET).unwrap();
    let body = br#"{"event":"fax.received","job_id":7}"#;
    let done = deliver(&client(), &target, body, &policy(5)).await.unwrap();
    assert_eq!((done.status, done.attempts), (200, 3));
    let s = seen.lock().unwrap();
    assert_eq!(s.requests.len(), 3);
    let gaps: Vec<Duration> = s.requests.windows(2).map(|w| w[1].0 - w[0].0).collect();
    // Delays of 40 then 80 ms before jitter, jitter keeping at least half.
    assert!(gaps[0] >= Duration::from_millis(20), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(40), "{gaps:?}");
    for (_, headers, got) in &s.requests {
        assert_eq!(&got[..], body);
        let ts = headers["x-ferrofax-timestamp"].to_str().unwrap();
        let now = jiff::Timestamp::now().as_second();
        assert!((now - ts.parse::<i64>().unwrap()).abs() < 60, "a fresh timestamp");
        let sig = headers["x-ferrofax-signature"].to_str().unwrap().strip_prefix("sha256=").unwrap();
        let mut message = format!("{ts}.").into_bytes();
        message.extend_from_slice(got);
        // Checked with ring directly, not through the crate's own helper.
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
        ring::hmac::verify(&key, &message, &hex::decode(sig).unwrap()).expect("the signature verifies");
        assert_eq!(headers["content-type"], "application/json");
    }
}

#[tokio::test]
async fn a_404_fails_at_once_with_its_status_and_body() {
    let (url, seen) = server(vec![(404, "no such hook here")]).await;
    let target = Target::new(&url, SECRET).unwrap();
    let e = deliver(&client(), &target, b"{}", &policy(5)).await.unwrap_err().to_string();
    assert!(e.contains("404") && e.contains("no such hook here") && e.contains("not retried"), "{e}");
    assert_eq!(seen.lock().unwrap().requests.len(), 1);
}

#[tokio::test]
async fn giving_up_after_the_last_attempt_and_on_a_closed_port() {
    let (url, seen) = server(vec![(429, "slow down")]).await;
    let target = Target::new(&url, SECRET).unwrap();
    let e = deliver(&client(), &target, b"{}", &policy(3)).await.unwrap_err().to_string();
    assert!(e.contains("429") && e.contains("gave up after 3 attempts"), "{e}");
    assert_eq!(seen.lock().unwrap().requests.len(), 3);

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let target = Target::new(&url, SECRET).unwrap();
    let e = deliver(&client(), &target, b"{}", &policy(2)).await.unwrap_err().to_string();
    assert!(e.contains("could not connect") && e.contains("gave up after 2 attempts"), "{e}");
}
