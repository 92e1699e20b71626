//! Who may do what. Viewers watch and browse; operators change things
//! ([`Role`]). A caller presents nothing (and gets the network's default:
//! viewer, or nothing at all when `auth.viewer_key` is set), a session
//! cookie from logging in, or a bearer token: the operator key, the viewer
//! key, or a named API token an operator made. [`Auth`] keeps the digests
//! of the keys, the sessions and the tokens, and turns what a request
//! presents into a [`Presented`] credential; its role is looked up again
//! for every command ([`Auth::role_of`]), so a logout or a revoked token
//! takes effect at once, even on an open WebSocket. Wrong keys are
//! throttled per client address ([`throttle`]) and every failure is
//! logged. The HTTP side (login, logout, the session, tokens, and the
//! middleware that identifies every request) is in [`routes`].

pub mod files;
pub mod link;
pub mod routes;
pub mod secret;
pub mod throttle;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use shared::auth::{ApiToken, Credential, NewApiToken, SessionInfo};
use shared::commands::Role;

use crate::error::ApiError;
use secret::Digest;
use throttle::Throttle;

/// Shortest operator key accepted from the configuration.
pub const MIN_OPERATOR_KEY: usize = 16;
/// Shortest viewer key accepted from the configuration.
pub const MIN_VIEWER_KEY: usize = 8;
/// Most sessions kept at once; the oldest goes first.
const MAX_SESSIONS: usize = 1000;
/// Most named API tokens.
const MAX_TOKENS: usize = 100;

/// The operator key in force and where it came from, for the start-up
/// message.
#[derive(Clone, PartialEq, Eq)]
pub struct OperatorKey {
    /// The key.
    pub key: String,
    /// The file it is stored in; `None` when it comes from the
    /// configuration.
    pub file: Option<PathBuf>,
    /// Whether it was made on this start.
    pub new: bool,
}

impl std::fmt::Debug for OperatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorKey")
            .field("file", &self.file)
            .field("new", &self.new)
            .finish_non_exhaustive()
    }
}

/// What a request presented, before its role is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// Nothing (or an unknown or expired session cookie).
    Anonymous,
    /// The operator key as a bearer token.
    OperatorKey,
    /// The viewer key as a bearer token.
    ViewerKey,
    /// A named API token (its digest).
    Token(Digest),
    /// A session cookie (its digest).
    Session(Digest),
}

/// One login.
#[derive(Debug, Clone, Copy)]
struct Session {
    role: Role,
    expires: SystemTime,
}

/// A named API token in memory.
#[derive(Debug, Clone)]
struct Token {
    name: String,
    digest: Digest,
    created_at: u64,
}

/// Keys, sessions, tokens and the throttle; cheap to clone.
#[derive(Clone)]
pub struct Auth(Arc<Inner>);

struct Inner {
    operator: Digest,
    viewer: Option<Digest>,
    session_ttl: Duration,
    sessions: Mutex<HashMap<Digest, Session>>,
    tokens: RwLock<Vec<Token>>,
    tokens_file: PathBuf,
    /// Where logins wait for the restarted server.
    handover_file: PathBuf,
    /// Serialises token changes with their file writes.
    token_writes: tokio::sync::Mutex<()>,
    throttle: Mutex<Throttle>,
}

/// How old a handover of logins may be when the restarted server reads it.
const HANDOVER_SECONDS: u64 = 120;

/// A successful login: the session's secret (the cookie's value) and what
/// the caller now is.
#[derive(Debug)]
pub struct Login {
    /// The cookie value.
    pub secret: String,
    /// The session as the client sees it.
    pub info: SessionInfo,
}

fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Auth {
    /// Sets up from the configuration: the configured operator key, or the
    /// stored one (made on first start), and the stored API tokens.
    pub fn open(
        config: &crate::config::AuthConfig,
        media_dir: &Path,
    ) -> Result<(Auth, OperatorKey), files::FileError> {
        let key = match &config.operator_key {
            Some(key) => OperatorKey {
                key: key.expose().to_owned(),
                file: None,
                new: false,
            },
            None => {
                let (key, new) = files::operator_key(media_dir)?;
                OperatorKey {
                    key,
                    file: Some(files::key_path(media_dir)),
                    new,
                }
            }
        };
        let tokens_file = files::tokens_path(media_dir);
        let tokens = files::read_tokens(&tokens_file)?
            .into_iter()
            .filter_map(|t| {
                Some(Token {
                    digest: Digest::from_text(&t.sha256)?,
                    name: t.name,
                    created_at: t.created_at,
                })
            })
            .collect();
        let handover_file = files::sessions_path(media_dir);
        let auth = Auth(Arc::new(Inner {
            operator: Digest::of(&key.key),
            viewer: config.viewer_key.as_ref().map(|k| Digest::of(k.expose())),
            session_ttl: Duration::from_secs(u64::from(config.session_hours) * 3600),
            sessions: Mutex::default(),
            tokens: RwLock::new(tokens),
            tokens_file,
            handover_file,
            token_writes: tokio::sync::Mutex::new(()),
            throttle: Mutex::default(),
        }));
        Ok((auth, key))
    }

    /// The role of a caller that presents nothing.
    fn anonymous(&self) -> Option<Role> {
        self.0.viewer.is_none().then_some(Role::Viewer)
    }

    /// The role `presented` has now (sessions expire, tokens are revoked).
    pub fn role_of(&self, presented: &Presented) -> Option<Role> {
        match presented {
            Presented::Anonymous => self.anonymous(),
            Presented::OperatorKey => Some(Role::Operator),
            Presented::ViewerKey => Some(Role::Viewer),
            Presented::Token(digest) => {
                let tokens = self.0.tokens.read().unwrap_or_else(PoisonError::into_inner);
                if tokens.iter().any(|t| t.digest == *digest) {
                    Some(Role::Operator)
                } else {
                    self.anonymous()
                }
            }
            Presented::Session(digest) => match self.session(digest) {
                Some(session) => Some(session.role),
                None => self.anonymous(),
            },
        }
    }

    /// Who presented `presented`, in words for the audit trail:
    /// `operator key`, `token home-assistant`, `operator session Ab3dE9xY`.
    pub fn describe(&self, presented: &Presented) -> String {
        match presented {
            Presented::Anonymous => "anonymous".into(),
            Presented::OperatorKey => "operator key".into(),
            Presented::ViewerKey => "viewer key".into(),
            Presented::Token(digest) => {
                let tokens = self.0.tokens.read().unwrap_or_else(PoisonError::into_inner);
                match tokens.iter().find(|t| t.digest == *digest) {
                    Some(token) => format!("token {}", token.name),
                    None => "unknown token".into(),
                }
            }
            Presented::Session(digest) => match self.session(digest) {
                Some(session) if session.role == Role::Operator => {
                    format!("operator session {}", digest.short())
                }
                Some(_) => format!("viewer session {}", digest.short()),
                None => "expired session".into(),
            },
        }
    }

    /// Writes the live logins where the restarted server takes them over
    /// (next to the token file, readable by the server's user only).
    pub fn hand_over_sessions(&self) -> Result<(), files::FileError> {
        let now = SystemTime::now();
        let sessions = lock(&self.0.sessions)
            .iter()
            .filter(|(_, s)| s.expires > now)
            .map(|(digest, s)| files::StoredSession {
                sha256: digest.to_text(),
                role: s.role,
                expires_at: unix_seconds(s.expires),
            })
            .collect();
        let handover = files::Handover {
            written_at: unix_seconds(now),
            keys: self.keys_digest(),
            sessions,
        };
        files::write_handover(&self.0.handover_file, &handover)
    }

    /// Takes over the logins a restart handed over, if it was moments ago
    /// and with the same keys; how many. Called once, by the server.
    pub fn take_over_sessions(&self) -> Result<usize, files::FileError> {
        let handover = files::take_handover(&self.0.handover_file)?;
        let now = unix_seconds(SystemTime::now());
        let fresh = now.saturating_sub(handover.written_at) <= HANDOVER_SECONDS;
        if !fresh || handover.keys != self.keys_digest() {
            return Ok(0);
        }
        let mut sessions = lock(&self.0.sessions);
        for stored in handover.sessions {
            if stored.expires_at <= now {
                continue;
            }
            if let Some(digest) = Digest::from_text(&stored.sha256) {
                let session = Session {
                    role: stored.role,
                    expires: UNIX_EPOCH + Duration::from_secs(stored.expires_at),
                };
                sessions.insert(digest, session);
            }
        }
        Ok(sessions.len())
    }

    /// A digest of the keys in force, to tell whether they changed.
    fn keys_digest(&self) -> String {
        let viewer = self.0.viewer.map(Digest::to_text).unwrap_or_default();
        Digest::of(&format!("{}:{viewer}", self.0.operator.to_text())).to_text()
    }

    /// The live session with this digest.
    fn session(&self, digest: &Digest) -> Option<Session> {
        let mut sessions = lock(&self.0.sessions);
        match sessions.get(digest) {
            Some(s) if s.expires > SystemTime::now() => Some(*s),
            Some(_) => {
                sessions.remove(digest);
                None
            }
            None => None,
        }
    }

    /// What the caller sees of itself.
    pub fn info(&self, presented: &Presented) -> SessionInfo {
        let (credential, expires_at) = match presented {
            Presented::Session(digest) => match self.session(digest) {
                Some(s) => (Credential::Session, Some(unix_seconds(s.expires))),
                None => (Credential::Anonymous, None),
            },
            Presented::OperatorKey | Presented::ViewerKey => (Credential::Key, None),
            Presented::Token(_) if self.role_of(presented) == Some(Role::Operator) => {
                (Credential::Token, None)
            }
            Presented::Token(_) | Presented::Anonymous => (Credential::Anonymous, None),
        };
        SessionInfo {
            role: self.role_of(presented),
            credential,
            viewer_key_required: self.0.viewer.is_some(),
            expires_at,
        }
    }

    /// Refuses an address that must wait after wrong keys.
    fn throttled(&self, peer: Option<IpAddr>) -> Result<(), ApiError> {
        let Some(peer) = peer else { return Ok(()) };
        lock(&self.0.throttle)
            .check(peer, Instant::now())
            .map_err(|wait| {
                ApiError::TooManyRequests(format!(
                    "too many wrong keys from {peer}; try again in {} s",
                    wait.as_secs().max(1)
                ))
            })
    }

    /// Counts and logs a wrong key; the error to answer.
    fn wrong_key(&self, peer: Option<IpAddr>, what: &str) -> ApiError {
        let wait = peer.map_or(Duration::ZERO, |peer| {
            lock(&self.0.throttle).failed(peer, Instant::now())
        });
        let shown = peer.map_or_else(|| "unknown".to_owned(), |p| p.to_string());
        tracing::warn!(peer = %shown, "authentication failed: {what}");
        let retry = if wait.is_zero() {
            String::new()
        } else {
            format!("; try again in {} s", wait.as_secs())
        };
        ApiError::Unauthorized(format!("{what}{retry}"))
    }

    /// What a bearer token stands for; a wrong one is counted against the
    /// address.
    pub fn bearer(&self, secret: &str, peer: Option<IpAddr>) -> Result<Presented, ApiError> {
        self.secret(secret, peer, "the bearer token is not a valid key or token")
    }

    /// What a presented secret (a bearer token, or the `?key=` of the
    /// original app's URLs) stands for: the operator or viewer key or an API
    /// token, compared as [`bearer`](Self::bearer) does. A wrong one is
    /// counted against the address and refused with `wrong` as the message.
    pub fn secret(
        &self,
        secret: &str,
        peer: Option<IpAddr>,
        wrong: &str,
    ) -> Result<Presented, ApiError> {
        self.throttled(peer)?;
        let presented = if self.0.operator.matches(secret) {
            Presented::OperatorKey
        } else if self.0.viewer.is_some_and(|v| v.matches(secret)) {
            Presented::ViewerKey
        } else {
            let digest = Digest::of(secret);
            let tokens = self.0.tokens.read().unwrap_or_else(PoisonError::into_inner);
            if !tokens.iter().any(|t| t.digest == digest) {
                drop(tokens);
                return Err(self.wrong_key(peer, wrong));
            }
            Presented::Token(digest)
        };
        if let Some(peer) = peer {
            lock(&self.0.throttle).succeeded(peer);
        }
        Ok(presented)
    }

    /// What a session cookie stands for (an unknown or expired one is no
    /// session at all).
    pub fn cookie(&self, secret: &str) -> Presented {
        let digest = Digest::of(secret);
        match self.session(&digest) {
            Some(_) => Presented::Session(digest),
            None => Presented::Anonymous,
        }
    }

    /// Logs in with the operator or viewer key: a new session.
    pub fn login(&self, key: &str, peer: Option<IpAddr>) -> Result<Login, ApiError> {
        self.throttled(peer)?;
        let role = if self.0.operator.matches(key) {
            Role::Operator
        } else if self.0.viewer.is_some_and(|v| v.matches(key)) {
            Role::Viewer
        } else {
            return Err(self.wrong_key(peer, "wrong key"));
        };
        if let Some(peer) = peer {
            lock(&self.0.throttle).succeeded(peer);
        }
        let secret = secret::generate().map_err(|e| ApiError::internal("no random bytes", e))?;
        let digest = Digest::of(&secret);
        let expires = SystemTime::now() + self.0.session_ttl;
        {
            let mut sessions = lock(&self.0.sessions);
            let now = SystemTime::now();
            sessions.retain(|_, s| s.expires > now);
            if sessions.len() >= MAX_SESSIONS
                && let Some(oldest) = sessions
                    .iter()
                    .min_by_key(|(_, s)| s.expires)
                    .map(|(d, _)| *d)
            {
                sessions.remove(&oldest);
            }
            sessions.insert(digest, Session { role, expires });
        }
        tracing::info!(peer = ?peer, ?role, "logged in");
        Ok(Login {
            secret,
            info: self.info(&Presented::Session(digest)),
        })
    }

    /// Ends a session (nothing to do for other credentials).
    pub fn logout(&self, presented: &Presented) {
        if let Presented::Session(digest) = presented {
            lock(&self.0.sessions).remove(digest);
        }
    }

    /// How long a session lasts.
    pub fn session_ttl(&self) -> Duration {
        self.0.session_ttl
    }

    /// The named API tokens.
    pub fn tokens(&self) -> Vec<ApiToken> {
        self.0
            .tokens
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|t| ApiToken {
                name: t.name.clone(),
                created_at: t.created_at,
            })
            .collect()
    }

    /// Makes a named API token; its secret is returned this once.
    pub async fn create_token(&self, name: &str) -> Result<NewApiToken, ApiError> {
        check_token_name(name)?;
        let _writing = self.0.token_writes.lock().await;
        let mut list = self.token_list();
        if list.iter().any(|t| t.name == name) {
            return Err(ApiError::Conflict(format!(
                "a token named {name:?} exists; revoke it first or choose another name"
            )));
        }
        if list.len() >= MAX_TOKENS {
            return Err(ApiError::Conflict(format!(
                "there are already {MAX_TOKENS} tokens; revoke some first"
            )));
        }
        let secret = secret::generate().map_err(|e| ApiError::internal("no random bytes", e))?;
        list.push(Token {
            name: name.to_owned(),
            digest: Digest::of(&secret),
            created_at: unix_seconds(SystemTime::now()),
        });
        self.save_tokens(list).await?;
        tracing::info!(token = name, "API token created");
        Ok(NewApiToken {
            name: name.to_owned(),
            secret,
        })
    }

    /// Revokes a named API token; connections using it lose their role at
    /// their next command.
    pub async fn revoke_token(&self, name: &str) -> Result<(), ApiError> {
        let _writing = self.0.token_writes.lock().await;
        let mut list = self.token_list();
        let before = list.len();
        list.retain(|t| t.name != name);
        if list.len() == before {
            return Err(ApiError::NotFound(format!("no token named {name:?}")));
        }
        self.save_tokens(list).await?;
        tracing::info!(token = name, "API token revoked");
        Ok(())
    }

    fn token_list(&self) -> Vec<Token> {
        self.0
            .tokens
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Writes the tokens to their file, then makes them the ones in force.
    async fn save_tokens(&self, list: Vec<Token>) -> Result<(), ApiError> {
        let stored: Vec<files::StoredToken> = list
            .iter()
            .map(|t| files::StoredToken {
                name: t.name.clone(),
                sha256: t.digest.to_text(),
                created_at: t.created_at,
            })
            .collect();
        let path = self.0.tokens_file.clone();
        tokio::task::spawn_blocking(move || files::write_tokens(&path, &stored))
            .await
            .map_err(|e| ApiError::internal("token file writer failed", e))?
            .map_err(|e| ApiError::internal("cannot save the API tokens", e))?;
        *self
            .0
            .tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner) = list;
        Ok(())
    }
}

/// A token name: 1-64 letters, digits, `-`, `_` or `.`.
fn check_token_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "a token name is 1-64 letters, digits, '-', '_' or '.'".into(),
        ))
    }
}
