//! Inbound routing methods (FaxRoutingMethod): the catalogue, the RoutingData of each method
//! ([`data`]), and running a port's enabled methods for each received fax.
//!
//! - `store_in_folder` writes `fax-<job>.tif` into a folder;
//! - `email` sends the fax (PDF, TIFF or both) through the SMTP profile that the server
//!   setting ServerMapiProfile names, with the subject and body of `[routing.mail]`;
//! - `print` hands a PDF or TIFF of the fax to the CUPS client `lp`;
//! - `webhook` POSTs the fax's metadata as signed JSON, with a signed link ([`links`]) that
//!   downloads its TIFF without a token, retrying as `[routing.webhook]` says.
//!
//! The delivering itself is done by `ferrofax-route`. A fax is routed in the background once it
//! is stored; every method that fails makes it a Routing job that the scheduler routes again
//! after RetryDelay. Methods that succeeded are not run again then (a recipient does not get
//! the fax twice): the routing log of the job (`routing`) has one entry per method,
//! `<method>: <what was done>` or `<method> failed: <why>`, and the entries without `failed`
//! mark the methods done.

pub mod data;
pub mod links;
mod pass;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use ferrofax_api::RoutingMethodView;
use ferrofax_image::{CodedPage, ReadLimits, read_tiff};
use ferrofax_route::mail::SmtpProfile;
use ferrofax_route::{ReceivedFax, RouteError};

use ferrofax_api::ServerSettings;

use crate::clock::Clock;
use crate::config::Config;
use crate::pages::Pages;
use crate::ports::LineRegistry;
use crate::queue::Jobs;
use crate::settings::SettingsCell;
use crate::store::{RoutingRow, Store};
use data::Route;

/// One method of the catalogue.
pub struct Method {
    pub function_name: &'static str,
    pub guid: &'static str,
    pub friendly_name: &'static str,
    /// Why it cannot run on this server; None when it can.
    pub unavailable: Option<&'static str>,
}

pub const METHODS: [Method; 4] = [
    Method {
        function_name: "store_in_folder",
        guid: "{92041a90-9af2-11d0-abf7-00c04fd91a4e}",
        friendly_name: "Store in a folder",
        unavailable: None,
    },
    Method {
        function_name: "email",
        guid: "{6bbf7bfe-9af2-11d0-abf7-00c04fd91a4e}",
        friendly_name: "Send by e-mail",
        unavailable: None,
    },
    Method {
        function_name: "print",
        guid: "{92041a91-9af2-11d0-abf7-00c04fd91a4e}",
        friendly_name: "Print",
        unavailable: None,
    },
    Method {
        function_name: "webhook",
        guid: "{3b0cf3a2-5c1e-4c8e-9a57-3f0f3d7a1b6e}",
        friendly_name: "Webhook (HTTP POST)",
        unavailable: None,
    },
];

/// Finds a method by GUID or function name.
pub fn find(key: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.function_name == key || m.guid.eq_ignore_ascii_case(key))
}

/// The view of a port's methods, stored settings merged over the catalogue.
pub fn views(device_id: &str, device_name: &str, stored: &[RoutingRow]) -> Vec<RoutingMethodView> {
    METHODS
        .iter()
        .map(|m| {
            let s = stored.iter().find(|r| r.function_name == m.function_name);
            RoutingMethodView {
                device_id: device_id.into(),
                device_name: device_name.into(),
                enable: s.is_some_and(|s| s.enable) && m.unavailable.is_none(),
                guid: m.guid.into(),
                function_name: m.function_name.into(),
                image_name: "faxd".into(),
                extension_name: "ferrofax routing".into(),
                friendly_name: m.friendly_name.into(),
                routing_data: s.map(|s| s.routing_data.clone()).unwrap_or_default(),
                available: m.unavailable.is_none(),
                unavailable_reason: m.unavailable.unwrap_or_default().into(),
            }
        })
        .collect()
}

/// Why a routing method could not deliver a fax.
#[derive(Debug, thiserror::Error)]
pub enum MethodFailure {
    /// The method cannot run as configured (its routing data, the SMTP profile).
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Delivery(#[from] RouteError),
    #[error("storing in {folder}: {source}")]
    Folder { folder: String, source: std::io::Error },
    #[error("a worker task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// The stored fax could not be read for routing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FaxUnreadable(String);

/// The routing runtime: the link signer, one HTTP client, the faxes being routed now (so
/// that one fax is never routed twice at once), and the parts a routing pass reads and writes.
pub struct Runtime {
    pub links: links::LinkSigner,
    pub http: reqwest::Client,
    in_flight: Mutex<HashSet<i64>>,
    parts: Parts,
}

/// What routing reads and writes.
pub struct Parts {
    pub store: Arc<dyn Store>,
    pub jobs: Arc<Jobs>,
    pub ports: Arc<LineRegistry>,
    pub pages: Arc<Pages>,
    pub settings: Arc<SettingsCell>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub time_zone: jiff::tz::TimeZone,
}

/// A fax being routed; routing it again is possible once this is dropped.
pub struct Claim<'a> {
    runtime: &'a Runtime,
    job_id: i64,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.runtime.in_flight.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.job_id);
    }
}

impl Runtime {
    pub fn new(data_dir: &std::path::Path, parts: Parts) -> anyhow::Result<Runtime> {
        use anyhow::Context;
        ferrofax_route::install_crypto_provider();
        let links = links::LinkSigner::open(data_dir).context("reading or making link.secret")?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("ferrofax/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("making the HTTP client for webhooks")?;
        Ok(Runtime { links, http, in_flight: Mutex::new(HashSet::new()), parts })
    }

    pub fn parts(&self) -> &Parts {
        &self.parts
    }

    /// Claims a fax for routing; None while it is being routed.
    pub fn claim(&self, job_id: i64) -> Option<Claim<'_>> {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(job_id)
            .then_some(Claim { runtime: self, job_id })
    }

    /// Routes a received fax on a task of its own (routing may take long: an SMTP server, a
    /// webhook's retries), so that the line and the queue are not held.
    pub fn spawn_route(self: &Arc<Self>, job_id: i64) {
        let runtime = self.clone();
        tokio::spawn(async move { runtime.route(job_id).await });
    }

    /// The SMTP profile that ServerMapiProfile names, or why there is none.
    pub fn smtp_profile(&self) -> Result<SmtpProfile, MethodFailure> {
        smtp_profile(&self.parts.settings.snapshot(), &self.parts.config).cloned()
    }

    /// Runs one method (`function_name` with its RoutingData) for a fax; a line for the log.
    pub async fn run(&self, method: &str, routing_data: &str, fax: &Arc<Fax>) -> Result<String, MethodFailure> {
        let route = data::parse(method, routing_data).map_err(|e| MethodFailure::Setup(e.0))?;
        let job = fax.info.job_id;
        let config = &self.parts.config;
        match route {
            Route::Folder(folder) => {
                let tiff = fax.tiff.clone();
                let name = format!("fax-{job}.tif");
                let path = tokio::task::spawn_blocking(move || crate::archive::write_durably(&folder, &name, &tiff))
                    .await?
                    .map_err(|source| MethodFailure::Folder { folder: routing_data.into(), source })?;
                Ok(format!("stored as {}", path.display()))
            }
            Route::Email { to, attach } => {
                let profile = self.smtp_profile()?;
                let templates = config.routing.mail.clone();
                let (f, recipients, p) = (fax.clone(), to.clone(), profile.clone());
                let message = tokio::task::spawn_blocking(move || {
                    ferrofax_route::mail::received_fax_message(
                        &p,
                        &recipients,
                        &templates,
                        &f.info,
                        &f.pages,
                        &f.tiff,
                        attach,
                    )
                })
                .await??;
                let answer = profile.send(message).await?;
                let list: Vec<String> = to.iter().map(|m| m.email.to_string()).collect();
                Ok(format!("e-mailed to {} as {}: {answer}", list.join(", "), attach.name()))
            }
            Route::Print { printer, pdf } => {
                let (bytes, file_name) = if pdf {
                    let f = fax.clone();
                    (tokio::task::spawn_blocking(move || f.pdf()).await??, format!("fax-{job}.pdf"))
                } else {
                    (fax.tiff.clone(), format!("fax-{job}.tif"))
                };
                let title = format!("Fax {job} from {}", fax.info.sender());
                let print_job = ferrofax_route::print::PrintJob {
                    printer: printer.as_deref(),
                    title: &title,
                    file_name: &file_name,
                    bytes: &bytes,
                };
                let said = ferrofax_route::print::print(&config.routing.print, &print_job).await?;
                Ok(format!("printed on {}: {said}", printer.as_deref().unwrap_or("the default printer")))
            }
            Route::Webhook(target) => {
                let cfg = &config.routing;
                let expires = self.parts.clock.now() / 1000 + cfg.link_hours as i64 * 3600;
                let url = format!(
                    "{}/v1/inbox/{job}/download?{}",
                    cfg.base_url(config.listen),
                    self.links.query(job, expires)
                );
                let expires_at = jiff::Timestamp::from_second(expires).unwrap_or(jiff::Timestamp::MAX);
                let body = ferrofax_route::webhook::payload(&fax.info, &url, expires_at);
                let done = ferrofax_route::webhook::deliver(&self.http, &target, &body, &cfg.webhook).await?;
                Ok(format!("{} answered {} (attempt {})", target.url, done.status, done.attempts))
            }
        }
    }
}

/// A received fax, ready to be routed.
pub struct Fax {
    pub info: ReceivedFax,
    /// faxd's TIFF Class F of the fax, with its metadata.
    pub tiff: Vec<u8>,
    pub pages: Vec<CodedPage>,
}

impl Fax {
    pub fn new(info: ReceivedFax, tiff: Vec<u8>) -> Result<Fax, FaxUnreadable> {
        let file =
            read_tiff(&tiff, ReadLimits::default()).map_err(|e| FaxUnreadable(format!("the stored fax: {e}")))?;
        let pages = (0..file.pages.len())
            .map(|i| {
                file.coded_page(i)
                    .ok_or_else(|| FaxUnreadable(format!("page {} of the stored fax is not a fax page", i + 1)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Fax { info, tiff, pages })
    }

    fn pdf(&self) -> Result<Vec<u8>, RouteError> {
        ferrofax_route::pdf::fax_pdf(&self.pages, &format!("Fax from {}", self.info.sender()))
    }
}

/// The SMTP profile that ServerMapiProfile names, or why there is none.
pub fn smtp_profile<'a>(settings: &ServerSettings, config: &'a Config) -> Result<&'a SmtpProfile, MethodFailure> {
    let name = &settings.server_mapi_profile;
    if name.is_empty() {
        return Err(MethodFailure::Setup(
            "e-mail needs the server setting ServerMapiProfile to name an SMTP profile of the \
             configuration (`smtp_profiles`), and it is empty"
                .into(),
        ));
    }
    config.smtp_profiles.get(name).ok_or_else(|| {
        MethodFailure::Setup(format!(
            "ServerMapiProfile names the SMTP profile `{name}`, which the configuration no longer has"
        ))
    })
}

/// The entries of a routing log that record a method done (`<method>: …`, not
/// `<method> failed: …`), with the method's name.
pub fn done_entries(log: &str) -> impl Iterator<Item = (&str, &str)> {
    log.split("; ").filter_map(|entry| {
        let (name, _) = entry.split_once(": ")?;
        find(name).is_some().then_some((name, entry))
    })
}
