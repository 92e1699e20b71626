//! Add-on actions: the successor of the original app's "generic payload"
//! route. An add-on is a type implementing [`CameraAction`] (a name, a
//! one-line description, the role it needs, and an async `run` taking JSON
//! arguments), registered in a [`Registry`]; clients reach it by name
//! (`{"cmd": "action", "name": ..., "args": {...}}` or `POST
//! /api/actions/{name}`) through the same door as every typed command
//! (`dispatch.rs`), so adding one touches neither the router nor the
//! protocol. The built-in actions are typed commands now (see
//! `shared::commands::BUILTIN_ACTIONS`). [`ActionError`] is the vocabulary
//! of the owners' failures and its conversion into [`ApiError`] decides
//! every code a client sees for them.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::Value;
use shared::commands::Role;

use crate::camera::controls::ControlError;
use crate::camera::{CameraError, CameraGone};
use crate::catalogue::CatalogueError;
use crate::device::DeviceError;
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
                | RecordingError::CameraNotLive
                | RecordingError::Gone => ApiError::Unavailable(message),
            },
            ActionError::Device(err) => match err {
                DeviceError::NotConfigured => ApiError::NotSupported(message),
                DeviceError::BadColor(_) => ApiError::BadRequest(message),
                _ => ApiError::Unavailable(message),
            },
        }
    }
}

/// Each owner's error answers clients as its [`ActionError`] does.
macro_rules! api_error_via_action_error {
    ($($error:ty),*) => {$(
        impl From<$error> for ApiError {
            fn from(err: $error) -> Self {
                ActionError::from(err).into()
            }
        }
    )*};
}
api_error_via_action_error!(
    ControlError,
    CameraError,
    CameraGone,
    RecordingError,
    DeviceError
);

/// A named action with JSON arguments and a JSON result.
pub trait CameraAction: Send + Sync {
    /// The name clients use, for example `"snapshot"`.
    fn name(&self) -> &'static str;
    /// One line for `list_actions`.
    fn description(&self) -> &'static str;
    /// Who may run it (operators by default; `dispatch` checks it).
    fn role(&self) -> Role {
        Role::Operator
    }
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

/// An action made from a name, a description and an async function; the
/// quickest way to write an add-on. It needs the operator role.
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
