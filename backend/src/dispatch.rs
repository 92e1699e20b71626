//! The single place where a client's intent becomes an action: every
//! WebSocket command passes through [`dispatch`], which calls the owning
//! component and returns the reply for the sender. State changes are
//! broadcast separately through the state channel.

use shared::{ClientMessage, Command, ServerMessage};

use crate::error::ApiError;
use crate::state::AppState;

/// Carries out one command and returns the reply for its sender.
pub async fn dispatch(app: &AppState, message: ClientMessage) -> ServerMessage {
    let id = message.id;
    match message.command {
        Command::GetState => state_reply(app, id),
        Command::Ping => ServerMessage::Pong { id },
        Command::SetView {
            grayscale,
            half_resolution,
        } => match app.camera.set_view(grayscale, half_resolution).await {
            Ok(_) => state_reply(app, id),
            Err(err) => ApiError::internal("cannot change the view", err).to_message(id),
        },
        Command::Action { name, args } => match run_action(app, &name, args).await {
            Ok(result) => ServerMessage::ActionResult {
                id,
                action: name,
                result,
            },
            Err(err) => err.to_message(id),
        },
        Command::ListActions => ServerMessage::ActionResult {
            id,
            action: "list_actions".into(),
            result: serde_json::json!(
                app.actions
                    .list()
                    .into_iter()
                    .map(|(name, description)| serde_json::json!({"name": name, "description": description}))
                    .collect::<Vec<_>>()
            ),
        },
    }
}

/// The current state, as the answer to request `id`.
fn state_reply(app: &AppState, id: Option<u64>) -> ServerMessage {
    ServerMessage::State {
        id,
        state: Box::new(app.state.borrow().clone()),
    }
}

/// Runs the action called `name`; on failure returns what the client
/// sees. Shared by the WebSocket and the HTTP route.
pub async fn run_action(
    app: &AppState,
    name: &str,
    args: serde_json::Value,
) -> Result<serde_json::Value, ApiError> {
    let Some(action) = app.actions.get(name) else {
        let known: Vec<&str> = app.actions.list().into_iter().map(|(n, _)| n).collect();
        return Err(ApiError::BadRequest(format!(
            "unknown action {name:?}; known actions: {}",
            known.join(", ")
        )));
    };
    Ok(action.run(app, args).await?)
}
