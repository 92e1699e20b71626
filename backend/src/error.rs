//! The HTTP error policy: handlers return [`ApiError`], which answers with a
//! status, a stable machine-readable code and a human message as JSON
//! (`{"code": "...", "message": "..."}`). Internal error strings never reach
//! clients; they are logged instead.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::catalogue::CatalogueError;

/// An error answered to an HTTP client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No frame is available (camera starting or offline).
    #[error("no frame available: {0}")]
    NoFrame(String),
    /// The addressed thing does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request was malformed or refused.
    #[error("{0}")]
    BadRequest(String),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The request is understood but cannot be carried out for this item.
    #[error("{0}")]
    Unprocessable(String),
    /// Not possible right now; may work later.
    #[error("{0}")]
    Unavailable(String),
    /// The disk is full.
    #[error("the media disk is full")]
    StorageFull,
    /// Something failed on the server; details are in the log only.
    #[error("internal error; see the server log")]
    Internal,
}

impl From<CatalogueError> for ApiError {
    fn from(err: CatalogueError) -> Self {
        match err {
            CatalogueError::NotFound(_) | CatalogueError::NoSuchFile(_) => {
                ApiError::NotFound(err.to_string())
            }
            CatalogueError::Name(_) => ApiError::BadRequest(err.to_string()),
            CatalogueError::AlreadyCatalogued(_) => ApiError::Conflict(err.to_string()),
            CatalogueError::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => {
                ApiError::StorageFull
            }
            other => {
                tracing::error!(error = %other, "catalogue operation failed");
                ApiError::Internal
            }
        }
    }
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
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::StorageFull => (StatusCode::INSUFFICIENT_STORAGE, "storage_full"),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
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
