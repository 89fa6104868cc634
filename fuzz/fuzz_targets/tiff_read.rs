//! Arbitrary bytes as a TIFF: the reader and the page decoders must return an error or pages
//! within the limits, never panic, hang or allocate beyond the limits.
#![no_main]

use ferrofax_image::{ReadLimits, read_tiff};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = ReadLimits { max_pages: 8, max_width: 4096, max_height: 4096 };
    if let Ok(tiff) = read_tiff(data, limits) {
        assert!(tiff.pages.len() <= 8);
        for i in 0..tiff.pages.len() {
            let _ = tiff.decode_page(i);
            let _ = tiff.decode_page_lines(i);
            if let Some(page) = tiff.coded_page(i) {
                let _ = page.decode(1);
            }
        }
    }
});
