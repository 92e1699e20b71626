//! JSON messages on the WebSocket's text channel: commands from a client,
//! and replies, errors and state from the server. Every command may carry an
//! `id`, echoed in the reply so a client can match answers to questions.
//! Error replies carry a stable machine-readable `code` and a human message.

use serde::{Deserialize, Serialize};

use crate::names::deserialize_by_name;

use crate::commands::{BUILTIN_ACTIONS, CaptureArgs, FocusRequest, LightRequest, Role};
use crate::media::MediaUpdate;

/// Largest text message the server accepts by default
/// (`server.max_message_kilobytes`); bigger ones close the connection with
/// WebSocket close code 1009 (message too big).
pub const MAX_TEXT_MESSAGE: usize = 16 * 1024;

/// A message from a client: `{"id": 7, "cmd": "get_state"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientMessage {
    /// Optional correlation id, echoed in the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// What the client asks for.
    #[serde(flatten)]
    pub command: Command,
}

/// Every command a client can send, with typed arguments: the one door.
/// The WebSocket's JSON messages and the HTTP routes that change something
/// both become a `Command` and go through the server's `dispatch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Command {
    /// Ask for the current state; answered with a `state` message.
    GetState,
    /// Liveness check; answered with `pong`, which carries the server's
    /// clock (clients estimate their offset from it).
    Ping,
    /// Chooses which live picture this WebSocket session receives: JPEG
    /// frames, H.264 access units (for WebCodecs), or none (a page without
    /// a live picture, a hidden tab). Only meaningful on the WebSocket;
    /// answered with `action_result` `{"video": ...}`. A session starts
    /// with the format named by `/ws?video=` (JPEG when absent). Watching
    /// H.264 again restarts it at a fresh key frame (for a decoder that
    /// fell behind); H.264 on a server without an encoder is refused with
    /// `not_supported` and the session keeps its format.
    Watch {
        /// The format wanted.
        video: VideoFormat,
    },
    /// Lists the actions; answered with `action_result` whose result is
    /// `[{"name": ..., "description": ...}]`.
    ListActions,
    /// Changes the live view for every viewer; absent fields stay as they
    /// are. Answered with the new `state`.
    SetView {
        /// Grayscale on or off.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        grayscale: Option<bool>,
        /// Half resolution on or off.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        half_resolution: Option<bool>,
    },
    /// Saves the picture viewers see now as a photo; answered with its
    /// catalogue entry.
    Snapshot(CaptureArgs),
    /// Drives the lens; answered with the new focus.
    Focus(FocusRequest),
    /// Sets one camera control; answered with the control.
    SetControl {
        /// The control's name, as in the state's `camera.controls`.
        name: String,
        /// The new value.
        value: i64,
    },
    /// Starts recording; answered with the new catalogue entry.
    RecordStart(CaptureArgs),
    /// Stops the recording; answered with its finished entry.
    RecordStop,
    /// Switches, dims or colours the light; answered with what the device
    /// confirmed.
    Light(LightRequest),
    /// Test source only: stops (`true`) or resumes (`false`) the frames.
    SimulateStall {
        /// Whether frames should stop.
        stalled: bool,
    },
    /// Changes an entry's title, notes or date label; answered with the
    /// entry.
    UpdateMedia {
        /// The entry's id (`media_id`, since `id` is the request's).
        media_id: i64,
        /// What changes.
        changes: MediaUpdate,
    },
    /// Deletes an entry and its file.
    DeleteMedia {
        /// The entry's id.
        media_id: i64,
    },
    /// Catalogues an untracked file of the media folder; answered with the
    /// new entry.
    ImportMedia {
        /// The file's name in the media folder.
        file_name: String,
        /// Date label stored with the entry.
        #[serde(default)]
        date_label: String,
    },
    /// Forgets every entry and catalogues the files present (the original's
    /// "New database"); `confirm` must be `"reset"`. Answered with the new
    /// entries.
    ResetCatalogue {
        /// Must be `"reset"`.
        confirm: String,
    },
    /// Lists the named API tokens; answered with `[{"name", "created_at"}]`.
    ListTokens,
    /// Makes a named API token for a script; answered with its name and
    /// secret, shown this once.
    CreateToken {
        /// Its name: 1-64 letters, digits, `-`, `_` or `.`.
        name: String,
    },
    /// Revokes a named API token at once, on every connection using it.
    RevokeToken {
        /// Its name.
        name: String,
    },
    /// Reboots the machine through the configured command
    /// (`system.reboot_command`); answered before the machine goes down.
    Reboot,
    /// Shuts the machine down through `system.shutdown_command`.
    Shutdown,
    /// Stops and rebuilds the camera pipeline (after unplugging a camera,
    /// say); answered once it is asked to restart.
    RestartCamera,
    /// Restarts the server process in place (same address, same process
    /// id); answered before it goes down, back within seconds.
    RestartServer,
    /// Runs a named action with JSON arguments; answered with
    /// `action_result`. A built-in action's name (see
    /// [`BUILTIN_ACTIONS`]) stands for its typed command; any other name
    /// is an add-on action registered on the server.
    Action {
        /// The action's name.
        name: String,
        /// Its arguments; `null` or absent means none.
        #[serde(default)]
        args: serde_json::Value,
    },
}

impl Command {
    /// Who may give this command. Exhaustive on purpose: a new command
    /// does not compile until it says.
    pub fn role(&self) -> Role {
        match self {
            Command::GetState | Command::Ping | Command::ListActions | Command::Watch { .. } => {
                Role::Viewer
            }
            Command::SetView { .. }
            | Command::Snapshot(_)
            | Command::Focus(_)
            | Command::SetControl { .. }
            | Command::RecordStart(_)
            | Command::RecordStop
            | Command::Light(_)
            | Command::SimulateStall { .. }
            | Command::UpdateMedia { .. }
            | Command::DeleteMedia { .. }
            | Command::ImportMedia { .. }
            | Command::ResetCatalogue { .. }
            | Command::ListTokens
            | Command::CreateToken { .. }
            | Command::RevokeToken { .. }
            | Command::Reboot
            | Command::Shutdown
            | Command::RestartCamera
            | Command::RestartServer
            // Add-on actions change things too; the server may ask more
            // of a particular one, never less.
            | Command::Action { .. } => Role::Operator,
        }
    }

    /// One example of every command, for tests (every operator command is
    /// refused to a viewer) and documentation. Adding a variant without an
    /// example here fails the `examples_cover_every_command` test.
    pub fn examples() -> Vec<Command> {
        vec![
            Command::GetState,
            Command::Ping,
            Command::ListActions,
            Command::Watch {
                video: VideoFormat::H264,
            },
            Command::SetView {
                grayscale: Some(true),
                half_resolution: None,
            },
            Command::Snapshot(CaptureArgs {
                name: Some("left eye".into()),
                date_label: None,
            }),
            Command::Focus(FocusRequest {
                step: Some(0.05),
                ..FocusRequest::default()
            }),
            Command::SetControl {
                name: "brightness".into(),
                value: 3,
            },
            Command::RecordStart(CaptureArgs::default()),
            Command::RecordStop,
            Command::Light(LightRequest {
                on: Some(true),
                ..LightRequest::default()
            }),
            Command::SimulateStall { stalled: true },
            Command::UpdateMedia {
                media_id: 1,
                changes: MediaUpdate {
                    title: Some("t".into()),
                    ..MediaUpdate::default()
                },
            },
            Command::DeleteMedia { media_id: 1 },
            Command::ImportMedia {
                file_name: "a.jpg".into(),
                date_label: String::new(),
            },
            Command::ResetCatalogue {
                confirm: "reset".into(),
            },
            Command::ListTokens,
            Command::CreateToken {
                name: "home-assistant".into(),
            },
            Command::RevokeToken {
                name: "home-assistant".into(),
            },
            Command::Reboot,
            Command::Shutdown,
            Command::RestartCamera,
            Command::RestartServer,
            Command::Action {
                name: "an_add_on".into(),
                args: serde_json::Value::Null,
            },
        ]
    }

    /// The command's wire name (`snapshot`, `update_media`, ...); for
    /// `action`, the action's name. The `examples_cover_every_command` test
    /// checks each against the serialised `cmd` tag.
    pub fn name(&self) -> &str {
        match self {
            Command::GetState => "get_state",
            Command::Ping => "ping",
            Command::ListActions => "list_actions",
            Command::Watch { .. } => "watch",
            Command::SetView { .. } => "set_view",
            Command::Snapshot(_) => "snapshot",
            Command::Focus(_) => "focus",
            Command::SetControl { .. } => "set_control",
            Command::RecordStart(_) => "record_start",
            Command::RecordStop => "record_stop",
            Command::Light(_) => "light",
            Command::SimulateStall { .. } => "simulate_stall",
            Command::UpdateMedia { .. } => "update_media",
            Command::DeleteMedia { .. } => "delete_media",
            Command::ImportMedia { .. } => "import_media",
            Command::ResetCatalogue { .. } => "reset_catalogue",
            Command::ListTokens => "list_tokens",
            Command::CreateToken { .. } => "create_token",
            Command::RevokeToken { .. } => "revoke_token",
            Command::Reboot => "reboot",
            Command::Shutdown => "shutdown",
            Command::RestartCamera => "restart_camera",
            Command::RestartServer => "restart_server",
            Command::Action { name, .. } => name,
        }
    }

    /// The typed command a built-in action stands for, `None` for any
    /// other name (an add-on action). `args` must be an object (or null
    /// for none); unknown or mistyped arguments are an error.
    pub fn from_action(name: &str, args: &serde_json::Value) -> Option<Result<Command, String>> {
        BUILTIN_ACTIONS.iter().find(|(n, _)| *n == name)?;
        let mut object = match args {
            serde_json::Value::Null => serde_json::Map::new(),
            serde_json::Value::Object(map) => map.clone(),
            other => {
                return Some(Err(format!(
                    "invalid arguments: expected a JSON object, got {other}"
                )));
            }
        };
        if object.contains_key("cmd") {
            return Some(Err("invalid arguments: unknown field `cmd`".into()));
        }
        object.insert("cmd".into(), serde_json::Value::String(name.to_owned()));
        Some(
            serde_json::from_value(serde_json::Value::Object(object))
                .map_err(|e| format!("invalid arguments: {e}")),
        )
    }
}

/// Every message the server sends on the text channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The full current state; sent on connect, on every change, and in
    /// answer to `get_state`.
    State {
        /// Echo of the request id when this answers a command.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// The state itself (boxed: it is by far the largest message).
        state: Box<ServerState>,
    },
    /// Answer to `ping`.
    Pong {
        /// Echo of the request id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// The server's clock when it answered, in µs since the Unix epoch.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        server_us: Option<u64>,
    },
    /// The result of an `action` or `list_actions` command.
    ActionResult {
        /// Echo of the request id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// The action's name.
        action: String,
        /// What it returned (a snapshot returns its catalogue entry).
        result: serde_json::Value,
    },
    /// Pulse waveform samples from the heart-rate sensor, about 50 a
    /// second in batches; every client receives them.
    Pulse {
        /// Raw sensor values (0-1023), oldest first.
        samples: Vec<u16>,
        /// Samples per second.
        rate_hz: u16,
        /// When the batch arrived from the board, by the server's clock
        /// (µs since the Unix epoch); with the clock offset from `pong` it
        /// tells how long the batch took to reach the client.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        received_us: Option<u64>,
    },
    /// The media catalogue changed; every client receives it.
    Media {
        /// What changed.
        event: MediaEvent,
    },
    /// A command could not be carried out. Only the sender sees it.
    Error {
        /// Echo of the request id, when the request could be read that far.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// Stable machine-readable reason.
        code: ErrorCode,
        /// Human-readable explanation.
        message: String,
    },
}

/// A change of the media catalogue, pushed to every client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum MediaEvent {
    /// A new entry.
    Added {
        /// The entry.
        entry: Box<crate::media::MediaEntry>,
    },
    /// An entry's fields changed.
    Updated {
        /// The entry as it is now.
        entry: Box<crate::media::MediaEntry>,
    },
    /// An entry was deleted.
    Removed {
        /// Its id.
        id: i64,
    },
    /// Many entries changed at once (reset, or this client fell behind):
    /// fetch the list again.
    Reload,
}

/// Stable error codes shown to clients: one list for HTTP and the
/// WebSocket alike. Each has its HTTP status ([`ErrorCode::http_status`]);
/// on the WebSocket the code travels in an `error` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The message was not valid JSON, not a known command, or its
    /// arguments were wrong.
    BadRequest,
    /// The message type (for example binary) is not accepted.
    Unsupported,
    /// The request body is over `server.max_body_kilobytes`.
    TooLarge,
    /// The caller has not shown a valid key, token or session where one
    /// is needed (a wrong key at login, a viewer key the rig asks for).
    Unauthorized,
    /// The caller's role may not give this command.
    Forbidden,
    /// The addressed thing (a catalogue entry, its file) does not exist.
    NotFound,
    /// The request conflicts with the current state (already catalogued,
    /// deleting a recording that still runs).
    Conflict,
    /// The request is understood but cannot be carried out for this item
    /// (for example a file that cannot be decoded into a thumbnail).
    Unprocessable,
    /// This camera or server cannot do that at all (for example it has no
    /// adjustable focus, or an encoder is not installed); trying again
    /// will not help.
    NotSupported,
    /// The request cannot be served right now (for example the camera is
    /// not live, or a recording is already running); trying later may work.
    Unavailable,
    /// No frame is available yet (camera starting or offline).
    NoFrame,
    /// The media disk is full.
    StorageFull,
    /// Too many commands too fast; slow down.
    TooManyRequests,
    /// The URL was the original app's and is not served any more (or not
    /// with this configuration); the answer names its successor.
    Gone,
    /// Something failed on the server. The message is always
    /// [`INTERNAL_MESSAGE`]; the detail is in the server's log only.
    Internal,
}

deserialize_by_name!(ErrorCode {
    "bad_request" => BadRequest,
    "unsupported" => Unsupported,
    "too_large" => TooLarge,
    "unauthorized" => Unauthorized,
    "forbidden" => Forbidden,
    "not_found" => NotFound,
    "conflict" => Conflict,
    "unprocessable" => Unprocessable,
    "not_supported" => NotSupported,
    "unavailable" => Unavailable,
    "no_frame" => NoFrame,
    "storage_full" => StorageFull,
    "too_many_requests" => TooManyRequests,
    "gone" => Gone,
    "internal" => Internal,
});

/// The only message clients get for [`ErrorCode::Internal`].
pub const INTERNAL_MESSAGE: &str = "internal error; see the server log";

impl ErrorCode {
    /// The HTTP status that answers this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unsupported => 415,
            ErrorCode::TooLarge => 413,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::Unprocessable | ErrorCode::NotSupported => 422,
            ErrorCode::Unavailable | ErrorCode::NoFrame => 503,
            ErrorCode::StorageFull => 507,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::Gone => 410,
            ErrorCode::Internal => 500,
        }
    }
}

/// Everything a client shows about the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerState {
    /// The camera and its pipeline.
    pub camera: CameraState,
    /// How many WebSocket viewers are connected.
    pub viewers: u32,
    /// The recorder: the running recording, and the last failure.
    #[serde(default)]
    pub recording: RecorderState,
    /// The light and heart-rate device.
    #[serde(default)]
    pub device: crate::device::DeviceState,
    /// Features this server cannot offer because something they need is
    /// not installed, each with the reason (checked at start-up).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unavailable: Vec<Unavailable>,
    /// The restream to a media server, when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restream: Option<RestreamState>,
}

/// The restream of the live H.264 to a media server (`restream.url`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestreamState {
    /// Scheme, host and port of the media server (never the stream key).
    pub target: String,
    /// Whether the stream is going out.
    pub status: RestreamStatus,
    /// Why the last try failed, while retrying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Where the restream stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RestreamStatus {
    /// Connecting to the media server, or waiting for a key frame.
    Connecting,
    /// The stream is going out.
    Live,
    /// The last try failed; it tries again after a pause.
    Retrying,
}

deserialize_by_name!(RestreamStatus {
    "connecting" => Connecting,
    "live" => Live,
    "retrying" => Retrying,
});

impl ServerState {
    /// Why `feature` cannot work on this server, if it cannot.
    pub fn unavailable_reason(&self, feature: Feature) -> Option<&str> {
        self.unavailable
            .iter()
            .find(|u| u.feature == feature)
            .map(|u| u.reason.as_str())
    }
}

/// A server feature that depends on system software (GStreamer elements,
/// helper programs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// The live picture: JPEG frames for every viewer.
    LiveView,
    /// The live picture as H.264, for browsers with WebCodecs.
    LiveH264,
    /// The simulated camera (`camera.source = "test"`).
    TestCamera,
    /// USB cameras (`v4l2`), raw or MJPEG.
    V4l2Camera,
    /// Raspberry Pi cameras (`libcamera`).
    LibcameraCamera,
    /// Focus and camera controls of USB cameras (`v4l2-ctl`).
    CameraControls,
    /// Video recording to MP4.
    Recording,
    /// Gallery thumbnails of photos and videos.
    Thumbnails,
    /// Reading size and duration of imported or interrupted videos.
    Probing,
    /// Publishing the live H.264 to a media server (`restream.url`).
    Restream,
    /// A feature this build does not know, from a newer server: a web app
    /// still open across an upgrade keeps reading the state.
    Other,
}

deserialize_by_name!(Feature {
    "live_view" => LiveView,
    "live_h264" => LiveH264,
    "test_camera" => TestCamera,
    "v4l2_camera" => V4l2Camera,
    "libcamera_camera" => LibcameraCamera,
    "camera_controls" => CameraControls,
    "recording" => Recording,
    "thumbnails" => Thumbnails,
    "probing" => Probing,
    "restream" => Restream,
} otherwise Other);

impl Feature {
    /// Every feature, in display order.
    pub const ALL: [Feature; 10] = [
        Feature::LiveView,
        Feature::LiveH264,
        Feature::TestCamera,
        Feature::V4l2Camera,
        Feature::LibcameraCamera,
        Feature::CameraControls,
        Feature::Recording,
        Feature::Thumbnails,
        Feature::Probing,
        Feature::Restream,
    ];

    /// A short human name, for example "recording".
    pub fn label(self) -> &'static str {
        match self {
            Feature::LiveView => "live view",
            Feature::LiveH264 => "H.264 live view",
            Feature::TestCamera => "the test camera",
            Feature::V4l2Camera => "USB cameras",
            Feature::LibcameraCamera => "Raspberry Pi cameras",
            Feature::CameraControls => "camera controls",
            Feature::Recording => "recording",
            Feature::Thumbnails => "thumbnails",
            Feature::Probing => "video probing",
            Feature::Restream => "the restream",
            Feature::Other => "a newer feature",
        }
    }
}

/// A feature that cannot work on this server, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unavailable {
    /// The feature.
    pub feature: Feature,
    /// What is missing and which Debian package provides it.
    pub reason: String,
}

/// The recorder as clients see it. While a recording runs, the state is
/// re-sent about once a second with the elapsed time and size.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecorderState {
    /// The recording in progress, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<ActiveRecording>,
    /// Why the last recording stopped early (write error, full disk,
    /// camera lost, size or duration limit); cleared by the next start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A recording in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActiveRecording {
    /// Its catalogue id.
    pub id: i64,
    /// Its file name in the media folder.
    pub file_name: String,
    /// Time since it started, in milliseconds, when this state was sent.
    pub elapsed_ms: u64,
    /// Bytes written so far.
    pub bytes: u64,
    /// Frames encoded so far.
    pub frames: u64,
}

/// The camera as clients see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CameraState {
    /// The source in use (after `auto` was resolved).
    pub source: CameraSource,
    /// Device path or name, when the source has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Requested capture width.
    pub width: u32,
    /// Requested capture height.
    pub height: u32,
    /// Requested frames per second.
    pub fps: u32,
    /// Whether frames are flowing.
    pub status: CameraStatus,
    /// Nobody watches and nothing records, so the pipeline is paused to
    /// save power; it resumes within a fraction of a second for the next
    /// viewer, snapshot or recording.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub idle: bool,
    /// Why the camera is offline, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How the live picture is transformed for viewers.
    #[serde(default)]
    pub view: ViewSettings,
    /// The lens focus; `None` when this camera has no adjustable focus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<FocusState>,
    /// Every control the camera offers, with its current value (empty
    /// while the camera is offline or when it has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<CameraControl>,
}

/// The V4L2 control holding the lens position; the server reads focus
/// from it, and the web app shows it as focus, not as a camera control.
pub const FOCUS_ABSOLUTE: &str = "focus_absolute";
/// The V4L2 controls that switch continuous autofocus, newest first.
pub const FOCUS_AUTO: [&str; 2] = ["focus_automatic_continuous", "focus_auto"];

/// Whether the camera control `name` is one of the focus controls.
pub fn is_focus_control(name: &str) -> bool {
    name == FOCUS_ABSOLUTE || FOCUS_AUTO.contains(&name)
}

/// Focus of a camera whose lens can be driven.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FocusState {
    /// Autofocus on or off; `None` when the camera has no autofocus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto: Option<bool>,
    /// Lens position, 0.0 (one end of its range) to 1.0 (the other).
    pub position: f64,
}

/// One adjustable camera control (brightness, exposure, zoom, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CameraControl {
    /// Stable name used to set it, for example `brightness`.
    pub name: String,
    /// Human label, for example `Brightness`.
    pub label: String,
    /// What kind of value it takes.
    pub kind: ControlKind,
    /// Smallest value.
    pub min: i64,
    /// Largest value.
    pub max: i64,
    /// Step between values.
    pub step: i64,
    /// The camera's default.
    pub default: i64,
    /// Current value.
    pub value: i64,
    /// Choices of a menu control.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<MenuOption>,
    /// Set but without effect right now (for example manual focus while
    /// autofocus is on).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inactive: bool,
}

/// Kinds of camera control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ControlKind {
    /// A number between `min` and `max` in steps of `step`.
    Integer,
    /// On (1) or off (0).
    Boolean,
    /// One of `options`.
    Menu,
}

deserialize_by_name!(ControlKind {
    "integer" => Integer,
    "boolean" => Boolean,
    "menu" => Menu,
});

/// One choice of a menu control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MenuOption {
    /// The value that selects it.
    pub value: i64,
    /// Its label.
    pub label: String,
}

/// Transformations of the live picture (not of recordings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViewSettings {
    /// Colour removed.
    pub grayscale: bool,
    /// Width and height halved.
    pub half_resolution: bool,
}

/// Camera sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CameraSource {
    /// A moving test pattern with a burned-in clock.
    Test,
    /// A Video4Linux2 device (USB cameras).
    V4l2,
    /// A Raspberry Pi camera through libcamera.
    Libcamera,
}

deserialize_by_name!(CameraSource {
    "test" => Test,
    "v4l2" => V4l2,
    "libcamera" => Libcamera,
});

/// Whether the camera delivers frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CameraStatus {
    /// The pipeline is being built or is waiting for its first frame.
    Starting,
    /// Frames are flowing.
    Live,
    /// The camera failed; `reason` says why, and it is being retried.
    Offline,
}

deserialize_by_name!(CameraStatus {
    "starting" => Starting,
    "live" => Live,
    "offline" => Offline,
});

/// Which live picture a WebSocket session receives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VideoFormat {
    /// No frames (pages without a live picture).
    None,
    /// One JPEG per frame; every browser can show it.
    #[default]
    Jpeg,
    /// H.264 access units, a key frame first; for WebCodecs.
    H264,
}

deserialize_by_name!(VideoFormat {
    "none" => None,
    "jpeg" => Jpeg,
    "h264" => H264,
});

impl ClientMessage {
    /// Parses a text message. On failure returns an error reply that carries
    /// the request id when the message was JSON with a numeric `id`.
    pub fn parse(text: &str) -> Result<Self, ServerMessage> {
        serde_json::from_str(text).map_err(|err| {
            let id = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v.get("id").and_then(serde_json::Value::as_u64));
            ServerMessage::Error {
                id,
                code: ErrorCode::BadRequest,
                message: format!("invalid command: {err}"),
            }
        })
    }
}

impl ServerMessage {
    /// Serialises the message to JSON text.
    pub fn to_json(&self) -> String {
        // Serialising these plain data types cannot fail: no maps with
        // non-string keys, no custom serialisers.
        serde_json::to_string(self).unwrap_or_else(|err| {
            format!(r#"{{"type":"error","code":"internal","message":"{err}"}}"#)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feature_from_a_newer_server_still_parses() {
        let unavailable: Unavailable =
            serde_json::from_str(r#"{"feature":"holograms","reason":"not yet"}"#).unwrap();
        assert_eq!(unavailable.feature, Feature::Other);
        let known: Unavailable =
            serde_json::from_str(r#"{"feature":"live_h264","reason":"x264enc"}"#).unwrap();
        assert_eq!(known.feature, Feature::LiveH264);
    }

    #[test]
    fn examples_cover_every_command() {
        let examples = Command::examples();
        let mut names: Vec<&str> = examples.iter().map(Command::name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), examples.len(), "{names:?}");
        // Counted by the exhaustive match: each arm adds its own variant.
        let variants = examples
            .iter()
            .map(|c| match c {
                Command::GetState => 0,
                Command::Ping => 1,
                Command::ListActions => 2,
                Command::SetView { .. } => 3,
                Command::Snapshot(_) => 4,
                Command::Focus(_) => 5,
                Command::SetControl { .. } => 6,
                Command::RecordStart(_) => 7,
                Command::RecordStop => 8,
                Command::Light(_) => 9,
                Command::SimulateStall { .. } => 10,
                Command::UpdateMedia { .. } => 11,
                Command::DeleteMedia { .. } => 12,
                Command::ImportMedia { .. } => 13,
                Command::ResetCatalogue { .. } => 14,
                Command::Action { .. } => 15,
                Command::ListTokens => 16,
                Command::CreateToken { .. } => 17,
                Command::RevokeToken { .. } => 18,
                Command::Reboot => 19,
                Command::Shutdown => 20,
                Command::RestartCamera => 21,
                Command::RestartServer => 22,
                Command::Watch { .. } => 23,
            })
            .collect::<std::collections::BTreeSet<_>>();
        assert_eq!(variants.len(), 24);
        for command in examples {
            let json = serde_json::to_string(&command).unwrap();
            assert_eq!(
                serde_json::from_str::<Command>(&json).unwrap(),
                command,
                "{json}"
            );
        }
    }

    #[test]
    fn only_watching_and_asking_is_for_viewers() {
        let examples = Command::examples();
        let viewer: Vec<&str> = examples
            .iter()
            .filter(|c| c.role() == Role::Viewer)
            .map(Command::name)
            .collect();
        assert_eq!(viewer, ["get_state", "ping", "list_actions", "watch"]);
    }

    #[test]
    fn typed_commands_have_flat_arguments_on_the_wire() {
        let parsed =
            ClientMessage::parse(r#"{"id":4,"cmd":"snapshot","name":"left eye"}"#).unwrap();
        assert_eq!(parsed.id, Some(4));
        assert_eq!(
            parsed.command,
            Command::Snapshot(CaptureArgs {
                name: Some("left eye".into()),
                date_label: None
            })
        );
        // The entry's id is `media_id`: `id` is the request's, and both
        // travel in one object.
        let update = r#"{"id":7,"cmd":"update_media","media_id":3,"changes":{"notes":"n"}}"#;
        let parsed = ClientMessage::parse(update).unwrap();
        assert_eq!(parsed.id, Some(7));
        assert!(matches!(
            parsed.command,
            Command::UpdateMedia { media_id: 3, .. }
        ));
        for command in Command::examples() {
            let message = ClientMessage {
                id: Some(99),
                command: command.clone(),
            };
            let json = serde_json::to_string(&message).unwrap();
            assert_eq!(json.matches("\"id\":").count(), 1, "{json}");
            assert_eq!(ClientMessage::parse(&json).unwrap(), message, "{json}");
        }
    }

    #[test]
    fn built_in_actions_by_name_become_typed_commands() {
        for (name, _) in BUILTIN_ACTIONS {
            let args = match *name {
                "set_control" => serde_json::json!({"name": "brightness", "value": 1}),
                "simulate_stall" => serde_json::json!({"stalled": false}),
                _ => serde_json::Value::Null,
            };
            let typed = Command::from_action(name, &args).unwrap().unwrap();
            assert!(!matches!(typed, Command::Action { .. }), "{name}");
            assert_eq!(typed.name(), *name);
        }
        let focus = Command::from_action("focus", &serde_json::json!({"step": -0.05}));
        assert_eq!(
            focus,
            Some(Ok(Command::Focus(FocusRequest {
                step: Some(-0.05),
                ..FocusRequest::default()
            })))
        );
        // Unknown or mistyped arguments, a non-object, and smuggling a
        // different command through `cmd` are refused.
        for (name, args) in [
            ("snapshot", serde_json::json!({"nme": "x"})),
            ("light", serde_json::json!({"brightness": 300})),
            ("record_stop", serde_json::json!([1])),
            ("snapshot", serde_json::json!({"cmd": "reset_catalogue"})),
        ] {
            let refused = Command::from_action(name, &args).unwrap();
            assert!(refused.is_err(), "{name} {args}: {refused:?}");
        }
        assert_eq!(
            Command::from_action("an_add_on", &serde_json::Value::Null),
            None
        );
    }

    #[test]
    fn commands_parse_with_and_without_id() {
        assert_eq!(
            ClientMessage::parse(r#"{"cmd":"get_state"}"#).unwrap(),
            ClientMessage {
                id: None,
                command: Command::GetState
            }
        );
        assert_eq!(
            ClientMessage::parse(r#"{"id":7,"cmd":"ping"}"#).unwrap(),
            ClientMessage {
                id: Some(7),
                command: Command::Ping
            }
        );
    }

    #[test]
    fn malformed_and_unknown_commands_are_bad_requests_with_the_id() {
        for (text, id) in [
            ("not json", None),
            ("{}", None),
            (r#"{"id":3,"cmd":"fly"}"#, Some(3)),
            (r#"{"id":4}"#, Some(4)),
            (r#"[1,2]"#, None),
        ] {
            match ClientMessage::parse(text) {
                Err(ServerMessage::Error {
                    id: got,
                    code: ErrorCode::BadRequest,
                    message,
                }) => {
                    assert_eq!(got, id, "{text}");
                    assert!(message.starts_with("invalid command"), "{message}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn state_round_trips_through_json() {
        let msg = ServerMessage::State {
            id: None,
            state: Box::new(ServerState {
                camera: CameraState {
                    source: CameraSource::Test,
                    device: None,
                    width: 1280,
                    height: 720,
                    fps: 30,
                    status: CameraStatus::Offline,
                    idle: false,
                    reason: Some("no device".into()),
                    view: ViewSettings::default(),
                    focus: Some(FocusState {
                        auto: Some(false),
                        position: 0.25,
                    }),
                    controls: vec![CameraControl {
                        name: "brightness".into(),
                        label: "Brightness".into(),
                        kind: ControlKind::Integer,
                        min: -64,
                        max: 64,
                        step: 1,
                        default: 0,
                        value: 3,
                        options: Vec::new(),
                        inactive: false,
                    }],
                },
                viewers: 2,
                recording: RecorderState {
                    active: Some(ActiveRecording {
                        id: 4,
                        file_name: "a.mp4".into(),
                        elapsed_ms: 1500,
                        bytes: 10,
                        frames: 45,
                    }),
                    error: None,
                },
                device: Default::default(),
                unavailable: vec![Unavailable {
                    feature: Feature::Recording,
                    reason: "GStreamer element 'h264parse' is missing".into(),
                }],
                restream: Some(RestreamState {
                    target: "rtmp://mediamtx.local:1935".into(),
                    status: RestreamStatus::Retrying,
                    reason: Some("Could not connect".into()),
                }),
            }),
        };
        let json = msg.to_json();
        assert!(json.contains(r#""type":"state""#), "{json}");
        assert!(
            json.contains(r#""unavailable":[{"feature":"recording","#),
            "{json}"
        );
        assert!(json.contains(r#""status":"offline""#), "{json}");
        assert_eq!(serde_json::from_str::<ServerMessage>(&json).unwrap(), msg);
    }
}
