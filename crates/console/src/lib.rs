//! The web console: the pages, scripts and styles of faxd's browser interface, embedded in the
//! binary at build time (gzip-compressed, with ETags) and served at `/` beside the API. The
//! console is a client of the `/v1` API like any other: it signs in with a session cookie and
//! follows `/v1/events`; it holds no server logic of its own.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// An embedded file.
#[derive(Debug)]
pub struct Asset {
    /// Its path under `/console/` (`index.html` is also `/`).
    pub path: &'static str,
    pub content_type: &'static str,
    pub etag: &'static str,
    pub body: &'static [u8],
    /// The same, gzip-compressed.
    pub gzip: &'static [u8],
}

/// Every asset of the console.
pub static ASSETS: &[Asset] = include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// What the pages may load and talk to: only this server (no inline script, no CDN).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

/// The asset at `path`, if there is one.
pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// The console's routes: `/` (the page) and `/console/{file}` (its scripts and styles).
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/", get(|headers: HeaderMap| async move { serve("index.html", &headers) })).route(
        "/console/{*file}",
        get(|Path(file): Path<String>, headers: HeaderMap| async move { serve(&file, &headers) }),
    )
}

fn serve(path: &str, headers: &HeaderMap) -> Response {
    let Some(a) = asset(path) else {
        return (StatusCode::NOT_FOUND, format!("the console has no file `{path}`")).into_response();
    };
    let mut r = if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == a.etag.as_bytes()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if accepts_gzip(headers) {
        let mut r = a.gzip.into_response();
        r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        a.body.into_response()
    };
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(a.content_type));
    h.insert(header::ETAG, HeaderValue::from_static(a.etag));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    // Revalidated every time (cheap with the ETag), so an upgraded faxd is seen at once.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    r
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|part| {
            let mut it = part.split(';');
            let coding = it.next().unwrap_or("").trim();
            let refused = it.any(|p| p.trim().replace(' ', "") == "q=0");
            (coding == "gzip" || coding == "*") && !refused
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_files_are_embedded() {
        let index = asset("index.html").expect("index.html");
        let html = std::str::from_utf8(index.body).unwrap();
        // Every script and style the page names is embedded.
        for part in html.split("/console/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(asset(name).is_some(), "index.html names {name}, which is not embedded");
        }
        assert!(asset("../Cargo.toml").is_none());
    }

    #[test]
    fn the_first_load_is_well_under_200_kb_compressed() {
        // Everything the console has, as a browser gets it on a first visit: an upper bound.
        let total: usize = ASSETS.iter().map(|a| a.gzip.len()).sum();
        assert!(total < 200 * 1024, "{total} bytes compressed");
    }

    #[test]
    fn gzip_is_given_to_those_who_take_it() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            m
        };
        assert!(accepts_gzip(&h("gzip, deflate, br")));
        assert!(accepts_gzip(&h("br;q=1.0, gzip;q=0.8")));
        assert!(!accepts_gzip(&h("gzip;q=0, br")));
        assert!(!accepts_gzip(&h("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
