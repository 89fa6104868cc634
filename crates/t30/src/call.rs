//! What both halves of a T.30 session share: the modem's command queue and the application's
//! events, the control channel (V.21 frames going out, remembered for repeats, and coming in
//! up to their final frame), the timers, the phase, what is known of the far end, and the
//! call's life from start to its [`Completion`].

use std::collections::VecDeque;
use std::time::Duration;

use crate::frame::{CONTROL_FINAL, CONTROL_NON_FINAL, Frame, build, ident_fif, parse_ident};
use crate::timer::{Deadlines, Timer};
use crate::{Completion, Config, Dcs, Event, Failure, FrameType, ModemCommand, Negotiated, Phase};

/// Where the call stands as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Life {
    /// [`crate::Session::start`] has not been called.
    NotStarted,
    /// The procedure runs.
    Running,
    /// The outcome is decided; a last transmission (DCN) is going out or waits its turn.
    Ending(Completion),
    /// Over: nothing more happens.
    Finished(Completion),
}

/// What to do when the transmission on the air is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterTx {
    /// Listen, with the timers as they run (CNG: T1 already runs).
    Listen,
    /// Listen, and start this timer: the state waits for an answer or a command.
    Wait(Timer),
    /// The half goes on with the next transmission its state calls for: the sender's training
    /// check after DCS and its end-of-page command (or PPS) after the image; the receiver's
    /// DIS after its answer tone or after answering EOM.
    Continue,
    /// Release the call: send DCN (its outcome is decided), then hang up.
    Dcn,
    /// Hang up: the call is over.
    Hangup,
}

/// The call as both halves see it.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) cfg: Config,
    pub(crate) now: Duration,
    pub(crate) commands: VecDeque<ModemCommand>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) life: Life,
    /// A transmission is on the air, and what follows it.
    pub(crate) on_air: Option<AfterTx>,
    pub(crate) timers: Deadlines,
    /// Frames of the transmission being received, up to its final frame.
    pub(crate) rx_frames: Vec<Frame>,
    /// Whether a frame with a bad FCS arrived in that transmission.
    pub(crate) rx_damaged: bool,
    /// The last control transmission, for repeats (CRP, T4).
    pub(crate) last_sent: Vec<Vec<u8>>,
    /// Tries of the current command.
    pub(crate) tries: u32,
    pub(crate) phase: Phase,
    /// A DIS has been received (sets the X bit of what this station sends).
    pub(crate) dis_received: bool,
    /// The far end's identity, once it named itself.
    pub(crate) remote_ident: Option<String>,
    /// The last mode agreed, once a training check passed.
    pub(crate) negotiated: Option<Negotiated>,
    pub(crate) pages_sent: u32,
    pub(crate) pages_received: u32,
}

impl Call {
    pub(crate) fn new(cfg: Config) -> Call {
        Call {
            cfg,
            now: Duration::ZERO,
            commands: VecDeque::new(),
            events: VecDeque::new(),
            life: Life::NotStarted,
            on_air: None,
            timers: Deadlines::default(),
            rx_frames: Vec::new(),
            rx_damaged: false,
            last_sent: Vec::new(),
            tries: 0,
            phase: Phase::A,
            dis_received: false,
            remote_ident: None,
            negotiated: None,
            pages_sent: 0,
            pages_received: 0,
        }
    }

    /// Starts `timer` now.
    pub(crate) fn start_timer(&mut self, timer: Timer) {
        self.timers.start(timer, self.now, &self.cfg.timers);
    }

    /// The state now waits with `timer` running (in place of the previous state's timer).
    pub(crate) fn wait(&mut self, timer: Timer) {
        self.timers.stop_response();
        self.start_timer(timer);
        self.rx_frames.clear();
    }

    /// A frame to send, with the X bit this station uses.
    pub(crate) fn frame(&self, kind: FrameType, fif: &[u8]) -> Vec<u8> {
        build(kind, self.dis_received, true, fif)
    }

    /// The identity frame (TSI or CSI) for this station, if it has an identity.
    pub(crate) fn ident_frame(&self, kind: FrameType) -> Option<Vec<u8>> {
        (!self.cfg.ident.trim().is_empty()).then(|| self.frame(kind, &ident_fif(&self.cfg.ident)))
    }

    /// Sends V.21 frames (the last is made final), remembering them for repeats.
    pub(crate) fn send_control(&mut self, mut frames: Vec<Vec<u8>>, after: AfterTx) {
        let n = frames.len();
        for (i, f) in frames.iter_mut().enumerate() {
            f[1] = if i + 1 == n { CONTROL_FINAL } else { CONTROL_NON_FINAL };
        }
        self.last_sent = frames.clone();
        self.timers.stop_response();
        self.commands.push_back(ModemCommand::SendControl(frames));
        self.on_air = Some(after);
    }

    /// Sends the last control transmission again.
    pub(crate) fn repeat_last(&mut self, after: AfterTx) {
        let frames = self.last_sent.clone();
        self.send_control(frames, after);
    }

    pub(crate) fn set_phase(&mut self, phase: Phase) {
        if self.phase != phase {
            self.phase = phase;
            self.events.push_back(Event::Phase(phase));
        }
    }

    /// The identity in a frame set (`ident`: TSI or CSI), and the final frame's type and FIF.
    pub(crate) fn take_final(&mut self, frames: &[Frame], ident: FrameType) -> Option<(FrameType, Vec<u8>)> {
        if let Some(f) = frames.iter().find(|f| f.kind == Some(ident)) {
            let named = parse_ident(&f.fif);
            if self.remote_ident.as_ref() != Some(&named) {
                self.events.push_back(Event::RemoteIdentified { ident: named.clone() });
            }
            self.remote_ident = Some(named);
        }
        let last = frames.last()?;
        Some((last.kind?, last.fif.clone()))
    }

    /// The mode of `dcs` is agreed (the training check passed): record it and tell the
    /// application.
    pub(crate) fn agree(&mut self, dcs: &Dcs) {
        let n = Negotiated::from(dcs);
        self.negotiated = Some(n);
        self.events.push_back(Event::Negotiated(n));
    }

    /// Whether the procedure runs (started, outcome not yet decided).
    pub(crate) fn running(&self) -> bool {
        self.life == Life::Running
    }

    /// The outcome, once decided.
    pub(crate) fn completion(&self) -> Option<&Completion> {
        match &self.life {
            Life::Ending(c) | Life::Finished(c) => Some(c),
            Life::NotStarted | Life::Running => None,
        }
    }

    /// Ends the call with a failure, sending DCN first when `dcn`.
    pub(crate) fn fail(&mut self, failure: Failure, dcn: bool) {
        if dcn { self.release(Err(failure)) } else { self.finish(Err(failure)) }
    }

    /// Ends the call the T.30 way: the outcome is decided now, DCN goes out (after the
    /// transmission on the air, if any), then the line is released. Nothing happens if the
    /// outcome was already decided.
    pub(crate) fn release(&mut self, result: Result<(), Failure>) {
        if !self.decide(result) {
            return;
        }
        if self.on_air.is_some() {
            self.on_air = Some(AfterTx::Dcn);
        } else {
            self.send_dcn();
        }
    }

    /// DCN, then hang up.
    pub(crate) fn send_dcn(&mut self) {
        let f = self.frame(FrameType::Dcn, &[]);
        self.send_control(vec![f], AfterTx::Hangup);
    }

    /// Ends the call at once (with `result`, unless an outcome was decided before).
    pub(crate) fn finish(&mut self, result: Result<(), Failure>) {
        self.decide(result);
        let life = std::mem::replace(&mut self.life, Life::NotStarted);
        self.life = match life {
            Life::Finished(c) => Life::Finished(c),
            Life::Ending(c) => {
                self.on_air = None;
                self.commands.push_back(ModemCommand::Hangup);
                Life::Finished(c)
            }
            // `decide` has left neither of these.
            other @ (Life::NotStarted | Life::Running) => other,
        };
    }

    /// Records the outcome and tells the application, unless one was recorded before.
    /// Returns whether this call decided it.
    fn decide(&mut self, result: Result<(), Failure>) -> bool {
        if !matches!(self.life, Life::NotStarted | Life::Running) {
            return false;
        }
        self.timers.stop_all();
        let c = Completion {
            result,
            pages_sent: self.pages_sent,
            pages_received: self.pages_received,
            negotiated: self.negotiated,
            remote_ident: self.remote_ident.clone(),
        };
        self.events.push_back(Event::Finished(c.clone()));
        self.set_phase(Phase::E);
        self.life = Life::Ending(c);
        true
    }
}
