//! The job lifecycle: every rule that decides a job's next state, as pure functions over a
//! stored job. A user's command (pause, resume, cancel, restart, delete), the end of an
//! attempt on a line, the end of a routing pass over a received fax, and the recovery of a job
//! that a stop of faxd left on a line are each decided here and nowhere else; the callers
//! only load, save and publish. Nothing here reads a clock or touches the store.

use ferrofax_api::{DeviceStatus, JobCommand, JobState, JobType};

use crate::clock::Millis;
use crate::store::JobRow;

/// What a job cancelled while its call ran says it ended with.
pub const CANCELLED_DURING_THE_CALL: &str = "cancelled during the call";

/// What a command does to a job, once allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Pause,
    Resume,
    /// Cancel a queued job at once.
    Cancel,
    /// Cancel a job on a line: it goes Deleting until the line has ended the call.
    CancelOnLine,
    Restart,
    Delete,
}

/// Why a command does not apply to a job now, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

impl From<&str> for Refusal {
    fn from(s: &str) -> Self {
        Refusal(s.into())
    }
}

impl From<String> for Refusal {
    fn from(s: String) -> Self {
        Refusal(s)
    }
}

/// Decides whether `cmd` applies to a job in its present state; the error says why not.
pub fn decide(job_type: JobType, state: JobState, paused: bool, cmd: JobCommand) -> Result<Effect, Refusal> {
    use JobState::*;
    let name = state.display().to_lowercase();
    if job_type != JobType::Send {
        return match cmd {
            JobCommand::Delete if state.is_finished() => Ok(Effect::Delete),
            JobCommand::Delete => Err(format!("a received fax that is {name} cannot be deleted yet").into()),
            _ => Err(format!("`{}` applies to outgoing faxes only; this is a received fax", cmd.as_str()).into()),
        };
    }
    match cmd {
        JobCommand::Pause => match state {
            Pending | Retrying | InProgress if paused => Err("the job is already paused".into()),
            Pending | Retrying | InProgress => Ok(Effect::Pause),
            _ => Err(format!("a job that is {name} cannot be paused").into()),
        },
        JobCommand::Resume => match state {
            Pending | Retrying | InProgress if paused => Ok(Effect::Resume),
            Pending | Retrying | InProgress => Err("the job is not paused".into()),
            _ => Err(format!("a job that is {name} cannot be resumed").into()),
        },
        JobCommand::Cancel => match state {
            Pending | Retrying => Ok(Effect::Cancel),
            InProgress => Ok(Effect::CancelOnLine),
            Deleting => Err("the job is already being cancelled".into()),
            _ => Err(format!("the job has already ended ({name})").into()),
        },
        JobCommand::Restart => match state {
            Failed | RetriesExceeded | Canceled | Completed => Ok(Effect::Restart),
            _ => Err(format!("only an ended job can be restarted; this one is {name}").into()),
        },
        JobCommand::Delete => match state {
            Failed | RetriesExceeded | Canceled | Completed => Ok(Effect::Delete),
            _ => Err(format!("only an ended job can be deleted; this one is {name} (cancel it first)").into()),
        },
    }
}

/// The commands a job takes now.
pub fn allowed(job_type: JobType, state: JobState, paused: bool) -> Vec<JobCommand> {
    JobCommand::ALL.into_iter().filter(|c| decide(job_type, state, paused, *c).is_ok()).collect()
}

/// Applies an allowed effect (not Delete) to the row.
pub fn apply_command(row: &mut JobRow, effect: Effect, now: Millis) {
    match effect {
        Effect::Pause => row.paused = true,
        Effect::Resume => row.paused = false,
        Effect::Cancel => {
            row.state = JobState::Canceled;
            row.paused = false;
            row.finished_at = Some(now);
            row.detail = "cancelled".into();
        }
        Effect::CancelOnLine => {
            row.state = JobState::Deleting;
            row.device_status = DeviceStatus::Aborting;
            row.detail = "cancelling: ending the call".into();
        }
        Effect::Restart => {
            row.state = JobState::Pending;
            row.paused = false;
            row.attempts = 0;
            row.pages_confirmed = 0;
            row.current_page = 0;
            row.next_attempt_at = Some(now);
            row.finished_at = None;
            row.device_status = DeviceStatus::Unknown;
            row.detail = "restarted".into();
        }
        Effect::Delete => {}
    }
}

/// Why an attempt that did not deliver the fax ended, in the terms that decide a retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The call was refused or failed before or around the fax procedure; the port status says how.
    Line,
    /// The T.30 procedure failed.
    T30(ferrofax_t30::Failure),
}

/// How an attempt ended, as the line reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptEnd {
    /// Completed, or the failure as a port status (Busy, NoAnswer, BadAddress, Disconnected, …).
    pub status: DeviceStatus,
    /// What happened, in fax terms, for the job's detail.
    pub detail: String,
    /// The far end's identity (CSI), when it gave one.
    pub remote_ident: String,
    /// Pages of the job confirmed so far, counting those of earlier attempts.
    pub pages_confirmed: u32,
    /// Why the fax was not delivered (ignored when `status` is Completed).
    pub failure: Failure,
}

/// The settings that decide what follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// Minutes between attempts.
    pub retry_delay_minutes: u32,
}

/// Whether a failed attempt is tried again (while Retries allow). A failure that will not
/// change by calling again is final: a number that does not exist (BadAddress), a call the
/// far end blocks (CallBlacklisted), a far end that is not a fax line or refuses fax over IP
/// (NotFaxCall from the line), a fax machine that says it cannot receive, or two machines
/// with no mode in common. Every other T.30 failure is retried, as busy and no answer are.
pub fn is_retried(status: DeviceStatus, failure: Failure) -> bool {
    use ferrofax_t30::Failure as T;
    match failure {
        Failure::T30(T::RemoteCannotReceive | T::Incompatible | T::DocumentUnreadable) => false,
        Failure::T30(_) => true,
        Failure::Line => status.is_retryable(),
    }
}

/// Records the end of an attempt on a job: its state, next attempt and detail. `cancelled`
/// says whether the job was cancelled while the call ran. A fax the far end confirmed in full
/// is Completed even if a cancel came too late to stop it.
pub fn attempt_ended(row: &mut JobRow, end: &AttemptEnd, policy: RetryPolicy, cancelled: bool, now: Millis) {
    row.current_page = 0;
    row.lease_until = None;
    row.pages_confirmed = row.pages_confirmed.max(end.pages_confirmed);
    if !end.remote_ident.is_empty() {
        row.remote_ident = end.remote_ident.clone();
    }
    row.device_status = end.status;
    row.detail = end.detail.clone();
    let delivered = end.status == DeviceStatus::Completed;
    if delivered {
        finish(row, JobState::Completed, now);
    } else if row.state == JobState::Deleting || cancelled {
        finish(row, JobState::Canceled, now);
        // The line's own words when it had others to say (the call failed meanwhile).
        row.detail = if end.detail == CANCELLED_DURING_THE_CALL || end.detail.is_empty() {
            CANCELLED_DURING_THE_CALL.to_string()
        } else {
            format!("{CANCELLED_DURING_THE_CALL} ({})", end.detail)
        };
    } else if !is_retried(end.status, end.failure) {
        finish(row, JobState::Failed, now);
    } else if row.attempts <= policy.retries {
        // A job paused during its call stays paused, waiting in the queue.
        row.state = JobState::Retrying;
        row.next_attempt_at = Some(now + policy.retry_delay_minutes as Millis * 60_000);
    } else {
        finish(row, JobState::RetriesExceeded, now);
        row.detail = format!("{} (after {} attempts)", end.detail, row.attempts);
    }
}

/// Ends a job: a job that has ended is no longer paused.
fn finish(row: &mut JobRow, state: JobState, now: Millis) {
    row.state = state;
    row.paused = false;
    row.finished_at = Some(now);
}

/// A job that a stop of faxd left on a line goes back to the queue and resumes from its first
/// unconfirmed page; the interrupted attempt does not count against Retries. A job being
/// cancelled ends as Canceled.
pub fn recovered(row: &mut JobRow, now: Millis) {
    if row.state == JobState::Deleting {
        finish(row, JobState::Canceled, now);
        row.detail = "cancelled (faxd stopped during the call)".into();
    } else {
        row.state = if row.attempts <= 1 { JobState::Pending } else { JobState::Retrying };
        row.attempts = row.attempts.saturating_sub(1);
        row.next_attempt_at = Some(now);
        row.detail = format!("faxd stopped during the call; resuming from page {}", row.pages_confirmed + 1);
    }
    row.current_page = 0;
    row.lease_until = None;
}

/// The state a received fax is stored in: complete (Receive) or partial (FailReceive, saying
/// why the call ended early when known); with routing to do it says so from the start, so
/// that a restart finds it unrouted.
pub fn received(row: &mut JobRow, complete: bool, why_partial: Option<&str>, routing_to_do: bool, now: Millis) {
    row.job_type = if complete { JobType::Receive } else { JobType::FailReceive };
    row.state = if complete { JobState::Completed } else { JobState::Failed };
    row.device_status = match (routing_to_do, complete) {
        (true, _) => DeviceStatus::Routing,
        (false, true) => DeviceStatus::Completed,
        (false, false) => DeviceStatus::Disconnected,
    };
    row.detail = match (complete, why_partial) {
        (true, _) => "received".into(),
        (false, Some(why)) => format!("partial reception kept: {why}"),
        (false, None) => "partial reception kept".into(),
    };
    row.attempts = 1;
    row.finished_at = Some(now);
}

/// How a routing pass over a received fax ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutingEnd {
    /// Every enabled method has run well (or none is enabled any more).
    Done,
    /// These methods (or the reading of the methods) failed, each with why.
    Failed(Vec<String>),
}

/// Records the end of a routing pass: the routing log, and either the fax handled or a retry
/// after RetryDelay (a minute at least). A partial reception stays FailReceive throughout.
pub fn routing_ended(row: &mut JobRow, end: &RoutingEnd, log: String, retry_delay_minutes: u32, now: Millis) {
    row.routing = log;
    let partial = row.job_type == JobType::FailReceive;
    match end {
        RoutingEnd::Done => {
            if row.state == JobState::Retrying {
                row.job_type = if partial { JobType::FailReceive } else { JobType::Receive };
                row.state = if partial { JobState::Failed } else { JobState::Completed };
                row.finished_at = Some(now);
            }
            row.next_attempt_at = None;
            row.device_status = DeviceStatus::Handled;
            row.detail =
                if partial { "partial reception kept and routed".into() } else { "received and routed".into() };
        }
        RoutingEnd::Failed(why) => {
            if !partial {
                row.job_type = JobType::Routing;
            }
            row.state = JobState::Retrying;
            row.device_status = DeviceStatus::Routing;
            let kept = if partial { "partial reception kept; " } else { "" };
            row.detail = format!("{kept}routing failed: {}", why.join("; "));
            row.next_attempt_at = Some(now + (retry_delay_minutes as Millis * 60_000).max(60_000));
            row.finished_at = None;
        }
    }
}

/// Whether a received fax is waiting for a routing pass (its routing failed before).
pub fn awaits_routing(row: &JobRow) -> bool {
    matches!(row.job_type, JobType::Routing | JobType::FailReceive) && row.state == JobState::Retrying
}

#[cfg(test)]
mod tests;
