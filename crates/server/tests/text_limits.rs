//! The longest text each FaxDoc field may hold, as the OpenAPI document states it (`maxLength`)
//! and as a submission and a preview enforce it: one character over the limit is refused with
//! 422 `invalid-value` naming the field (`recipients[1].recipient_name` for the second of
//! several recipients), and a submission with every field at its limit is accepted and kept
//! whole.

mod support;

use reqwest::Method;
use serde_json::{Map, Value, json};
use support::{Faxd, loopback_config};

/// The documented longest length of every text field of a schema (`Recipient`,
/// `FaxDocFields`), in the order the document lists them. Every text field must have one.
fn limits(doc: &Value, schema: &str) -> Vec<(String, usize)> {
    let props = doc["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("the document has no schema {schema} with properties"));
    let mut out = Vec::new();
    for (name, p) in props {
        let is_text = p["type"] == "string" || p["type"].as_array().is_some_and(|t| t.contains(&json!("string")));
        if !is_text || p.get("enum").is_some() {
            continue;
        }
        let max = p["maxLength"].as_u64().unwrap_or_else(|| panic!("{schema}.{name} documents no maxLength: {p}"));
        assert!(
            // Doc comments wrap where they will: compare with the line breaks as spaces.
            p["description"].as_str().is_some_and(|d| d
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(&format!("At most {max} characters"))),
            "{schema}.{name}: the description states the limit: {p}"
        );
        out.push((name.clone(), max as usize));
    }
    out
}

/// A value of `n` characters for `field` that is otherwise valid: digits for the numbers and
/// the TSID, a list of addresses for `email_address`, letters (some not ASCII) for the rest.
fn text(field: &str, n: usize) -> String {
    match field {
        "fax_number" | "tsid" => "1".repeat(n),
        "email_address" => {
            let mut list = vec!["r@example.com"; n / 14].join(",");
            while list.chars().count() < n {
                list.push(' ');
            }
            list
        }
        _ => "é".repeat(n),
    }
}

async fn refused_naming(f: &Faxd, fax: Value, field: &str, max: usize) {
    let (s, v) = f.submit_as(&f.admin, fax.clone(), b"limits\n".to_vec(), "l.txt").await;
    assert_eq!(s, 422, "{field}: {v}");
    assert_eq!(v["type"], "urn:ferrofax:problem:invalid-value", "{field}: {v}");
    assert_eq!(v["field"], field, "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("{} characters long; at most {max}", max + 1)), "{field}: {detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_text_field_takes_its_documented_length_and_not_one_character_more() {
    let f = Faxd::start(loopback_config(1.0)).await;
    f.patch("/v1/server", json!({"pause_server_queue": true})).await;
    let doc = f.get("/v1/openapi.json").await;
    let recipient = limits(&doc, "Recipient");
    let fields = limits(&doc, "FaxDocFields");
    assert_eq!(recipient.len(), 13, "{recipient:?}");
    assert_eq!(fields.len(), 16, "{fields:?}");
    // A few limits as the README states them, so that the document cannot drift unnoticed.
    for (name, max) in [("fax_number", 64), ("recipient_name", 256), ("recipient_home_phone", 64)] {
        assert!(recipient.contains(&(name.to_string(), max)), "{name}: {recipient:?}");
    }
    for (name, max) in [("coverpage_note", 4000), ("tsid", 20), ("email_address", 1024), ("billing_code", 256)] {
        assert!(fields.contains(&(name.to_string(), max)), "{name}: {fields:?}");
    }

    // One recipient in the flat fields: each field one character over its limit.
    for (name, max) in recipient.iter().chain(&fields) {
        let mut fax = Map::new();
        fax.insert("fax_number".into(), json!("100"));
        fax.insert(name.clone(), json!(text(name, max + 1)));
        refused_naming(&f, Value::Object(fax), name, *max).await;
    }
    // Several recipients: the second one's fields, named by their place in the list.
    for (name, max) in &recipient {
        let mut second = Map::new();
        second.insert("fax_number".into(), json!("101"));
        second.insert(name.clone(), json!(text(name, max + 1)));
        let fax = json!({"recipients": [{"fax_number": "100"}, second], "sender_name": "limits"});
        refused_naming(&f, fax, &format!("recipients[1].{name}"), *max).await;
    }
    let (s, _) = f.call(Method::GET, "/v1/jobs", &f.admin, None).await;
    assert_eq!(s, 200, "the server keeps serving");
    assert_eq!(f.get("/v1/jobs").await["jobs"].as_array().unwrap().len(), 0, "nothing refused was queued");

    // Every field at its limit at once: accepted, and kept whole.
    let mut fax = Map::new();
    for (name, max) in recipient.iter().chain(&fields) {
        fax.insert(name.clone(), json!(text(name, *max)));
    }
    let (s, v) = f.submit_as(&f.admin, Value::Object(fax), b"at the limits\n".to_vec(), "l.txt").await;
    assert_eq!(s, 201, "{v}");
    let job = f.job(v["job_ids"][0].as_i64().unwrap()).await;
    assert_eq!(job["recipient_name"], text("recipient_name", 256));
    assert_eq!(job["billing_code"], text("billing_code", 256));
    assert_eq!(job["fax_number"], text("fax_number", 64));

    // The same for the second of several recipients.
    let mut second = Map::new();
    for (name, max) in &recipient {
        second.insert(name.clone(), json!(text(name, *max)));
    }
    let fax = json!({"recipients": [{"fax_number": "100"}, second]});
    let (s, v) = f.submit_as(&f.admin, fax, b"at the limits\n".to_vec(), "l.txt").await;
    assert_eq!(s, 201, "{v}");
    let job = f.job(v["job_ids"][1].as_i64().unwrap()).await;
    assert_eq!(job["recipient_name"], text("recipient_name", 256));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_refuses_an_overlong_field_as_a_submission_does() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let preview = |fax: Value| {
        let form = reqwest::multipart::Form::new()
            .part("fax", reqwest::multipart::Part::text(fax.to_string()).mime_str("application/json").unwrap())
            .part("document", reqwest::multipart::Part::bytes(b"preview\n".to_vec()).file_name("p.txt"));
        f.http.post(format!("{}/v1/previews", f.url)).bearer_auth(&f.admin).multipart(form).send()
    };
    let r = preview(json!({"fax_number": "100", "coverpage_note": "n".repeat(4001)})).await.unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["type"].as_str(), v["field"].as_str()),
        (Some("urn:ferrofax:problem:invalid-value"), Some("coverpage_note"))
    );
    let fax =
        json!({"recipients": [{"fax_number": "100"}, {"fax_number": "101", "recipient_company": "c".repeat(257)}]});
    let v: Value = preview(fax).await.unwrap().json().await.unwrap();
    assert_eq!(v["field"], "recipients[1].recipient_company", "{v}");

    let r = preview(json!({"fax_number": "100", "coverpage_note": "n".repeat(4000)})).await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}
