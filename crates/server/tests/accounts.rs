//! Accounts over HTTP: signing in with a password or a token, the session cookie and its CSRF
//! and origin rules, signing out and expiry, slowing down guessing, password changes, users and
//! tokens managed through the API, and `faxd user` setting passwords from standard input.

mod support;

use ferrofax_server::auth::sessions::hash_session_id;
use ferrofax_server::store::AccountStore;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use support::{Faxd, loopback_config};

/// A browser's sign-in: the cookie to send back and the CSRF token.
struct Signed {
    /// `ffx_session=<id>`.
    cookie: String,
    id: String,
    csrf: String,
    body: Value,
}

async fn sign_in_raw(f: &Faxd, body: Value, origin: Option<&str>) -> (u16, HeaderMap, Value) {
    let mut rq = f.http.post(format!("{}/v1/session", f.url)).json(&body);
    if let Some(o) = origin {
        rq = rq.header("origin", o);
    }
    let r = rq.send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    let text = r.text().await.unwrap();
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn sign_in(f: &Faxd, body: Value) -> Signed {
    let (s, headers, v) = sign_in_raw(f, body, None).await;
    assert_eq!(s, 200, "{v}");
    let set = headers["set-cookie"].to_str().unwrap();
    let cookie = set.split(';').next().unwrap().to_string();
    let id = cookie.strip_prefix("ffx_session=").unwrap().to_string();
    Signed { cookie, id, csrf: v["csrf_token"].as_str().unwrap().to_string(), body: v }
}

/// A request with the session cookie (no bearer token), an optional CSRF token and Origin.
async fn with_cookie(
    f: &Faxd,
    method: Method,
    path: &str,
    s: &Signed,
    csrf: Option<&str>,
    origin: Option<&str>,
    body: Option<Value>,
) -> (u16, HeaderMap, Value) {
    let mut rq = f.http.request(method, format!("{}{path}", f.url)).header("cookie", &s.cookie);
    if let Some(c) = csrf {
        rq = rq.header("x-csrf-token", c);
    }
    if let Some(o) = origin {
        rq = rq.header("origin", o);
    }
    if let Some(b) = body {
        rq = rq.json(&b);
    }
    let r = rq.send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    let text = r.text().await.unwrap();
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A GET with the session cookie: the status.
async fn get_with(f: &Faxd, path: &str, s: &Signed) -> u16 {
    with_cookie(f, Method::GET, path, s, None, None, None).await.0
}

/// Makes a user through the API (as admin).
async fn make_user(f: &Faxd, name: &str, role: &str, password: Option<&str>) {
    let mut body = json!({"name": name, "role": role});
    if let Some(p) = password {
        body["password"] = json!(p);
    }
    let (s, v) = f.call(Method::POST, "/v1/users", &f.admin, Some(body)).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, json!({"name": name, "role": role}));
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_sign_in_sets_a_strict_cookie_and_the_store_keeps_only_hashes() {
    let f = Faxd::start(loopback_config(1.0)).await;
    make_user(&f, "alice", "user", Some("correct horse battery")).await;
    let (_, hash) = f.core.store.user_credentials("alice").await.unwrap().unwrap();
    let hash = hash.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(!hash.contains("correct horse"));

    let (s, headers, v) = sign_in_raw(&f, json!({"user": "alice", "password": "correct horse battery"}), None).await;
    assert_eq!(s, 200, "{v}");
    let cookies: Vec<_> = headers.get_all("set-cookie").iter().map(|c| c.to_str().unwrap().to_string()).collect();
    assert_eq!(cookies.len(), 1);
    let id = cookies[0].strip_prefix("ffx_session=").unwrap().split(';').next().unwrap();
    assert!(is_hex(id, 64), "{id}");
    assert_eq!(cookies[0], format!("ffx_session={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"));
    assert_eq!(headers["cache-control"], "no-store", "the CSRF token is not cached");
    assert_eq!((v["user"].as_str(), v["role"].as_str()), (Some("alice"), Some("user")));
    assert!(is_hex(v["csrf_token"].as_str().unwrap(), 64), "{v}");
    assert_eq!(v["expires_at"], "2026-11-25T00:00:00Z", "12 hours after noon");
    assert_eq!(v.as_object().unwrap().len(), 4, "{v}");
    // The sessions table has the id's SHA-256, not the id.
    assert!(f.core.store.session(&hash_session_id(id).unwrap()).await.unwrap().is_some());
    assert!(f.core.store.session(id).await.unwrap().is_none());

    let me = Signed { cookie: format!("ffx_session={id}"), id: id.into(), csrf: String::new(), body: v.clone() };
    let (s, _, again) = with_cookie(&f, Method::GET, "/v1/session", &me, None, None, None).await;
    assert_eq!((s, &again), (200, &v));
    assert_eq!(get_with(&f, "/v1/jobs", &me).await, 200);
    let (s, _) = f.call(Method::GET, "/v1/version", "", None).await;
    assert_eq!(s, 401, "no cookie, no token");
    let r = f.http.get(format!("{}/v1/session", f.url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    // Server-sent events with the cookie alone, as a browser's EventSource opens them.
    let r = f
        .http
        .get(format!("{}/v1/events", f.url))
        .header("cookie", &me.cookie)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));

    // With `http.secure_cookies` the cookie is Secure; `http.session_hours` sets its life.
    let mut config = loopback_config(1.0);
    config.http.secure_cookies = true;
    config.http.session_hours = 1;
    let g = Faxd::start(config).await;
    let (s, headers, v) = sign_in_raw(&g, json!({"token": g.admin}), None).await;
    assert_eq!(s, 200, "{v}");
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(cookie.ends_with("; HttpOnly; SameSite=Strict; Path=/; Max-Age=3600; Secure"), "{cookie}");
    assert_eq!(v["expires_at"], "2026-11-24T13:00:00Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_takes_a_token_or_a_password_and_refuses_anything_else() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let s = sign_in(&f, json!({"token": f.admin})).await;
    assert_eq!((s.body["user"].as_str(), s.body["role"].as_str()), (Some("admin"), Some("admin")));
    assert_eq!(get_with(&f, "/v1/users", &s).await, 200, "an admin's session has an admin's rights");

    let cases = [
        (json!({"token": "ffx_0000"}), 401, "unauthorized", "the token is not valid"),
        (
            json!({"user": "admin", "password": "whatever it is", "token": f.admin}),
            400,
            "malformed-request",
            "not both",
        ),
        (json!({"user": "admin"}), 400, "malformed-request", "needs `password`"),
        (json!({}), 400, "malformed-request", "either"),
        (json!({"token": f.admin, "remember_me": true}), 400, "malformed-request", "remember_me"),
        (json!({"user": "admin", "password": "no password set"}), 401, "unauthorized", "wrong user name or password"),
        (
            json!({"user": "not/a name", "password": "whatever it is"}),
            401,
            "unauthorized",
            "wrong user name or password",
        ),
    ];
    for (body, status, kind, detail) in cases {
        let (s, headers, v) = sign_in_raw(&f, body.clone(), None).await;
        assert_eq!(s, status, "{body}: {v}");
        assert_eq!(v["type"], format!("urn:ferrofax:problem:{kind}"), "{body}: {v}");
        assert!(v["detail"].as_str().unwrap().contains(detail), "{body}: {v}");
        assert!(headers.get("set-cookie").is_none(), "{body}");
    }
    let r = f.http.post(format!("{}/v1/session", f.url)).body("{not json").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_changes_need_the_csrf_token_and_the_same_origin() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let s = sign_in(&f, json!({"token": f.admin})).await;
    let patch = || Some(json!({"retries": 4}));
    let (st, _, v) = with_cookie(&f, Method::PATCH, "/v1/server", &s, None, None, patch()).await;
    assert_eq!((st, v["type"].as_str()), (403, Some("urn:ferrofax:problem:forbidden")), "{v}");
    assert!(v["detail"].as_str().unwrap().contains("X-CSRF-Token header of your sign-in session"), "{v}");
    let wrong = "0".repeat(64);
    let (st, _, _) = with_cookie(&f, Method::PATCH, "/v1/server", &s, Some(&wrong), None, patch()).await;
    assert_eq!(st, 403, "a wrong CSRF token");
    let (st, _, v) = with_cookie(&f, Method::PATCH, "/v1/server", &s, Some(&s.csrf), None, patch()).await;
    assert_eq!((st, v["retries"].as_u64()), (200, Some(4)), "{v}");
    let same = f.url.clone();
    let (st, _, _) = with_cookie(&f, Method::PATCH, "/v1/server", &s, Some(&s.csrf), Some(&same), patch()).await;
    assert_eq!(st, 200, "from this server's own page");

    // POST too: a token for oneself.
    let path = "/v1/users/admin/tokens";
    let (st, _, _) = with_cookie(&f, Method::POST, path, &s, None, None, Some(json!({"label": "x"}))).await;
    assert_eq!(st, 403);
    let (st, _, v) = with_cookie(&f, Method::POST, path, &s, Some(&s.csrf), None, Some(json!({"label": "x"}))).await;
    assert_eq!(st, 201, "{v}");

    // Another site's page: refused even with the token (it cannot have it, but still).
    for origin in ["http://evil.example", "http://127.0.0.1:1", "null"] {
        let (st, _, v) = with_cookie(&f, Method::PATCH, "/v1/server", &s, Some(&s.csrf), Some(origin), patch()).await;
        assert_eq!(st, 403, "{origin}: {v}");
        assert!(v["detail"].as_str().unwrap().contains("another site"), "{v}");
    }
    let (st, _, _) = sign_in_raw(&f, json!({"token": f.admin}), Some("http://evil.example")).await;
    assert_eq!(st, 403, "no signing in from another site's page");
    // Reading needs neither; a bearer token needs neither.
    let (st, _, _) = with_cookie(&f, Method::GET, "/v1/server", &s, None, Some("http://evil.example"), None).await;
    assert_eq!(st, 200);
    let r = f
        .http
        .patch(format!("{}/v1/server", f.url))
        .bearer_auth(&f.admin)
        .header("origin", "http://evil.example")
        .json(&json!({"retries": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // A job submitted with the cookie (multipart POST) needs the CSRF token as well.
    let submit = |csrf: Option<String>| {
        let form = reqwest::multipart::Form::new()
            .part("fax", reqwest::multipart::Part::text(r#"{"fax_number":"100"}"#))
            .part("document", reqwest::multipart::Part::bytes(b"hi".to_vec()).file_name("a.txt"));
        let mut rq = f.http.post(format!("{}/v1/jobs", f.url)).header("cookie", &s.cookie).multipart(form);
        if let Some(c) = csrf {
            rq = rq.header("x-csrf-token", c);
        }
        rq.send()
    };
    assert_eq!(submit(None).await.unwrap().status().as_u16(), 403);
    assert_eq!(submit(Some(s.csrf.clone())).await.unwrap().status().as_u16(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_and_expiry_end_the_session() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let s = sign_in(&f, json!({"token": f.admin})).await;
    let (st, _, _) = with_cookie(&f, Method::DELETE, "/v1/session", &s, None, None, None).await;
    assert_eq!(st, 403, "signing out is a change: it needs the CSRF token");
    let (st, headers, _) = with_cookie(&f, Method::DELETE, "/v1/session", &s, Some(&s.csrf), None, None).await;
    assert_eq!(st, 204);
    assert_eq!(headers["set-cookie"], "ffx_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    assert_eq!(get_with(&f, "/v1/jobs", &s).await, 401, "the old cookie is dead");
    let (st, headers, v) = with_cookie(&f, Method::GET, "/v1/session", &s, None, None, None).await;
    assert_eq!(st, 401, "{v}");
    assert!(headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"), "a dead cookie is cleared");
    let r = f.http.delete(format!("{}/v1/session", f.url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 204, "signing out without a session is no error");
    assert!(f.core.store.session(&hash_session_id(&s.id).unwrap()).await.unwrap().is_none());

    // Expiry: 12 hours by the server's clock.
    let s = sign_in(&f, json!({"token": f.admin})).await;
    f.clock.advance(12 * 3_600_000 - 1_000);
    assert_eq!(get_with(&f, "/v1/jobs", &s).await, 200);
    f.clock.advance(1_000);
    assert_eq!(get_with(&f, "/v1/jobs", &s).await, 401);
    let (st, _, v) = with_cookie(&f, Method::GET, "/v1/version", &s, None, None, None).await;
    assert_eq!(st, 401);
    assert!(v["detail"].as_str().unwrap().contains("sign in again"), "{v}");
    // A cookie that names no session at all.
    let forged = Signed { cookie: format!("ffx_session={}", "ab".repeat(32)), ..s };
    assert_eq!(get_with(&f, "/v1/jobs", &forged).await, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failed_sign_ins_lock_the_name_for_fifteen_minutes() {
    let f = Faxd::start(loopback_config(1.0)).await;
    make_user(&f, "bob", "user", Some("bob's real password")).await;
    let wrong = json!({"user": "bob", "password": "not the password"});
    let (_, _, unknown) = sign_in_raw(&f, json!({"user": "nobody", "password": "not the password"}), None).await;
    for i in 0..5 {
        let (s, _, v) = sign_in_raw(&f, wrong.clone(), None).await;
        assert_eq!(s, 401, "attempt {i}: {v}");
        assert_eq!(v["detail"], "wrong user name or password");
        assert_eq!(v, unknown, "an unknown user gets the same answer");
        f.clock.advance(60_000);
    }
    // Locked now, even with the right password, for 15 minutes from the first failure.
    let right = json!({"user": "bob", "password": "bob's real password"});
    let (s, headers, v) = sign_in_raw(&f, right.clone(), None).await;
    assert_eq!((s, v["type"].as_str()), (429, Some("urn:ferrofax:problem:too-many-requests")), "{v}");
    assert_eq!(headers["retry-after"], "600", "the first failure leaves the window in 10 minutes");
    assert!(v["detail"].as_str().unwrap().contains("try again in 600 seconds"), "{v}");
    let (s, _, _) = sign_in_raw(&f, json!({"user": "alice", "password": "whatever it is"}), None).await;
    assert_eq!(s, 401, "other names are not locked");
    f.clock.advance(599_000);
    assert_eq!(sign_in_raw(&f, right.clone(), None).await.0, 429);
    f.clock.advance(1_000);
    let s = sign_in(&f, right).await;
    assert_eq!(s.body["user"], "bob");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_ends_the_other_sessions() {
    let f = Faxd::start(loopback_config(1.0)).await;
    make_user(&f, "carol", "user", Some("first password")).await;
    make_user(&f, "dave", "user", Some("dave's password")).await;
    let creds = json!({"user": "carol", "password": "first password"});
    let (a, b) = (sign_in(&f, creds.clone()).await, sign_in(&f, creds).await);
    let path = "/v1/users/carol/password";
    let put = |body: Value| {
        let (a, f) = (&a, &f);
        async move { with_cookie(f, Method::PUT, path, a, Some(&a.csrf), None, Some(body)).await }
    };
    let (st, _, v) = put(json!({"password": "second password"})).await;
    assert_eq!((st, v["field"].as_str()), (422, Some("current_password")), "a user gives the current one: {v}");
    let (st, _, v) = put(json!({"password": "second password", "current_password": "wrong one!"})).await;
    assert_eq!((st, v["field"].as_str()), (403, Some("current_password")), "{v}");
    let (st, _, v) = put(json!({"password": "short", "current_password": "first password"})).await;
    assert_eq!((st, v["field"].as_str()), (422, Some("password")), "{v}");
    assert!(v["detail"].as_str().unwrap().contains("at least 8 characters"), "{v}");
    let (st, _, v) = put(json!({"password": "carol", "current_password": "first password"})).await;
    assert_eq!(st, 422, "{v}");
    let (st, _, v) = put(json!({"password": "carolcarol", "current_password": "first password", "x": 1})).await;
    assert_eq!((st, v["type"].as_str()), (400, Some("urn:ferrofax:problem:malformed-request")), "{v}");
    let (st, _, v) = put(json!({"password": "second password", "current_password": "first password"})).await;
    assert_eq!(st, 204, "{v}");
    assert_eq!(get_with(&f, "/v1/jobs", &a).await, 200, "the session that changed it stays");
    assert_eq!(get_with(&f, "/v1/jobs", &b).await, 401, "the other one ended");
    let (st, _, _) = sign_in_raw(&f, json!({"user": "carol", "password": "first password"}), None).await;
    assert_eq!(st, 401);
    sign_in(&f, json!({"user": "carol", "password": "second password"})).await;

    let (st, _, _) = with_cookie(
        &f,
        Method::PUT,
        "/v1/users/dave/password",
        &a,
        Some(&a.csrf),
        None,
        Some(json!({"password": "taken over!", "current_password": "second password"})),
    )
    .await;
    assert_eq!(st, 403, "carol cannot set dave's password");
    // An admin sets anyone's, without the current one; all of that user's sessions end.
    let (st, v) = f.call(Method::PUT, path, &f.admin, Some(json!({"password": "third password"}))).await;
    assert_eq!(st, 204, "{v}");
    assert_eq!(get_with(&f, "/v1/jobs", &a).await, 401);
    sign_in(&f, json!({"user": "carol", "password": "third password"})).await;
    let (st, _) =
        f.call(Method::PUT, "/v1/users/nobody/password", &f.admin, Some(json!({"password": "whatever it is"}))).await;
    assert_eq!(st, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_listed_without_their_secret_and_a_revoked_one_is_refused_at_once() {
    let f = Faxd::start(loopback_config(1.0)).await;
    make_user(&f, "erin", "user", None).await;
    let (s, v) = f.call(Method::POST, "/v1/users/erin/tokens", &f.admin, Some(json!({"label": "laptop"}))).await;
    assert_eq!(s, 201, "{v}");
    let laptop = v["token"].as_str().unwrap().to_string();
    assert!(laptop.starts_with("ffx_") && is_hex(&laptop[4..], 64), "{v}");
    assert_eq!(v["label"], "laptop");
    let laptop_id = v["id"].as_i64().unwrap();
    let (s, v) = f.call(Method::GET, "/v1/version", &laptop, None).await;
    assert_eq!((s, v["user"].as_str()), (200, Some("erin")));

    // Erin makes a second token herself and lists both.
    let (s, v) = f.call(Method::POST, "/v1/users/erin/tokens", &laptop, Some(json!({"label": "phone"}))).await;
    assert_eq!(s, 201, "{v}");
    let phone = v["token"].as_str().unwrap().to_string();
    let (s, list) = f.call(Method::GET, "/v1/users/erin/tokens", &phone, None).await;
    assert_eq!(s, 200);
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"].as_i64(), Some(laptop_id));
    assert_eq!(list[0]["label"], "laptop");
    assert_eq!(list[0]["created_at"], "2026-11-24T12:00:00Z");
    assert!(list.iter().all(|t| t.as_object().unwrap().len() == 3 && t.get("token").is_none()), "{list:?}");

    // Browser sessions signed in with each token, and one with a password.
    let (s, _) =
        f.call(Method::PUT, "/v1/users/erin/password", &f.admin, Some(json!({"password": "erin's password"}))).await;
    assert_eq!(s, 204);
    let by_laptop = sign_in(&f, json!({"token": laptop})).await;
    let by_phone = sign_in(&f, json!({"token": phone})).await;
    let by_password = sign_in(&f, json!({"user": "erin", "password": "erin's password"})).await;

    let (s, _) = f.call(Method::DELETE, &format!("/v1/users/erin/tokens/{laptop_id}"), &phone, None).await;
    assert_eq!(s, 204);
    let (s, v) = f.call(Method::GET, "/v1/version", &laptop, None).await;
    assert_eq!(s, 401, "revoked: refused at once: {v}");
    assert_eq!(get_with(&f, "/v1/jobs", &by_laptop).await, 401, "a session signed in with it ends with it");
    let (s, _) = f.call(Method::GET, "/v1/version", &phone, None).await;
    assert_eq!(s, 200, "the other token still works");
    assert_eq!(get_with(&f, "/v1/jobs", &by_phone).await, 200, "and so does its session");
    assert_eq!(get_with(&f, "/v1/jobs", &by_password).await, 200, "and the password's");
    let (s, _) = f.call(Method::DELETE, &format!("/v1/users/erin/tokens/{laptop_id}"), &phone, None).await;
    assert_eq!(s, 404);
    let (s, v) = f.call(Method::POST, "/v1/users/erin/tokens", &phone, Some(json!({"label": ""}))).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("label")));
    let (s, v) =
        f.call(Method::POST, "/v1/users/erin/tokens", &phone, Some(json!({"label": "x", "scope": "all"}))).await;
    assert_eq!((s, v["type"].as_str()), (400, Some("urn:ferrofax:problem:malformed-request")));
    let (s, _) = f.call(Method::GET, "/v1/users/nobody/tokens", &f.admin, None).await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_cannot_manage_users_nor_other_users_tokens() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let frank = f.token_for("frank", "user").await;
    let admin_token_id = f.call(Method::GET, "/v1/users/admin/tokens", &f.admin, None).await.1[0]["id"].clone();
    let tries = [
        (Method::GET, "/v1/users".to_string(), None),
        (Method::POST, "/v1/users".into(), Some(json!({"name": "mallory", "role": "admin"}))),
        (Method::DELETE, "/v1/users/admin".into(), None),
        (Method::PUT, "/v1/users/admin/password".into(), Some(json!({"password": "taken over!"}))),
        (Method::GET, "/v1/users/admin/tokens".into(), None),
        (Method::POST, "/v1/users/admin/tokens".into(), Some(json!({"label": "mine now"}))),
        (Method::DELETE, format!("/v1/users/admin/tokens/{admin_token_id}"), None),
        (Method::GET, "/v1/users/nobody/tokens".into(), None),
    ];
    for (method, path, body) in tries {
        let (s, v) = f.call(method.clone(), &path, &frank, body).await;
        assert_eq!((s, v["type"].as_str()), (403, Some("urn:ferrofax:problem:forbidden")), "{method} {path}: {v}");
    }
    let (s, _) = f.call(Method::GET, "/v1/version", &f.admin, None).await;
    assert_eq!(s, 200, "the admin's token is untouched");
    let (s, v) = f.call(Method::GET, "/v1/users/frank/tokens", &frank, None).await;
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(1)), "frank sees his own");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_users_and_the_last_admin_stays() {
    let f = Faxd::start(loopback_config(1.0)).await;
    f.patch("/v1/server", json!({"pause_server_queue": true})).await;
    let job = f.submit_text(json!({"fax_number": "100"})).await[0];
    let (s, v) = f.call(Method::GET, "/v1/users", &f.admin, None).await;
    assert_eq!(s, 200);
    assert_eq!(
        v,
        json!([{"name": "admin", "role": "admin", "created_at": "2026-11-24T12:00:00Z", "has_password": false, "tokens": 1}])
    );
    make_user(&f, "root2", "admin", Some("second admin's password")).await;
    let cases = [
        (json!({"name": "root2", "role": "user"}), 409, "invalid-state", None),
        (json!({"name": "no spaces", "role": "user"}), 422, "invalid-value", Some("name")),
        (json!({"name": "ok", "role": "superuser"}), 422, "invalid-value", Some("role")),
        (json!({"name": "ok", "role": "user", "password": "short"}), 422, "invalid-value", Some("password")),
        (json!({"name": "okokokok", "role": "user", "password": "okokokok"}), 422, "invalid-value", Some("password")),
        (json!({"name": "ok", "role": "user", "email": "ok@example.com"}), 400, "malformed-request", None),
    ];
    for (body, status, kind, field) in cases {
        let (s, v) = f.call(Method::POST, "/v1/users", &f.admin, Some(body.clone())).await;
        assert_eq!(s, status, "{body}: {v}");
        assert_eq!(v["type"], format!("urn:ferrofax:problem:{kind}"), "{body}: {v}");
        assert_eq!(v["field"].as_str(), field, "{body}: {v}");
    }
    let (_, v) = f.call(Method::GET, "/v1/users", &f.admin, None).await;
    let root2 = v.as_array().unwrap().iter().find(|u| u["name"] == "root2").unwrap().clone();
    assert_eq!((root2["has_password"].as_bool(), root2["tokens"].as_u64()), (Some(true), Some(0)));

    let (s, v) = f.call(Method::DELETE, "/v1/users/admin", &f.admin, None).await;
    assert_eq!(s, 409, "not yourself: {v}");
    assert!(v["detail"].as_str().unwrap().contains("yourself"), "{v}");
    let root2 = sign_in(&f, json!({"user": "root2", "password": "second admin's password"})).await;
    let admin_session = sign_in(&f, json!({"token": f.admin})).await;
    let (s, _, v) = with_cookie(&f, Method::DELETE, "/v1/users/admin", &root2, Some(&root2.csrf), None, None).await;
    assert_eq!(s, 204, "{v}");
    let (s, _) = f.call(Method::GET, "/v1/version", &f.admin, None).await;
    assert_eq!(s, 401, "the deleted user's token dies with it");
    assert_eq!(get_with(&f, "/v1/jobs", &admin_session).await, 401, "and its sessions");
    let (s, _, v) = with_cookie(&f, Method::GET, &format!("/v1/jobs/{job}"), &root2, None, None, None).await;
    assert_eq!((s, v["user_name"].as_str()), (200, Some("admin")), "its jobs are kept: {v}");

    let (s, _, v) = with_cookie(&f, Method::DELETE, "/v1/users/root2", &root2, Some(&root2.csrf), None, None).await;
    assert_eq!(s, 409, "the last admin stays: {v}");
    assert!(v["detail"].as_str().unwrap().contains("last administrator"), "{v}");
    let (s, _, _) = with_cookie(&f, Method::DELETE, "/v1/users/nobody", &root2, Some(&root2.csrf), None, None).await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faxd_user_sets_passwords_read_from_standard_input() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let faxd = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_faxd"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env_remove("FAXD_CONFIG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, _, err) = faxd(&["user", "add", "gina", "--role", "user", "--password-stdin"], "short\n");
    assert!(!ok && err.contains("at least 8 characters"), "{err}");
    let (ok, out, err) = faxd(&["user", "add", "gina", "--role", "user", "--password-stdin"], "gina's first one\n");
    assert!(ok, "{err}");
    assert!(out.trim().starts_with("ffx_"), "the token is printed: {out}");
    let (ok, _, err) = faxd(&["user", "passwd", "gina"], " gina's second one \r\n");
    assert!(ok, "{err}");
    let (ok, _, err) = faxd(&["user", "passwd", "nobody"], "whatever it is\n");
    assert!(!ok && err.contains("does not exist"), "{err}");
    let (ok, out, _) = faxd(&["user", "list"], "");
    assert!(ok && out.contains("gina\tuser"), "{out}");

    let store = ferrofax_server::store::sqlite::SqliteStore::open(&dir.path().join("faxd.sqlite")).await.unwrap();
    let (_, hash) = store.user_credentials("gina").await.unwrap().unwrap();
    let hash = hash.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let verify = |p: &'static str| ferrofax_server::auth::passwords::verify(p, Some(hash.clone()));
    assert!(verify(" gina's second one ").await.unwrap(), "the line as given, spaces kept, line ending removed");
    assert!(!verify("gina's first one").await.unwrap());
}

/// Reads an event stream until it ends or `secs` pass; the text read and whether it ended.
async fn read_stream(r: reqwest::Response, secs: u64) -> (String, bool) {
    use futures_util::StreamExt;
    let mut text = String::new();
    let mut body = r.bytes_stream();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(chunk)) => text.push_str(&String::from_utf8_lossy(&chunk.unwrap())),
            Ok(None) => return (text, true),
            Err(_) => return (text, false),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_event_stream_ends_with_its_session_or_token() {
    let f = Faxd::start(loopback_config(1.0)).await;
    let s = sign_in(&f, json!({"token": f.admin})).await;
    let open = |rq: reqwest::RequestBuilder| async move {
        let r = rq.header("accept", "text/event-stream").send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r
    };
    let by_cookie = open(f.http.get(format!("{}/v1/events", f.url)).header("cookie", &s.cookie)).await;
    let (st, v) = f.call(Method::POST, "/v1/users/admin/tokens", &f.admin, Some(json!({"label": "feed"}))).await;
    assert_eq!(st, 201, "{v}");
    let token = v["token"].as_str().unwrap().to_string();
    let by_token = open(f.http.get(format!("{}/v1/events", f.url)).bearer_auth(&token)).await;
    let (st, _) = f.call(Method::PATCH, "/v1/server", &f.admin, Some(json!({"retries": 6}))).await;
    assert_eq!(st, 200);

    let (st, _, _) = with_cookie(&f, Method::DELETE, "/v1/session", &s, Some(&s.csrf), None, None).await;
    assert_eq!(st, 204);
    let (st, _) = f.call(Method::DELETE, &format!("/v1/users/admin/tokens/{}", v["id"]), &f.admin, None).await;
    assert_eq!(st, 204);
    // The next change is not sent to either: both streams end instead.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (st, _) = f.call(Method::PATCH, "/v1/server", &f.admin, Some(json!({"retries": 7}))).await;
    assert_eq!(st, 200);
    for (what, r) in [("cookie", by_cookie), ("token", by_token)] {
        let (text, ended) = read_stream(r, 10).await;
        assert!(ended, "the {what} stream ended: {text}");
        assert!(text.contains("\"retries\":6"), "the change before was sent ({what}): {text}");
        assert!(!text.contains("\"retries\":7"), "the change after was not ({what}): {text}");
    }
}
