//! The audio fax terminal: the fax modem T.30 talks to when the line carries audio. It turns
//! T.30's modem commands into 8 kHz samples (tones, V.21 control frames, training and TCF,
//! pages and ECM frames at the fast rates, with the silences T.30 wants between signals) and
//! turns received samples into modem events, as the T.38 terminal does with IFP packets.
//!
//! Sans-IO: samples are pulled out with [`AudioTerminal::transmit`] and pushed in with
//! [`AudioTerminal::receive`]; time is the count of samples. Half duplex like every fax
//! terminal: while it sends, it does not listen (what it hears then is its own echo).
//!
//! Modules: `tx` (the transmit queue and CNG's cadence) and `rx` (the receivers and the events
//! they make).

mod rx;
#[cfg(test)]
mod tests;
mod tx;

use std::collections::VecDeque;

use ferrofax_t30::{ModemCommand, ModemEvent, Modulation, Tone};

use crate::bits::BitQueue;
use crate::fast::FastTransmitter;
use crate::fsk::FskTransmitter;
use crate::hdlc::HdlcEncoder;
use crate::oscillator::SAMPLE_RATE;
use crate::tone::ToneSender;
use rx::Listener;
use tx::{Segment, Sender};

/// How the terminal sends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AudioConfig {
    /// Level of V.21 and the fast modems, dBm0 (tones go at −11 dBm0).
    pub level_dbm0: f32,
    /// Silence before every V.21 or fast-modem signal (T.30: 75 ± 20 ms).
    pub gap_ms: u32,
    /// Silence between answering and CED. T.30 asks for 1.8–2.5 s; SpanDSP waits 200 ms.
    pub ced_delay_ms: u32,
    /// Flags before the first V.21 frame (T.30: 1 s ± 15 %, at least 32).
    pub v21_preamble_flags: usize,
    /// Talker echo protection tone before fast-modem training.
    pub tep: bool,
    /// Whether a caller keeps sending CNG (0.5 s every 3.5 s) until the far end is heard.
    pub repeat_cng: bool,
}

impl Default for AudioConfig {
    fn default() -> Self {
        AudioConfig {
            level_dbm0: crate::fsk::DEFAULT_LEVEL_DBM0,
            gap_ms: 75,
            ced_delay_ms: 200,
            v21_preamble_flags: 37,
            tep: false,
            repeat_cng: true,
        }
    }
}

/// How long a caller keeps up CNG's cadence without hearing the far end (T.30's T1 is 35 s).
const CNG_CADENCE_MS: u32 = 40_000;
/// Flags after the last frame of a burst.
const CLOSING_FLAGS: usize = 2;

/// An audio fax terminal (one call).
#[derive(Debug)]
pub struct AudioTerminal {
    cfg: AudioConfig,
    sender: Sender,
    listener: Listener,
    events: VecDeque<ModemEvent>,
    /// The sender was busy during the last call to `transmit` (the listener restarts after).
    was_sending: bool,
    hung_up: bool,
}

impl AudioTerminal {
    pub fn new(cfg: AudioConfig) -> Self {
        AudioTerminal {
            cfg,
            sender: Sender::default(),
            listener: Listener::new(),
            events: VecDeque::new(),
            was_sending: false,
            hung_up: false,
        }
    }

    pub fn config(&self) -> &AudioConfig {
        &self.cfg
    }

    fn samples(ms: u32) -> usize {
        (ms * SAMPLE_RATE / 1000) as usize
    }

    /// What T.30 asks of its modem.
    pub fn handle_command(&mut self, cmd: ModemCommand) {
        if self.hung_up {
            return;
        }
        let gap = Segment::Silence { samples: Self::samples(self.cfg.gap_ms) };
        match cmd {
            ModemCommand::SendTone { tone: Tone::Cng, ms } => {
                self.sender.push(Segment::Tone(ToneSender::cng(ms)));
                self.sender.push(Segment::Done);
                if self.cfg.repeat_cng && !self.listener.heard_far_end {
                    self.sender.start_cadence(ToneSender::cng_after_first_burst(CNG_CADENCE_MS));
                }
            }
            ModemCommand::SendTone { tone: Tone::Ced, ms } => {
                self.sender.push(Segment::Silence { samples: Self::samples(self.cfg.ced_delay_ms) });
                self.sender.push(Segment::Tone(ToneSender::ced(ms)));
                self.sender.push(Segment::Done);
            }
            ModemCommand::SendControl(frames) => {
                self.sender.stop_cadence();
                let bits = HdlcEncoder::burst(self.cfg.v21_preamble_flags, &frames, CLOSING_FLAGS);
                self.sender.push(gap);
                self.sender.push(Segment::Control { modem: FskTransmitter::new(self.cfg.level_dbm0), bits });
                self.sender.push(Segment::Done);
            }
            ModemCommand::SendTcf { modulation } => {
                let mut bits = BitQueue::new();
                // 1.5 s of zeros at the rate being checked.
                bits.push_repeated(false, modulation.bit_rate() as usize * 3 / 2);
                self.send_fast(modulation, true, bits);
            }
            ModemCommand::SendImage { modulation, long_training, data, .. } => {
                let mut bits = BitQueue::new();
                bits.push_octets(&data);
                self.send_fast(modulation, long_training, bits);
            }
            ModemCommand::SendEcmFrames { modulation, long_training, frames } => {
                // At least 200 ms of flags after training, then the frames.
                let preamble = (modulation.bit_rate() as usize).div_ceil(40);
                let bits = HdlcEncoder::burst(preamble, &frames, CLOSING_FLAGS);
                self.send_fast(modulation, long_training, bits);
            }
            ModemCommand::Receive(listen) => self.listener.listen(listen),
            ModemCommand::Hangup => {
                self.hung_up = true;
                self.sender.clear();
            }
        }
    }

    fn send_fast(&mut self, modulation: Modulation, long_training: bool, bits: BitQueue) {
        self.sender.stop_cadence();
        let modem = FastTransmitter::new(modulation, long_training, self.cfg.level_dbm0, self.cfg.tep);
        self.sender.push(Segment::Silence { samples: Self::samples(self.cfg.gap_ms) });
        self.sender.push(Segment::Fast { modem: Box::new(modem), bits });
        self.sender.push(Segment::Done);
    }

    /// Fills `out` with the next samples to send (silence when there is nothing to send). It
    /// stops right after the end of a transmission, so that T.30 can be told at once and its
    /// next command follow without delay: the number of samples written is returned, and the
    /// caller calls again for the rest.
    pub fn transmit(&mut self, out: &mut [i16]) -> usize {
        let busy = self.sender.busy();
        let (n, done) = self.sender.transmit(out);
        if done {
            self.events.push_back(ModemEvent::TransmitDone);
        }
        self.was_sending |= busy;
        n
    }

    /// Audio received from the far end, for the same stretch of time as the last samples sent.
    pub fn receive(&mut self, samples: &[i16]) {
        if self.hung_up {
            return;
        }
        if self.sender.busy() {
            self.was_sending = true;
            return;
        }
        if std::mem::take(&mut self.was_sending) {
            self.listener.restart();
        }
        self.listener.receive(samples, &mut self.events);
        if self.listener.heard_far_end && self.sender.cadence_running() {
            self.sender.stop_cadence();
        }
    }

    /// `samples` of the far end's audio were lost (a missing packet).
    pub fn fill_in(&mut self, samples: usize) {
        if !self.hung_up && !self.sender.busy() {
            self.listener.fill_in(samples);
        }
    }

    /// The next event for T.30.
    pub fn poll_event(&mut self) -> Option<ModemEvent> {
        self.events.pop_front()
    }

    /// Nothing is being sent for T.30.
    pub fn is_idle(&self) -> bool {
        !self.sender.busy()
    }

    /// Whether T.30 has released the line.
    pub fn is_hung_up(&self) -> bool {
        self.hung_up
    }
}
