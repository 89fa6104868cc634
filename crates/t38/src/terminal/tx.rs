//! The sending side of the T.38 terminal: each T.30 transmission as a timed series of IFP
//! packets, paced at the modem's bit rate the way SpanDSP paces them (75 ms gap, indicator
//! three times, 1 s of V.21 flags or the modem's training time, data in 30 ms pieces, the end
//! of the signal three times, then `no-signal`).

use std::time::Duration;

use ferrofax_image::Coding;
use ferrofax_t30::{ModemCommand, Modulation, Tone};

use super::{OutgoingIfp, RateManagement, Scheduled, T38Terminal, data_type_of, training_indicator};
use crate::{DataFieldRef, DataType, FieldType, Indicator, encode_data, encode_indicator};

/// Silence between one signal and the next.
const GAP: Duration = Duration::from_millis(75);
/// V.21 flags before the first frame (T.38 allows 850 ms; some ATAs need 1 s).
const V21_PREAMBLE: Duration = Duration::from_secs(1);
/// Flags before the first ECM frame after training.
const ECM_FLAGS: Duration = Duration::from_millis(200);
/// Silence before a tone.
const BEFORE_TONE: Duration = Duration::from_millis(200);
/// Zero padding after a non-ECM page (some gateways drop the carrier early).
const PAGE_PADDING_CHUNKS: usize = 3;

/// Air time of `bits` at `rate` bit/s.
fn air_time(bits: u64, rate: u32) -> Duration {
    Duration::from_nanos(bits * 1_000_000_000 / rate.max(1) as u64)
}

/// Training time of a modem (SpanDSP's figures).
fn training_time(m: Modulation, long: bool) -> Duration {
    Duration::from_millis(match m {
        Modulation::V27ter2400 => 943,
        Modulation::V27ter4800 => 708,
        Modulation::V29_7200 | Modulation::V29_9600 => 234,
        _ if long => 1393,
        _ => 142,
    })
}

impl T38Terminal {
    /// Octets in one paced piece at `rate`.
    fn chunk_octets(&self, rate: u32) -> usize {
        ((rate as u128 * self.cfg.chunk.as_nanos() / 8_000_000_000) as usize).max(1)
    }

    fn indicator(&self, i: Indicator) -> OutgoingIfp {
        let mut ifp = Vec::with_capacity(2);
        // Root indicators encode in every version; extensions are never sent.
        let _ = encode_indicator(i, self.cfg.version, &mut ifp);
        OutgoingIfp { ifp, copies: self.cfg.indicator_copies }
    }

    fn data(&self, t: DataType, field: FieldType, data: &[u8], copies: u32) -> OutgoingIfp {
        let mut ifp = Vec::with_capacity(data.len() + 6);
        let f = [DataFieldRef { field_type: field, data }];
        let _ = encode_data(t, &f, self.cfg.version, &mut ifp);
        OutgoingIfp { ifp, copies }
    }

    /// One packet of several fields, sent once.
    fn fields(&self, t: DataType, fields: &[(FieldType, &[u8])]) -> OutgoingIfp {
        let mut ifp = Vec::with_capacity(fields.iter().map(|f| f.1.len() + 4).sum::<usize>() + 2);
        let f: Vec<DataFieldRef> = fields.iter().map(|&(field_type, data)| DataFieldRef { field_type, data }).collect();
        let _ = encode_data(t, &f, self.cfg.version, &mut ifp);
        OutgoingIfp { ifp, copies: 1 }
    }

    fn at(&mut self, at: Duration, ifp: OutgoingIfp) {
        self.schedule.push_back(Scheduled { at, ifp: Some(ifp), done: false });
    }

    /// Marks the end of a T.30 transmission at `at`.
    fn done(&mut self, at: Duration) {
        self.schedule.push_back(Scheduled { at, ifp: None, done: true });
    }

    /// Where a new transmission starts: after what is already scheduled, and not before `now`.
    fn start_at(&mut self, now: Duration) -> Duration {
        let mut t = self.cursor.max(now);
        if !self.sent_anything {
            self.sent_anything = true;
            let ns = self.indicator(Indicator::NoSignal);
            self.at(t, ns);
        }
        t += GAP;
        t
    }

    /// Ends a signal: the closing packet (with copies) marks T.30's transmission done, then
    /// `no-signal` one piece later.
    fn close(&mut self, t: Duration, closing: OutgoingIfp) {
        self.at(t, closing);
        self.done(t);
        let t = t + self.cfg.chunk;
        let ns = self.indicator(Indicator::NoSignal);
        self.at(t, ns);
        self.cursor = t;
    }

    /// T.30 asks for something.
    pub fn handle_command(&mut self, now: Duration, cmd: ModemCommand) {
        if self.hung_up {
            return;
        }
        match cmd {
            ModemCommand::SendTone { tone, ms } => self.send_tone(now, tone, ms),
            ModemCommand::SendControl(frames) => self.send_hdlc(now, DataType::V21, None, &frames),
            ModemCommand::SendTcf { modulation } => self.send_tcf(now, modulation),
            ModemCommand::SendImage { modulation, long_training, coding, width, data } => {
                let data = if self.cfg.fill_bit_removal && coding != Coding::Mmr {
                    ferrofax_image::strip_fill(&data, width, coding == Coding::Mr)
                } else {
                    data
                };
                self.send_image(now, modulation, long_training, &data)
            }
            ModemCommand::SendEcmFrames { modulation, long_training, frames } => {
                self.send_hdlc(now, data_type_of(modulation), Some((modulation, long_training)), &frames)
            }
            ModemCommand::Receive(listen) => self.listen = listen,
            ModemCommand::Hangup => self.hung_up = true,
        }
    }

    fn send_tone(&mut self, now: Duration, tone: Tone, ms: u32) {
        let mut t = self.cursor.max(now);
        if !self.sent_anything {
            self.sent_anything = true;
            let ns = self.indicator(Indicator::NoSignal);
            self.at(t, ns);
        }
        t += BEFORE_TONE;
        let ind = self.indicator(match tone {
            Tone::Cng => Indicator::Cng,
            Tone::Ced => Indicator::Ced,
        });
        self.at(t, ind);
        t += Duration::from_millis(ms as u64);
        self.done(t);
        let ns = self.indicator(Indicator::NoSignal);
        self.at(t, ns);
        self.cursor = t;
    }

    /// HDLC frames: V.21 control (`ecm` None) or ECM frames at a fast rate after training.
    fn send_hdlc(&mut self, now: Duration, t: DataType, ecm: Option<(Modulation, bool)>, frames: &[Vec<u8>]) {
        let mut at = self.start_at(now);
        let rate = match ecm {
            None => {
                let p = self.indicator(Indicator::V21Preamble);
                self.at(at, p);
                at += V21_PREAMBLE;
                300
            }
            Some((m, long)) => {
                let p = self.indicator(training_indicator(m, long));
                self.at(at, p);
                at += training_time(m, long) + ECM_FLAGS;
                m.bit_rate()
            }
        };
        let chunk = self.chunk_octets(rate);
        for (i, frame) in frames.iter().enumerate() {
            let pieces = frame.chunks(chunk).count();
            for (j, piece) in frame.chunks(chunk).enumerate() {
                // A frame followed by another ends in the packet that carries its last octets
                // (`hdlc-data` then `hdlc-fcs-OK`, as SpanDSP's MERGE_FCS_WITH_DATA does). Sent
                // on its own, the FCS would leave at the same moment as the next frame's first
                // piece, so any jitter could put it behind that piece; a receiver that drops
                // late packets then loses the end of one frame and both frames are bad.
                let p = if j + 1 == pieces && i + 1 < frames.len() {
                    self.fields(t, &[(FieldType::HdlcData, piece), (FieldType::HdlcFcsOk, &[])])
                } else {
                    self.data(t, FieldType::HdlcData, piece, 1)
                };
                self.at(at, p);
                at += air_time(piece.len() as u64 * 8, rate);
            }
            // FCS and closing flag.
            at += air_time(24, rate);
        }
        let end = self.data(t, FieldType::HdlcFcsOkSigEnd, &[], self.cfg.end_copies);
        self.close(at, end);
    }

    fn send_tcf(&mut self, now: Duration, m: Modulation) {
        let mut at = self.start_at(now);
        let p = self.indicator(training_indicator(m, true));
        self.at(at, p);
        at += training_time(m, true);
        if self.cfg.rate_management == RateManagement::LocalTcf {
            // The far terminal stands in its own TCF: only the training and the end of the
            // signal travel (an empty sig-end, which some terminals need to end it).
            let end = self.data(data_type_of(m), FieldType::T4NonEcmSigEnd, &[], self.cfg.end_copies);
            self.close(at, end);
            return;
        }
        let zeros = vec![0u8; ferrofax_t30::tcf::tcf_octets(m.bit_rate())];
        self.send_non_ecm(at, m, &zeros, 0);
    }

    fn send_image(&mut self, now: Duration, m: Modulation, long: bool, data: &[u8]) {
        let mut at = self.start_at(now);
        let p = self.indicator(training_indicator(m, long));
        self.at(at, p);
        at += training_time(m, long);
        self.send_non_ecm(at, m, data, PAGE_PADDING_CHUNKS);
    }

    /// Non-ECM data in paced pieces, `padding` pieces of zeros, then an empty
    /// `t4-non-ecm-sig-end` (the most widely understood way to end it).
    fn send_non_ecm(&mut self, mut at: Duration, m: Modulation, data: &[u8], padding: usize) {
        let t = data_type_of(m);
        let rate = m.bit_rate();
        let chunk = self.chunk_octets(rate);
        let pad = vec![0u8; chunk];
        for piece in data.chunks(chunk).chain(std::iter::repeat_n(&pad[..], padding)) {
            let p = self.data(t, FieldType::T4NonEcmData, piece, 1);
            self.at(at, p);
            at += air_time(piece.len() as u64 * 8, rate);
        }
        let end = self.data(t, FieldType::T4NonEcmSigEnd, &[], self.cfg.end_copies);
        self.close(at, end);
    }
}
