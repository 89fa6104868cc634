//! Delivery reports through a real SMTP server (aiosmtpd): one when a fax is delivered, with
//! its first page as a PNG; one when a fax fails for good, after its last retry and not before.

mod support;

use mail_parser::MimeHeaders;
use serde_json::json;
use support::smtp::{Mail, Smtp};
use support::{Faxd, loopback_config};

const MIN: i64 = 60_000;

async fn faxd_with_reports(smtp: &Smtp) -> Faxd {
    let mut config = loopback_config(1.0);
    config.smtp_profiles.insert("reports".into(), smtp.profile());
    let f = Faxd::start(config).await;
    let (s, v) = f.patch("/v1/server", json!({"server_mapi_profile": "reports"})).await;
    assert_eq!(s, 200, "{v}");
    f
}

fn png_of(mail: &Mail) -> ferrofax_image::Bitmap {
    let m = mail.parsed();
    let png = m.attachments().find(|a| a.is_content_type("image", "png")).expect("a PNG part");
    assert_eq!(png.content_id(), Some("page1@ferrofax"), "shown inline, by Content-ID");
    ferrofax_render::preview::read_bitmap_png(png.contents()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivered_fax_is_reported_with_its_first_page() {
    let Some(smtp) = Smtp::start().await else { return };
    let f = faxd_with_reports(&smtp).await;
    let fax = json!({"fax_number": "+1 555 0199", "recipient_name": "Pharmacy", "email_address": "sender@test.example",
        "display_name": "Prescription"});
    let (sent, _) = f.fax_through(fax, "Page one\x0cPage two").await;
    let mails = smtp.wait_for(1).await;
    let m = mails[0].parsed();
    assert_eq!(m.header_raw("X-RcptTo").map(str::trim), Some("sender@test.example"));
    assert_eq!(m.subject(), Some("Fax to Pharmacy (+1 555 0199): delivered (2 of 2 pages)"));
    let body = m.body_text(0).unwrap();
    for want in [
        format!("Job:          {sent}"),
        "Document:     Prescription".into(),
        "Attempts:     1".into(),
        "Receiver:     +1 555 0200".into(),
    ] {
        assert!(body.contains(&want), "the report lacks `{want}`:\n{body}");
    }
    let html = m.body_html(0).unwrap();
    assert!(html.contains("cid:page1@ferrofax"), "{html}");
    // The picture is the first page sent, at half size with square pixels.
    let r = f.http.get(format!("{}/v1/jobs/{sent}/pages/1", f.url)).bearer_auth(&f.admin).send().await.unwrap();
    let (first, res) = support::tiff_pages(&r.bytes().await.unwrap()).remove(0);
    let height = (first.height() as u64 * res.x_dpi() as u64 / res.y_dpi() as u64 / 2) as u32;
    let picture = png_of(&mails[0]);
    assert_eq!((picture.width(), picture.height()), (864, height));
    assert!(picture == first.scaled(864, height), "the picture shows the first page");
    assert!(picture.black_pixels() > 100, "with its text");
    // Nothing else is sent, for this or for the received copy.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_fax_is_reported_once_after_its_last_retry() {
    let Some(smtp) = Smtp::start().await else { return };
    let f = faxd_with_reports(&smtp).await;
    f.patch("/v1/server", json!({"retries": 1, "retry_delay": 1})).await;
    // 666… answers busy on the test line.
    let id = f.submit_text(json!({"fax_number": "666 1234", "email_address": "Sender <sender@test.example>"})).await[0];
    f.advance_until(id, 1000, 10 * MIN, |j| j["queue_status"] == "retrying").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 0, "no report while the fax is retried");
    let j = f.advance_until(id, 10_000, 10 * MIN, |j| j["queue_status"] == "retries_exceeded").await;
    assert_eq!(j["attempts"], 2);
    let mails = smtp.wait_for(1).await;
    let m = mails[0].parsed();
    assert_eq!(m.subject(), Some("Fax to 666 1234: failed (0 of 1 pages)"));
    let body = m.body_text(0).unwrap();
    assert!(body.contains("Attempts:     2"), "{body}");
    assert!(body.contains("Result:       666 1234 is busy (after 2 attempts)"), "{body}");
    assert!(png_of(&mails[0]).black_pixels() > 100);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 1, "one report");
}
