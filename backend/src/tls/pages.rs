//! The HTTP side of HTTPS: `GET /tls`, a plain page (no script, nothing
//! loaded from elsewhere) that says how to install the rig's certificate
//! authority on Android, iPhone and iPad, and computers; `GET /ca.crt`, the
//! authority itself (DER, `application/x-x509-ca-cert`, which both phones'
//! installers take); `GET /ca.pem`, the same as PEM for `curl --cacert`;
//! and [`redirect_plain`], the middleware that sends plain-HTTP requests to
//! the same address over HTTPS. The three pages answer over plain HTTP
//! too, without login: a phone needs them before it trusts the rig.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::Https;
use crate::error::ApiError;
use crate::state::AppState;

/// Paths answered over plain HTTP even when HTTPS is on.
pub const PLAIN_PATHS: &[&str] = &["/tls", "/ca.crt", "/ca.pem"];

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tls", get(page))
        .route("/ca.crt", get(ca_der))
        .route("/ca.pem", get(ca_pem))
}

/// The middleware: with HTTPS on, a request that came over plain HTTP is
/// answered with 308 to the same host, port, path and query over HTTPS
/// (not cached, so turning HTTPS off later leaves no browser stuck on
/// it), except the pages in [`PLAIN_PATHS`]. A plain request that carries
/// a key (`Authorization`, or the original URLs' `?key=`) is refused
/// instead: the key already crossed the network in clear, and a redirect
/// would echo it back and let the script carry on unaware.
pub async fn redirect_plain(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if app.tls.is_none()
        || request.extensions().get::<Https>().is_some()
        || PLAIN_PATHS.contains(&request.uri().path())
    {
        return next.run(request).await;
    }
    let key_in_query = request
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|pair| pair.starts_with("key=")));
    if key_in_query || request.headers().contains_key(header::AUTHORIZATION) {
        return ApiError::BadRequest(
            "this rig answers over HTTPS, and this request sent a key over plain HTTP, where \
             anyone on the network can read it: use the https:// address, and change the key"
                .into(),
        )
        .into_response();
    }
    let target = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|host| {
            let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
            format!("https://{host}{path}")
        })
        .and_then(|url| HeaderValue::from_str(&url).ok());
    match target {
        Some(location) => (
            StatusCode::PERMANENT_REDIRECT,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        None => ApiError::BadRequest(
            "this rig answers over HTTPS; use an https:// address with its host name".into(),
        )
        .into_response(),
    }
}

/// The authority's certificate, or `not_found` saying why there is none.
fn authority(app: &AppState) -> Result<&super::AuthorityCert, ApiError> {
    match &app.tls {
        None => Err(ApiError::NotFound(
            "HTTPS is off on this rig (tls.mode), so it has no certificate authority to install"
                .into(),
        )),
        Some(public) => public.authority.as_ref().ok_or_else(|| {
            ApiError::NotFound(
                "this rig serves a configured certificate (tls.cert), not one of its own \
                 authority; nothing to install"
                    .into(),
            )
        }),
    }
}

/// `GET /ca.crt`: the rig's certificate authority (DER), for phones to
/// install.
#[utoipa::path(get, path = "/ca.crt", tag = "https", responses((status = 200, description = "The rig's certificate authority, DER", content_type = "application/x-x509-ca-cert"), (status = 404, description = "HTTPS is off, or the certificate is a configured one", body = crate::error::ErrorBody)))]
pub(crate) async fn ca_der(State(app): State<AppState>) -> Result<Response, ApiError> {
    let cert = authority(&app)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-x509-ca-cert"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"camrig-ca.crt\"",
            ),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        cert.der.clone(),
    )
        .into_response())
}

/// `GET /ca.pem`: the same authority as PEM text.
#[utoipa::path(get, path = "/ca.pem", tag = "https", responses((status = 200, description = "The rig's certificate authority, PEM", content_type = "application/x-pem-file"), (status = 404, description = "HTTPS is off, or the certificate is a configured one", body = crate::error::ErrorBody)))]
pub(crate) async fn ca_pem(State(app): State<AppState>) -> Result<Response, ApiError> {
    let cert = authority(&app)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-pem-file"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        cert.pem.clone(),
    )
        .into_response())
}

/// `GET /tls`: how to install the authority, in plain words.
#[utoipa::path(get, path = "/tls", tag = "https", responses((status = 200, description = "How to install the rig's certificate authority on phones and computers", content_type = "text/html")))]
pub(crate) async fn page(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("this rig");
    let body = match authority(&app) {
        Ok(cert) => install_page(&escape(host), &cert.fingerprint),
        Err(ApiError::NotFound(why)) => format!("<p>{}.</p>", escape(&why)),
        Err(_) => String::new(),
    };
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Html(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>Install the rig's certificate</title><style>{STYLE}</style></head>\
             <body><main><h1>Install the rig's certificate</h1>{body}</main></body></html>"
        )),
    )
        .into_response()
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;color:#222;background:#fafafa}\
main{max-width:40rem;margin:auto}h2{margin-top:2rem}code{word-break:break-all}\
.download{display:inline-block;padding:.75rem 1.25rem;background:#0b5cad;color:#fff;border-radius:.5rem;text-decoration:none;font-weight:600}\
@media(prefers-color-scheme:dark){body{color:#eee;background:#181818}a{color:#8cc4ff}.download{color:#fff}}";

fn install_page(host: &str, fingerprint: &str) -> String {
    format!(
        "<p>This rig serves its pages over HTTPS with a certificate from its own small \
         certificate authority, made on the rig. Install that authority once on each phone, \
         tablet or computer; after that the browser opens <a href=\"https://{host}/\" \
         data-testid=\"https-link\">https://{host}/</a> without a warning, and what needs a \
         secure connection (smooth video decoding, adding the app to the home screen) works.</p>\
         <p><a class=\"download\" href=\"/ca.crt\" data-testid=\"download\">Download the \
         certificate</a></p>\
         <p>Its SHA-256 fingerprint, which the phone shows in the certificate's details and the \
         rig prints at start-up (<code>camrig tls init</code>):<br>\
         <code data-testid=\"fingerprint\">{fingerprint}</code></p>\
         <p>The authority can only vouch for this rig's local names and private network \
         addresses, and its key never leaves the rig, so trusting it lets nothing else \
         pretend to be another website.</p>\
         <h2>Android</h2><ol>\
         <li>Tap <b>Download the certificate</b> above (the file is camrig-ca.crt).</li>\
         <li>Open <b>Settings</b> and search for <b>CA certificate</b> (usually Security \
         &amp; privacy &rarr; More security settings &rarr; Encryption &amp; credentials \
         &rarr; Install a certificate &rarr; CA certificate).</li>\
         <li>Tap <b>Install anyway</b>, unlock the phone, and pick camrig-ca.crt from \
         Downloads.</li>\
         <li>Open <a href=\"https://{host}/\">https://{host}/</a> in Chrome. Firefox needs \
         one more switch: Settings &rarr; About Firefox, tap the logo five times, then \
         Settings &rarr; Secret settings &rarr; Use third party CA certificates.</li></ol>\
         <h2>iPhone and iPad</h2><ol>\
         <li>Open this page in <b>Safari</b>, tap <b>Download the certificate</b> and \
         <b>Allow</b> the configuration profile.</li>\
         <li>Open <b>Settings</b>: tap <b>Profile Downloaded</b> near the top (or General \
         &rarr; VPN &amp; Device Management), pick the camrig profile and tap \
         <b>Install</b> (twice), with your passcode.</li>\
         <li>Go to Settings &rarr; General &rarr; About &rarr; <b>Certificate Trust \
         Settings</b> and switch on full trust for the camrig local authority.</li>\
         <li>Open <a href=\"https://{host}/\">https://{host}/</a>.</li></ol>\
         <h2>Computers</h2><ul>\
         <li>Chrome and Edge: Settings &rarr; Privacy and security &rarr; Security &rarr; \
         Manage certificates &rarr; import camrig-ca.crt as a trusted authority (on \
         Windows: Trusted Root Certification Authorities).</li>\
         <li>Firefox: Settings &rarr; Privacy &amp; Security &rarr; Certificates &rarr; View \
         Certificates &rarr; Authorities &rarr; Import, and tick <i>Trust this CA to \
         identify websites</i>.</li>\
         <li>macOS Safari: open camrig-ca.crt in Keychain Access (System keychain), open the \
         certificate and set <i>When using this certificate</i> to Always Trust.</li></ul>\
         <h2>Removing it</h2><p>In the same settings (on iPhone: VPN &amp; Device \
         Management), remove the camrig profile or certificate when you no longer use the \
         rig.</p>"
    )
}

/// `text` with the characters HTML gives a meaning replaced.
fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_is_escaped() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
        let page = install_page(&escape("rig.local:5000"), "AB:CD");
        assert!(page.contains("https://rig.local:5000/"));
        assert!(page.contains("AB:CD"));
    }
}
