//! Server, port, routing, inbox and event endpoints.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use ferrofax_api::{
    DocumentFormat, FaxStatus, InboxFax, PortPatch, PortView, Problem, ProblemType, RoutingMethodPatch,
    RoutingMethodView, ServerSettings, SettingsPatch, VersionInfo,
};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::caller::Recheck;
use super::documents::{FormatQuery, file_response};
use super::{AppState, HttpResult, parse_json};
use crate::auth::Caller;
use crate::events::{Published, from_row};
use crate::pages::DocumentFile;

/// The handshake of FaxServer.Connect: product, version, time zone and who the token is.
#[utoipa::path(get, path = "/v1/version", tag = "server", responses((status = 200, body = VersionInfo)))]
pub async fn version(State(core): State<AppState>, caller: Caller) -> Json<VersionInfo> {
    Json(VersionInfo {
        product: "ferrofax".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        api: ferrofax_api::API_VERSION,
        time_zone: core.config.time_zone.clone(),
        user: caller.user.clone(),
        role: caller.role().into(),
    })
}

/// The server's common cover page templates (name them in `coverpage_name` with
/// `server_coverpage`).
#[utoipa::path(get, path = "/v1/coverpages", tag = "server", responses((status = 200, body = Vec<ferrofax_api::CoverPageTemplate>)))]
pub async fn coverpages(
    State(core): State<AppState>,
    _caller: Caller,
) -> HttpResult<Json<Vec<ferrofax_api::CoverPageTemplate>>> {
    let dir = core.data_dir.join("coverpages");
    let list = crate::coverpage::list(&dir).map_err(|e| {
        tracing::error!(dir = %dir.display(), "listing cover pages: {e}");
        ferrofax_api::Problem::new(ferrofax_api::ProblemType::Internal, "the cover page folder cannot be read")
    })?;
    Ok(Json(list))
}

/// The FaxServer properties.
#[utoipa::path(get, path = "/v1/server", tag = "server", responses((status = 200, body = ServerSettings)))]
pub async fn get_server(State(core): State<AppState>, _caller: Caller) -> Json<ServerSettings> {
    Json((*core.settings.snapshot()).clone())
}

/// Change FaxServer properties (admins). Validated, persisted and effective at once.
#[utoipa::path(patch, path = "/v1/server", tag = "server", request_body = SettingsPatch,
    responses((status = 200, body = ServerSettings), (status = 422, body = Problem), (status = 403, body = Problem)))]
pub async fn patch_server(
    State(core): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Json<ServerSettings>> {
    let patch: SettingsPatch = parse_json(&body, "the settings change")?;
    Ok(Json(core.admin.patch_settings(&caller, &patch).await?))
}

/// The fax lines, in priority order.
#[utoipa::path(get, path = "/v1/ports", tag = "ports", responses((status = 200, body = Vec<PortView>)))]
pub async fn list_ports(State(core): State<AppState>, caller: Caller) -> Json<Vec<PortView>> {
    Json(core.admin.list_ports(&caller))
}

#[utoipa::path(get, path = "/v1/ports/{id}", tag = "ports", responses((status = 200, body = PortView), (status = 404, body = Problem)))]
pub async fn get_port(
    State(core): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> HttpResult<Json<PortView>> {
    Ok(Json(core.admin.get_port(&caller, &id)?))
}

/// Change a port (admins). A new priority renumbers the other ports.
#[utoipa::path(patch, path = "/v1/ports/{id}", tag = "ports", request_body = PortPatch,
    responses((status = 200, body = PortView), (status = 422, body = Problem)))]
pub async fn patch_port(
    State(core): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> HttpResult<Json<PortView>> {
    let patch: PortPatch = parse_json(&body, "the port change")?;
    Ok(Json(core.admin.patch_port(&caller, &id, &patch).await?))
}

/// The live state of a port (FaxStatus).
#[utoipa::path(get, path = "/v1/ports/{id}/status", tag = "ports", responses((status = 200, body = FaxStatus)))]
pub async fn port_status(
    State(core): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> HttpResult<Json<FaxStatus>> {
    Ok(Json(core.admin.port_status(&id)?))
}

/// The routing methods of a port.
#[utoipa::path(get, path = "/v1/ports/{id}/routing", tag = "ports", responses((status = 200, body = Vec<RoutingMethodView>)))]
pub async fn get_routing(
    State(core): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> HttpResult<Json<Vec<RoutingMethodView>>> {
    Ok(Json(core.admin.routing_methods(&caller, &id).await?))
}

/// Enable, disable or configure routing methods of a port (admins).
#[utoipa::path(patch, path = "/v1/ports/{id}/routing", tag = "ports", request_body = Vec<RoutingMethodPatch>,
    responses((status = 200, body = Vec<RoutingMethodView>), (status = 422, body = Problem)))]
pub async fn patch_routing(
    State(core): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> HttpResult<Json<Vec<RoutingMethodView>>> {
    let patches: Vec<RoutingMethodPatch> = parse_json(&body, "the routing change")?;
    Ok(Json(core.admin.patch_routing(&caller, &id, &patches).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// Faxes with ids below this (the last `job_id` of the previous page).
    after: Option<i64>,
    limit: Option<u32>,
    /// Only faxes holding this text (at most 100 characters; case-insensitive; `%` and `_` as
    /// themselves) in the sender's TSID, the caller id, the number called or the CSID.
    q: Option<String>,
}

/// Received faxes, newest first.
#[utoipa::path(get, path = "/v1/inbox", tag = "inbox", params(InboxQuery),
    responses((status = 200, body = Vec<InboxFax>), (status = 422, body = Problem)))]
pub async fn inbox(
    State(core): State<AppState>,
    _caller: Caller,
    Query(q): Query<InboxQuery>,
) -> HttpResult<Json<Vec<InboxFax>>> {
    Ok(Json(core.admin.inbox(q.after, q.limit.unwrap_or(100), q.q.as_deref()).await?))
}

/// A received fax with its metadata: a multi-page TIFF Class F, or with `format=pdf` a PDF.
#[utoipa::path(get, path = "/v1/inbox/{id}/document", tag = "inbox", params(("id" = i64, Path), FormatQuery),
    responses((status = 200, content_type = "image/tiff", body = Vec<u8>), (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn inbox_document(
    State(core): State<AppState>,
    _caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<FormatQuery>,
) -> HttpResult<impl IntoResponse> {
    let format = q.format_or(DocumentFormat::Tiff)?;
    if q.sent() {
        let why = "sent applies to outgoing faxes; a received fax is as it arrived";
        return Err(super::Http(Problem::new(ProblemType::InvalidValue, why).with_field("sent")));
    }
    Ok(file_response(id, core.pages.received_file(id, format).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DownloadQuery {
    /// When the link stops working, unix seconds.
    expires: i64,
    /// HMAC-SHA256 (hex) of the fax and the expiry under the server's link secret.
    signature: String,
}

/// A received fax as TIFF by a signed, expiring link, without a token (webhooks carry such
/// links). A changed, foreign or expired link is refused with 403.
#[utoipa::path(get, path = "/v1/inbox/{id}/download", tag = "inbox", params(DownloadQuery), security(()),
    responses((status = 200, content_type = "image/tiff", body = Vec<u8>), (status = 403, body = Problem)))]
pub async fn inbox_download(
    State(core): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DownloadQuery>,
) -> HttpResult<impl IntoResponse> {
    core.routing
        .links
        .check(id, q.expires, &q.signature, core.now())
        .map_err(|e| Problem::new(ProblemType::Forbidden, e.to_string()))?;
    let bytes = core.pages.received_document(id).await?;
    Ok(file_response(id, DocumentFile { bytes, format: DocumentFormat::Tiff }))
}

/// Server-sent events: every job, port and settings change. Resume with `Last-Event-ID`. The
/// stream ends when its token is revoked or its session ends (checked before sending more).
#[utoipa::path(get, path = "/v1/events", tag = "events", responses((status = 200, content_type = "text/event-stream", body = String)))]
pub async fn events(
    State(core): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let last: i64 = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| core.events.next_id() - 1);
    let (tx, rx) = tokio::sync::mpsc::channel::<SseEvent>(256);
    // A revoked token or an ended session stops the stream before it sends more.
    let mut recheck = Recheck::new(&headers);
    // The stream ends when faxd stops, so that a stop never waits for a client to go away.
    let stopping = core.shutdown.clone();
    let pump = async move {
        let mut last = last;
        let send = |p: &Published| SseEvent::default().id(p.id.to_string()).event(p.kind).data(p.json.clone());
        'outer: loop {
            let (backlog, mut live) = core.events.subscribe(last);
            let backlog = match backlog {
                Some(b) => b.into_iter().map(|p| (*p).clone()).collect::<Vec<_>>(),
                None => match core.store.events_after(last, 10_000).await {
                    Ok(rows) => rows.iter().map(from_row).collect(),
                    Err(_) => break,
                },
            };
            for p in backlog {
                if p.id > last {
                    last = p.id;
                    if p.visible_to(&caller.user, caller.admin)
                        && (!recheck.still_valid(&core).await || tx.send(send(&p)).await.is_err())
                    {
                        break 'outer;
                    }
                }
            }
            loop {
                match live.recv().await {
                    Ok(p) if p.id > last => {
                        last = p.id;
                        if p.visible_to(&caller.user, caller.admin)
                            && (!recheck.still_valid(&core).await || tx.send(send(&p)).await.is_err())
                        {
                            break 'outer;
                        }
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => continue 'outer,
                    Err(RecvError::Closed) => break 'outer,
                }
            }
        }
    };
    tokio::spawn(async move {
        tokio::select! {
            _ = stopping.cancelled() => {}
            _ = pump => {}
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
