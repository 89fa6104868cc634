//! Job endpoints: submit (multipart), list (with search), show, commands, delete, pages.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use ferrofax_api::{
    Attempt, JobCommand, JobList, JobState, JobType, JobView, Problem, ProblemType, SubmitRequest, SubmitResponse,
};
use serde::Deserialize;

use super::{AppState, Http, HttpResult, parse_json};
use crate::auth::Caller;
use crate::store::{JobFilter, SearchFields};
use crate::submit::Upload;

pub(super) fn malformed(detail: String) -> Http {
    Http(Problem::new(ProblemType::MalformedRequest, detail))
}

pub(super) fn invalid(field: &str, detail: String) -> Http {
    Http(Problem::new(ProblemType::InvalidValue, detail).with_field(field))
}

/// Submit a fax: multipart with a `fax` part (JSON FaxDoc) and a `document` part; optional
/// `coverpage` part. One job per recipient. An `Idempotency-Key` header makes a repeat
/// return the same jobs.
#[utoipa::path(post, path = "/v1/jobs", tag = "jobs",
    request_body(content = super::FaxUpload, content_type = "multipart/form-data",
        description = "the parts `fax` (the FaxDoc as JSON), `document` (the file) and optionally `coverpage`",
        encoding(("fax" = (content_type = "application/json")))),
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a repeated submission return the same jobs")),
    responses((status = 201, body = SubmitResponse), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn submit(
    State(core): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    mp: Multipart,
) -> HttpResult<impl IntoResponse> {
    let mut up = read_upload(mp).await?;
    up.idempotency_key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_string))
        .transpose()
        .map_err(|_| malformed("Idempotency-Key must be ASCII".into()))?;
    let resp = core.submissions.submit(&caller, up).await?;
    Ok((StatusCode::CREATED, Json(resp)))
}

/// Reads the multipart body of a submission or a preview: the `fax` part (the FaxDoc as
/// JSON), the `document` part and an optional `coverpage` part.
pub(super) async fn read_upload(mut mp: Multipart) -> HttpResult<Upload> {
    let mut request: Option<SubmitRequest> = None;
    let mut document: Option<(Vec<u8>, String)> = None;
    let mut coverpage = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(e)),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().unwrap_or("document").to_string();
        let bytes = field.bytes().await.map_err(multipart_error)?;
        match name.as_str() {
            "fax" => request = Some(parse_json(&bytes, "the `fax` part")?),
            "document" => document = Some((bytes.to_vec(), file_name)),
            "coverpage" => coverpage = Some(bytes.to_vec()),
            other => {
                return Err(malformed(format!("unknown multipart part `{other}`; parts are fax, document, coverpage")));
            }
        }
    }
    let request =
        request.ok_or_else(|| malformed("the multipart body has no `fax` part (the FaxDoc as JSON)".into()))?;
    let (document, document_name) =
        document.ok_or_else(|| malformed("the multipart body has no `document` part".into()))?;
    Ok(Upload { request, document, document_name, coverpage, idempotency_key: None })
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> Http {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Http(Problem::new(
            ProblemType::TooLarge,
            "the upload is larger than the configured limit (limits.max_upload_bytes)",
        ))
    } else {
        malformed(format!("malformed multipart body: {}", e.body_text()))
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Comma-separated states (pending, in_progress, retrying, …).
    state: Option<String>,
    /// Comma-separated types (send, receive, routing, fail_receive).
    #[serde(rename = "type")]
    job_type: Option<String>,
    owner: Option<String>,
    /// Jobs with ids below this (the `next_after` of the previous page).
    after: Option<i64>,
    limit: Option<u32>,
    /// Only jobs holding this text (at most 100 characters; case-insensitive; `%` and `_` as
    /// themselves) in the fax number, recipient name, remote identity (TSID/CSID), billing
    /// code, sender name or document name.
    q: Option<String>,
}

/// List jobs, newest first (paginated).
#[utoipa::path(get, path = "/v1/jobs", tag = "jobs", params(ListQuery),
    responses((status = 200, body = JobList), (status = 422, body = Problem)))]
pub async fn list(
    State(core): State<AppState>,
    caller: Caller,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> HttpResult<Json<JobList>> {
    let Query(q) = q.map_err(|e| malformed(e.body_text()))?;
    let mut filter = JobFilter {
        owner: q.owner,
        before: q.after,
        limit: q.limit.unwrap_or(100),
        search: crate::queue::search(q.q.as_deref(), SearchFields::Jobs)?,
        ..Default::default()
    };
    for s in q.state.iter().flat_map(|s| s.split(',')).filter(|s| !s.is_empty()) {
        filter.states.push(JobState::parse(s).ok_or_else(|| malformed(format!("unknown state `{s}`")))?);
    }
    for t in q.job_type.iter().flat_map(|s| s.split(',')).filter(|s| !s.is_empty()) {
        let t = match t {
            "send" => JobType::Send,
            "receive" => JobType::Receive,
            "routing" => JobType::Routing,
            "fail_receive" => JobType::FailReceive,
            other => return Err(malformed(format!("unknown type `{other}`"))),
        };
        filter.types.push(t);
    }
    Ok(Json(core.jobs.list(&caller, filter).await?))
}

/// One job.
#[utoipa::path(get, path = "/v1/jobs/{id}", tag = "jobs", responses((status = 200, body = JobView), (status = 404, body = Problem)))]
pub async fn get_job(State(core): State<AppState>, caller: Caller, Path(id): Path<i64>) -> HttpResult<Json<JobView>> {
    Ok(Json(core.jobs.get(&caller, id).await?))
}

/// Delete an ended job and its files.
#[utoipa::path(delete, path = "/v1/jobs/{id}", tag = "jobs", responses((status = 204), (status = 409, body = Problem)))]
pub async fn delete_job(State(core): State<AppState>, caller: Caller, Path(id): Path<i64>) -> HttpResult<StatusCode> {
    core.jobs.command(&caller, id, JobCommand::Delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pause, resume, cancel or restart a job (FaxJob.SetStatus). Illegal in the job's state → 409.
#[utoipa::path(post, path = "/v1/jobs/{id}/{command}", tag = "jobs",
    params(("id" = i64, Path), ("command" = String, Path, description = "pause, resume, cancel or restart")),
    responses((status = 200, body = JobView), (status = 409, body = Problem)))]
pub async fn command(
    State(core): State<AppState>,
    caller: Caller,
    Path((id, command)): Path<(i64, String)>,
) -> HttpResult<Json<JobView>> {
    let cmd = JobCommand::parse(&command).filter(|c| *c != JobCommand::Delete).ok_or_else(|| {
        Http(Problem::new(
            ProblemType::NotFound,
            format!("no job command `{command}`; commands are pause, resume, cancel, restart"),
        ))
    })?;
    let view = core.jobs.command(&caller, id, cmd).await?.expect("not a delete");
    Ok(Json(view))
}

/// The attempts (calls) of a job, oldest first.
#[utoipa::path(get, path = "/v1/jobs/{id}/attempts", tag = "jobs", responses((status = 200, body = Vec<Attempt>), (status = 404, body = Problem)))]
pub async fn attempts(
    State(core): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> HttpResult<Json<Vec<Attempt>>> {
    Ok(Json(core.jobs.attempts(&caller, id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// For `.png` only: the picture's width in pixels, 50–1728 (8-bit grey, square pixels);
    /// without it the page is drawn one pixel per fax pixel in 1 bit.
    width: Option<String>,
    /// `true`: the page as it goes (or went) on the line, with the branding line when the
    /// Branding setting is on (dated and identified as the job's last call was, or would be
    /// now); without it, the page as stored.
    sent: Option<bool>,
}

impl PageQuery {
    /// The width asked for; its range is checked by [`crate::pages::Pages::page_png`].
    fn width(&self, png: bool) -> HttpResult<Option<u32>> {
        let Some(w) = self.width.as_deref() else {
            return Ok(None);
        };
        if !png {
            return Err(invalid("width", "width applies to PNG pictures only (`…/pages/N.png?width=W`)".into()));
        }
        let (lo, hi) = ferrofax_api::document::PAGE_PNG_WIDTHS.into_inner();
        w.trim()
            .parse::<u32>()
            .map(Some)
            .map_err(|_| invalid("width", format!("width must be a number of pixels from {lo} to {hi}, not `{w}`")))
    }
}

/// Page `n` (1-based) of a job's document: `…/pages/3` (or `3.tif`) is the single-page TIFF
/// as stored, `…/pages/3.png` a PNG preview with square pixels (`?width=` scales it). Both are
/// the page as stored; `?sent=true` gives it as it goes on the line (branding line included).
#[utoipa::path(get, path = "/v1/jobs/{id}/pages/{n}", tag = "jobs",
    params(("id" = i64, Path, description = "job id"), ("n" = String, Path, description = "page number from 1, optionally with .tif or .png"), PageQuery),
    responses((status = 200, content_type = "image/tiff", body = Vec<u8>), (status = 200, content_type = "image/png", body = Vec<u8>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn page(
    State(core): State<AppState>,
    caller: Caller,
    Path((id, n)): Path<(i64, String)>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> HttpResult<impl IntoResponse> {
    let Query(q) = q.map_err(|e| malformed(e.body_text()))?;
    let (number, png) = match (n.strip_suffix(".png"), n.strip_suffix(".tif")) {
        (Some(num), _) => (num, true),
        (None, Some(num)) => (num, false),
        (None, None) => (n.as_str(), false),
    };
    let number: u32 = number.parse().map_err(|_| {
        Problem::new(
            ProblemType::NotFound,
            format!("`{n}` is not a page: pages are numbers from 1, like `1`, `1.tif` or `1.png`"),
        )
    })?;
    let width = q.width(png)?;
    if png {
        let bytes = core.pages.page_png(&caller, id, number, width, q.sent.unwrap_or(false)).await?;
        return Ok(([(header::CONTENT_TYPE, "image/png")], bytes));
    }
    let bytes = core.pages.page(&caller, id, number, q.sent.unwrap_or(false)).await?;
    Ok(([(header::CONTENT_TYPE, "image/tiff")], bytes))
}
