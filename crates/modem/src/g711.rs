//! G.711 companding: μ-law (RTP payload type 0, PCMU) and A-law (payload type 8, PCMA), one
//! octet per 8 kHz sample, to and from 16-bit linear samples.
//!
//! Encoding truncates towards the segment's step, as G.711's tables do (and as SpanDSP's
//! `g711_encode` does); decoding gives the middle of the step. Every code decodes and encodes
//! back to itself, but for μ-law's negative zero (0x7F), which comes back as 0xFF.

/// Which companding law a line uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Law {
    /// μ-law (North America, Japan): RTP payload type 0.
    Ulaw,
    /// A-law (Europe and most of the world): RTP payload type 8.
    Alaw,
}

impl Law {
    /// The octet a silent line carries (μ-law 0xFF, A-law 0xD5).
    pub const fn silence(self) -> u8 {
        match self {
            Law::Ulaw => 0xFF,
            Law::Alaw => 0xD5,
        }
    }

    /// The RTP static payload type of this law.
    pub const fn payload_type(self) -> u8 {
        match self {
            Law::Ulaw => 0,
            Law::Alaw => 8,
        }
    }

    /// One sample to its code.
    pub fn encode_sample(self, sample: i16) -> u8 {
        match self {
            Law::Ulaw => ulaw_encode(sample),
            Law::Alaw => alaw_encode(sample),
        }
    }

    /// One code to its sample.
    pub fn decode_sample(self, code: u8) -> i16 {
        match self {
            Law::Ulaw => ulaw_decode(code),
            Law::Alaw => alaw_decode(code),
        }
    }

    /// Encodes `samples` into `codes` (as many as the shorter of the two holds); returns how
    /// many were encoded.
    pub fn encode(self, samples: &[i16], codes: &mut [u8]) -> usize {
        let n = samples.len().min(codes.len());
        for (c, &s) in codes[..n].iter_mut().zip(samples) {
            *c = self.encode_sample(s);
        }
        n
    }

    /// Decodes `codes` into `samples` (as many as the shorter of the two holds); returns how
    /// many were decoded.
    pub fn decode(self, codes: &[u8], samples: &mut [i16]) -> usize {
        let n = samples.len().min(codes.len());
        for (s, &c) in samples[..n].iter_mut().zip(codes) {
            *s = self.decode_sample(c);
        }
        n
    }
}

/// μ-law's bias, added to the magnitude so that every segment starts at a power of two.
const ULAW_BIAS: i32 = 0x84;

/// The segment (0–7) of a biased magnitude, or 8 when it is beyond the last one.
fn segment(magnitude: i32) -> i32 {
    // The position of the highest set bit, counting bit 7 as segment 0.
    let top = 31 - (magnitude | 0xFF).leading_zeros() as i32;
    top - 7
}

/// A 16-bit sample to μ-law.
pub fn ulaw_encode(sample: i16) -> u8 {
    let x = i32::from(sample);
    let (magnitude, mask) = if x < 0 { (ULAW_BIAS - x, 0x7F) } else { (ULAW_BIAS + x, 0xFF) };
    let seg = segment(magnitude);
    let code = if seg >= 8 { 0x7F } else { (seg << 4) | ((magnitude >> (seg + 3)) & 0x0F) };
    (code ^ mask) as u8
}

/// A μ-law code to its 16-bit sample.
pub fn ulaw_decode(code: u8) -> i16 {
    let u = i32::from(!code);
    let step = ((u & 0x0F) << 3) + ULAW_BIAS;
    let t = step << ((u & 0x70) >> 4);
    (if u & 0x80 != 0 { ULAW_BIAS - t } else { t - ULAW_BIAS }) as i16
}

/// A 16-bit sample to A-law.
pub fn alaw_encode(sample: i16) -> u8 {
    let x = i32::from(sample);
    // The sign bit is set for positive values; the even bits are inverted on the line.
    let (magnitude, mask) = if x >= 0 { (x, 0xD5) } else { (-x - 1, 0x55) };
    let seg = segment(magnitude);
    if seg >= 8 {
        return (0x7F ^ mask) as u8;
    }
    let shift = if seg == 0 { 4 } else { seg + 3 };
    (((seg << 4) | ((magnitude >> shift) & 0x0F)) ^ mask) as u8
}

/// An A-law code to its 16-bit sample.
pub fn alaw_decode(code: u8) -> i16 {
    let a = i32::from(code ^ 0x55);
    let seg = (a & 0x70) >> 4;
    let mut t = (a & 0x0F) << 4;
    t = if seg == 0 { t + 8 } else { (t + 0x108) << (seg - 1) };
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_and_extremes() {
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(-1), 0x7F);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(-1), 0x55);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(Law::Ulaw.decode_sample(Law::Ulaw.silence()), 0);
        assert_eq!(Law::Alaw.decode_sample(Law::Alaw.silence()), 8);
    }

    #[test]
    fn every_code_comes_back() {
        for c in 0..=255u8 {
            let expect = if c == 0x7F { 0xFF } else { c };
            assert_eq!(ulaw_encode(ulaw_decode(c)), expect, "μ-law {c:#04x}");
            assert_eq!(alaw_encode(alaw_decode(c)), c, "A-law {c:#04x}");
        }
    }

    #[test]
    fn encoding_is_monotonic_and_close() {
        for law in [Law::Ulaw, Law::Alaw] {
            let mut last = i32::MIN;
            for x in i16::MIN..=i16::MAX {
                let y = i32::from(law.decode_sample(law.encode_sample(x)));
                assert!(y >= last, "{law:?}: {x} decodes below its predecessor");
                last = y;
                // The error is at most one step: 1/16 of the segment, relative.
                let err = (y - i32::from(x)).abs();
                assert!(err <= 1024 && err as f64 <= 16.0 + f64::from(x).abs() / 15.0, "{law:?}: {x} → {y}");
            }
        }
    }
}
