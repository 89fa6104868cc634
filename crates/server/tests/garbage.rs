//! Hostile input against every endpoint: random bodies, content types, paths and ids, from a
//! seeded generator. Every answer must be a client error with a problem report (or a success
//! where the input happens to be valid), never a server error, and the server keeps serving.

mod support;

use reqwest::Method;
use support::{Faxd, loopback_config};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = (self.next() % max as u64) as usize;
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_requests_never_cause_server_errors() {
    let f = Faxd::start(loopback_config(1.0)).await;
    f.patch("/v1/server", serde_json::json!({"pause_server_queue": true})).await;
    let mut rng = Rng(0x5eed_fac5_u64 | 1);
    let paths = [
        "/v1/server",
        "/v1/jobs",
        "/v1/jobs/1",
        "/v1/jobs/-5",
        "/v1/jobs/abc",
        "/v1/jobs/99999999999999999999",
        "/v1/jobs/1/pause",
        "/v1/jobs/1/cancel",
        "/v1/jobs/1/restart",
        "/v1/jobs/1/pages/0",
        "/v1/jobs/1/pages/4294967296",
        "/v1/jobs/1/attempts",
        "/v1/ports",
        "/v1/ports/loop1",
        "/v1/ports/nope",
        "/v1/ports/loop1/routing",
        "/v1/ports/loop1/status",
        "/v1/inbox",
        "/v1/inbox/1/document",
        "/v1/jobs?state=bogus",
        "/v1/jobs?limit=-1",
        "/v1/jobs?after=x",
        "/v1/inbox?limit=abc",
        "/v1/../../etc/passwd",
        "/v1/jobs/1/pages/1%00",
    ];
    let methods = [Method::GET, Method::POST, Method::PATCH, Method::DELETE, Method::PUT];
    let types = [
        "application/json",
        "multipart/form-data; boundary=x",
        "multipart/form-data",
        "text/plain",
        "application/x-www-form-urlencoded",
    ];
    let jsons: [&[u8]; 8] = [
        b"{}",
        b"[]",
        b"null",
        b"{\"retries\": 1e400}",
        b"{\"rings\": \"9\"}",
        b"[{\"method\": 5}]",
        b"{\"fax_number\": [1]}",
        b"{\"priority\": -99999999999999999999}",
    ];
    // A first job so that ids point at something.
    let _ = f.submit_text(serde_json::json!({"fax_number": "100"})).await;
    for i in 0..3000 {
        let method = rng.pick(&methods).clone();
        let path = *rng.pick(&paths);
        let mut rq = f.http.request(method.clone(), format!("{}{path}", f.url)).bearer_auth(&f.admin);
        rq = rq.header("content-type", *rng.pick(&types));
        rq = match rng.next() % 3 {
            0 => rq.body(rng.bytes(2000)),
            1 => rq.body((*rng.pick(&jsons)).to_vec()),
            _ => {
                let mut body = b"--x\r\nContent-Disposition: form-data; name=\"".to_vec();
                let names: [&[u8]; 4] = [b"fax", b"document", b"coverpage", b"other"];
                let name: &&[u8] = rng.pick(&names);
                body.extend_from_slice(name);
                body.extend_from_slice(b"\"\r\n\r\n");
                body.extend(rng.bytes(500));
                if rng.next().is_multiple_of(2) {
                    body.extend_from_slice(b"\r\n--x--\r\n");
                }
                rq.body(body)
            }
        };
        if rng.next().is_multiple_of(5) {
            rq = rq.header("Idempotency-Key", String::from_utf8_lossy(&rng.bytes(40)).replace(['\r', '\n'], ""));
        }
        let r = match rq.send().await {
            Ok(r) => r,
            Err(e) if e.is_builder() => continue, // a header reqwest itself refuses to send
            Err(e) => panic!("request {i} {method} {path}: {e}"),
        };
        let status = r.status().as_u16();
        let ctype = r.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
        assert!(status < 500, "request {i}: {method} {path} gave {status}: {}", r.text().await.unwrap_or_default());
        if status >= 400 {
            assert_eq!(
                ctype, "application/problem+json",
                "request {i}: {method} {path} gave {status} without a problem report"
            );
        }
    }
    assert_eq!(f.get("/v1/version").await["product"], "ferrofax", "still serving");
}
