//! Guards every request before its handler: a request that can change
//! something (any method but GET, HEAD and OPTIONS) and every WebSocket
//! upgrade must come from the rig's own pages. A browser says where a
//! request comes from (`Origin`, `Sec-Fetch-Site`); when it names another
//! site, the request is refused with `forbidden` and nothing runs, so a
//! page elsewhere on the network cannot drive the rig through a visitor's
//! browser (cross-site request forgery, WebSocket hijacking). Same origin
//! means the `Origin`'s host and port equal the request's `Host`; origins
//! of a reverse proxy can be allowed with `server.allowed_origins`.
//! Requests that carry neither header do not come from a web page (curl,
//! scripts) and pass.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// The middleware: refuses cross-origin changes and upgrades.
pub async fn same_origin(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let upgrade = request.headers().contains_key(header::UPGRADE);
    if safe && !upgrade {
        return next.run(request).await;
    }
    match check(request.headers(), &app.allowed_origins) {
        Ok(()) => next.run(request).await,
        Err(why) => {
            tracing::warn!(
                method = %request.method(),
                path = request.uri().path(),
                "refused: {why}"
            );
            ApiError::Forbidden(why).into_response()
        }
    }
}

/// Whether a request with `headers` may change something; the reason if
/// not. `allowed` holds extra origins such as `https://rig.example.org`.
pub fn check(headers: &HeaderMap, allowed: &[String]) -> Result<(), String> {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = text(header::ORIGIN);
    match (origin, fetch_site) {
        (None, None) | (None, Some("same-origin" | "none")) => Ok(()),
        (None, Some(site)) => Err(format!(
            "a request from another site ({site}) cannot change anything here"
        )),
        (Some(origin), _) => {
            let host = text(header::HOST).unwrap_or_default();
            if same_origin_as(origin, host)
                || allowed
                    .iter()
                    .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin))
            {
                Ok(())
            } else {
                Err(format!(
                    "a page from {origin} cannot change anything on this server; \
                     add it to server.allowed_origins if a proxy serves the page"
                ))
            }
        }
    }
}

/// Whether `origin` (`scheme://host[:port]`) names the server at `host`
/// (`host[:port]`, as in the `Host` header).
fn same_origin_as(origin: &str, host: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https") && !host.is_empty() && rest.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn own_pages_and_scripts_pass() {
        let allowed = [];
        for ok in [
            headers(&[
                ("host", "127.0.0.1:5000"),
                ("origin", "http://127.0.0.1:5000"),
            ]),
            headers(&[("host", "Rig.Local"), ("origin", "http://rig.local")]),
            headers(&[("host", "rig.local"), ("sec-fetch-site", "same-origin")]),
            headers(&[("host", "rig.local")]),
        ] {
            assert_eq!(check(&ok, &allowed), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn other_sites_are_refused_unless_allowed() {
        let none: [String; 0] = [];
        for refused in [
            headers(&[
                ("host", "127.0.0.1:5000"),
                ("origin", "http://evil.example"),
            ]),
            headers(&[
                ("host", "127.0.0.1:5000"),
                ("origin", "http://127.0.0.1:5001"),
            ]),
            headers(&[("host", "127.0.0.1:5000"), ("origin", "null")]),
            headers(&[("host", "rig.local"), ("sec-fetch-site", "cross-site")]),
            headers(&[("host", "rig.local"), ("sec-fetch-site", "same-site")]),
            headers(&[("origin", "http://rig.local")]),
        ] {
            assert!(check(&refused, &none).is_err(), "{refused:?}");
        }
        let proxy = headers(&[
            ("host", "127.0.0.1:5000"),
            ("origin", "https://rig.example.org"),
        ]);
        assert!(check(&proxy, &none).is_err());
        assert_eq!(
            check(&proxy, &["https://rig.example.org/".to_owned()]),
            Ok(())
        );
    }
}
