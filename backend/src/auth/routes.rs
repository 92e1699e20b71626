//! The HTTP side of access: the [`identify`] middleware, which turns what
//! every request presents (a bearer token, a session cookie, or nothing)
//! into a [`Caller`], refuses the viewing routes to a caller without a
//! role and every change (any method but GET, HEAD, OPTIONS, except
//! logging in and out) to a caller below operator; and the routes `POST /api/login` (a key for a session cookie:
//! HttpOnly, SameSite=Strict, Secure behind HTTPS, with an expiry),
//! `POST /api/logout`, `GET /api/session`, and the named API tokens under
//! `/api/tokens`, which go through the command door like every change.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Router};
use serde::Deserialize;
use serde_json::Value;
use shared::Command;
use shared::auth::{LoginRequest, SessionInfo};
use shared::commands::Role;

use super::Presented;
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::tls::Https;

/// The session cookie's name.
pub const COOKIE: &str = "camrig_session";

/// Who sent a request: what it presented and from where. Its role is looked
/// up when a command runs ([`Caller::role`]).
#[derive(Debug, Clone)]
pub struct Caller {
    /// The credential.
    pub presented: Presented,
    /// The client's address.
    pub peer: Option<IpAddr>,
}

impl Caller {
    /// The caller's role now, or `unauthorized` when the rig needs a key
    /// it has not shown.
    pub fn role(&self, app: &AppState) -> Result<Role, ApiError> {
        app.auth.role_of(&self.presented).ok_or_else(needs_key)
    }
}

fn needs_key() -> ApiError {
    ApiError::Unauthorized(
        "this rig asks for a key before viewing: log in with the viewer or operator key".into(),
    )
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::internal("no caller", "identify middleware missing"))
    }
}

/// Paths anyone may reach whatever the role: the login itself, the
/// health check, and the web app's files (so the login form can show).
fn open_path(path: &str) -> bool {
    matches!(
        path,
        "/api/login"
            | "/api/logout"
            | "/api/session"
            | "/healthz"
            | "/api/openapi.json"
            | "/api/docs"
    ) || !(path.starts_with("/api/")
        || matches!(
            path,
            "/ws" | "/video_feed" | "/snapshot.jpg" | "/get_database"
        ))
}

/// The value of cookie `name` in the `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// What the request presents; a wrong bearer token is an error.
fn presented(
    app: &AppState,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
) -> Result<Presented, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let text = value.to_str().unwrap_or_default();
        let Some(secret) = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
        else {
            return Err(ApiError::Unauthorized(
                "use Authorization: Bearer <operator key or API token>".into(),
            ));
        };
        return app.auth.bearer(secret.trim(), peer);
    }
    Ok(cookie(headers, COOKIE).map_or(Presented::Anonymous, |s| app.auth.cookie(s)))
}

/// The middleware: identifies the caller and refuses viewing to a caller
/// without a role.
pub async fn identify(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let presented = match presented(&app, request.headers(), peer) {
        Ok(p) => p,
        Err(err) => return err.into_response(),
    };
    let role = app.auth.role_of(&presented);
    let path = request.uri().path();
    if role.is_none() && !open_path(path) {
        return needs_key().into_response();
    }
    // Every change is an operator's (the command door checks each one
    // again); only logging in and out is for everyone.
    if crate::guard::changes(request.method())
        && role < Some(Role::Operator)
        && !matches!(path, "/api/login" | "/api/logout")
    {
        let what = format!("{} {path}", request.method());
        return crate::dispatch::forbidden(&what, Role::Operator).into_response();
    }
    request.extensions_mut().insert(Caller { presented, peer });
    next.run(request).await
}

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/session", get(session))
        .route("/api/tokens", get(list_tokens).post(create_token))
        .route("/api/tokens/{name}", delete(revoke_token))
}

/// Whether the page was reached over HTTPS through a proxy (a request
/// that came over this server's own TLS carries [`Https`]).
fn over_https(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    text("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"))
        || text("origin").is_some_and(|o| o.starts_with("https://"))
}

/// A `Set-Cookie` value for the session cookie; `None` clears it.
fn set_cookie(secret: Option<&str>, max_age: u64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    let value = match secret {
        Some(secret) => format!(
            "{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
        ),
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&value).ok()
}

/// `POST /api/login` `{"key": "..."}`: a session for the operator or viewer
/// key. Wrong keys are throttled per address.
#[utoipa::path(post, path = "/api/login", tag = "access", request_body = shared::auth::LoginRequest, responses((status = 200, description = "Logged in; Set-Cookie carries the session", body = shared::auth::SessionInfo), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 429, description = "Too many tries or commands", body = crate::error::ErrorBody)))]
pub(crate) async fn login(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    tls: Option<Extension<Https>>,
    Json(request): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let login = app.auth.login(request.key.trim(), caller.peer)?;
    let max_age = app.auth.session_ttl().as_secs();
    let mut response = Json(login.info).into_response();
    if let Some(cookie) = set_cookie(
        Some(&login.secret),
        max_age,
        tls.is_some() || over_https(&headers),
    ) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `POST /api/logout`: ends the session and clears its cookie.
#[utoipa::path(post, path = "/api/logout", tag = "access", responses((status = 200, body = shared::auth::SessionInfo)))]
pub(crate) async fn logout(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    tls: Option<Extension<Https>>,
) -> Response {
    app.auth.logout(&caller.presented);
    let info = app.auth.info(&Presented::Anonymous);
    let mut response = Json(info).into_response();
    if let Some(cookie) = set_cookie(None, 0, tls.is_some() || over_https(&headers)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// `GET /api/session`: the caller's role and how it was granted.
#[utoipa::path(get, path = "/api/session", tag = "access", responses((status = 200, body = shared::auth::SessionInfo)))]
pub(crate) async fn session(State(app): State<AppState>, caller: Caller) -> Json<SessionInfo> {
    Json(app.auth.info(&caller.presented))
}

/// Body of `POST /api/tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenRequest {
    name: String,
}

/// `GET /api/tokens` (operators): the named API tokens.
#[utoipa::path(get, path = "/api/tokens", tag = "access", responses((status = 200, body = Vec<shared::auth::ApiToken>), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 403, description = "Not for this role, foreign origin or host", body = crate::error::ErrorBody)))]
pub(crate) async fn list_tokens(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    crate::dispatch::run(&app, &caller, Command::ListTokens)
        .await
        .map(Json)
}

/// `POST /api/tokens` `{"name": "..."}` (operators): a new token; its
/// secret is in this answer only.
#[utoipa::path(post, path = "/api/tokens", tag = "access", request_body = TokenRequest, responses((status = 201, body = shared::auth::NewApiToken), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 403, description = "Not for this role, foreign origin or host", body = crate::error::ErrorBody), (status = 409, description = "Conflicts with the current state", body = crate::error::ErrorBody)))]
pub(crate) async fn create_token(
    State(app): State<AppState>,
    caller: Caller,
    Json(request): Json<TokenRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let command = Command::CreateToken { name: request.name };
    let made = crate::dispatch::run(&app, &caller, command).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// `DELETE /api/tokens/{name}` (operators): revokes a token.
#[utoipa::path(delete, path = "/api/tokens/{name}", tag = "access", params(("name" = String, Path, description = "The token's name")), responses((status = 204, description = "Revoked"), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 403, description = "Not for this role, foreign origin or host", body = crate::error::ErrorBody), (status = 404, description = "No such entry", body = crate::error::ErrorBody)))]
pub(crate) async fn revoke_token(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    crate::dispatch::run(&app, &caller, Command::RevokeToken { name }).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewing_routes_need_a_role_the_app_and_login_do_not() {
        for open in [
            "/",
            "/gallery",
            "/pkg/app.wasm",
            "/api/login",
            "/api/session",
            "/healthz",
        ] {
            assert!(open_path(open), "{open}");
        }
        for closed in [
            "/ws",
            "/video_feed",
            "/snapshot.jpg",
            "/api/media",
            "/api/state",
            "/get_database",
            "/api/tokens",
        ] {
            assert!(!open_path(closed), "{closed}");
        }
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; camrig_session=xyz; b=2"),
        );
        assert_eq!(cookie(&headers, COOKIE), Some("xyz"));
        let value = set_cookie(Some("s"), 60, false).unwrap();
        assert_eq!(
            value.to_str().unwrap(),
            "camrig_session=s; Path=/; HttpOnly; SameSite=Strict; Max-Age=60"
        );
        assert!(
            set_cookie(None, 0, true)
                .unwrap()
                .to_str()
                .unwrap()
                .ends_with("Max-Age=0; Secure")
        );
    }
}
