//! `/v1/openapi.json` against the running router: every operation that reads a request body
//! describes it, with the content type its handler really reads; the fax upload
//! (`POST /v1/jobs`, `POST /v1/previews`) is described part by part; every `$ref` resolves.
//!
//! Which operations read a body is found out from the server itself, not from a list: each
//! operation but GET is sent once without a body (placeholders for its path parameters,
//! admin's token), and an operation that reads a body answers that with a 400 or 415 about the
//! missing body. So a body-taking route added without a description fails here.

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::{Faxd, loopback_config};

/// What a handler reads, as told by its answer to a request without a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reads {
    Nothing,
    Json,
    Multipart,
}

impl Reads {
    fn content_type(self) -> &'static str {
        match self {
            Reads::Nothing => "(none)",
            Reads::Json => "application/json",
            Reads::Multipart => "multipart/form-data",
        }
    }
}

/// An answer: its status and the problem's detail (empty when it has none).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    status: u16,
    detail: String,
}

/// The body a handler read, told by its answer; an answer that rejects the request for its
/// body but names no kind of body fails the test rather than being guessed at.
fn reads(op: &str, a: &Answer) -> Reads {
    if !matches!(a.status, 400 | 415) {
        return Reads::Nothing;
    }
    let d = &a.detail;
    if d.contains("multipart/form-data") || d.contains("multipart body") {
        Reads::Multipart
    } else if d.contains("application/json") || d.contains(" is not valid: ") {
        Reads::Json
    } else {
        panic!("{op} refused a request without a body, but not for its body, or for a body of no known kind: {a:?}")
    }
}

/// A concrete path for a templated one: placeholders that name nothing on the server, so
/// that no probe changes anything.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{name}" => "nobody-probe",
            "{command}" => "pause",
            s if s.starts_with('{') => "999999",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Sends `method path` with admin's token and the given body (none, JSON, or a multipart
/// form with no parts).
async fn send(f: &Faxd, method: &Method, path: &str, body: Reads) -> Answer {
    let mut rq = f.http.request(method.clone(), format!("{}{path}", f.url)).bearer_auth(&f.admin);
    rq = match body {
        Reads::Nothing => rq,
        Reads::Json => rq.json(&json!({})),
        Reads::Multipart => rq.multipart(reqwest::multipart::Form::new()),
    };
    let r = rq.send().await.unwrap();
    let status = r.status().as_u16();
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null);
    Answer { status, detail: v["detail"].as_str().unwrap_or_default().to_string() }
}

/// Every `$ref` in `v`, with where it is.
fn refs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push((at.to_string(), r.clone())),
                    _ => refs(x, &format!("{at}/{k}"), out),
                }
            }
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| refs(x, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

/// The schema `s`, following a `$ref`.
fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s["$ref"].as_str() {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("{r} does not resolve")),
        None => s,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_that_reads_a_body_describes_it() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let doc = f.get("/v1/openapi.json").await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut found = Vec::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let Ok(m) = method.to_uppercase().parse::<Method>() else { continue };
            if !matches!(m, Method::POST | Method::PUT | Method::PATCH | Method::DELETE) {
                // GET, HEAD and OPTIONS carry no body (and GET /v1/events never ends).
                assert!(op.get("requestBody").is_none(), "{method} {path} describes a body it cannot have");
                continue;
            }
            let name = format!("{} {path}", m.as_str());
            let target = concrete(path);
            let bare = send(&f, &m, &target, Reads::Nothing).await;
            assert!(
                bare.status != 405 && !bare.detail.contains("no such endpoint"),
                "{name} is documented but the router does not serve it: {bare:?}"
            );
            let body = reads(&name, &bare);
            let documented: Vec<&str> = op["requestBody"]["content"]
                .as_object()
                .map(|c| c.keys().map(String::as_str).collect())
                .unwrap_or_default();
            if body == Reads::Nothing {
                assert!(documented.is_empty(), "{name} reads no body but describes one: {documented:?}");
                continue;
            }
            found.push(name.clone());
            assert_eq!(documented, [body.content_type()], "{name}: the documented content types of its body");
            assert_eq!(op["requestBody"]["required"], true, "{name}: the body is required");
            let schema = &op["requestBody"]["content"][body.content_type()]["schema"];
            assert!(schema.is_object() && schema != &json!({}), "{name}: the body has a schema: {schema}");

            // A well-formed body of the documented kind gets past the reading of the body.
            let well_formed = send(&f, &m, &target, body).await;
            assert_ne!(well_formed, bare, "{name} does not take a body of {}", body.content_type());
            if body == Reads::Multipart {
                let json = send(&f, &m, &target, Reads::Json).await;
                assert_eq!(reads(&name, &json), Reads::Multipart, "{name} refuses JSON: {json:?}");
            }
        }
    }
    // The probe finds what is known to take a body, so it cannot pass by finding nothing.
    for known in ["POST /v1/jobs", "POST /v1/previews", "PATCH /v1/server", "POST /v1/session", "POST /v1/users"] {
        assert!(found.iter().any(|n| n == known), "{known} was not found to read a body: {found:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fax_upload_is_described_part_by_part_and_every_ref_resolves() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let doc = f.get("/v1/openapi.json").await;

    for path in ["/v1/jobs", "/v1/previews"] {
        let media = &doc["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"];
        let schema = resolve(&doc, &media["schema"]);
        let props = &schema["properties"];
        assert_eq!(
            props.as_object().map(|p| p.keys().cloned().collect::<Vec<_>>()),
            Some(vec!["coverpage".to_string(), "document".into(), "fax".into()]),
            "POST {path}: the parts: {schema}"
        );
        assert_eq!(props["fax"]["$ref"], "#/components/schemas/SubmitRequest", "POST {path}: {schema}");
        for part in ["document", "coverpage"] {
            assert_eq!((&props[part]["type"], &props[part]["format"]), (&json!("string"), &json!("binary")), "{part}");
        }
        let required: Vec<&str> = schema["required"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert_eq!(required, ["fax", "document"], "POST {path}: coverpage is optional");
        assert_eq!(media["encoding"]["fax"]["contentType"], "application/json", "POST {path}: {media}");
    }
    // The FaxDoc's schema is there in full, with its recipient and document fields.
    let submit = &doc["components"]["schemas"]["SubmitRequest"];
    let mut text = submit.to_string();
    for r in [submit.pointer("/allOf"), submit.pointer("/properties/recipients/items")].into_iter().flatten() {
        text.push_str(&r.to_string());
    }
    for name in ["Recipient", "FaxDocFields"] {
        assert!(text.contains(&format!("#/components/schemas/{name}")), "SubmitRequest refers to {name}: {submit}");
    }

    let mut all = Vec::new();
    refs(&doc, "", &mut all);
    assert!(all.len() > 20, "the document has its references: {}", all.len());
    for (at, r) in &all {
        assert!(r.starts_with("#/"), "{at}: {r} is not a reference within the document");
        assert!(doc.pointer(&r[1..]).is_some(), "{at}: {r} does not resolve");
    }
}
