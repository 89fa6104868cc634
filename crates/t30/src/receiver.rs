//! The receiving half of T.30: DIS (with CSI), the training check and its judgement (CFR or
//! FTT), non-ECM pages judged for copy quality (MCF, RTP, RTN), ECM blocks (MCF or PPR with the
//! missing frames, CTC/CTR, EOR/ERR), repeats of answers the transmitter missed, and DCN.

use crate::ecm::Pps;
use crate::frame::{Frame, frame_map};
use crate::session::{AfterTx, State};
use crate::{
    Capabilities, Dcs, Event, Failure, FrameType, Listen, ModemCommand, ModemEvent, Modulation, Phase, ReceivedPage,
    ScanTime, Session,
};

/// Most octets of non-ECM data kept for one page (a page beyond this is cut).
const MAX_PAGE_OCTETS: usize = 16 << 20;

impl Session {
    /// What this station announces in DIS.
    fn local_dis(&self) -> Capabilities {
        let l = &self.cfg.capabilities;
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
    pub(crate) fn send_dis(&mut self) {
        self.set_phase(Phase::B);
        if !self.rx.in_phase_b {
            // Identification starts (again, after EOM): T1 bounds it.
            self.rx.in_phase_b = true;
            self.t1_deadline = Some(self.now + self.cfg.timers.t1);
        }
        let mut frames = Vec::new();
        if let Some(nsf) = self.cfg.nsf.clone() {
            frames.push(self.frame(FrameType::Nsf, &nsf));
        }
        if let Some(csi) = self.ident_frame(FrameType::Csi) {
            frames.push(csi);
        }
        frames.push(self.frame(FrameType::Dis, &self.local_dis().encode()));
        self.commands.push_back(ModemCommand::Receive(Listen::Control));
        self.send_control(frames, AfterTx::Wait(State::AwaitCommand, self.cfg.timers.t4));
    }

    /// A complete transmission (up to its final frame) arrived while receiving.
    pub(crate) fn receiver_frames(&mut self, frames: Vec<Frame>) {
        let Some((kind, fif)) = self.take_final(&frames, FrameType::Tsi) else { return };
        self.rx.t2_expiries = 0;
        if kind != Crp {
            self.rx.crps = 0;
        }
        use FrameType::*;
        match kind {
            Dcs => self.on_dcs(&fif),
            Mps | Eom | Eop | PriMps | PriEom | PriEop => self.on_post_page(kind),
            // ECM commands mean nothing unless an ECM mode was agreed.
            Pps | Eor | Ctc if !self.dcs.is_some_and(|d| d.ecm) => {}
            Pps => self.on_pps(&fif),
            Eor => self.on_eor(&fif),
            Ctc => self.on_ctc(&fif),
            Rr => self.repeat_answer(),
            Crp => self.repeat_last(AfterTx::Wait(self.state, self.cfg.timers.t2)),
            Dcn => {
                if self.rx.document_complete {
                    self.finish(Ok(()))
                } else {
                    self.finish(std::result::Result::Err(Failure::UnexpectedDcn))
                }
            }
            Dtc => self.fail(Failure::PollingNotSupported, true),
            Dis => self.fail(Failure::Incompatible, true),
            _ => {}
        }
    }

    pub(crate) fn receiver_timeout(&mut self) {
        match self.state {
            State::AwaitCommand if self.rx.in_phase_b => self.send_dis(),
            // The transmitter repeats a command up to three times, T4 apart: give it that long
            // before hanging up.
            State::AwaitCommand | State::AwaitPostPageCommand if self.rx.t2_expiries + 1 < 2 => {
                self.rx.t2_expiries += 1;
                self.wait(self.state, self.cfg.timers.t2);
            }
            State::AwaitCommand | State::AwaitPostPageCommand => self.fail(Failure::NoCommand, true),
            State::AwaitTcf => self.wait(State::AwaitCommand, self.cfg.timers.t2),
            State::AwaitPage | State::ReceivingPage => self.fail(Failure::NoPageData, true),
            State::AwaitDcn => self.finish(Ok(())),
            _ => {}
        }
    }

    pub(crate) fn receiver_signal(&mut self, event: ModemEvent) {
        if matches!(event, ModemEvent::ImageStarted(_)) && self.state == State::AwaitPage {
            self.rx.image_since_answer = true;
        }
        if matches!(event, ModemEvent::ImageStarted(_)) && self.state == State::AwaitTcf {
            self.rx.data.clear();
        }
    }

    pub(crate) fn receiver_image_data(&mut self, data: &[u8]) {
        match self.state {
            State::AwaitTcf if self.rx.data.len() < 64 * 1024 => self.rx.data.extend_from_slice(data),
            State::AwaitPage | State::ReceivingPage if !self.dcs.is_some_and(|d| d.ecm) => {
                if self.state == State::AwaitPage {
                    self.state = State::ReceivingPage;
                    self.set_phase(Phase::C);
                    self.events.push_back(Event::PageStarted { page: self.pages_received });
                }
                // Page data keeps coming: the page is not late.
                self.deadline = Some(self.now + self.cfg.timers.t2);
                if self.rx.data.len() + data.len() <= MAX_PAGE_OCTETS {
                    self.rx.data.extend_from_slice(data);
                }
            }
            _ => {}
        }
    }

    pub(crate) fn receiver_signal_end(&mut self) {
        match self.state {
            State::AwaitTcf if !self.rx.data.is_empty() => self.judge_tcf(),
            State::ReceivingPage => {
                let Some(dcs) = self.dcs else { return };
                if dcs.ecm {
                    self.wait(State::AwaitPostPageCommand, self.cfg.timers.t2);
                } else {
                    let data = std::mem::take(&mut self.rx.data);
                    let (bitmap, quality) =
                        ferrofax_image::decode_received(dcs.coding, &data, dcs.width.pixels(), self.cfg.max_page_lines);
                    self.rx.pending =
                        Some(ReceivedPage { bitmap, resolution: dcs.resolution, coding: dcs.coding, quality, data });
                    self.set_phase(Phase::D);
                    self.commands.push_back(ModemCommand::Receive(Listen::Control));
                    self.wait(State::AwaitPostPageCommand, self.cfg.timers.t2);
                }
            }
            _ => {}
        }
    }

    fn on_dcs(&mut self, fif: &[u8]) {
        let dcs = match Dcs::decode(fif) {
            Ok(d) if self.dcs_acceptable(&d) => d,
            _ => return self.fail(Failure::InvalidDcs, true),
        };
        self.t1_deadline = None;
        self.rx.in_phase_b = false;
        self.dcs = Some(dcs);
        self.set_phase(Phase::B);
        self.rx.data.clear();
        self.commands.push_back(ModemCommand::Receive(Listen::TrainingCheck(dcs.modulation)));
        self.wait(State::AwaitTcf, self.cfg.timers.t2);
    }

    fn dcs_acceptable(&self, d: &Dcs) -> bool {
        let l = &self.cfg.capabilities;
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

    fn judge_tcf(&mut self) {
        let dcs = self.dcs.expect("DCS received");
        let good = crate::tcf::tcf_is_good(&self.rx.data, dcs.modulation.bit_rate());
        self.rx.data.clear();
        if good {
            self.agree(&dcs);
            self.rx.trained = true;
            let f = self.frame(FrameType::Cfr, &[]);
            self.send_control(vec![f], AfterTx::Wait(State::AwaitPage, self.cfg.timers.t2));
            self.listen_for_page();
        } else {
            let f = self.frame(FrameType::Ftt, &[]);
            self.send_control(vec![f], AfterTx::Wait(State::AwaitCommand, self.cfg.timers.t2));
        }
    }

    fn listen_for_page(&mut self) {
        let Some(dcs) = self.dcs else { return };
        self.rx.data.clear();
        self.rx.pending = None;
        let listen = if dcs.ecm { Listen::EcmImage(dcs.modulation) } else { Listen::Image(dcs.modulation) };
        self.commands.push_back(ModemCommand::Receive(listen));
    }

    /// Sends an answer, remembering it for a repeat of `command`.
    fn answer(&mut self, command: FrameType, answer: FrameType, fif: &[u8], after: AfterTx) {
        self.rx.image_since_answer = false;
        let f = self.frame(answer, fif);
        self.rx.last_answer = Some((command.fcf(false), f.clone()));
        self.send_control(vec![f], after);
    }

    fn repeat_answer(&mut self) {
        if let Some((_, f)) = self.rx.last_answer.clone() {
            self.send_control(vec![f], AfterTx::Wait(self.state, self.cfg.timers.t2));
        }
    }

    /// Non-ECM: MPS, EOM or EOP after a page.
    fn on_post_page(&mut self, kind: FrameType) {
        if self.state != State::AwaitPostPageCommand {
            // Our answer was lost and the command comes again (unless a page began since: then
            // that page did not arrive, and RTN below asks for it again).
            if !self.rx.image_since_answer && self.rx.last_answer.as_ref().is_some_and(|(c, _)| *c == kind.fcf(false)) {
                self.repeat_answer();
                return;
            }
            if self.rx.pending.is_none() && self.state != State::AwaitPage {
                return;
            }
        }
        let page = self.rx.pending.take();
        let answer = match &page {
            Some(p) => self.copy_quality(p),
            None => FrameType::Rtn,
        };
        if let Some(p) = page.filter(|_| answer != FrameType::Rtn) {
            let last = matches!(kind, FrameType::Eop | FrameType::PriEop);
            self.events.push_back(Event::PageReceived { page: self.pages_received, received: Box::new(p), last });
            self.pages_received += 1;
        }
        self.after_page_answer(kind, answer, &[]);
    }

    /// Answers the end of a page and goes where the command leads.
    fn after_page_answer(&mut self, command: FrameType, answer: FrameType, fif: &[u8]) {
        let t2 = self.cfg.timers.t2;
        if answer == FrameType::Rtn {
            // The transmitter retrains and sends the page again.
            self.answer(command, answer, fif, AfterTx::Wait(State::AwaitCommand, t2));
            return;
        }
        match command {
            FrameType::Eop | FrameType::PriEop => {
                self.rx.document_complete = true;
                self.answer(command, answer, fif, AfterTx::Wait(State::AwaitDcn, t2));
            }
            FrameType::Eom | FrameType::PriEom => {
                self.rx.in_phase_b = false;
                self.answer(command, answer, fif, AfterTx::SendDis);
            }
            _ if answer == FrameType::Rtp => self.answer(command, answer, fif, AfterTx::Wait(State::AwaitCommand, t2)),
            _ => {
                self.answer(command, answer, fif, AfterTx::Wait(State::AwaitPage, t2));
                self.listen_for_page();
            }
        }
    }

    fn copy_quality(&self, p: &ReceivedPage) -> FrameType {
        let q = &self.cfg.copy_quality;
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
    pub(crate) fn receiver_ecm_frame(&mut self, frame: &Frame) {
        if !self.dcs.is_some_and(|d| d.ecm)
            || !matches!(self.state, State::AwaitPage | State::ReceivingPage | State::AwaitPostPageCommand)
        {
            return;
        }
        if self.state == State::AwaitPage {
            self.state = State::ReceivingPage;
            self.set_phase(Phase::C);
            if self.rx.block.is_empty() && self.rx.page_data.is_empty() {
                self.events.push_back(Event::PageStarted { page: self.pages_received });
            }
        }
        self.deadline = Some(self.now + self.cfg.timers.t2);
        if frame.kind == Some(FrameType::Fcd) {
            self.rx.block.store(&frame.fif);
        }
    }

    fn on_pps(&mut self, fif: &[u8]) {
        let Some(pps) = Pps::decode(fif) else { return };
        self.set_phase(Phase::D);
        self.rx.pps_id = Some((pps.page, pps.block));
        if self.rx.last_block == Some((pps.page, pps.block)) && self.rx.block.is_empty() {
            // Our MCF was lost.
            self.repeat_answer();
            return;
        }
        self.rx.block.set_count(pps.frames);
        let missing = self.rx.block.missing();
        if missing.is_empty() {
            self.accept_block(pps.post_page, (pps.page, pps.block), FrameType::Pps, FrameType::Mcf);
        } else {
            self.answer(
                FrameType::Pps,
                FrameType::Ppr,
                &frame_map(missing),
                AfterTx::Wait(State::AwaitPage, self.cfg.timers.t2),
            );
            self.listen_for_page();
        }
    }

    fn on_eor(&mut self, fif: &[u8]) {
        let post_page = match fif.first().map(|f| f & 0x7F) {
            None | Some(0) => None,
            Some(f) => FrameType::from_fcf(f),
        };
        if self.rx.block.is_empty()
            && self.rx.last_answer.as_ref().is_some_and(|(c, _)| *c == FrameType::Eor.fcf(false))
        {
            // Our ERR was lost.
            self.repeat_answer();
            return;
        }
        let id = self.rx.pps_id.unwrap_or((0, 0));
        self.accept_block(post_page, id, FrameType::Eor, FrameType::Err);
    }

    fn on_ctc(&mut self, fif: &[u8]) {
        let bit = |n: usize| fif.get((n - 1) / 8).is_some_and(|b| b & (0x80 >> ((n - 1) % 8)) != 0);
        // A CTC without the DCS octet carrying the rate (SpanDSP sends none) keeps the rate.
        if fif.len() >= 2
            && let Some(m) = Modulation::from_dcs_bits([bit(11), bit(12), bit(13), bit(14)])
            && let Some(d) = self.dcs.as_mut()
        {
            d.modulation = m;
            if let Some(n) = self.negotiated.as_mut() {
                n.modulation = m;
            }
        }
        self.answer(FrameType::Ctc, FrameType::Ctr, &[], AfterTx::Wait(State::AwaitPage, self.cfg.timers.t2));
        self.listen_for_page();
    }

    /// ECM: the block is taken (whole after MCF, or with gaps after EOR).
    fn accept_block(&mut self, post_page: Option<FrameType>, id: (u8, u8), command: FrameType, answer: FrameType) {
        let block = std::mem::take(&mut self.rx.block);
        if self.rx.page_data.len() < MAX_PAGE_OCTETS {
            self.rx.page_data.extend_from_slice(&block.data());
        }
        self.rx.last_block = Some(id);
        let t2 = self.cfg.timers.t2;
        let Some(post) = post_page else {
            self.answer(command, answer, &[], AfterTx::Wait(State::AwaitPage, t2));
            self.listen_for_page();
            return;
        };
        let Some(dcs) = self.dcs else { return };
        let data = std::mem::take(&mut self.rx.page_data);
        let (bitmap, quality) =
            ferrofax_image::decode_received(dcs.coding, &data, dcs.width.pixels(), self.cfg.max_page_lines);
        let page = ReceivedPage { bitmap, resolution: dcs.resolution, coding: dcs.coding, quality, data };
        let last = matches!(post, FrameType::Eop | FrameType::PriEop);
        self.events.push_back(Event::PageReceived { page: self.pages_received, received: Box::new(page), last });
        self.pages_received += 1;
        // The block (and PPS) is what a repeat asks about: remember the answer under PPS.
        self.after_page_answer(post, answer, &[]);
        if let Some((_, f)) = self.rx.last_answer.take() {
            self.rx.last_answer = Some((command.fcf(false), f));
        }
    }
}
