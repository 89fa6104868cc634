//! Test pages: a print-like page generator, and TIFF files of pages for SpanDSP to send or
//! that SpanDSP wrote, shared by the T.38 and the audio interop tests.

use std::path::Path;

use ferrofax_image::{Bitmap, CodedPage, FaxMetadata, ReadLimits, Resolution, read_tiff, write_tiff};
use ferrofax_t30::SendPage;

/// A page of print-like marks, rules and a chequered block; `seed` varies it.
pub fn page(seed: u32, resolution: Resolution) -> Bitmap {
    let h = match resolution {
        Resolution::Standard => 1143,
        Resolution::Superfine => 4400,
        _ => 2286,
    };
    let mut b = Bitmap::new(1728, h);
    let mut s = seed.wrapping_mul(2_654_435_761) | 1;
    let line_h = h / 60;
    for row in 0..55 {
        let y = 60 + row * line_h;
        let mut x = 120;
        while x < 1600 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let w = 4 + s % 22;
            if !s.is_multiple_of(5) {
                for yy in y..(y + line_h * 2 / 3).min(h) {
                    b.fill_run(yy, x, x + w);
                }
            }
            x += w + 3 + (s >> 8) % 9;
        }
    }
    for y in 20..24 {
        b.fill_run(y, 40, 1688);
    }
    for y in (h - 200)..(h - 100) {
        for x in (100..400).step_by(8) {
            if (x / 8 + y / 4) % 2 == 0 {
                b.fill_run(y, x, x + 4);
            }
        }
    }
    b
}

/// The pages as a TIFF SpanDSP can send (MMR strips).
/// Writes `pages` as an MMR fax TIFF at `path`.
pub fn write_pages(path: &Path, pages: &[SendPage]) {
    let coded: Vec<CodedPage> =
        pages.iter().map(|p| CodedPage::encode_mmr(&p.bitmap().unwrap(), p.resolution)).collect();
    std::fs::write(path, write_tiff(&coded, &FaxMetadata::default())).unwrap();
}

/// The pages SpanDSP wrote, decoded.
/// The pages of the TIFF at `path` (panics if there is none or it does not decode).
pub fn read_pages(path: &Path) -> Vec<Bitmap> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("SpanDSP wrote no TIFF at {}: {e}", path.display()));
    let tiff = read_tiff(&bytes, ReadLimits::default()).expect("SpanDSP's TIFF reads");
    (0..tiff.pages.len()).map(|i| tiff.decode_page(i).expect("page decodes")).collect()
}
