//! Who this browser is to the server: a viewer or an operator. [`Access`]
//! is provided once as context; it reads `GET /api/session` at start,
//! logs in and out, and after either reconnects the WebSocket so the
//! server sees the new session cookie. When the link comes back after a
//! break it reads the session again: a restarted server may have
//! forgotten it. Operator controls are shown only
//! to operators (see [`crate::components::operator_only`]); the server
//! refuses their commands to anyone else whatever the page shows.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::auth::SessionInfo;

use crate::api::{self, ApiError};
use crate::connection::{Connection, LinkStatus};

/// The session, as context; `Copy`.
#[derive(Clone, Copy)]
pub struct Access {
    session: RwSignal<Option<SessionInfo>>,
    /// Counts logins and logouts: a session read that started before one
    /// answers for the old cookie, so it is dropped (a phone opening the
    /// login link read "viewer" after it had logged in).
    changes: StoredValue<u64>,
    connection: Connection,
}

impl Access {
    /// Starts reading the session.
    pub fn load(connection: Connection) -> Self {
        let access = Access {
            session: RwSignal::new(None),
            changes: StoredValue::new(0),
            connection,
        };
        access.read();
        // Again whenever the link is back after being lost.
        let status = connection.status();
        let was_live = StoredValue::new(false);
        Effect::new(move |_| {
            if status.get() == LinkStatus::Live {
                if was_live.get_value() {
                    access.read();
                }
                was_live.set_value(true);
            }
        });
        access
    }

    /// Reads the session from the server.
    fn read(self) {
        let started = self.changes.get_value();
        spawn_local(async move {
            let result = api::session().await;
            if self.changes.try_get_value() != Some(started) {
                return;
            }
            match result {
                Ok(info) => _ = self.session.try_set(Some(info)),
                Err(err) => leptos::logging::warn!("cannot read the session: {err}"),
            }
        });
    }

    /// The session, once known.
    pub fn session(&self) -> Signal<Option<SessionInfo>> {
        self.session.into()
    }

    /// Whether this browser may change things.
    pub fn is_operator(&self) -> Signal<bool> {
        let session = self.session;
        Signal::derive(move || session.with(|s| s.as_ref().is_some_and(SessionInfo::is_operator)))
    }

    /// Logs in with `key`; on success the socket reconnects with the new
    /// session.
    pub async fn login(&self, key: &str) -> Result<SessionInfo, ApiError> {
        let info = api::login(key).await?;
        self.changed(info.clone());
        Ok(info)
    }

    /// Logs out.
    pub async fn logout(&self) -> Result<(), ApiError> {
        let info = api::logout().await?;
        self.changed(info);
        Ok(())
    }

    fn changed(&self, info: SessionInfo) {
        self.changes.update_value(|n| *n += 1);
        self.session.set(Some(info));
        self.connection.reconnect();
    }
}
