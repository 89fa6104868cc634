//! The in-memory pair driver: two T.38 endpoints, ticked every 20 ms of simulated time, with
//! IFPs carried between them over simulated links that can drop, duplicate and delay
//! datagrams by a seeded rule and can carry UDPTL-style redundancy (each datagram repeats the
//! previous IFPs, so the receiving side fills gaps). It owns the [`T38Endpoint`] trait that
//! SpanDSP's terminal implements and that ferrofax's own engine can implement to take one
//! side. Pure Rust; compiled with or without the `spandsp` feature.

use std::collections::VecDeque;

/// Samples per 20 ms tick at 8 kHz.
pub const SAMPLES_PER_TICK: i32 = 160;
/// Length of one tick in milliseconds.
pub const TICK_MS: u64 = 20;

/// One IFP an endpoint sent: its sequence number (one per IFP) and how many identical copies
/// (same seq) it asked to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransmittedIfp {
    pub seq: u16,
    pub ifp: Vec<u8>,
    pub copies: u32,
}

/// A T.38 endpoint the pair driver can run: SpanDSP's terminal, or ferrofax's engine.
pub trait T38Endpoint {
    /// Delivers one received IFP with its sequence number.
    fn receive_ifp(&mut self, seq: u16, ifp: &[u8]);
    /// Advances the endpoint's clock by `samples` (8000 = 1 s); returns whether it has finished.
    fn advance(&mut self, samples: i32) -> bool;
    /// Takes the IFPs sent since the last call, oldest first.
    fn take_transmitted(&mut self) -> Vec<TransmittedIfp>;
    /// Whether the endpoint has finished its call (phase E done).
    fn finished(&self) -> bool;
}

impl<T: T38Endpoint + ?Sized> T38Endpoint for &mut T {
    fn receive_ifp(&mut self, seq: u16, ifp: &[u8]) {
        (**self).receive_ifp(seq, ifp)
    }
    fn advance(&mut self, samples: i32) -> bool {
        (**self).advance(samples)
    }
    fn take_transmitted(&mut self) -> Vec<TransmittedIfp> {
        (**self).take_transmitted()
    }
    fn finished(&self) -> bool {
        (**self).finished()
    }
}

/// How one direction of the simulated network behaves. Every copy of an IFP is one datagram;
/// each datagram is dropped, or else duplicated, with the given probabilities (per mille),
/// drawn from a generator seeded with `seed`, so a run is reproducible.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkConfig {
    pub drop_per_mille: u32,
    pub duplicate_per_mille: u32,
    pub seed: u64,
    /// How many earlier IFPs each datagram repeats (UDPTL redundancy); 0 for none.
    pub redundancy: usize,
    /// One-way delay, rounded up to whole ticks; 0 delivers in the tick the IFP was taken.
    pub latency_ms: u64,
}

impl LinkConfig {
    /// A link that delivers everything, at once.
    pub fn perfect() -> Self {
        LinkConfig::default()
    }

    /// A link that drops `drop_per_mille` of the datagrams, with `redundancy` earlier IFPs in
    /// each datagram.
    pub fn lossy(drop_per_mille: u32, redundancy: usize, seed: u64) -> Self {
        LinkConfig { drop_per_mille, redundancy, seed, ..LinkConfig::default() }
    }
}

/// What happened on one direction of the link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// IFPs taken from the sender.
    pub ifps_sent: u64,
    /// Datagrams put on the wire (one per copy, before loss).
    pub datagrams_sent: u64,
    pub datagrams_dropped: u64,
    pub datagrams_duplicated: u64,
    /// IFPs handed to the receiver as primaries (duplicates included).
    pub ifps_delivered: u64,
    /// IFPs handed to the receiver out of redundancy, filling a gap.
    pub ifps_recovered: u64,
}

#[derive(Debug, Clone)]
struct Datagram {
    seq: u16,
    primary: Vec<u8>,
    /// Earlier IFPs, newest first.
    secondary: Vec<(u16, Vec<u8>)>,
}

/// One direction of the simulated network, including the receiving side's redundancy
/// recovery.
#[derive(Debug)]
struct Link {
    config: LinkConfig,
    rng: u64,
    history: VecDeque<(u16, Vec<u8>)>,
    in_flight: VecDeque<(u64, Datagram)>,
    rx_next: Option<u16>,
    stats: LinkStats,
}

impl Link {
    fn new(config: LinkConfig) -> Self {
        let rng = config.seed ^ 0x9E37_79B9_7F4A_7C15;
        Link {
            config,
            rng: rng.max(1),
            history: VecDeque::new(),
            in_flight: VecDeque::new(),
            rx_next: None,
            stats: LinkStats::default(),
        }
    }

    /// xorshift64*: a draw in 0..1000.
    fn roll(&mut self) -> u32 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32 % 1000
    }

    fn send(&mut self, ifps: Vec<TransmittedIfp>, now_tick: u64) {
        let due = now_tick + self.config.latency_ms.div_ceil(TICK_MS);
        for t in ifps {
            self.stats.ifps_sent += 1;
            let datagram = Datagram {
                seq: t.seq,
                primary: t.ifp.clone(),
                secondary: self.history.iter().rev().cloned().collect(),
            };
            if self.config.redundancy > 0 {
                self.history.push_back((t.seq, t.ifp));
                while self.history.len() > self.config.redundancy {
                    self.history.pop_front();
                }
            }
            for _ in 0..t.copies.max(1) {
                self.stats.datagrams_sent += 1;
                if self.config.drop_per_mille > 0 && self.roll() < self.config.drop_per_mille {
                    self.stats.datagrams_dropped += 1;
                    continue;
                }
                self.in_flight.push_back((due, datagram.clone()));
                if self.config.duplicate_per_mille > 0 && self.roll() < self.config.duplicate_per_mille {
                    self.stats.datagrams_duplicated += 1;
                    self.in_flight.push_back((due, datagram.clone()));
                }
            }
        }
    }

    fn deliver(&mut self, now_tick: u64, to: &mut impl T38Endpoint) {
        while self.in_flight.front().is_some_and(|(due, _)| *due <= now_tick) {
            let (_, d) = self.in_flight.pop_front().expect("checked non-empty");
            match self.rx_next {
                Some(next) if d.seq.wrapping_sub(next) < 0x8000 => {
                    // In order or ahead: fill the gap from the redundancy, oldest first.
                    for (seq, ifp) in d.secondary.iter().rev() {
                        if seq.wrapping_sub(next) < d.seq.wrapping_sub(next) {
                            to.receive_ifp(*seq, ifp);
                            self.stats.ifps_recovered += 1;
                        }
                    }
                    self.rx_next = Some(d.seq.wrapping_add(1));
                }
                Some(_) => {} // late or duplicate: the endpoint decides
                None => self.rx_next = Some(d.seq.wrapping_add(1)),
            }
            to.receive_ifp(d.seq, &d.primary);
            self.stats.ifps_delivered += 1;
        }
    }
}

/// How a run of the pair ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairOutcome {
    pub a_finished: bool,
    pub b_finished: bool,
    /// Simulated time at the end of the run.
    pub simulated_ms: u64,
    pub a_to_b: LinkStats,
    pub b_to_a: LinkStats,
}

impl PairOutcome {
    pub fn both_finished(&self) -> bool {
        self.a_finished && self.b_finished
    }
}

/// Two endpoints joined by two simulated links, driven by a simulated clock.
pub struct Pair<A, B> {
    pub a: A,
    pub b: B,
    a_to_b: Link,
    b_to_a: Link,
    ticks: u64,
    a_finished: bool,
    b_finished: bool,
}

impl<A: T38Endpoint, B: T38Endpoint> Pair<A, B> {
    /// Joins `a` and `b` with perfect links.
    pub fn new(a: A, b: B) -> Self {
        Self::with_links(a, b, LinkConfig::perfect(), LinkConfig::perfect())
    }

    /// Joins `a` and `b` with the given links.
    pub fn with_links(a: A, b: B, a_to_b: LinkConfig, b_to_a: LinkConfig) -> Self {
        Pair {
            a,
            b,
            a_to_b: Link::new(a_to_b),
            b_to_a: Link::new(b_to_a),
            ticks: 0,
            a_finished: false,
            b_finished: false,
        }
    }

    /// One 20 ms step: advances both clocks, then moves what each sent onto its link and
    /// delivers what is due. Returns whether both endpoints have finished.
    pub fn tick(&mut self) -> bool {
        self.a_finished |= self.a.advance(SAMPLES_PER_TICK);
        self.b_finished |= self.b.advance(SAMPLES_PER_TICK);
        self.a_to_b.send(self.a.take_transmitted(), self.ticks);
        self.b_to_a.send(self.b.take_transmitted(), self.ticks);
        self.a_to_b.deliver(self.ticks, &mut self.b);
        self.b_to_a.deliver(self.ticks, &mut self.a);
        self.ticks += 1;
        self.a_finished |= self.a.finished();
        self.b_finished |= self.b.finished();
        self.a_finished && self.b_finished
    }

    /// Ticks until both endpoints have finished or `max_seconds` of simulated time pass.
    pub fn run(&mut self, max_seconds: u64) -> PairOutcome {
        let max_ticks = max_seconds * 1000 / TICK_MS;
        while self.ticks < max_ticks && !self.tick() {}
        self.outcome()
    }

    /// Simulated time so far, in milliseconds.
    pub fn elapsed_ms(&self) -> u64 {
        self.ticks * TICK_MS
    }

    /// The state of the run so far.
    pub fn outcome(&self) -> PairOutcome {
        PairOutcome {
            a_finished: self.a_finished,
            b_finished: self.b_finished,
            simulated_ms: self.elapsed_ms(),
            a_to_b: self.a_to_b.stats,
            b_to_a: self.b_to_a.stats,
        }
    }

    /// Gives the endpoints back.
    pub fn into_endpoints(self) -> (A, B) {
        (self.a, self.b)
    }
}

/// Runs `a` against `b` over links configured as `link` (both directions; the seed of the
/// b→a direction is varied so the two do not lose the same datagrams) for at most
/// `max_seconds` of simulated time.
pub fn run_pair(a: &mut impl T38Endpoint, b: &mut impl T38Endpoint, max_seconds: u64, link: LinkConfig) -> PairOutcome {
    let back = LinkConfig { seed: link.seed.wrapping_add(0x5DEE_CE66), ..link.clone() };
    Pair::with_links(a, b, link, back).run(max_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends one IFP per tick for `n` ticks and records what it receives.
    #[derive(Default)]
    struct Counter {
        n: u16,
        sent: u16,
        got: Vec<u16>,
    }

    impl T38Endpoint for Counter {
        fn receive_ifp(&mut self, seq: u16, _ifp: &[u8]) {
            self.got.push(seq);
        }
        fn advance(&mut self, _samples: i32) -> bool {
            self.finished()
        }
        fn take_transmitted(&mut self) -> Vec<TransmittedIfp> {
            if self.sent == self.n {
                return Vec::new();
            }
            self.sent += 1;
            vec![TransmittedIfp { seq: self.sent - 1, ifp: vec![self.sent as u8], copies: 1 }]
        }
        fn finished(&self) -> bool {
            self.sent == self.n
        }
    }

    #[test]
    fn redundancy_fills_the_gaps_loss_leaves() {
        let mut a = Counter { n: 200, ..Counter::default() };
        let mut b = Counter::default();
        let mut pair = Pair::with_links(&mut a, &mut b, LinkConfig::lossy(200, 3, 7), LinkConfig::perfect());
        for _ in 0..210 {
            pair.tick();
        }
        let out = pair.outcome();
        assert!(out.a_to_b.datagrams_dropped > 20, "{out:?}");
        assert!(out.a_to_b.ifps_recovered > 0);
        let mut got = b.got.clone();
        got.dedup();
        // Only a run of more than three lost datagrams loses an IFP for good.
        assert!(got.len() >= 195, "{} of 200", got.len());
        assert!(got.windows(2).all(|w| w[0] < w[1]), "delivered in order");
    }

    #[test]
    fn latency_and_duplicates() {
        let mut a = Counter { n: 10, ..Counter::default() };
        let mut b = Counter::default();
        let link = LinkConfig { duplicate_per_mille: 1000, latency_ms: 100, ..LinkConfig::default() };
        let mut pair = Pair::with_links(&mut a, &mut b, link, LinkConfig::perfect());
        for _ in 0..5 {
            pair.tick();
        }
        assert!(pair.b.got.is_empty());
        pair.tick();
        assert_eq!(pair.b.got, [0, 0]);
        for _ in 0..15 {
            pair.tick();
        }
        let out = pair.outcome();
        assert!(out.both_finished());
        assert_eq!(out.simulated_ms, 21 * TICK_MS);
        assert_eq!(out.a_to_b.datagrams_duplicated, 10);
        assert_eq!(b.got.len(), 20);
    }
}
