//! T.4 encoders: MH (one-dimensional) and MR (two-dimensional, K lines per 1D line), with EOL
//! before every line, optional fill bits (byte-aligned EOLs as TIFF's T4Options bit 2 asks, or
//! a minimum number of bits per line for the minimum scan-line time of T.30), and optional RTC
//! (six EOLs) at the end, as a fax transmission ends a page. TIFF strips carry no RTC.

use std::convert::Infallible;

use fax::{BitWriter, Bits};

use crate::Bitmap;
use crate::mmr::{encode_row, row_changes, write_run};

/// How to lay out the coded lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T4Options {
    /// None: MH. Some(k): MR with a one-dimensional line every `k` lines (2 standard, 4 fine).
    pub k: Option<u32>,
    /// Fill before each EOL so that it ends on a byte boundary.
    pub byte_aligned_eols: bool,
    /// Fill so that every line (from the end of one EOL to the end of the next) has at least
    /// this many bits.
    pub min_line_bits: u32,
    /// End with RTC (six EOLs, each with tag bit 1 in MR).
    pub rtc: bool,
}

impl T4Options {
    /// MH as written into TIFF strips.
    pub fn mh() -> Self {
        T4Options { k: None, byte_aligned_eols: false, min_line_bits: 0, rtc: false }
    }

    /// MR with `k` as written into TIFF strips.
    pub fn mr(k: u32) -> Self {
        T4Options { k: Some(k.max(1)), ..Self::mh() }
    }
}

/// A bit writer that knows how many bits it holds (for fill bits).
pub(crate) struct BitSink {
    data: Vec<u8>,
    acc: u64,
    n: u32,
    total: u64,
}

impl BitSink {
    pub(crate) fn new(capacity: usize) -> Self {
        BitSink { data: Vec::with_capacity(capacity), acc: 0, n: 0, total: 0 }
    }

    fn zeros(&mut self, mut n: u64) {
        while n > 0 {
            let k = n.min(16) as u8;
            let Ok(()) = self.write(Bits { data: 0, len: k });
            n -= k as u64;
        }
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.data.push((self.acc << (8 - self.n)) as u8);
        }
        self.data
    }
}

impl BitWriter for BitSink {
    type Error = Infallible;

    fn write(&mut self, bits: Bits) -> Result<(), Infallible> {
        self.acc = (self.acc << bits.len) | (bits.data as u64 & ((1u64 << bits.len) - 1));
        self.n += bits.len as u32;
        self.total += bits.len as u64;
        while self.n >= 8 {
            self.n -= 8;
            self.data.push((self.acc >> self.n) as u8);
        }
        self.acc &= (1u64 << self.n) - 1;
        Ok(())
    }
}

const EOL: Bits = Bits { data: 1, len: 12 };

/// Codes a bitmap as T.4 MH or MR.
pub fn encode(bitmap: &Bitmap, opts: &T4Options) -> Vec<u8> {
    let width = bitmap.width();
    let mut w = BitSink::new(bitmap.height() as usize * 24);
    let mut reference: Vec<u32> = Vec::new();
    let mut coding: Vec<u32> = Vec::new();
    let mut line_start = 0u64;
    for y in 0..bitmap.height() {
        let one_d = match opts.k {
            None => true,
            Some(k) => y % k == 0,
        };
        // MR tags each EOL: 1 before a one-dimensional line, 0 before a two-dimensional one.
        write_eol(&mut w, opts, line_start, opts.k.map(|_| one_d as u16));
        line_start = w.total;
        row_changes(bitmap.row(y), width, &mut coding);
        if one_d {
            let mut a0 = 0;
            for (i, &c) in coding.iter().chain(std::iter::once(&width)).enumerate() {
                write_run(&mut w, i % 2 == 1, c - a0);
                a0 = c;
            }
        } else {
            encode_row(&mut w, &coding, &reference, width);
        }
        std::mem::swap(&mut reference, &mut coding);
    }
    if opts.rtc {
        for i in 0..6 {
            let start = if i == 0 { line_start } else { w.total };
            write_eol(&mut w, opts, start, opts.k.map(|_| 1));
        }
    }
    w.finish()
}

/// Writes fill bits as the options ask, the EOL, and the MR tag bit when there is one.
fn write_eol(w: &mut BitSink, opts: &T4Options, line_start: u64, tag: Option<u16>) {
    let line_bits = w.total - line_start;
    if line_start > 0 && line_bits + 12 < opts.min_line_bits as u64 {
        w.zeros(opts.min_line_bits as u64 - 12 - line_bits);
    }
    if opts.byte_aligned_eols {
        let end = w.total + 12;
        w.zeros((8 - end % 8) % 8);
    }
    let Ok(()) = w.write(EOL);
    if let Some(t) = tag {
        let Ok(()) = w.write(Bits { data: t, len: 1 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_pages::random_bitmap;
    use crate::{CodedPage, Coding, Resolution};
    use proptest::prelude::*;

    #[test]
    fn eols_are_byte_aligned_and_lines_long_enough() {
        let b = random_bitmap(64, 5, 7, 9);
        let opts = T4Options { byte_aligned_eols: true, min_line_bits: 200, rtc: true, ..T4Options::mh() };
        let data = encode(&b, &opts);
        // Every EOL (eleven zeros then a one) ends a byte: find them bytewise.
        let bits: Vec<bool> = data.iter().flat_map(|b| (0..8).rev().map(move |i| b >> i & 1 == 1)).collect();
        let mut eol_ends = Vec::new();
        let mut zeros = 0;
        for (i, &bit) in bits.iter().enumerate() {
            if bit {
                if zeros >= 11 {
                    eol_ends.push(i + 1);
                }
                zeros = 0;
            } else {
                zeros += 1;
            }
        }
        assert_eq!(eol_ends.len(), 5 + 6);
        assert!(eol_ends.iter().all(|e| e % 8 == 0), "{eol_ends:?}");
        for w in eol_ends[..6].windows(2) {
            assert!(w[1] - w[0] >= 200, "a line of {} bits", w[1] - w[0]);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn mh_and_mr_decode_to_the_same_pixels(width in 1u32..300, height in 1u32..20, seed in any::<u64>(), density in 1u64..50, k in 1u32..5, aligned in any::<bool>()) {
            let b = random_bitmap(width, height, seed, density);
            for (coding, opts) in [(Coding::Mh, T4Options::mh()), (Coding::Mr, T4Options::mr(k))] {
                let opts = T4Options { byte_aligned_eols: aligned, ..opts };
                let page = CodedPage { width, height, resolution: Resolution::Fine, coding, byte_aligned_eols: aligned, data: encode(&b, &opts) };
                prop_assert_eq!(page.decode(1).unwrap(), b.clone(), "{:?}", coding);
            }
        }
    }
}
