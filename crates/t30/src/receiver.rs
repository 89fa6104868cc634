//! The receiving half of T.30: DIS (with CSI), the training check and its judgement (CFR or
//! FTT), non-ECM pages judged for copy quality (MCF, RTP, RTN), ECM blocks (MCF or PPR with the
//! missing frames, CTC/CTR, EOR/ERR), repeats of answers the transmitter missed, and DCN.
//!
//! Where the receiver stands is a [`Receiving`] state holding what is valid there: the DCS
//! once it came, the training check's zeros, the page's data as it arrives, the decoded page
//! waiting for its end-of-page command. What the receiver remembers across states (its last
//! answer, the ECM block being filled) stays in [`Receiver`].

use std::mem;

use crate::call::{AfterTx, Call};
use crate::ecm::Pps;
use crate::frame::{Frame, frame_map};
use crate::timer::Timer;
use crate::{
    BlockRx, Capabilities, Dcs, Event, Failure, FrameType, Listen, ModemCommand, ModemEvent, Modulation, Phase,
    ReceivedPage, ScanTime,
};

/// Most octets of non-ECM data kept for one page (a page beyond this is cut).
const MAX_PAGE_OCTETS: usize = 16 << 20;
/// Most octets of a training check kept.
const MAX_TCF_OCTETS: usize = 64 * 1024;

/// Where the receiving half stands.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Receiving {
    /// Phase B: DIS is out, and goes out again every T4 until a command comes. `mode` is the
    /// mode agreed before (after EOM), for a repeated command about the last page.
    PhaseB { mode: Option<Dcs> },
    /// Waiting for the transmitter's next command after FTT, RTN or RTP, in the mode last
    /// agreed if any.
    AwaitCommand { mode: Option<Dcs> },
    /// The DCS came: the training check at its rate is expected, and these are its octets.
    TrainingCheck { dcs: Dcs, data: Vec<u8> },
    /// The page is expected (after CFR, MCF, PPR or CTR); `started` once it arrives, with its
    /// non-ECM data so far.
    Page { dcs: Dcs, started: bool, data: Vec<u8> },
    /// The page's signal ended: waiting for its end-of-page command (non-ECM: the page as
    /// decoded).
    AwaitPostPage { dcs: Dcs, page: Option<ReceivedPage> },
    /// EOP answered: waiting for DCN.
    AwaitDcn { dcs: Dcs },
}

impl Receiving {
    /// The mode agreed, if any.
    fn mode(&self) -> Option<&Dcs> {
        match self {
            Receiving::PhaseB { mode } | Receiving::AwaitCommand { mode } => mode.as_ref(),
            Receiving::TrainingCheck { dcs, .. }
            | Receiving::Page { dcs, .. }
            | Receiving::AwaitPostPage { dcs, .. }
            | Receiving::AwaitDcn { dcs } => Some(dcs),
        }
    }

    fn mode_mut(&mut self) -> Option<&mut Dcs> {
        match self {
            Receiving::PhaseB { mode } | Receiving::AwaitCommand { mode } => mode.as_mut(),
            Receiving::TrainingCheck { dcs, .. }
            | Receiving::Page { dcs, .. }
            | Receiving::AwaitPostPage { dcs, .. }
            | Receiving::AwaitDcn { dcs } => Some(dcs),
        }
    }

    fn expecting_page(dcs: Dcs) -> Receiving {
        Receiving::Page { dcs, started: false, data: Vec::new() }
    }
}

/// The receiving half: its state and what it remembers across states.
#[derive(Debug)]
pub(crate) struct Receiver {
    pub(crate) state: Receiving,
    /// ECM: the block arriving and the page's blocks so far.
    block: BlockRx,
    page_data: Vec<u8>,
    /// The last post-page command answered and the answer, to repeat if asked again.
    last_answer: Option<(u8, Vec<u8>)>,
    /// The last page ended with EOP and was answered.
    pub(crate) document_complete: bool,
    /// ECM: the last (page, block) confirmed.
    last_block: Option<(u8, u8)>,
    /// Image signal seen since the last answer (a repeated post-page command then means a
    /// page that did not arrive, not a lost answer).
    image_since_answer: bool,
    /// T2 expiries in a row while waiting for a command.
    t2_expiries: u32,
    /// The (page, block) the last PPS named (EOR refers to it).
    pps_id: Option<(u8, u8)>,
    /// CRPs sent for the current command.
    crps: u32,
}

impl Receiver {
    pub(crate) fn new() -> Receiver {
        Receiver {
            state: Receiving::PhaseB { mode: None },
            block: BlockRx::default(),
            page_data: Vec::new(),
            last_answer: None,
            document_complete: false,
            last_block: None,
            image_since_answer: false,
            t2_expiries: 0,
            pps_id: None,
            crps: 0,
        }
    }

    /// What this station announces in DIS.
    fn local_dis(call: &Call) -> Capabilities {
        let l = &call.cfg.capabilities;
        Capabilities {
            t38: l.t38,
            ready_to_transmit: false,
            ready_to_receive: true,
            modems: l.modems,
            fine: l.fine,
            superfine: l.superfine,
            mr: l.mr,
            mmr: l.mmr && l.ecm,
            ecm: l.ecm,
            widths: l.widths,
            lengths: l.lengths,
            scan_time: ScanTime::from_ms(l.min_scan_time_ms),
            superfine_half_scan_time: false,
            letter: true,
            legal: true,
        }
    }

    /// Phase B: [NSF] [CSI] DIS, repeated every T4 until a command comes or T1 runs out.
    pub(crate) fn send_dis(&mut self, call: &mut Call) {
        call.set_phase(Phase::B);
        let mut frames = Vec::new();
        if let Some(nsf) = call.cfg.nsf.clone() {
            frames.push(call.frame(FrameType::Nsf, &nsf));
        }
        if let Some(csi) = call.ident_frame(FrameType::Csi) {
            frames.push(csi);
        }
        frames.push(call.frame(FrameType::Dis, &Self::local_dis(call).encode()));
        call.commands.push_back(ModemCommand::Receive(Listen::Control));
        self.state = Receiving::PhaseB { mode: self.state.mode().copied() };
        call.send_control(frames, AfterTx::Wait(Timer::T4));
    }

    /// The transmission on the air is done and the state calls for the next one: DIS.
    pub(crate) fn next(&mut self, call: &mut Call) {
        self.send_dis(call);
    }

    /// Whether a damaged transmission now would be a command to ask for again (CRP).
    pub(crate) fn awaits_command(&self) -> bool {
        matches!(
            self.state,
            Receiving::PhaseB { .. }
                | Receiving::AwaitCommand { .. }
                | Receiving::AwaitPostPage { .. }
                | Receiving::Page { started: false, .. }
        )
    }

    /// A command arrived too damaged to read: ask for it again, a limited number of times.
    pub(crate) fn damaged_command(&mut self, call: &mut Call) {
        if !matches!(self.state, Receiving::AwaitDcn { .. }) && self.crps < call.cfg.timers.command_tries {
            self.crps += 1;
            let f = call.frame(FrameType::Crp, &[]);
            call.send_control(vec![f], AfterTx::Wait(Timer::T2));
        }
    }

    /// A complete transmission (up to its final frame) arrived.
    pub(crate) fn frames(&mut self, call: &mut Call, frames: Vec<Frame>) {
        let Some((kind, fif)) = call.take_final(&frames, FrameType::Tsi) else { return };
        self.t2_expiries = 0;
        if kind != FrameType::Crp {
            self.crps = 0;
        }
        use FrameType::*;
        match kind {
            Dcs => self.on_dcs(call, &fif),
            Mps | Eom | Eop | PriMps | PriEom | PriEop => self.on_post_page(call, kind),
            // ECM commands mean nothing unless an ECM mode was agreed.
            Pps | Eor | Ctc if !self.state.mode().is_some_and(|d| d.ecm) => {}
            Pps => self.on_pps(call, &fif),
            Eor => self.on_eor(call, &fif),
            Ctc => self.on_ctc(call, &fif),
            Rr => self.repeat_answer(call),
            Crp => call.repeat_last(AfterTx::Wait(Timer::T2)),
            Dcn => {
                let result = if self.document_complete { Ok(()) } else { Result::Err(Failure::UnexpectedDcn) };
                call.finish(result)
            }
            Dtc => call.fail(Failure::PollingNotSupported, true),
            Dis => call.fail(Failure::Incompatible, true),
            _ => {}
        }
    }

    /// T2 or T4 ran out (the timer table leaves those to the state).
    pub(crate) fn timeout(&mut self, call: &mut Call) {
        match &self.state {
            Receiving::PhaseB { .. } => self.send_dis(call),
            // The transmitter repeats a command up to three times, T4 apart: give it that long
            // before hanging up.
            Receiving::AwaitCommand { .. } | Receiving::AwaitPostPage { .. } if self.t2_expiries + 1 < 2 => {
                self.t2_expiries += 1;
                call.wait(Timer::T2);
            }
            Receiving::AwaitCommand { .. } | Receiving::AwaitPostPage { .. } => call.fail(Failure::NoCommand, true),
            Receiving::TrainingCheck { dcs, .. } => {
                self.state = Receiving::AwaitCommand { mode: Some(*dcs) };
                call.wait(Timer::T2);
            }
            Receiving::Page { .. } => call.fail(Failure::NoPageData, true),
            Receiving::AwaitDcn { .. } => call.finish(Ok(())),
        }
    }

    /// A signal from the far end began.
    pub(crate) fn signal_started(&mut self, event: &ModemEvent) {
        if !matches!(event, ModemEvent::ImageStarted(_)) {
            return;
        }
        match &mut self.state {
            Receiving::Page { started: false, .. } => self.image_since_answer = true,
            Receiving::TrainingCheck { data, .. } => data.clear(),
            _ => {}
        }
    }

    /// Non-ECM image data: the training check's or the page's.
    pub(crate) fn image_data(&mut self, call: &mut Call, more: &[u8]) {
        match &mut self.state {
            Receiving::TrainingCheck { data, .. } if data.len() < MAX_TCF_OCTETS => data.extend_from_slice(more),
            Receiving::Page { dcs, started, data } if !dcs.ecm => {
                if !*started {
                    *started = true;
                    call.set_phase(Phase::C);
                    call.events.push_back(Event::PageStarted { page: call.pages_received });
                }
                // Page data keeps coming: the page is not late.
                call.start_timer(Timer::T2);
                if data.len() + more.len() <= MAX_PAGE_OCTETS {
                    data.extend_from_slice(more);
                }
            }
            _ => {}
        }
    }

    /// The far end's signal ended.
    pub(crate) fn signal_ended(&mut self, call: &mut Call) {
        match mem::replace(&mut self.state, Receiving::PhaseB { mode: None }) {
            Receiving::TrainingCheck { dcs, data } if !data.is_empty() => self.judge_tcf(call, dcs, &data),
            Receiving::Page { dcs, started: true, .. } if dcs.ecm => {
                self.state = Receiving::AwaitPostPage { dcs, page: None };
                call.wait(Timer::T2);
            }
            Receiving::Page { dcs, started: true, data } => {
                let (bitmap, quality) =
                    ferrofax_image::decode_received(dcs.coding, &data, dcs.width.pixels(), call.cfg.max_page_lines);
                let page = ReceivedPage { bitmap, resolution: dcs.resolution, coding: dcs.coding, quality, data };
                self.state = Receiving::AwaitPostPage { dcs, page: Some(page) };
                call.set_phase(Phase::D);
                call.commands.push_back(ModemCommand::Receive(Listen::Control));
                call.wait(Timer::T2);
            }
            other => self.state = other,
        }
    }

    fn on_dcs(&mut self, call: &mut Call, fif: &[u8]) {
        let dcs = match Dcs::decode(fif) {
            Ok(d) if Self::dcs_acceptable(call, &d) => d,
            _ => return call.fail(Failure::InvalidDcs, true),
        };
        call.timers.stop(Timer::T1);
        call.set_phase(Phase::B);
        call.commands.push_back(ModemCommand::Receive(Listen::TrainingCheck(dcs.modulation)));
        self.state = Receiving::TrainingCheck { dcs, data: Vec::new() };
        call.wait(Timer::T2);
    }

    fn dcs_acceptable(call: &Call, d: &Dcs) -> bool {
        let l = &call.cfg.capabilities;
        let coding_ok = match d.coding {
            ferrofax_image::Coding::Mh => true,
            ferrofax_image::Coding::Mr => l.mr,
            ferrofax_image::Coding::Mmr => l.mmr && l.ecm,
        };
        let resolution_ok = match d.resolution {
            ferrofax_image::Resolution::Standard => true,
            ferrofax_image::Resolution::Fine => l.fine,
            ferrofax_image::Resolution::Superfine => l.superfine,
            _ => false,
        };
        l.modems.has(d.modulation) && coding_ok && resolution_ok && (!d.ecm || l.ecm) && l.widths.takes(d.width)
    }

    fn judge_tcf(&mut self, call: &mut Call, dcs: Dcs, data: &[u8]) {
        if crate::tcf::tcf_is_good(data, dcs.modulation.bit_rate()) {
            call.agree(&dcs);
            let f = call.frame(FrameType::Cfr, &[]);
            call.send_control(vec![f], AfterTx::Wait(Timer::T2));
            self.expect_page(call, dcs);
        } else {
            let f = call.frame(FrameType::Ftt, &[]);
            call.send_control(vec![f], AfterTx::Wait(Timer::T2));
            self.state = Receiving::AwaitCommand { mode: Some(dcs) };
        }
    }

    /// The page (or the rest of an ECM block) comes next.
    fn expect_page(&mut self, call: &mut Call, dcs: Dcs) {
        let listen = if dcs.ecm { Listen::EcmImage(dcs.modulation) } else { Listen::Image(dcs.modulation) };
        call.commands.push_back(ModemCommand::Receive(listen));
        self.state = Receiving::expecting_page(dcs);
    }

    /// Sends an answer, remembering it for a repeat of `command`.
    fn answer(&mut self, call: &mut Call, command: FrameType, answer: FrameType, fif: &[u8], after: AfterTx) {
        self.image_since_answer = false;
        let f = call.frame(answer, fif);
        self.last_answer = Some((command.fcf(false), f.clone()));
        call.send_control(vec![f], after);
    }

    fn repeat_answer(&mut self, call: &mut Call) {
        if let Some((_, f)) = self.last_answer.clone() {
            call.send_control(vec![f], AfterTx::Wait(Timer::T2));
        }
    }

    /// Non-ECM: MPS, EOM or EOP after a page.
    fn on_post_page(&mut self, call: &mut Call, kind: FrameType) {
        // Our answer was lost and the command comes again (unless a page began since: then
        // that page did not arrive, and RTN below asks for it again).
        if !matches!(self.state, Receiving::AwaitPostPage { .. })
            && !self.image_since_answer
            && self.last_answer.as_ref().is_some_and(|(c, _)| *c == kind.fcf(false))
        {
            self.repeat_answer(call);
            return;
        }
        let (dcs, page) = match &mut self.state {
            Receiving::AwaitPostPage { dcs, page } => (*dcs, page.take()),
            // The command came where the page was expected: the page never arrived.
            Receiving::Page { dcs, started: false, .. } => (*dcs, None),
            _ => return,
        };
        let answer = match &page {
            Some(p) => self.copy_quality(call, p),
            None => FrameType::Rtn,
        };
        if let Some(p) = page.filter(|_| answer != FrameType::Rtn) {
            let last = matches!(kind, FrameType::Eop | FrameType::PriEop);
            call.events.push_back(Event::PageReceived { page: call.pages_received, received: Box::new(p), last });
            call.pages_received += 1;
        }
        self.after_page_answer(call, dcs, kind, answer, &[]);
    }

    /// Answers the end of a page and goes where the command leads.
    fn after_page_answer(&mut self, call: &mut Call, dcs: Dcs, command: FrameType, answer: FrameType, fif: &[u8]) {
        let wait = AfterTx::Wait(Timer::T2);
        if answer == FrameType::Rtn {
            // The transmitter retrains and sends the page again.
            self.answer(call, command, answer, fif, wait);
            self.state = Receiving::AwaitCommand { mode: Some(dcs) };
            return;
        }
        match command {
            FrameType::Eop | FrameType::PriEop => {
                self.document_complete = true;
                self.answer(call, command, answer, fif, wait);
                self.state = Receiving::AwaitDcn { dcs };
            }
            FrameType::Eom | FrameType::PriEom => {
                self.answer(call, command, answer, fif, AfterTx::Continue);
                self.state = Receiving::PhaseB { mode: Some(dcs) };
            }
            _ if answer == FrameType::Rtp => {
                self.answer(call, command, answer, fif, wait);
                self.state = Receiving::AwaitCommand { mode: Some(dcs) };
            }
            _ => {
                self.answer(call, command, answer, fif, wait);
                self.expect_page(call, dcs);
            }
        }
    }

    fn copy_quality(&self, call: &Call, p: &ReceivedPage) -> FrameType {
        let q = &call.cfg.copy_quality;
        if p.quality.lines == 0 {
            return FrameType::Rtn;
        }
        let percent = p.quality.bad_lines as f64 * 100.0 / p.quality.lines as f64;
        let run_ok = p.quality.longest_bad_run < q.max_consecutive_bad;
        if percent < q.good_below_percent && run_ok {
            FrameType::Mcf
        } else if percent < q.acceptable_below_percent && run_ok {
            FrameType::Rtp
        } else {
            FrameType::Rtn
        }
    }

    /// ECM: an FCD or RCP frame at the image rate.
    pub(crate) fn ecm_frame(&mut self, call: &mut Call, frame: &Frame) {
        match &mut self.state {
            Receiving::Page { dcs, started, .. } if dcs.ecm => {
                if !*started {
                    *started = true;
                    call.set_phase(Phase::C);
                    if self.block.is_empty() && self.page_data.is_empty() {
                        call.events.push_back(Event::PageStarted { page: call.pages_received });
                    }
                }
            }
            Receiving::AwaitPostPage { dcs, .. } if dcs.ecm => {}
            _ => return,
        }
        call.start_timer(Timer::T2);
        if frame.kind == Some(FrameType::Fcd) {
            self.block.store(&frame.fif);
        }
    }

    fn on_pps(&mut self, call: &mut Call, fif: &[u8]) {
        let Some(pps) = Pps::decode(fif) else { return };
        let Some(dcs) = self.state.mode().copied() else { return };
        call.set_phase(Phase::D);
        self.pps_id = Some((pps.page, pps.block));
        if self.last_block == Some((pps.page, pps.block)) && self.block.is_empty() {
            // Our MCF was lost.
            self.repeat_answer(call);
            return;
        }
        self.block.set_count(pps.frames);
        let missing = self.block.missing();
        if missing.is_empty() {
            self.accept_block(call, dcs, pps.post_page, (pps.page, pps.block), FrameType::Pps, FrameType::Mcf);
        } else {
            self.answer(call, FrameType::Pps, FrameType::Ppr, &frame_map(missing), AfterTx::Wait(Timer::T2));
            self.expect_page(call, dcs);
        }
    }

    fn on_eor(&mut self, call: &mut Call, fif: &[u8]) {
        let Some(dcs) = self.state.mode().copied() else { return };
        let post_page = match fif.first().map(|f| f & 0x7F) {
            None | Some(0) => None,
            Some(f) => FrameType::from_fcf(f),
        };
        if self.block.is_empty() && self.last_answer.as_ref().is_some_and(|(c, _)| *c == FrameType::Eor.fcf(false)) {
            // Our ERR was lost.
            self.repeat_answer(call);
            return;
        }
        let id = self.pps_id.unwrap_or((0, 0));
        self.accept_block(call, dcs, post_page, id, FrameType::Eor, FrameType::Err);
    }

    fn on_ctc(&mut self, call: &mut Call, fif: &[u8]) {
        let bit = |n: usize| fif.get((n - 1) / 8).is_some_and(|b| b & (0x80 >> ((n - 1) % 8)) != 0);
        // A CTC without the DCS octet carrying the rate (SpanDSP sends none) keeps the rate.
        if fif.len() >= 2
            && let Some(m) = Modulation::from_dcs_bits([bit(11), bit(12), bit(13), bit(14)])
            && let Some(d) = self.state.mode_mut()
        {
            d.modulation = m;
            if let Some(n) = call.negotiated.as_mut() {
                n.modulation = m;
            }
        }
        let Some(dcs) = self.state.mode().copied() else { return };
        self.answer(call, FrameType::Ctc, FrameType::Ctr, &[], AfterTx::Wait(Timer::T2));
        self.expect_page(call, dcs);
    }

    /// ECM: the block is taken (whole after MCF, or with gaps after EOR).
    fn accept_block(
        &mut self,
        call: &mut Call,
        dcs: Dcs,
        post_page: Option<FrameType>,
        id: (u8, u8),
        command: FrameType,
        answer: FrameType,
    ) {
        let block = mem::take(&mut self.block);
        if self.page_data.len() < MAX_PAGE_OCTETS {
            self.page_data.extend_from_slice(&block.data());
        }
        self.last_block = Some(id);
        let Some(post) = post_page else {
            self.answer(call, command, answer, &[], AfterTx::Wait(Timer::T2));
            self.expect_page(call, dcs);
            return;
        };
        let data = mem::take(&mut self.page_data);
        let (bitmap, quality) =
            ferrofax_image::decode_received(dcs.coding, &data, dcs.width.pixels(), call.cfg.max_page_lines);
        let page = ReceivedPage { bitmap, resolution: dcs.resolution, coding: dcs.coding, quality, data };
        let last = matches!(post, FrameType::Eop | FrameType::PriEop);
        call.events.push_back(Event::PageReceived { page: call.pages_received, received: Box::new(page), last });
        call.pages_received += 1;
        // The block (and PPS) is what a repeat asks about: remember the answer under PPS.
        self.after_page_answer(call, dcs, post, answer, &[]);
        if let Some((_, f)) = self.last_answer.take() {
            self.last_answer = Some((command.fcf(false), f));
        }
    }
}
