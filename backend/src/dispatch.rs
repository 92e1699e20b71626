//! The single place where a client's intent becomes an action: every
//! WebSocket command passes through [`dispatch`], which calls the owning
//! component and returns the reply for the sender. State changes are
//! broadcast separately through the state channel.

use shared::{ClientMessage, Command, ErrorCode, ServerMessage};

use crate::state::AppState;

/// Carries out one command and returns the reply for its sender.
pub async fn dispatch(app: &AppState, message: ClientMessage) -> ServerMessage {
    let id = message.id;
    match message.command {
        Command::GetState => ServerMessage::State {
            id,
            state: app.state.borrow().clone(),
        },
        Command::Ping => ServerMessage::Pong { id },
        Command::SetView {
            grayscale,
            half_resolution,
        } => match app.camera.set_view(grayscale, half_resolution).await {
            Ok(_) => ServerMessage::State {
                id,
                state: app.state.borrow().clone(),
            },
            Err(err) => ServerMessage::Error {
                id,
                code: ErrorCode::Internal,
                message: err.to_string(),
            },
        },
    }
}
