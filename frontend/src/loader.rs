//! Something read from the server again and again (on Refresh, on a new
//! filter, when the link comes back): a [`Loader`] keeps whether a read
//! is under way, whether one has answered yet and why the last one
//! failed, and hands a good answer to the caller. Only the newest read
//! counts ([`Generation`]): the late answer of an older one is dropped.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;
use crate::generation::Generation;

/// Handle to one loader; `Copy`, owned by the component that made it.
#[derive(Clone, Copy)]
pub struct Loader {
    requests: Generation,
    loading: RwSignal<bool>,
    loaded: RwSignal<bool>,
    error: RwSignal<Option<String>>,
}

impl Loader {
    /// Nothing read yet.
    pub fn new() -> Self {
        Loader {
            requests: Generation::new(),
            loading: RwSignal::new(false),
            loaded: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// Whether a read is under way.
    pub fn loading(&self) -> Signal<bool> {
        self.loading.into()
    }

    /// Whether a read has answered, well or not.
    pub fn loaded(&self) -> Signal<bool> {
        self.loaded.into()
    }

    /// Why the last read failed; `None` once one worked.
    pub fn error(&self) -> Signal<Option<String>> {
        self.error.into()
    }

    /// Counts what was read as gone (the filter changed): not loaded
    /// until the next read answers.
    pub fn forget(&self) {
        self.loaded.set(false);
    }

    /// Starts `request`, making any read under way stale. When it answers
    /// and is still the newest, a good answer goes to `done` and clears
    /// the error; a failure's message becomes the error.
    pub fn load<T: 'static>(
        &self,
        request: impl Future<Output = Result<T, ApiError>> + 'static,
        done: impl FnOnce(T) + 'static,
    ) {
        let this = *self;
        let ticket = this.requests.next();
        this.loading.set(true);
        spawn_local(async move {
            let result = request.await;
            if !this.requests.is_current(ticket) {
                return;
            }
            let error = match result {
                Ok(answer) => {
                    done(answer);
                    // `done` may have started the next read: that one
                    // says when it is over.
                    if !this.requests.is_current(ticket) {
                        return;
                    }
                    None
                }
                Err(err) => Some(err.message),
            };
            this.error.set(error);
            this.loading.set(false);
            this.loaded.set(true);
        });
    }
}

impl Default for Loader {
    fn default() -> Self {
        Loader::new()
    }
}
