//! The PDF of a fax, read by Ghostscript (an implementation no one here wrote): each page
//! rendered at its own resolution gives back exactly the fax page's pixels, whatever coding
//! (MH, MR, MMR) the page had.

use ferrofax_image::{Bitmap, CodedPage, Coding, Resolution};
use ferrofax_route::pdf::fax_pdf;
use support::ghostscript::{ghostscript, render_page};

mod support;

/// A page with text, rules and scattered dots (runs of every length), `height` lines.
fn page(height: u32, seed: u64) -> Bitmap {
    let opts = ferrofax_render::ConvertOptions::default();
    let text = format!("Fax page {seed}\nThe quick brown fox jumps over the lazy dog 0123456789\n");
    let (_, pages) = ferrofax_render::convert_to_pages(text.as_bytes(), &opts).unwrap();
    let mut b = pages[0].scaled(1728, height);
    let mut s = seed | 1;
    for y in (height / 2)..height {
        for x in 0..1728 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            if s.is_multiple_of(7) {
                b.set(x, y, true);
            }
        }
    }
    b.fill_run(height / 3, 100, 1628);
    b
}

#[test]
fn ghostscript_renders_every_page_pixel_for_pixel() {
    let Some(gs) = ghostscript() else { return };
    let pages = [
        (page(2200, 1), Coding::Mmr, Resolution::Fine),
        (page(1100, 2), Coding::Mh, Resolution::Standard),
        (page(2200, 3), Coding::Mr, Resolution::Fine),
    ];
    let coded: Vec<CodedPage> = pages.iter().map(|(b, coding, r)| CodedPage::encode(b, *coding, *r, false)).collect();
    let pdf = fax_pdf(&coded, "Test fax").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fax.pdf");
    std::fs::write(&path, &pdf).unwrap();
    for (i, (bitmap, coding, r)) in pages.iter().enumerate() {
        let got = render_page(gs, &path, i + 1, r.x_dpi(), r.y_dpi());
        assert_eq!((got.width(), got.height()), (bitmap.width(), bitmap.height()), "page {} ({coding:?})", i + 1);
        assert!(got == *bitmap, "page {} ({coding:?}) differs from the fax page", i + 1);
        assert!(bitmap.black_pixels() > 10_000);
    }
}
