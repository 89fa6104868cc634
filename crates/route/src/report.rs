//! Delivery reports: the e-mail telling the sender of a fax how it ended (delivered or failed,
//! recipient, number, pages sent of all, attempts, the reason, times), with the first page as a
//! PNG picture shown in the message (an HTML part refers to it by Content-ID) beside a plain
//! text version.

use ferrofax_image::{Bitmap, CodedPage};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::mail::SmtpProfile;
use crate::{RouteError, SentFax, Templates};

/// The Content-ID of the first page's picture.
pub const THUMBNAIL_CID: &str = "page1@ferrofax";

/// The first page at half size with square pixels, as a 1-bit PNG.
pub fn thumbnail(page: &CodedPage) -> Result<Vec<u8>, RouteError> {
    let bitmap = page.decode(1)?;
    let r = page.resolution;
    let width = (bitmap.width() / 2).max(1);
    let height = ((bitmap.height() as u64 * r.x_dpi() as u64 / r.y_dpi() as u64 / 2) as u32).max(1);
    let small: Bitmap = bitmap.scaled(width, height);
    Ok(ferrofax_render::preview::bitmap_png(&small, r.x_dpi() / 2))
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The delivery report of `fax` to `to`; `first_page` is shown when given (a report is still
/// sent when the page cannot be read).
pub fn report_message(
    profile: &SmtpProfile,
    to: &[Mailbox],
    templates: &Templates,
    fax: &SentFax,
    first_page: Option<&CodedPage>,
) -> Result<Message, RouteError> {
    let (subject, body) = templates.report(fax)?;
    let picture = match first_page.map(thumbnail) {
        Some(Ok(png)) => Some(png),
        Some(Err(e)) => {
            tracing::warn!(job = fax.job_id, "delivery report without its picture: {e}");
            None
        }
        None => None,
    };
    let content = match picture {
        None => MultiPart::mixed().singlepart(SinglePart::plain(body)),
        Some(png) => {
            let html = format!(
                "<html><body><pre>{}</pre><p><img src=\"cid:{THUMBNAIL_CID}\" alt=\"page 1\" \
                 style=\"border:1px solid #888;max-width:100%\"></p></body></html>",
                html_escape(&body)
            );
            let png_type = ContentType::parse("image/png").expect("a MIME type");
            let image = Attachment::new_inline_with_name(THUMBNAIL_CID.into(), format!("fax-{}-page1.png", fax.job_id))
                .body(png, png_type);
            MultiPart::alternative()
                .singlepart(SinglePart::plain(body))
                .multipart(MultiPart::related().singlepart(SinglePart::html(html)).singlepart(image))
        }
    };
    profile
        .message(to, &subject)?
        .multipart(content)
        .map_err(|e| RouteError::Config(format!("the report could not be built: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_shows_the_outcome_and_the_first_page() {
        let profile: SmtpProfile =
            serde_json::from_value(serde_json::json!({"host": "h", "from": "fax@example.com"})).unwrap();
        let to = crate::mail::parse_recipients("me@example.com").unwrap();
        let mut b = Bitmap::new(1728, 1100);
        b.fill_run(500, 0, 1728);
        let page = CodedPage::encode_mmr(&b, ferrofax_image::Resolution::Standard);
        let png = thumbnail(&page).unwrap();
        let back = ferrofax_render::preview::read_bitmap_png(&png).unwrap();
        assert_eq!((back.width(), back.height()), (864, 1144), "half size, with square pixels (98 dpi rows stretched)");
        let failed =
            SentFax { delivered: false, result: "+1 555 0199 is busy".into(), pages_sent: 0, ..SentFax::sample() };
        let m = report_message(&profile, &to, &Templates::default(), &failed, Some(&page)).unwrap();
        let text = String::from_utf8_lossy(&m.formatted()).to_string();
        assert!(text.contains("Subject: Fax to Pharmacy (+1 555 0199): failed (0 of 2 pages)"), "{text}");
        assert!(text.contains("Content-ID: <page1@ferrofax>") && text.contains("image/png"), "{text}");
        assert!(text.contains("Message-ID: <"), "a report has its own Message-ID: {text}");
        let m = report_message(&profile, &to, &Templates::default(), &SentFax::sample(), None).unwrap();
        let text = String::from_utf8_lossy(&m.formatted()).to_string();
        assert!(text.contains("delivered") && !text.contains("image/png"));
    }
}
