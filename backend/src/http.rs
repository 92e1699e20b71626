//! The HTTP surface: [`router`] maps every route to its handler. Besides the
//! WebSocket (`/ws`) it serves the MJPEG stream at `/video_feed` (the
//! original app's URL), the newest frame at `/snapshot.jpg`, the state as
//! JSON at `/api/state`, `/healthz`, the original app's other URLs
//! (`compat.rs`; an unknown `/api/` path is a JSON 404), and the built web
//! app for every other path (client-side routes fall back to
//! `index.html`), and the HTTPS certificate pages `/tls`, `/ca.crt` and
//! `/ca.pem` (`tls/pages.rs`). Every request
//! passes the host and origin guards (`guard.rs`), is redirected to HTTPS
//! if it came over plain HTTP while HTTPS is on, and is identified
//! (`auth/`) first, and every response says `nosniff`, may not be framed
//! by another site, and carries the Content-Security-Policy (`csp.rs`).

use std::convert::Infallible;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream;
use serde_json::json;
use shared::{ServerState, mjpeg};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::camera::demand::Need;
use crate::error::ApiError;
use crate::state::AppState;
use crate::ws;

/// Builds the application's router.
pub fn router(app: AppState) -> Router {
    let index = app.frontend_dir.join("index.html");
    let csp = HeaderValue::from_str(&crate::csp::policy(&app.frontend_dir))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));
    let spa = crate::web_app::WebApp::new(ServeDir::new(&app.frontend_dir), ServeFile::new(index));
    Router::new()
        .route("/ws", get(ws::handler))
        .route("/video_feed", get(video_feed))
        .route("/snapshot.jpg", get(snapshot))
        .route("/api/state", get(api_state))
        .route("/healthz", get(healthz))
        .merge(crate::media_api::routes())
        .merge(crate::auth::routes::routes())
        .merge(crate::openapi::routes())
        .merge(crate::logs::routes())
        .merge(crate::audit::routes())
        .merge(crate::compat::routes())
        .merge(crate::tls::pages::routes())
        .fallback_service(spa)
        .layer(axum::extract::DefaultBodyLimit::max(app.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            crate::auth::routes::identify,
        ))
        // Plain HTTP beside HTTPS: redirected before anything else runs.
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            crate::tls::pages::redirect_plain,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            crate::guard::same_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            crate::guard::known_host,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .with_state(app)
}

const NO_STORE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "no-store");

/// `GET /video_feed`: every frame as one part of a
/// `multipart/x-mixed-replace` stream; a slow reader skips frames. The
/// stream ends when the server shuts down.
#[utoipa::path(get, path = "/video_feed", tag = "live", responses((status = 200, description = "multipart/x-mixed-replace; boundary=frame: one JPEG per part", content_type = "multipart/x-mixed-replace"), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody)))]
pub(crate) async fn video_feed(State(app): State<AppState>) -> Response {
    let frames = app.camera.frames();
    let shutdown = app.shutdown.clone();
    // JPEGs are encoded while the stream is open.
    let demand = app.camera.demand().take(Need::Jpeg);
    let parts = stream::unfold(
        (frames, shutdown, demand),
        |(mut frames, shutdown, demand)| async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return None,
                    changed = frames.changed() => {
                        changed.ok()?;
                        let part = frames.borrow_and_update().as_ref().map(|f| f.mjpeg_part.clone());
                        if let Some(part) = part {
                            return Some((Ok::<Bytes, Infallible>(part), (frames, shutdown, demand)));
                        }
                    }
                }
            }
        },
    );
    (
        [
            (header::CONTENT_TYPE, mjpeg::content_type().as_str()),
            NO_STORE,
        ],
        Body::from_stream(parts),
    )
        .into_response()
}

/// Response header of `/snapshot.jpg`: the frame's sequence number.
const SEQUENCE_HEADER: header::HeaderName = header::HeaderName::from_static("x-frame-sequence");
/// Response header of `/snapshot.jpg`: capture time, µs since the Unix epoch.
const CAPTURED_HEADER: header::HeaderName =
    header::HeaderName::from_static("x-capture-timestamp-us");

/// `GET /snapshot.jpg`: the newest frame (with its sequence number and
/// capture time as `X-Frame-Sequence` and `X-Capture-Timestamp-Us`), or 503
/// while the camera has none.
#[utoipa::path(get, path = "/snapshot.jpg", tag = "live", responses((status = 200, description = "The newest frame, with X-Frame-Sequence and X-Capture-Timestamp-Us", content_type = "image/jpeg"), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 503, description = "No frame yet", body = crate::error::ErrorBody)))]
pub(crate) async fn snapshot(State(app): State<AppState>) -> Result<Response, ApiError> {
    let frame = app
        .camera
        .current_jpeg()
        .await
        .map_err(|why| ApiError::NoFrame(why.0))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (SEQUENCE_HEADER, frame.header.sequence.to_string()),
            (CAPTURED_HEADER, frame.header.captured_us.to_string()),
        ],
        frame.jpeg(),
    )
        .into_response())
}

/// `GET /api/state`: what WebSocket clients receive on connect.
#[utoipa::path(get, path = "/api/state", tag = "live", responses((status = 200, body = shared::ServerState), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody)))]
pub(crate) async fn api_state(State(app): State<AppState>) -> Json<ServerState> {
    Json(app.state.borrow().clone())
}

/// `GET /healthz`: the server answers; the camera status is reported but a
/// camera problem does not make the server unhealthy.
#[utoipa::path(get, path = "/healthz", tag = "live", responses((status = 200, description = "{\"status\": \"ok\", \"camera\": \"live\"}", body = Object)))]
pub(crate) async fn healthz(State(app): State<AppState>) -> impl IntoResponse {
    let camera = app.state.borrow().camera.status;
    (
        [NO_STORE],
        Json(json!({ "status": "ok", "camera": camera })),
    )
}
