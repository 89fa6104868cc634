//! A fax as a PDF file: one page per fax page, sized from the page's resolution (a 1728-pixel
//! line at 204 dpi is 8.47 inches wide; 1145 lines at 98 dpi are 11.68 inches high), each
//! showing its image as a CCITT Group 4 stream (`/CCITTFaxDecode`, `K -1`). Clean MMR pages go
//! in unchanged; MH and MR pages (and MMR without its end-of-block mark) are decoded and coded
//! again as MMR first.

use std::borrow::Cow;

use ferrofax_image::{CodedPage, Coding};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, TextStr};

use crate::RouteError;

/// The page as MMR ending with EOFB, coded again only when it is not.
pub fn as_g4(page: &CodedPage, n: u32) -> Result<Cow<'_, CodedPage>, RouteError> {
    if page.coding == Coding::Mmr && ferrofax_image::mmr::ends_with_eofb(&page.data) {
        return Ok(Cow::Borrowed(page));
    }
    let bitmap = page.decode(n)?;
    Ok(Cow::Owned(CodedPage::encode_mmr(&bitmap, page.resolution)))
}

/// The page's size in PDF points (1/72 inch).
pub fn page_points(page: &CodedPage) -> (f32, f32) {
    let w = page.width as f64 * 72.0 / page.resolution.x_dpi() as f64;
    let h = page.height as f64 * 72.0 / page.resolution.y_dpi() as f64;
    (w as f32, h as f32)
}

/// The pages as a PDF document titled `title`.
pub fn fax_pdf(pages: &[CodedPage], title: &str) -> Result<Vec<u8>, RouteError> {
    if pages.is_empty() {
        return Err(RouteError::Config("a fax without pages makes no PDF".into()));
    }
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    // Each page takes three objects: the page, its image and its content stream.
    let ids = |i: usize| {
        let base = 4 + 3 * i as i32;
        (Ref::new(base), Ref::new(base + 1), Ref::new(base + 2))
    };
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids((0..pages.len()).map(|i| ids(i).0)).count(pages.len() as i32);
    for (i, page) in pages.iter().enumerate() {
        let (page_id, image_id, content_id) = ids(i);
        let g4 = as_g4(page, i as u32 + 1)?;
        let (w, h) = page_points(&g4);
        let mut image = pdf.image_xobject(image_id, &g4.data);
        image.filter(Filter::CcittFaxDecode);
        image.decode_parms().k(-1).columns(g4.width as i32).rows(g4.height as i32);
        image.width(g4.width as i32).height(g4.height as i32).bits_per_component(1);
        image.color_space().device_gray();
        image.finish();

        let mut content = Content::new();
        content.save_state().transform([w, 0.0, 0.0, h, 0.0, 0.0]).x_object(Name(b"Im1")).restore_state();
        pdf.stream(content_id, &content.finish());

        let mut p = pdf.page(page_id);
        p.parent(tree).media_box(Rect::new(0.0, 0.0, w, h)).contents(content_id);
        p.resources().x_objects().pair(Name(b"Im1"), image_id);
        p.finish();
    }
    pdf.document_info(info).title(TextStr(title)).producer(TextStr(concat!("ferrofax ", env!("CARGO_PKG_VERSION"))));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrofax_image::{Bitmap, Resolution};

    #[test]
    fn page_size_follows_the_resolution_and_mh_pages_become_g4() {
        let mut b = Bitmap::new(1728, 98);
        b.fill_run(5, 100, 900);
        let mh = CodedPage::encode(&b, Coding::Mh, Resolution::Standard, false);
        let (w, h) = page_points(&mh);
        assert!((w - 609.88).abs() < 0.01 && (h - 72.0).abs() < 0.01, "{w} × {h}");
        let g4 = as_g4(&mh, 1).unwrap();
        assert_eq!(g4.coding, Coding::Mmr);
        assert_eq!(g4.decode(1).unwrap(), b);
        let mmr = CodedPage::encode_mmr(&b, Resolution::Fine);
        assert!(matches!(as_g4(&mmr, 1).unwrap(), Cow::Borrowed(_)), "clean MMR goes in as it is");
        let pdf = fax_pdf(&[mh, mmr], "Fax").unwrap();
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        assert_eq!(text.matches("/CCITTFaxDecode").count(), 2);
        assert_eq!(text.matches("/K -1").count(), 2);
    }
}
