//! Slowing down password guessing: at most [`MAX_FAILURES`] failed password checks for one user
//! name within [`WINDOW`]; past that every attempt for that name is refused (without checking
//! the password) until the oldest failure leaves the window. Unknown names count like known
//! ones, so the answer tells nothing about which names exist. Times are the server clock's.
//!
//! An attempt is counted as a failure when it starts and forgiven when it succeeds, so that
//! attempts running side by side cannot slip past the limit together. The counts live in
//! memory: a restart forgets them.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::clock::Millis;

/// Failed attempts allowed per user name within the window.
pub const MAX_FAILURES: usize = 5;

/// The window, milliseconds (15 minutes).
pub const WINDOW: Millis = 15 * 60 * 1000;

/// User names tracked at most; past that, names whose failures have all left the window are
/// forgotten, then the least recently failed.
const MAX_NAMES: usize = 10_000;

/// Failed password checks by user name.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, VecDeque<Millis>>>,
}

impl Throttle {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts an attempt for `name` at `now`, counting it as failed until [`Self::succeeded`].
    /// Refused with the time at which the next attempt will be allowed.
    pub fn attempt(&self, name: &str, now: Millis) -> Result<(), Millis> {
        let mut map = self.failures.lock().expect("throttle");
        if !map.contains_key(name) && map.len() >= MAX_NAMES {
            make_room(&mut map, now);
        }
        let times = map.entry(name.to_owned()).or_default();
        while times.front().is_some_and(|&t| t <= now - WINDOW) {
            times.pop_front();
        }
        if times.len() >= MAX_FAILURES {
            return Err(times[times.len() - MAX_FAILURES] + WINDOW);
        }
        times.push_back(now);
        Ok(())
    }

    /// The attempt begun last for `name` succeeded: its failures are forgotten.
    pub fn succeeded(&self, name: &str) {
        self.failures.lock().expect("throttle").remove(name);
    }
}

fn make_room(map: &mut HashMap<String, VecDeque<Millis>>, now: Millis) {
    map.retain(|_, times| times.back().is_some_and(|&t| t > now - WINDOW));
    if map.len() >= MAX_NAMES {
        let oldest = map.iter().min_by_key(|(_, times)| times.back().copied()).map(|(name, _)| name.clone());
        if let Some(name) = oldest {
            map.remove(&name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_the_name_until_the_oldest_leaves_the_window() {
        let t = Throttle::new();
        for i in 0..5 {
            assert_eq!(t.attempt("alice", 1_000 * i), Ok(()), "attempt {i}");
        }
        assert_eq!(t.attempt("alice", 10_000), Err(WINDOW), "locked until the first failure is 15 minutes old");
        assert_eq!(t.attempt("bob", 10_000), Ok(()), "other names are not affected");
        assert_eq!(t.attempt("alice", WINDOW - 1), Err(WINDOW));
        assert_eq!(t.attempt("alice", WINDOW), Ok(()), "the first failure left the window");
        assert_eq!(t.attempt("alice", WINDOW + 10), Err(1_000 + WINDOW));
    }

    #[test]
    fn success_forgets_the_failures() {
        let t = Throttle::new();
        for i in 0..4 {
            t.attempt("alice", i).unwrap();
        }
        t.attempt("alice", 5).unwrap();
        t.succeeded("alice");
        for i in 0..5 {
            assert_eq!(t.attempt("alice", 10 + i), Ok(()));
        }
    }

    #[test]
    fn the_names_tracked_are_bounded() {
        let t = Throttle::new();
        for i in 0..MAX_NAMES + 10 {
            t.attempt(&format!("user{i}"), i as Millis).unwrap();
        }
        assert!(t.failures.lock().unwrap().len() <= MAX_NAMES);
        // Names whose failures left the window go first.
        t.attempt("late", WINDOW + MAX_NAMES as Millis + 20).unwrap();
        assert!(t.failures.lock().unwrap().len() < 5);
    }
}
