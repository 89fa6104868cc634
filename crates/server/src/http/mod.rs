//! The HTTP API under `/v1`: routing, authentication (bearer tokens and sign-in sessions, see
//! [`caller`]), problem responses and the OpenAPI document generated from the handlers'
//! annotations.

mod admin;
mod caller;
mod documents;
mod jobs;
mod session;
mod users;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use ferrofax_api::{PROBLEM_JSON, Problem, ProblemType};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ServiceError;
use crate::service::Core;

pub type AppState = Arc<Core>;

/// A problem report as a response.
#[derive(Debug)]
pub struct Http(pub Problem);

impl From<Problem> for Http {
    fn from(p: Problem) -> Self {
        Http(p)
    }
}

impl IntoResponse for Http {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = (status, Json(&self.0)).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"faxd\""));
        }
        r
    }
}

pub type HttpResult<T> = Result<T, Http>;

/// A service error at the edge: a refusal as its problem report; an internal failure logged
/// with its causes and answered without them.
impl From<ServiceError> for Http {
    fn from(e: ServiceError) -> Self {
        Http(match e {
            ServiceError::Refused { kind, detail, field } => {
                let p = Problem::new(kind, detail);
                match field {
                    Some(f) => p.with_field(&f),
                    None => p,
                }
            }
            e => internal_problem(&e),
        })
    }
}

impl From<crate::store::StoreError> for Http {
    fn from(e: crate::store::StoreError) -> Self {
        Http(internal_problem(&e))
    }
}

impl From<crate::auth::AuthError> for Http {
    fn from(e: crate::auth::AuthError) -> Self {
        Http(e.into())
    }
}

/// An internal failure: logged with its causes, answered without them.
pub fn internal_problem(e: &(dyn std::error::Error + 'static)) -> Problem {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    tracing::error!(error = %text, "internal error");
    Problem::new(ProblemType::Internal, "the server failed to do this; its log has the details")
}

impl From<crate::auth::AuthError> for Problem {
    fn from(e: crate::auth::AuthError) -> Self {
        let detail = e.to_string();
        let (kind, field) = match &e {
            crate::auth::AuthError::BadName(_) => (ProblemType::InvalidValue, Some("name")),
            crate::auth::AuthError::BadRole(_) => (ProblemType::InvalidValue, Some("role")),
            crate::auth::AuthError::BadPassword(_) => (ProblemType::InvalidValue, Some("password")),
            crate::auth::AuthError::BadLabel(_) => (ProblemType::InvalidValue, Some("label")),
            crate::auth::AuthError::CurrentPasswordNeeded => (ProblemType::InvalidValue, Some("current_password")),
            crate::auth::AuthError::WrongCurrentPassword => (ProblemType::Forbidden, Some("current_password")),
            crate::auth::AuthError::RoleMismatch(..) | crate::auth::AuthError::UserExists(_) => {
                (ProblemType::InvalidState, None)
            }
            crate::auth::AuthError::LastAdmin(_) | crate::auth::AuthError::DeleteSelf => {
                (ProblemType::InvalidState, None)
            }
            crate::auth::AuthError::NoSuchUser(_) | crate::auth::AuthError::NoSuchToken(_) => {
                (ProblemType::NotFound, None)
            }
            crate::auth::AuthError::WrongPassword | crate::auth::AuthError::BadToken => {
                (ProblemType::Unauthorized, None)
            }
            crate::auth::AuthError::Throttled { .. } => (ProblemType::TooManyRequests, None),
            crate::auth::AuthError::Forbidden(_) => (ProblemType::Forbidden, None),
            crate::auth::AuthError::Hash(_) | crate::auth::AuthError::Store(_) | crate::auth::AuthError::Io(_) => {
                return internal_problem(&e);
            }
        };
        let p = Problem::new(kind, detail);
        match field {
            Some(f) => p.with_field(f),
            None => p,
        }
    }
}

/// Turns every error response that is not already a problem report (the extractors' own
/// rejections of a bad path, query or body, an unknown method) into one, so that clients see
/// one error format everywhere.
async fn problems_everywhere(resp: Response) -> Response {
    let status = resp.status();
    let is_problem = resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return resp;
    }
    let allow = resp.headers().get(header::ALLOW).cloned();
    let body = axum::body::to_bytes(resp.into_body(), 64 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&body).trim().to_string();
    let kind = match status.as_u16() {
        404 => ProblemType::NotFound,
        413 => ProblemType::TooLarge,
        415 => ProblemType::UnsupportedFormat,
        422 => ProblemType::InvalidValue,
        401 => ProblemType::Unauthorized,
        403 => ProblemType::Forbidden,
        409 => ProblemType::InvalidState,
        429 => ProblemType::TooManyRequests,
        s if s >= 500 => ProblemType::Internal,
        _ => ProblemType::MalformedRequest,
    };
    let detail = match (status.as_u16(), text.is_empty()) {
        (405, _) => format!(
            "this endpoint does not take that method{}",
            allow.as_ref().and_then(|a| a.to_str().ok()).map(|a| format!("; it takes {a}")).unwrap_or_default()
        ),
        (_, true) => status.canonical_reason().unwrap_or("error").to_string(),
        (_, false) => text,
    };
    let mut problem = Problem::new(kind, detail);
    problem.status = status.as_u16();
    let mut r = Http(problem).into_response();
    if let Some(a) = allow {
        r.headers_mut().insert(header::ALLOW, a);
    }
    r
}

/// Parses a JSON body strictly (unknown fields refused), answering errors as problems.
pub fn parse_json<T: DeserializeOwned>(body: &[u8], what: &str) -> HttpResult<T> {
    serde_json::from_slice(body)
        .map_err(|e| Http(Problem::new(ProblemType::MalformedRequest, format!("{what} is not valid: {e}"))))
}

/// The multipart body of `POST /v1/jobs` and `POST /v1/previews`, as the OpenAPI document
/// describes it. The handlers read the parts one by one (`jobs::read_upload`); this type is
/// never built.
#[derive(utoipa::ToSchema)]
#[allow(dead_code, reason = "describes a request body in the OpenAPI document only")]
struct FaxUpload {
    /// The FaxDoc as JSON: one recipient in the flat fields or several in `recipients`.
    fax: ferrofax_api::SubmitRequest,
    /// The document to send: PDF, PostScript/EPS, TIFF, PNG, JPEG, GIF, BMP, WebP or UTF-8
    /// text. The part's file name becomes the document's name.
    #[schema(value_type = String, format = Binary)]
    document: Vec<u8>,
    /// A personal cover page template (SVG or UTF-8 text with `{field}` placeholders), needed
    /// when `send_coverpage` is set and `server_coverpage` is not.
    #[schema(value_type = String, format = Binary, required = false)]
    coverpage: Vec<u8>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "ferrofax faxd API", description = "The fax server object model (FaxServer, FaxDoc, FaxJob, FaxPort, FaxStatus, routing methods) over HTTP. Errors are application/problem+json with a stable `type`."),
    modifiers(&Authentication),
    security(("bearer" = []), ("session" = []))
)]
struct ApiDoc;

/// The two ways to authenticate: a bearer token, or the session cookie of `POST /v1/session`
/// (whose changes also need `X-CSRF-Token`).
struct Authentication;

impl utoipa::Modify for Authentication {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                ferrofax_api::SESSION_COOKIE,
                "The sign-in session of POST /v1/session. Changes (any method but GET, HEAD, OPTIONS) \
                 also need the session's csrf_token in the X-CSRF-Token header, and an Origin, if sent, \
                 of this server's host and port.",
            ))),
        );
    }
}

/// The whole HTTP application.
pub fn router(core: AppState) -> Router {
    let limit = core.config.limits.max_upload_bytes;
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(admin::version))
        .routes(routes!(admin::get_server, admin::patch_server))
        .routes(routes!(admin::coverpages))
        .routes(routes!(jobs::submit, jobs::list))
        .routes(routes!(jobs::get_job, jobs::delete_job))
        .routes(routes!(jobs::command))
        .routes(routes!(jobs::page))
        .routes(routes!(documents::job_document))
        .routes(routes!(documents::preview))
        .routes(routes!(jobs::attempts))
        .routes(routes!(admin::list_ports))
        .routes(routes!(admin::get_port, admin::patch_port))
        .routes(routes!(admin::port_status))
        .routes(routes!(admin::get_routing, admin::patch_routing))
        .routes(routes!(admin::inbox))
        .routes(routes!(admin::inbox_document))
        .routes(routes!(admin::inbox_download))
        .routes(routes!(admin::events))
        .routes(routes!(session::sign_in, session::get_session, session::sign_out))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::delete_user))
        .routes(routes!(users::change_password))
        .routes(routes!(users::list_tokens, users::create_token))
        .routes(routes!(users::revoke_token))
        .split_for_parts();
    let api = Arc::new(api);
    router
        .route(
            "/v1/openapi.json",
            axum::routing::get(move || {
                let api = api.clone();
                async move { Json(api.as_ref().clone()) }
            }),
        )
        .merge(ferrofax_console::router())
        .fallback(|| async { Http(Problem::new(ProblemType::NotFound, "no such endpoint; see /v1/openapi.json")) })
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::map_response(problems_everywhere))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(core)
}
