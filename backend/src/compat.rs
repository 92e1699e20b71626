//! The original app's URLs, so scripts written for it get a meaningful
//! answer instead of the web app's page. The read-only ones work as they
//! did: `GET /media/<file>` serves a catalogued file (looked up by its name
//! in the catalogue, never joined onto a path as sent),
//! `GET /get_controller_data` the latest heart rate, and `GET /logs` the
//! system and server logs to operators; `/get_database` and `/video_feed`
//! live with the catalogue and the stream. The original's
//! state-changing GET routes ([`ORIGINALS`]: `/snapshot`, `/light`, ...)
//! answer `410 Gone` naming their successor, unless the
//! `server.original_urls` switch is on *and* the request carries the
//! operator key as `?key=` (as the original's `/reboot` did). Then their
//! original parameters become the typed [`Command`] and go through the one
//! command door ([`crate::dispatch::run`]), so roles, audit and errors are
//! the same as for the new routes. The key is checked like a bearer token
//! (constant-time digests, throttled per address); nothing here logs a
//! query string. Any other path under `/api/` answers a JSON `not_found`
//! rather than the web app.
//!
//! The original's booleans are kept as it read them: for `grayscale`,
//! `resolution`, `autofocus` and `video_capture`, `status=false` switches
//! on (starts recording) and `status=true` switches off (stops), while
//! `light?status=true` switches the light on. Unambiguous words (`on`,
//! `off`, `start`, `stop`, `half`, `full`) are accepted too.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde::Serialize;
use serde_json::Value;
use shared::commands::{CaptureArgs, FocusRequest, LightRequest, Role};
use shared::device::LinkStatus;
use shared::operations::LogLevel;
use shared::{Command, ErrorCode};

use crate::auth::routes::Caller;
use crate::catalogue::repo;
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// How far one `step_focus?direction=1` moves the lens (as the web app's
/// − and + buttons).
const FOCUS_STEP: f64 = 0.05;

/// The original app's query parameters.
type Params = HashMap<String, String>;

/// What an original URL asks for, once its parameters are read.
#[derive(Debug, Clone, PartialEq)]
enum Plan {
    /// A command, ready for the door.
    Run(Command),
    /// `database/remove?filename=`: the entry with this file name, deleted.
    DeleteNamed(String),
}

/// One state-changing route of the original app.
#[derive(Clone, Copy)]
pub struct Original {
    /// Its path.
    pub path: &'static str,
    /// The route that replaces it, as the 410 answer names it.
    pub successor: &'static str,
    /// Reads its original parameters.
    build: fn(&Params) -> Result<Plan, ApiError>,
}

/// Every state-changing route of the original app, with its successor.
pub const ORIGINALS: &[Original] = &[
    Original {
        path: "/snapshot",
        successor: "POST /api/actions/snapshot",
        build: snapshot,
    },
    Original {
        path: "/video_capture",
        successor: "POST /api/actions/record_start or POST /api/actions/record_stop",
        build: video_capture,
    },
    Original {
        path: "/grayscale",
        successor: "POST /api/actions/set_view with {\"grayscale\": true}",
        build: grayscale,
    },
    Original {
        path: "/resolution",
        successor: "POST /api/actions/set_view with {\"half_resolution\": true}",
        build: resolution,
    },
    Original {
        path: "/autofocus",
        successor: "POST /api/actions/focus with {\"auto\": true}",
        build: autofocus,
    },
    Original {
        path: "/step_focus",
        successor: "POST /api/actions/focus with {\"step\": 0.05}",
        build: step_focus,
    },
    Original {
        path: "/set_focus",
        successor: "POST /api/actions/focus with {\"position\": 0.5}",
        build: set_focus,
    },
    Original {
        path: "/light",
        successor: "POST /api/actions/light with {\"on\": true}",
        build: light,
    },
    Original {
        path: "/set_brightness",
        successor: "POST /api/actions/light with {\"brightness\": 128}",
        build: set_brightness,
    },
    Original {
        path: "/set_color",
        successor: "POST /api/actions/light with {\"color\": \"ff8800\"}",
        build: set_color,
    },
    Original {
        path: "/database/add",
        successor: "POST /api/media/import",
        build: database_add,
    },
    Original {
        path: "/database/remove",
        successor: "DELETE /api/media/{id}",
        build: database_remove,
    },
    Original {
        path: "/database/new",
        successor: "POST /api/media/reset with {\"confirm\": \"reset\"}",
        build: database_new,
    },
    Original {
        path: "/reboot",
        successor: "POST /api/actions/reboot",
        build: |_| Ok(Plan::Run(Command::Reboot)),
    },
    Original {
        path: "/shutdown",
        successor: "POST /api/actions/shutdown",
        build: |_| Ok(Plan::Run(Command::Shutdown)),
    },
];

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/media/{*file}", get(media_file))
        .route("/get_controller_data", get(controller_data))
        .route("/logs", get(logs))
        .route("/api", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found));
    for original in ORIGINALS {
        router = router.route(
            original.path,
            get(
                move |State(app): State<AppState>,
                      caller: Caller,
                      method: Method,
                      Query(params): Query<Params>| async move {
                    changing(&app, original, &caller, &method, &params).await
                },
            ),
        );
    }
    router
}

/// The JSON body of a `410 Gone`: the code, a message and the successor.
#[derive(Debug, Serialize)]
struct GoneBody {
    code: ErrorCode,
    message: String,
    #[serde(rename = "use")]
    successor: &'static str,
}

/// `410 Gone` for `path`, naming `successor`; `hint` says how to keep the
/// old URL working, when it can.
fn gone(path: &str, successor: &'static str, hint: &str) -> Response {
    let body = GoneBody {
        code: ErrorCode::Gone,
        message: format!("{path} was the original app's URL; use {successor}{hint}"),
        successor,
    };
    (StatusCode::GONE, axum::Json(body)).into_response()
}

/// Runs an original state-changing URL, or says why not.
async fn changing(
    app: &AppState,
    original: &Original,
    caller: &Caller,
    method: &Method,
    params: &Params,
) -> Response {
    if !app.original_urls {
        return gone(
            original.path,
            original.successor,
            " (or turn on server.original_urls and add the operator key as ?key=)",
        );
    }
    if method != Method::GET {
        // HEAD must not change anything.
        let mut response = ApiError::BadRequest(format!(
            "{} changes the rig and answers GET only",
            original.path
        ))
        .into_response();
        *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET"));
        return response;
    }
    match run(app, original, caller, params).await {
        Ok(result) => axum::Json(serde_json::json!({
            "ok": true,
            "result": result,
            "use": original.successor,
        }))
        .into_response(),
        Err(err) => err.into_response(),
    }
}

/// Checks the `?key=`, reads the parameters and runs the command through
/// the door as the key's holder.
async fn run(
    app: &AppState,
    original: &Original,
    caller: &Caller,
    params: &Params,
) -> Result<Value, ApiError> {
    if key_of(params).is_none() {
        return Err(ApiError::Unauthorized(format!(
            "{} changes the rig: add the operator key as ?key=... (or use {} with \
             Authorization: Bearer)",
            original.path, original.successor
        )));
    }
    let caller = with_key(app, caller, params, "?key= is not the operator key")?;
    let command = match (original.build)(params)? {
        Plan::Run(command) => command,
        Plan::DeleteNamed(name) => {
            // Only an operator learns whether a file is catalogued.
            if caller.role(app)? < Role::Operator {
                return Err(crate::dispatch::forbidden("delete_media", Role::Operator));
            }
            let entry = repo::find_by_name(app.catalogue.db(), &name)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("{name:?} is not in the catalogue")))?;
            Command::DeleteMedia { media_id: entry.id }
        }
    };
    crate::dispatch::run(app, &caller, command).await
}

/// The `?key=` given, if any.
fn key_of(params: &Params) -> Option<&str> {
    params
        .get("key")
        .map(|k| k.trim())
        .filter(|k| !k.is_empty())
}

/// The holder of `?key=` when one is given (`wrong` says what a wrong one
/// is not), else the caller as identified.
fn with_key(
    app: &AppState,
    caller: &Caller,
    params: &Params,
    wrong: &str,
) -> Result<Caller, ApiError> {
    Ok(match key_of(params) {
        Some(key) => Caller {
            presented: app.auth.secret(key, caller.peer, wrong)?,
            peer: caller.peer,
        },
        None => caller.clone(),
    })
}

/// The caller, or the holder of `?key=` when one is given; refused below
/// `needed`.
fn at_least(
    app: &AppState,
    caller: &Caller,
    params: &Params,
    needed: Role,
    what: &str,
) -> Result<(), ApiError> {
    let caller = with_key(app, caller, params, "?key= is not a valid key")?;
    crate::dispatch::require(app, &caller, needed, what)
}

// ------------------------------------------------------------ reading --

/// `GET /media/<file>`: the catalogued file of that name, with its content
/// type and Range support; any other name is 404.
#[utoipa::path(get, path = "/media/{file}", tag = "media", description = "The original app's media URL: the catalogued file with this name (only catalogued files of the media folder). Prefer GET /api/media/{id}/file.", params(("file" = String, Path, description = "The file name as in the catalogue")), responses((status = 200, description = "The file; Range requests give 206", content_type = "application/octet-stream"), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 404, description = "No such entry", body = crate::error::ErrorBody)))]
pub(crate) async fn media_file(
    State(app): State<AppState>,
    caller: Caller,
    Path(file): Path<String>,
    Query(params): Query<Params>,
    request: Request,
) -> Result<Response, ApiError> {
    at_least(&app, &caller, &params, Role::Viewer, "media")?;
    let entry = repo::find_by_name(app.catalogue.db(), &file)
        .await?
        .filter(|e| e.status != shared::media::MediaStatus::Deleting)
        .ok_or_else(|| ApiError::NotFound(format!("{file:?} is not in the catalogue")))?;
    Ok(crate::media_api::serve_entry(&app, &entry, request)
        .await?
        .into_response())
}

/// The heart rate as `GET /get_controller_data` gives it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ControllerData {
    /// Beats per minute; `null` while there is no reading.
    bpm: Option<f32>,
    /// Signal quality 0-100.
    quality: u8,
    /// Beats seen so far.
    beats: u64,
    /// Time between the last two beats, in ms, when known.
    interval_ms: Option<u32>,
    /// Why there is no reading, in plain words, when there is none.
    reason: Option<String>,
    /// Whether the board answers: `connected`, `connecting` or
    /// `disconnected`.
    link: LinkStatus,
    /// Whether the data comes from the simulator (demo) rather than a
    /// sensor.
    simulated: bool,
}

/// `GET /get_controller_data`: the latest heart rate as JSON; with
/// `?format=text`, only the beats per minute as a whole number (an empty
/// line while there is none), as the original's phone app read it.
#[utoipa::path(get, path = "/get_controller_data", tag = "live", description = "The original app's heart-rate URL: the latest reading of the pulse sensor. ?format=text gives only the rounded beats per minute (an empty line while there is none).", params(("format" = Option<String>, Query, description = "`text` for the bare number")), responses((status = 200, body = ControllerData), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody)))]
pub(crate) async fn controller_data(
    State(app): State<AppState>,
    caller: Caller,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    at_least(&app, &caller, &params, Role::Viewer, "the heart rate")?;
    let data = {
        let state = app.state.borrow();
        let device = &state.device;
        let heart = &device.heart;
        ControllerData {
            bpm: heart.bpm,
            quality: heart.quality,
            beats: heart.beats,
            interval_ms: heart.interval_ms,
            reason: heart.reason.clone(),
            link: device.link,
            simulated: device.simulated(),
        }
    };
    let no_store = (header::CACHE_CONTROL, "no-store");
    if params.get("format").is_some_and(|f| f == "text") {
        let line = data
            .bpm
            .map_or_else(String::new, |bpm| format!("{}", bpm.round()));
        return Ok((
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                no_store,
            ],
            format!("{line}\n"),
        )
            .into_response());
    }
    Ok(([no_store], Json(data)).into_response())
}

/// `GET /logs` (operators): `[{"System": ..., "Server": ...}]`, the
/// system log (`system.log_command`) as the original answered it, and the
/// server's recent log lines; `GET /api/logs` and `/api/logs/system` are
/// their successors.
async fn logs(
    State(app): State<AppState>,
    caller: Caller,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    at_least(&app, &caller, &params, Role::Operator, "the log")?;
    let server: String = crate::logs::buffer()
        .lines(LogLevel::Trace, "", 0)
        .iter()
        .map(crate::logs::text_line)
        .collect();
    let system = match app.system.system_log().await {
        Ok(log) => log.text,
        Err(err) => format!("(no system log: {err})"),
    };
    let body = serde_json::json!([{ "System": system, "Server": server }]);
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// Any other path under `/api/`: a JSON `not_found`, never the web app.
async fn api_not_found(method: Method, request: Request) -> ApiError {
    let path: String = request.uri().path().chars().take(200).collect();
    ApiError::NotFound(format!(
        "no API route {method} {path}; the routes are listed at /api/docs"
    ))
}

// --------------------------------------------------------- parameters --

/// The first of `names` that is given and not empty, trimmed.
fn param<'a>(params: &'a Params, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .filter_map(|n| params.get(*n))
        .map(|v| v.trim())
        .find(|v| !v.is_empty())
}

/// Reads `status` as the original did. `inverted`: the original's
/// `false` switched on and `true` off; otherwise `true` is on. `on` and
/// `off` list words that say which outright.
fn status(params: &Params, inverted: bool, on: &[&str], off: &[&str]) -> Result<bool, ApiError> {
    let Some(value) = param(params, &["status"]) else {
        return Err(bad_status("status is missing", inverted, on, off));
    };
    let value = value.to_ascii_lowercase();
    match value.as_str() {
        "true" => Ok(!inverted),
        "false" => Ok(inverted),
        v if on.contains(&v) => Ok(true),
        v if off.contains(&v) => Ok(false),
        _ => Err(bad_status(
            &format!("status={value:?} is not understood"),
            inverted,
            on,
            off,
        )),
    }
}

fn bad_status(what: &str, inverted: bool, on: &[&str], off: &[&str]) -> ApiError {
    let (t, f) = if inverted {
        ("off", "on")
    } else {
        ("on", "off")
    };
    ApiError::BadRequest(format!(
        "{what}: give status=true ({t}, as the original app), status=false ({f}), or one of {} \
         (on) or {} (off)",
        on.join(", "),
        off.join(", ")
    ))
}

/// A finite number from the first of `names`.
fn number(params: &Params, names: &[&str]) -> Result<f64, ApiError> {
    let Some(text) = param(params, names) else {
        return Err(ApiError::BadRequest(format!("{}= is missing", names[0])));
    };
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| ApiError::BadRequest(format!("{}={text:?} is not a number", names[0])))
}

/// A capture's name (`filename`) and date label (`date`).
fn capture_args(params: &Params) -> CaptureArgs {
    CaptureArgs {
        name: param(params, &["filename", "name"]).map(str::to_owned),
        date_label: param(params, &["date", "date_label"]).map(str::to_owned),
    }
}

fn snapshot(params: &Params) -> Result<Plan, ApiError> {
    Ok(Plan::Run(Command::Snapshot(capture_args(params))))
}

fn video_capture(params: &Params) -> Result<Plan, ApiError> {
    let start = status(params, true, &["start", "on"], &["stop", "off"])?;
    Ok(Plan::Run(if start {
        Command::RecordStart(capture_args(params))
    } else {
        Command::RecordStop
    }))
}

fn grayscale(params: &Params) -> Result<Plan, ApiError> {
    let on = status(params, true, &["on"], &["off"])?;
    Ok(Plan::Run(Command::SetView {
        grayscale: Some(on),
        half_resolution: None,
    }))
}

fn resolution(params: &Params) -> Result<Plan, ApiError> {
    let half = status(
        params,
        true,
        &["half", "low", "on"],
        &["full", "high", "off"],
    )?;
    Ok(Plan::Run(Command::SetView {
        grayscale: None,
        half_resolution: Some(half),
    }))
}

fn autofocus(params: &Params) -> Result<Plan, ApiError> {
    let on = status(params, true, &["on"], &["off"])?;
    Ok(Plan::Run(Command::Focus(FocusRequest {
        auto: Some(on),
        ..FocusRequest::default()
    })))
}

fn step_focus(params: &Params) -> Result<Plan, ApiError> {
    let step = if param(params, &["step"]).is_some() {
        number(params, &["step"])?
    } else {
        number(params, &["direction"])? * FOCUS_STEP
    };
    Ok(Plan::Run(Command::Focus(FocusRequest {
        step: Some(step.clamp(-1.0, 1.0)),
        ..FocusRequest::default()
    })))
}

fn set_focus(params: &Params) -> Result<Plan, ApiError> {
    let position = number(params, &["value", "position"])?;
    Ok(Plan::Run(Command::Focus(FocusRequest {
        position: Some(position),
        ..FocusRequest::default()
    })))
}

fn light(params: &Params) -> Result<Plan, ApiError> {
    let on = status(params, false, &["on", "1"], &["off", "0"])?;
    Ok(Plan::Run(Command::Light(LightRequest {
        on: Some(on),
        ..LightRequest::default()
    })))
}

fn set_brightness(params: &Params) -> Result<Plan, ApiError> {
    let value = number(params, &["value", "brightness"])?.round();
    if !(0.0..=255.0).contains(&value) {
        return Err(ApiError::BadRequest(format!(
            "brightness {value} is outside 0-255"
        )));
    }
    Ok(Plan::Run(Command::Light(LightRequest {
        // In range, checked above.
        brightness: Some(value as u8),
        ..LightRequest::default()
    })))
}

fn set_color(params: &Params) -> Result<Plan, ApiError> {
    let Some(text) = param(params, &["value", "color"]) else {
        return Err(ApiError::BadRequest(
            "value= is missing: give the colour as rrggbb, %23rrggbb or r,g,b".into(),
        ));
    };
    let color = parse_color(text).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "colour {text:?} is not understood: give rrggbb, %23rrggbb or r,g,b (each 0-255)"
        ))
    })?;
    Ok(Plan::Run(Command::Light(LightRequest {
        color: Some(color),
        ..LightRequest::default()
    })))
}

/// `rrggbb`, `#rrggbb` or `r,g,b` (decimal, 0-255 each) as `rrggbb`.
fn parse_color(text: &str) -> Option<String> {
    let hex = text.strip_prefix('#').unwrap_or(text);
    if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Some(hex.to_ascii_lowercase());
    }
    let parts: Vec<u8> = text
        .split(',')
        .map(|p| p.trim().parse::<u8>().ok())
        .collect::<Option<_>>()?;
    match parts.as_slice() {
        [r, g, b] => Some(format!("{r:02x}{g:02x}{b:02x}")),
        _ => None,
    }
}

fn database_add(params: &Params) -> Result<Plan, ApiError> {
    let Some(name) = param(params, &["filename", "file_name", "name"]) else {
        return Err(ApiError::BadRequest(
            "filename= is missing: the name of a file in the media folder".into(),
        ));
    };
    Ok(Plan::Run(Command::ImportMedia {
        file_name: name.to_owned(),
        date_label: param(params, &["date", "date_label"])
            .unwrap_or_default()
            .to_owned(),
    }))
}

fn database_remove(params: &Params) -> Result<Plan, ApiError> {
    if let Some(id) = param(params, &["id"]) {
        let media_id = id
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("id={id:?} is not a catalogue id")))?;
        return Ok(Plan::Run(Command::DeleteMedia { media_id }));
    }
    match param(params, &["filename", "file_name", "name"]) {
        Some(name) => Ok(Plan::DeleteNamed(name.to_owned())),
        None => Err(ApiError::BadRequest(
            "give filename= (the catalogued file's name) or id= (its catalogue id)".into(),
        )),
    }
}

fn database_new(_: &Params) -> Result<Plan, ApiError> {
    Ok(Plan::Run(Command::ResetCatalogue {
        confirm: "reset".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn built(path: &str, pairs: &[(&str, &str)]) -> Result<Plan, ApiError> {
        let original = ORIGINALS.iter().find(|o| o.path == path).unwrap();
        (original.build)(&params(pairs))
    }

    #[test]
    fn the_originals_booleans_mean_what_they_meant() {
        let view = |g, h| {
            Plan::Run(Command::SetView {
                grayscale: g,
                half_resolution: h,
            })
        };
        assert_eq!(
            built("/grayscale", &[("status", "false")]).unwrap(),
            view(Some(true), None)
        );
        assert_eq!(
            built("/grayscale", &[("status", "True")]).unwrap(),
            view(Some(false), None)
        );
        assert_eq!(
            built("/grayscale", &[("status", "on")]).unwrap(),
            view(Some(true), None)
        );
        assert_eq!(
            built("/resolution", &[("status", "false")]).unwrap(),
            view(None, Some(true))
        );
        assert_eq!(
            built("/resolution", &[("status", "full")]).unwrap(),
            view(None, Some(false))
        );
        assert!(matches!(
            built("/video_capture", &[("status", "false"), ("filename", "a")]).unwrap(),
            Plan::Run(Command::RecordStart(CaptureArgs { name: Some(n), .. })) if n == "a"
        ));
        assert_eq!(
            built("/video_capture", &[("status", "true")]).unwrap(),
            Plan::Run(Command::RecordStop)
        );
        let light = built("/light", &[("status", "true")]).unwrap();
        assert!(matches!(
            light,
            Plan::Run(Command::Light(LightRequest { on: Some(true), .. }))
        ));
        for bad in [&[][..], &[("status", "maybe")][..]] {
            let err = built("/grayscale", bad).unwrap_err();
            assert!(err.to_string().contains("status=true (off"), "{err}");
        }
    }

    #[test]
    fn numbers_and_colours_take_the_originals_forms() {
        let focus = |step: Option<f64>, position: Option<f64>| {
            Plan::Run(Command::Focus(FocusRequest {
                step,
                position,
                auto: None,
            }))
        };
        assert_eq!(
            built("/step_focus", &[("direction", "-1")]).unwrap(),
            focus(Some(-FOCUS_STEP), None)
        );
        assert_eq!(
            built("/step_focus", &[("step", "0.1")]).unwrap(),
            focus(Some(0.1), None)
        );
        assert_eq!(
            built("/set_focus", &[("value", "0.25")]).unwrap(),
            focus(None, Some(0.25))
        );
        assert!(built("/set_focus", &[("value", "NaN")]).is_err());
        // The phone app sent its slider as a double: "128.0".
        let Plan::Run(Command::Light(light)) =
            built("/set_brightness", &[("value", "128.0")]).unwrap()
        else {
            panic!("not a light command");
        };
        assert_eq!(light.brightness, Some(128));
        assert!(built("/set_brightness", &[("value", "300")]).is_err());
        assert_eq!(parse_color("FF8800").as_deref(), Some("ff8800"));
        assert_eq!(parse_color("#00ff00").as_deref(), Some("00ff00"));
        assert_eq!(parse_color("255, 128,0").as_deref(), Some("ff8000"));
        assert_eq!(parse_color("256,0,0"), None);
        assert_eq!(parse_color("red"), None);
    }

    #[test]
    fn the_database_routes_address_entries_by_id_or_name() {
        assert_eq!(
            built("/database/remove", &[("id", "7")]).unwrap(),
            Plan::Run(Command::DeleteMedia { media_id: 7 })
        );
        assert_eq!(
            built("/database/remove", &[("filename", "a.jpg")]).unwrap(),
            Plan::DeleteNamed("a.jpg".into())
        );
        assert!(built("/database/remove", &[]).is_err());
        assert!(built("/database/add", &[]).is_err());
    }
}
