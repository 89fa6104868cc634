//! How a stored job is shown through the API (JobView): its state in words, why it waits,
//! the commands it takes now (decided by [`crate::lifecycle`]) and its next attempt as the
//! queue will really make it.

use std::sync::OnceLock;

use ferrofax_api::{JobState, JobType, JobView, Priority};

use crate::clock::{Millis, timestamp};
use crate::lifecycle::allowed;
use crate::settings::DiscountWindow;
use crate::store::JobRow;

/// What the queue looks like now, for showing jobs: the server settings that hold jobs back
/// and whether any line can send. Made once per listing or event, not per row.
pub struct Outlook {
    pub now: Millis,
    /// Retries of the server settings.
    pub retries: u32,
    /// No port can send now (the NoLine modifier).
    pub no_send_port: bool,
    /// PauseServerQueue is on.
    pub queue_paused: bool,
    pub window: DiscountWindow,
    /// When the discount window next opens, found only when a row needs it.
    opens_at: OnceLock<Option<Millis>>,
}

impl Outlook {
    pub fn new(now: Millis, retries: u32, no_send_port: bool, queue_paused: bool, window: DiscountWindow) -> Outlook {
        Outlook { now, retries, no_send_port, queue_paused, window, opens_at: OnceLock::new() }
    }

    /// When the discount window opens next; None while it is open.
    fn window_opens_at(&self) -> Option<Millis> {
        *self.opens_at.get_or_init(|| (!self.window.is_open(self.now)).then(|| self.window.next_change(self.now)))
    }
}

/// Shows a stored job through the API.
pub fn view(row: &JobRow, o: &Outlook) -> JobView {
    let (now, retries) = (o.now, o.retries);
    let queued = matches!(row.state, JobState::Pending | JobState::Retrying);
    let outgoing = row.job_type == JobType::Send;
    let waiting = outgoing && queued && !row.paused;
    let due = row.next_attempt_at.is_some_and(|t| t <= now);
    let no_line = waiting && due && o.no_send_port;
    let mut status_text = row.state.display().to_string();
    let mut next_attempt_at = if queued { row.next_attempt_at } else { None };
    if row.paused {
        status_text.push_str(", paused");
    }
    let mut waits_for = String::new();
    if waiting && o.queue_paused {
        // Nothing starts until the queue is resumed: there is no next attempt time to give.
        waits_for = "queue paused".into();
        status_text.push_str(", queue paused");
        next_attempt_at = None;
    } else if waiting
        && row.discount_send
        && let Some(opens) = o.window_opens_at()
    {
        waits_for = format!("the discount window from {}", o.window.describe_start());
        status_text.push_str(&format!(", waits for {waits_for}"));
        next_attempt_at = next_attempt_at.map(|t| t.max(opens));
    }
    if no_line {
        status_text.push_str(", no line");
    }
    let f = &row.fields;
    JobView {
        job_id: row.id,
        job_type: row.job_type,
        user_name: row.owner.clone(),
        queue_status: row.state,
        paused: row.paused,
        no_line,
        status_text,
        waits_for,
        device_status: row.device_status,
        page_count: row.page_count,
        pages_confirmed: row.pages_confirmed,
        current_page: row.current_page,
        fax_number: row.fax_number.clone(),
        recipient_name: row.recipient.recipient_name.clone(),
        tsid: f.tsid.clone(),
        sender_name: f.sender_name.clone(),
        sender_company: f.sender_company.clone(),
        sender_dept: f.sender_department.clone(),
        billing_code: f.billing_code.clone(),
        display_name: f.display_name.clone(),
        discount_send: row.discount_send,
        priority: f.priority,
        attempts: row.attempts,
        retries_left: if row.job_type == JobType::Send && !row.state.is_finished() {
            (retries + 1).saturating_sub(row.attempts.max(1))
        } else {
            0
        },
        submitted_at: timestamp(row.submitted_at),
        next_attempt_at: next_attempt_at.map(timestamp),
        finished_at: row.finished_at.map(timestamp),
        port: row.port.clone(),
        detail: row.detail.clone(),
        document_id: row.document_id,
        allowed_operations: allowed(row.job_type, row.state, row.paused),
        remote_ident: row.remote_ident.clone(),
        caller_id: row.caller_id.clone(),
    }
}

/// The rank a priority sorts by in the queue.
pub fn priority_rank(p: Priority) -> i64 {
    p.rank()
}
