//! The store: jobs, documents, attempts, ports, routing methods, settings, users, tokens and
//! sign-in sessions, events, idempotency keys. [`Store`] is what the server needs of a database; SQLite
//! ([`sqlite::SqliteStore`]) is the embedded default, and a PostgreSQL backend implements the
//! same trait with its own migrations.

mod accounts;
pub mod sqlite;
mod sqlite_accounts;
mod sqlite_rows;

use async_trait::async_trait;
use ferrofax_api::{JobState, JobType, PortView, ServerSettings};

use crate::clock::Millis;

pub use accounts::{AccountStore, SessionRow, TokenRow, UserDeletion, UserRow, UserSummary};

/// Store errors. `Conflict` means a row changed since it was read (optimistic concurrency).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("the row changed meanwhile")]
    Conflict,
    /// A row with the same unique key (a user name) exists.
    #[error("it exists already")]
    Exists,
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A job as stored. The API's `JobView` is derived from it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: i64,
    /// Bumped by every save; a save with a stale version fails with `Conflict`.
    pub version: i64,
    pub job_type: JobType,
    pub owner: String,
    pub state: JobState,
    pub paused: bool,
    pub device_status: ferrofax_api::DeviceStatus,
    pub document_id: i64,
    pub page_count: u32,
    pub pages_confirmed: u32,
    pub current_page: u32,
    pub fax_number: String,
    pub recipient: ferrofax_api::Recipient,
    pub fields: ferrofax_api::FaxDocFields,
    pub discount_send: bool,
    pub submitted_at: Millis,
    pub next_attempt_at: Option<Millis>,
    pub attempts: u32,
    pub port: Option<String>,
    pub detail: String,
    pub finished_at: Option<Millis>,
    pub lease_until: Option<Millis>,
    pub remote_ident: String,
    pub caller_id: String,
    pub csid: String,
    pub routing: String,
    /// The recipient's cover page (page 1 of what is sent), when one was asked for.
    pub cover_document_id: Option<i64>,
}

impl JobRow {
    /// A new job of `job_type` for `owner`, submitted at `now`, with every other field empty:
    /// pending, no attempts, no pages.
    pub fn new(job_type: JobType, owner: &str, now: Millis) -> Self {
        JobRow {
            id: 0,
            version: 0,
            job_type,
            owner: owner.into(),
            state: JobState::Pending,
            paused: false,
            device_status: ferrofax_api::DeviceStatus::Unknown,
            document_id: 0,
            page_count: 0,
            pages_confirmed: 0,
            current_page: 0,
            fax_number: String::new(),
            recipient: Default::default(),
            fields: Default::default(),
            discount_send: false,
            submitted_at: now,
            next_attempt_at: None,
            attempts: 0,
            port: None,
            detail: String::new(),
            finished_at: None,
            lease_until: None,
            remote_ident: String::new(),
            caller_id: String::new(),
            csid: String::new(),
            routing: String::new(),
            cover_document_id: None,
        }
    }
}

/// A document's row: its pages live in `documents/<dir[..2]>/<dir>-NNNN.tif`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    pub id: i64,
    pub dir: String,
    pub name: String,
    pub page_count: u32,
    pub size_bytes: u64,
    pub sha256: String,
    pub created_at: Millis,
}

/// An attempt's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    pub job_id: i64,
    pub number: u32,
    pub port: String,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub result: Option<String>,
    pub detail: String,
    pub pages_confirmed: u32,
    pub remote_ident: String,
    pub tsid: String,
}

/// A routing method's stored settings for one port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRow {
    pub device_id: String,
    pub function_name: String,
    pub enable: bool,
    pub routing_data: String,
}

/// An `Idempotency-Key` with the caller and a hash of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub owner: String,
    pub key: String,
    pub request_hash: String,
}

/// A document and its jobs, to record.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub doc: DocumentRow,
    pub jobs: Vec<JobRow>,
    /// Each job's own cover page, in the order of `jobs` (empty: none has one).
    pub covers: Vec<Option<DocumentRow>>,
    pub idempotency: Option<IdempotencyKey>,
}

/// What recording a submission gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// Stored now: the document id and the job ids.
    Inserted { document_id: i64, job_ids: Vec<i64> },
    /// Its idempotency key was recorded before; nothing was stored.
    Existing(IdempotentOutcome),
}

/// What an earlier request with the same key created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentOutcome {
    pub request_hash: String,
    pub document_id: i64,
    pub job_ids: Vec<i64>,
}

/// A filter of the job list.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub states: Vec<JobState>,
    pub types: Vec<JobType>,
    /// Only jobs whose port status is one of these (empty: any).
    pub device_statuses: Vec<ferrofax_api::DeviceStatus>,
    pub owner: Option<String>,
    /// Only ids below this (pages go from newest to oldest).
    pub before: Option<i64>,
    pub limit: u32,
    /// Only jobs where this text appears.
    pub search: Option<Search>,
}

/// A text to look for in jobs, case-insensitively (ASCII letters; other letters as they are)
/// and as it is: `%` and `_` are no wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub text: String,
    pub within: SearchFields,
}

/// Which fields of a job a [`Search`] looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchFields {
    /// The job list: fax number, recipient name, the remote's identity (TSID or CSID),
    /// billing code, sender name and the document's name.
    Jobs,
    /// The inbox: the sender's TSID, the caller id, the number called and our CSID.
    Inbox,
}

/// A queued send job, as the scheduler sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuedJob {
    pub id: i64,
    pub state: JobState,
    /// Queue rank of the job's priority (smaller first, see `Priority::rank`).
    pub priority_rank: i64,
    pub paused: bool,
    pub discount_send: bool,
    pub next_attempt_at: Option<Millis>,
}

/// What to ask the store for: the due jobs at the head of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueQuery {
    pub now: Millis,
    /// DiscountSend jobs may go (the discount window is open).
    pub discount_open: bool,
    /// How many jobs at most (one per free line).
    pub limit: usize,
}

/// A claim of a queued job for a call on a port.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    pub now: Millis,
    pub port: &'a str,
    /// The identity the attempt will send.
    pub tsid: &'a str,
    pub lease_until: Millis,
}

/// A stored event.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: i64,
    pub at: Millis,
    pub owner: Option<String>,
    pub body: String,
}

/// What the server needs of a database (its accounts part is [`AccountStore`]).
#[async_trait]
pub trait Store: AccountStore {
    async fn load_settings(&self) -> Result<Option<ServerSettings>>;
    async fn save_settings(&self, s: &ServerSettings) -> Result<()>;

    /// Records submissions, each a document and its jobs (the page files are already on disk),
    /// all in one transaction (group commit). A submission whose idempotency key is already
    /// recorded (before or earlier in the batch) is not inserted: its earlier outcome is
    /// returned instead.
    async fn create_jobs(&self, batch: &[NewSubmission]) -> Result<Vec<Created>>;
    /// The outcome of an earlier request with this key.
    async fn idempotency(&self, owner: &str, key: &str) -> Result<Option<IdempotentOutcome>>;

    async fn document(&self, id: i64) -> Result<Option<DocumentRow>>;
    async fn document_dirs(&self) -> Result<Vec<String>>;

    async fn job(&self, id: i64) -> Result<Option<JobRow>>;
    async fn jobs(&self, filter: &JobFilter) -> Result<Vec<JobRow>>;
    /// Saves every field of the job if its version is still `row.version`; returns the row
    /// with its new version.
    async fn save_job(&self, row: &JobRow) -> Result<JobRow>;
    /// Deletes a job; deletes its document and cover page rows too when no other job uses them
    /// and returns their keys so that the caller can remove the files.
    async fn delete_job(&self, id: i64) -> Result<Vec<String>>;
    /// The due, queued, unpaused send jobs at the head of the queue (DiscountSend ones only
    /// while the window is open), in priority then submission order, `q.limit` at most.
    async fn queue_head(&self, q: &QueueQuery) -> Result<Vec<QueuedJob>>;
    /// Claims a job for a call if it is still queued, unpaused and due: marks it InProgress on
    /// the port with a lease, counts the attempt and records it. None if it is no longer so.
    async fn claim(&self, job_id: i64, c: &Claim<'_>) -> Result<Option<JobRow>>;
    /// The earliest time a queued, unpaused send job becomes due, ignoring the discount rule
    /// for DiscountSend jobs when `discount_open` is false (they wait for the window).
    async fn next_due(&self, discount_open: bool) -> Result<Option<Millis>>;
    /// Whether a queued, unpaused DiscountSend job exists.
    async fn discount_waiting(&self) -> Result<bool>;
    /// Failed jobs that finished at or before `t`.
    async fn failed_before(&self, t: Millis) -> Result<Vec<i64>>;
    /// The earliest finish time of a failed job.
    async fn oldest_failed(&self) -> Result<Option<Millis>>;

    async fn attempts(&self, job_id: i64) -> Result<Vec<AttemptRow>>;
    /// Saves the job (as `save_job`) and records the end of its open attempt `a.number`, in one
    /// transaction: a job never ends without its attempt, nor an attempt without its job.
    async fn save_job_ending_attempt(&self, row: &JobRow, a: &AttemptRow) -> Result<JobRow>;
    async fn set_attempt_tsid(&self, job_id: i64, number: u32, tsid: &str) -> Result<()>;

    async fn ports(&self) -> Result<Vec<PortView>>;
    /// Saves ports (all in one transaction, for renumbering).
    async fn save_ports(&self, ports: &[PortView]) -> Result<()>;
    async fn routing(&self, device_id: &str) -> Result<Vec<RoutingRow>>;
    async fn save_routing(&self, r: &RoutingRow) -> Result<()>;

    async fn append_events(&self, events: &[EventRow]) -> Result<()>;
    async fn events_after(&self, id: i64, limit: u32) -> Result<Vec<EventRow>>;
    async fn last_event_id(&self) -> Result<i64>;
}

/// Rows for unit tests.
#[cfg(test)]
pub mod tests_support {
    use super::*;

    /// A pending send job with one page.
    pub fn job_row() -> JobRow {
        JobRow {
            id: 1,
            document_id: 1,
            page_count: 1,
            fax_number: "100".into(),
            next_attempt_at: Some(0),
            ..JobRow::new(JobType::Send, "admin", 0)
        }
    }
}
