//! Document endpoints: the preview of a fax before it is submitted, and a job's or a received
//! fax's whole document as one TIFF or PDF file.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use ferrofax_api::{DocumentFormat, PreviewResponse, Problem};
use serde::Deserialize;

use super::jobs::{invalid, malformed, read_upload};
use super::{AppState, HttpResult};
use crate::auth::Caller;
use crate::pages::DocumentFile;

/// Preview a fax: the same multipart body as `POST /v1/jobs` (parts `fax`, `document`,
/// optional `coverpage`), checked and converted exactly as a submission is, with the same
/// problems; nothing is stored and no job is made. Answers the page count of each
/// recipient's fax and its first 20 pages as 400-pixel-wide PNG thumbnails, drawn as they
/// will be sent (the cover page filled for the first recipient, the branding line when
/// Branding is on).
#[utoipa::path(post, path = "/v1/previews", tag = "jobs",
    request_body(content = super::FaxUpload, content_type = "multipart/form-data",
        description = "the same parts as `POST /v1/jobs`: `fax` (the FaxDoc as JSON), `document` and optionally `coverpage`",
        encoding(("fax" = (content_type = "application/json")))),
    responses((status = 200, body = PreviewResponse), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn preview(State(core): State<AppState>, caller: Caller, mp: Multipart) -> HttpResult<Json<PreviewResponse>> {
    let up = read_upload(mp).await?;
    Ok(Json(core.submissions.preview(&caller, up).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// `tiff`: a multi-page TIFF Class F with the fax's metadata; `pdf`: one PDF page per
    /// fax page.
    format: Option<String>,
    /// Outgoing faxes: `true` gives the pages as they go (or went) on the line, with the
    /// branding line when the Branding setting is on; without it, the pages as stored.
    sent: Option<bool>,
}

impl FormatQuery {
    /// Whether the pages are wanted as sent.
    pub fn sent(&self) -> bool {
        self.sent.unwrap_or(false)
    }

    /// The format asked for, or `default`; an unknown one is a 422.
    pub fn format_or(&self, default: DocumentFormat) -> HttpResult<DocumentFormat> {
        match self.format.as_deref() {
            None => Ok(default),
            Some(f) => DocumentFormat::parse(f.trim())
                .ok_or_else(|| invalid("format", format!("format must be `tiff` or `pdf`, not `{f}`"))),
        }
    }
}

/// A job's whole document: for an outgoing fax its cover page and document pages as stored
/// (the branding line is drawn while sending, so it is not on them), or with `?sent=true` as
/// they go on the line; for a received fax its pages as they arrived. The same callers may
/// fetch it as may see the job's pages.
#[utoipa::path(get, path = "/v1/jobs/{id}/document", tag = "jobs",
    params(("id" = i64, Path, description = "job id"), FormatQuery),
    responses((status = 200, content_type = "image/tiff", body = Vec<u8>), (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn job_document(
    State(core): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    q: Result<Query<FormatQuery>, axum::extract::rejection::QueryRejection>,
) -> HttpResult<impl IntoResponse> {
    let Query(q) = q.map_err(|e| malformed(e.body_text()))?;
    let format = q.format_or(DocumentFormat::Tiff)?;
    Ok(file_response(id, core.pages.job_document(&caller, id, format, q.sent()).await?))
}

/// A document as a download named `fax-<id>.tif` or `fax-<id>.pdf`.
pub fn file_response(id: i64, file: DocumentFile) -> impl IntoResponse {
    let disposition = format!("attachment; filename=\"fax-{id}.{}\"", file.format.extension());
    (
        [(header::CONTENT_TYPE, file.format.media_type().to_string()), (header::CONTENT_DISPOSITION, disposition)],
        file.bytes,
    )
}
