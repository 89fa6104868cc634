//! Previews of a fax before it is submitted (`POST /v1/previews`). The upload goes through the
//! same checks and the same conversion as a submission, so a form gets the same problems for
//! the same fields; the cover page is filled for the first recipient, and the first
//! [`MAX_PREVIEW_PAGES`] pages are drawn as they will be sent (with the branding line when the
//! Branding setting is on) as thumbnails [`PREVIEW_WIDTH`] pixels wide. Nothing is stored.

use std::time::Instant;

use base64::Engine;
use ferrofax_api::document::{MAX_PREVIEW_PAGES, PREVIEW_WIDTH};
use ferrofax_api::{FaxDocFields, PreviewPage, PreviewResponse, Problem};
use ferrofax_image::CodedPage;
use ferrofax_render::BrandingLine;

use crate::auth::Caller;
use crate::service::{ApiResult, Core, internal};
use crate::submit::{Checked, Upload};

impl Core {
    /// Checks and converts an upload as [`Core::submit`] does and draws its first pages.
    /// The upload's idempotency key, if any, is not used.
    pub async fn preview(&self, caller: &Caller, up: Upload) -> ApiResult<PreviewResponse> {
        let started = Instant::now();
        let req = &up.request;
        let Checked { recipients, template } = self.check_request(req, up.coverpage.as_deref())?;
        let document = self.convert_document(up.document).await?;
        let first = recipients[0];
        let covers = match &template {
            Some(t) => self.render_covers(t, &[first], &req.doc, document.len() as u32).await?,
            None => Vec::new(),
        };
        let cover_pages = covers.len() as u32;
        let page_count = cover_pages + document.len() as u32;
        let branding = self.settings().branding.then(|| (self.tsid_to_send(&req.doc), self.now()));
        let to = first.fax_number.trim();
        let drawn = covers
            .into_iter()
            .map(|p| (p, true))
            .chain(document.into_iter().map(|p| (p, false)))
            .take(MAX_PREVIEW_PAGES as usize)
            .zip(1..)
            .map(|((page, cover), n)| {
                let line =
                    branding.as_ref().map(|(tsid, at)| self.branding_line(&req.doc, tsid, to, *at, n, page_count));
                tokio::task::spawn_blocking(move || draw(&page, n, cover, line.as_ref()))
            })
            .collect::<Vec<_>>();
        let mut pages = Vec::with_capacity(drawn.len());
        for task in drawn {
            pages.push(task.await.map_err(internal)??);
        }
        tracing::debug!(
            user = %caller.user,
            pages = page_count,
            drawn = pages.len(),
            ms = started.elapsed().as_millis() as u64,
            "previewed a fax"
        );
        Ok(PreviewResponse { page_count, cover_pages, pages })
    }

    /// The identity a fax would be sent with: its own TSID, unless it has none or the server
    /// uses the ports' (UseDeviceTsid); then that of the first port that sends.
    pub fn tsid_to_send(&self, doc: &FaxDocFields) -> String {
        if !doc.tsid.is_empty() && !self.settings().use_device_tsid {
            return doc.tsid.clone();
        }
        self.ports.read().expect("ports").iter().find(|p| p.send).map(|p| p.tsid.clone()).unwrap_or_default()
    }
}

/// Page `n` drawn as a thumbnail, branded as it will be sent when `line` is given.
fn draw(page: &CodedPage, n: u32, cover: bool, line: Option<&BrandingLine>) -> Result<PreviewPage, Problem> {
    let mut bitmap = page.decode(n).map_err(internal)?;
    if let Some(line) = line {
        bitmap = ferrofax_render::brand(&bitmap, page.resolution, line);
    }
    let t = ferrofax_render::preview::thumbnail_png(&bitmap, page.resolution, PREVIEW_WIDTH);
    let png = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(&t.png));
    Ok(PreviewPage { number: n, cover, width: t.width, height: t.height, png })
}
