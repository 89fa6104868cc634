//! A routing pass over one received fax: the enabled methods of its port that have not
//! succeeded before run in order, and the end of the pass (handled, or routed again after
//! RetryDelay) is recorded as [`crate::lifecycle::routing_ended`] decides. A failure to read
//! the methods or the fax counts as a failed pass: the fax stays marked for routing.

use std::collections::HashSet;
use std::sync::Arc;

use ferrofax_api::DeviceStatus;

use super::{Fax, Runtime};
use crate::lifecycle::{self, RoutingEnd};

impl Runtime {
    /// Runs the enabled routing methods of the fax's port that have not succeeded before;
    /// when one fails the fax is routed again after RetryDelay. A fax being routed already is
    /// left alone.
    pub async fn route(&self, job_id: i64) {
        let Some(_claim) = self.claim(job_id) else {
            return;
        };
        let row = match self.parts.store.job(job_id).await {
            Ok(Some(row)) => row,
            Ok(None) => return,
            Err(e) => {
                // Left as it is: still marked for routing, so the next pass or start finds it.
                tracing::error!(job = job_id, error = %e, "routing: could not read the fax's job");
                return;
            }
        };
        let Some(port) = row.port.clone().and_then(|p| self.parts.ports.port(&p)) else {
            return;
        };
        let done: HashSet<&str> = super::done_entries(&row.routing).map(|(name, _)| name).collect();
        let methods: Vec<_> = match self.parts.store.routing(&port.device_id).await {
            Ok(stored) => super::views(&port.device_id, &port.name, &stored)
                .into_iter()
                .filter(|m| m.enable && !done.contains(m.function_name.as_str()))
                .collect(),
            Err(e) => {
                tracing::error!(job = job_id, error = %e, "routing: could not read the port's routing methods");
                let why = vec!["the routing methods could not be read".to_string()];
                return self.save_routing_end(job_id, RoutingEnd::Failed(why), row.routing.clone()).await;
            }
        };
        if methods.is_empty() {
            if row.device_status == DeviceStatus::Routing || lifecycle::awaits_routing(&row) {
                // The methods were turned off meanwhile: nothing is left to do.
                self.save_routing_end(job_id, RoutingEnd::Done, row.routing.clone()).await;
            }
            return;
        }
        let info = ferrofax_route::ReceivedFax {
            job_id,
            tsid: row.remote_ident.clone(),
            caller_id: row.caller_id.clone(),
            called_number: row.fax_number.clone(),
            csid: row.csid.clone(),
            port: port.device_id.clone(),
            port_name: port.name.clone(),
            pages: row.page_count,
            received_at: crate::clock::timestamp(row.finished_at.unwrap_or(row.submitted_at)),
            time_zone: self.parts.time_zone.clone(),
        };
        let fax = match self
            .parts
            .pages
            .received_document(job_id)
            .await
            .map_err(|e| e.chain())
            .and_then(|t| Fax::new(info, t).map_err(|e| e.to_string()))
        {
            Ok(f) => Arc::new(f),
            Err(e) => {
                tracing::error!(job = job_id, "routing: {e}");
                let why = vec!["the stored fax could not be read".to_string()];
                return self.save_routing_end(job_id, RoutingEnd::Failed(why), row.routing.clone()).await;
            }
        };
        // Entries of methods done before are kept; this pass adds one entry per method run.
        let mut log: Vec<String> = super::done_entries(&row.routing).map(|(_, e)| e.to_string()).collect();
        let mut failed = Vec::new();
        for m in &methods {
            let name = &m.function_name;
            match self.run(name, &m.routing_data, &fax).await {
                Ok(line) => {
                    tracing::info!(job = job_id, method = %name, "routed: {line}");
                    log.push(format!("{name}: {}", line.replace(';', ",")));
                }
                Err(e) => {
                    tracing::warn!(job = job_id, method = %name, "routing failed: {e}");
                    log.push(format!("{name} failed: {}", e.to_string().replace(';', ",")));
                    failed.push(format!("{name}: {e}"));
                }
            }
        }
        let end = if failed.is_empty() { RoutingEnd::Done } else { RoutingEnd::Failed(failed) };
        self.save_routing_end(job_id, end, log.join("; ")).await;
    }
    /// Saves the end of a routing pass as the lifecycle decides it, trying again a few times if
    /// the store fails; a fax whose end could not be saved keeps its routing mark and is routed
    /// again at the next start (methods done are then known only from the last saved log).
    async fn save_routing_end(&self, job_id: i64, end: RoutingEnd, log: String) {
        let delay = self.parts.settings.snapshot().retry_delay;
        let now = self.parts.clock.now();
        for wait_ms in [0, 500, 2_000, 5_000] {
            tokio::time::sleep(std::time::Duration::from_millis(wait_ms)).await;
            let saved = self
                .parts
                .jobs
                .modify(job_id, |r| {
                    lifecycle::routing_ended(r, &end, log.clone(), delay, now);
                    true
                })
                .await;
            match saved {
                Ok(_) => {
                    if matches!(end, RoutingEnd::Failed(_)) {
                        self.parts.ports.wake_scheduler();
                    }
                    return;
                }
                Err(e) => tracing::error!(job = job_id, error = %e, "could not save the routing log"),
            }
        }
    }
}
