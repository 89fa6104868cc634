//! The T.30 session: one call's procedure as a sans-IO state machine in the quinn-proto style.
//! The driver feeds it modem events and timeouts with the current time, and drains the modem
//! commands, the next timeout and the events for the application. Time is a [`Duration`]
//! since any fixed start the driver likes. The sending and receiving halves of the procedure
//! live in `sender.rs` and `receiver.rs`.

use std::collections::VecDeque;
use std::time::Duration;

use crate::frame::{Frame, build, ident_fif};
use crate::{
    CallRole, Capabilities, Completion, Config, Dcs, EcmPage, Event, Failure, FrameType, ModemCommand, ModemEvent,
    Modulation, Negotiated, Phase, SendPage, Tone,
};

/// Optional frames (NSF, CSI, TSI, …) kept before a final frame; more are ignored.
const MAX_OPTIONAL_FRAMES: usize = 8;

/// Where the procedure stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Not started.
    Start,
    // Sending.
    AwaitDis,
    AwaitCfr,
    AwaitPostPageResponse,
    AwaitPpsResponse,
    AwaitCtr,
    AwaitErr,
    // Receiving.
    AwaitCommand,
    AwaitTcf,
    AwaitPage,
    ReceivingPage,
    AwaitPostPageCommand,
    AwaitDcn,
    /// Finished: nothing more happens.
    Done,
}

/// What to do when the transmission in progress is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterTx {
    /// Enter a waiting state with its timer.
    Wait(State, Duration),
    /// Sender: DCS is out, now the training check.
    SendTcf,
    /// Sender: the page is out, now the end-of-page command (or PPS).
    SendPostPage,
    /// Receiver: the answer tone is out, now DIS.
    SendDis,
    /// The call is over.
    Finish,
}

/// One T.30 call.
#[derive(Debug)]
pub struct Session {
    pub(crate) cfg: Config,
    pub(crate) state: State,
    pub(crate) now: Duration,
    pub(crate) commands: VecDeque<ModemCommand>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) transmitting: Option<AfterTx>,
    /// The running timer of the current state.
    pub(crate) deadline: Option<Duration>,
    /// T1: identification must be done by then.
    pub(crate) t1_deadline: Option<Duration>,
    /// T5: ECM receiver-not-ready must be over by then.
    pub(crate) t5_deadline: Option<Duration>,
    /// Frames of the transmission being received, up to its final frame.
    pub(crate) rx_frames: Vec<Frame>,
    /// Whether a frame with a bad FCS arrived in that transmission.
    pub(crate) rx_damaged: bool,
    /// The last control transmission, for repeats (CRP, T4).
    pub(crate) last_sent: Vec<Vec<u8>>,
    /// Tries of the current command.
    pub(crate) tries: u32,
    pub(crate) phase: Phase,
    pub(crate) result: Option<Completion>,
    /// A DIS has been received (sets the X bit of what this station sends).
    pub(crate) dis_received: bool,
    pub(crate) remote: Option<Capabilities>,
    pub(crate) remote_ident: Option<String>,
    pub(crate) dcs: Option<Dcs>,
    pub(crate) negotiated: Option<Negotiated>,
    pub(crate) pages_sent: u32,
    pub(crate) pages_received: u32,
    pub(crate) tx: Option<SenderState>,
    pub(crate) rx: ReceiverState,
}

/// What the sending half keeps.
#[derive(Debug)]
pub(crate) struct SenderState {
    pub(crate) pages: Vec<SendPage>,
    /// The page in hand (index into `pages`).
    pub(crate) page: usize,
    /// Refusals (RTN) of the page in hand.
    pub(crate) page_refusals: u32,
    /// Modulation to try next.
    pub(crate) modulation: Modulation,
    /// The end-of-page command for the page in hand.
    pub(crate) post_page: FrameType,
    /// Train again (DCS and TCF) before the next page.
    pub(crate) retrain: bool,
    /// ECM: the page in hand, the block in hand, partial page requests for it, the frames to
    /// send, pages sent in ECM (numbers PPS), long training after CTC.
    pub(crate) ecm_page: Option<EcmPage>,
    pub(crate) block: usize,
    pub(crate) pprs: u32,
    pub(crate) resend: Vec<u8>,
    pub(crate) ecm_page_number: u8,
    pub(crate) ecm_long_training: bool,
}

/// What the receiving half keeps.
#[derive(Debug, Default)]
pub(crate) struct ReceiverState {
    /// Non-ECM data of the training check or the page arriving.
    pub(crate) data: Vec<u8>,
    /// ECM: the block arriving and the page's blocks so far.
    pub(crate) block: crate::BlockRx,
    pub(crate) page_data: Vec<u8>,
    /// The last post-page command answered and the answer, to repeat if asked again.
    pub(crate) last_answer: Option<(u8, Vec<u8>)>,
    /// The DCS has been answered with CFR at least once.
    pub(crate) trained: bool,
    /// The last page ended with EOP and was answered.
    pub(crate) document_complete: bool,
    /// ECM: the last (page, block) confirmed.
    pub(crate) last_block: Option<(u8, u8)>,
    /// Non-ECM: the page received, waiting for its end-of-page command.
    pub(crate) pending: Option<crate::ReceivedPage>,
    /// In phase B sending DIS (repeated every T4 until a DCS comes).
    pub(crate) in_phase_b: bool,
    /// Image signal seen since the last answer (a repeated post-page command then means a
    /// page that did not arrive, not a lost answer).
    pub(crate) image_since_answer: bool,
    /// T2 expiries in a row while waiting for a command.
    pub(crate) t2_expiries: u32,
    /// The (page, block) the last PPS named (EOR refers to it).
    pub(crate) pps_id: Option<(u8, u8)>,
    /// CRPs sent for the current command.
    pub(crate) crps: u32,
}

impl Session {
    /// A session that sends `pages`.
    pub fn sender(cfg: Config, pages: Vec<SendPage>) -> Session {
        let modulation = Modulation::best(cfg.capabilities.modems, cfg.capabilities.max_bit_rate);
        let tx = SenderState {
            pages,
            page: 0,
            page_refusals: 0,
            modulation,
            post_page: FrameType::Eop,
            retrain: false,
            ecm_page: None,
            block: 0,
            pprs: 0,
            resend: Vec::new(),
            ecm_page_number: 0,
            ecm_long_training: false,
        };
        Session::new(cfg, Some(tx))
    }

    /// A session that receives.
    pub fn receiver(cfg: Config) -> Session {
        Session::new(cfg, None)
    }

    fn new(cfg: Config, tx: Option<SenderState>) -> Session {
        Session {
            cfg,
            state: State::Start,
            now: Duration::ZERO,
            commands: VecDeque::new(),
            events: VecDeque::new(),
            transmitting: None,
            deadline: None,
            t1_deadline: None,
            t5_deadline: None,
            rx_frames: Vec::new(),
            rx_damaged: false,
            last_sent: Vec::new(),
            tries: 0,
            phase: Phase::A,
            result: None,
            dis_received: false,
            remote: None,
            remote_ident: None,
            dcs: None,
            negotiated: None,
            pages_sent: 0,
            pages_received: 0,
            tx,
            rx: ReceiverState::default(),
        }
    }

    /// Starts the call at `now`: the caller sends CNG and listens for DIS, the answerer sends
    /// CED and DIS.
    pub fn start(&mut self, now: Duration) {
        if self.state != State::Start {
            return;
        }
        self.now = now;
        self.events.push_back(Event::Phase(Phase::A));
        self.t1_deadline = Some(now + self.cfg.timers.t1);
        // Sending as the answerer, or receiving as the caller, is polling, which this engine
        // does not do.
        if (self.tx.is_some()) != (self.cfg.role == CallRole::Calling) {
            self.finish(Err(Failure::PollingNotSupported));
            return;
        }
        match self.cfg.role {
            CallRole::Calling => {
                self.commands.push_back(ModemCommand::SendTone { tone: Tone::Cng, ms: 500 });
                self.transmitting = Some(AfterTx::Wait(State::AwaitDis, self.cfg.timers.t1));
            }
            CallRole::Answering if self.cfg.ced_ms > 0 => {
                self.commands.push_back(ModemCommand::SendTone { tone: Tone::Ced, ms: self.cfg.ced_ms });
                self.transmitting = Some(AfterTx::SendDis);
            }
            CallRole::Answering => self.send_dis(),
        }
    }

    /// Whether the session is over.
    /// Ends the call at once for a cancelled fax (interim: as a lost line).
    pub fn abort(&mut self, now: Duration) {
        if !self.is_finished() {
            self.handle_modem(now, ModemEvent::LineLost);
        }
    }

    pub fn is_finished(&self) -> bool {
        self.state == State::Done
    }

    /// The far end's identity as far as it is known (its CSI when sending, TSI when
    /// receiving).
    pub fn remote_ident(&self) -> Option<&str> {
        self.remote_ident.as_deref()
    }

    /// How the session ended, once it has.
    pub fn completion(&self) -> Option<&Completion> {
        self.result.as_ref()
    }

    /// The next command for the modem.
    pub fn poll_command(&mut self) -> Option<ModemCommand> {
        self.commands.pop_front()
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Session::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Duration> {
        if self.state == State::Done || self.transmitting.is_some() {
            return None;
        }
        [self.deadline, self.t1_deadline, self.t5_deadline].into_iter().flatten().min()
    }

    /// Time has reached `now`.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.now = now;
        if self.state == State::Done || self.transmitting.is_some() {
            return;
        }
        if self.t1_deadline.is_some_and(|t| now >= t) {
            self.t1_deadline = None;
            self.fail(Failure::T1Expired, false);
            return;
        }
        if self.t5_deadline.is_some_and(|t| now >= t) {
            self.t5_deadline = None;
            self.fail(Failure::T5Expired, true);
            return;
        }
        if self.deadline.is_some_and(|t| now >= t) {
            self.deadline = None;
            if self.tx.is_some() { self.sender_timeout() } else { self.receiver_timeout() }
        }
    }

    /// The modem reports something.
    pub fn handle_modem(&mut self, now: Duration, event: ModemEvent) {
        self.now = now;
        if self.state == State::Done {
            return;
        }
        match event {
            ModemEvent::TransmitDone => {
                if let Some(after) = self.transmitting.take() {
                    self.after_transmit(after);
                }
            }
            ModemEvent::LineLost => {
                let result =
                    if self.tx.is_none() && self.rx.document_complete { Ok(()) } else { Err(Failure::CallDropped) };
                self.finish(result);
            }
            // The far end hanging up counts even while this end is still sending.
            ModemEvent::Frame { data, fcs_ok: true, .. }
                if self.transmitting.is_some()
                    && Frame::parse(&data).is_ok_and(|f| f.kind == Some(FrameType::Dcn) && f.final_frame) =>
            {
                self.transmitting = None;
                self.on_frame(&data, true, true);
            }
            _ if self.transmitting.is_some() => {}
            ModemEvent::ControlStarted | ModemEvent::ImageStarted(_) => {
                self.rx_frames.clear();
                self.rx_damaged = false;
                // A response is on its way: give it time to arrive whole.
                if let Some(d) = self.deadline {
                    self.deadline = Some(d.max(now + self.cfg.timers.frame));
                }
                if self.tx.is_none() {
                    self.receiver_signal(event);
                }
            }
            ModemEvent::Frame { data, fcs_ok, modulation } => self.on_frame(&data, fcs_ok, modulation.is_none()),
            ModemEvent::ImageData(data) => {
                if self.tx.is_none() {
                    self.receiver_image_data(&data);
                }
            }
            ModemEvent::SignalEnded => {
                if self.tx.is_none() {
                    if self.rx_damaged
                        && matches!(self.state, State::AwaitCommand | State::AwaitPostPageCommand | State::AwaitPage)
                    {
                        // A command arrived too damaged to read: ask for it again.
                        self.rx_damaged = false;
                        self.frame_set_damaged();
                    } else {
                        self.receiver_signal_end();
                    }
                }
            }
            ModemEvent::Tone(_) => {}
        }
    }

    fn on_frame(&mut self, data: &[u8], fcs_ok: bool, control: bool) {
        let Ok(frame) = Frame::parse(data) else {
            self.rx_damaged |= control;
            return;
        };
        if !fcs_ok {
            // Only a damaged control frame is asked for again; a damaged ECM frame is simply
            // missing from its block.
            if control {
                self.rx_damaged = true;
                if frame.final_frame {
                    self.frame_set_damaged();
                }
            }
            return;
        }
        if !frame.final_frame && self.rx_frames.len() >= MAX_OPTIONAL_FRAMES {
            return;
        }
        if matches!(frame.kind, Some(FrameType::Fcd | FrameType::Rcp)) {
            if self.tx.is_none() {
                self.receiver_ecm_frame(&frame);
            }
            return;
        }
        let final_frame = frame.final_frame;
        self.rx_frames.push(frame);
        if final_frame {
            let frames = std::mem::take(&mut self.rx_frames);
            self.rx_damaged = false;
            if self.tx.is_some() { self.sender_frames(frames) } else { self.receiver_frames(frames) }
        }
    }

    /// The identity in a frame set (`ident`: TSI or CSI), and the final frame's type and FIF.
    pub(crate) fn take_final(&mut self, frames: &[Frame], ident: FrameType) -> Option<(FrameType, Vec<u8>)> {
        if let Some(f) = frames.iter().find(|f| f.kind == Some(ident)) {
            let named = crate::frame::parse_ident(&f.fif);
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

    /// A transmission's final frame arrived damaged.
    fn frame_set_damaged(&mut self) {
        self.rx_frames.clear();
        self.rx_damaged = false;
        if self.tx.is_none() && self.state != State::AwaitDcn && self.rx.crps < self.cfg.timers.command_tries {
            self.rx.crps += 1;
            // Ask for the command again.
            self.send_control(vec![self.frame(FrameType::Crp, &[])], AfterTx::Wait(self.state, self.cfg.timers.t2));
        }
    }

    fn after_transmit(&mut self, after: AfterTx) {
        match after {
            AfterTx::Wait(state, timeout) => self.wait(state, timeout),
            AfterTx::SendTcf => self.send_tcf(),
            AfterTx::SendPostPage => self.send_post_page(),
            AfterTx::SendDis => self.send_dis(),
            AfterTx::Finish => {
                self.state = State::Done;
                self.commands.push_back(ModemCommand::Hangup);
            }
        }
    }

    /// Enters a waiting state with its timer.
    pub(crate) fn wait(&mut self, state: State, timeout: Duration) {
        self.state = state;
        self.deadline = Some(self.now + timeout);
        self.rx_frames.clear();
    }

    /// A frame to send, with the X bit this station uses.
    pub(crate) fn frame(&self, kind: FrameType, fif: &[u8]) -> Vec<u8> {
        build(kind, self.dis_received, true, fif)
    }

    /// Sends V.21 frames (the last is made final), remembering them for repeats.
    pub(crate) fn send_control(&mut self, mut frames: Vec<Vec<u8>>, after: AfterTx) {
        let n = frames.len();
        for (i, f) in frames.iter_mut().enumerate() {
            f[1] = if i + 1 == n { crate::frame::CONTROL_FINAL } else { crate::frame::CONTROL_NON_FINAL };
        }
        self.last_sent = frames.clone();
        self.deadline = None;
        self.commands.push_back(ModemCommand::SendControl(frames));
        self.transmitting = Some(after);
    }

    /// Sends the last control transmission again.
    pub(crate) fn repeat_last(&mut self, after: AfterTx) {
        let frames = self.last_sent.clone();
        self.send_control(frames, after);
    }

    /// The identity frame (TSI or CSI) for this station, if it has an identity.
    pub(crate) fn ident_frame(&self, kind: FrameType) -> Option<Vec<u8>> {
        (!self.cfg.ident.trim().is_empty()).then(|| self.frame(kind, &ident_fif(&self.cfg.ident)))
    }

    pub(crate) fn set_phase(&mut self, phase: Phase) {
        if self.phase != phase {
            self.phase = phase;
            self.events.push_back(Event::Phase(phase));
        }
    }

    /// Ends the session with a failure, sending DCN first when `dcn`.
    pub(crate) fn fail(&mut self, failure: Failure, dcn: bool) {
        self.finish_with_dcn(Err(failure), dcn);
    }

    /// Ends the session, sending DCN first when `dcn`.
    pub(crate) fn finish_with_dcn(&mut self, result: Result<(), Failure>, dcn: bool) {
        if self.state == State::Done || self.result.is_some() {
            return;
        }
        self.record(result);
        self.set_phase(Phase::E);
        self.deadline = None;
        self.t1_deadline = None;
        self.t5_deadline = None;
        if dcn {
            let f = self.frame(FrameType::Dcn, &[]);
            self.send_control(vec![f], AfterTx::Finish);
        } else {
            self.finish(result);
        }
    }

    /// Ends the session at once.
    pub(crate) fn finish(&mut self, result: Result<(), Failure>) {
        if self.state == State::Done {
            return;
        }
        self.record(result);
        self.set_phase(Phase::E);
        self.state = State::Done;
        self.transmitting = None;
        self.commands.push_back(ModemCommand::Hangup);
    }

    fn record(&mut self, result: Result<(), Failure>) {
        if self.result.is_some() {
            return;
        }
        let c = Completion {
            result,
            pages_sent: self.pages_sent,
            pages_received: self.pages_received,
            negotiated: self.negotiated,
            remote_ident: self.remote_ident.clone(),
        };
        self.result = Some(c.clone());
        self.events.push_back(Event::Finished(c));
    }
}
