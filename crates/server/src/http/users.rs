//! Users and their API tokens: `/v1/users` (admins), `/v1/users/{name}/password` and
//! `/v1/users/{name}/tokens` (admins for anyone, users for themselves).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use ferrofax_api::{NewToken, NewUser, PasswordChange, Problem, TokenCreated, TokenView, UserCreated, UserView};

use super::caller::valid_session;
use super::session::Refused;
use super::{AppState, parse_json};
use crate::auth::Caller;

/// Every user with its role, creation time, whether it has a password and how many tokens
/// (admins).
#[utoipa::path(get, path = "/v1/users", tag = "users",
    responses((status = 200, body = Vec<UserView>), (status = 403, body = Problem)))]
pub async fn list_users(State(core): State<AppState>, caller: Caller) -> Result<Json<Vec<UserView>>, Refused> {
    Ok(Json(core.accounts.list_users(&caller).await?))
}

/// Make a user (admins). Without a password the user can use only tokens (made with
/// `POST /v1/users/{name}/tokens`).
#[utoipa::path(post, path = "/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserCreated), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "the name is taken"),
        (status = 422, body = Problem, description = "a bad name, role or password; `field` names it")))]
pub async fn create_user(
    State(core): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<UserCreated>), Refused> {
    let new: NewUser = parse_json(&body, "the new user")?;
    Ok((StatusCode::CREATED, Json(core.accounts.create_user(&caller, &new).await?)))
}

/// Delete a user (admins) with its tokens and sessions, which stop working at once. Not
/// yourself, not the last admin (409). The user's jobs are kept.
#[utoipa::path(delete, path = "/v1/users/{name}", tag = "users", params(("name" = String, Path, description = "user name")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_user(
    State(core): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, Refused> {
    core.accounts.delete_user(&caller, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set a user's password: admins anyone's; users their own, with `current_password`. Ends
/// the user's other sign-in sessions (the one making the change stays).
#[utoipa::path(put, path = "/v1/users/{name}/password", tag = "users", request_body = PasswordChange,
    params(("name" = String, Path, description = "user name")),
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "the new password breaks a rule, or current_password is missing"),
        (status = 429, body = Problem)))]
pub async fn change_password(
    State(core): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    parts: Parts,
    body: Bytes,
) -> Result<StatusCode, Refused> {
    let change: PasswordChange = parse_json(&body, "the password change")?;
    let session = valid_session(&parts, &core).await?.filter(|s| s.user == caller.user);
    core.accounts.change_password(&caller, &name, &change, session.as_ref().map(|s| s.hash.as_str())).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user's API tokens (admins, or the user): ids and labels, never the tokens.
#[utoipa::path(get, path = "/v1/users/{name}/tokens", tag = "users", params(("name" = String, Path, description = "user name")),
    responses((status = 200, body = Vec<TokenView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_tokens(
    State(core): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Vec<TokenView>>, Refused> {
    Ok(Json(core.accounts.list_tokens(&caller, &name).await?))
}

/// Give a user a new API token (admins, or the user); the answer shows it this once.
#[utoipa::path(post, path = "/v1/users/{name}/tokens", tag = "users", request_body = NewToken,
    params(("name" = String, Path, description = "user name")),
    responses((status = 201, body = TokenCreated), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_token(
    State(core): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<TokenCreated>), Refused> {
    let new: NewToken = parse_json(&body, "the new token")?;
    Ok((StatusCode::CREATED, Json(core.accounts.create_token(&caller, &name, &new.label).await?)))
}

/// Revoke a token (admins, or the user): the next request with it is refused.
#[utoipa::path(delete, path = "/v1/users/{name}/tokens/{id}", tag = "users",
    params(("name" = String, Path, description = "user name"), ("id" = i64, Path, description = "token id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_token(
    State(core): State<AppState>,
    caller: Caller,
    Path((name, id)): Path<(String, i64)>,
) -> Result<StatusCode, Refused> {
    core.accounts.revoke_token(&caller, &name, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
