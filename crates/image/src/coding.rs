//! T.4 (MH, MR) and T.6 (MMR) page coding. MMR is encoded with the `fax` crate; all three are
//! decoded with `hayro-ccitt`.

use crate::{Bitmap, ImageError, Resolution};

/// How a page's scan lines are coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// T.4 one-dimensional (Modified Huffman).
    Mh,
    /// T.4 two-dimensional (Modified READ).
    Mr,
    /// T.6 (Modified Modified READ).
    Mmr,
}

impl Coding {
    pub fn name(self) -> &'static str {
        match self {
            Coding::Mh => "MH",
            Coding::Mr => "MR",
            Coding::Mmr => "MMR",
        }
    }
}

/// One page as coded bytes, most significant bit first, with what it takes to decode it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedPage {
    pub width: u32,
    pub height: u32,
    pub resolution: Resolution,
    pub coding: Coding,
    /// For MH/MR: every EOL is preceded by fill bits so that it ends on a byte boundary.
    pub byte_aligned_eols: bool,
    pub data: Vec<u8>,
}

impl CodedPage {
    /// Codes a bitmap as MMR (T.6), ending with EOFB.
    pub fn encode_mmr(bitmap: &Bitmap, resolution: Resolution) -> Self {
        CodedPage {
            width: bitmap.width(),
            height: bitmap.height(),
            resolution,
            coding: Coding::Mmr,
            byte_aligned_eols: false,
            data: crate::mmr::encode(bitmap),
        }
    }

    /// Codes a bitmap as `coding`: MR with K = 2 at standard resolution and 4 above; MH and MR
    /// with an EOL before each line and no RTC, as TIFF strips hold them.
    pub fn encode(bitmap: &Bitmap, coding: Coding, resolution: Resolution, byte_aligned_eols: bool) -> Self {
        let opts = match coding {
            Coding::Mmr => return Self::encode_mmr(bitmap, resolution),
            Coding::Mh => crate::T4Options::mh(),
            Coding::Mr => crate::T4Options::mr(resolution.mr_k()),
        };
        let opts = crate::T4Options { byte_aligned_eols, ..opts };
        CodedPage {
            width: bitmap.width(),
            height: bitmap.height(),
            resolution,
            coding,
            byte_aligned_eols,
            data: crate::t4::encode(bitmap, &opts),
        }
    }

    /// Decodes the page. `page` (1-based) names it in errors.
    pub fn decode(&self, page: u32) -> Result<Bitmap, ImageError> {
        let mut sink = RowSink::new(self.width, self.height);
        if self.width == 0 || self.height == 0 {
            return Ok(sink.bitmap);
        }
        let settings = hayro_ccitt::DecodeSettings {
            columns: self.width,
            rows: self.height,
            end_of_block: self.coding == Coding::Mmr,
            end_of_line: self.coding != Coding::Mmr,
            rows_are_byte_aligned: false,
            encoding: match self.coding {
                Coding::Mh => hayro_ccitt::EncodingMode::Group3_1D,
                Coding::Mr => hayro_ccitt::EncodingMode::Group3_2D,
                Coding::Mmr => hayro_ccitt::EncodingMode::Group4,
            },
            strict: false,
        };
        let mut ctx = hayro_ccitt::DecoderContext::new(settings);
        let result = hayro_ccitt::decode(&self.data, &mut sink, &mut ctx);
        if sink.y < self.height {
            let reason = match result {
                Err(e) => format!("{e:?} after {} of {} lines", sink.y, self.height),
                Ok(_) => format!("data ends after {} of {} lines", sink.y, self.height),
            };
            return Err(ImageError::Corrupt { page, reason });
        }
        Ok(sink.bitmap)
    }
}

impl CodedPage {
    /// Decodes the page as a fax receiver does: damaged lines (MH, MR) are replaced by the
    /// line above and counted; MMR, having no EOLs to resynchronise at, counts every line from
    /// the damage on as bad.
    pub fn decode_lines(&self) -> (Bitmap, crate::LineReport) {
        match self.coding {
            Coding::Mh | Coding::Mr => crate::decode_t4(&self.data, self.width, self.height, self.coding == Coding::Mr),
            Coding::Mmr => {
                let mut sink = RowSink::new(self.width, self.height);
                if self.width > 0 && self.height > 0 {
                    let settings = mmr_settings(self.width, self.height);
                    let mut ctx = hayro_ccitt::DecoderContext::new(settings);
                    let _ = hayro_ccitt::decode(&self.data, &mut sink, &mut ctx);
                }
                let missing = self.height - sink.y.min(self.height);
                let report = crate::LineReport { lines: self.height, bad_lines: missing, longest_bad_run: missing };
                (sink.bitmap, report)
            }
        }
    }
}

/// Decodes a page received from a fax line, whose length is not known beforehand, as a fax
/// receiver does: MH and MR line by line up to RTC (damaged lines replaced by the line above and
/// counted), MMR up to EOFB (every line after damage counts as bad, and damage ends the page).
/// At most `max_lines` lines are kept.
pub fn decode_received(coding: Coding, data: &[u8], width: u32, max_lines: u32) -> (Bitmap, crate::LineReport) {
    match coding {
        Coding::Mh | Coding::Mr => crate::decode_t4_page(data, width, max_lines, coding == Coding::Mr),
        Coding::Mmr => {
            let mut sink = GrowingSink { bitmap: Bitmap::new(width, 0), y: 0, max: max_lines };
            let mut report = crate::LineReport::default();
            if width > 0 && max_lines > 0 {
                let settings = mmr_settings(width, max_lines);
                let mut ctx = hayro_ccitt::DecoderContext::new(settings);
                if hayro_ccitt::decode(data, &mut sink, &mut ctx).is_err() {
                    // The rest of the page is lost; the line where decoding stopped is bad.
                    report.bad_lines = 1;
                    report.longest_bad_run = 1;
                }
            }
            sink.bitmap.set_height(sink.y);
            report.lines = sink.y;
            (sink.bitmap, report)
        }
    }
}

/// Decoder settings for MMR (T.6) ending with EOFB, leniently.
fn mmr_settings(columns: u32, rows: u32) -> hayro_ccitt::DecodeSettings {
    hayro_ccitt::DecodeSettings {
        columns,
        rows,
        end_of_block: true,
        end_of_line: false,
        rows_are_byte_aligned: false,
        encoding: hayro_ccitt::EncodingMode::Group4,
        strict: false,
    }
}

/// Collects decoded rows of a page of unknown length.
struct GrowingSink {
    bitmap: Bitmap,
    y: u32,
    max: u32,
}

impl hayro_ccitt::Decoder for GrowingSink {
    fn push_row(&mut self, changes: &[u32]) {
        if self.y >= self.max {
            return;
        }
        if self.y >= self.bitmap.height() {
            let grown = (self.bitmap.height() * 2).max(64).min(self.max);
            self.bitmap.set_height(grown);
        }
        let width = self.bitmap.width();
        for pair in changes.chunks(2) {
            self.bitmap.fill_run(self.y, pair[0], pair.get(1).copied().unwrap_or(width));
        }
        self.y += 1;
    }
}

/// Collects decoded rows into a bitmap.
pub(crate) struct RowSink {
    bitmap: Bitmap,
    y: u32,
}

impl RowSink {
    pub(crate) fn new(width: u32, height: u32) -> Self {
        RowSink { bitmap: Bitmap::new(width, height), y: 0 }
    }

    /// The bitmap, if every row arrived.
    pub(crate) fn finish(self, page: u32) -> Result<Bitmap, ImageError> {
        if self.y < self.bitmap.height() {
            return Err(ImageError::Corrupt {
                page,
                reason: format!("data ends after {} of {} lines", self.y, self.bitmap.height()),
            });
        }
        Ok(self.bitmap)
    }
}

impl hayro_ccitt::Decoder for RowSink {
    fn push_row(&mut self, changes: &[u32]) {
        if self.y >= self.bitmap.height() {
            return;
        }
        let width = self.bitmap.width();
        let mut i = 0;
        while i < changes.len() {
            let start = changes[i];
            let end = changes.get(i + 1).copied().unwrap_or(width);
            self.bitmap.fill_run(self.y, start, end);
            i += 2;
        }
        self.y += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn mmr_round_trips(width in 1u32..300, height in 1u32..40, seed in any::<u64>()) {
            let mut b = Bitmap::new(width, height);
            let mut s = seed | 1;
            for y in 0..height {
                for x in 0..width {
                    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                    if s % 3 == 0 { b.set(x, y, true); }
                }
            }
            let page = CodedPage::encode_mmr(&b, Resolution::Fine);
            prop_assert_eq!(page.decode(1).unwrap(), b);
        }

        #[test]
        fn pages_of_unknown_length_decode_to_their_own_length(height in 1u32..60, seed in any::<u64>()) {
            let b = crate::test_pages::random_bitmap(1728, height, seed, 5);
            let mmr = CodedPage::encode_mmr(&b, Resolution::Fine);
            let (d, r) = decode_received(Coding::Mmr, &mmr.data, 1728, 10_000);
            prop_assert_eq!(&d, &b);
            prop_assert_eq!(r.bad_lines, 0);
            for (coding, k) in [(Coding::Mh, None), (Coding::Mr, Some(4))] {
                let data = crate::t4::encode(&b, &crate::T4Options { k, rtc: true, min_line_bits: 300, ..crate::T4Options::mh() });
                let mut padded = data.clone();
                padded.extend_from_slice(&[0; 40]);
                let (d, r) = decode_received(coding, &padded, 1728, 10_000);
                prop_assert_eq!(&d, &b);
                prop_assert_eq!(r, crate::LineReport { lines: height, bad_lines: 0, longest_bad_run: 0 });
            }
            let (d, _) = decode_received(Coding::Mmr, &mmr.data, 1728, 7);
            prop_assert_eq!(d.height(), height.min(7));
        }

        #[test]
        fn decoding_garbage_never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            for coding in [Coding::Mh, Coding::Mr, Coding::Mmr] {
                let p = CodedPage { width: 1728, height: 20, resolution: Resolution::Fine,
                    coding, byte_aligned_eols: false, data: data.clone() };
                let _ = p.decode(1);
            }
        }
    }
}
