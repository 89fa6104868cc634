//! The T.30 timers in one table: T1, T2, T4 and T5, how long each runs (from the session's
//! [`Timers`]) and what its expiry means, and the deadlines of those running. The procedure
//! arms and stops them; only what the sending or receiving half must decide itself on a T2 or
//! T4 expiry (repeat a command, send DIS again, hang up) lives with that half.

use std::time::Duration;

use crate::{Failure, Timers};

/// A T.30 timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Timer {
    /// Both stations must have identified each other (phase B) by then.
    T1,
    /// A receiver waits this long for a command or for page data.
    T2,
    /// A transmitter waits this long for a response before repeating its command.
    T4,
    /// An ECM receiver may stay not ready (RNR) this long.
    T5,
}

/// What happens when a timer runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// The call fails with `failure`, sending DCN first when `dcn`.
    Fail { failure: Failure, dcn: bool },
    /// The waiting state decides (repeat the command, send DIS again, or give up).
    ByState,
}

impl Timer {
    /// The table: each timer's duration and what its expiry means.
    pub(crate) fn rule(self, timers: &Timers) -> (Duration, Expiry) {
        match self {
            // No DIS or DCS in time: this is no fax call, and there is nobody to say DCN to.
            Timer::T1 => (timers.t1, Expiry::Fail { failure: Failure::T1Expired, dcn: false }),
            Timer::T2 => (timers.t2, Expiry::ByState),
            Timer::T4 => (timers.t4, Expiry::ByState),
            Timer::T5 => (timers.t5, Expiry::Fail { failure: Failure::T5Expired, dcn: true }),
        }
    }
}

/// The deadlines of the running timers: T1 and T5 run beside the state's own response timer
/// (T2 or T4, at most one at a time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Deadlines {
    t1: Option<Duration>,
    t5: Option<Duration>,
    response: Option<(Timer, Duration)>,
}

impl Deadlines {
    /// Starts `timer` at `now` (again, if it was running).
    pub(crate) fn start(&mut self, timer: Timer, now: Duration, timers: &Timers) {
        let at = now + timer.rule(timers).0;
        match timer {
            Timer::T1 => self.t1 = Some(at),
            Timer::T5 => self.t5 = Some(at),
            Timer::T2 | Timer::T4 => self.response = Some((timer, at)),
        }
    }

    /// Starts `timer` unless it is already running.
    pub(crate) fn start_once(&mut self, timer: Timer, now: Duration, timers: &Timers) {
        if !self.running(timer) {
            self.start(timer, now, timers);
        }
    }

    pub(crate) fn stop(&mut self, timer: Timer) {
        match timer {
            Timer::T1 => self.t1 = None,
            Timer::T5 => self.t5 = None,
            Timer::T2 | Timer::T4 => {
                if self.response.is_some_and(|(t, _)| t == timer) {
                    self.response = None;
                }
            }
        }
    }

    /// Stops the state's response timer (T2 or T4).
    pub(crate) fn stop_response(&mut self) {
        self.response = None;
    }

    pub(crate) fn stop_all(&mut self) {
        *self = Deadlines::default();
    }

    pub(crate) fn running(&self, timer: Timer) -> bool {
        match timer {
            Timer::T1 => self.t1.is_some(),
            Timer::T5 => self.t5.is_some(),
            Timer::T2 | Timer::T4 => self.response.is_some_and(|(t, _)| t == timer),
        }
    }

    /// Gives the response timer at least until `at` (a frame or page on its way).
    pub(crate) fn extend_response(&mut self, at: Duration) {
        if let Some((_, d)) = self.response.as_mut() {
            *d = (*d).max(at);
        }
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Duration> {
        [self.t1, self.t5, self.response.map(|(_, d)| d)].into_iter().flatten().min()
    }

    /// The timer that has run out by `now`, stopped; T1 first, then T5, then the response
    /// timer.
    pub(crate) fn take_expired(&mut self, now: Duration) -> Option<Timer> {
        if self.t1.is_some_and(|t| now >= t) {
            self.t1 = None;
            return Some(Timer::T1);
        }
        if self.t5.is_some_and(|t| now >= t) {
            self.t5 = None;
            return Some(Timer::T5);
        }
        match self.response {
            Some((timer, d)) if now >= d => {
                self.response = None;
                Some(timer)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_gives_each_timer_its_duration_and_expiry() {
        let t = Timers::default();
        assert_eq!(Timer::T1.rule(&t), (t.t1, Expiry::Fail { failure: Failure::T1Expired, dcn: false }));
        assert_eq!(Timer::T5.rule(&t), (t.t5, Expiry::Fail { failure: Failure::T5Expired, dcn: true }));
        assert_eq!(Timer::T2.rule(&t), (t.t2, Expiry::ByState));
        assert_eq!(Timer::T4.rule(&t).0, Duration::from_millis(3450));
    }

    #[test]
    fn expiries_come_in_order_and_only_once() {
        let t = Timers::default();
        let mut d = Deadlines::default();
        d.start(Timer::T1, Duration::ZERO, &t);
        d.start(Timer::T4, Duration::ZERO, &t);
        // T2 replaces T4 as the state's response timer.
        d.start(Timer::T2, Duration::from_secs(1), &t);
        assert!(!d.running(Timer::T4));
        assert_eq!(d.next(), Some(Duration::from_secs(8)));
        assert_eq!(d.take_expired(Duration::from_secs(7)), None);
        d.extend_response(Duration::from_secs(10));
        assert_eq!(d.take_expired(Duration::from_secs(9)), None);
        assert_eq!(d.take_expired(Duration::from_secs(10)), Some(Timer::T2));
        assert_eq!(d.take_expired(Duration::from_secs(10)), None);
        d.start(Timer::T5, Duration::from_secs(10), &t);
        d.start_once(Timer::T5, Duration::from_secs(20), &t);
        // At 75 s both T1 (35 s) and T5 (10 + 65 s) are out: T1 is reported first.
        assert_eq!(d.take_expired(Duration::from_secs(75)), Some(Timer::T1));
        assert_eq!(d.take_expired(Duration::from_secs(75)), Some(Timer::T5));
        assert_eq!(d.next(), None);
    }
}
