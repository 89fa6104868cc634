//! A fax call over T.38: a T.30 session, the T.38 terminal that is its modem, and UDPTL
//! framing, joined into one sans-IO object that takes datagrams and time and gives datagrams
//! and T.30 events. A UDP socket (or an in-memory link in tests) is all a driver adds.

use std::collections::VecDeque;
use std::time::Duration;

use ferrofax_t30::{Event, Session};

use crate::terminal::{T38Terminal, TerminalConfig};
use crate::udptl::{ErrorCorrection, Received, UdptlReceiver, UdptlSender};

/// How long a call lingers after T.30 is done, to let its last packets go (DCN, no-signal).
const FINAL_FLUSH: Duration = Duration::from_millis(500);

/// Everything about the T.38 leg that SDP decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T38Config {
    pub terminal: TerminalConfig,
    /// What this end sends for error recovery.
    pub error_correction: ErrorCorrection,
    /// The far end's `T38FaxMaxDatagram`.
    pub far_max_datagram: usize,
}

impl Default for T38Config {
    fn default() -> Self {
        T38Config {
            terminal: TerminalConfig::default(),
            error_correction: ErrorCorrection::Redundancy { depth: 3 },
            far_max_datagram: 400,
        }
    }
}

/// Counters of what the transport saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallStats {
    pub datagrams_sent: u64,
    pub datagrams_received: u64,
    /// Datagrams that did not decode as UDPTL.
    pub bad_datagrams: u64,
    /// IFP packets that did not decode.
    pub bad_ifps: u64,
    /// IFP packets that could not be recovered.
    pub lost_ifps: u64,
}

/// One fax call carried over T.38/UDPTL.
#[derive(Debug)]
pub struct T38Call {
    t30: Session,
    terminal: T38Terminal,
    udptl_tx: UdptlSender,
    udptl_rx: UdptlReceiver,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    now: Duration,
    started: bool,
    /// When the call may end after T.30 finished.
    ends_at: Option<Duration>,
    stats: CallStats,
}

impl T38Call {
    pub fn new(t30: Session, cfg: T38Config) -> T38Call {
        T38Call {
            t30,
            terminal: T38Terminal::new(cfg.terminal),
            udptl_tx: UdptlSender::new(cfg.error_correction, cfg.far_max_datagram),
            udptl_rx: UdptlReceiver::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            now: Duration::ZERO,
            started: false,
            ends_at: None,
            stats: CallStats::default(),
        }
    }

    /// Starts the call at `now` (the media path is up).
    pub fn start(&mut self, now: Duration) {
        self.now = now;
        if !self.started {
            self.started = true;
            self.t30.start(now);
            self.pump();
        }
    }

    /// A datagram arrived from the far end.
    pub fn handle_datagram(&mut self, now: Duration, datagram: &[u8]) {
        // What was due by now happens first (a late timer must not make T.30 think it is still
        // sending when the answer arrives).
        self.handle_timeout(now);
        self.stats.datagrams_received += 1;
        let terminal = &mut self.terminal;
        let stats = &mut self.stats;
        let result = self.udptl_rx.receive_with(datagram, |item| match item {
            Received::Ifp { data, .. } => {
                if terminal.handle_ifp(now, data).is_err() {
                    stats.bad_ifps += 1;
                }
            }
            Received::Lost { count, .. } => {
                stats.lost_ifps += count as u64;
                terminal.handle_lost(count as u32);
            }
            Received::Resync { .. } => terminal.handle_lost(1),
        });
        if result.is_err() {
            self.stats.bad_datagrams += 1;
        }
        self.pump();
    }

    /// Time has reached `now`.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.now = now;
        self.terminal.handle_timeout(now);
        self.t30.handle_timeout(now);
        self.pump();
    }

    /// The far end is gone (BYE, socket error).
    pub fn handle_line_lost(&mut self, now: Duration) {
        self.now = now;
        self.t30.handle_modem(now, ferrofax_t30::ModemEvent::LineLost);
        self.pump();
    }

    /// The local user cancelled the fax: T.30 ends the call with DCN (see
    /// [`Session::abort`]), and the call finishes once that is out.
    pub fn abort(&mut self, now: Duration) {
        self.now = now;
        self.t30.abort(now);
        self.pump();
    }

    /// The next datagram to send.
    pub fn poll_datagram(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    /// The next T.30 event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`T38Call::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Duration> {
        if self.is_finished() {
            return None;
        }
        let ends_at = self.ends_at.map(|t| t.max(self.now + Duration::from_millis(1)));
        [self.terminal.poll_timeout(), self.t30.poll_timeout(), ends_at].into_iter().flatten().min()
    }

    /// T.30 is done and its last packets are out.
    pub fn is_finished(&self) -> bool {
        self.ends_at.is_some_and(|t| self.now >= t) && self.terminal.is_idle()
    }

    pub fn session(&self) -> &Session {
        &self.t30
    }

    pub fn stats(&self) -> CallStats {
        self.stats
    }

    /// Moves commands, modem events, packets and events between the parts until all is still.
    fn pump(&mut self) {
        loop {
            let mut moved = false;
            while let Some(cmd) = self.t30.poll_command() {
                self.terminal.handle_command(self.now, cmd);
                moved = true;
            }
            // Packets due now go out at once.
            self.terminal.handle_timeout(self.now);
            while let Some(ev) = self.terminal.poll_event() {
                self.t30.handle_modem(self.now, ev);
                moved = true;
            }
            while let Some(ifp) = self.terminal.poll_ifp() {
                if let Ok((_, datagram)) = self.udptl_tx.send(&ifp.ifp) {
                    for _ in 1..ifp.copies.max(1) {
                        self.out.push_back(datagram.clone());
                        self.stats.datagrams_sent += 1;
                    }
                    self.out.push_back(datagram);
                    self.stats.datagrams_sent += 1;
                }
                moved = true;
            }
            while let Some(e) = self.t30.poll_event() {
                self.events.push_back(e);
                moved = true;
            }
            if !moved {
                break;
            }
        }
        if self.t30.is_finished() && self.ends_at.is_none() {
            let last = self.terminal.poll_timeout().unwrap_or(self.now).max(self.now);
            self.ends_at = Some(last + FINAL_FLUSH);
        }
    }
}
