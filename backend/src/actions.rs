//! Named camera actions: the successor of the original app's "generic
//! payload" route. An action is a type implementing [`CameraAction`]
//! (a name, a one-line description, and an async `run` taking JSON
//! arguments); [`Registry::with_builtins`] lists them. Clients reach every
//! action through the one command channel (`{"cmd": "action", "name":
//! "snapshot", "args": {...}}`), so adding an action touches neither the
//! router nor the protocol. Built-in actions are plain async functions
//! wrapped in [`FnAction`]: `snapshot` (the first), `focus`,
//! `set_control`, `record_start`, `record_stop` and `simulate_stall`.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::Value;
use shared::MediaEvent;
use shared::media::{CaptureMetadata, MediaKind};

use crate::camera::controls::{ControlError, FocusRequest};
use crate::camera::{CameraError, CameraGone};
use crate::catalogue::CatalogueError;
use crate::device::DeviceError;
use crate::device::light::LightRequest;
use crate::error::ApiError;
use crate::recording::RecordingError;
use crate::state::AppState;

/// Why an action failed; shown to the client that asked.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The arguments did not fit the action.
    #[error("invalid arguments: {0}")]
    BadArguments(String),
    /// The action cannot run right now (for example no frame yet).
    #[error("{0}")]
    Unavailable(String),
    /// Saving failed.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// A camera control request was refused.
    #[error(transparent)]
    Control(#[from] ControlError),
    /// Recording could not start or stop.
    #[error(transparent)]
    Recording(#[from] RecordingError),
    /// The light device refused or is unreachable.
    #[error(transparent)]
    Device(#[from] DeviceError),
}

impl From<CameraGone> for ActionError {
    fn from(gone: CameraGone) -> Self {
        ActionError::Unavailable(gone.to_string())
    }
}

impl From<CameraError> for ActionError {
    fn from(err: CameraError) -> Self {
        match err {
            CameraError::Gone(gone) => gone.into(),
            CameraError::Control(control) => control.into(),
        }
    }
}

impl From<ActionError> for ApiError {
    /// The one mapping from an action's failure to what its client sees;
    /// internal failures are logged and answered generically.
    fn from(err: ActionError) -> Self {
        let message = err.to_string();
        match err {
            ActionError::BadArguments(_) => ApiError::BadRequest(message),
            ActionError::Unavailable(_) => ApiError::Unavailable(message),
            ActionError::Catalogue(inner) => inner.into(),
            ActionError::Control(err) => match err {
                ControlError::NoFocus => ApiError::NotSupported(message),
                ControlError::Unknown { .. }
                | ControlError::OutOfRange { .. }
                | ControlError::NotANumber => ApiError::BadRequest(message),
                ControlError::Offline | ControlError::Device(_) => ApiError::Unavailable(message),
            },
            ActionError::Recording(err) => match err {
                RecordingError::Catalogue(inner) => inner.into(),
                RecordingError::NotInstalled(_) => ApiError::NotSupported(message),
                RecordingError::Encoder(inner) => {
                    ApiError::internal("the recording could not start", inner)
                }
                RecordingError::Busy(_)
                | RecordingError::NotRecording
                | RecordingError::CameraNotLive => ApiError::Unavailable(message),
            },
            ActionError::Device(err) => match err {
                DeviceError::NotConfigured => ApiError::NotSupported(message),
                DeviceError::BadColor(_) => ApiError::BadRequest(message),
                _ => ApiError::Unavailable(message),
            },
        }
    }
}

/// A named action with JSON arguments and a JSON result.
pub trait CameraAction: Send + Sync {
    /// The name clients use, for example `"snapshot"`.
    fn name(&self) -> &'static str;
    /// One line for `list_actions`.
    fn description(&self) -> &'static str;
    /// Carries the action out.
    fn run<'a>(
        &'a self,
        app: &'a AppState,
        args: Value,
    ) -> BoxFuture<'a, Result<Value, ActionError>>;
}

/// Parses an action's arguments into its own type; `null` counts as `{}`.
pub fn arguments<T: for<'de> Deserialize<'de>>(args: Value) -> Result<T, ActionError> {
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    serde_json::from_value(args).map_err(|e| ActionError::BadArguments(e.to_string()))
}

/// The actions the server offers, by name.
#[derive(Clone, Default)]
pub struct Registry {
    actions: BTreeMap<&'static str, Arc<dyn CameraAction>>,
}

impl Registry {
    /// The built-in actions.
    pub fn with_builtins() -> Self {
        let mut registry = Registry::default();
        registry.register(FnAction {
            name: "snapshot",
            description: "save the current picture as a photo; args: name, date_label (both optional)",
            run: snapshot,
        });
        registry.register(FnAction {
            name: "focus",
            description: "drive the lens; args: auto (bool), position (0.0-1.0, clamped), step (e.g. -0.05 or 0.05); all optional",
            run: focus,
        });
        registry.register(FnAction {
            name: "set_control",
            description: "set a camera control; args: name (as in the state's camera.controls), value (integer)",
            run: set_control,
        });
        registry.register(FnAction {
            name: "record_start",
            description: "start recording H.264 MP4; args: name, date_label (both optional)",
            run: record_start,
        });
        registry.register(FnAction {
            name: "record_stop",
            description: "stop the recording; returns its catalogue entry",
            run: record_stop,
        });
        registry.register(FnAction {
            name: "light",
            description: "set the light; args: on (bool), brightness (0-255), color (rrggbb), white (0-255); all optional",
            run: light,
        });
        registry.register(FnAction {
            name: "simulate_stall",
            description: "test source only: stop (stalled: true) or resume (false) the frames",
            run: simulate_stall,
        });
        registry
    }

    /// Adds (or replaces) an action.
    pub fn register(&mut self, action: impl CameraAction + 'static) {
        self.actions.insert(action.name(), Arc::new(action));
    }

    /// The action called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<dyn CameraAction>> {
        self.actions.get(name).cloned()
    }

    /// Names and descriptions of every action.
    pub fn list(&self) -> Vec<(&'static str, &'static str)> {
        self.actions
            .values()
            .map(|a| (a.name(), a.description()))
            .collect()
    }
}

/// An action made from a name, a description and an async function; how
/// the built-in actions are defined.
pub struct FnAction {
    /// The name clients use.
    pub name: &'static str,
    /// One line for `list_actions`.
    pub description: &'static str,
    /// The function that carries it out.
    pub run: for<'a> fn(&'a AppState, Value) -> BoxFuture<'a, Result<Value, ActionError>>,
}

impl CameraAction for FnAction {
    fn name(&self) -> &'static str {
        self.name
    }

    fn description(&self) -> &'static str {
        self.description
    }

    fn run<'a>(
        &'a self,
        app: &'a AppState,
        args: Value,
    ) -> BoxFuture<'a, Result<Value, ActionError>> {
        (self.run)(app, args)
    }
}

/// Arguments of a capture: a file name wish and a date label.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaptureArgs {
    /// File name wish (sanitised); default: the capture time.
    #[serde(default)]
    name: Option<String>,
    /// Date label stored with the entry.
    #[serde(default)]
    date_label: Option<String>,
}

/// What the rig is doing now, for a capture's catalogue entry.
fn capture_metadata(app: &AppState) -> CaptureMetadata {
    let state = app.state.borrow();
    let (camera, device) = (&state.camera, &state.device);
    let light = device.light;
    CaptureMetadata {
        camera: Some(camera.source.as_str().to_owned()),
        grayscale: Some(camera.view.grayscale),
        half_resolution: Some(camera.view.half_resolution),
        focus: camera.focus.map(|f| f.position),
        light: (device.link == shared::device::LinkStatus::Connected && light.on).then_some([
            light.r,
            light.g,
            light.b,
            light.w,
            light.brightness,
        ]),
        heart_rate_bpm: device.heart.bpm,
    }
}

fn to_json(value: impl serde::Serialize) -> Result<Value, ActionError> {
    serde_json::to_value(value).map_err(|e| ActionError::Unavailable(e.to_string()))
}

/// Saves the picture viewers see now as a JPEG in the catalogue.
fn snapshot(app: &AppState, args: Value) -> BoxFuture<'_, Result<Value, ActionError>> {
    Box::pin(async move {
        let args: CaptureArgs = arguments(args)?;
        let frame = app.camera.frames().borrow().clone();
        let Some(frame) = frame else {
            return Err(ActionError::Unavailable(
                "no picture yet: the camera is not live".into(),
            ));
        };
        let jpeg = frame.jpeg();
        let entry = app
            .catalogue
            .save_new(
                args.name.as_deref(),
                MediaKind::Photo,
                args.date_label.as_deref().unwrap_or_default(),
                capture_metadata(app),
                move |file| std::io::Write::write_all(file, &jpeg),
            )
            .await?;
        app.media_changed(MediaEvent::Added {
            entry: Box::new(entry.clone()),
        });
        to_json(entry)
    })
}

/// Autofocus on/off, set or step the lens position.
fn focus(app: &AppState, args: Value) -> BoxFuture<'_, Result<Value, ActionError>> {
    Box::pin(async move {
        let request: FocusRequest = arguments(args)?;
        to_json(app.camera.focus(request).await?)
    })
}

/// Arguments of `set_control`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlArgs {
    name: String,
    value: i64,
}

/// Sets one camera control.
fn set_control(app: &AppState, args: Value) -> BoxFuture<'_, Result<Value, ActionError>> {
    Box::pin(async move {
        let args: ControlArgs = arguments(args)?;
        to_json(app.camera.set_control(&args.name, args.value).await?)
    })
}

/// Starts a recording.
fn record_start(app: &AppState, args: Value) -> BoxFuture<'_, Result<Value, ActionError>> {
    Box::pin(async move {
        let args: CaptureArgs = arguments(args)?;
        let entry = app
            .recorder
            .start(
                args.name.as_deref(),
                args.date_label.as_deref().unwrap_or_default(),
                capture_metadata(app),
            )
            .await?;
        to_json(entry)
    })
}

/// Arguments of actions that take none.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

/// Stops the recording.
fn record_stop(app: &AppState, args: Value) -> BoxFuture<'_, Result<Value, ActionError>> {
    Box::pin(async move {
        let NoArgs {} = arguments(args)?;
        to_json(app.recorder.stop().await?)
    })
}

/// Switches, dims or colours the light; answers with what the device
/// confirmed.
fn light(app: &AppState, args: Value) -> BoxFuture<'_, Result<Value, ActionError>> {
    Box::pin(async move {
        let request: LightRequest = arguments(args)?;
        to_json(app.device.set_light(request).await?)
    })
}

/// Arguments of `simulate_stall`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StallArgs {
    /// `true` stops the frames, `false` lets them flow again.
    stalled: bool,
}

/// Stops or resumes the test source's frames, to see (and test) how the
/// rig behaves when a camera goes silent. Other sources refuse.
fn simulate_stall(app: &AppState, args: Value) -> BoxFuture<'_, Result<Value, ActionError>> {
    Box::pin(async move {
        let args: StallArgs = arguments(args)?;
        if !app.camera.simulate_stall(args.stalled).await? {
            return Err(ActionError::Unavailable(
                "only the test source can simulate a stall".into(),
            ));
        }
        Ok(serde_json::json!({ "stalled": args.stalled }))
    })
}
