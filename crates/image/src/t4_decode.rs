//! A T.4 (MH and MR) decoder that behaves as a fax receiver must: it decodes line by line
//! between EOLs, and a line that does not decode, or decodes to the wrong width, is counted
//! as bad, replaced by the line above it (as fax machines print it) and decoding resumes at
//! the next EOL. The count of bad lines and the longest run of them drive T.30's copy-quality
//! decision (MCF, RTP or RTN). Six EOLs (RTC) end the page.

use std::sync::OnceLock;

use fax::maps::{black, white};

use crate::Bitmap;

/// How well a page decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineReport {
    /// Lines in the page.
    pub lines: u32,
    /// Lines that did not decode and were replaced by the line above.
    pub bad_lines: u32,
    /// The longest run of consecutive bad lines.
    pub longest_bad_run: u32,
}

/// 13-bit lookup: (run length, code length), code length 0 for no code.
type RunTable = Vec<(u16, u8)>;

fn tables() -> &'static (RunTable, RunTable) {
    static T: OnceLock<(RunTable, RunTable)> = OnceLock::new();
    T.get_or_init(|| {
        let build = |entries: &[(u16, fax::Bits)]| {
            let mut t = vec![(0u16, 0u8); 1 << 13];
            for &(run, bits) in entries {
                let shift = 13 - bits.len;
                let base = (bits.data as usize) << shift;
                for slot in &mut t[base..base + (1 << shift)] {
                    *slot = (run, bits.len);
                }
            }
            t
        };
        (build(&white::ENTRIES), build(&black::ENTRIES))
    })
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize, // in bits
}

impl Bits<'_> {
    fn len(&self) -> usize {
        self.data.len() * 8
    }

    /// The next `n` (≤ 25) bits, zeros past the end.
    fn peek(&self, n: u32) -> u32 {
        let byte = self.pos / 8;
        let mut v: u32 = 0;
        for i in 0..4 {
            v = (v << 8) | *self.data.get(byte + i).unwrap_or(&0) as u32;
        }
        (v << (self.pos % 8)) >> (32 - n)
    }

    fn skip(&mut self, n: u32) {
        self.pos += n as usize;
    }

    /// At the end, or only fill (zero bits) is left.
    fn at_end(&self) -> bool {
        let first_full = self.pos.div_ceil(8);
        (self.pos..(first_full * 8).min(self.len())).all(|p| self.data[p / 8] & (0x80 >> (p % 8)) == 0)
            && self.data.get(first_full..).is_none_or(|rest| rest.iter().all(|&b| b == 0))
    }

    /// At an EOL (eleven or more zeros then a one)? Consumes it (and its fill) if so.
    fn eol(&mut self) -> bool {
        let mut p = self.pos;
        let mut zeros = 0;
        while p < self.len() && self.data[p / 8] & (0x80 >> (p % 8)) == 0 {
            zeros += 1;
            p += 1;
        }
        if zeros >= 11 && p < self.len() {
            self.pos = p + 1;
            true
        } else {
            false
        }
    }

    /// Moves just past the next EOL; false when there is none.
    fn skip_to_eol(&mut self) -> bool {
        let mut zeros = 0;
        while self.pos < self.len() {
            let one = self.data[self.pos / 8] & (0x80 >> (self.pos % 8)) != 0;
            self.pos += 1;
            if one {
                if zeros >= 11 {
                    return true;
                }
                zeros = 0;
            } else {
                zeros += 1;
            }
        }
        false
    }
}

/// One run (makeup codes plus a terminating code).
fn read_run(bits: &mut Bits, black_run: bool) -> Option<u32> {
    let (w, b) = tables();
    let table = if black_run { b } else { w };
    let mut total = 0u32;
    loop {
        let (run, len) = table[bits.peek(13) as usize];
        if len == 0 || bits.pos + len as usize > bits.len() {
            return None;
        }
        bits.skip(len as u32);
        total += run as u32;
        if run < 64 {
            return Some(total);
        }
    }
}

/// Decodes a one-dimensional line into `changes`.
fn line_1d(bits: &mut Bits, width: u32, changes: &mut Vec<u32>) -> Option<()> {
    changes.clear();
    let (mut x, mut black_run) = (0u32, false);
    while x < width {
        x += read_run(bits, black_run)?;
        if x > width {
            return None;
        }
        if x < width || black_run {
            changes.push(x);
        }
        black_run = !black_run;
    }
    // A trailing change at the width (a line ending black) is not a change.
    if changes.last() == Some(&width) {
        changes.pop();
    }
    Some(())
}

/// Decodes a two-dimensional line against `reference` into `changes`.
fn line_2d(bits: &mut Bits, width: u32, reference: &[u32], changes: &mut Vec<u32>) -> Option<()> {
    changes.clear();
    let mut a0: i64 = -1;
    let mut black_colour = false;
    let mut from = 0usize; // first change on the reference line after a0 (a0 only moves right)
    while a0 < width as i64 {
        // b1: first change on the reference line after a0 to the colour opposite a0's.
        while from < reference.len() && (reference[from] as i64) <= a0 {
            from += 1;
        }
        let mut i = from;
        if i.is_multiple_of(2) == black_colour {
            i += 1;
        }
        let b1 = reference.get(i).copied().unwrap_or(width);
        let b2 = reference.get(i + 1).copied().unwrap_or(width);
        let p = bits.peek(7);
        if p >> 6 == 1 {
            bits.skip(1); // V0
            push(changes, b1, width)?;
            a0 = b1 as i64;
            black_colour = !black_colour;
        } else if p >> 4 == 0b011 || p >> 4 == 0b010 {
            bits.skip(3);
            let a1 = if p >> 4 == 0b011 { b1 as i64 + 1 } else { b1 as i64 - 1 };
            a0 = vertical(changes, a1, a0, width)?;
            black_colour = !black_colour;
        } else if p >> 4 == 0b001 {
            bits.skip(3); // horizontal
            let start = a0.max(0) as u32;
            let r1 = read_run(bits, black_colour)?;
            let r2 = read_run(bits, !black_colour)?;
            let a1 = start + r1;
            let a2 = a1 + r2;
            if a2 > width {
                return None;
            }
            push(changes, a1, width)?;
            push(changes, a2, width)?;
            a0 = a2 as i64;
        } else if p >> 3 == 0b0001 {
            bits.skip(4); // pass
            a0 = b2 as i64;
        } else if p >> 1 == 0b000011 || p >> 1 == 0b000010 {
            bits.skip(6);
            let a1 = if p >> 1 == 0b000011 { b1 as i64 + 2 } else { b1 as i64 - 2 };
            a0 = vertical(changes, a1, a0, width)?;
            black_colour = !black_colour;
        } else if p == 0b0000011 || p == 0b0000010 {
            bits.skip(7);
            let a1 = if p == 0b0000011 { b1 as i64 + 3 } else { b1 as i64 - 3 };
            a0 = vertical(changes, a1, a0, width)?;
            black_colour = !black_colour;
        } else {
            return None; // extension codes, EOL in mid-line, garbage
        }
        if bits.pos > bits.len() {
            return None;
        }
    }
    if changes.last() == Some(&width) {
        changes.pop();
    }
    Some(())
}

fn vertical(changes: &mut Vec<u32>, a1: i64, a0: i64, width: u32) -> Option<i64> {
    if a1 < 0 || a1 > width as i64 || (a1 <= a0 && !(a0 == -1 && a1 == 0)) {
        return None;
    }
    push(changes, a1 as u32, width)?;
    Some(a1)
}

/// Records a change; changes must increase (a change at the width ends the line).
fn push(changes: &mut Vec<u32>, x: u32, width: u32) -> Option<()> {
    if x > width || changes.last().is_some_and(|&l| x < l) {
        return None;
    }
    if changes.last() == Some(&x) && x < width {
        // Two changes at one place cancel (a zero-length run).
        changes.pop();
        return Some(());
    }
    changes.push(x);
    Some(())
}

/// Decodes MH (`two_dimensional` false) or MR data of `height` lines `width` pixels wide.
/// Lines missing at the end count as bad (white).
pub fn decode_t4(data: &[u8], width: u32, height: u32, two_dimensional: bool) -> (Bitmap, LineReport) {
    decode_lines(data, width, height, two_dimensional, true)
}

/// Decodes a page as it arrives from a fax line, whose length is not known beforehand: lines
/// up to RTC or the end of the data, at most `max_lines` of them.
pub fn decode_t4_page(data: &[u8], width: u32, max_lines: u32, two_dimensional: bool) -> (Bitmap, LineReport) {
    decode_lines(data, width, max_lines, two_dimensional, false)
}

fn decode_lines(data: &[u8], width: u32, height: u32, two_dimensional: bool, fixed: bool) -> (Bitmap, LineReport) {
    let mut out = Bitmap::new(width, if fixed { height } else { height.min(256) });
    let mut report = LineReport { lines: height, ..Default::default() };
    let mut bits = Bits { data, pos: 0 };
    let mut reference: Vec<u32> = Vec::new();
    let mut changes: Vec<u32> = Vec::new();
    let mut run = 0u32;
    let mut y = 0u32;
    // Leading fill and the first EOL, when there is one.
    let has_eols = bits.eol();
    while y < height {
        if bits.at_end() {
            break;
        }
        if y >= out.height() {
            out.set_height((out.height() * 2).max(1).min(height));
        }
        let ok = if two_dimensional {
            let tag = bits.peek(1);
            bits.skip(1);
            if tag == 1 {
                line_1d(&mut bits, width, &mut changes)
            } else {
                line_2d(&mut bits, width, &reference, &mut changes)
            }
        } else {
            line_1d(&mut bits, width, &mut changes)
        };
        // A sound line is followed by an EOL (or the end of the data).
        let ended = ok.is_some() && (!has_eols || bits.eol() || bits.at_end());
        if ended {
            for pair in changes.chunks(2) {
                out.fill_run(y, pair[0], pair.get(1).copied().unwrap_or(width));
            }
            std::mem::swap(&mut reference, &mut changes);
            run = 0;
        } else {
            report.bad_lines += 1;
            run += 1;
            report.longest_bad_run = report.longest_bad_run.max(run);
            if y > 0 {
                let above = out.row(y - 1).to_vec();
                out.row_mut(y).copy_from_slice(&above);
            }
            // The line above stands in as the reference for a following 2D line.
            crate::mmr::row_changes(out.row(y), width, &mut reference);
            if !has_eols || !bits.skip_to_eol() {
                y += 1;
                break;
            }
        }
        y += 1;
        // RTC: more EOLs (each with a tag bit 1 in MR) right away.
        if !has_eols {
            continue;
        }
        let mut eols_in_a_row = 1;
        loop {
            let save = bits.pos;
            if two_dimensional && bits.peek(1) == 1 {
                bits.skip(1);
            }
            if bits.eol() {
                eols_in_a_row += 1;
            } else {
                bits.pos = save;
                break;
            }
        }
        if eols_in_a_row >= 6 {
            break;
        }
    }
    if !fixed {
        out.set_height(y);
        report.lines = y;
    } else if y < height {
        report.bad_lines += height - y;
        run += height - y;
        report.longest_bad_run = report.longest_bad_run.max(run);
    }
    (out, report)
}

/// MH or MR data with its fill bits taken out: every line's EOL follows the line's last code
/// directly, as T.38 fill-bit removal asks. Lines are found by decoding them (the zeros that end
/// a code and the fill before an EOL cannot be told apart otherwise); a line that does not
/// decode is copied as it is.
pub fn strip_fill(data: &[u8], width: u32, two_dimensional: bool) -> Vec<u8> {
    let mut out = BitOut::default();
    let mut bits = Bits { data, pos: 0 };
    let total = bits.len();
    let mut reference: Vec<u32> = Vec::new();
    let mut changes: Vec<u32> = Vec::new();
    while bits.pos < total {
        // Zeros up to the next one bit.
        let start = bits.pos;
        let mut p = start;
        while p < total && data[p / 8] & (0x80 >> (p % 8)) == 0 {
            p += 1;
        }
        if p >= total {
            // Padding at the end stays.
            out.copy(data, start, total);
            break;
        }
        if p - start < 11 {
            // Not at an EOL: copy through to the next one.
            let save = bits.pos;
            let found = bits.skip_to_eol();
            let end = if found { eol_start(data, bits.pos) } else { total };
            out.copy(data, save, end);
            bits.pos = end;
            continue;
        }
        // EOL without its fill.
        out.zeros(11);
        out.copy(data, p, p + 1);
        bits.pos = p + 1;
        let tag = if two_dimensional && bits.pos < total {
            let t = bits.peek(1);
            out.copy(data, bits.pos, bits.pos + 1);
            bits.skip(1);
            t
        } else {
            1
        };
        let line_start = bits.pos;
        let ok = if tag == 1 {
            line_1d(&mut bits, width, &mut changes)
        } else {
            line_2d(&mut bits, width, &reference, &mut changes)
        };
        if ok.is_some() {
            out.copy(data, line_start, bits.pos);
            std::mem::swap(&mut reference, &mut changes);
        } else {
            // RTC or a damaged line: leave the position where the next EOL's zeros begin.
            bits.pos = line_start;
            let found = bits.skip_to_eol();
            let end = if found { eol_start(data, bits.pos) } else { total };
            out.copy(data, line_start, end);
            bits.pos = end;
            reference.clear();
        }
    }
    out.finish()
}

/// Where the zeros of the EOL that ends just before `after` begin.
fn eol_start(data: &[u8], after: usize) -> usize {
    let mut p = after - 1; // the one bit
    while p > 0 && data[(p - 1) / 8] & (0x80 >> ((p - 1) % 8)) == 0 {
        p -= 1;
    }
    p
}

/// A bit writer, most significant bit first.
#[derive(Default)]
struct BitOut {
    bytes: Vec<u8>,
    acc: u8,
    n: u32,
}

impl BitOut {
    fn bit(&mut self, b: bool) {
        self.acc = (self.acc << 1) | b as u8;
        self.n += 1;
        if self.n == 8 {
            self.bytes.push(self.acc);
            self.acc = 0;
            self.n = 0;
        }
    }

    fn zeros(&mut self, n: u32) {
        for _ in 0..n {
            self.bit(false);
        }
    }

    fn copy(&mut self, data: &[u8], from: usize, to: usize) {
        for p in from..to {
            self.bit(data[p / 8] & (0x80 >> (p % 8)) != 0);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.bytes.push(self.acc << (8 - self.n));
        }
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::t4::{T4Options, encode};
    use crate::test_pages::random_bitmap;

    #[test]
    fn clean_pages_decode_exactly_with_no_bad_lines() {
        for (seed, k) in [(1u64, None), (2, Some(2)), (3, Some(4))] {
            let b = random_bitmap(1728, 120, seed, 3);
            let opts = T4Options { k, rtc: true, ..T4Options::mh() };
            let (d, r) = decode_t4(&encode(&b, &opts), 1728, 120, k.is_some());
            assert_eq!(r, LineReport { lines: 120, bad_lines: 0, longest_bad_run: 0 }, "k {k:?}");
            assert!(d == b, "k {k:?}");
        }
    }

    #[test]
    fn a_damaged_line_is_counted_replaced_and_decoding_resumes() {
        let mut b = Bitmap::new(1728, 40);
        for y in 0..40 {
            b.fill_run(y, 100 + y * 3, 400 + y * 5);
            b.fill_run(y, 900, 905 + y);
        }
        let data = encode(&b, &T4Options::mh());
        // Corrupt bytes about the middle of the page.
        let mut bad = data.clone();
        let mid = bad.len() / 2;
        for byte in &mut bad[mid..mid + 3] {
            *byte ^= 0x5a;
        }
        let (d, r) = decode_t4(&bad, 1728, 40, false);
        assert!(r.bad_lines >= 1 && r.bad_lines <= 3, "{r:?}");
        assert_eq!(r.longest_bad_run, r.bad_lines, "{r:?}");
        // Lines away from the damage are exact.
        for y in (0..15).chain(25..40) {
            assert_eq!(d.row(y), b.row(y), "line {y}");
        }
        // Truncated data: the missing lines are bad.
        let (_, r) = decode_t4(&data[..data.len() / 2], 1728, 40, false);
        assert!(r.bad_lines >= 19 && r.bad_lines <= 21, "{r:?}");
    }

    #[test]
    fn fill_comes_out_and_every_line_stays() {
        for (seed, k) in [(4u64, None), (5, Some(2)), (6, Some(4))] {
            let b = random_bitmap(1728, 90, seed, 40);
            let data = encode(&b, &T4Options { k, rtc: true, min_line_bits: 2000, ..T4Options::mh() });
            let stripped = strip_fill(&data, 1728, k.is_some());
            assert!(stripped.len() * 2 < data.len(), "{} -> {}", data.len(), stripped.len());
            let (d, r) = decode_t4(&stripped, 1728, 90, k.is_some());
            assert_eq!(r.bad_lines, 0);
            assert_eq!(d, b);
            // Without fill there is nothing to take out.
            let bare = encode(&b, &T4Options { k, rtc: true, ..T4Options::mh() });
            assert_eq!(strip_fill(&bare, 1728, k.is_some()), bare);
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut s = 7u64;
        for len in [0usize, 1, 2, 5, 100, 3000] {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    s as u8
                })
                .collect();
            for two_d in [false, true] {
                let (_, r) = decode_t4(&data, 1728, 50, two_d);
                assert_eq!(r.lines, 50);
            }
        }
    }
}
