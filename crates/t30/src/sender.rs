//! The sending half of T.30: from the receiver's DIS to DCN. Chooses the mode (DCS), trains
//! (TCF) and falls back on FTT, sends each page (non-ECM with MPS/EOM/EOP, or ECM blocks with
//! PPS, answering PPR with the frames asked for, then CTC or EOR after four), and retrains or
//! resends as the receiver's answers (MCF, RTP, RTN) ask. A block given up with EOR leaves the
//! page incomplete: after ERR the call ends with DCN and [`Failure::PageIncomplete`].

use ferrofax_image::PageWidth;

use crate::frame::{Frame, frames_in_map};
use crate::page;
use crate::session::{AfterTx, State};
use crate::{
    Capabilities, Dcs, EcmPage, Event, Failure, FrameType, ModemCommand, ModemFamilies, PageLength, PageResponse,
    Phase, Pps, Session,
};

impl Session {
    fn tx_mut(&mut self) -> &mut crate::session::SenderState {
        self.tx.as_mut().expect("sending session")
    }

    fn common_modems(&self) -> ModemFamilies {
        let remote = self.remote.as_ref().map(|r| r.modems).unwrap_or(ModemFamilies::ALL);
        self.cfg.capabilities.modems.common(remote)
    }

    /// A complete transmission (up to its final frame) arrived while sending.
    pub(crate) fn sender_frames(&mut self, frames: Vec<Frame>) {
        let Some((kind, fif)) = self.take_final(&frames, FrameType::Csi) else { return };
        use FrameType::*;
        match (self.state, kind) {
            (State::AwaitDis, Dis) => self.on_dis(Capabilities::decode(&fif)),
            (State::AwaitDis, Dtc) => self.fail(Failure::PollingNotSupported, true),
            (_, Dcn) if !self.dis_received => self.fail(Failure::DcnBeforeDis, false),
            (_, Dcn) if self.phase == Phase::B => self.fail(Failure::BadDcsResponse, false),
            (State::AwaitDis, _) => {}
            (State::AwaitCfr, Cfr) => self.on_cfr(),
            (State::AwaitCfr, Ftt) => self.on_ftt(),
            (State::AwaitCfr, Dis | Crp) => self.retry_dcs(),
            (State::AwaitCfr, _) => self.fail(Failure::BadDcsResponse, true),
            (State::AwaitPostPageResponse, Mcf | Pip) => self.page_answered(PageResponse::Confirmed),
            (State::AwaitPostPageResponse, Rtp) => self.page_answered(PageResponse::ConfirmedRetrain),
            (State::AwaitPostPageResponse, Rtn | Pin) => self.page_answered(PageResponse::Rejected),
            // CRP asks for the command again; a DIS means the receiver went back to phase B
            // without our command (or its answer was lost): repeat it, a limited number of times.
            (State::AwaitPostPageResponse | State::AwaitPpsResponse | State::AwaitCtr | State::AwaitErr, Crp | Dis) => {
                self.repeat_or_fail()
            }
            (State::AwaitPpsResponse, Mcf) => self.block_done(),
            (State::AwaitPpsResponse, Ppr) => self.on_ppr(&fif),
            (State::AwaitPpsResponse | State::AwaitErr, Rnr) => self.on_rnr(),
            (State::AwaitCtr, Ctr) => {
                let m = self.tx_mut().modulation;
                if let Some(n) = self.negotiated.as_mut() {
                    n.modulation = m;
                }
                let tx = self.tx_mut();
                tx.pprs = 0;
                tx.ecm_long_training = true;
                let frames = tx.resend.clone();
                self.send_block(&frames);
            }
            // ERR acknowledges that the frames we gave up on (EOR) stay missing: the page is
            // not the one we sent, so the call must not end as a success. Like SpanDSP, hang up
            // rather than go on with the rest of the document.
            (State::AwaitErr, Err) => self.fail(Failure::PageIncomplete, true),
            (_, Dcn) => self.fail(Failure::DcnAfterPage, false),
            (_, _) => self.fail(Failure::InvalidResponse, true),
        }
    }

    pub(crate) fn sender_timeout(&mut self) {
        match self.state {
            State::AwaitCfr => self.retry_dcs(),
            State::AwaitPostPageResponse | State::AwaitPpsResponse | State::AwaitCtr | State::AwaitErr => {
                self.repeat_or_fail()
            }
            State::AwaitDis => self.fail(Failure::T1Expired, false),
            _ => {}
        }
    }

    /// Sends the last command again, or gives up after the tries allowed.
    fn repeat_or_fail(&mut self) {
        if self.tries >= self.cfg.timers.command_tries {
            let failure = if self.state == State::AwaitPostPageResponse {
                Failure::NoResponseAfterPage
            } else {
                Failure::EcmProtocol
            };
            self.fail(failure, true);
        } else {
            self.tries += 1;
            self.repeat_last(AfterTx::Wait(self.state, self.cfg.timers.t4));
        }
    }

    fn on_dis(&mut self, caps: Capabilities) {
        self.dis_received = true;
        self.t1_deadline = None;
        self.events
            .push_back(Event::RemoteCapabilities { capabilities: caps.clone(), ident: self.remote_ident.clone() });
        if !caps.ready_to_receive {
            self.fail(Failure::RemoteCannotReceive, true);
            return;
        }
        let first = self.remote.is_none();
        self.remote = Some(caps);
        if first {
            let m = crate::Modulation::best(self.common_modems(), self.cfg.capabilities.max_bit_rate);
            self.tx_mut().modulation = m;
        }
        if self.tx.as_ref().is_some_and(|t| t.pages.is_empty()) {
            self.fail(Failure::Incompatible, true);
            return;
        }
        self.tries = 1;
        self.send_dcs();
    }

    /// The mode for page `i`, at the modulation in hand.
    fn plan(&self, i: usize) -> Dcs {
        let remote = self.remote.as_ref().expect("DIS received");
        let local = &self.cfg.capabilities;
        let tx = self.tx.as_ref().expect("sending session");
        let p = &tx.pages[i];
        let resolution = page::resolution_for(p.resolution, local.fine, local.superfine, remote);
        let class = p.width_class();
        let width = if remote.widths.takes(class) && local.widths.takes(class) { class } else { PageWidth::A4 };
        let ecm = local.ecm && remote.ecm;
        let length = match remote.lengths {
            PageLength::Unlimited => PageLength::Unlimited,
            PageLength::B4 if p.length_mm() > 297.5 => PageLength::B4,
            _ => PageLength::A4,
        };
        Dcs {
            modulation: tx.modulation,
            resolution,
            coding: local.coding_with(remote, ecm),
            width,
            length,
            scan_time_ms: if ecm { 0 } else { remote.scan_time.ms(resolution, remote.superfine_half_scan_time) },
            ecm,
            ecm_frame_size: if local.ecm_frame_size == 64 { 64 } else { 256 },
        }
    }

    /// Phase B: [TSI] DCS, then the training check.
    fn send_dcs(&mut self) {
        self.set_phase(Phase::B);
        let i = self.tx.as_ref().map(|t| t.page).unwrap_or(0);
        let dcs = self.plan(i);
        self.dcs = Some(dcs);
        let mut frames = Vec::new();
        if let Some(tsi) = self.ident_frame(FrameType::Tsi) {
            frames.push(tsi);
        }
        frames.push(self.frame(FrameType::Dcs, &dcs.encode()));
        self.send_control(frames, AfterTx::SendTcf);
    }

    pub(crate) fn send_tcf(&mut self) {
        let modulation = self.tx_mut().modulation;
        self.commands.push_back(ModemCommand::SendTcf { modulation });
        self.transmitting = Some(AfterTx::Wait(State::AwaitCfr, self.cfg.timers.t4));
    }

    fn retry_dcs(&mut self) {
        if self.tries >= self.cfg.timers.command_tries {
            self.fail(Failure::NoResponseToDcs, true);
        } else {
            self.tries += 1;
            self.send_dcs();
        }
    }

    fn on_ftt(&mut self) {
        let families = self.common_modems();
        let next = self.tx_mut().modulation.fallback(families);
        match next {
            Some(m) => {
                self.tx_mut().modulation = m;
                self.tries = 1;
                self.send_dcs();
            }
            None => self.fail(Failure::CannotTrain, true),
        }
    }

    fn on_cfr(&mut self) {
        let dcs = self.dcs.expect("DCS sent");
        self.agree(&dcs);
        self.tx_mut().retrain = false;
        self.start_page();
    }

    /// Phase C: the page in hand.
    fn start_page(&mut self) {
        self.set_phase(Phase::C);
        let dcs = self.dcs.expect("DCS sent");
        let tx = self.tx.as_ref().expect("sending session");
        let i = tx.page;
        let key = |d: &Dcs| (d.resolution, d.width, d.length, d.coding, d.ecm);
        let post = if i + 1 >= tx.pages.len() {
            FrameType::Eop
        } else if key(&self.plan(i + 1)) != key(&dcs) {
            FrameType::Eom
        } else {
            FrameType::Mps
        };
        let data = match tx.pages[i].coded_as(&dcs) {
            Some(coded) => coded.to_vec(),
            None => match page::fit(&tx.pages[i], &dcs) {
                Ok(bitmap) => page::encode(&bitmap, &dcs),
                Err(_) => return self.fail(Failure::DocumentUnreadable, true),
            },
        };
        self.events.push_back(Event::PageStarted { page: i as u32 });
        let tx = self.tx_mut();
        tx.post_page = post;
        if dcs.ecm {
            let ecm = EcmPage::new(&data, dcs.ecm_frame_size as usize);
            tx.block = 0;
            tx.pprs = 0;
            let all: Vec<u8> = (0..ecm.blocks[0].len()).map(|n| n as u8).collect();
            tx.ecm_page = Some(ecm);
            self.send_block(&all);
        } else {
            self.commands.push_back(ModemCommand::SendImage {
                modulation: dcs.modulation,
                long_training: false,
                coding: dcs.coding,
                width: dcs.width.pixels(),
                data,
            });
            self.transmitting = Some(AfterTx::SendPostPage);
        }
    }

    /// ECM: frames `numbers` of the block in hand, then RCP.
    fn send_block(&mut self, numbers: &[u8]) {
        self.set_phase(Phase::C);
        let tx = self.tx_mut();
        let block = &tx.ecm_page.as_ref().expect("ECM page").blocks[tx.block];
        let frames = crate::ecm::block_frames(block, numbers);
        let long_training = std::mem::take(&mut tx.ecm_long_training);
        let modulation = tx.modulation;
        self.commands.push_back(ModemCommand::SendEcmFrames { modulation, long_training, frames });
        self.transmitting = Some(AfterTx::SendPostPage);
    }

    /// Phase D: the end-of-page command, or PPS after an ECM block.
    pub(crate) fn send_post_page(&mut self) {
        self.set_phase(Phase::D);
        self.tries = 1;
        let tx = self.tx.as_ref().expect("sending session");
        let frame = match &tx.ecm_page {
            Some(ecm) if self.dcs.is_some_and(|d| d.ecm) => {
                let last = tx.block + 1 >= ecm.blocks.len();
                let pps = Pps {
                    post_page: last.then_some(tx.post_page),
                    page: tx.ecm_page_number,
                    block: tx.block as u8,
                    frames: ecm.blocks[tx.block].len() as u16,
                };
                let f = self.frame(FrameType::Pps, &pps.encode(self.dis_received));
                self.send_control(vec![f], AfterTx::Wait(State::AwaitPpsResponse, self.cfg.timers.t4));
                return;
            }
            _ => self.frame(tx.post_page, &[]),
        };
        self.send_control(vec![frame], AfterTx::Wait(State::AwaitPostPageResponse, self.cfg.timers.t4));
    }

    fn page_answered(&mut self, response: PageResponse) {
        let page = self.tx_mut().page as u32;
        self.events.push_back(Event::PageAnswered { page, response });
        match response {
            PageResponse::Confirmed | PageResponse::ConfirmedRetrain => {
                self.pages_sent += 1;
                let tx = self.tx_mut();
                tx.page += 1;
                tx.page_refusals = 0;
                self.next_page(response == PageResponse::ConfirmedRetrain);
            }
            PageResponse::Rejected => {
                let tx = self.tx_mut();
                tx.page_refusals += 1;
                if tx.page_refusals >= self.cfg.timers.page_tries {
                    self.fail(Failure::PageRefused, true);
                } else {
                    // Retrain one rate lower, then the same page again.
                    let families = self.common_modems();
                    let tx = self.tx_mut();
                    if let Some(m) = tx.modulation.fallback(families) {
                        tx.modulation = m;
                    }
                    self.tries = 1;
                    self.send_dcs();
                }
            }
        }
    }

    /// After a confirmed page: DCN, the next page, or phase B again.
    fn next_page(&mut self, retrain: bool) {
        match self.tx_mut().post_page {
            FrameType::Eop | FrameType::PriEop => self.finish_with_dcn(Ok(()), true),
            FrameType::Eom | FrameType::PriEom => {
                self.set_phase(Phase::B);
                self.t1_deadline = Some(self.now + self.cfg.timers.t1);
                self.wait(State::AwaitDis, self.cfg.timers.t1);
            }
            _ if retrain => {
                self.tries = 1;
                self.send_dcs();
            }
            _ => self.start_page(),
        }
    }

    /// ECM: the block in hand was confirmed (MCF, or a PPR that asks for nothing).
    fn block_done(&mut self) {
        self.t5_deadline = None;
        let tx = self.tx_mut();
        tx.block += 1;
        tx.pprs = 0;
        let blocks = tx.ecm_page.as_ref().map(|e| e.blocks.len()).unwrap_or(0);
        if tx.block < blocks {
            let n = tx.ecm_page.as_ref().expect("ECM page").blocks[tx.block].len();
            let all: Vec<u8> = (0..n).map(|n| n as u8).collect();
            self.send_block(&all);
        } else {
            tx.ecm_page_number = tx.ecm_page_number.wrapping_add(1);
            self.page_answered(PageResponse::Confirmed);
        }
    }

    fn on_ppr(&mut self, fif: &[u8]) {
        self.t5_deadline = None;
        let families = self.common_modems();
        let limit = self.cfg.timers.ppr_before_ctc;
        let tx = self.tx_mut();
        let n = tx.ecm_page.as_ref().expect("ECM page").blocks[tx.block].len();
        let missing: Vec<u8> = frames_in_map(fif).into_iter().filter(|&f| (f as usize) < n).collect();
        if missing.is_empty() {
            self.block_done();
            return;
        }
        tx.pprs += 1;
        tx.resend = missing.clone();
        if tx.pprs < limit {
            self.send_block(&missing);
            return;
        }
        let fallback = tx.modulation.fallback(families);
        let last = tx.block + 1 >= tx.ecm_page.as_ref().map(|e| e.blocks.len()).unwrap_or(0);
        let post_page = tx.post_page;
        self.tries = 1;
        match fallback {
            Some(m) => {
                // Continue to correct at a lower rate.
                self.tx_mut().modulation = m;
                if let Some(d) = self.dcs.as_mut() {
                    d.modulation = m;
                }
                let dcs = self.dcs.expect("DCS sent").encode();
                let f = self.frame(FrameType::Ctc, &dcs[..2]);
                self.send_control(vec![f], AfterTx::Wait(State::AwaitCtr, self.cfg.timers.t4));
            }
            None => {
                // Give up on the missing frames.
                let fcf2 = if last { post_page.fcf(self.dis_received) } else { 0 };
                let f = self.frame(FrameType::Eor, &[fcf2]);
                self.send_control(vec![f], AfterTx::Wait(State::AwaitErr, self.cfg.timers.t4));
            }
        }
    }

    fn on_rnr(&mut self) {
        if self.t5_deadline.is_none() {
            self.t5_deadline = Some(self.now + self.cfg.timers.t5);
        }
        self.tries = 1;
        let f = self.frame(FrameType::Rr, &[]);
        // The answer to RR is the answer to the PPS or EOR that got RNR.
        self.send_control(vec![f], AfterTx::Wait(self.state, self.cfg.timers.t4));
    }
}
