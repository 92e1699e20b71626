//! Who the caller is, as the server tells a client: the session answer of
//! `GET /api/session` and `POST /api/login`, the login request, and the
//! named API tokens an operator hands to scripts.

use serde::{Deserialize, Serialize};

use crate::names::deserialize_by_name;

use crate::commands::Role;

/// Body of `POST /api/login`: the operator key (or the viewer key, where
/// the rig asks for one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The key, as shown at the server's start-up or in its key file.
    pub key: String,
}

/// How the caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// Nothing: the default role of the network.
    Anonymous,
    /// A session cookie from a login.
    Session,
    /// The operator or viewer key as a bearer token.
    Key,
    /// A named API token as a bearer token.
    Token,
}

deserialize_by_name!(Credential {
    "anonymous" => Anonymous,
    "session" => Session,
    "key" => Key,
    "token" => Token,
});

/// The caller as the server sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// The caller's role; `None` when the rig needs a viewer key first.
    pub role: Option<Role>,
    /// How the role was granted.
    pub credential: Credential,
    /// Whether viewing itself needs a key on this rig (`auth.viewer_key`).
    pub viewer_key_required: bool,
    /// When the session ends, in seconds since the Unix epoch (sessions
    /// only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
}

impl SessionInfo {
    /// Whether the caller may change things.
    pub fn is_operator(&self) -> bool {
        self.role == Some(Role::Operator)
    }
}

/// A named API token, as listed (the secret is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    /// Its name, chosen by the operator (for example `home-assistant`).
    pub name: String,
    /// When it was made, in seconds since the Unix epoch.
    pub created_at: u64,
}

/// The answer to `create_token`: the token's name and its secret, shown
/// this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewApiToken {
    /// Its name.
    pub name: String,
    /// The secret to send as `Authorization: Bearer <secret>`.
    pub secret: String,
}
