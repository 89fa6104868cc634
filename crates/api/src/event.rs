//! Events pushed by the server (`GET /v1/events`, server-sent events): every change of a job,
//! a port, a port's live status and the server settings.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{FaxStatus, JobId, JobView, PortView, ServerSettings};

/// One event. `id` grows by one per event and is the SSE id a client resumes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    #[serde(flatten)]
    pub body: EventBody,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    /// A job was created or changed.
    Job { job: Box<JobView> },
    /// A finished job was deleted (by a user or by the DirtyDays purge).
    JobRemoved { job_id: JobId },
    /// A port's settings changed.
    Port { port: PortView },
    /// A port's live state changed.
    PortStatus { status: Box<FaxStatus> },
    /// The server settings changed.
    Server { settings: Box<ServerSettings> },
}

impl EventBody {
    /// The SSE event name.
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::Job { .. } => "job",
            EventBody::JobRemoved { .. } => "job_removed",
            EventBody::Port { .. } => "port",
            EventBody::PortStatus { .. } => "port_status",
            EventBody::Server { .. } => "server",
        }
    }
}
