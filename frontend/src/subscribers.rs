//! A list of callbacks for one kind of pushed event (catalogue changes,
//! pulse samples): components subscribe for as long as they are mounted,
//! and the connection calls every subscriber with each event. Subscribing
//! ties the callback to the current reactive owner, so it is removed when
//! the subscribing component goes away.

use std::rc::Rc;

use leptos::prelude::*;

/// One subscriber's callback.
type Handler<E> = Rc<dyn Fn(&E)>;

/// The subscribers to events of type `E`; `Copy`, like the signals it is
/// built from.
pub struct Subscribers<E: 'static> {
    list: StoredValue<Vec<(u64, Handler<E>)>, LocalStorage>,
    next_token: StoredValue<u64>,
}

impl<E: 'static> Clone for Subscribers<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E: 'static> Copy for Subscribers<E> {}

impl<E: 'static> Default for Subscribers<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: 'static> Subscribers<E> {
    /// No subscribers yet.
    pub fn new() -> Self {
        Subscribers {
            list: StoredValue::new_local(Vec::new()),
            next_token: StoredValue::new(1),
        }
    }

    /// Calls `handler` with every event until the current reactive owner
    /// (the calling component) is cleaned up.
    pub fn subscribe(&self, handler: impl Fn(&E) + 'static) {
        let token = self.next_token.get_value();
        self.next_token.set_value(token + 1);
        self.list
            .update_value(|l| l.push((token, Rc::new(handler) as Handler<E>)));
        let list = self.list;
        on_cleanup(move || {
            list.try_update_value(|l| l.retain(|(t, _)| *t != token));
        });
    }

    /// Passes `event` to every subscriber.
    pub fn dispatch(&self, event: &E) {
        // Copied out first: a handler may subscribe or unsubscribe.
        let handlers: Vec<Handler<E>> = self
            .list
            .try_with_value(|l| l.iter().map(|(_, h)| Rc::clone(h)).collect())
            .unwrap_or_default();
        for handler in handlers {
            handler(event);
        }
    }
}
