//! Time for the server, injected: the system clock in production, a manual clock in tests, so
//! that tests move time instead of sleeping. Times are UTC milliseconds since the Unix epoch.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use tokio::sync::watch;

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// A source of time that can also wait.
#[async_trait]
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Millis;
    /// Returns when `now() >= at`.
    async fn sleep_until(&self, at: Millis);
}

/// The wall clock.
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> Millis {
        jiff::Timestamp::now().as_millisecond()
    }

    async fn sleep_until(&self, at: Millis) {
        loop {
            let left = at - self.now();
            if left <= 0 {
                return;
            }
            // Wake at least every minute so that a wall-clock jump is noticed.
            tokio::time::sleep(std::time::Duration::from_millis(left.min(60_000) as u64)).await;
        }
    }
}

/// A clock that only moves when told to. Sleepers wake when it passes their time.
#[derive(Clone)]
pub struct ManualClock {
    now: Arc<AtomicI64>,
    tick: watch::Sender<Millis>,
}

impl ManualClock {
    pub fn new(start: Millis) -> Self {
        ManualClock { now: Arc::new(AtomicI64::new(start)), tick: watch::Sender::new(start) }
    }

    /// Moves time forward by `ms`.
    pub fn advance(&self, ms: Millis) {
        let t = self.now.fetch_add(ms, Ordering::SeqCst) + ms;
        self.tick.send_replace(t);
    }

    /// Sets the time (forward or back).
    pub fn set(&self, t: Millis) {
        self.now.store(t, Ordering::SeqCst);
        self.tick.send_replace(t);
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> Millis {
        self.now.load(Ordering::SeqCst)
    }

    async fn sleep_until(&self, at: Millis) {
        let mut rx = self.tick.subscribe();
        while self.now() < at {
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Converts milliseconds to an API timestamp.
pub fn timestamp(ms: Millis) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_wakes_sleepers_when_moved() {
        let clock = ManualClock::new(1_000);
        let c = clock.clone();
        let sleeper = tokio::spawn(async move {
            c.sleep_until(5_000).await;
            c.now()
        });
        tokio::task::yield_now().await;
        clock.advance(1_000);
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(3_000);
        assert_eq!(sleeper.await.unwrap(), 5_000);
    }
}
