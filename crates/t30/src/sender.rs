//! The sending half of T.30: from the receiver's DIS to DCN. Chooses the mode (DCS), trains
//! (TCF) and falls back on FTT, sends each page (non-ECM with MPS/EOM/EOP, or ECM blocks with
//! PPS, answering PPR with the frames asked for, then CTC or EOR after four), and retrains or
//! resends as the receiver's answers (MCF, RTP, RTN) ask. A block given up with EOR leaves the
//! page incomplete: after ERR the call ends with DCN and [`Failure::PageIncomplete`].
//!
//! Where the sender stands is a [`Sending`] state holding what is valid there: nothing before
//! DIS, the receiver's capabilities and the DCS sent once training starts, the end-of-page
//! command with each page, and the ECM page in hand while it goes out block by block.

use std::mem;

use ferrofax_image::PageWidth;

use crate::call::{AfterTx, Call};
use crate::frame::{Frame, frames_in_map};
use crate::page;
use crate::timer::Timer;
use crate::{
    Capabilities, Config, Dcs, EcmPage, Event, Failure, FrameType, ModemCommand, ModemFamilies, Modulation, PageLength,
    PageResponse, Phase, Pps, SendPage,
};

/// The mode pages go out in: the receiver's capabilities (its DIS) and the DCS sent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mode {
    pub(crate) remote: Capabilities,
    pub(crate) dcs: Dcs,
}

/// ECM: the page in hand cut into blocks, and how far its block in hand has come.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EcmSend {
    pub(crate) page: EcmPage,
    /// The block in hand (index into `page.blocks`).
    pub(crate) block: usize,
    /// Partial page requests for the block in hand.
    pub(crate) pprs: u32,
    /// The frames the last PPR asked for (sent again after CTR).
    pub(crate) resend: Vec<u8>,
    /// Train long before the next frames (after CTC).
    pub(crate) long_training: bool,
}

impl EcmSend {
    fn frames_in_block(&self) -> usize {
        self.page.blocks.get(self.block).map_or(0, Vec::len)
    }

    fn last_block(&self) -> bool {
        self.block + 1 >= self.page.blocks.len()
    }
}

/// The ECM command whose answer the sender waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EcmCommand {
    /// PPS after the block's frames: MCF, PPR or RNR.
    Pps,
    /// CTC after four PPRs: CTR.
    Ctc,
    /// EOR, giving up the missing frames: ERR or RNR.
    Eor,
}

/// Where the sending half stands.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sending {
    /// Waiting for the receiver's DIS (after CNG, or after EOM), with T1 running.
    AwaitDis,
    /// [TSI] DCS and the training check went out in `Mode`: waiting for CFR or FTT.
    TrainingCheck(Mode),
    /// A non-ECM page and its end-of-page command: waiting for MCF, RTP or RTN.
    Page { mode: Mode, post_page: FrameType },
    /// An ECM page, block by block: waiting for the answer to `sent`.
    EcmBlock { mode: Mode, post_page: FrameType, ecm: EcmSend, sent: EcmCommand },
}

/// The sending half: the document and where the procedure stands with it.
#[derive(Debug)]
pub(crate) struct Sender {
    pages: Vec<SendPage>,
    /// The page in hand (index into `pages`).
    page: usize,
    /// Refusals (RTN) of the page in hand.
    refusals: u32,
    /// Modulation to try next (that of the DCS while a mode is in hand).
    modulation: Modulation,
    /// Pages sent in ECM (numbers PPS).
    ecm_page_number: u8,
    pub(crate) state: Sending,
}

fn common_modems(cfg: &Config, remote: &Capabilities) -> ModemFamilies {
    cfg.capabilities.modems.common(remote.modems)
}

impl Sender {
    pub(crate) fn new(cfg: &Config, pages: Vec<SendPage>) -> Sender {
        Sender {
            pages,
            page: 0,
            refusals: 0,
            modulation: Modulation::best(cfg.capabilities.modems, cfg.capabilities.max_bit_rate),
            ecm_page_number: 0,
            state: Sending::AwaitDis,
        }
    }

    /// A complete transmission (up to its final frame) arrived.
    pub(crate) fn frames(&mut self, call: &mut Call, frames: Vec<Frame>) {
        let Some((kind, fif)) = call.take_final(&frames, FrameType::Csi) else { return };
        use FrameType::*;
        let state = mem::replace(&mut self.state, Sending::AwaitDis);
        match (state, kind) {
            (Sending::AwaitDis, Dis) => self.on_dis(call, Capabilities::decode(&fif)),
            (Sending::AwaitDis, Dtc) => call.fail(Failure::PollingNotSupported, true),
            (_, Dcn) if !call.dis_received => call.fail(Failure::DcnBeforeDis, false),
            (_, Dcn) if call.phase == Phase::B => call.fail(Failure::BadDcsResponse, false),
            (s @ Sending::AwaitDis, _) => self.state = s,
            (Sending::TrainingCheck(mode), Cfr) => {
                call.agree(&mode.dcs);
                self.start_page(call, mode);
            }
            (Sending::TrainingCheck(mode), Ftt) => self.on_ftt(call, mode),
            (Sending::TrainingCheck(mode), Dis | Crp) => self.retry_dcs(call, mode),
            (Sending::TrainingCheck(_), _) => call.fail(Failure::BadDcsResponse, true),
            (Sending::Page { mode, post_page }, Mcf | Pip) => {
                self.page_answered(call, mode, post_page, PageResponse::Confirmed)
            }
            (Sending::Page { mode, post_page }, Rtp) => {
                self.page_answered(call, mode, post_page, PageResponse::ConfirmedRetrain)
            }
            (Sending::Page { mode, post_page }, Rtn | Pin) => {
                self.page_answered(call, mode, post_page, PageResponse::Rejected)
            }
            // CRP asks for the command again; a DIS means the receiver went back to phase B
            // without our command (or its answer was lost): repeat it, a limited number of times.
            (s @ (Sending::Page { .. } | Sending::EcmBlock { .. }), Crp | Dis) => self.repeat_or_fail(call, s),
            (Sending::EcmBlock { mode, post_page, ecm, sent: EcmCommand::Pps }, Mcf) => {
                self.block_done(call, mode, post_page, ecm)
            }
            (Sending::EcmBlock { mode, post_page, ecm, sent: EcmCommand::Pps }, Ppr) => {
                self.on_ppr(call, mode, post_page, ecm, &fif)
            }
            (s @ Sending::EcmBlock { sent: EcmCommand::Pps | EcmCommand::Eor, .. }, Rnr) => {
                // The answer to RR is the answer to the PPS or EOR that got RNR.
                call.timers.start_once(Timer::T5, call.now, &call.cfg.timers);
                call.tries = 1;
                let f = call.frame(FrameType::Rr, &[]);
                call.send_control(vec![f], AfterTx::Wait(Timer::T4));
                self.state = s;
            }
            (Sending::EcmBlock { mode, post_page, mut ecm, sent: EcmCommand::Ctc }, Ctr) => {
                if let Some(n) = call.negotiated.as_mut() {
                    n.modulation = mode.dcs.modulation;
                }
                ecm.pprs = 0;
                ecm.long_training = true;
                let frames = ecm.resend.clone();
                self.send_block(call, mode, post_page, ecm, &frames);
            }
            // ERR acknowledges that the frames we gave up on (EOR) stay missing: the page is
            // not the one we sent, so the call must not end as a success. Like SpanDSP, hang up
            // rather than go on with the rest of the document.
            (Sending::EcmBlock { sent: EcmCommand::Eor, .. }, Err) => call.fail(Failure::PageIncomplete, true),
            (_, Dcn) => call.fail(Failure::DcnAfterPage, false),
            (_, _) => call.fail(Failure::InvalidResponse, true),
        }
    }

    /// T2 or T4 ran out (the timer table leaves those to the state).
    pub(crate) fn timeout(&mut self, call: &mut Call) {
        match mem::replace(&mut self.state, Sending::AwaitDis) {
            Sending::TrainingCheck(mode) => self.retry_dcs(call, mode),
            s @ (Sending::Page { .. } | Sending::EcmBlock { .. }) => self.repeat_or_fail(call, s),
            // Only T1 runs while waiting for DIS, and the table ends the call for it.
            Sending::AwaitDis => {}
        }
    }

    /// The transmission on the air is done and the state calls for the next one.
    pub(crate) fn next(&mut self, call: &mut Call) {
        match &mut self.state {
            Sending::AwaitDis => {}
            Sending::TrainingCheck(mode) => {
                call.commands.push_back(ModemCommand::SendTcf { modulation: mode.dcs.modulation });
                call.on_air = Some(AfterTx::Wait(Timer::T4));
            }
            Sending::Page { post_page, .. } => {
                call.set_phase(Phase::D);
                call.tries = 1;
                let f = call.frame(*post_page, &[]);
                call.send_control(vec![f], AfterTx::Wait(Timer::T4));
            }
            Sending::EcmBlock { post_page, ecm, sent, .. } => {
                call.set_phase(Phase::D);
                call.tries = 1;
                let pps = Pps {
                    post_page: ecm.last_block().then_some(*post_page),
                    page: self.ecm_page_number,
                    block: ecm.block as u8,
                    frames: ecm.frames_in_block() as u16,
                };
                let f = call.frame(FrameType::Pps, &pps.encode(call.dis_received));
                *sent = EcmCommand::Pps;
                call.send_control(vec![f], AfterTx::Wait(Timer::T4));
            }
        }
    }

    /// Sends the last command again (keeping `state`), or gives up after the tries allowed.
    fn repeat_or_fail(&mut self, call: &mut Call, state: Sending) {
        if call.tries >= call.cfg.timers.command_tries {
            let failure =
                if matches!(state, Sending::Page { .. }) { Failure::NoResponseAfterPage } else { Failure::EcmProtocol };
            call.fail(failure, true);
        } else {
            call.tries += 1;
            self.state = state;
            call.repeat_last(AfterTx::Wait(Timer::T4));
        }
    }

    fn on_dis(&mut self, call: &mut Call, caps: Capabilities) {
        let first = !call.dis_received;
        call.dis_received = true;
        call.timers.stop(Timer::T1);
        call.events
            .push_back(Event::RemoteCapabilities { capabilities: caps.clone(), ident: call.remote_ident.clone() });
        if !caps.ready_to_receive {
            call.fail(Failure::RemoteCannotReceive, true);
            return;
        }
        if first {
            self.modulation = Modulation::best(common_modems(&call.cfg, &caps), call.cfg.capabilities.max_bit_rate);
        }
        if self.pages.is_empty() {
            call.fail(Failure::Incompatible, true);
            return;
        }
        call.tries = 1;
        self.send_dcs(call, caps);
    }

    /// The mode for page `i` at the modulation in hand, or None past the end of the document.
    fn plan(&self, cfg: &Config, i: usize, remote: &Capabilities) -> Option<Dcs> {
        let local = &cfg.capabilities;
        let p = self.pages.get(i)?;
        let resolution = page::resolution_for(p.resolution, local.fine, local.superfine, remote);
        let class = p.width_class();
        let width = if remote.widths.takes(class) && local.widths.takes(class) { class } else { PageWidth::A4 };
        let ecm = local.ecm && remote.ecm;
        let length = match remote.lengths {
            PageLength::Unlimited => PageLength::Unlimited,
            PageLength::B4 if p.length_mm() > 297.5 => PageLength::B4,
            _ => PageLength::A4,
        };
        Some(Dcs {
            modulation: self.modulation,
            resolution,
            coding: local.coding_with(remote, ecm),
            width,
            length,
            scan_time_ms: if ecm { 0 } else { remote.scan_time.ms(resolution, remote.superfine_half_scan_time) },
            ecm,
            ecm_frame_size: if local.ecm_frame_size == 64 { 64 } else { 256 },
        })
    }

    /// Phase B: [TSI] DCS, then (see [`Sender::next`]) the training check.
    fn send_dcs(&mut self, call: &mut Call, remote: Capabilities) {
        call.set_phase(Phase::B);
        // The page in hand is always in the document: the call ends after its last page.
        let Some(dcs) = self.plan(&call.cfg, self.page, &remote) else {
            return call.fail(Failure::DocumentUnreadable, true);
        };
        let mut frames = Vec::new();
        if let Some(tsi) = call.ident_frame(FrameType::Tsi) {
            frames.push(tsi);
        }
        frames.push(call.frame(FrameType::Dcs, &dcs.encode()));
        self.state = Sending::TrainingCheck(Mode { remote, dcs });
        call.send_control(frames, AfterTx::Continue);
    }

    fn retry_dcs(&mut self, call: &mut Call, mode: Mode) {
        if call.tries >= call.cfg.timers.command_tries {
            call.fail(Failure::NoResponseToDcs, true);
        } else {
            call.tries += 1;
            self.send_dcs(call, mode.remote);
        }
    }

    fn on_ftt(&mut self, call: &mut Call, mode: Mode) {
        match self.modulation.fallback(common_modems(&call.cfg, &mode.remote)) {
            Some(m) => {
                self.modulation = m;
                call.tries = 1;
                self.send_dcs(call, mode.remote);
            }
            None => call.fail(Failure::CannotTrain, true),
        }
    }

    /// Phase C: the page in hand, in `mode`.
    fn start_page(&mut self, call: &mut Call, mode: Mode) {
        call.set_phase(Phase::C);
        let i = self.page;
        let dcs = mode.dcs;
        let key = |d: &Dcs| (d.resolution, d.width, d.length, d.coding, d.ecm);
        let post_page = match self.plan(&call.cfg, i + 1, &mode.remote) {
            None => FrameType::Eop,
            Some(next) if key(&next) != key(&dcs) => FrameType::Eom,
            Some(_) => FrameType::Mps,
        };
        let Some(p) = self.pages.get(i) else { return call.fail(Failure::DocumentUnreadable, true) };
        let data = match p.coded_as(&dcs) {
            Some(coded) => coded.to_vec(),
            None => match page::fit(p, &dcs) {
                Ok(bitmap) => page::encode(&bitmap, &dcs),
                Err(_) => return call.fail(Failure::DocumentUnreadable, true),
            },
        };
        call.events.push_back(Event::PageStarted { page: i as u32 });
        if dcs.ecm {
            let page = EcmPage::new(&data, dcs.ecm_frame_size as usize);
            let ecm = EcmSend { page, block: 0, pprs: 0, resend: Vec::new(), long_training: false };
            let all: Vec<u8> = (0..ecm.frames_in_block()).map(|n| n as u8).collect();
            self.send_block(call, mode, post_page, ecm, &all);
        } else {
            call.commands.push_back(ModemCommand::SendImage {
                modulation: dcs.modulation,
                long_training: false,
                coding: dcs.coding,
                width: dcs.width.pixels(),
                data,
            });
            self.state = Sending::Page { mode, post_page };
            call.on_air = Some(AfterTx::Continue);
        }
    }

    /// ECM: frames `numbers` of the block in hand, then RCP; PPS follows (see
    /// [`Sender::next`]).
    fn send_block(&mut self, call: &mut Call, mode: Mode, post_page: FrameType, mut ecm: EcmSend, numbers: &[u8]) {
        call.set_phase(Phase::C);
        let frames = match ecm.page.blocks.get(ecm.block) {
            Some(block) => crate::ecm::block_frames(block, numbers),
            None => Vec::new(),
        };
        let long_training = mem::take(&mut ecm.long_training);
        let modulation = mode.dcs.modulation;
        call.commands.push_back(ModemCommand::SendEcmFrames { modulation, long_training, frames });
        self.state = Sending::EcmBlock { mode, post_page, ecm, sent: EcmCommand::Pps };
        call.on_air = Some(AfterTx::Continue);
    }

    fn page_answered(&mut self, call: &mut Call, mode: Mode, post_page: FrameType, response: PageResponse) {
        call.events.push_back(Event::PageAnswered { page: self.page as u32, response });
        match response {
            PageResponse::Confirmed | PageResponse::ConfirmedRetrain => {
                call.pages_sent += 1;
                self.page += 1;
                self.refusals = 0;
                self.next_page(call, mode, post_page, response == PageResponse::ConfirmedRetrain);
            }
            PageResponse::Rejected => {
                self.refusals += 1;
                if self.refusals >= call.cfg.timers.page_tries {
                    call.fail(Failure::PageRefused, true);
                } else {
                    // Retrain one rate lower, then the same page again.
                    if let Some(m) = self.modulation.fallback(common_modems(&call.cfg, &mode.remote)) {
                        self.modulation = m;
                    }
                    call.tries = 1;
                    self.send_dcs(call, mode.remote);
                }
            }
        }
    }

    /// After a confirmed page: DCN, the next page, or phase B again.
    fn next_page(&mut self, call: &mut Call, mode: Mode, post_page: FrameType, retrain: bool) {
        match post_page {
            FrameType::Eop | FrameType::PriEop => call.release(Ok(())),
            FrameType::Eom | FrameType::PriEom => {
                call.set_phase(Phase::B);
                self.state = Sending::AwaitDis;
                call.wait(Timer::T1);
            }
            _ if retrain => {
                call.tries = 1;
                self.send_dcs(call, mode.remote);
            }
            _ => self.start_page(call, mode),
        }
    }

    /// ECM: the block in hand was confirmed (MCF, or a PPR that asks for nothing).
    fn block_done(&mut self, call: &mut Call, mode: Mode, post_page: FrameType, mut ecm: EcmSend) {
        call.timers.stop(Timer::T5);
        ecm.block += 1;
        ecm.pprs = 0;
        if ecm.block < ecm.page.blocks.len() {
            let all: Vec<u8> = (0..ecm.frames_in_block()).map(|n| n as u8).collect();
            self.send_block(call, mode, post_page, ecm, &all);
        } else {
            self.ecm_page_number = self.ecm_page_number.wrapping_add(1);
            self.page_answered(call, mode, post_page, PageResponse::Confirmed);
        }
    }

    fn on_ppr(&mut self, call: &mut Call, mut mode: Mode, post_page: FrameType, mut ecm: EcmSend, fif: &[u8]) {
        call.timers.stop(Timer::T5);
        let n = ecm.frames_in_block();
        let missing: Vec<u8> = frames_in_map(fif).into_iter().filter(|&f| (f as usize) < n).collect();
        if missing.is_empty() {
            return self.block_done(call, mode, post_page, ecm);
        }
        ecm.pprs += 1;
        ecm.resend = missing.clone();
        if ecm.pprs < call.cfg.timers.ppr_before_ctc {
            return self.send_block(call, mode, post_page, ecm, &missing);
        }
        call.tries = 1;
        let sent = match self.modulation.fallback(common_modems(&call.cfg, &mode.remote)) {
            Some(m) => {
                // Continue to correct at a lower rate.
                self.modulation = m;
                mode.dcs.modulation = m;
                let dcs = mode.dcs.encode();
                let f = call.frame(FrameType::Ctc, &dcs[..2]);
                call.send_control(vec![f], AfterTx::Wait(Timer::T4));
                EcmCommand::Ctc
            }
            None => {
                // Give up on the missing frames.
                let fcf2 = if ecm.last_block() { post_page.fcf(call.dis_received) } else { 0 };
                let f = call.frame(FrameType::Eor, &[fcf2]);
                call.send_control(vec![f], AfterTx::Wait(Timer::T4));
                EcmCommand::Eor
            }
        };
        self.state = Sending::EcmBlock { mode, post_page, ecm, sent };
    }
}
