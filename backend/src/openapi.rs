//! The API description, generated from the code: every HTTP route's
//! `#[utoipa::path]` and the shared types' schemas, including every
//! WebSocket message (`ClientMessage` with its `Command`, `ServerMessage`).
//! Served as OpenAPI 3.1 JSON at `/api/openapi.json` and as a plain,
//! self-contained page at `/api/docs` (no scripts, nothing fetched from
//! elsewhere, so it works on a network without Internet).

use std::fmt::Write;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::state::AppState;

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "camrig",
        description = "Camera rig server: live picture, captures, light and heart rate. \
                       Viewers may GET; every change needs an operator (a session cookie \
                       from /api/login, or the operator key or an API token as a bearer token)."
    ),
    paths(
        crate::ws::handler,
        crate::http::video_feed,
        crate::http::snapshot,
        crate::http::api_state,
        crate::http::healthz,
        crate::media_api::list,
        crate::media_api::one,
        crate::media_api::update,
        crate::media_api::delete,
        crate::media_api::untracked,
        crate::media_api::import,
        crate::media_api::reset,
        crate::media_api::file,
        crate::media_api::heart,
        crate::media_api::heart_csv,
        crate::media_api::thumbnail,
        crate::media_api::action,
        crate::media_api::legacy_list,
        crate::compat::media_file,
        crate::compat::controller_data,
        crate::tls::pages::page,
        crate::tls::pages::ca_der,
        crate::tls::pages::ca_pem,
        crate::auth::routes::login,
        crate::auth::routes::logout,
        crate::auth::routes::session,
        crate::auth::routes::list_tokens,
        crate::auth::routes::create_token,
        crate::auth::routes::revoke_token,
        crate::logs::server_log,
        crate::logs::stream_log,
        crate::logs::system_log,
        crate::audit::list,
        openapi_json,
        docs,
    ),
    components(schemas(
        shared::ClientMessage,
        shared::Command,
        shared::ServerMessage,
        shared::MediaEvent,
        shared::ErrorCode,
    )),
    modifiers(&Security),
    security(("bearer" = []), ("session" = []), ()),
)]
pub struct ApiDoc;

/// Adds the two ways to be an operator.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The operator key, or a named API token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::routes::COOKIE,
            ))),
        );
    }
}

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/docs", get(docs))
}

/// `GET /api/openapi.json`: this document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "docs", responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub(crate) async fn openapi_json() -> Response {
    match document().to_pretty_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(err) => {
            crate::error::ApiError::internal("cannot write the API document", err).into_response()
        }
    }
}

/// `GET /api/docs`: the document as a page.
#[utoipa::path(get, path = "/api/docs", tag = "docs", responses((status = 200, description = "HTML", content_type = "text/html")))]
pub(crate) async fn docs() -> Html<String> {
    Html(page(document()))
}

/// The document, built once.
fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: std::sync::LazyLock<utoipa::openapi::OpenApi> =
        std::sync::LazyLock::new(ApiDoc::openapi);
    &DOCUMENT
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page: each route with its summary, parameters, body and answers,
/// then every schema as JSON.
fn page(doc: &utoipa::openapi::OpenApi) -> String {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>camrig API</title><style>body{font:15px/1.45 system-ui,sans-serif;\
         max-width:60rem;margin:auto;padding:1rem}code,pre{font:13px ui-monospace,monospace}\
         pre{background:#f4f4f4;padding:.5rem;overflow:auto}h3{margin-bottom:.2rem}\
         .m{display:inline-block;min-width:4.5rem;font-weight:bold}</style></head><body>",
    );
    let _ = write!(
        html,
        "<h1>{} API</h1><p>{}</p><p>The same document as JSON: \
         <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p><h2>Routes</h2>",
        escape(&doc.info.title),
        escape(doc.info.description.as_deref().unwrap_or_default())
    );
    for (path, item) in &doc.paths.paths {
        let operations = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
            ("PUT", &item.put),
        ];
        for (method, operation) in operations {
            let Some(op) = operation else { continue };
            let _ = write!(
                html,
                "<h3 id=\"{method}{path}\"><span class=\"m\">{method}</span><code>{}</code></h3>",
                escape(path)
            );
            let text = op
                .description
                .as_deref()
                .or(op.summary.as_deref())
                .unwrap_or_default();
            let _ = write!(html, "<p>{}</p>", escape(text));
            if let Some(params) = &op.parameters {
                html.push_str("<p>Parameters: ");
                for p in params {
                    let _ = write!(html, "<code>{}</code> ", escape(&p.name));
                }
                html.push_str("</p>");
            }
            if op.request_body.is_some() {
                html.push_str("<p>Takes a JSON body (see the schemas below).</p>");
            }
            html.push_str("<ul>");
            for (status, response) in &op.responses.responses {
                let description = match response {
                    utoipa::openapi::RefOr::T(r) => r.description.clone(),
                    utoipa::openapi::RefOr::Ref(r) => r.ref_location.clone(),
                };
                let _ = write!(
                    html,
                    "<li><code>{}</code> {}</li>",
                    escape(status),
                    escape(&description)
                );
            }
            html.push_str("</ul>");
        }
    }
    html.push_str("<h2>Schemas</h2>");
    if let Some(components) = &doc.components {
        for (name, schema) in &components.schemas {
            let json = serde_json::to_string_pretty(schema).unwrap_or_default();
            let _ = write!(
                html,
                "<h3 id=\"{0}\">{0}</h3><pre>{1}</pre>",
                escape(name),
                escape(&json)
            );
        }
    }
    html.push_str("</body></html>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_of_the_router_is_described() {
        let doc = ApiDoc::openapi();
        let paths: Vec<&str> = doc.paths.paths.keys().map(String::as_str).collect();
        for route in [
            "/ws",
            "/video_feed",
            "/snapshot.jpg",
            "/api/state",
            "/healthz",
            "/api/media",
            "/api/media/{id}",
            "/api/media/untracked",
            "/api/media/import",
            "/api/media/reset",
            "/api/media/{id}/file",
            "/api/media/{id}/thumbnail",
            "/api/media/{id}/heart",
            "/api/media/{id}/heart.csv",
            "/api/actions/{name}",
            "/get_database",
            "/get_controller_data",
            "/media/{file}",
            "/api/login",
            "/api/logout",
            "/api/session",
            "/api/tokens",
            "/api/tokens/{name}",
            "/api/openapi.json",
            "/api/docs",
            "/api/logs",
            "/api/logs/stream",
            "/api/logs/system",
            "/api/audit",
            "/tls",
            "/ca.crt",
            "/ca.pem",
        ] {
            assert!(paths.contains(&route), "{route} is not in {paths:?}");
        }
        let schemas = &doc.components.as_ref().unwrap().schemas;
        for name in [
            "Command",
            "ClientMessage",
            "ServerMessage",
            "ServerState",
            "ErrorBody",
        ] {
            assert!(schemas.contains_key(name), "no schema {name}");
        }
    }

    #[test]
    fn every_websocket_command_is_in_the_command_schema() {
        let doc = ApiDoc::openapi();
        let schema = serde_json::to_string(&doc.components.unwrap().schemas["Command"]).unwrap();
        for command in shared::Command::examples() {
            let tag = serde_json::to_value(&command).unwrap()["cmd"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(schema.contains(&format!("\"{tag}\"")), "{tag} missing");
        }
    }

    #[test]
    fn the_page_lists_routes_and_schemas_escaped() {
        let html = page(&ApiDoc::openapi());
        assert!(html.contains("<code>/api/media/{id}</code>"));
        assert!(html.contains("<h3 id=\"Command\">Command</h3>"));
        assert!(!html.contains("<script"));
    }
}
