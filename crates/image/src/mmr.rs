//! A T.6 (MMR) encoder that works on colour changes rather than pixels: each row's changes
//! are found a byte at a time (whole white or black bytes are skipped), and coded with the
//! pass / vertical / horizontal modes of T.4 §4.2.1.3 against the previous row. The code
//! tables are those of the `fax` crate.

use fax::maps::{Mode, black, mode, white};
use fax::{BitWriter, Bits};

use crate::Bitmap;

/// Appends to `out` the positions where row `row` (packed, MSB first, `width` pixels) changes
/// colour, starting from white.
pub fn row_changes(row: &[u8], width: u32, out: &mut Vec<u32>) {
    out.clear();
    let mut black = false;
    let full = (width / 8) as usize;
    let mut i = 0usize;
    while i < full {
        // Skip eight bytes of the current colour at a time.
        if i + 8 <= full {
            let word = u64::from_ne_bytes(row[i..i + 8].try_into().expect("8 bytes"));
            if word == if black { u64::MAX } else { 0 } {
                i += 8;
                continue;
            }
        }
        let b = row[i];
        i += 1;
        let skip = if black { 0xff } else { 0x00 };
        if b == skip {
            continue;
        }
        let i = i - 1;
        let mut byte = if black { !b } else { b };
        let mut bit = 0u32;
        // Each set bit of `byte` (relative to the current colour) is a change.
        while byte != 0 {
            let lz = (byte << bit).leading_zeros().min(8 - bit);
            if lz >= 8 - bit {
                break;
            }
            bit += lz;
            out.push(i as u32 * 8 + bit);
            black = !black;
            byte = !byte;
            if bit >= 8 {
                break;
            }
        }
    }
    for x in (full as u32 * 8)..width {
        let b = row[(x >> 3) as usize] & (0x80 >> (x & 7)) != 0;
        if b != black {
            out.push(x);
            black = b;
        }
    }
}

/// Writes one run as MH codes (make-up codes, then a terminating code).
pub(crate) fn write_run<W: BitWriter<Error = std::convert::Infallible>>(w: &mut W, black_run: bool, mut n: u32) {
    let table = if black_run { &black::ENTRIES } else { &white::ENTRIES };
    let mut put = |n: u32| {
        let idx = if n >= 64 { 63 + n / 64 } else { n } as usize;
        let Ok(()) = w.write(table[idx].1);
    };
    while n >= 2560 {
        put(2560);
        n -= 2560;
    }
    if n >= 64 {
        put(n & !63);
        n &= 63;
    }
    put(n);
}

fn write_mode<W: BitWriter<Error = std::convert::Infallible>>(w: &mut W, m: Mode) {
    let Ok(()) = w.write(mode::encode(m).expect("every coding mode has a code"));
}

/// Whether MMR data ends with EOFB (two EOLs), followed only by zero padding.
pub fn ends_with_eofb(data: &[u8]) -> bool {
    let end = data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    if end == 0 {
        return false;
    }
    let start = end.saturating_sub(5);
    let mut v: u64 = 0;
    for &b in &data[start..end] {
        v = (v << 8) | b as u64;
    }
    let bits = (end - start) as u32 * 8;
    let tz = v.trailing_zeros();
    bits >= tz + 24 && (v >> tz) & 0xFF_FFFF == 0x00_1001
}

/// Codes a bitmap as T.6, ending with EOFB.
pub fn encode(bitmap: &Bitmap) -> Vec<u8> {
    let width = bitmap.width();
    let mut w = crate::t4::BitSink::new(bitmap.height() as usize * 16);
    let mut reference: Vec<u32> = Vec::new();
    let mut coding: Vec<u32> = Vec::new();
    for y in 0..bitmap.height() {
        row_changes(bitmap.row(y), width, &mut coding);
        encode_row(&mut w, &coding, &reference, width);
        std::mem::swap(&mut reference, &mut coding);
    }
    let eol = Bits { data: 1, len: 12 };
    let Ok(()) = w.write(eol);
    let Ok(()) = w.write(eol);
    w.finish()
}

/// b1 and b2 of T.4 §4.2.1.3.1: from `*from` (the first change on the reference line after
/// a0, kept between calls since a0 only moves right), the first change to the colour opposite
/// a0's, and the change after it.
#[inline]
fn b1_b2(changes: &[u32], from: &mut usize, after: i64, colour_black: bool, width: u32) -> (u32, u32) {
    while *from < changes.len() && (changes[*from] as i64) <= after {
        *from += 1;
    }
    // A change at an even index turns to black, at an odd index to white.
    let mut i = *from;
    if i.is_multiple_of(2) == colour_black {
        i += 1;
    }
    let b1 = changes.get(i).copied().unwrap_or(width);
    let b2 = changes.get(i + 1).copied().unwrap_or(width);
    (b1, b2)
}

/// Codes one row two-dimensionally against `reference` (the previous row's changes).
pub(crate) fn encode_row<W: BitWriter<Error = std::convert::Infallible>>(
    w: &mut W,
    coding: &[u32],
    reference: &[u32],
    width: u32,
) {
    let mut a0: i64 = -1;
    let mut black_colour = false;
    let mut next = 0usize; // index in `coding` of the first change after a0
    let mut from = 0usize; // index in `reference` of the first change after a0
    while a0 < width as i64 {
        while next < coding.len() && (coding[next] as i64) <= a0 {
            next += 1;
        }
        let a1 = coding.get(next).copied().unwrap_or(width);
        let (b1, b2) = b1_b2(reference, &mut from, a0, black_colour, width);
        if b2 < a1 {
            write_mode(w, Mode::Pass);
            a0 = b2 as i64;
        } else if a1.abs_diff(b1) <= 3 {
            write_mode(w, Mode::Vertical((a1 as i64 - b1 as i64) as i8));
            a0 = a1 as i64;
            black_colour = !black_colour;
        } else {
            let a2 = coding.get(next + 1).copied().unwrap_or(width);
            write_mode(w, Mode::Horizontal);
            let start = a0.max(0) as u32;
            write_run(w, black_colour, a1 - start);
            write_run(w, !black_colour, a2 - a1);
            a0 = a2 as i64;
        }
    }
}

#[cfg(test)]
mod eofb_tests {
    use super::*;

    #[test]
    fn eofb_is_found_at_any_bit_position() {
        for h in 1..20 {
            let mut b = Bitmap::new(100 + h, h);
            b.fill_run(0, 3, 3 + h * 3);
            let mut data = encode(&b);
            assert!(ends_with_eofb(&data), "{h}");
            data.extend_from_slice(&[0, 0, 0]);
            assert!(ends_with_eofb(&data));
        }
        assert!(!ends_with_eofb(&[]));
        assert!(!ends_with_eofb(&[0xff, 0xff]));
        assert!(!ends_with_eofb(&[0x00, 0x10, 0x02]));
        assert!(ends_with_eofb(&[0x00, 0x10, 0x01]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_pages::random_bitmap;
    use crate::{CodedPage, Resolution};
    use proptest::prelude::*;

    #[test]
    fn changes_of_a_row() {
        let mut b = Bitmap::new(30, 1);
        b.fill_run(0, 0, 3);
        b.fill_run(0, 8, 16);
        b.fill_run(0, 27, 30);
        let mut c = Vec::new();
        row_changes(b.row(0), 30, &mut c);
        let mut slow = Vec::new();
        b.changes(0, &mut slow);
        assert_eq!(c, slow);
        assert_eq!(c, vec![0, 3, 8, 16, 27]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn changes_match_the_pixelwise_scan(width in 1u32..200, seed in any::<u64>(), density in 1u64..40) {
            let b = random_bitmap(width, 1, seed, density);
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            row_changes(b.row(0), width, &mut fast);
            b.changes(0, &mut slow);
            prop_assert_eq!(fast, slow);
        }

        /// The same bytes as the `fax` crate's pixel-wise encoder, and decodable by
        /// hayro-ccitt to the same pixels.
        #[test]
        fn agrees_with_the_fax_crate_and_decodes(width in 1u32..400, height in 1u32..30, seed in any::<u64>(), density in 1u64..60) {
            let b = random_bitmap(width, height, seed, density);
            let ours = encode(&b);
            let mut reference = fax::encoder::Encoder::new(fax::VecWriter::new());
            for y in 0..height {
                let row = b.row(y);
                let pels = (0..width).map(|x| if row[(x >> 3) as usize] & (0x80 >> (x & 7)) != 0 { fax::Color::Black } else { fax::Color::White });
                let Ok(()) = reference.encode_line(pels, width);
            }
            let Ok(writer) = reference.finish();
            prop_assert_eq!(&ours, &writer.finish());
            let page = CodedPage { width, height, resolution: Resolution::Fine, coding: crate::Coding::Mmr, byte_aligned_eols: false, data: ours };
            prop_assert_eq!(page.decode(1).unwrap(), b);
        }
    }
}
