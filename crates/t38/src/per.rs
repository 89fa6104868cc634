//! Aligned-PER (X.691 BASIC-ALIGNED) building blocks shared by the IFP and UDPTL codecs: the
//! length determinant and a bounds-checked, MSB-first bit reader. Nothing here knows about T.38.

/// The largest length a single (unfragmented) length determinant can carry: `0x80 | hi, lo`.
pub const MAX_LENGTH_DETERMINANT: usize = 0x3FFF;

/// Why a length determinant could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LengthError {
    /// No octet left for the determinant (or for its second octet).
    Truncated,
    /// A fragment marker `0xC0 | m`: the length is a multiple of 16K followed by more fragments.
    Fragmented,
}

/// Number of octets the determinant for `len` takes (1 below 128, otherwise 2).
pub(crate) const fn length_len(len: usize) -> usize {
    if len < 0x80 { 1 } else { 2 }
}

/// Appends the length determinant for `len`, which must be at most [`MAX_LENGTH_DETERMINANT`]
/// (callers check; larger values are masked, never panic).
pub(crate) fn put_length(out: &mut Vec<u8>, len: usize) {
    debug_assert!(len <= MAX_LENGTH_DETERMINANT);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        out.push(0x80 | ((len >> 8) & 0x3F) as u8);
        out.push(len as u8);
    }
}

/// Reads a length determinant at octet `*pos`, advancing `*pos` past it.
pub(crate) fn read_length(buf: &[u8], pos: &mut usize) -> Result<usize, LengthError> {
    let first = *buf.get(*pos).ok_or(LengthError::Truncated)?;
    match first {
        0x00..=0x7F => {
            *pos += 1;
            Ok(first as usize)
        }
        0x80..=0xBF => {
            let second = *buf.get(*pos + 1).ok_or(LengthError::Truncated)?;
            *pos += 2;
            Ok((((first & 0x3F) as usize) << 8) | second as usize)
        }
        _ => Err(LengthError::Fragmented),
    }
}

/// MSB-first bit reader over a byte slice. Every read is bounds-checked and returns `None`
/// past the end, so callers turn running out of input into an error, never a panic.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BitReader<'a> {
    buf: &'a [u8],
    /// Position in bits from the start of `buf`.
    bit: usize,
}

impl<'a> BitReader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        BitReader { buf, bit: 0 }
    }

    pub(crate) fn at(buf: &'a [u8], bit: usize) -> Self {
        BitReader { buf, bit }
    }

    pub(crate) fn bit_pos(&self) -> usize {
        self.bit
    }

    /// Octets not yet touched (a partly read octet counts as used).
    pub(crate) fn remaining_octets(&self) -> usize {
        self.buf.len().saturating_sub(self.bit.div_ceil(8))
    }

    /// Reads `n` (at most 16) bits as an unsigned number.
    pub(crate) fn bits(&mut self, n: u32) -> Option<u32> {
        debug_assert!(n <= 16);
        if self.bit + n as usize > self.buf.len() * 8 {
            return None;
        }
        let mut value = 0u32;
        for _ in 0..n {
            let octet = self.buf[self.bit / 8];
            let b = (octet >> (7 - (self.bit % 8))) & 1;
            value = (value << 1) | b as u32;
            self.bit += 1;
        }
        Some(value)
    }

    pub(crate) fn bit(&mut self) -> Option<bool> {
        self.bits(1).map(|b| b == 1)
    }

    /// Skips to the next octet boundary and returns the skipped padding bits (0 when aligned).
    pub(crate) fn align(&mut self) -> u8 {
        let used = self.bit % 8;
        if used == 0 {
            return 0;
        }
        let pad = self.buf.get(self.bit / 8).map_or(0, |octet| octet & (0xFF >> used));
        self.bit += 8 - used;
        pad
    }

    /// Takes `n` whole octets; the reader must be octet-aligned.
    pub(crate) fn octets(&mut self, n: usize) -> Option<&'a [u8]> {
        debug_assert_eq!(self.bit % 8, 0);
        let start = self.bit / 8;
        let slice = self.buf.get(start..start.checked_add(n)?)?;
        self.bit += n * 8;
        Some(slice)
    }

    /// Reads a length determinant; the reader must be octet-aligned.
    pub(crate) fn length(&mut self) -> Result<usize, LengthError> {
        debug_assert_eq!(self.bit % 8, 0);
        let mut pos = self.bit / 8;
        let len = read_length(self.buf, &mut pos)?;
        self.bit = pos * 8;
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_determinant_round_trips() {
        for len in [0, 1, 0x7F, 0x80, 0x100, 0x3FFF] {
            let mut out = Vec::new();
            put_length(&mut out, len);
            assert_eq!(out.len(), length_len(len));
            let mut pos = 0;
            assert_eq!(read_length(&out, &mut pos), Ok(len));
            assert_eq!(pos, out.len());
        }
    }

    #[test]
    fn length_determinant_errors() {
        let mut pos = 0;
        assert_eq!(read_length(&[], &mut pos), Err(LengthError::Truncated));
        assert_eq!(read_length(&[0x81], &mut pos), Err(LengthError::Truncated));
        assert_eq!(read_length(&[0xC1], &mut pos), Err(LengthError::Fragmented));
        assert_eq!(pos, 0);
    }

    #[test]
    fn bit_reader_reads_msb_first_and_stops_at_the_end() {
        let mut r = BitReader::new(&[0b1010_0001, 0xFF]);
        assert_eq!(r.bits(3), Some(0b101));
        assert_eq!(r.align(), 0b0_0001);
        assert_eq!(r.octets(1), Some(&[0xFF][..]));
        assert_eq!(r.bit(), None);
        assert_eq!(r.octets(1), None);
        assert_eq!(r.remaining_octets(), 0);
    }
}
