//! SpanDSP's T.38 terminal behind ferrofax's UDPTL codec, as FreeSWITCH and Asterisk put it on
//! the network (SpanDSP itself has no UDPTL): one datagram per IFP, sent `count` times, and
//! received IFPs handed to SpanDSP with their sequence numbers so that it sees gaps. Driven in
//! 20 ms ticks of simulated time, it is a [`DatagramEndpoint`] for the in-memory link.

use std::collections::VecDeque;
use std::time::Duration;

use ferrofax_t38::sim::DatagramEndpoint;
use ferrofax_t38::udptl::{ErrorCorrection, Received, UdptlReceiver, UdptlSender};

use crate::{SAMPLES_PER_TICK, SpandspTerminal, T38Endpoint, TICK_MS};

const TICK: Duration = Duration::from_millis(TICK_MS);

/// SpanDSP's terminal with UDPTL framing.
pub struct SpandspOverUdptl {
    pub terminal: SpandspTerminal,
    tx: UdptlSender,
    rx: UdptlReceiver,
    out: VecDeque<Vec<u8>>,
    next_tick: Duration,
    started: bool,
}

impl SpandspOverUdptl {
    pub fn new(terminal: SpandspTerminal, error_correction: ErrorCorrection, far_max_datagram: usize) -> Self {
        SpandspOverUdptl {
            terminal,
            tx: UdptlSender::new(error_correction, far_max_datagram),
            rx: UdptlReceiver::new(),
            out: VecDeque::new(),
            next_tick: Duration::ZERO,
            started: false,
        }
    }

    fn collect(&mut self) {
        for t in self.terminal.take_transmitted() {
            if let Ok((_, d)) = self.tx.send(&t.ifp) {
                for _ in 1..t.copies.max(1) {
                    self.out.push_back(d.clone());
                }
                self.out.push_back(d);
            }
        }
    }
}

impl DatagramEndpoint for SpandspOverUdptl {
    fn start(&mut self, now: Duration) {
        self.started = true;
        self.next_tick = now;
    }

    fn handle_datagram(&mut self, _now: Duration, datagram: &[u8]) {
        if let Ok(items) = self.rx.receive(datagram) {
            for item in items {
                if let Received::Ifp { seq, data } = item {
                    self.terminal.receive_ifp(seq, &data);
                }
            }
        }
        self.collect();
    }

    fn handle_timeout(&mut self, now: Duration) {
        while self.started && self.next_tick <= now {
            T38Endpoint::advance(&mut self.terminal, SAMPLES_PER_TICK);
            self.next_tick += TICK;
        }
        self.collect();
    }

    fn poll_datagram(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Duration> {
        (!self.is_finished()).then_some(self.next_tick)
    }

    fn is_finished(&self) -> bool {
        self.terminal.is_finished() && self.out.is_empty()
    }
}
