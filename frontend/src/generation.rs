//! A counter that tells the latest of several overlapping requests (or
//! timers) from the older ones: each start takes the next ticket, and an
//! answer is acted on only while its ticket is still the current one, so
//! a late answer to an older request is dropped. Once the owner (the
//! component or handle that made it) is gone, no ticket is current.

use leptos::prelude::*;

/// Handle to one counter; `Copy`, owned by the reactive owner that made it.
#[derive(Debug, Clone, Copy)]
pub struct Generation(StoredValue<u64>);

impl Generation {
    /// A counter at zero.
    pub fn new() -> Self {
        Generation(StoredValue::new(0))
    }

    /// Starts something new: returns its ticket, which makes every earlier
    /// ticket stale.
    pub fn next(&self) -> u64 {
        self.0.update_value(|n| *n += 1);
        self.0.get_value()
    }

    /// Whether `ticket` is still the latest one (false once the owner is
    /// gone).
    pub fn is_current(&self, ticket: u64) -> bool {
        self.0.try_get_value() == Some(ticket)
    }
}

impl Default for Generation {
    fn default() -> Self {
        Generation::new()
    }
}
