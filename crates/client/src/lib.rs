//! The Rust client of a ferrofax fax server, with the fax object model's names:
//! [`FaxServer::connect`], [`FaxServer::create_document`] → [`FaxDoc::preview`] / [`FaxDoc::send`],
//! [`FaxServer::jobs`] → [`FaxJob::refresh`] / [`FaxJob::set_status`], [`FaxServer::ports`] →
//! [`FaxPort::status`] / [`FaxPort::routing_methods`], and a stream of server events.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), ferrofax_client::Error> {
//! # let (url, token, _server) = ferrofax_client::doc_support::server().await;
//! use ferrofax_client::{FaxServer, JobCommand};
//!
//! let server = FaxServer::connect(&url, &token).await?;
//! server.set_retries(5).await?;
//! server.set_pause_server_queue(true).await?; // hold the queue while we look
//! assert_eq!(server.settings().await?.retries, 5);
//!
//! # let path = std::env::temp_dir().join(format!("ferrofax-doc-{}.txt", std::process::id()));
//! # std::fs::write(&path, "Hello\n").unwrap();
//! let mut doc = server.create_document(&path)?;
//! doc.set_fax_number("+1 555 0100").set_recipient_name("Front desk").set_sender_name("Dr Jones");
//! let ids = doc.send().await?;
//!
//! let mut job = server.job(ids[0]).await?;
//! job.set_status(JobCommand::Cancel).await?;
//! assert_eq!(job.queue_status, ferrofax_client::JobState::Canceled);
//!
//! for port in server.ports().await? {
//!     println!("{} is {}", port.name, port.status().await?.description);
//! }
//! server.disconnect();
//! assert!(server.settings().await.is_err());
//! # Ok(())
//! # }
//! ```

mod document;
mod events;
mod job;
mod port;
mod server;
mod url;

#[doc(hidden)]
pub mod doc_support;

pub use document::FaxDoc;
pub use events::EventStream;
pub use ferrofax_api::{
    CoverPageTemplate, DeviceStatus, DocumentFormat, Event, EventBody, FaxStatus, InboxFax, JobCommand, JobId,
    JobState, JobType, JobView, PortPatch, PortView, PreviewPage, PreviewResponse, Priority, Problem, ProblemType,
    Recipient, RoutingMethodPatch, RoutingMethodView, ServerSettings, SettingsPatch, VersionInfo,
};
pub use job::FaxJob;
pub use port::FaxPort;
pub use server::{FaxServer, query};
pub use url::ServerUrl;

/// What can go wrong talking to a fax server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with a problem report (validation, state, rights …).
    #[error("{0}")]
    Api(Problem),
    /// The server could not be reached or the connection broke.
    /// (The cause is the error's source, so that a chain printed with `{:#}` names it once.)
    #[error("cannot reach the fax server")]
    Http(#[from] reqwest::Error),
    /// The server's address cannot be used; `reason` says how to write it.
    #[error("`{url}` is not a fax server address: {reason}")]
    BadUrl { url: String, reason: String },
    /// `disconnect()` was called on this connection.
    #[error("this FaxServer connection was disconnected")]
    Disconnected,
    /// Reading a local file failed.
    #[error("cannot read {path}")]
    Io { path: String, source: std::io::Error },
    /// The server said something this client does not understand.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
}

impl Error {
    /// The problem report, when the server gave one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Error::Api(p) => Some(p),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
