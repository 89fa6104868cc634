//! HDLC framing as T.30 uses it on V.21 and, in ECM, on the fast modems: flags (0x7E), zero-bit
//! insertion after five ones, and a 16-bit FCS.
//!
//! Octets are in ferrofax's notation: the first bit on the line is the octet's most
//! significant bit (`ff c8 21` is a final CFR). The FCS is then CRC-16/CCITT of the octets,
//! inverted, high octet first (CFR's is `57 be`): the same bits as ISO 3309's reflected CRC
//! sent least significant bit first.

use crc::{CRC_16_GENIBUS, Crc};

use crate::bits::BitQueue;

/// The FCS: CRC-16/CCITT (polynomial 0x1021, preset to ones), inverted.
const FCS: Crc<u16> = Crc::<u16>::new(&CRC_16_GENIBUS);

const FLAG: u8 = 0x7E;

/// The FCS of a frame's octets.
pub fn fcs(octets: &[u8]) -> [u8; 2] {
    FCS.checksum(octets).to_be_bytes()
}

/// Writes frames as HDLC bits.
#[derive(Debug, Default)]
pub struct HdlcEncoder {
    ones: u8,
}

impl HdlcEncoder {
    pub fn new() -> Self {
        HdlcEncoder::default()
    }

    /// Appends `n` flags.
    pub fn flags(&mut self, out: &mut BitQueue, n: usize) {
        for _ in 0..n {
            out.push_octets(&[FLAG]);
        }
        self.ones = 0;
    }

    /// Appends one frame (its octets, then its FCS) with zero-bit insertion, then one flag
    /// that closes it.
    pub fn frame(&mut self, out: &mut BitQueue, octets: &[u8]) {
        let fcs = fcs(octets);
        self.ones = 0;
        for &o in octets.iter().chain(&fcs) {
            for i in 0..8 {
                let bit = o & (0x80 >> i) != 0;
                out.push(bit);
                if bit {
                    self.ones += 1;
                    if self.ones == 5 {
                        out.push(false);
                        self.ones = 0;
                    }
                } else {
                    self.ones = 0;
                }
            }
        }
        self.flags(out, 1);
    }

    /// A whole burst: `preamble` flags, the frames (each followed by a flag), and `closing`
    /// more flags.
    pub fn burst(preamble: usize, frames: &[Vec<u8>], closing: usize) -> BitQueue {
        let mut q = BitQueue::new();
        let mut e = HdlcEncoder::new();
        e.flags(&mut q, preamble);
        for f in frames {
            e.frame(&mut q, f);
        }
        e.flags(&mut q, closing);
        q
    }
}

/// What the decoder saw.
#[derive(Debug, PartialEq, Eq)]
pub enum HdlcEvent<'a> {
    /// Enough back-to-back flags to trust that frames follow (once per burst).
    FramingOk,
    /// A frame, without its FCS; `fcs_ok` false when the FCS does not match.
    Frame { octets: &'a [u8], fcs_ok: bool },
    /// Seven or more ones: the sender aborted a frame.
    Abort,
}

/// Reads HDLC bits into frames.
#[derive(Debug)]
pub struct HdlcDecoder {
    /// Consecutive ones among the raw bits.
    ones: u8,
    /// The frame being read: whole octets, and a partly filled octet.
    frame: Vec<u8>,
    current: u8,
    filled: u8,
    /// A flag opened a frame (data bits are being collected).
    in_frame: bool,
    /// The buffer still holds a frame handed out by the last call.
    handed_out: bool,
    /// The frame grew past `max_octets` and is skipped until the next flag.
    overlong: bool,
    flags_in_a_row: u32,
    bits_since_flag: u32,
    framing_ok: bool,
    framing_threshold: u32,
    max_octets: usize,
}

impl HdlcDecoder {
    /// A decoder that reports frames once `framing_threshold` back-to-back flags have been
    /// seen in a burst, and skips frames longer than `max_octets` (FCS included).
    pub fn new(framing_threshold: u32, max_octets: usize) -> Self {
        HdlcDecoder {
            ones: 0,
            frame: Vec::with_capacity(max_octets + 1),
            current: 0,
            filled: 0,
            in_frame: false,
            handed_out: false,
            overlong: false,
            flags_in_a_row: 0,
            bits_since_flag: 0,
            framing_ok: false,
            framing_threshold: framing_threshold.max(1),
            max_octets,
        }
    }

    /// Whether framing has been established in this burst.
    pub fn framing_ok(&self) -> bool {
        self.framing_ok
    }

    /// Starts over, as at the start of a new burst.
    pub fn reset(&mut self) {
        self.ones = 0;
        self.drop_frame();
        self.in_frame = false;
        self.flags_in_a_row = 0;
        self.bits_since_flag = 0;
        self.framing_ok = false;
    }

    fn drop_frame(&mut self) {
        self.frame.clear();
        self.current = 0;
        self.filled = 0;
        self.overlong = false;
        self.handed_out = false;
    }

    /// Takes one received bit.
    #[inline]
    pub fn put_bit(&mut self, bit: bool) -> Option<HdlcEvent<'_>> {
        if self.handed_out {
            self.drop_frame();
        }
        self.bits_since_flag = self.bits_since_flag.saturating_add(1);
        if bit {
            self.ones = self.ones.saturating_add(1);
            if self.ones <= 5 {
                self.data_bit(true);
            } else if self.ones == 7 {
                // An abort (or a line idling on ones): the open frame is gone.
                let had_data = self.in_frame && (self.filled > 0 || !self.frame.is_empty());
                self.drop_frame();
                self.in_frame = false;
                self.flags_in_a_row = 0;
                return had_data.then_some(HdlcEvent::Abort);
            }
            return None;
        }
        let ones = std::mem::replace(&mut self.ones, 0);
        match ones {
            5 => None, // an inserted zero
            6 => self.flag(),
            0..5 => {
                self.data_bit(false);
                None
            }
            _ => None, // the zero after an abort
        }
    }

    #[inline]
    fn data_bit(&mut self, bit: bool) {
        if !self.in_frame || self.overlong {
            return;
        }
        self.current = (self.current << 1) | u8::from(bit);
        self.filled += 1;
        if self.filled == 8 {
            if self.frame.len() > self.max_octets {
                self.overlong = true;
                return;
            }
            self.frame.push(self.current);
            self.current = 0;
            self.filled = 0;
        }
    }

    fn flag(&mut self) -> Option<HdlcEvent<'_>> {
        let back_to_back = self.bits_since_flag == 8;
        self.bits_since_flag = 0;
        self.flags_in_a_row = if back_to_back { self.flags_in_a_row + 1 } else { 1 };
        let was_in_frame = std::mem::replace(&mut self.in_frame, true) && !self.overlong;
        // The flag's leading zero and five ones were taken as data; take them back.
        let bits = (self.frame.len() * 8 + usize::from(self.filled)).saturating_sub(6);
        if !self.framing_ok && self.flags_in_a_row >= self.framing_threshold {
            self.framing_ok = true;
            self.drop_frame();
            return Some(HdlcEvent::FramingOk);
        }
        if !was_in_frame || !self.framing_ok || !bits.is_multiple_of(8) || bits / 8 < 3 {
            // Between flags, or too short, or not whole octets: noise or a damaged flag.
            self.drop_frame();
            return None;
        }
        let n = bits / 8 - 2;
        self.frame.truncate(n + 2);
        let fcs_ok = fcs(&self.frame[..n]) == self.frame[n..];
        self.frame.truncate(n);
        self.current = 0;
        self.filled = 0;
        self.handed_out = true;
        Some(HdlcEvent::Frame { octets: &self.frame, fcs_ok })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(q: &mut BitQueue, d: &mut HdlcDecoder) -> Vec<(Vec<u8>, bool)> {
        let mut out = Vec::new();
        while let Some(b) = q.pop() {
            if let Some(HdlcEvent::Frame { octets, fcs_ok }) = d.put_bit(b) {
                out.push((octets.to_vec(), fcs_ok));
            }
        }
        out
    }

    #[test]
    fn fcs_matches_the_known_frames() {
        assert_eq!(fcs(&[0xff, 0xc8, 0x21]), [0x57, 0xbe]);
    }

    #[test]
    fn frames_come_back_through_stuffing() {
        let frames = vec![vec![0xff, 0xc8, 0x21], vec![0xff, 0x03, 0xff, 0xff, 0x7e, 0xfe, 0x1f], vec![0xff; 40]];
        let mut q = HdlcEncoder::burst(32, &frames, 2);
        let mut d = HdlcDecoder::new(8, 300);
        let got = decode(&mut q, &mut d);
        assert_eq!(got, frames.iter().map(|f| (f.clone(), true)).collect::<Vec<_>>());
    }

    #[test]
    fn a_damaged_frame_is_reported_as_damaged() {
        let mut q = HdlcEncoder::burst(10, &[vec![0xff, 0xc8, 0x21]], 2);
        let mut bits: Vec<bool> = std::iter::from_fn(|| q.pop()).collect();
        bits[80 + 20] = !bits[80 + 20];
        let mut q = BitQueue::new();
        bits.iter().for_each(|&b| q.push(b));
        let mut d = HdlcDecoder::new(8, 300);
        let got = decode(&mut q, &mut d);
        assert_eq!(got.len(), 1);
        assert!(!got[0].1);
    }

    #[test]
    fn no_frames_before_framing() {
        let mut q = HdlcEncoder::burst(3, &[vec![0xff, 0xc8, 0x21]], 2);
        let mut d = HdlcDecoder::new(8, 300);
        assert!(decode(&mut q, &mut d).is_empty());
    }

    #[test]
    fn an_overlong_frame_is_skipped() {
        let mut q = HdlcEncoder::burst(10, &[vec![0x55; 400], vec![0xff, 0xc8, 0x21]], 2);
        let mut d = HdlcDecoder::new(8, 300);
        assert_eq!(decode(&mut q, &mut d), vec![(vec![0xff, 0xc8, 0x21], true)]);
    }

    proptest::proptest! {
        #[test]
        fn any_frames_round_trip(frames in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 1..64), 1..6)) {
            let mut q = HdlcEncoder::burst(8, &frames, 1);
            let mut d = HdlcDecoder::new(8, 300);
            let got = decode(&mut q, &mut d);
            proptest::prop_assert_eq!(got, frames.iter().map(|f| (f.clone(), true)).collect::<Vec<_>>());
        }

        #[test]
        fn any_bits_are_safe(bits in proptest::collection::vec(proptest::bool::ANY, 0..5000)) {
            let mut d = HdlcDecoder::new(2, 16);
            for b in bits {
                if let Some(HdlcEvent::Frame { octets, .. }) = d.put_bit(b) {
                    proptest::prop_assert!(octets.len() <= 16);
                }
            }
        }
    }
}
