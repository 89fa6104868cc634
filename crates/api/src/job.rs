//! FaxDoc (what a client submits) and FaxJob (what the queue reports), with the job states
//! and the commands a job takes.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::port::DeviceStatus;
use crate::validate::{FieldError, text_length};

/// A job's identifier, unique on one server.
pub type JobId = i64;

/// What kind of job this is (FaxJob.Type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobType {
    Unknown,
    /// An outgoing fax.
    Send,
    /// A received fax, routed.
    Receive,
    /// A received fax whose routing failed and will be retried.
    Routing,
    /// A partial reception, kept.
    FailReceive,
}

/// FaxJob.QueueStatus, as a stable enum. `paused` and `no_line` are modifiers reported beside
/// it on [`JobView`], because they combine with Pending and Retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its first attempt.
    Pending,
    /// On a line now.
    InProgress,
    /// Waiting for its next attempt after a failure.
    Retrying,
    /// Cancelled while on a line; the call is being ended.
    Deleting,
    /// Ended by a failure that retrying cannot mend.
    Failed,
    /// Ended after its last retry failed.
    RetriesExceeded,
    /// Done: every page confirmed (sent), or received and routed.
    Completed,
    /// Ended by a cancel.
    Canceled,
}

impl JobState {
    /// All states, for tables and tests.
    pub const ALL: [JobState; 8] = [
        JobState::Pending,
        JobState::InProgress,
        JobState::Retrying,
        JobState::Deleting,
        JobState::Failed,
        JobState::RetriesExceeded,
        JobState::Completed,
        JobState::Canceled,
    ];

    /// The state's name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::InProgress => "in_progress",
            JobState::Retrying => "retrying",
            JobState::Deleting => "deleting",
            JobState::Failed => "failed",
            JobState::RetriesExceeded => "retries_exceeded",
            JobState::Completed => "completed",
            JobState::Canceled => "canceled",
        }
    }

    /// Parses [`JobState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the job has ended (no line will take it again unless restarted).
    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Failed | JobState::RetriesExceeded | JobState::Completed | JobState::Canceled)
    }

    /// Words for people, derived from the enum.
    pub fn display(self) -> &'static str {
        match self {
            JobState::Pending => "Pending",
            JobState::InProgress => "In progress",
            JobState::Retrying => "Retrying",
            JobState::Deleting => "Deleting",
            JobState::Failed => "Failed",
            JobState::RetriesExceeded => "Retries exceeded",
            JobState::Completed => "Completed",
            JobState::Canceled => "Canceled",
        }
    }
}

/// FaxJob.SetStatus commands (plus Restart, which is its own command in ferrofax).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobCommand {
    Pause,
    Resume,
    Cancel,
    Restart,
    /// Remove a finished job and its files (`DELETE /v1/jobs/{id}`).
    Delete,
}

impl JobCommand {
    pub const ALL: [JobCommand; 5] =
        [JobCommand::Pause, JobCommand::Resume, JobCommand::Cancel, JobCommand::Restart, JobCommand::Delete];

    pub fn as_str(self) -> &'static str {
        match self {
            JobCommand::Pause => "pause",
            JobCommand::Resume => "resume",
            JobCommand::Cancel => "cancel",
            JobCommand::Restart => "restart",
            JobCommand::Delete => "delete",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How soon a job goes relative to others that are due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
}

impl Priority {
    /// Rank in the queue: smaller goes first.
    pub fn rank(self) -> i64 {
        match self {
            Priority::High => 0,
            Priority::Normal => 1,
            Priority::Low => 2,
        }
    }

    pub fn from_rank(rank: i64) -> Self {
        match rank {
            0 => Priority::High,
            2 => Priority::Low,
            _ => Priority::Normal,
        }
    }
}

/// One recipient of a FaxDoc: the number and the recipient fields of the object model.
///
/// Every text field has a longest allowed length, in characters (not bytes); a longer one is
/// refused with 422 `invalid-value` naming the field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Recipient {
    /// The number to dial: digits, a leading `+`, `*`, `#`, `,` (pause) and the separators
    /// space, `-`, `.`, `(`, `)`. At most 64 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub fax_number: String,
    /// The recipient's name. At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub recipient_name: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub recipient_company: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub recipient_address: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub recipient_city: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub recipient_state: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub recipient_zip: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub recipient_country: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub recipient_title: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub recipient_department: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub recipient_office: String,
    /// At most 64 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub recipient_home_phone: String,
    /// At most 64 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub recipient_office_phone: String,
}

/// Every FaxDoc field except the body and the recipient: cover page, sender and the rest.
///
/// Every text field has a longest allowed length, in characters (not bytes); a longer one is
/// refused with 422 `invalid-value` naming the field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct FaxDocFields {
    pub send_coverpage: bool,
    /// The cover page: the name of a common one of the server (see `server_coverpage`). At most
    /// 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub coverpage_name: String,
    /// True: `coverpage_name` names a common cover page kept on the server; false: a personal
    /// one, uploaded with the job as the multipart part `coverpage`.
    pub server_coverpage: bool,
    /// The note on the cover page. At most 4000 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 4000))]
    pub coverpage_note: String,
    /// The subject on the cover page. At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub coverpage_subject: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub sender_name: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub sender_company: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub sender_address: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub sender_title: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub sender_department: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub sender_office: String,
    /// At most 64 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub sender_home_phone: String,
    /// At most 64 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub sender_office_phone: String,
    /// The sender's fax number, as shown on the cover page. At most 64 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub sender_fax: String,
    /// The identity sent to the far end (TSI): digits, space and `+`. At most 20 characters
    /// (T.30).
    #[cfg_attr(feature = "openapi", schema(max_length = 20))]
    pub tsid: String,
    /// At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub billing_code: String,
    /// Where delivery reports go: one address or several, separated by commas. At most 1024
    /// characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub email_address: String,
    /// The job's name as lists show it. At most 256 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub display_name: String,
    /// Wait for the discount-rate window.
    pub discount_send: bool,
    pub priority: Priority,
}

/// The JSON part (`fax`) of `POST /v1/jobs`: a FaxDoc. Either one recipient in the flat
/// fields, as FaxDoc has them, or several in `recipients` (broadcast: one job each).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "serde_json::Value")]
pub struct SubmitRequest {
    #[serde(flatten)]
    pub recipient: Recipient,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<Recipient>,
    #[serde(flatten)]
    pub doc: FaxDocFields,
}

impl TryFrom<serde_json::Value> for SubmitRequest {
    type Error = String;

    /// Splits the flat object into its recipient and document parts; any key that belongs to
    /// neither is refused by name (serde cannot deny unknown fields across `flatten`).
    fn try_from(value: serde_json::Value) -> Result<Self, String> {
        let serde_json::Value::Object(map) = value else {
            return Err("the fax description must be a JSON object".into());
        };
        let recipient_keys = field_names(&Recipient::default());
        let doc_keys = field_names(&FaxDocFields::default());
        let (mut rec, mut doc) = (serde_json::Map::new(), serde_json::Map::new());
        let mut recipients = Vec::new();
        for (key, v) in map {
            if key == "recipients" {
                recipients = serde_json::from_value(v).map_err(|e| format!("recipients: {e}"))?;
            } else if recipient_keys.contains(&key) {
                rec.insert(key, v);
            } else if doc_keys.contains(&key) {
                doc.insert(key, v);
            } else {
                return Err(format!("unknown field `{key}`"));
            }
        }
        Ok(SubmitRequest {
            recipient: serde_json::from_value(rec.into()).map_err(|e| e.to_string())?,
            recipients,
            doc: serde_json::from_value(doc.into()).map_err(|e| e.to_string())?,
        })
    }
}

fn field_names<T: Serialize>(value: &T) -> Vec<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

impl Recipient {
    /// Each text field: its name, its value and its longest allowed length in characters.
    pub fn text_fields(&self) -> [(&'static str, &str, usize); 13] {
        use crate::validate::{MAX_FAX_NUMBER_LEN, MAX_PHONE_CHARS, MAX_TEXT_CHARS};
        [
            ("fax_number", &self.fax_number, MAX_FAX_NUMBER_LEN),
            ("recipient_name", &self.recipient_name, MAX_TEXT_CHARS),
            ("recipient_company", &self.recipient_company, MAX_TEXT_CHARS),
            ("recipient_address", &self.recipient_address, MAX_TEXT_CHARS),
            ("recipient_city", &self.recipient_city, MAX_TEXT_CHARS),
            ("recipient_state", &self.recipient_state, MAX_TEXT_CHARS),
            ("recipient_zip", &self.recipient_zip, MAX_TEXT_CHARS),
            ("recipient_country", &self.recipient_country, MAX_TEXT_CHARS),
            ("recipient_title", &self.recipient_title, MAX_TEXT_CHARS),
            ("recipient_department", &self.recipient_department, MAX_TEXT_CHARS),
            ("recipient_office", &self.recipient_office, MAX_TEXT_CHARS),
            ("recipient_home_phone", &self.recipient_home_phone, MAX_PHONE_CHARS),
            ("recipient_office_phone", &self.recipient_office_phone, MAX_PHONE_CHARS),
        ]
    }
}

impl FaxDocFields {
    /// Each text field: its name, its value and its longest allowed length in characters.
    pub fn text_fields(&self) -> [(&'static str, &str, usize); 16] {
        use crate::validate::{MAX_EMAIL_CHARS, MAX_IDENTIFIER_LEN, MAX_NOTE_CHARS, MAX_PHONE_CHARS, MAX_TEXT_CHARS};
        [
            ("coverpage_name", &self.coverpage_name, MAX_TEXT_CHARS),
            ("coverpage_note", &self.coverpage_note, MAX_NOTE_CHARS),
            ("coverpage_subject", &self.coverpage_subject, MAX_TEXT_CHARS),
            ("sender_name", &self.sender_name, MAX_TEXT_CHARS),
            ("sender_company", &self.sender_company, MAX_TEXT_CHARS),
            ("sender_address", &self.sender_address, MAX_TEXT_CHARS),
            ("sender_title", &self.sender_title, MAX_TEXT_CHARS),
            ("sender_department", &self.sender_department, MAX_TEXT_CHARS),
            ("sender_office", &self.sender_office, MAX_TEXT_CHARS),
            ("sender_home_phone", &self.sender_home_phone, MAX_PHONE_CHARS),
            ("sender_office_phone", &self.sender_office_phone, MAX_PHONE_CHARS),
            ("sender_fax", &self.sender_fax, MAX_PHONE_CHARS),
            ("tsid", &self.tsid, MAX_IDENTIFIER_LEN),
            ("billing_code", &self.billing_code, MAX_TEXT_CHARS),
            ("email_address", &self.email_address, MAX_EMAIL_CHARS),
            ("display_name", &self.display_name, MAX_TEXT_CHARS),
        ]
    }
}

impl SubmitRequest {
    /// Checks every text field against its longest allowed length. The error names the field
    /// as the API does elsewhere: `recipient_name` for the one recipient in the flat fields,
    /// `recipients[1].recipient_name` for the second of several.
    pub fn check_lengths(&self) -> Result<(), FieldError> {
        let flat = self.recipient.text_fields().map(|(name, value, max)| (name.to_string(), value, max));
        let listed = self.recipients.iter().enumerate().flat_map(|(i, r)| {
            r.text_fields().map(|(name, value, max)| (format!("recipients[{i}].{name}"), value, max))
        });
        let doc = self.doc.text_fields().map(|(name, value, max)| (name.to_string(), value, max));
        for (field, value, max) in flat.into_iter().chain(listed).chain(doc) {
            text_length(&field, value, max).map_err(|detail| FieldError { field, detail })?;
        }
        Ok(())
    }

    /// The recipients this request makes jobs for, in order.
    pub fn all_recipients(&self) -> Vec<&Recipient> {
        if self.recipients.is_empty() && !self.recipient.fax_number.is_empty() {
            vec![&self.recipient]
        } else {
            self.recipients.iter().collect()
        }
    }
}

/// The answer to a submission: one job per recipient, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitResponse {
    pub job_ids: Vec<JobId>,
    pub document_id: i64,
    pub page_count: u32,
}

/// One attempt to send a job: a call on a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attempt {
    pub number: u32,
    pub port: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub started_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ended_at: Option<Timestamp>,
    /// The device status the attempt ended with (completed, busy, no_answer, …); None while on.
    pub result: Option<DeviceStatus>,
    /// Words on the result.
    pub detail: String,
    /// Pages the receiver confirmed in this attempt.
    pub pages_confirmed: u32,
    /// The identity the far end gave (CSID).
    pub remote_ident: String,
    /// The identity we sent (TSID).
    pub tsid: String,
}

/// FaxJob: a job as the queue reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobView {
    pub job_id: JobId,
    #[serde(rename = "type")]
    pub job_type: JobType,
    pub user_name: String,
    pub queue_status: JobState,
    /// Held by a Pause; combines with pending and retrying.
    pub paused: bool,
    /// Due, but no line can send.
    pub no_line: bool,
    /// Queue status in words, derived from the enum and modifiers.
    pub status_text: String,
    /// What holds a queued job back now, in words: `queue paused` (PauseServerQueue) or
    /// `the discount window from 20:00`; empty when nothing does (and for jobs not queued).
    /// `next_attempt_at` is then the real time of its next attempt (none while the queue is
    /// paused).
    #[serde(default)]
    pub waits_for: String,
    pub device_status: DeviceStatus,
    pub page_count: u32,
    /// Pages the receiver has confirmed; a retry resumes after them.
    pub pages_confirmed: u32,
    /// The page on the line now (1-based), 0 when none.
    pub current_page: u32,
    pub fax_number: String,
    pub recipient_name: String,
    pub tsid: String,
    pub sender_name: String,
    pub sender_company: String,
    pub sender_dept: String,
    pub billing_code: String,
    pub display_name: String,
    pub discount_send: bool,
    pub priority: Priority,
    /// Attempts made so far.
    pub attempts: u32,
    /// Attempts this job may still make after the current one under today's Retries.
    pub retries_left: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub submitted_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub next_attempt_at: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub finished_at: Option<Timestamp>,
    /// The line of the current or last attempt.
    pub port: Option<String>,
    /// The last result in words.
    pub detail: String,
    pub document_id: i64,
    /// The commands this job takes now.
    pub allowed_operations: Vec<JobCommand>,
    /// For received faxes: the sender's identity (TSID) and caller id.
    pub remote_ident: String,
    pub caller_id: String,
}

/// A page of jobs (`GET /v1/jobs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobList {
    pub jobs: Vec<JobView>,
    /// Pass as `after` to get the next page; None on the last page.
    pub next_after: Option<JobId>,
}

/// A common cover page template of the server (`coverpage_name` with `server_coverpage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverPageTemplate {
    /// The name to give as `coverpage_name`.
    pub name: String,
    /// Its file in the server's `coverpages/` folder.
    pub file: String,
    /// `svg` or `text`.
    pub format: String,
}

/// A received fax in the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxFax {
    pub job_id: JobId,
    #[serde(rename = "type")]
    pub job_type: JobType,
    pub port: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: Timestamp,
    pub page_count: u32,
    /// The sender's identity (TSID).
    pub tsid: String,
    /// Our identity as sent when answering (CSID).
    pub csid: String,
    pub caller_id: String,
    /// The number that was called.
    pub called_number: String,
    pub document_id: i64,
    pub routing: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submit_request_splits_flat_fields_and_refuses_unknown_ones() {
        let r: SubmitRequest = serde_json::from_str(
            r#"{"fax_number":"100","recipient_name":"Ann","sender_name":"Bob","discount_send":true}"#,
        )
        .unwrap();
        assert_eq!(r.recipient.fax_number, "100");
        assert_eq!(r.recipient.recipient_name, "Ann");
        assert_eq!(r.doc.sender_name, "Bob");
        assert!(r.doc.discount_send);
        assert_eq!(r.all_recipients().len(), 1);

        let err = serde_json::from_str::<SubmitRequest>(r#"{"fax_number":"1","colour":true}"#).unwrap_err().to_string();
        assert!(err.contains("unknown field `colour`"), "{err}");
        let err =
            serde_json::from_str::<SubmitRequest>(r#"{"recipients":[{"fax_numbr":"1"}]}"#).unwrap_err().to_string();
        assert!(err.contains("fax_numbr"), "{err}");
    }

    /// The names of the text fields of a default value: those that serialize as empty strings
    /// (an enum such as `priority` has a name by default).
    fn string_fields<T: Serialize>(value: &T) -> Vec<String> {
        let serde_json::Value::Object(m) = serde_json::to_value(value).unwrap() else { panic!("not an object") };
        let mut names: Vec<String> = m.into_iter().filter(|(_, v)| v == "").map(|(k, _)| k).collect();
        names.sort();
        names
    }

    #[test]
    fn every_text_field_has_a_length_limit() {
        let r = Recipient::default();
        let mut limited: Vec<String> = r.text_fields().iter().map(|(n, _, _)| n.to_string()).collect();
        limited.sort();
        assert_eq!(limited, string_fields(&r), "a Recipient text field without a limit");
        let d = FaxDocFields::default();
        let mut limited: Vec<String> = d.text_fields().iter().map(|(n, _, _)| n.to_string()).collect();
        limited.sort();
        assert_eq!(limited, string_fields(&d), "a FaxDocFields text field without a limit");
    }

    #[test]
    fn lengths_are_checked_and_the_field_named_as_the_api_names_it() {
        use crate::validate::{MAX_NOTE_CHARS, MAX_TEXT_CHARS};
        let mut r = SubmitRequest::default();
        r.recipient.fax_number = "100".into();
        r.recipient.recipient_name = "n".repeat(MAX_TEXT_CHARS);
        r.doc.coverpage_note = "n".repeat(MAX_NOTE_CHARS);
        assert_eq!(r.check_lengths(), Ok(()));

        r.recipient.recipient_name.push('n');
        let e = r.check_lengths().unwrap_err();
        assert_eq!(e.field, "recipient_name");
        assert!(e.detail.contains("257 characters long; at most 256"), "{}", e.detail);
        r.recipient.recipient_name.pop();

        r.doc.coverpage_note.push('n');
        assert_eq!(r.check_lengths().unwrap_err().field, "coverpage_note");
        r.doc.coverpage_note.pop();

        r.recipient = Recipient::default();
        r.recipients = vec![
            Recipient { fax_number: "1".into(), ..Default::default() },
            Recipient {
                fax_number: "2".into(),
                recipient_company: "c".repeat(MAX_TEXT_CHARS + 1),
                ..Default::default()
            },
        ];
        assert_eq!(r.check_lengths().unwrap_err().field, "recipients[1].recipient_company");
    }

    #[test]
    fn submit_request_round_trips() {
        let mut r = SubmitRequest::default();
        r.recipients.push(Recipient { fax_number: "1".into(), ..Default::default() });
        r.recipients.push(Recipient { fax_number: "2".into(), ..Default::default() });
        r.doc.tsid = "+1 555".into();
        let back: SubmitRequest = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.all_recipients().len(), 2);
    }
}
