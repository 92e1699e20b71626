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
//!
//! Every request must also name this server in its `Host` header
//! ([`known_host`]): an IP address, `localhost`, the machine's host name
//! (with or without `.local`), or a name in `server.allowed_hosts`. A page
//! that re-points its own domain name at the rig (DNS rebinding) would be
//! same-origin with itself, but its requests carry its own domain in `Host`
//! and are refused.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// The middleware: refuses cross-origin changes and upgrades.
pub async fn same_origin(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let upgrade = request.headers().contains_key(header::UPGRADE);
    if !changes(request.method()) && !upgrade {
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

/// Whether a request with `method` may change something (any method but
/// GET, HEAD and OPTIONS).
pub fn changes(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The middleware: refuses requests addressed to a host name that is not
/// this server's.
pub async fn known_host(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().host());
    match host {
        Some(host) if !host_allowed(host, machine_name(), &app.allowed_hosts) => {
            tracing::warn!(
                host,
                path = request.uri().path(),
                "refused: unknown host name"
            );
            ApiError::Forbidden(format!(
                "this server does not answer to the host name {host:?}; \
                 add it to server.allowed_hosts if it is the rig's name"
            ))
            .into_response()
        }
        _ => next.run(request).await,
    }
}

/// The machine's host name, lower case: read once, not on every request.
fn machine_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .to_ascii_lowercase()
    })
}

/// Whether `host` (a `Host` header: name or address, perhaps with a port)
/// names this server, called `machine` here.
fn host_allowed(host: &str, machine: &str, allowed: &[String]) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [v6]:port
        return rest
            .split(']')
            .next()
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok());
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return true;
    }
    name == "localhost"
        || name.ends_with(".localhost")
        || (!machine.is_empty()
            && (name == machine || name.strip_suffix(".local") == Some(machine)))
        || allowed.contains(&name)
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
    fn only_this_servers_names_are_answered() {
        let allowed = ["rig.example.org".to_owned()];
        for ok in [
            "192.168.1.20:5000",
            "127.0.0.1",
            "[::1]:5000",
            "[fe80::1]",
            "localhost:5000",
            "LOCALHOST",
            "app.localhost",
            "scope:5000",
            "scope.local",
            "Scope.Local.",
            "rig.example.org",
            "rig.example.org:443",
        ] {
            assert!(host_allowed(ok, "scope", &allowed), "{ok}");
        }
        for refused in [
            "evil.example",
            "evil.example:5000",
            "192.168.1.20.evil.example",
            "scope.evil.example",
            "[not-an-ip]",
            "example.org",
        ] {
            assert!(!host_allowed(refused, "scope", &allowed), "{refused}");
        }
        assert!(!host_allowed("anything", "", &[]));
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
