//! The API's rules over HTTP: authentication and roles, bad input answered as problems,
//! idempotent submission, state conflicts, port priority, and resumable events.

mod support;

use futures_util::StreamExt;
use reqwest::Method;
use serde_json::json;
use support::{Faxd, loopback_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_see_and_change_only_their_own_jobs_and_no_settings() {
    let f = Faxd::start(loopback_config(1.0)).await;
    f.patch("/v1/server", json!({"pause_server_queue": true})).await;
    let alice = f.token_for("alice", "user").await;
    let bob = f.token_for("bob", "user").await;
    let (s, v) = f.submit_as(&alice, json!({"fax_number": "100"}), b"from alice".to_vec(), "a.txt").await;
    assert_eq!(s, 201, "{v}");
    let id = v["job_ids"][0].as_i64().unwrap();

    let (s, _) = f.call(Method::GET, &format!("/v1/jobs/{id}"), &bob, None).await;
    assert_eq!(s, 404, "bob cannot see alice's job");
    let (s, _) = f.call(Method::POST, &format!("/v1/jobs/{id}/cancel"), &bob, None).await;
    assert_eq!(s, 404, "bob cannot cancel alice's job");
    let (_, list) = f.call(Method::GET, "/v1/jobs", &bob, None).await;
    assert_eq!(list["jobs"].as_array().unwrap().len(), 0);
    let (s, _) = f.call(Method::GET, "/v1/jobs?owner=alice", &bob, None).await;
    assert_eq!(s, 403);
    let (_, list) = f.call(Method::GET, "/v1/jobs", &alice, None).await;
    assert_eq!(list["jobs"].as_array().unwrap().len(), 1);

    let (s, v) = f.call(Method::PATCH, "/v1/server", &bob, Some(json!({"retries": 9}))).await;
    assert_eq!((s, v["type"].as_str().unwrap()), (403, "urn:ferrofax:problem:forbidden"));
    let (s, _) = f.call(Method::PATCH, "/v1/ports/loop1", &bob, Some(json!({"rings": 3}))).await;
    assert_eq!(s, 403);
    let (_, ports) = f.call(Method::GET, "/v1/ports", &bob, None).await;
    assert!(ports.as_array().unwrap().iter().all(|p| p["can_modify"] == false));
    let ports = f.get("/v1/ports").await;
    assert!(ports.as_array().unwrap().iter().all(|p| p["can_modify"] == true));

    let (s, _) = f.call(Method::POST, &format!("/v1/jobs/{id}/cancel"), &alice, None).await;
    assert_eq!(s, 200, "alice cancels her own job");

    for token in ["", "ffx_0000"] {
        let r = f.http.get(format!("{}/v1/jobs", f.url)).bearer_auth(token).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401);
    }
    let r = f.http.get(format!("{}/v1/jobs", f.url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["type"], "urn:ferrofax:problem:unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_answered_with_problems_and_the_server_keeps_serving() {
    let mut config = loopback_config(1.0);
    config.limits.max_upload_bytes = 100_000;
    let f = Faxd::start(config).await;
    let admin = f.admin.clone();
    let cases: Vec<(&str, serde_json::Value, Vec<u8>, u16, &str)> = vec![
        ("empty file", json!({"fax_number": "100"}), vec![], 422, "bad-document"),
        (
            "unknown format",
            json!({"fax_number": "100"}),
            b"\x7fELF\x02\x01\x01\0\xff\xfe".to_vec(),
            415,
            "unsupported-format",
        ),
        ("no recipient", json!({"sender_name": "x"}), b"text".to_vec(), 422, "invalid-value"),
        ("bad number", json!({"fax_number": "call me"}), b"text".to_vec(), 422, "invalid-value"),
        (
            "21-character TSID",
            json!({"fax_number": "100", "tsid": "123456789012345678901"}),
            b"text".to_vec(),
            422,
            "invalid-value",
        ),
        (
            "report address that is none",
            json!({"fax_number": "100", "email_address": "not-an-address"}),
            b"text".to_vec(),
            422,
            "invalid-value",
        ),
        ("unknown field", json!({"fax_number": "100", "colour": true}), b"text".to_vec(), 400, "malformed-request"),
        (
            "corrupt TIFF",
            json!({"fax_number": "100"}),
            b"II*\0\x08\0\0\0\x01\0\0\x01\x03\0".to_vec(),
            422,
            "bad-document",
        ),
    ];
    for (what, fax, doc, status, kind) in cases {
        let (s, v) = f.submit_as(&admin, fax, doc, "d").await;
        assert_eq!(s, status, "{what}: {v}");
        assert_eq!(v["type"], format!("urn:ferrofax:problem:{kind}"), "{what}: {v}");
        assert!(!v["detail"].as_str().unwrap().is_empty(), "{what}");
    }
    // Above the upload limit: 413 — unless the server's answer and close overtook the rest of
    // the upload, which the client may then see as a cut connection. Either way nothing is
    // kept and the server goes on serving.
    let form = reqwest::multipart::Form::new()
        .part("fax", reqwest::multipart::Part::text(r#"{"fax_number":"100"}"#))
        .part("document", reqwest::multipart::Part::bytes(vec![b'a'; 200_000]).file_name("big.txt"));
    let r = f.http.post(format!("{}/v1/jobs", f.url)).bearer_auth(&admin).multipart(form).send().await;
    if let Ok(r) = r {
        assert_eq!(r.status().as_u16(), 413);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["type"], "urn:ferrofax:problem:too-large", "{v}");
    }
    let (_, list) = f.call(Method::GET, "/v1/jobs", &admin, None).await;
    assert_eq!(list["jobs"].as_array().unwrap().len(), 0, "nothing refused was kept: {list}");
    let (s, v) = f.submit_as(&admin, json!({"fax_number": "100"}), b"PK\x03\x04\x14\0".to_vec(), "d").await;
    assert_eq!(s, 415, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("plain UTF-8 text"), "415 names the accepted formats: {v}");
    let (s, v) = f.submit_as(&admin, json!({"fax_number": "100"}), b"%PDF-1.4".to_vec(), "d").await;
    assert_eq!((s, v["type"].as_str().unwrap()), (422, "urn:ferrofax:problem:bad-document"), "{v}");
    assert!(v["detail"].as_str().unwrap().contains("PDF"), "{v}");

    let settings: Vec<(serde_json::Value, u16, &str)> = vec![
        (json!({"retries": -1}), 422, "retries"),
        (json!({"colour": 1}), 400, ""),
        (json!({"discount_rate_start_hour": 24}), 422, "discount_rate_start_hour"),
        (json!({"server_mapi_profile": "nowhere"}), 422, "server_mapi_profile"),
    ];
    for (body, status, field) in settings {
        let (s, v) = f.patch("/v1/server", body.clone()).await;
        assert_eq!(s, status, "{body}: {v}");
        if !field.is_empty() {
            assert_eq!(v["field"], field);
        }
    }
    let (s, v) = f.patch("/v1/ports/loop1", json!({"tsid": "123456789012345678901"})).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("tsid")));
    let (s, _) = f.patch("/v1/ports/loop1", json!({"rings": 100})).await;
    assert_eq!(s, 422);

    // Not multipart at all, and a truncated multipart body.
    let r = f.http.post(format!("{}/v1/jobs", f.url)).bearer_auth(&admin).body("hello").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = f
        .http
        .post(format!("{}/v1/jobs", f.url))
        .bearer_auth(&admin)
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nContent-Disposition: form-data; name=\"fax\"\r\n\r\n{\"fax_number\":\"1\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    let v = f.get("/v1/version").await;
    assert_eq!(v["product"], "ferrofax");
    assert_eq!(f.get("/v1/jobs").await["jobs"].as_array().unwrap().len(), 0, "nothing was queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_returns_the_same_jobs_and_refuses_a_different_request() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let send = |body: &'static str, key: &'static str| {
        let form = reqwest::multipart::Form::new()
            .part("fax", reqwest::multipart::Part::text(body))
            .part("document", reqwest::multipart::Part::bytes(b"hi".to_vec()).file_name("a.txt"));
        f.http
            .post(format!("{}/v1/jobs", f.url))
            .bearer_auth(&f.admin)
            .header("Idempotency-Key", key)
            .multipart(form)
            .send()
    };
    let a: serde_json::Value =
        send(r#"{"recipients":[{"fax_number":"1"},{"fax_number":"2"}]}"#, "k1").await.unwrap().json().await.unwrap();
    let b: serde_json::Value =
        send(r#"{"recipients":[{"fax_number":"1"},{"fax_number":"2"}]}"#, "k1").await.unwrap().json().await.unwrap();
    assert_eq!(a["job_ids"].as_array().unwrap().len(), 2, "broadcast: one job per recipient");
    assert_eq!(a, b);
    let c = send(r#"{"fax_number":"3"}"#, "k1").await.unwrap();
    assert_eq!(c.status().as_u16(), 409);
    let jobs = f.get("/v1/jobs").await;
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 2);
    assert_eq!(jobs["jobs"][0]["document_id"], jobs["jobs"][1]["document_id"], "the document is kept once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_follow_the_state_rules_and_ports_renumber() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let id = f.submit_text(json!({"fax_number": "100"})).await[0];
    f.advance_until(id, 1000, 600_000, |j| j["queue_status"] == "completed").await;
    let (s, v) = f.call(Method::POST, &format!("/v1/jobs/{id}/pause"), &f.admin.clone(), None).await;
    assert_eq!(s, 409);
    assert_eq!(v["type"], "urn:ferrofax:problem:invalid-state");
    assert!(v["detail"].as_str().unwrap().contains("completed"), "{v}");
    let (s, v) = f.call(Method::POST, &format!("/v1/jobs/{id}/restart"), &f.admin.clone(), None).await;
    assert_eq!((s, v["queue_status"].as_str()), (200, Some("pending")));
    let (s, _) = f.call(Method::DELETE, &format!("/v1/jobs/{id}"), &f.admin.clone(), None).await;
    assert_eq!(s, 409, "a queued job cannot be deleted");
    let (s, _) = f.call(Method::POST, &format!("/v1/jobs/{id}/jump"), &f.admin.clone(), None).await;
    assert_eq!(s, 404);

    let (s, v) = f.patch("/v1/ports/loop2", json!({"priority": 1})).await;
    assert_eq!((s, v["priority"].as_u64()), (200, Some(1)));
    let ports = f.get("/v1/ports").await;
    let ranks: Vec<(String, u64)> = ports
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["device_id"].as_str().unwrap().to_string(), p["priority"].as_u64().unwrap()))
        .collect();
    assert_eq!(ranks, vec![("loop2".to_string(), 1), ("loop1".to_string(), 2)]);
    let (s, _) = f.patch("/v1/ports/loop1", json!({"priority": 3})).await;
    assert_eq!(s, 422, "priority is 1..n");

    // No port may send: due jobs show the NoLine modifier.
    f.patch("/v1/ports/loop1", json!({"send": false})).await;
    let id2 = f.submit_text(json!({"fax_number": "100"})).await[0];
    let j = f.job(id2).await;
    assert_eq!((j["queue_status"].as_str(), j["no_line"].as_bool()), (Some("pending"), Some(true)), "{j}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_can_be_resumed_after_an_id() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let client = ferrofax_client::FaxServer::connect(&f.url, &f.admin).await.unwrap();
    let mut events = client.events(Some(0)).await.unwrap();
    let id = f.submit_text(json!({"fax_number": "100"})).await[0];
    f.advance_until(id, 1000, 600_000, |j| j["queue_status"] == "completed").await;
    let mut seen = Vec::new();
    while let Some(e) = events.next().await {
        let e = e.unwrap();
        let done = matches!(&e.body, ferrofax_client::EventBody::Job { job } if job.job_id == id && job.queue_status == ferrofax_client::JobState::Completed);
        seen.push(e);
        if done {
            break;
        }
    }
    let ids: Vec<i64> = seen.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "ids are consecutive: {ids:?}");
    assert!(
        seen.iter()
            .any(|e| matches!(&e.body, ferrofax_client::EventBody::PortStatus { status } if status.current_page == 1))
    );
    // Resume from the middle: the next event is the one after.
    let mid = ids[ids.len() / 2];
    let mut resumed = client.events(Some(mid)).await.unwrap();
    let next = resumed.next().await.unwrap().unwrap();
    assert_eq!(next.id, mid + 1);
    assert_eq!(serde_json::to_value(&next).unwrap(), serde_json::to_value(&seen[ids.len() / 2 + 1]).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cover_pages_are_filled_per_recipient_and_sent_first() {
    let f = Faxd::start(loopback_config(1.0)).await;
    f.patch("/v1/server", json!({"server_coverpage": true})).await;
    let fax = json!({
        "recipients": [{"fax_number": "100", "recipient_name": "Ann"}, {"fax_number": "101", "recipient_name": "Bea"}],
        "send_coverpage": true, "server_coverpage": true, "coverpage_name": "default.txt",
        "sender_name": "Dr Jones", "coverpage_subject": "Refill"
    });
    let (s, v) = f.submit_as(&f.admin.clone(), fax, b"the body\n".to_vec(), "a.txt").await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["page_count"], 2, "the cover page comes on top of the 1-page body");
    let ids: Vec<i64> = v["job_ids"].as_array().unwrap().iter().map(|i| i.as_i64().unwrap()).collect();
    let page = |id: i64, n: u32| {
        let (http, url, admin) = (f.http.clone(), f.url.clone(), f.admin.clone());
        async move {
            http.get(format!("{url}/v1/jobs/{id}/pages/{n}"))
                .bearer_auth(admin)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
        }
    };
    assert_ne!(page(ids[0], 1).await, page(ids[1], 1).await, "each recipient has their own cover page");
    assert_eq!(page(ids[0], 2).await, page(ids[1], 2).await, "the body is kept once");
    for id in &ids {
        let j = f.advance_until(*id, 1000, 600_000, |j| j["queue_status"] == "completed").await;
        assert_eq!(j["pages_confirmed"], 2);
    }
    let inbox = f.get("/v1/inbox").await;
    assert!(inbox.as_array().unwrap().iter().all(|x| x["page_count"] == 2));

    // A personal template, once ServerCoverpage is off; an unknown placeholder is refused.
    f.patch("/v1/server", json!({"server_coverpage": false})).await;
    let send_personal = |template: &'static str| {
        let form = reqwest::multipart::Form::new()
            .part(
                "fax",
                reqwest::multipart::Part::text(r#"{"fax_number":"100","send_coverpage":true,"coverpage_name":"mine"}"#),
            )
            .part("document", reqwest::multipart::Part::bytes(b"body".to_vec()).file_name("a.txt"))
            .part("coverpage", reqwest::multipart::Part::text(template));
        f.http.post(format!("{}/v1/jobs", f.url)).bearer_auth(&f.admin).multipart(form).send()
    };
    let r = send_personal("To {recipient_name} at {fax_number}, {page_count} pages").await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let r = send_personal("Hello {favourite_colour}").await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["detail"].as_str().unwrap().contains("favourite_colour"), "{v}");
    let (s, _) = f
        .submit_as(&f.admin.clone(), json!({"fax_number": "100", "send_coverpage": true, "server_coverpage": true, "coverpage_name": "../etc/passwd"}), b"x".to_vec(), "a")
        .await;
    assert_eq!(s, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fax_whose_routing_fails_is_kept_and_routed_again() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let folder = f.dir.path().join("received");
    let (s, v) = f
        .patch(
            "/v1/ports/loop2/routing",
            json!([{"method": "store_in_folder", "enable": true, "routing_data": folder.display().to_string()}]),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = f.patch("/v1/ports/loop2/routing", json!([{"method": "email", "enable": true}])).await;
    assert_eq!(s, 422, "e-mail without an address is refused: {v}");
    // The folder becomes a file: storing fails.
    std::fs::remove_dir(&folder).unwrap();
    std::fs::write(&folder, b"in the way").unwrap();
    let id = f.submit_text(json!({"fax_number": "100"})).await[0];
    f.advance_until(id, 1000, 600_000, |j| j["queue_status"] == "completed").await;
    let received = loop {
        let inbox = f.get("/v1/inbox").await;
        if let Some(x) = inbox.as_array().unwrap().first().filter(|x| x["type"] == "routing") {
            break x["job_id"].as_i64().unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    let j = f.job(received).await;
    assert_eq!(j["queue_status"], "retrying");
    assert!(j["detail"].as_str().unwrap().contains("routing failed"), "{j}");
    // Still failing after the retry delay; then the folder is back and the next retry works.
    f.clock.advance(11 * 60_000);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(f.job(received).await["type"], "routing");
    std::fs::remove_file(&folder).unwrap();
    std::fs::create_dir(&folder).unwrap();
    let j = f.advance_until(received, 60_000, 30 * 60_000, |j| j["type"] == "receive").await;
    assert_eq!(j["queue_status"], "completed");
    assert!(folder.join(format!("fax-{received}.tif")).is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_endpoint() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let doc: serde_json::Value =
        f.http.get(format!("{}/v1/openapi.json", f.url)).send().await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/v1/version",
        "/v1/server",
        "/v1/jobs",
        "/v1/jobs/{id}",
        "/v1/jobs/{id}/{command}",
        "/v1/jobs/{id}/pages/{n}",
        "/v1/jobs/{id}/attempts",
        "/v1/ports",
        "/v1/ports/{id}",
        "/v1/ports/{id}/status",
        "/v1/ports/{id}/routing",
        "/v1/inbox",
        "/v1/inbox/{id}/document",
        "/v1/inbox/{id}/download",
        "/v1/events",
        "/v1/session",
        "/v1/users",
        "/v1/users/{name}",
        "/v1/users/{name}/password",
        "/v1/users/{name}/tokens",
        "/v1/users/{name}/tokens/{id}",
    ] {
        assert!(paths.contains_key(p), "{p} is missing from the OpenAPI document");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in [
        "ServerSettings",
        "SettingsPatch",
        "JobView",
        "PortView",
        "FaxStatus",
        "Problem",
        "DeviceStatus",
        "SignIn",
        "SessionView",
        "UserView",
        "NewUser",
        "PasswordChange",
        "TokenView",
        "TokenCreated",
    ] {
        assert!(schemas.contains_key(s), "schema {s} is missing");
    }
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "ffx_session");
    assert!(
        paths["/v1/session"]["post"]["security"]
            .as_array()
            .is_some_and(|s| s.iter().all(|x| x == &serde_json::json!({})))
    );
}
