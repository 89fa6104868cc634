//! FaxServer: the connection, the server settings, and the lists of jobs, ports and received
//! faxes.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ferrofax_api::{
    CoverPageTemplate, DocumentFormat, InboxFax, JobList, JobView, PortView, Problem, ServerSettings, SettingsPatch,
    VersionInfo,
};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;

use crate::{Error, EventStream, FaxDoc, FaxJob, FaxPort, Result, ServerUrl};

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) token: String,
    pub(crate) info: VersionInfo,
    connected: AtomicBool,
}

/// A connection to a fax server. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct FaxServer {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for FaxServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FaxServer({} as {})", self.inner.base, self.inner.info.user)
    }
}

impl FaxServer {
    /// Connects: checks that a ferrofax server answers at `url` (`http://` or `https://`, see
    /// [`ServerUrl::parse`]) and that `token` is good.
    pub async fn connect(url: &str, token: &str) -> Result<FaxServer> {
        let base = ServerUrl::parse(url)?.as_str().to_string();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http =
            reqwest::Client::builder().user_agent(concat!("ferrofax-client/", env!("CARGO_PKG_VERSION"))).build()?;
        let resp = http.get(format!("{base}/v1/version")).bearer_auth(token.trim()).send().await?;
        let info: VersionInfo = decode(resp).await?;
        if info.product != "ferrofax" {
            return Err(Error::Protocol(format!("{url} is not a ferrofax server ({})", info.product)));
        }
        Ok(FaxServer {
            inner: Arc::new(Inner {
                http,
                base,
                token: token.trim().to_string(),
                info,
                connected: AtomicBool::new(true),
            }),
        })
    }

    /// Ends the connection. Idempotent; later calls on it (and its clones) fail with
    /// [`Error::Disconnected`].
    pub fn disconnect(&self) {
        self.inner.connected.store(false, Ordering::SeqCst);
    }

    /// What the server said at connect: version, time zone, who we are.
    pub fn info(&self) -> &VersionInfo {
        &self.inner.info
    }

    pub(crate) fn request(&self, method: Method, path: &str) -> Result<RequestBuilder> {
        if !self.inner.connected.load(Ordering::SeqCst) {
            return Err(Error::Disconnected);
        }
        Ok(self.inner.http.request(method, format!("{}{path}", self.inner.base)).bearer_auth(&self.inner.token))
    }

    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        decode(self.request(Method::GET, path)?.send().await?).await
    }

    pub(crate) async fn send_json<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T> {
        decode(self.request(method, path)?.json(body).send().await?).await
    }

    /// All FaxServer properties.
    pub async fn settings(&self) -> Result<ServerSettings> {
        self.get("/v1/server").await
    }

    /// Changes several properties at once (validated by the server, effective at once).
    pub async fn update_settings(&self, patch: &SettingsPatch) -> Result<ServerSettings> {
        self.send_json(Method::PATCH, "/v1/server", patch).await
    }

    /// A fax whose body is the file at `path`, to fill in and [`FaxDoc::send`].
    pub fn create_document(&self, path: impl AsRef<Path>) -> Result<FaxDoc> {
        if !self.inner.connected.load(Ordering::SeqCst) {
            return Err(Error::Disconnected);
        }
        Ok(FaxDoc::new(self.clone(), path.as_ref().to_path_buf()))
    }

    /// The server's common cover page templates, by name: what `coverpage_name` may name with
    /// `server_coverpage` set.
    pub async fn coverpages(&self) -> Result<Vec<CoverPageTemplate>> {
        self.get("/v1/coverpages").await
    }

    /// A snapshot of the queue: every job the caller may see, newest first.
    pub async fn jobs(&self) -> Result<Vec<FaxJob>> {
        self.jobs_where("").await
    }

    /// Jobs matching a query string of `GET /v1/jobs` (e.g. `state=pending,retrying&type=send`).
    pub async fn jobs_where(&self, query: &str) -> Result<Vec<FaxJob>> {
        let mut out = Vec::new();
        let mut after: Option<i64> = None;
        loop {
            let mut path = format!("/v1/jobs?limit=500{}{}", if query.is_empty() { "" } else { "&" }, query);
            if let Some(a) = after {
                path.push_str(&format!("&after={a}"));
            }
            let page: JobList = self.get(&path).await?;
            out.extend(page.jobs.into_iter().map(|v| FaxJob::new(self.clone(), v)));
            match page.next_after {
                Some(a) => after = Some(a),
                None => return Ok(out),
            }
        }
    }

    /// One job.
    pub async fn job(&self, id: i64) -> Result<FaxJob> {
        let v: JobView = self.get(&format!("/v1/jobs/{id}")).await?;
        Ok(FaxJob::new(self.clone(), v))
    }

    /// A snapshot of the fax lines, in priority order.
    pub async fn ports(&self) -> Result<Vec<FaxPort>> {
        let ports: Vec<PortView> = self.get("/v1/ports").await?;
        Ok(ports.into_iter().map(|p| FaxPort::new(self.clone(), p)).collect())
    }

    /// One fax line.
    pub async fn port(&self, id: &str) -> Result<FaxPort> {
        let p: PortView = self.get(&format!("/v1/ports/{id}")).await?;
        Ok(FaxPort::new(self.clone(), p))
    }

    /// Jobs holding `text` (case-insensitive) in their fax number, recipient name, remote
    /// identity, billing code, sender name or document name, newest first.
    pub async fn search_jobs(&self, text: &str) -> Result<Vec<FaxJob>> {
        self.jobs_where(&query(&[("q", text)])).await
    }

    /// Received faxes, newest first.
    pub async fn inbox(&self) -> Result<Vec<InboxFax>> {
        self.get("/v1/inbox?limit=1000").await
    }

    /// Received faxes holding `text` (case-insensitive) in the sender's TSID, the caller id,
    /// the number called or the CSID, newest first.
    pub async fn search_inbox(&self, text: &str) -> Result<Vec<InboxFax>> {
        self.get(&format!("/v1/inbox?limit=1000&{}", query(&[("q", text)]))).await
    }

    /// A received fax as a multi-page TIFF Class F.
    pub async fn received_document(&self, id: i64) -> Result<Vec<u8>> {
        self.received_document_as(id, DocumentFormat::Tiff).await
    }

    /// A received fax as a multi-page TIFF Class F or a PDF.
    pub async fn received_document_as(&self, id: i64, format: DocumentFormat) -> Result<Vec<u8>> {
        let path = format!("/v1/inbox/{id}/document?format={}", format.as_str());
        let resp = check(self.request(Method::GET, &path)?.send().await?).await?;
        Ok(resp.bytes().await?.to_vec())
    }

    /// The server's events from now on, or after `last_event_id` when resuming.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ferrofax_client::Error> {
    /// # let (url, token, _server) = ferrofax_client::doc_support::server().await;
    /// use ferrofax_client::{EventBody, FaxServer, JobState};
    /// use futures_util::StreamExt;
    ///
    /// let server = FaxServer::connect(&url, &token).await?;
    /// let mut events = server.events(None).await?;
    /// # let path = std::env::temp_dir().join(format!("ferrofax-doc-ev-{}.txt", std::process::id()));
    /// # std::fs::write(&path, "Hello\n").unwrap();
    /// let mut doc = server.create_document(&path)?;
    /// let id = doc.set_fax_number("100").send().await?[0];
    /// let mut last = 0;
    /// while let Some(event) = events.next().await {
    ///     let event = event?;
    ///     last = event.id; // resume after this with server.events(Some(last))
    ///     if let EventBody::Job { job } = event.body {
    ///         println!("job {}: {} page {}/{}", job.job_id, job.status_text, job.current_page, job.page_count);
    ///         if job.job_id == id && job.queue_status == JobState::Completed {
    ///             break;
    ///         }
    ///     }
    /// }
    /// assert!(last > 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn events(&self, last_event_id: Option<i64>) -> Result<EventStream> {
        let mut rq = self.request(Method::GET, "/v1/events")?;
        if let Some(id) = last_event_id {
            rq = rq.header("Last-Event-ID", id.to_string());
        }
        let resp = check(rq.send().await?).await?;
        Ok(EventStream::new(resp))
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident : $field:ident : $ty:ty => $conv:expr;)*) => {
        impl FaxServer {
            $(
                $(#[$doc])*
                pub async fn $name(&self, value: $ty) -> Result<ServerSettings> {
                    let conv: fn($ty) -> _ = $conv;
                    self.update_settings(&SettingsPatch { $field: Some(conv(value)), ..Default::default() }).await
                }
            )*
        }
    };
}

setters! {
    /// Retries: re-tries of a failed outgoing fax.
    set_retries: retries: u32 => |v| v as i64;
    /// RetryDelay, minutes.
    set_retry_delay: retry_delay: u32 => |v| v as i64;
    /// DirtyDays: days a failed job stays; 0 = never delete.
    set_dirty_days: dirty_days: u32 => |v| v as i64;
    /// Branding: the header line on every page sent.
    set_branding: branding: bool => |v| v;
    /// ArchiveOutboundFaxes.
    set_archive_outbound_faxes: archive_outbound_faxes: bool => |v| v;
    /// ArchiveDirectory.
    set_archive_directory: archive_directory: &str => |v| v.to_string();
    /// DiscountRateStartHour.
    set_discount_rate_start_hour: discount_rate_start_hour: u8 => |v| v as i64;
    /// DiscountRateStartMinute.
    set_discount_rate_start_minute: discount_rate_start_minute: u8 => |v| v as i64;
    /// DiscountRateEndHour.
    set_discount_rate_end_hour: discount_rate_end_hour: u8 => |v| v as i64;
    /// DiscountRateEndMinute.
    set_discount_rate_end_minute: discount_rate_end_minute: u8 => |v| v as i64;
    /// PauseServerQueue.
    set_pause_server_queue: pause_server_queue: bool => |v| v;
    /// ServerCoverpage: only common cover pages may be used.
    set_server_coverpage: server_coverpage: bool => |v| v;
    /// ServerMapiProfile: the SMTP profile for e-mail routing and reports.
    set_server_mapi_profile: server_mapi_profile: &str => |v| v.to_string();
    /// UseDeviceTsid.
    set_use_device_tsid: use_device_tsid: bool => |v| v;
}

/// A query string of `name=value` pairs, each value percent-encoded (for
/// [`FaxServer::jobs_where`]).
///
/// ```
/// assert_eq!(ferrofax_client::query(&[("q", "50% & more"), ("state", "pending")]), "q=50%25+%26+more&state=pending");
/// ```
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://query.invalid/").expect("a valid URL");
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().unwrap_or_default().to_string()
}

/// Turns an error status into [`Error::Api`].
pub(crate) async fn check(resp: Response) -> Result<Response> {
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    Err(match serde_json::from_str::<Problem>(&text) {
        Ok(p) => Error::Api(p),
        Err(_) => Error::Protocol(format!("HTTP {status}: {}", text.chars().take(300).collect::<String>())),
    })
}

pub(crate) async fn decode<T: DeserializeOwned>(resp: Response) -> Result<T> {
    let resp = check(resp).await?;
    let bytes = resp.bytes().await?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Protocol(e.to_string()))
}
