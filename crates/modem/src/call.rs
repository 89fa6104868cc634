//! A fax call over audio: a T.30 session and the audio terminal that is its modem, joined
//! into one sans-IO object that takes the far end's samples and gives this end's, in step: a
//! G.711 RTP leg (or a sound card, or a test harness) is all a driver adds. Time is the count
//! of samples sent.

use std::collections::VecDeque;
use std::time::Duration;

use ferrofax_t30::{Event, ModemEvent, Session};

use crate::oscillator::SAMPLE_RATE;
use crate::terminal::{AudioConfig, AudioTerminal};

/// How long a call lingers after T.30 is done, so that its last signal (DCN) is sent whole.
const FINAL_FLUSH_SAMPLES: u64 = SAMPLE_RATE as u64 / 5;

/// One fax call carried as audio.
#[derive(Debug)]
pub struct AudioCall {
    t30: Session,
    terminal: AudioTerminal,
    events: VecDeque<Event>,
    /// Samples sent so far: the call's clock.
    sent: u64,
    started: bool,
    /// When the call may end after T.30 finished (in samples).
    ends_at: Option<u64>,
}

impl AudioCall {
    pub fn new(t30: Session, cfg: AudioConfig) -> Self {
        AudioCall {
            t30,
            terminal: AudioTerminal::new(cfg),
            events: VecDeque::new(),
            sent: 0,
            started: false,
            ends_at: None,
        }
    }

    fn now(&self) -> Duration {
        Duration::from_nanos(self.sent * 1_000_000_000 / u64::from(SAMPLE_RATE))
    }

    /// Starts the call (the audio path is up).
    pub fn start(&mut self) {
        if !self.started {
            self.started = true;
            self.t30.start(self.now());
            self.pump();
        }
    }

    /// The far end's audio for the stretch of time just sent (or about to be).
    pub fn receive(&mut self, samples: &[i16]) {
        self.terminal.receive(samples);
        self.pump();
    }

    /// The far end's audio for `samples` was lost.
    pub fn lost(&mut self, samples: usize) {
        self.terminal.fill_in(samples);
        self.pump();
    }

    /// Fills `out` with this end's next samples; the call's time moves on by `out.len()`.
    pub fn transmit(&mut self, out: &mut [i16]) {
        let mut at = 0;
        while at < out.len() {
            let n = self.terminal.transmit(&mut out[at..]);
            at += n;
            self.sent += n as u64;
            let now = self.now();
            self.t30.handle_timeout(now);
            self.pump();
        }
    }

    /// The far end is gone (BYE, the media stopped).
    pub fn line_lost(&mut self) {
        self.t30.handle_modem(self.now(), ModemEvent::LineLost);
        self.pump();
    }

    /// The local user cancelled the fax: T.30 ends the call with DCN.
    pub fn abort(&mut self) {
        self.t30.abort(self.now());
        self.pump();
    }

    /// The next T.30 event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// T.30 is done and its last signal is out.
    pub fn is_finished(&self) -> bool {
        self.ends_at.is_some_and(|t| self.sent >= t) && self.terminal.is_idle()
    }

    pub fn session(&self) -> &Session {
        &self.t30
    }

    /// The call's time: samples sent, as a duration.
    pub fn elapsed(&self) -> Duration {
        self.now()
    }

    /// Moves commands, modem events and T.30 events until all is still.
    fn pump(&mut self) {
        let now = self.now();
        loop {
            let mut moved = false;
            while let Some(cmd) = self.t30.poll_command() {
                self.terminal.handle_command(cmd);
                moved = true;
            }
            while let Some(ev) = self.terminal.poll_event() {
                self.t30.handle_modem(now, ev);
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
            self.ends_at = Some(self.sent + FINAL_FLUSH_SAMPLES);
        }
    }
}
