//! Reading a fax out of a recording of its audio, passively: the V.21 frames of whichever
//! side is on the channel, the modem and page format learnt from DCS, the training check, and
//! the pages demodulated at the agreed rate (non-ECM, or ECM blocks assembled from FCD frames
//! as PPS closes them). A recording with one channel per direction is read channel by channel;
//! one with both sides mixed is read as one channel, since every signal of a fax call is sent
//! by one side at a time.

use std::time::Duration;

use ferrofax_image::{Bitmap, Coding, Resolution, decode_received};
use ferrofax_t30::ecm::{BlockRx, Pps};
use ferrofax_t30::frame::Frame;
use ferrofax_t30::{Dcs, FrameType, Modulation};

use crate::bits::OctetPacker;
use crate::fast::FastReceiver;
use crate::fsk::FskReceiver;
use crate::hdlc::{HdlcDecoder, HdlcEvent};
use crate::oscillator::SAMPLE_RATE;
use crate::rx::RxEvent;
use crate::tone::{ConnectTone, ToneDetector};

/// The most lines a decoded page may have (an A4 page at superfine is under 4,700).
const MAX_PAGE_LINES: u32 = 10_000;
/// The most octets of one non-ECM burst, or of one ECM page, kept (a long page at 14,400
/// bit/s for 5 minutes).
const MAX_BURST_OCTETS: usize = 14_400 / 8 * 300;

/// A page read from the recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedPage {
    pub bitmap: Bitmap,
    pub resolution: Resolution,
    pub coding: Coding,
    pub modulation: Modulation,
    pub ecm: bool,
    /// Lines that did not decode cleanly.
    pub bad_lines: u32,
}

/// Something seen on a channel, with when it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    Tone {
        at: Duration,
        tone: ConnectTone,
    },
    /// An HDLC frame at V.21 (`modulation` None) or, in ECM, at a fast rate.
    Frame {
        at: Duration,
        data: Vec<u8>,
        fcs_ok: bool,
        modulation: Option<Modulation>,
    },
    /// A fast modem trained.
    Trained {
        at: Duration,
        modulation: Modulation,
    },
    /// The training check: how many bits came and the longest run of zeros among them.
    TrainingCheck {
        at: Duration,
        modulation: Modulation,
        bits: usize,
        longest_zero_run: usize,
    },
    Page {
        at: Duration,
        page: Box<RecordedPage>,
    },
}

/// What DCS agreed.
#[derive(Debug, Clone, Copy)]
struct Mode {
    modulation: Modulation,
    ecm: bool,
    coding: Coding,
    width: u32,
    resolution: Resolution,
}

/// Decodes one channel of a recording.
#[derive(Debug)]
pub struct ChannelDecoder {
    samples: u64,
    tones: ToneDetector,
    v21: FskReceiver,
    v21_hdlc: HdlcDecoder,
    mode: Option<Mode>,
    fast: Option<FastReceiver>,
    fast_trained: bool,
    /// The next fast burst is the training check (the first after a DCS).
    expect_tcf: bool,
    packer: OctetPacker,
    burst: Vec<u8>,
    ecm_hdlc: HdlcDecoder,
    block: BlockRx,
    ecm_page: Vec<u8>,
    observed: Vec<Observed>,
}

impl Default for ChannelDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChannelDecoder {
    pub fn new() -> Self {
        ChannelDecoder {
            samples: 0,
            tones: ToneDetector::new(),
            v21: FskReceiver::new(-43.0),
            v21_hdlc: HdlcDecoder::new(5, 270),
            mode: None,
            fast: None,
            fast_trained: false,
            expect_tcf: false,
            packer: OctetPacker::default(),
            burst: Vec::new(),
            ecm_hdlc: HdlcDecoder::new(5, 270),
            block: BlockRx::default(),
            ecm_page: Vec::new(),
            observed: Vec::new(),
        }
    }

    fn now(&self) -> Duration {
        Duration::from_nanos(self.samples * 1_000_000_000 / u64::from(SAMPLE_RATE))
    }

    /// Takes what was seen so far.
    pub fn take_observed(&mut self) -> Vec<Observed> {
        std::mem::take(&mut self.observed)
    }

    /// Feeds the channel's next samples.
    pub fn receive(&mut self, samples: &[i16]) {
        for chunk in samples.chunks(160) {
            self.samples += chunk.len() as u64;
            let at = self.now();
            let mut frames = Vec::new();
            let ChannelDecoder { tones, v21, v21_hdlc, observed, .. } = self;
            tones.receive(chunk, |tone| observed.push(Observed::Tone { at, tone }));
            v21.receive(chunk, |e| match e {
                RxEvent::Bit(b) => {
                    if let Some(HdlcEvent::Frame { octets, fcs_ok }) = v21_hdlc.put_bit(b) {
                        frames.push((octets.to_vec(), fcs_ok));
                    }
                }
                RxEvent::CarrierDown => v21_hdlc.reset(),
                _ => {}
            });
            for (data, fcs_ok) in frames {
                self.control_frame(at, data, fcs_ok);
            }
            self.fast_receive(chunk, at);
        }
    }

    fn control_frame(&mut self, at: Duration, data: Vec<u8>, fcs_ok: bool) {
        if fcs_ok && let Ok(frame) = Frame::parse(&data) {
            match frame.kind {
                Some(FrameType::Dcs) => {
                    if let Ok(dcs) = Dcs::decode(&frame.fif) {
                        self.learn(&dcs);
                    }
                }
                Some(FrameType::Ctc) => {
                    // The next burst trains long again.
                    if let Some(fast) = &mut self.fast {
                        fast.restart(false);
                    }
                }
                Some(FrameType::Pps) => {
                    if let Some(pps) = Pps::decode(&frame.fif) {
                        self.end_of_block(at, pps);
                    }
                }
                _ => {}
            }
        }
        self.observed.push(Observed::Frame { at, data, fcs_ok, modulation: None });
    }

    fn learn(&mut self, dcs: &Dcs) {
        let same = self.mode.is_some_and(|m| m.modulation == dcs.modulation);
        self.mode = Some(Mode {
            modulation: dcs.modulation,
            ecm: dcs.ecm,
            coding: dcs.coding,
            width: dcs.width.pixels(),
            resolution: dcs.resolution,
        });
        match &mut self.fast {
            // The training check after DCS trains long.
            Some(fast) if same => fast.restart(false),
            _ => self.fast = Some(FastReceiver::new(dcs.modulation)),
        }
        self.expect_tcf = true;
    }

    fn fast_receive(&mut self, chunk: &[i16], at: Duration) {
        let (Some(fast), Some(mode)) = (&mut self.fast, self.mode) else { return };
        let mut ended = false;
        let ChannelDecoder { fast_trained, packer, burst, ecm_hdlc, block, observed, expect_tcf, .. } = self;
        fast.receive(chunk, &mut |e| match e {
            RxEvent::TrainingSucceeded => {
                *fast_trained = true;
                packer.reset();
                burst.clear();
                ecm_hdlc.reset();
                observed.push(Observed::Trained { at, modulation: mode.modulation });
            }
            RxEvent::Bit(bit) if *fast_trained => {
                if mode.ecm && !*expect_tcf {
                    if let Some(HdlcEvent::Frame { octets, fcs_ok }) = ecm_hdlc.put_bit(bit) {
                        if fcs_ok
                            && let Ok(f) = Frame::parse(octets)
                            && f.kind == Some(FrameType::Fcd)
                        {
                            block.store(&f.fif);
                        }
                        observed.push(Observed::Frame {
                            at,
                            data: octets.to_vec(),
                            fcs_ok,
                            modulation: Some(mode.modulation),
                        });
                    }
                } else if let Some(o) = packer.push(bit)
                    && burst.len() < MAX_BURST_OCTETS
                {
                    burst.push(o);
                }
            }
            RxEvent::CarrierDown if *fast_trained => {
                *fast_trained = false;
                ended = true;
            }
            _ => {}
        });
        if ended {
            // Pages after a long training may come with a short one (V.17).
            fast.restart(true);
            self.end_of_burst(at, mode);
        }
    }

    fn end_of_burst(&mut self, at: Duration, mode: Mode) {
        let data = std::mem::take(&mut self.burst);
        if std::mem::take(&mut self.expect_tcf) {
            let bits = data.len() * 8;
            let mut longest = 0;
            let mut run = 0;
            for o in &data {
                for i in 0..8 {
                    if o & (0x80 >> i) == 0 {
                        run += 1;
                        longest = longest.max(run);
                    } else {
                        run = 0;
                    }
                }
            }
            self.observed.push(Observed::TrainingCheck {
                at,
                modulation: mode.modulation,
                bits,
                longest_zero_run: longest,
            });
            return;
        }
        if !mode.ecm && !data.is_empty() {
            self.page(at, mode, &data);
        }
    }

    fn end_of_block(&mut self, at: Duration, pps: Pps) {
        let Some(mode) = self.mode.filter(|m| m.ecm) else { return };
        self.block.set_count(pps.frames);
        if !self.block.missing().is_empty() {
            // The missing frames come again after PPR.
            return;
        }
        let block = std::mem::take(&mut self.block).data();
        if self.ecm_page.len() + block.len() <= MAX_BURST_OCTETS {
            self.ecm_page.extend(block);
        }
        if pps.post_page.is_some() {
            let data = std::mem::take(&mut self.ecm_page);
            self.page(at, mode, &data);
        }
    }

    fn page(&mut self, at: Duration, mode: Mode, data: &[u8]) {
        let (bitmap, report) = decode_received(mode.coding, data, mode.width, MAX_PAGE_LINES);
        if bitmap.height() == 0 {
            return;
        }
        self.observed.push(Observed::Page {
            at,
            page: Box::new(RecordedPage {
                bitmap,
                resolution: mode.resolution,
                coding: mode.coding,
                modulation: mode.modulation,
                ecm: mode.ecm,
                bad_lines: report.bad_lines,
            }),
        });
    }
}
