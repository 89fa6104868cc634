//! The job state machine: which command applies in which state, what it changes, and how a
//! stored job is shown through the API.

use ferrofax_api::{DeviceStatus, JobCommand, JobState, JobType, JobView, Priority};

use crate::clock::{Millis, timestamp};
use crate::store::JobRow;

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

/// Decides whether `cmd` applies to a job in its present state; the error says why not.
pub fn decide(job_type: JobType, state: JobState, paused: bool, cmd: JobCommand) -> Result<Effect, String> {
    use JobState::*;
    let name = state.display().to_lowercase();
    if job_type != JobType::Send {
        return match cmd {
            JobCommand::Delete if state.is_finished() => Ok(Effect::Delete),
            JobCommand::Delete => Err(format!("a received fax that is {name} cannot be deleted yet")),
            _ => Err(format!("`{}` applies to outgoing faxes only; this is a received fax", cmd.as_str())),
        };
    }
    match cmd {
        JobCommand::Pause => match state {
            Pending | Retrying | InProgress if paused => Err("the job is already paused".into()),
            Pending | Retrying | InProgress => Ok(Effect::Pause),
            _ => Err(format!("a job that is {name} cannot be paused")),
        },
        JobCommand::Resume => match state {
            Pending | Retrying | InProgress if paused => Ok(Effect::Resume),
            Pending | Retrying | InProgress => Err("the job is not paused".into()),
            _ => Err(format!("a job that is {name} cannot be resumed")),
        },
        JobCommand::Cancel => match state {
            Pending | Retrying => Ok(Effect::Cancel),
            InProgress => Ok(Effect::CancelOnLine),
            Deleting => Err("the job is already being cancelled".into()),
            _ => Err(format!("the job has already ended ({name})")),
        },
        JobCommand::Restart => match state {
            Failed | RetriesExceeded | Canceled | Completed => Ok(Effect::Restart),
            _ => Err(format!("only an ended job can be restarted; this one is {name}")),
        },
        JobCommand::Delete => match state {
            Failed | RetriesExceeded | Canceled | Completed => Ok(Effect::Delete),
            _ => Err(format!("only an ended job can be deleted; this one is {name} (cancel it first)")),
        },
    }
}

/// The commands a job takes now.
pub fn allowed(job_type: JobType, state: JobState, paused: bool) -> Vec<JobCommand> {
    JobCommand::ALL.into_iter().filter(|c| decide(job_type, state, paused, *c).is_ok()).collect()
}

/// Applies an allowed effect (not Delete) to the row.
pub fn apply(row: &mut JobRow, effect: Effect, now: Millis) {
    match effect {
        Effect::Pause => row.paused = true,
        Effect::Resume => row.paused = false,
        Effect::Cancel => {
            row.state = JobState::Canceled;
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

/// Shows a stored job through the API. `no_line` says whether no port can send now; `retries`
/// is the server's Retries setting.
pub fn view(row: &JobRow, no_line_now: bool, retries: u32, now: Millis) -> JobView {
    let queued = matches!(row.state, JobState::Pending | JobState::Retrying);
    let due = row.next_attempt_at.is_some_and(|t| t <= now);
    let no_line = row.job_type == JobType::Send && queued && !row.paused && due && no_line_now;
    let mut status_text = row.state.display().to_string();
    if row.paused {
        status_text.push_str(", paused");
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
        next_attempt_at: if queued { row.next_attempt_at.map(timestamp) } else { None },
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

#[cfg(test)]
mod tests {
    use super::*;
    use JobCommand as C;
    use JobState as S;

    /// Every command in every state of an outgoing job, paused and not: the whole table.
    #[test]
    fn command_table() {
        use Effect as E;
        let ok = |e: E| Some(e);
        #[rustfmt::skip]
        let table: &[(S, bool, [Option<E>; 5])] = &[
            //                     pause             resume             cancel                restart              delete
            (S::Pending, false,    [ok(E::Pause),    None,              ok(E::Cancel),        None,                None]),
            (S::Pending, true,     [None,            ok(E::Resume),     ok(E::Cancel),        None,                None]),
            (S::Retrying, false,   [ok(E::Pause),    None,              ok(E::Cancel),        None,                None]),
            (S::Retrying, true,    [None,            ok(E::Resume),     ok(E::Cancel),        None,                None]),
            (S::InProgress, false, [ok(E::Pause),    None,              ok(E::CancelOnLine),  None,                None]),
            (S::InProgress, true,  [None,            ok(E::Resume),     ok(E::CancelOnLine),  None,                None]),
            (S::Deleting, false,   [None,            None,              None,                 None,                None]),
            (S::Failed, false,     [None,            None,              None,                 ok(E::Restart),      ok(E::Delete)]),
            (S::RetriesExceeded, false, [None,       None,              None,                 ok(E::Restart),      ok(E::Delete)]),
            (S::Completed, false,  [None,            None,              None,                 ok(E::Restart),      ok(E::Delete)]),
            (S::Canceled, false,   [None,            None,              None,                 ok(E::Restart),      ok(E::Delete)]),
        ];
        let cmds = [C::Pause, C::Resume, C::Cancel, C::Restart, C::Delete];
        for (state, paused, expect) in table {
            for (cmd, want) in cmds.iter().zip(expect) {
                let got = decide(JobType::Send, *state, *paused, *cmd);
                match want {
                    Some(e) => assert_eq!(got, Ok(*e), "{state:?} paused={paused} {cmd:?}"),
                    None => {
                        let why = got.expect_err(&format!("{state:?} paused={paused} {cmd:?} must be refused"));
                        assert!(!why.is_empty());
                    }
                }
            }
        }
        // Every state is in the table.
        for s in S::ALL {
            assert!(table.iter().any(|(t, _, _)| *t == s), "{s:?} missing");
        }
    }

    #[test]
    fn received_faxes_take_only_delete_once_ended() {
        for t in [JobType::Receive, JobType::Routing, JobType::FailReceive] {
            for s in S::ALL {
                for c in JobCommand::ALL {
                    let r = decide(t, s, false, c);
                    assert_eq!(r.is_ok(), c == C::Delete && s.is_finished(), "{t:?} {s:?} {c:?}");
                }
            }
        }
    }

    #[test]
    fn restart_resets_the_attempts_and_confirmed_pages() {
        let mut row = crate::store::tests_support::job_row();
        row.state = S::RetriesExceeded;
        row.attempts = 3;
        row.pages_confirmed = 2;
        row.finished_at = Some(5);
        apply(&mut row, Effect::Restart, 100);
        assert_eq!(
            (row.state, row.attempts, row.pages_confirmed, row.next_attempt_at, row.finished_at),
            (S::Pending, 0, 0, Some(100), None)
        );
        assert_eq!(allowed(JobType::Send, row.state, row.paused), vec![C::Pause, C::Cancel]);
    }
}
