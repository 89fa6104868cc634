//! Inbound routing against real peers: e-mail through aiosmtpd (the fax's PDF read back by
//! Ghostscript and its TIFF by the image crate, both equal to what faxd stored), a webhook
//! receiver that fails twice before taking the notice (retries, signature, a download link
//! that works without a token and only as signed), and routing data refused when wrong.

mod support;

#[path = "../../route/tests/support/ghostscript.rs"]
mod ghostscript;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use mail_parser::MimeHeaders;
use serde_json::{Value, json};
use support::smtp::Smtp;
use support::{Faxd, loopback_config, tiff_pages};

/// Three pages (form feeds split them).
const THREE_PAGES: &str = "Page one of the test fax\x0cPage two, with more text on it\x0cPage three, the last";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_routing_sends_the_fax_as_pdf_and_tiff_equal_to_the_received_pages() {
    let Some(smtp) = Smtp::start().await else { return };
    let mut config = loopback_config(1.0);
    config.smtp_profiles.insert("test".into(), smtp.profile());
    let f = Faxd::start(config).await;
    let (s, v) = f.patch("/v1/server", json!({"server_mapi_profile": "test"})).await;
    assert_eq!(s, 200, "{v}");
    let data = "inbox@test.example, Second <second@test.example>|both";
    let (s, v) =
        f.patch("/v1/ports/loop2/routing", json!([{"method": "email", "enable": true, "routing_data": data}])).await;
    assert_eq!(s, 200, "{v}");

    let (_, id) = f.fax_through(json!({"fax_number": "+1 555 0200", "tsid": "+44 20 7946"}), THREE_PAGES).await;
    let j = f.wait_job(id, "routing", |j| j["detail"] == "received and routed").await;
    assert_eq!(j["device_status"], "handled");
    let inbox = f.get("/v1/inbox").await;
    let routing = inbox.as_array().unwrap().iter().find(|x| x["job_id"] == id).unwrap()["routing"].clone();
    assert!(
        routing.as_str().unwrap().starts_with("email: e-mailed to inbox@test.example, second@test.example as both"),
        "{routing}"
    );

    let mails = smtp.wait_for(1).await;
    assert_eq!(mails.len(), 1, "one message for both recipients");
    let m = mails[0].parsed();
    let rcpt = m.header_raw("X-RcptTo").unwrap_or_default();
    assert!(rcpt.contains("inbox@test.example") && rcpt.contains("second@test.example"), "{rcpt}");
    assert_eq!(m.subject(), Some("Fax from +44 20 7946 (3 pages)"));
    let body = m.body_text(0).unwrap();
    for want in [
        format!("Job:          {id}"),
        "From (TSID):  +44 20 7946".into(),
        "Called:       +1 555 0200".into(),
        "Answered as:  +1 555 0200".into(),
        "Pages:        3".into(),
        "Received:     2026-11-24 12:".into(),
        "on loop2".into(),
    ] {
        assert!(body.contains(&want), "the body lacks `{want}`:\n{body}");
    }

    let stored = f.received_pages(id).await;
    assert_eq!(stored.len(), 3);
    let attachment = |name: String| {
        m.attachments()
            .find(|a| a.attachment_name() == Some(name.as_str()))
            .unwrap_or_else(|| panic!("{name}"))
            .contents()
            .to_vec()
    };
    let tiff = attachment(format!("fax-{id}.tif"));
    assert_eq!(tiff_pages(&tiff), stored, "the TIFF attachment has the received pages");

    let pdf = attachment(format!("fax-{id}.pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    let Some(gs) = ghostscript::ghostscript() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fax.pdf");
    std::fs::write(&path, &pdf).unwrap();
    for (i, (page, r)) in stored.iter().enumerate() {
        let got = ghostscript::render_page(gs, &path, i + 1, r.x_dpi(), r.y_dpi());
        assert!(got == *page, "page {} of the PDF, drawn by Ghostscript, differs from the received page", i + 1);
        assert!(page.black_pixels() > 1000, "page {} has ink", i + 1);
    }
}

/// What the webhook receiver saw.
type Seen = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A receiver answering 503 to the first two requests and 200 after.
async fn flaky_receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/fax",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let s = s.clone();
            async move {
                let mut seen = s.lock().unwrap();
                seen.push((headers, body));
                if seen.len() <= 2 { (StatusCode::SERVICE_UNAVAILABLE, "later") } else { (StatusCode::OK, "thanks") }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/fax", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

const SECRET: &str = "webhook-secret-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_is_retried_signed_and_its_link_downloads_the_fax_until_it_expires() {
    let (hook, seen) = flaky_receiver().await;
    let mut config = loopback_config(1.0);
    config.routing.webhook.first_delay_ms = 50;
    config.routing.webhook.max_delay_ms = 200;
    config.routing.link_hours = 2;
    let f = Faxd::start(config).await;
    let data = format!("{hook}|{SECRET}");
    let (s, v) =
        f.patch("/v1/ports/loop2/routing", json!([{"method": "webhook", "enable": true, "routing_data": data}])).await;
    assert_eq!(s, 200, "{v}");
    let (_, id) = f.fax_through(json!({"fax_number": "100"}), "Two pages\x0cfor the webhook").await;
    f.wait_job(id, "routing", |j| j["detail"] == "received and routed").await;

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "two 503 answers, then 200");
    let mut link = String::new();
    for (headers, body) in &seen {
        let ts = headers["x-ferrofax-timestamp"].to_str().unwrap();
        let sig = headers["x-ferrofax-signature"].to_str().unwrap();
        let hex_sig = sig.strip_prefix("sha256=").expect("sha256= prefix");
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
        let mut message = format!("{ts}.").into_bytes();
        message.extend_from_slice(body);
        ring::hmac::verify(&key, &message, &hex::decode(hex_sig).unwrap()).expect("the HMAC verifies");
        let mut tampered = message.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(ring::hmac::verify(&key, &tampered, &hex::decode(hex_sig).unwrap()).is_err());
        let v: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(
            (v["event"].as_str(), v["job_id"].as_i64(), v["pages"].as_u64()),
            (Some("fax.received"), Some(id), Some(2))
        );
        assert_eq!(
            (v["tsid"].as_str(), v["csid"].as_str(), v["port"].as_str()),
            (Some("+1 555 0100"), Some("+1 555 0200"), Some("loop2"))
        );
        link = v["download_url"].as_str().unwrap().to_string();
    }
    let routing = f.get("/v1/inbox").await[0]["routing"].as_str().unwrap().to_string();
    assert!(routing == format!("webhook: {hook} answered 200 (attempt 3)"), "{routing}");

    // The link works without a token and gives the stored fax.
    assert!(link.starts_with(&format!("{}/v1/inbox/{id}/download?", f.url)), "{link}");
    let plain = reqwest::Client::new();
    let r = plain.get(&link).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let downloaded = r.bytes().await.unwrap();
    let admin = f.http.get(format!("{}/v1/inbox/{id}/document", f.url)).bearer_auth(&f.admin).send().await.unwrap();
    assert_eq!(downloaded, admin.bytes().await.unwrap(), "the same TIFF as the inbox gives an admin");
    let r = plain.get(format!("{}/v1/inbox/{id}/document", f.url)).send().await.unwrap();
    assert_eq!(r.status(), 401, "the inbox itself still needs a token");

    // A changed signature, another fax or another expiry: refused.
    let mut bad_sig = link.clone();
    let last = bad_sig.pop().unwrap();
    bad_sig.push(if last == '0' { '1' } else { '0' });
    let other_fax = link.replace(&format!("/inbox/{id}/"), &format!("/inbox/{}/", id - 1));
    let (head, tail) = link.split_once("expires=").unwrap();
    let (expires, rest) = tail.split_once('&').unwrap();
    let later = format!("{head}expires={}&{rest}", expires.parse::<i64>().unwrap() + 3600);
    for bad in [bad_sig, other_fax, later] {
        let r = plain.get(&bad).send().await.unwrap();
        assert_eq!(r.status(), 403, "{bad}");
        let p: Value = r.json().await.unwrap();
        assert!(p["detail"].as_str().unwrap().contains("signature does not match"), "{p}");
    }
    // Two hours later the link has expired.
    f.clock.advance(2 * 3_600_000);
    let r = plain.get(&link).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let p: Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("expired"), "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_routing_data_is_refused_and_secrets_are_hidden_from_users() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let cases = [
        ("email", "nobody", "`nobody` is not an e-mail address"),
        ("email", "", "no e-mail address given"),
        ("email", "a@example.com|png", "pdf, tiff or both"),
        ("print", "two words", "not a printer name"),
        ("print", "Laser|docx", "not a file kind to print"),
        ("webhook", "https://hooks.example.com/fax", "no secret"),
        ("webhook", "https://hooks.example.com/fax|short", "at least 16 characters"),
        ("webhook", "ftp://hooks.example.com/|0123456789abcdef", "http:// or https://"),
        ("store_in_folder", "relative/folder", "absolute folder"),
    ];
    for (method, data, why) in cases {
        let (s, v) =
            f.patch("/v1/ports/loop2/routing", json!([{"method": method, "enable": true, "routing_data": data}])).await;
        assert_eq!(s, 422, "{method} {data}: {v}");
        assert_eq!(v["type"], "urn:ferrofax:problem:invalid-value");
        assert_eq!(v["field"], format!("{method}.routing_data"), "{v}");
        let detail = v["detail"].as_str().unwrap();
        assert!(detail.contains(why) && detail.starts_with(method), "{method} {data}: {detail}");
    }
    let methods = f.get("/v1/ports/loop2/routing").await;
    assert!(methods.as_array().unwrap().iter().all(|m| m["enable"] == false && m["routing_data"] == ""), "{methods}");

    // A good webhook: admins see its secret, users do not.
    let data = format!("https://hooks.example.com/fax|{SECRET}");
    let (s, _) =
        f.patch("/v1/ports/loop2/routing", json!([{"method": "webhook", "enable": true, "routing_data": data}])).await;
    assert_eq!(s, 200);
    let user = f.token_for("alice", "user").await;
    let (_, v) = f.call(reqwest::Method::GET, "/v1/ports/loop2/routing", &user, None).await;
    let hook = v.as_array().unwrap().iter().find(|m| m["function_name"] == "webhook").unwrap();
    assert_eq!(hook["routing_data"], "https://hooks.example.com/fax|********");
    let v = f.get("/v1/ports/loop2/routing").await;
    let hook = v.as_array().unwrap().iter().find(|m| m["function_name"] == "webhook").unwrap();
    assert_eq!(hook["routing_data"], data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_without_a_server_mapi_profile_is_refused_when_enabled_and_retried_when_it_goes() {
    let Some(smtp) = Smtp::start().await else { return };
    let mut config = loopback_config(1.0);
    config.smtp_profiles.insert("test".into(), smtp.profile());
    let f = Faxd::start(config).await;
    // Enabling e-mail with no profile named could only fail: refused, naming the setting.
    let email = json!([{"method": "email", "enable": true, "routing_data": "a@example.com"}]);
    let (s, v) = f.patch("/v1/ports/loop2/routing", email.clone()).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "email.enable", "{v}");
    assert!(v["detail"].as_str().unwrap().contains("ServerMapiProfile"), "{v}");
    let methods = f.get("/v1/ports/loop2/routing").await;
    assert!(methods.as_array().unwrap().iter().all(|m| m["enable"] == false), "{methods}");
    // With a profile it is enabled; when the setting is emptied later, routing fails clearly
    // and the fax is kept for a retry.
    let (s, v) = f.patch("/v1/server", json!({"server_mapi_profile": "test"})).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = f.patch("/v1/ports/loop2/routing", email).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = f.patch("/v1/server", json!({"server_mapi_profile": ""})).await;
    assert_eq!(s, 200, "{v}");
    let (_, id) = f.fax_through(json!({"fax_number": "100"}), "x").await;
    let j = f.wait_job(id, "routing failed", |j| j["type"] == "routing").await;
    assert_eq!(j["queue_status"], "retrying");
    let detail = j["detail"].as_str().unwrap();
    assert!(detail.contains("email: e-mail needs the server setting ServerMapiProfile"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_that_succeeded_is_not_run_again_when_routing_is_retried() {
    let (hook, seen) = flaky_receiver().await;
    let mut config = loopback_config(1.0);
    config.routing.webhook.first_delay_ms = 20;
    let f = Faxd::start(config).await;
    let folder = f.dir.path().join("in");
    let patch = json!([
        {"method": "webhook", "enable": true, "routing_data": format!("{hook}|{SECRET}")},
        {"method": "store_in_folder", "enable": true, "routing_data": folder.display().to_string()},
    ]);
    let (s, v) = f.patch("/v1/ports/loop2/routing", patch).await;
    assert_eq!(s, 200, "{v}");
    // The folder becomes a file: storing fails, the webhook works.
    std::fs::remove_dir(&folder).unwrap();
    std::fs::write(&folder, b"in the way").unwrap();
    let (_, id) = f.fax_through(json!({"fax_number": "100"}), "x").await;
    let j = f.wait_job(id, "routing failed", |j| j["type"] == "routing").await;
    assert!(j["detail"].as_str().unwrap().starts_with("routing failed: store_in_folder: storing in"), "{j}");
    assert_eq!(seen.lock().unwrap().len(), 3);
    std::fs::remove_file(&folder).unwrap();
    std::fs::create_dir(&folder).unwrap();
    let j = f.advance_until(id, 60_000, 30 * 60_000, |j| j["type"] == "receive").await;
    assert_eq!(j["detail"], "received and routed");
    assert!(folder.join(format!("fax-{id}.tif")).is_file());
    assert_eq!(seen.lock().unwrap().len(), 3, "the webhook was not called again");
    let routing = f.get("/v1/inbox").await[0]["routing"].as_str().unwrap().to_string();
    assert!(
        routing.starts_with(&format!("webhook: {hook} answered 200 (attempt 3); store_in_folder: stored as ")),
        "{routing}"
    );
}
