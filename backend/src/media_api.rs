//! The HTTP API of the media catalogue, under `/api/media`, plus the
//! original app's `GET /get_database`. Media is addressed by catalogue id;
//! the only file names accepted from clients are those of untracked files
//! to import, and they pass
//! [`check_file_name`](crate::catalogue::names::check_file_name) first. Every change
//! is pushed to all WebSocket clients. No GET changes anything.

use axum::Router;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::Command;
use shared::media::{MediaEntry, MediaKind, MediaPage, MediaUpdate};
use tower_http::services::ServeFile;

use crate::auth::routes::Caller;
use crate::catalogue::{repo, thumbnail};
use crate::dispatch::run;
use crate::error::ApiError;
use crate::extract::{Json, Path, Query, parse_json};
use crate::state::AppState;

/// The catalogue's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/media", get(list))
        .route("/api/media/untracked", get(untracked))
        .route("/api/media/import", post(import))
        .route("/api/media/reset", post(reset))
        .route("/api/media/{id}", get(one).patch(update).delete(delete))
        .route("/api/media/{id}/file", get(file))
        .route("/api/media/{id}/thumbnail", get(thumbnail))
        .route("/api/media/{id}/heart", get(heart))
        .route("/api/media/{id}/heart.csv", get(heart_csv))
        .route("/get_database", get(legacy_list))
        .route("/api/actions/{name}", post(action))
}

/// Query of `GET /api/media`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Page number, from 1.
    page: Option<u64>,
    /// Entries per page (at most 500).
    per_page: Option<u64>,
    /// `photo` or `video`.
    kind: Option<String>,
}

#[utoipa::path(get, path = "/api/media", tag = "media", params(ListQuery), responses((status = 200, body = shared::media::MediaPage), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody)))]
pub(crate) async fn list(
    State(app): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<MediaPage>, ApiError> {
    let kind = match q.kind.as_deref() {
        None | Some("") => None,
        Some(k) => Some(MediaKind::from_name(k).ok_or_else(|| {
            ApiError::BadRequest(format!("unknown kind {k:?}; use photo or video"))
        })?),
    };
    let page = repo::list(
        app.catalogue.db(),
        kind,
        q.page.unwrap_or(1),
        q.per_page.unwrap_or(50),
    )
    .await?;
    Ok(Json(page))
}

#[utoipa::path(get, path = "/api/media/{id}", tag = "media", params(("id" = i64, Path, description = "Catalogue id")), responses((status = 200, body = shared::media::MediaEntry), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 404, description = "No such entry", body = crate::error::ErrorBody)))]
pub(crate) async fn one(
    State(app): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<MediaEntry>, ApiError> {
    Ok(Json(repo::get(app.catalogue.db(), id).await?))
}

#[utoipa::path(patch, path = "/api/media/{id}", tag = "media", params(("id" = i64, Path, description = "Catalogue id")), request_body = shared::media::MediaUpdate, responses((status = 200, body = shared::media::MediaEntry), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 403, description = "Not for this role, foreign origin or host", body = crate::error::ErrorBody), (status = 404, description = "No such entry", body = crate::error::ErrorBody)))]
pub(crate) async fn update(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(changes): Json<MediaUpdate>,
) -> Result<Json<Value>, ApiError> {
    run(
        &app,
        &caller,
        Command::UpdateMedia {
            media_id: id,
            changes,
        },
    )
    .await
    .map(Json)
}

#[utoipa::path(delete, path = "/api/media/{id}", tag = "media", params(("id" = i64, Path, description = "Catalogue id")), responses((status = 204, description = "Deleted with its file"), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 403, description = "Not for this role, foreign origin or host", body = crate::error::ErrorBody), (status = 404, description = "No such entry", body = crate::error::ErrorBody), (status = 409, description = "Conflicts with the current state", body = crate::error::ErrorBody)))]
pub(crate) async fn delete(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    run(&app, &caller, Command::DeleteMedia { media_id: id }).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/media/untracked", tag = "media", responses((status = 200, body = Vec<String>), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody)))]
pub(crate) async fn untracked(State(app): State<AppState>) -> Result<Json<Vec<String>>, ApiError> {
    Ok(Json(app.catalogue.untracked().await?))
}

/// Body of `POST /api/media/import`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportRequest {
    file_name: String,
    #[serde(default)]
    date_label: String,
}

#[utoipa::path(post, path = "/api/media/import", tag = "media", request_body = ImportRequest, responses((status = 201, body = shared::media::MediaEntry), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 403, description = "Not for this role, foreign origin or host", body = crate::error::ErrorBody), (status = 404, description = "No such entry", body = crate::error::ErrorBody), (status = 409, description = "Conflicts with the current state", body = crate::error::ErrorBody)))]
pub(crate) async fn import(
    State(app): State<AppState>,
    caller: Caller,
    Json(req): Json<ImportRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let command = Command::ImportMedia {
        file_name: req.file_name,
        date_label: req.date_label,
    };
    let entry = run(&app, &caller, command).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

/// Body of `POST /api/media/reset`: `{"confirm": "reset"}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetRequest {
    confirm: String,
}

#[utoipa::path(post, path = "/api/media/reset", tag = "media", request_body = ResetRequest, responses((status = 200, body = Vec<shared::media::MediaEntry>), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 403, description = "Not for this role, foreign origin or host", body = crate::error::ErrorBody)))]
pub(crate) async fn reset(
    State(app): State<AppState>,
    caller: Caller,
    Json(req): Json<ResetRequest>,
) -> Result<Json<Value>, ApiError> {
    let command = Command::ResetCatalogue {
        confirm: req.confirm,
    };
    run(&app, &caller, command).await.map(Json)
}

/// Query of the file download.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FileQuery {
    /// `1`: as an attachment.
    download: Option<u8>,
}

/// Serves an entry's file with its content type and Range support; 404
/// when the file is missing or is not a plain file (a symbolic link put
/// in its place is not followed).
pub(crate) async fn serve_entry(
    app: &AppState,
    entry: &MediaEntry,
    request: Request,
) -> Result<axum::http::Response<Body>, ApiError> {
    let path = app.catalogue.path_of(entry)?;
    let plain = tokio::fs::symlink_metadata(&path)
        .await
        .is_ok_and(|m| m.is_file());
    if !plain {
        return Err(ApiError::NotFound(format!(
            "the file of {:?} is missing",
            entry.file_name
        )));
    }
    let served = ServeFile::new(&path)
        .try_call(request)
        .await
        .map_err(|e| ApiError::internal("cannot serve a media file", e))?;
    Ok(served.map(Body::new))
}

/// `GET /api/media/{id}/file`: the file with its content type, Range support
/// (so videos seek) and a `Content-Disposition` naming it; `?download=1`
/// makes it an attachment.
#[utoipa::path(get, path = "/api/media/{id}/file", tag = "media", params(("id" = i64, Path, description = "Catalogue id"), FileQuery), responses((status = 200, description = "The file; Range requests give 206", content_type = "application/octet-stream"), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 404, description = "No such entry", body = crate::error::ErrorBody)))]
pub(crate) async fn file(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<FileQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    let entry = repo::get(app.catalogue.db(), id).await?;
    let mut response = serve_entry(&app, &entry, request).await?;
    let disposition = if q.download == Some(1) {
        "attachment"
    } else {
        "inline"
    };
    let value = format!(
        "{disposition}; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(&entry.file_name),
        percent_encode(&entry.file_name)
    );
    if let Ok(value) = HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response.into_response())
}

/// `GET /api/media/{id}/thumbnail`: a JPEG about 320 px wide of the photo
/// or the first frame of the video, made once and cached. At most two are
/// made at a time, so opening a gallery cannot starve the camera.
/// The heart rate and pulse recorded with a video; 404 when none was.
#[utoipa::path(get, path = "/api/media/{id}/heart", tag = "media", params(("id" = i64, Path, description = "Catalogue id")), responses((status = 200, body = shared::media::HeartTrace), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 404, description = "No such entry", body = crate::error::ErrorBody)))]
pub(crate) async fn heart(
    State(app): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<shared::media::HeartTrace>, ApiError> {
    heart_trace(&app, id).await.map(Json)
}

/// The same as CSV (`time_s,pulse,bpm`), as a download.
#[utoipa::path(get, path = "/api/media/{id}/heart.csv", tag = "media", params(("id" = i64, Path, description = "Catalogue id")), responses((status = 200, description = "time_s,pulse,bpm", content_type = "text/csv"), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 404, description = "No such entry", body = crate::error::ErrorBody)))]
pub(crate) async fn heart_csv(
    State(app): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let trace = heart_trace(&app, id).await?;
    let name = format!("attachment; filename=\"heart-{id}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        trace.to_csv(),
    )
        .into_response())
}

async fn heart_trace(app: &AppState, id: i64) -> Result<shared::media::HeartTrace, ApiError> {
    app.catalogue
        .heart_trace(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("media {id} has no heart-rate recording")))
}

#[utoipa::path(get, path = "/api/media/{id}/thumbnail", tag = "media", params(("id" = i64, Path, description = "Catalogue id")), responses((status = 200, description = "JPEG 320 px wide", content_type = "image/jpeg"), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 404, description = "No such entry", body = crate::error::ErrorBody), (status = 422, description = "Cannot be decoded", body = crate::error::ErrorBody)))]
pub(crate) async fn thumbnail(
    State(app): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    static MAKING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
    let entry = repo::get(app.catalogue.db(), id).await?;
    let source = app.catalogue.path_of(&entry)?;
    if !source.is_file() {
        return Err(ApiError::NotFound(format!(
            "the file of media {id} is missing"
        )));
    }
    let _permit = MAKING.acquire().await.map_err(|_| ApiError::Internal)?;
    let dir = app.catalogue.dir().to_owned();
    let cache = dir.clone();
    let made = tokio::task::spawn_blocking(move || thumbnail::get_or_make(&cache, id, &source))
        .await
        .map_err(|_| ApiError::Internal)?;
    // A delete may have run while the thumbnail was made, and removed the
    // cache before it was written: then nothing may stay behind. (A delete
    // after this check removes the thumbnail itself.)
    if matches!(
        repo::get(app.catalogue.db(), id).await,
        Err(crate::catalogue::CatalogueError::NotFound(_))
    ) {
        let _ = tokio::task::spawn_blocking(move || thumbnail::forget(&dir, id)).await;
        return Err(ApiError::NotFound(format!("media {id} was deleted")));
    }
    match made {
        Ok(jpeg) => Ok((
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "private, max-age=86400"),
            ],
            jpeg,
        )
            .into_response()),
        Err(thumbnail::ThumbnailError::Decode(why)) => Err(ApiError::Unprocessable(format!(
            "no thumbnail for media {id}: {why}"
        ))),
        Err(err) => Err(ApiError::internal("thumbnail cache failed", err)),
    }
}

/// `POST /api/actions/{name}` with JSON arguments: any action (built-in
/// or add-on) over HTTP, for scripts (`curl -X POST -d '{}'
/// .../snapshot`), through the same door as the WebSocket.
#[utoipa::path(post, path = "/api/actions/{name}", tag = "commands", description = "Runs a built-in action (snapshot, focus, set_control, set_view, record_start, record_stop, light, simulate_stall, reboot, shutdown, restart_camera, restart_server) or an add-on with the JSON body as its arguments; the same command door as the WebSocket.", params(("name" = String, Path, description = "The action")), request_body(content = Object, description = "The arguments (optional)"), responses((status = 200, description = "The action's result", body = Object), (status = 400, description = "Malformed request", body = crate::error::ErrorBody), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 403, description = "Not for this role, foreign origin or host", body = crate::error::ErrorBody), (status = 409, description = "Conflicts with the current state", body = crate::error::ErrorBody), (status = 422, description = "Not supported here", body = crate::error::ErrorBody), (status = 429, description = "Too many tries or commands", body = crate::error::ErrorBody), (status = 503, description = "Not possible right now", body = crate::error::ErrorBody), (status = 507, description = "Below the free-space floor", body = crate::error::ErrorBody)))]
pub(crate) async fn action(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = body.map_err(crate::extract::body_error)?;
    // No body means no arguments.
    let args = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        parse_json(&body)?
    };
    run(&app, &caller, Command::Action { name, args })
        .await
        .map(Json)
}

/// The name with anything but safe ASCII replaced, for old clients.
fn ascii_fallback(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// RFC 5987 percent-encoding of a UTF-8 file name.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One entry of the original app's listing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LegacyEntry {
    date: String,
    filename: String,
}

/// `GET /get_database`: `[{"date": ..., "filename": ...}]`, oldest first as
/// the original returned it, for existing scripts.
#[utoipa::path(get, path = "/get_database", tag = "media", description = "The original app's listing, for existing scripts.", responses((status = 200, body = Vec<LegacyEntry>), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody)))]
pub(crate) async fn legacy_list(
    State(app): State<AppState>,
) -> Result<Json<Vec<LegacyEntry>>, ApiError> {
    let mut entries = repo::all(app.catalogue.db()).await?;
    entries.reverse();
    Ok(Json(
        entries
            .into_iter()
            .filter(|e| e.status != shared::media::MediaStatus::Deleting)
            .map(|e| LegacyEntry {
                date: e.date_label,
                filename: e.file_name,
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_names_are_safe() {
        assert_eq!(percent_encode("Auge links.jpg"), "Auge%20links.jpg");
        assert_eq!(percent_encode("é\"x.jpg"), "%C3%A9%22x.jpg");
        assert_eq!(ascii_fallback("é\"x.jpg"), "__x.jpg");
    }
}
