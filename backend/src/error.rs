//! The HTTP error policy: handlers return [`ApiError`], which answers with a
//! status, a stable machine-readable code and a human message as JSON
//! (`{"code": "...", "message": "..."}`). Internal error strings never reach
//! clients; they are logged instead.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to an HTTP client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No frame is available (camera starting or offline).
    #[error("no frame available: {0}")]
    NoFrame(String),
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: String,
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::NoFrame(_) => (StatusCode::SERVICE_UNAVAILABLE, "no_frame"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        let body = Body {
            code,
            message: self.to_string(),
        };
        (status, Json(body)).into_response()
    }
}
