//! The error policy for clients, over HTTP and the WebSocket alike:
//! handlers and commands return [`ApiError`], whose code comes from the one
//! list in `shared` ([`ErrorCode`]). Over HTTP it answers with the code's
//! status and JSON `{"code": "...", "message": "..."}`; on the WebSocket it
//! becomes an `error` message with the same code and message. Internal
//! error strings (database, encoder, GStreamer) never reach a client on
//! either: they are logged, and the client gets [`INTERNAL_MESSAGE`].

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shared::{ErrorCode, INTERNAL_MESSAGE, ServerMessage};

use crate::catalogue::CatalogueError;

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No frame is available (camera starting or offline).
    #[error("no frame available: {0}")]
    NoFrame(String),
    /// No valid key, token or session where one is needed.
    #[error("{0}")]
    Unauthorized(String),
    /// The caller's role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The body is over the configured limit.
    #[error("{0}")]
    TooLarge(String),
    /// Too many tries or commands; the message says when to try again.
    #[error("{0}")]
    TooManyRequests(String),
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
    /// This camera or server cannot do that at all.
    #[error("{0}")]
    NotSupported(String),
    /// Not possible right now; may work later.
    #[error("{0}")]
    Unavailable(String),
    /// The disk is full, or below the free space it keeps; says which.
    #[error("{0}")]
    StorageFull(String),
    /// Something failed on the server; details are in the log only.
    #[error("{}", INTERNAL_MESSAGE)]
    Internal,
}

impl ApiError {
    /// Logs what failed, with its detail, and gives the generic error
    /// clients see.
    pub fn internal(what: &str, detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "{what}");
        ApiError::Internal
    }

    /// The stable code for clients.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::NoFrame(_) => ErrorCode::NoFrame,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::TooLarge(_) => ErrorCode::TooLarge,
            ApiError::TooManyRequests(_) => ErrorCode::TooManyRequests,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::Unprocessable(_) => ErrorCode::Unprocessable,
            ApiError::NotSupported(_) => ErrorCode::NotSupported,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::StorageFull(_) => ErrorCode::StorageFull,
            ApiError::Internal => ErrorCode::Internal,
        }
    }

    /// The WebSocket `error` message answering request `id`.
    pub fn to_message(&self, id: Option<u64>) -> ServerMessage {
        ServerMessage::Error {
            id,
            code: self.code(),
            message: self.to_string(),
        }
    }
}

impl From<CatalogueError> for ApiError {
    fn from(err: CatalogueError) -> Self {
        match err {
            CatalogueError::NotFound(_) | CatalogueError::NoSuchFile(_) => {
                ApiError::NotFound(err.to_string())
            }
            CatalogueError::Name(crate::catalogue::names::NameError::NoFreeName) => {
                ApiError::Conflict(err.to_string())
            }
            CatalogueError::Name(_) => ApiError::BadRequest(err.to_string()),
            CatalogueError::AlreadyCatalogued(_) => ApiError::Conflict(err.to_string()),
            CatalogueError::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => {
                ApiError::StorageFull("the media disk is full".into())
            }
            other => ApiError::internal("catalogue operation failed", other),
        }
    }
}

/// The JSON body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable reason.
    code: ErrorCode,
    /// Human-readable explanation.
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            code,
            message: self.to_string(),
        };
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_never_reaches_the_client() {
        let err = ApiError::internal("saving failed", "disk I/O error at sector 7");
        assert_eq!(err.to_string(), INTERNAL_MESSAGE);
        let ServerMessage::Error { code, message, .. } = err.to_message(Some(3)) else {
            panic!("not an error message");
        };
        assert_eq!(
            (code, message.as_str()),
            (ErrorCode::Internal, INTERNAL_MESSAGE)
        );
    }

    #[test]
    fn no_free_name_is_the_users_conflict_not_a_server_error() {
        let err: ApiError =
            CatalogueError::Name(crate::catalogue::names::NameError::NoFreeName).into();
        assert_eq!(err.code(), ErrorCode::Conflict);
        assert_eq!(err.code().http_status(), 409);
    }

    #[test]
    fn http_and_websocket_share_the_code() {
        let err = ApiError::NotSupported("no lens".into());
        assert_eq!(err.code().http_status(), 422);
        assert_eq!(
            err.into_response().status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}
