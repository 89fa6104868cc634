//! Golden pages: text, a photograph, a PDF page, each shipped cover template and the branding
//! line, rendered and compared with PNGs that were looked at and committed. Pages are compared
//! as ink per 8 × 8 block, so that dither patterns may shift; a changed stroke fails, and the
//! page made is written to the temporary folder for comparison.

use std::path::PathBuf;

use ferrofax_image::{Bitmap, Resolution};
use ferrofax_render::preview::{bitmap_png, read_bitmap_png};
use ferrofax_render::{BUILTIN_TEMPLATES, BrandingLine, ConvertOptions, brand, convert_to_pages, fill_template};

fn dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join(sub)
}

fn check(name: &str, page: &Bitmap) {
    let path = dir("golden").join(format!("{name}.png"));
    if std::env::var_os("FERROFAX_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, bitmap_png(page, 204)).unwrap();
        return;
    }
    let golden = read_bitmap_png(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!((page.width(), page.height()), (golden.width(), golden.height()), "{name}: size");
    // Compared as ink per 8 × 8 block: a dithered grey may fall into another pattern after the
    // smallest change in a grey level (or another machine's SIMD width) and still look the
    // same, while a missing, moved or thickened stroke changes its blocks.
    let blocks = |b: &Bitmap| -> Vec<u32> {
        let (bw, bh) = (b.width().div_ceil(8), b.height().div_ceil(8));
        let mut out = vec![0u32; (bw * bh) as usize];
        for y in 0..b.height() {
            for (bx, byte) in b.row(y).iter().enumerate() {
                out[((y / 8) * bw) as usize + bx] += byte.count_ones();
            }
        }
        out
    };
    let (ours, theirs) = (blocks(page), blocks(&golden));
    let changed = ours.iter().zip(&theirs).filter(|(a, b)| a.abs_diff(**b) > 12).count();
    let ink_diff: u64 = ours.iter().zip(&theirs).map(|(a, b)| a.abs_diff(*b) as u64).sum();
    let allowed_blocks = theirs.iter().filter(|&&n| n > 0).count() / 200 + 5;
    let allowed_ink = golden.black_pixels() / 25 + 100;
    if changed > allowed_blocks || ink_diff > allowed_ink {
        let made = std::env::temp_dir().join(format!("ferrofax-golden-{name}.png"));
        std::fs::write(&made, bitmap_png(page, 204)).unwrap();
        panic!(
            "{name}: {changed} blocks of 8 × 8 changed (allowed {allowed_blocks}), ink differs by {ink_diff} pixels \
             (allowed {allowed_ink}); made: {}",
            made.display()
        );
    }
}

fn fields() -> Vec<(String, String)> {
    [
        ("recipient_name", "Dr. Ann Jones"),
        ("recipient_company", "St. Mary's Hospital"),
        ("recipient_department", "Cardiology"),
        ("recipient_title", "Consultant"),
        ("recipient_office_phone", "+1 555 0101"),
        ("fax_number", "+1 555 0100"),
        ("sender_name", "Bob Smith"),
        ("sender_title", "Pharmacist"),
        ("sender_company", "Northside Pharmacy & Co"),
        ("sender_department", "Prescriptions"),
        ("sender_address", "12 Example Street, Springfield"),
        ("sender_fax", "+1 555 0199"),
        ("sender_office_phone", "+1 555 0198"),
        ("coverpage_subject", "Prescription refill for patient 0042 — please confirm"),
        ("coverpage_note", "Dear Dr. Jones,\n\nplease confirm the two prescriptions on the next page. Call us if a page is missing.\n\nThank you, Bob"),
        ("date", "2026-11-24"),
        ("time", "09:30"),
        ("page_count", "3"),
        ("document_pages", "2"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn first_page(bytes: &[u8]) -> Bitmap {
    convert_to_pages(bytes, &ConvertOptions::default()).unwrap().1.remove(0)
}

#[test]
fn text_page() {
    let text = "ferrofax golden text page\n\nLatin: Grüße aus Köln, ça va ? ¿Qué tal?\nGreek: Καλημέρα σας\n\
                Cyrillic: Здравствуйте\nTabs:\tone\ttwo\tthree\nA long line that goes on and on to show that \
                words are wrapped at spaces rather than cut in the middle when they reach the right margin.\n";
    check("text", &first_page(text.as_bytes()));
}

#[test]
fn photograph() {
    check("photo", &first_page(&std::fs::read(dir("data").join("photo.jpg")).unwrap()));
}

#[test]
fn pdf_page() {
    check("pdf-letter", &first_page(&std::fs::read(dir("data").join("letter.pdf")).unwrap()));
}

#[test]
fn cover_templates() {
    let f = fields();
    for (name, template) in BUILTIN_TEMPLATES {
        let filled = fill_template(template, &f, true).unwrap();
        let page = ferrofax_render::render_cover(&filled, &Default::default()).unwrap();
        check(&format!("cover-{}", name.trim_end_matches(".svg")), &page);
    }
}

#[test]
fn branding_line() {
    let page = first_page(&std::fs::read(dir("data").join("letter.pdf")).unwrap());
    let line = BrandingLine {
        when: "2026-11-24 09:30".into(),
        from: "Northside Pharmacy +1 555 0199".into(),
        to: "+1 555 0100".into(),
        page: 2,
        pages: 3,
    };
    check("branding", &brand(&page, Resolution::Fine, &line));
}
