//! An in-memory T.38 link with a simulated clock, for tests and benchmarks: two endpoints
//! exchange UDPTL datagrams through a line model that delays, drops (seeded, so runs repeat),
//! duplicates and reorders them, and time jumps from one due moment to the next, so a call
//! of a minute runs in milliseconds.

use std::collections::BinaryHeap;
use std::time::Duration;

use crate::T38Call;

/// Anything that speaks UDPTL datagrams and is driven by time: a [`T38Call`], or a wrapper
/// around another implementation.
pub trait DatagramEndpoint {
    fn start(&mut self, now: Duration);
    fn handle_datagram(&mut self, now: Duration, datagram: &[u8]);
    fn handle_timeout(&mut self, now: Duration);
    fn poll_datagram(&mut self) -> Option<Vec<u8>>;
    fn poll_timeout(&self) -> Option<Duration>;
    fn is_finished(&self) -> bool;
}

impl DatagramEndpoint for T38Call {
    fn start(&mut self, now: Duration) {
        T38Call::start(self, now)
    }
    fn handle_datagram(&mut self, now: Duration, datagram: &[u8]) {
        T38Call::handle_datagram(self, now, datagram)
    }
    fn handle_timeout(&mut self, now: Duration) {
        T38Call::handle_timeout(self, now)
    }
    fn poll_datagram(&mut self) -> Option<Vec<u8>> {
        T38Call::poll_datagram(self)
    }
    fn poll_timeout(&self) -> Option<Duration> {
        T38Call::poll_timeout(self)
    }
    fn is_finished(&self) -> bool {
        T38Call::is_finished(self)
    }
}

/// What the line does to datagrams in one direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineModel {
    /// Share of datagrams lost (0–1).
    pub loss: f64,
    /// Share of datagrams delivered twice.
    pub duplicate: f64,
    /// Fixed one-way delay.
    pub delay: Duration,
    /// Extra random delay up to this much (reorders datagrams closer than it).
    pub jitter: Duration,
    /// Seed of the line's random choices.
    pub seed: u64,
    /// From this moment on nothing gets through (the far end is gone).
    pub cut_at: Option<Duration>,
}

impl LineModel {
    /// No loss, 20 ms delay.
    pub fn clean() -> LineModel {
        LineModel {
            loss: 0.0,
            duplicate: 0.0,
            delay: Duration::from_millis(20),
            jitter: Duration::ZERO,
            seed: 1,
            cut_at: None,
        }
    }

    /// Random loss of `loss`, seeded.
    pub fn lossy(loss: f64, seed: u64) -> LineModel {
        LineModel { loss, seed, ..LineModel::clean() }
    }
}

/// How a simulated call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkOutcome {
    /// Simulated time when both ends finished (or the limit).
    pub elapsed: Duration,
    pub finished: [bool; 2],
    /// Datagrams each end sent, and how many of those the line dropped.
    pub sent: [u64; 2],
    pub dropped: [u64; 2],
}

/// A small, seeded random source (xorshift64*), so the crate needs no RNG dependency.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(PartialEq, Eq)]
struct InFlight {
    at: Duration,
    order: u64,
    to: usize,
    datagram: Vec<u8>,
}

impl Ord for InFlight {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Earliest first (BinaryHeap is a max-heap).
        other.at.cmp(&self.at).then(other.order.cmp(&self.order))
    }
}

impl PartialOrd for InFlight {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Two endpoints' lines: datagrams in flight and what each line does to them. Time is
/// whatever the caller says it is, so the same link serves a simulation that jumps from one
/// due moment to the next ([`run_link`]) and a call paced by a real or test clock.
pub struct Link {
    rng: [Rng; 2],
    lines: [LineModel; 2],
    flight: BinaryHeap<InFlight>,
    order: u64,
    now: Duration,
    stats: LinkOutcome,
    stalled: bool,
}

impl Link {
    /// A link over lines `ab` (endpoint a → b) and `ba`, at time zero.
    pub fn new(ab: LineModel, ba: LineModel) -> Link {
        Link {
            rng: [Rng(ab.seed.max(1)), Rng(ba.seed.max(1) ^ 0x9E37_79B9_7F4A_7C15)],
            lines: [ab, ba],
            flight: BinaryHeap::new(),
            order: 0,
            now: Duration::ZERO,
            stats: LinkOutcome { elapsed: Duration::ZERO, finished: [false; 2], sent: [0; 2], dropped: [0; 2] },
            stalled: false,
        }
    }

    /// Starts both endpoints at time zero.
    pub fn start(&mut self, a: &mut dyn DatagramEndpoint, b: &mut dyn DatagramEndpoint) {
        a.start(self.now);
        b.start(self.now);
        self.collect(a, b);
    }

    /// Runs both endpoints through every moment due up to `until`, in order: datagrams
    /// arrive, timers fire, what they send goes on the line. Returns the next moment
    /// something is due after `until`, or None when both have finished or nothing will
    /// ever happen again.
    pub fn run_until(
        &mut self,
        a: &mut dyn DatagramEndpoint,
        b: &mut dyn DatagramEndpoint,
        until: Duration,
    ) -> Option<Duration> {
        let mut stuck = 0u32;
        loop {
            self.stats.finished = [a.is_finished(), b.is_finished()];
            if self.stats.finished == [true, true] {
                return None;
            }
            let next =
                [a.poll_timeout(), b.poll_timeout(), self.flight.peek().map(|f| f.at)].into_iter().flatten().min()?;
            if next > until {
                self.now = self.now.max(until);
                self.stats.elapsed = self.now;
                return Some(next);
            }
            if next <= self.now {
                stuck += 1;
                if stuck >= 100_000 {
                    // An endpoint keeps asking for the same moment without progress: the call
                    // can go no further.
                    self.stalled = true;
                    return None;
                }
            } else {
                stuck = 0;
            }
            self.now = next.max(self.now);
            self.stats.elapsed = self.now;
            let now = self.now;
            while self.flight.peek().is_some_and(|f| f.at <= now) {
                let f = self.flight.pop().expect("peeked");
                let ep: &mut dyn DatagramEndpoint = if f.to == 0 { &mut *a } else { &mut *b };
                ep.handle_datagram(now, &f.datagram);
            }
            if a.poll_timeout().is_some_and(|t| t <= now) {
                a.handle_timeout(now);
            }
            if b.poll_timeout().is_some_and(|t| t <= now) {
                b.handle_timeout(now);
            }
            self.collect(a, b);
        }
    }

    /// Whether an endpoint stalled: it kept asking for the same moment without progress (a
    /// fault in the endpoint), and the link stopped.
    pub fn stalled(&self) -> bool {
        self.stalled
    }

    /// What the link did so far.
    pub fn outcome(&self) -> LinkOutcome {
        self.stats
    }

    /// Puts what the endpoints have to send on their lines.
    fn collect(&mut self, a: &mut dyn DatagramEndpoint, b: &mut dyn DatagramEndpoint) {
        for side in 0..2 {
            let ep: &mut dyn DatagramEndpoint = if side == 0 { &mut *a } else { &mut *b };
            while let Some(d) = ep.poll_datagram() {
                self.stats.sent[side] += 1;
                let line = &self.lines[side];
                let r = &mut self.rng[side];
                if r.next_f64() < line.loss || line.cut_at.is_some_and(|t| self.now >= t) {
                    self.stats.dropped[side] += 1;
                    continue;
                }
                let copies = if r.next_f64() < line.duplicate { 2 } else { 1 };
                for _ in 0..copies {
                    let jitter = line.jitter.mul_f64(r.next_f64());
                    self.order += 1;
                    let at = self.now + line.delay + jitter;
                    self.flight.push(InFlight { at, order: self.order, to: 1 - side, datagram: d.clone() });
                }
            }
        }
    }
}

/// Runs two endpoints against each other over lines `ab` (a → b) and `ba` until both finish
/// or `limit` of simulated time passes.
pub fn run_link(
    a: &mut dyn DatagramEndpoint,
    b: &mut dyn DatagramEndpoint,
    ab: LineModel,
    ba: LineModel,
    limit: Duration,
) -> LinkOutcome {
    let mut link = Link::new(ab, ba);
    link.start(a, b);
    let more = link.run_until(a, b, limit);
    assert!(!link.stalled(), "an endpoint keeps asking for the same moment {:?} without progress", link.now);
    if more.is_some() {
        link.now = limit;
        link.stats.elapsed = limit;
    }
    link.outcome()
}
