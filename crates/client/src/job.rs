//! FaxJob: a job of the queue, refreshed on demand, its commands, pages and document.

use ferrofax_api::{DocumentFormat, JobCommand, JobView};
use reqwest::Method;

use crate::server::{check, decode};
use crate::{FaxServer, Result};

/// A job. Its fields (those of [`JobView`]) are a snapshot; [`FaxJob::refresh`] renews them.
#[derive(Debug, Clone)]
pub struct FaxJob {
    server: FaxServer,
    view: JobView,
}

impl std::ops::Deref for FaxJob {
    type Target = JobView;
    fn deref(&self) -> &JobView {
        &self.view
    }
}

impl FaxJob {
    pub(crate) fn new(server: FaxServer, view: JobView) -> Self {
        FaxJob { server, view }
    }

    /// The snapshot as a plain value.
    pub fn view(&self) -> &JobView {
        &self.view
    }

    /// Reads the job's current state from the server.
    pub async fn refresh(&mut self) -> Result<()> {
        self.view = self.server.get(&format!("/v1/jobs/{}", self.view.job_id)).await?;
        Ok(())
    }

    /// Pause, Resume, Cancel or Restart (FaxJob.SetStatus); Delete removes an ended job. The
    /// snapshot is renewed from the answer.
    pub async fn set_status(&mut self, command: JobCommand) -> Result<()> {
        let id = self.view.job_id;
        if command == JobCommand::Delete {
            check(self.server.request(Method::DELETE, &format!("/v1/jobs/{id}"))?.send().await?).await?;
            return Ok(());
        }
        let resp = self.server.request(Method::POST, &format!("/v1/jobs/{id}/{}", command.as_str()))?.send().await?;
        self.view = decode(resp).await?;
        Ok(())
    }

    /// Page `n` (1-based) of the job's document as a single-page TIFF.
    pub async fn page(&self, n: u32) -> Result<Vec<u8>> {
        self.bytes(&format!("/v1/jobs/{}/pages/{n}", self.view.job_id)).await
    }

    /// Page `n` (1-based) as a PNG preview with square pixels.
    pub async fn page_png(&self, n: u32) -> Result<Vec<u8>> {
        self.bytes(&format!("/v1/jobs/{}/pages/{n}.png", self.view.job_id)).await
    }

    /// Page `n` (1-based) as a PNG picture `width` pixels wide (50–1728; 8-bit grey, square
    /// pixels), e.g. a thumbnail.
    pub async fn page_png_scaled(&self, n: u32, width: u32) -> Result<Vec<u8>> {
        self.bytes(&format!("/v1/jobs/{}/pages/{n}.png?width={width}", self.view.job_id)).await
    }

    /// Page `n` (1-based) as it goes (or went) on the line: a single-page TIFF, or a PNG with
    /// square pixels when `png`; with the branding line when the server's Branding is on.
    pub async fn page_as_sent(&self, n: u32, png: bool) -> Result<Vec<u8>> {
        let ext = if png { ".png" } else { "" };
        self.bytes(&format!("/v1/jobs/{}/pages/{n}{ext}?sent=true", self.view.job_id)).await
    }

    /// An outgoing fax's whole document as it goes (or went) on the line, branding line
    /// included.
    pub async fn document_as_sent(&self, format: DocumentFormat) -> Result<Vec<u8>> {
        self.bytes(&format!("/v1/jobs/{}/document?format={}&sent=true", self.view.job_id, format.as_str())).await
    }

    /// The job's whole document with its metadata: what an outgoing fax sends (cover page
    /// first, without the branding line) or what a received fax brought.
    pub async fn document(&self, format: DocumentFormat) -> Result<Vec<u8>> {
        self.bytes(&format!("/v1/jobs/{}/document?format={}", self.view.job_id, format.as_str())).await
    }

    async fn bytes(&self, path: &str) -> Result<Vec<u8>> {
        let resp = check(self.server.request(Method::GET, path)?.send().await?).await?;
        Ok(resp.bytes().await?.to_vec())
    }
}
