//! Named camera actions: the successor of the original app's "generic
//! payload" route. An action is a type implementing [`CameraAction`]
//! (a name, a one-line description, and an async `run` taking JSON
//! arguments); [`Registry::with_builtins`] lists them. Clients reach every
//! action through the one command channel (`{"cmd": "action", "name":
//! "snapshot", "args": {...}}`), so adding an action touches neither the
//! router nor the protocol. [`Snapshot`] is the first registered action.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::Value;
use shared::media::{CaptureMetadata, MediaKind};
use shared::{ErrorCode, MediaEvent};

use crate::catalogue::CatalogueError;
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
}

impl ActionError {
    /// The stable error code for clients.
    pub fn code(&self) -> ErrorCode {
        match self {
            ActionError::BadArguments(_) => ErrorCode::BadRequest,
            ActionError::Unavailable(_) => ErrorCode::Unavailable,
            ActionError::Catalogue(_) => ErrorCode::Internal,
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
        registry.register(Snapshot);
        registry.register(SimulateStall);
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

/// Saves the picture viewers see now as a JPEG in the catalogue.
pub struct Snapshot;

/// Arguments of [`Snapshot`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotArgs {
    /// File name wish (sanitised); default: the capture time.
    #[serde(default)]
    name: Option<String>,
    /// Date label stored with the entry.
    #[serde(default)]
    date_label: Option<String>,
}

impl CameraAction for Snapshot {
    fn name(&self) -> &'static str {
        "snapshot"
    }

    fn description(&self) -> &'static str {
        "save the current picture as a photo; args: name, date_label (both optional)"
    }

    fn run<'a>(
        &'a self,
        app: &'a AppState,
        args: Value,
    ) -> BoxFuture<'a, Result<Value, ActionError>> {
        Box::pin(async move {
            let args: SnapshotArgs = arguments(args)?;
            let frame = app.camera.frames().borrow().clone();
            let Some(frame) = frame else {
                return Err(ActionError::Unavailable(
                    "no picture yet: the camera is not live".into(),
                ));
            };
            let camera = app.state.borrow().camera.clone();
            let metadata = CaptureMetadata {
                camera: Some(camera.source.as_str().to_owned()),
                grayscale: Some(camera.view.grayscale),
                half_resolution: Some(camera.view.half_resolution),
                ..Default::default()
            };
            let jpeg = frame.jpeg();
            let entry = app
                .catalogue
                .save_new(
                    args.name.as_deref(),
                    MediaKind::Photo,
                    args.date_label.as_deref().unwrap_or_default(),
                    metadata,
                    move |file| std::io::Write::write_all(file, &jpeg),
                )
                .await?;
            app.media_changed(MediaEvent::Added {
                entry: Box::new(entry.clone()),
            });
            serde_json::to_value(entry).map_err(|e| ActionError::Unavailable(e.to_string()))
        })
    }
}

/// Stops or resumes the test source's frames, to see (and test) how the
/// rig behaves when a camera goes silent. Other sources refuse.
pub struct SimulateStall;

/// Arguments of [`SimulateStall`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StallArgs {
    /// `true` stops the frames, `false` lets them flow again.
    stalled: bool,
}

impl CameraAction for SimulateStall {
    fn name(&self) -> &'static str {
        "simulate_stall"
    }

    fn description(&self) -> &'static str {
        "test source only: stop (stalled: true) or resume (false) the frames"
    }

    fn run<'a>(
        &'a self,
        app: &'a AppState,
        args: Value,
    ) -> BoxFuture<'a, Result<Value, ActionError>> {
        Box::pin(async move {
            let args: StallArgs = arguments(args)?;
            let possible = app
                .camera
                .simulate_stall(args.stalled)
                .await
                .map_err(|e| ActionError::Unavailable(e.to_string()))?;
            if !possible {
                return Err(ActionError::Unavailable(
                    "only the test source can simulate a stall".into(),
                ));
            }
            Ok(serde_json::json!({ "stalled": args.stalled }))
        })
    }
}
