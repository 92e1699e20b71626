//! The contract between the camera rig server and every client: the binary
//! frame header carried on the WebSocket, the JSON commands and replies, and
//! the multipart framing of the MJPEG stream. Everything that crosses a
//! process or wire boundary is defined here once, so the server, the browser
//! app and the test and benchmark clients cannot disagree.

pub mod auth;
pub mod commands;
pub mod device;
pub mod frame;
pub mod h264;
pub mod media;
pub mod mjpeg;
mod names;
pub mod operations;
pub mod protocol;

pub use frame::{FrameHeader, FrameKind, HeaderError};
pub use protocol::{
    ActiveRecording, CameraControl, CameraSource, CameraState, CameraStatus, ClientMessage,
    Command, ControlKind, ErrorCode, Feature, FocusState, INTERNAL_MESSAGE, MediaEvent, MenuOption,
    RecorderState, RestreamState, RestreamStatus, ServerMessage, ServerState, Unavailable,
    VideoFormat, ViewSettings,
};
