//! Settings, ports, routing methods and the inbox: the administrative side of the object
//! model. Only admins change settings and ports; everyone signed in may read them.

use ferrofax_api::validate;
use ferrofax_api::{
    EventBody, FaxStatus, InboxFax, JobType, PortPatch, PortView, RoutingMethodPatch, RoutingMethodView,
    ServerSettings, SettingsPatch,
};

use std::sync::Arc;

use crate::auth::Caller;
use crate::clock::{Clock, timestamp};
use crate::config::Config;
use crate::error::{ServiceError, ServiceResult as ApiResult};
use crate::events::EventHub;
use crate::ports::LineRegistry;
use crate::routing::Runtime;
use crate::settings::SettingsCell;
use crate::store::{JobFilter, RoutingRow, SearchFields, Store};

fn admin_only(caller: &Caller, what: &str) -> ApiResult<()> {
    if caller.admin { Ok(()) } else { Err(ServiceError::forbidden(format!("only an administrator may change {what}"))) }
}

fn invalid(field: &str, detail: String) -> ServiceError {
    ServiceError::invalid(field, detail)
}

fn not_found(what: &str) -> ServiceError {
    ServiceError::not_found(what)
}

/// The administrative part: server settings, ports and their routing methods, the inbox.
pub struct Admin {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) settings: Arc<SettingsCell>,
    pub(crate) ports: Arc<LineRegistry>,
    pub(crate) routing: Arc<Runtime>,
    pub(crate) events: Arc<EventHub>,
    pub(crate) config: Arc<Config>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Admin {
    /// Validates, persists and applies a settings change at once.
    pub async fn patch_settings(&self, caller: &Caller, patch: &SettingsPatch) -> ApiResult<ServerSettings> {
        admin_only(caller, "server settings")?;
        let _change = self.settings.change().await;
        let current = self.settings.snapshot();
        let next = crate::settings::apply_patch(&current, patch, &self.config)?;
        self.store.save_settings(&next).await?;
        self.settings.replace(next.clone());
        self.events.publish(self.clock.now(), None, EventBody::Server { settings: Box::new(next.clone()) });
        self.ports.wake_scheduler();
        Ok(next)
    }

    /// Ports in priority order, with CanModify for the caller.
    pub fn list_ports(&self, caller: &Caller) -> Vec<PortView> {
        self.ports.ports().iter().map(|p| PortView { can_modify: caller.admin, ..p.clone() }).collect()
    }

    pub fn get_port(&self, caller: &Caller, id: &str) -> ApiResult<PortView> {
        self.list_ports(caller).into_iter().find(|p| p.device_id == id).ok_or_else(|| not_found(&format!("port {id}")))
    }

    /// Changes a port. A new priority moves the port to that rank and renumbers the others.
    pub async fn patch_port(&self, caller: &Caller, id: &str, patch: &PortPatch) -> ApiResult<PortView> {
        admin_only(caller, "ports")?;
        let _guard = self.ports.change().await;
        let mut ports = (*self.ports.ports()).clone();
        let i = ports.iter().position(|p| p.device_id == id).ok_or_else(|| not_found(&format!("port {id}")))?;
        let mut p = ports[i].clone();
        if let Some(r) = patch.rings {
            validate::range("rings", r, 1, 99).map_err(|e| invalid("rings", e))?;
            p.rings = r as u32;
        }
        if let Some(c) = &patch.csid {
            validate::identifier("csid", c).map_err(|e| invalid("csid", e))?;
            p.csid = c.clone();
        }
        if let Some(t) = &patch.tsid {
            validate::identifier("tsid", t).map_err(|e| invalid("tsid", e))?;
            p.tsid = t.clone();
        }
        if let Some(s) = patch.send {
            p.send = s;
        }
        if let Some(r) = patch.receive {
            p.receive = r;
        }
        let n = ports.len() as i64;
        let rank = match patch.priority {
            Some(r) => {
                validate::range("priority", r, 1, n).map_err(|e| invalid("priority", e))?;
                r as usize
            }
            None => i + 1,
        };
        ports.remove(i);
        ports.insert(rank - 1, p);
        for (k, port) in ports.iter_mut().enumerate() {
            port.priority = k as u32 + 1;
        }
        self.store.save_ports(&ports).await?;
        let now = self.clock.now();
        for port in &ports {
            self.events.publish(now, None, EventBody::Port { port: PortView { can_modify: false, ..port.clone() } });
        }
        // An idle line's status shows its new identities at once.
        self.ports.replace_ports(ports);
        self.ports.wake_scheduler();
        self.get_port(caller, id)
    }

    pub fn port_status(&self, id: &str) -> ApiResult<FaxStatus> {
        self.ports.live_status(id).ok_or_else(|| not_found(&format!("port {id}")))
    }

    pub async fn routing_methods(&self, caller: &Caller, id: &str) -> ApiResult<Vec<RoutingMethodView>> {
        let port = self.get_port(caller, id)?;
        let stored = self.store.routing(id).await?;
        let mut views = crate::routing::views(&port.device_id, &port.name, &stored);
        if !caller.admin {
            for v in &mut views {
                v.routing_data = crate::routing::data::masked(&v.function_name, &v.routing_data);
            }
        }
        Ok(views)
    }

    /// Changes routing methods of a port. The RoutingData of a method that is (or stays)
    /// enabled, or that is given, is checked first; nothing changes when one is refused.
    pub async fn patch_routing(
        &self,
        caller: &Caller,
        id: &str,
        patches: &[RoutingMethodPatch],
    ) -> ApiResult<Vec<RoutingMethodView>> {
        admin_only(caller, "routing methods")?;
        let port = self.get_port(caller, id)?;
        let stored = self.store.routing(id).await?;
        let mut rows = Vec::new();
        for p in patches {
            let m = crate::routing::find(&p.method).ok_or_else(|| {
                let names: Vec<&str> = crate::routing::METHODS.iter().map(|m| m.function_name).collect();
                invalid("method", format!("no routing method `{}`; methods: {}", p.method, names.join(", ")))
            })?;
            let mut row = stored.iter().find(|r| r.function_name == m.function_name).cloned().unwrap_or(RoutingRow {
                device_id: id.into(),
                function_name: m.function_name.into(),
                enable: false,
                routing_data: String::new(),
            });
            if let Some(d) = &p.routing_data {
                row.routing_data = d.clone();
            }
            if let Some(e) = p.enable {
                if e && let Some(why) = m.unavailable {
                    return Err(invalid(
                        &format!("{}.enable", m.function_name),
                        format!("{} cannot be enabled: {why}", m.function_name),
                    ));
                }
                row.enable = e;
            }
            if row.enable || p.routing_data.as_deref().is_some_and(|d| !d.trim().is_empty()) {
                // The field is named by its method (`email.routing_data`), as forms show it.
                let field = format!("{}.routing_data", m.function_name);
                let route = crate::routing::data::parse(m.function_name, &row.routing_data)
                    .map_err(|e| invalid(&field, format!("{}: {e}", m.function_name)))?;
                match route {
                    crate::routing::data::Route::Folder(folder) => std::fs::create_dir_all(&folder)
                        .map_err(|e| invalid(&field, format!("folder {} cannot be used: {e}", folder.display())))?,
                    // E-mail goes through the SMTP profile that ServerMapiProfile names: without
                    // one it could only fail, so it is not enabled.
                    crate::routing::data::Route::Email { .. } if row.enable => {
                        self.routing.smtp_profile().map_err(|why| {
                            invalid(&format!("{}.enable", m.function_name), format!("email cannot be enabled: {why}"))
                        })?;
                    }
                    _ => {}
                }
            }
            rows.push(row);
        }
        for r in &rows {
            self.store.save_routing(r).await?;
        }
        let stored = self.store.routing(id).await?;
        Ok(crate::routing::views(&port.device_id, &port.name, &stored))
    }

    /// Received faxes, newest first; with `search`, only those whose TSID, caller id, called
    /// number or CSID holds it.
    pub async fn inbox(&self, before: Option<i64>, limit: u32, search: Option<&str>) -> ApiResult<Vec<InboxFax>> {
        let filter = JobFilter {
            types: vec![JobType::Receive, JobType::Routing, JobType::FailReceive],
            before,
            limit: limit.clamp(1, 1000),
            search: crate::queue::search(search, SearchFields::Inbox)?,
            ..Default::default()
        };
        Ok(self
            .store
            .jobs(&filter)
            .await?
            .into_iter()
            .map(|r| InboxFax {
                job_id: r.id,
                job_type: r.job_type,
                port: r.port.clone().unwrap_or_default(),
                received_at: timestamp(r.finished_at.unwrap_or(r.submitted_at)),
                page_count: r.page_count,
                tsid: r.remote_ident,
                csid: r.csid,
                caller_id: r.caller_id,
                called_number: r.fax_number,
                document_id: r.document_id,
                routing: r.routing,
            })
            .collect())
    }
}
