//! The one door for commands. Every command, whether a WebSocket message or
//! an HTTP route that changes something (`/api/actions/{name}`, the
//! catalogue's PATCH, DELETE, import and reset), becomes a typed
//! [`Command`] and passes through [`dispatch`]: it resolves a built-in
//! action's name to its typed command, checks the caller's role against
//! [`Command::role`], and maps the command to its owner (camera, device,
//! recorder, catalogue) in one `match`. Add-on actions registered in
//! [`crate::actions::Registry`] go through the same door and the same
//! check. Failures come back as [`ApiError`], which both transports answer
//! with the same code and message. State changes reach every client
//! separately, through the state channel and the media events. Every
//! operator command is recorded in the audit trail ([`crate::audit`]) with
//! who gave it and what came of it.

use serde_json::{Value, json};
use shared::commands::{BUILTIN_ACTIONS, CaptureArgs, Role};
use shared::media::{CaptureMetadata, MediaKind, MediaUpdate};
use shared::{ClientMessage, Command, MediaEvent, ServerMessage, ServerState};

use crate::audit::Who;
use crate::auth::routes::Caller;
use crate::catalogue::names::clean_text;
use crate::error::ApiError;
use crate::state::AppState;

/// What a command answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The full current state (`get_state`, `set_view`).
    State(Box<ServerState>),
    /// Answer to `ping`.
    Pong,
    /// A command's result (a catalogue entry, the new focus, ...).
    Result(Value),
    /// Done, with nothing to return (a deletion).
    Done,
}

/// Carries out `command` for `who`, and records it in the audit trail
/// when it is an operator's.
pub async fn dispatch(app: &AppState, who: &Who, command: Command) -> Result<Reply, ApiError> {
    // Checked before and after resolving an action's name, so a viewer
    // learns nothing about arguments it may not use anyway.
    allowed(who.role, &command)?;
    let command = resolve(command)?;
    allowed(who.role, &command)?;
    if command.role() < Role::Operator {
        return execute(app, who.role, command).await;
    }
    let outcome = execute(app, who.role, command.clone()).await;
    let result = match &outcome {
        Ok(Reply::Result(value)) => Ok(Some(value)),
        Ok(_) => Ok(None),
        Err(err) => Err(err),
    };
    crate::audit::record(&app.catalogue, who, &command, result).await;
    outcome
}

/// Refuses a request to a caller below `needed`; `what` names it.
pub(crate) fn require(
    app: &AppState,
    caller: &Caller,
    needed: Role,
    what: &str,
) -> Result<(), ApiError> {
    if caller.role(app)? < needed {
        return Err(forbidden(what, needed));
    }
    Ok(())
}

/// Carries out a command already checked against `caller`'s role.
async fn execute(app: &AppState, caller: Role, command: Command) -> Result<Reply, ApiError> {
    let result = match command {
        Command::GetState => return Ok(state(app)),
        Command::Ping => return Ok(Reply::Pong),
        Command::Watch { .. } => {
            return Err(ApiError::NotSupported(
                "watch chooses the live picture of a WebSocket session; send it there".into(),
            ));
        }
        Command::ListActions => list_actions(app),
        Command::SetView {
            grayscale,
            half_resolution,
        } => {
            app.camera
                .set_view(grayscale, half_resolution)
                .await
                .map_err(|e| ApiError::internal("cannot change the view", e))?;
            return Ok(state(app));
        }
        Command::Snapshot(args) => {
            room(app)?;
            to_json(snapshot(app, capture_args(args)?).await?)?
        }
        Command::Focus(request) => to_json(app.camera.focus(request).await?)?,
        Command::SetControl { name, value } => {
            to_json(app.camera.set_control(&name, value).await?)?
        }
        Command::RecordStart(args) => {
            room(app)?;
            let args = capture_args(args)?;
            let metadata = capture_metadata(app);
            let entry = app
                .recorder
                .start(
                    args.name.as_deref(),
                    args.date_label.as_deref().unwrap_or_default(),
                    metadata,
                )
                .await?;
            to_json(entry)?
        }
        Command::RecordStop => to_json(app.recorder.stop().await?)?,
        Command::Light(request) => to_json(app.device.set_light(request).await?)?,
        Command::SimulateStall { stalled } => {
            if !app.camera.simulate_stall(stalled).await? {
                return Err(ApiError::Unavailable(
                    "only the test source can simulate a stall".into(),
                ));
            }
            json!({ "stalled": stalled })
        }
        Command::UpdateMedia { media_id, changes } => {
            to_json(update_media(app, media_id, changes).await?)?
        }
        Command::DeleteMedia { media_id } => {
            delete_media(app, media_id).await?;
            return Ok(Reply::Done);
        }
        Command::ImportMedia {
            file_name,
            date_label,
        } => {
            let date_label = text_field("date_label", date_label, false)?;
            let entry = app.catalogue.import(&file_name, &date_label).await?;
            app.media_changed(MediaEvent::Added {
                entry: Box::new(entry.clone()),
            });
            to_json(entry)?
        }
        Command::ResetCatalogue { confirm } => to_json(reset_catalogue(app, &confirm).await?)?,
        Command::ListTokens => to_json(app.auth.tokens())?,
        Command::CreateToken { name } => to_json(app.auth.create_token(&name).await?)?,
        Command::RevokeToken { name } => {
            app.auth.revoke_token(&name).await?;
            return Ok(Reply::Done);
        }
        Command::Reboot => app.system.reboot().await?,
        Command::Shutdown => app.system.shutdown().await?,
        Command::RestartCamera => {
            app.camera
                .restart()
                .await
                .map_err(|e| ApiError::internal("cannot restart the camera", e))?;
            json!({ "message": "the camera is restarting" })
        }
        Command::RestartServer => app.system.restart_server(),
        Command::Action { name, args } => add_on(app, caller, &name, args).await?,
    };
    Ok(Reply::Result(result))
}

/// Runs a command through the one door for an HTTP caller; its result.
pub async fn run(app: &AppState, caller: &Caller, command: Command) -> Result<Value, ApiError> {
    match dispatch(app, &Who::of(app, caller)?, command).await? {
        Reply::Result(value) => Ok(value),
        Reply::State(state) => Ok(serde_json::to_value(state)
            .map_err(|e| ApiError::internal("cannot encode the state", e))?),
        Reply::Pong | Reply::Done => Ok(Value::Null),
    }
}

/// Refuses `command` to a caller below its role.
fn allowed(caller: Role, command: &Command) -> Result<(), ApiError> {
    let needed = command.role();
    if caller < needed {
        return Err(forbidden(command.name(), needed));
    }
    Ok(())
}

/// The refusal of `name` to a caller below `needed`.
pub(crate) fn forbidden(name: &str, needed: Role) -> ApiError {
    let who = match needed {
        Role::Viewer => "viewers",
        Role::Operator => "operators",
    };
    ApiError::Forbidden(format!(
        "{name} is for {who}: log in with the operator key, or send it (or an API token) \
         as Authorization: Bearer"
    ))
}

/// A built-in action given by name (`{"cmd": "action", "name":
/// "snapshot", ...}`, `POST /api/actions/snapshot`) becomes its typed
/// command; anything else stays as it is.
fn resolve(command: Command) -> Result<Command, ApiError> {
    if let Command::Action { name, args } = &command
        && let Some(typed) = Command::from_action(name, args)
    {
        return typed.map_err(ApiError::BadRequest);
    }
    Ok(command)
}

/// Runs an add-on action from the registry, which may ask more than the
/// operator role of every action.
async fn add_on(app: &AppState, caller: Role, name: &str, args: Value) -> Result<Value, ApiError> {
    let Some(action) = app.actions.get(name) else {
        let known: Vec<String> = action_list(app).into_iter().map(|(n, _)| n).collect();
        return Err(ApiError::BadRequest(format!(
            "unknown action {name:?}; known actions: {}",
            known.join(", ")
        )));
    };
    if caller < action.role() {
        return Err(forbidden(name, action.role()));
    }
    Ok(action.run(app, args).await?)
}

/// Names and descriptions of the built-in and add-on actions, by name.
fn action_list(app: &AppState) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = BUILTIN_ACTIONS
        .iter()
        .map(|(n, d)| ((*n).to_owned(), (*d).to_owned()))
        .chain(
            app.actions
                .list()
                .into_iter()
                .map(|(n, d)| (n.to_owned(), d.to_owned())),
        )
        .collect();
    all.sort();
    all.dedup_by(|a, b| a.0 == b.0);
    all
}

fn list_actions(app: &AppState) -> Value {
    Value::Array(
        action_list(app)
            .into_iter()
            .map(|(name, description)| json!({"name": name, "description": description}))
            .collect(),
    )
}

/// Answers a WebSocket message: the command's reply, or its error, with
/// the request's id.
pub async fn answer(app: &AppState, caller: &Caller, message: ClientMessage) -> ServerMessage {
    let id = message.id;
    let name = message.command.name().to_owned();
    let who = match Who::of(app, caller) {
        Ok(who) => who,
        Err(err) => return err.to_message(id),
    };
    match dispatch(app, &who, message.command).await {
        Ok(Reply::State(state)) => ServerMessage::State { id, state },
        Ok(Reply::Pong) => ServerMessage::Pong {
            id,
            server_us: Some(crate::camera::pipeline::unix_now_us()),
        },
        Ok(Reply::Result(result)) => ServerMessage::ActionResult {
            id,
            action: name,
            result,
        },
        Ok(Reply::Done) => ServerMessage::ActionResult {
            id,
            action: name,
            result: Value::Null,
        },
        Err(err) => err.to_message(id),
    }
}

/// The current state, as a reply.
fn state(app: &AppState) -> Reply {
    Reply::State(Box::new(app.state.borrow().clone()))
}

fn to_json(value: impl serde::Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::internal("cannot encode a reply", e))
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

/// Saves the picture viewers see now as a JPEG in the catalogue.
async fn snapshot(
    app: &AppState,
    args: CaptureArgs,
) -> Result<shared::media::MediaEntry, ApiError> {
    let frame = app
        .camera
        .current_jpeg()
        .await
        .map_err(|why| ApiError::Unavailable(format!("no picture: {why}")))?;
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
    Ok(entry)
}

/// Refuses a capture when the media disk is below its free-space floor.
fn room(app: &AppState) -> Result<(), ApiError> {
    match crate::disk::below_floor(app.catalogue.dir(), app.min_free_megabytes) {
        Some(why) => Err(ApiError::StorageFull(why)),
        None => Ok(()),
    }
}

/// Longest name, title, notes or date label a client may set, in bytes.
const MAX_TEXT: usize = 10_000;

/// Checks a text field a client sent: refused when longer than
/// [`MAX_TEXT`], stored without control and invisible formatting
/// characters (line breaks and tabs stay in `multiline` fields).
fn text_field(field: &str, text: String, multiline: bool) -> Result<String, ApiError> {
    if text.len() > MAX_TEXT {
        return Err(ApiError::BadRequest(format!(
            "{field} is longer than {MAX_TEXT} bytes"
        )));
    }
    Ok(clean_text(&text, multiline))
}

/// [`text_field`] for a field that may be absent.
fn optional_text(
    field: &str,
    text: Option<String>,
    multiline: bool,
) -> Result<Option<String>, ApiError> {
    text.map(|t| text_field(field, t, multiline)).transpose()
}

/// A capture's name and date label, checked.
fn capture_args(args: CaptureArgs) -> Result<CaptureArgs, ApiError> {
    Ok(CaptureArgs {
        name: optional_text("name", args.name, false)?,
        date_label: optional_text("date_label", args.date_label, false)?,
    })
}

async fn update_media(
    app: &AppState,
    id: i64,
    changes: MediaUpdate,
) -> Result<shared::media::MediaEntry, ApiError> {
    let changes = MediaUpdate {
        title: optional_text("title", changes.title, false)?,
        notes: optional_text("notes", changes.notes, true)?,
        date_label: optional_text("date_label", changes.date_label, false)?,
    };
    let entry = crate::catalogue::repo::update(app.catalogue.db(), id, changes).await?;
    app.media_changed(MediaEvent::Updated {
        entry: Box::new(entry.clone()),
    });
    Ok(entry)
}

async fn delete_media(app: &AppState, id: i64) -> Result<(), ApiError> {
    if app.recorder.active_id().await == Some(id) {
        return Err(ApiError::Conflict(
            "this recording is still running; stop it first".into(),
        ));
    }
    app.catalogue.delete(id).await?;
    app.media_changed(MediaEvent::Removed { id });
    Ok(())
}

async fn reset_catalogue(
    app: &AppState,
    confirm: &str,
) -> Result<Vec<shared::media::MediaEntry>, ApiError> {
    if confirm != "reset" {
        return Err(ApiError::BadRequest(
            "resetting forgets every title and note; send {\"confirm\": \"reset\"} to go ahead"
                .into(),
        ));
    }
    if app.recorder.active_id().await.is_some() {
        return Err(ApiError::Conflict(
            "a recording is running; stop it before starting a new database".into(),
        ));
    }
    let entries = app.catalogue.reset().await?;
    app.media_changed(MediaEvent::Reload);
    Ok(entries)
}
