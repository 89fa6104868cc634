//! Searching the job list and the inbox (`q`) over HTTP: by each field it looks in, any case,
//! with `%`, `_` and `\` taken literally, pages that add up, users kept to their own jobs,
//! and the length limit.

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::{Faxd, loopback_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_searched_in_sql_with_wildcards_taken_literally_and_pages_that_add_up() {
    let f = Faxd::start(loopback_config(1.0)).await;
    f.patch("/v1/server", json!({"pause_server_queue": true})).await;
    let admin = f.admin.clone();
    let alice = f.token_for("alice", "user").await;
    let submit = |token: String, fax: Value, name: &'static str| {
        let f = &f;
        async move {
            let form = reqwest::multipart::Form::new()
                .part("fax", reqwest::multipart::Part::text(fax.to_string()))
                .part("document", reqwest::multipart::Part::bytes(b"text".to_vec()).file_name(name));
            let r = f.http.post(format!("{}/v1/jobs", f.url)).bearer_auth(token).multipart(form).send().await.unwrap();
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()["job_ids"][0].as_i64().unwrap()
        }
    };
    let ann = submit(
        admin.clone(),
        json!({"fax_number": "+1 555 0100", "recipient_name": "Ann Smith", "billing_code": "50%"}),
        "a.txt",
    )
    .await;
    let bob = submit(
        admin.clone(),
        json!({"fax_number": "200", "recipient_name": "Bob", "sender_name": "Zed_Corp"}),
        "quarterly report.txt",
    )
    .await;
    let carol = submit(
        admin.clone(),
        json!({"fax_number": "300", "recipient_name": "Carol", "billing_code": "50x", "sender_name": "ZedxCorp"}),
        "c.txt",
    )
    .await;
    let alices = submit(alice.clone(), json!({"fax_number": "400", "recipient_name": "Ann Other"}), "d.txt").await;

    let found = |q: &'static str, token: String| {
        let f = &f;
        async move {
            let (s, v) = f.call(Method::GET, &format!("/v1/jobs?q={q}"), &token, None).await;
            assert_eq!(s, 200, "q={q}: {v}");
            v["jobs"].as_array().unwrap().iter().map(|j| j["job_id"].as_i64().unwrap()).collect::<Vec<i64>>()
        }
    };
    assert_eq!(found("555", admin.clone()).await, vec![ann], "by fax number");
    assert_eq!(found("ANN", admin.clone()).await, vec![alices, ann], "by recipient name, any case");
    assert_eq!(found("bob", admin.clone()).await, vec![bob]);
    assert_eq!(found("REPORT", admin.clone()).await, vec![bob], "by document name");
    assert_eq!(found("zed", admin.clone()).await, vec![carol, bob], "by sender name");
    assert_eq!(found("50%25", admin.clone()).await, vec![ann], "`%` is a percent sign, not a wildcard");
    assert_eq!(found("zed_", admin.clone()).await, vec![bob], "`_` is an underscore, not a wildcard");
    assert_eq!(found("%25", admin.clone()).await, vec![ann]);
    assert!(found("%5C", admin.clone()).await.is_empty(), "a backslash is a backslash");
    assert!(found("nobody", admin.clone()).await.is_empty());
    assert_eq!(found("", admin.clone()).await.len(), 4, "an empty search is none");
    assert_eq!(found("ann", alice.clone()).await, vec![alices], "users find only their own jobs");

    // Pages of one, following next_after, skip the jobs between that do not match and add up
    // to the whole result.
    for (q, want) in [("zed", vec![carol, bob]), ("ann", vec![alices, ann])] {
        let mut seen = Vec::new();
        let mut after = String::new();
        loop {
            let v = f.get(&format!("/v1/jobs?q={q}&limit=1{after}")).await;
            seen.extend(v["jobs"].as_array().unwrap().iter().map(|j| j["job_id"].as_i64().unwrap()));
            match v["next_after"].as_i64() {
                Some(a) => after = format!("&after={a}"),
                None => break,
            }
        }
        assert_eq!(seen, want, "q={q}");
    }

    let (s, v) = f.call(Method::GET, &format!("/v1/jobs?q={}", "x".repeat(101)), &admin, None).await;
    assert_eq!(
        (s, v["field"].as_str(), v["type"].as_str()),
        (422, Some("q"), Some("urn:ferrofax:problem:invalid-value"))
    );
    let (s, _) = f.call(Method::GET, &format!("/v1/jobs?q={}", "x".repeat(100)), &admin, None).await;
    assert_eq!(s, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_is_searched_by_tsid_caller_id_number_called_and_csid() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let admin = f.admin.clone();
    let (_, received) = f.fax_through(json!({"fax_number": "100"}), "Hello\n").await;
    // loop1 (+1 555 0100) calls 100, answered by loop2 (+1 555 0200).
    for q in ["555%200100", "0100", "100", "0200"] {
        let inbox = f.get(&format!("/v1/inbox?q={q}")).await;
        let ids: Vec<i64> = inbox.as_array().unwrap().iter().map(|x| x["job_id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![received], "q={q}");
    }
    assert!(f.get("/v1/inbox?q=0300").await.as_array().unwrap().is_empty());
    let (s, v) = f.call(Method::GET, &format!("/v1/inbox?q={}", "9".repeat(101)), &admin, None).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("q")), "{v}");

    // Both lists document the parameter.
    let doc: Value = f.http.get(format!("{}/v1/openapi.json", f.url)).send().await.unwrap().json().await.unwrap();
    for path in ["/v1/jobs", "/v1/inbox"] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        assert!(params.iter().any(|p| p["name"] == "q"), "{path}: {params:?}");
    }
}
