//! Slows down key guessing, per client address. Each address may get a
//! few keys wrong freely; after that it must wait before its next try, twice
//! as long after each further failure (up to [`MAX_WAIT`]). Only the
//! address that failed waits: the real operator logging in from another
//! address is never locked out by an attacker. IPv6 clients count by their
//! /64 network, since one host can use many addresses in it. The table is
//! bounded; forgotten entries only cost an attacker a fresh start at the
//! slow rate.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Wrong keys an address may send before it has to wait.
pub const FREE_FAILURES: u32 = 5;
/// Longest wait between tries.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Failures are forgotten after this long without one.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Most addresses remembered.
const MAX_ENTRIES: usize = 10_000;

/// What is remembered of one address.
#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
    until: Instant,
}

/// Failed attempts per address.
#[derive(Debug, Default)]
pub struct Throttle {
    entries: HashMap<IpAddr, Entry>,
}

/// The address as counted: IPv4 as is, IPv6 by its /64 network.
fn key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl Throttle {
    /// `Err(wait)` while `addr` must wait before trying again.
    pub fn check(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        match self.entries.get(&key(addr)) {
            Some(entry) if entry.until > now => Err(entry.until - now),
            _ => Ok(()),
        }
    }

    /// Counts a wrong key from `addr`; returns how long it must now wait
    /// (zero while it is within its free failures).
    pub fn failed(&mut self, addr: IpAddr, now: Instant) -> Duration {
        if self.entries.len() >= MAX_ENTRIES {
            self.entries
                .retain(|_, e| e.until > now || now.duration_since(e.last) < FORGET_AFTER);
            if self.entries.len() >= MAX_ENTRIES {
                self.entries.retain(|_, e| e.until > now);
            }
        }
        let entry = self.entries.entry(key(addr)).or_insert(Entry {
            failures: 0,
            last: now,
            until: now,
        });
        if now.duration_since(entry.last) >= FORGET_AFTER {
            entry.failures = 0;
        }
        entry.failures = entry.failures.saturating_add(1);
        entry.last = now;
        let wait = match entry.failures.checked_sub(FREE_FAILURES) {
            None | Some(0) => Duration::ZERO,
            Some(over) => Duration::from_secs(1u64 << over.min(20)).min(MAX_WAIT),
        };
        entry.until = now + wait;
        wait
    }

    /// Forgets the failures of `addr` after a right key.
    pub fn succeeded(&mut self, addr: IpAddr) {
        self.entries.remove(&key(addr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_guesser_waits_longer_and_longer_but_others_do_not() {
        let mut throttle = Throttle::default();
        let now = Instant::now();
        let attacker = ip("192.168.1.66");
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.check(attacker, now), Ok(()));
            assert_eq!(throttle.failed(attacker, now), Duration::ZERO);
        }
        assert_eq!(throttle.failed(attacker, now), Duration::from_secs(2));
        assert_eq!(throttle.check(attacker, now), Err(Duration::from_secs(2)));
        let later = now + Duration::from_secs(2);
        assert_eq!(throttle.check(attacker, later), Ok(()));
        assert_eq!(throttle.failed(attacker, later), Duration::from_secs(4));
        for _ in 0..50 {
            throttle.failed(attacker, later);
        }
        assert_eq!(throttle.check(attacker, later), Err(MAX_WAIT));
        // The operator elsewhere is not affected.
        assert_eq!(throttle.check(ip("192.168.1.10"), later), Ok(()));
        // A right key from the attacker's address would clear it.
        throttle.succeeded(attacker);
        assert_eq!(throttle.check(attacker, later), Ok(()));
    }

    #[test]
    fn ipv6_counts_by_network_and_old_failures_are_forgotten() {
        let mut throttle = Throttle::default();
        let now = Instant::now();
        for i in 0..=FREE_FAILURES {
            throttle.failed(ip(&format!("2001:db8:1:2::{i}")), now);
        }
        assert!(throttle.check(ip("2001:db8:1:2::ffff"), now).is_err());
        assert!(throttle.check(ip("2001:db8:1:3::1"), now).is_ok());
        let much_later = now + FORGET_AFTER + Duration::from_secs(1);
        assert_eq!(
            throttle.failed(ip("2001:db8:1:2::1"), much_later),
            Duration::ZERO
        );
    }

    #[test]
    fn the_table_stays_bounded() {
        let mut throttle = Throttle::default();
        let now = Instant::now();
        for i in 0..(MAX_ENTRIES as u32 + 100) {
            throttle.failed(IpAddr::V4(i.into()), now + FORGET_AFTER * (i / 1000));
        }
        assert!(throttle.entries.len() <= MAX_ENTRIES);
    }
}
