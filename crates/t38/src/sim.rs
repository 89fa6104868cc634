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

/// Runs two endpoints against each other over lines `ab` (a → b) and `ba` until both finish
/// or `limit` of simulated time passes.
pub fn run_link(
    a: &mut dyn DatagramEndpoint,
    b: &mut dyn DatagramEndpoint,
    ab: LineModel,
    ba: LineModel,
    limit: Duration,
) -> LinkOutcome {
    let mut rng = [Rng(ab.seed.max(1)), Rng(ba.seed.max(1) ^ 0x9E37_79B9_7F4A_7C15)];
    let lines = [ab, ba];
    let mut flight: BinaryHeap<InFlight> = BinaryHeap::new();
    let mut order = 0u64;
    let mut out = LinkOutcome { elapsed: Duration::ZERO, finished: [false; 2], sent: [0; 2], dropped: [0; 2] };
    let mut now = Duration::ZERO;
    let mut stuck = 0u32;
    a.start(now);
    b.start(now);
    loop {
        for side in 0..2 {
            let ep: &mut dyn DatagramEndpoint = if side == 0 { &mut *a } else { &mut *b };
            while let Some(d) = ep.poll_datagram() {
                out.sent[side] += 1;
                let line = &lines[side];
                let r = &mut rng[side];
                if r.next_f64() < line.loss || line.cut_at.is_some_and(|t| now >= t) {
                    out.dropped[side] += 1;
                    continue;
                }
                let copies = if r.next_f64() < line.duplicate { 2 } else { 1 };
                for _ in 0..copies {
                    let jitter = line.jitter.mul_f64(r.next_f64());
                    order += 1;
                    flight.push(InFlight { at: now + line.delay + jitter, order, to: 1 - side, datagram: d.clone() });
                }
            }
        }
        out.finished = [a.is_finished(), b.is_finished()];
        if out.finished == [true, true] {
            break;
        }
        let next = [a.poll_timeout(), b.poll_timeout(), flight.peek().map(|f| f.at)].into_iter().flatten().min();
        let Some(next) = next else { break };
        if next <= now {
            stuck += 1;
            assert!(stuck < 100_000, "an endpoint keeps asking for the same moment {now:?} without progress");
        } else {
            stuck = 0;
        }
        now = next.max(now);
        if now > limit {
            now = limit;
            break;
        }
        while flight.peek().is_some_and(|f| f.at <= now) {
            let f = flight.pop().expect("peeked");
            let ep: &mut dyn DatagramEndpoint = if f.to == 0 { &mut *a } else { &mut *b };
            ep.handle_datagram(now, &f.datagram);
        }
        if a.poll_timeout().is_some_and(|t| t <= now) {
            a.handle_timeout(now);
        }
        if b.poll_timeout().is_some_and(|t| t <= now) {
            b.handle_timeout(now);
        }
    }
    out.elapsed = now;
    out
}
