//! FaxPort: a fax line, its live status and routing methods, and its settings.

use ferrofax_api::{FaxStatus, PortPatch, PortView, RoutingMethodPatch, RoutingMethodView};
use reqwest::Method;

use crate::{FaxServer, Result};

/// A fax line. Its fields (those of [`PortView`]) are a snapshot.
#[derive(Debug, Clone)]
pub struct FaxPort {
    server: FaxServer,
    view: PortView,
}

impl std::ops::Deref for FaxPort {
    type Target = PortView;
    fn deref(&self) -> &PortView {
        &self.view
    }
}

impl FaxPort {
    pub(crate) fn new(server: FaxServer, view: PortView) -> Self {
        FaxPort { server, view }
    }

    /// What the line is doing now (FaxStatus).
    pub async fn status(&self) -> Result<FaxStatus> {
        self.server.get(&format!("/v1/ports/{}/status", self.view.device_id)).await
    }

    /// The routing methods run for faxes received on this line.
    pub async fn routing_methods(&self) -> Result<Vec<RoutingMethodView>> {
        self.server.get(&format!("/v1/ports/{}/routing", self.view.device_id)).await
    }

    /// Enables, disables or configures routing methods.
    pub async fn set_routing_methods(&self, changes: &[RoutingMethodPatch]) -> Result<Vec<RoutingMethodView>> {
        self.server.send_json(Method::PATCH, &format!("/v1/ports/{}/routing", self.view.device_id), &changes).await
    }

    /// Changes several settings at once; the snapshot is renewed from the answer.
    pub async fn update(&mut self, patch: &PortPatch) -> Result<()> {
        self.view = self.server.send_json(Method::PATCH, &format!("/v1/ports/{}", self.view.device_id), patch).await?;
        Ok(())
    }

    /// Rings before answering (1–99).
    pub async fn set_rings(&mut self, rings: u32) -> Result<()> {
        self.update(&PortPatch { rings: Some(rings as i64), ..Default::default() }).await
    }

    /// The identity sent when answering.
    pub async fn set_csid(&mut self, csid: &str) -> Result<()> {
        self.update(&PortPatch { csid: Some(csid.into()), ..Default::default() }).await
    }

    /// The identity sent when calling.
    pub async fn set_tsid(&mut self, tsid: &str) -> Result<()> {
        self.update(&PortPatch { tsid: Some(tsid.into()), ..Default::default() }).await
    }

    /// Whether the line sends.
    pub async fn set_send(&mut self, send: bool) -> Result<()> {
        self.update(&PortPatch { send: Some(send), ..Default::default() }).await
    }

    /// Whether the line answers calls.
    pub async fn set_receive(&mut self, receive: bool) -> Result<()> {
        self.update(&PortPatch { receive: Some(receive), ..Default::default() }).await
    }

    /// The line's rank (1 first); the server renumbers the others.
    pub async fn set_priority(&mut self, priority: u32) -> Result<()> {
        self.update(&PortPatch { priority: Some(priority as i64), ..Default::default() }).await
    }
}
