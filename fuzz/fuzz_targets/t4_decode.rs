//! Arbitrary bytes as MH, MR and MMR page data of an arbitrary width: the decoders (the
//! strict one and the fax receiver's line decoder) must return, never panic or hang.
#![no_main]

use ferrofax_image::{CodedPage, Coding, Resolution};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let width = 1 + (u16::from_le_bytes([data[0], data[1]]) as u32 % 2600);
    let height = 1 + data[2] as u32;
    for coding in [Coding::Mh, Coding::Mr, Coding::Mmr] {
        let page = CodedPage {
            width,
            height,
            resolution: Resolution::Fine,
            coding,
            byte_aligned_eols: data[2] & 1 == 1,
            data: data[3..].to_vec(),
        };
        let _ = page.decode(1);
        let (bitmap, report) = page.decode_lines();
        assert_eq!((bitmap.width(), bitmap.height()), (width, height));
        assert!(report.bad_lines <= height && report.longest_bad_run <= report.bad_lines);
    }
});
