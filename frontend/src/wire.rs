//! Reads the server's WebSocket text messages into [`ServerMessage`]s.
//! `ServerMessage` and [`MediaEvent`] are internally tagged (`type`,
//! `change`), and serde reads such enums by first buffering the whole
//! message into its generic `Content` tree and then reading the variant
//! from that: every type inside them (the state, catalogue entries) is
//! compiled a second time for that path, about 18 KB of brotli in the
//! wasm. Here each message is read in one pass into a flat struct holding
//! every variant's fields, and the variant is then picked by its tag. The
//! JSON accepted is the same for every message the server sends: an
//! unknown tag or a missing field is still an error, and fields of no
//! interest are still skipped.

use serde::Deserialize;
use serde::de::Error as _;
use shared::media::MediaEntry;
use shared::{ErrorCode, MediaEvent, ServerMessage, ServerState};

/// The names `ServerMessage` is tagged with, for the unknown-tag error.
const MESSAGE_TYPES: &[&str] = &["state", "pong", "action_result", "pulse", "media", "error"];

/// The names `MediaEvent` is tagged with, for the unknown-tag error.
const MEDIA_CHANGES: &[&str] = &["added", "updated", "removed", "reload"];

/// Every field of every `ServerMessage` variant, each optional here; which
/// ones must be present depends on `type`.
#[derive(Deserialize)]
struct Message {
    #[serde(rename = "type")]
    kind: String,
    id: Option<u64>,
    state: Option<Box<ServerState>>,
    server_us: Option<u64>,
    action: Option<String>,
    // A missing `result` reads as null, as the derived reader does for a
    // missing `serde_json::Value`.
    #[serde(default)]
    result: serde_json::Value,
    samples: Option<Vec<u16>>,
    rate_hz: Option<u16>,
    received_us: Option<u64>,
    event: Option<Event>,
    code: Option<ErrorCode>,
    message: Option<String>,
}

/// Every field of every `MediaEvent` variant.
#[derive(Deserialize)]
struct Event {
    change: String,
    entry: Option<Box<MediaEntry>>,
    id: Option<i64>,
}

/// A field a message of its kind must have.
fn needed<T>(value: Option<T>, field: &'static str) -> Result<T, serde_json::Error> {
    value.ok_or_else(|| serde_json::Error::missing_field(field))
}

impl Event {
    fn into_event(self) -> Result<MediaEvent, serde_json::Error> {
        Ok(match self.change.as_str() {
            "added" => MediaEvent::Added {
                entry: needed(self.entry, "entry")?,
            },
            "updated" => MediaEvent::Updated {
                entry: needed(self.entry, "entry")?,
            },
            "removed" => MediaEvent::Removed {
                id: needed(self.id, "id")?,
            },
            "reload" => MediaEvent::Reload,
            other => return Err(serde_json::Error::unknown_variant(other, MEDIA_CHANGES)),
        })
    }
}

/// One text message from the server.
pub fn read(text: &str) -> Result<ServerMessage, serde_json::Error> {
    let m: Message = serde_json::from_str(text)?;
    Ok(match m.kind.as_str() {
        "state" => ServerMessage::State {
            id: m.id,
            state: needed(m.state, "state")?,
        },
        "pong" => ServerMessage::Pong {
            id: m.id,
            server_us: m.server_us,
        },
        "action_result" => ServerMessage::ActionResult {
            id: m.id,
            action: needed(m.action, "action")?,
            result: m.result,
        },
        "pulse" => ServerMessage::Pulse {
            samples: needed(m.samples, "samples")?,
            rate_hz: needed(m.rate_hz, "rate_hz")?,
            received_us: m.received_us,
        },
        "media" => ServerMessage::Media {
            event: needed(m.event, "event")?.into_event()?,
        },
        "error" => ServerMessage::Error {
            id: m.id,
            code: needed(m.code, "code")?,
            message: needed(m.message, "message")?,
        },
        other => return Err(serde_json::Error::unknown_variant(other, MESSAGE_TYPES)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::media::{CaptureMetadata, MediaKind, MediaStatus};

    fn entry() -> MediaEntry {
        MediaEntry {
            id: 7,
            file_name: "a.jpg".into(),
            kind: MediaKind::Photo,
            created_us: 5,
            date_label: "today".into(),
            size_bytes: 12,
            width: Some(2),
            height: None,
            duration_ms: None,
            frame_count: Some(9),
            status: MediaStatus::Complete,
            metadata: CaptureMetadata::default(),
            title: "t".into(),
            notes: String::new(),
        }
    }

    /// The tags of `message`: its type and, for media, its change.
    fn tags(message: &ServerMessage) -> Vec<&'static str> {
        match message {
            ServerMessage::State { .. } => vec!["state"],
            ServerMessage::Pong { .. } => vec!["pong"],
            ServerMessage::ActionResult { .. } => vec!["action_result"],
            ServerMessage::Pulse { .. } => vec!["pulse"],
            ServerMessage::Error { .. } => vec!["error"],
            ServerMessage::Media { event } => vec![
                "media",
                match event {
                    MediaEvent::Added { .. } => "added",
                    MediaEvent::Updated { .. } => "updated",
                    MediaEvent::Removed { .. } => "removed",
                    MediaEvent::Reload => "reload",
                },
            ],
        }
    }

    /// Every message the server may send reads back as what it was.
    #[test]
    fn reads_what_the_server_writes() {
        let state: ServerState = serde_json::from_value(serde_json::json!({
            "camera": {"source": "test", "width": 640, "height": 480, "fps": 30,
                       "status": "live"},
            "viewers": 2,
            "unavailable": [{"feature": "recording", "reason": "no encoder"}]
        }))
        .unwrap();
        let messages = [
            ServerMessage::State {
                id: Some(3),
                state: Box::new(state.clone()),
            },
            ServerMessage::State {
                id: None,
                state: Box::new(state),
            },
            ServerMessage::Pong {
                id: Some(1),
                server_us: Some(99),
            },
            ServerMessage::Pong {
                id: None,
                server_us: None,
            },
            ServerMessage::ActionResult {
                id: Some(4),
                action: "snapshot".into(),
                result: serde_json::json!({"a": [1, null]}),
            },
            ServerMessage::ActionResult {
                id: None,
                action: "x".into(),
                result: serde_json::Value::Null,
            },
            ServerMessage::Pulse {
                samples: vec![1, 1023],
                rate_hz: 50,
                received_us: Some(5),
            },
            ServerMessage::Media {
                event: MediaEvent::Added {
                    entry: Box::new(entry()),
                },
            },
            ServerMessage::Media {
                event: MediaEvent::Updated {
                    entry: Box::new(entry()),
                },
            },
            ServerMessage::Media {
                event: MediaEvent::Removed { id: -2 },
            },
            ServerMessage::Media {
                event: MediaEvent::Reload,
            },
            ServerMessage::Error {
                id: Some(8),
                code: ErrorCode::NotFound,
                message: "gone".into(),
            },
            ServerMessage::Error {
                id: None,
                code: ErrorCode::Internal,
                message: "oops".into(),
            },
        ];
        // Every tag is among them: a new variant fails to compile in
        // `tags` until `read` learns it.
        let mut seen: Vec<&str> = messages.iter().flat_map(tags).collect();
        seen.sort_unstable();
        seen.dedup();
        let mut known: Vec<&str> = MESSAGE_TYPES.iter().chain(MEDIA_CHANGES).copied().collect();
        known.sort_unstable();
        assert_eq!(seen, known);
        for message in messages {
            let text = serde_json::to_string(&message).unwrap();
            assert_eq!(read(&text).unwrap(), message, "{text}");
            // The derived reader agrees.
            assert_eq!(
                serde_json::from_str::<ServerMessage>(&text).unwrap(),
                message
            );
        }
    }

    /// What the derived reader refuses is refused here too.
    #[test]
    fn refuses_what_the_derived_reader_refuses() {
        for text in [
            r#"{"type":"nonsense"}"#,
            r#"{"id":1}"#,
            r#"{"type":"state","id":1}"#,
            r#"{"type":"action_result","id":1}"#,
            r#"{"type":"pulse","samples":[1]}"#,
            r#"{"type":"media"}"#,
            r#"{"type":"media","event":{"change":"added"}}"#,
            r#"{"type":"media","event":{"change":"removed"}}"#,
            r#"{"type":"media","event":{"change":"moved"}}"#,
            r#"{"type":"error","message":"x"}"#,
            r#"{"type":"error","code":"no_such_code","message":"x"}"#,
            r#"{"type":"pong","id":-1}"#,
            "[]",
            "",
        ] {
            assert!(read(text).is_err(), "{text}");
            assert!(
                serde_json::from_str::<ServerMessage>(text).is_err(),
                "{text}"
            );
        }
        // An unknown tag names the known ones, as the derived error does.
        let err = read(r#"{"type":"nonsense"}"#).unwrap_err().to_string();
        assert!(err.starts_with("unknown variant `nonsense`, expected one of `state`"));
    }

    /// Fields the app does not know are skipped, as before.
    #[test]
    fn skips_unknown_fields() {
        let text = r#"{"type":"pong","id":1,"server_us":2,"extra":{"x":[1]}}"#;
        assert_eq!(
            read(text).unwrap(),
            ServerMessage::Pong {
                id: Some(1),
                server_us: Some(2)
            }
        );
    }
}
