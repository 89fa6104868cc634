//! Browser sign-in: `POST /v1/session` signs in (user name and password, or an API token) and
//! sets the `ffx_session` cookie; `GET` tells who is signed in and the CSRF token to send with
//! changes; `DELETE` signs out and clears the cookie. Also the error answer shared by the
//! account endpoints ([`Refused`]).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ferrofax_api::{Problem, ProblemType, SessionView, SignIn};

use super::caller::{guard_change, same_origin, session_id, valid_session};
use super::{AppState, Http, parse_json};
use crate::auth::AuthError;
use crate::auth::sessions::{clearing_cookie, session_cookie};

/// An error answer of the account endpoints: a problem report, with `Retry-After` when too
/// many sign-ins failed.
#[derive(Debug)]
pub struct Refused(Response);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        self.0
    }
}

impl From<Http> for Refused {
    fn from(h: Http) -> Self {
        Refused(h.into_response())
    }
}

impl From<Problem> for Refused {
    fn from(p: Problem) -> Self {
        Http(p).into()
    }
}

impl From<AuthError> for Refused {
    fn from(e: AuthError) -> Self {
        let retry = match &e {
            AuthError::Throttled { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let mut r = Http(e.into()).into_response();
        if let Some(secs) = retry {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        Refused(r)
    }
}

/// Sign in with `user` and `password`, or with `token` (exactly one way). Sets the session
/// cookie `ffx_session` (`HttpOnly; SameSite=Strict; Path=/; Max-Age=…`, and `Secure` when
/// `http.secure_cookies` is on) and answers the session with its CSRF token. Five failed
/// passwords for one user name within 15 minutes lock that name until the oldest is 15 minutes
/// old (429 with `Retry-After`). A session this browser had before ends.
#[utoipa::path(post, path = "/v1/session", tag = "session", request_body = SignIn, security(()),
    responses(
        (status = 200, body = SessionView, headers(("Set-Cookie" = String, description = "ffx_session=<id>; HttpOnly; SameSite=Strict; Path=/; Max-Age=<seconds>"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 429, body = Problem, headers(("Retry-After" = u64, description = "seconds until another attempt is allowed")))))]
pub async fn sign_in(State(core): State<AppState>, parts: Parts, body: Bytes) -> Result<Response, Refused> {
    // A foreign page must not sign the browser in (to an account of the attacker's).
    same_origin(&parts)?;
    let request: SignIn = parse_json(&body, "the sign-in")?;
    let credentials =
        request.credentials().map_err(|e| Problem::new(ProblemType::MalformedRequest, format!("the sign-in: {e}")))?;
    let new = core.accounts.sign_in(credentials).await?;
    if let Ok(Some(old)) = valid_session(&parts, &core).await
        && let Err(e) = core.accounts.sign_out(&old).await
    {
        tracing::warn!(error = %e, "could not end the session signed in over");
    }
    let max_age = core.accounts.session_lifetime() / 1000;
    let cookie = session_cookie(&new.id, max_age, core.config.http.secure_cookies);
    let headers = [(header::SET_COOKIE, cookie), (header::CACHE_CONTROL, "no-store".into())];
    Ok((headers, Json(new.session.view())).into_response())
}

/// Who is signed in with this browser's session cookie, and the CSRF token to send as
/// `X-CSRF-Token` with changes. 401 when the cookie names no valid session (then the cookie is
/// cleared); a bearer token is not a session.
#[utoipa::path(get, path = "/v1/session", tag = "session", security(()),
    responses((status = 200, body = SessionView), (status = 401, body = Problem)))]
pub async fn get_session(State(core): State<AppState>, parts: Parts) -> Result<Response, Response> {
    match valid_session(&parts, &core).await {
        Ok(Some(session)) => Ok(([(header::CACHE_CONTROL, "no-store")], Json(session.view())).into_response()),
        Ok(None) => {
            let mut r = Http(Problem::new(ProblemType::Unauthorized, "not signed in")).into_response();
            if session_id(&parts.headers).is_some() {
                let clear = clearing_cookie(core.config.http.secure_cookies);
                r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&clear).expect("cookie text"));
            }
            Err(r)
        }
        Err(e) => Err(e.into_response()),
    }
}

/// Sign out: ends the session and clears the cookie (`Max-Age=0`). Like every change made with
/// the cookie it needs `X-CSRF-Token`. Without a valid session there is nothing to end: 204
/// all the same.
#[utoipa::path(delete, path = "/v1/session", tag = "session", security(()),
    responses((status = 204, description = "signed out; the cookie is cleared"), (status = 403, body = Problem)))]
pub async fn sign_out(State(core): State<AppState>, parts: Parts) -> Result<Response, Refused> {
    if let Some(session) = valid_session(&parts, &core).await? {
        guard_change(&parts, &session)?;
        core.accounts.sign_out(&session).await?;
    }
    let clear = clearing_cookie(core.config.http.secure_cookies);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}
