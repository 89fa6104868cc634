//! The lifecycle's tables: every command in every state, every way an attempt ends, every way
//! a routing pass ends.

use super::*;
use crate::store::tests_support::job_row;
use JobCommand as C;
use JobState as S;
use ferrofax_t30::Failure as T30;

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
                    assert!(!why.0.is_empty());
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
    let mut row = job_row();
    row.state = S::RetriesExceeded;
    row.attempts = 3;
    row.pages_confirmed = 2;
    row.finished_at = Some(5);
    apply_command(&mut row, Effect::Restart, 100);
    assert_eq!(
        (row.state, row.attempts, row.pages_confirmed, row.next_attempt_at, row.finished_at),
        (S::Pending, 0, 0, Some(100), None)
    );
    assert_eq!(allowed(JobType::Send, row.state, row.paused), vec![C::Pause, C::Cancel]);
}

#[test]
fn a_paused_job_cancelled_in_the_queue_is_no_longer_paused() {
    let mut row = job_row();
    row.paused = true;
    apply_command(&mut row, Effect::Cancel, 7);
    assert_eq!((row.state, row.paused, row.finished_at), (S::Canceled, false, Some(7)));
}

const NOW: Millis = 1_000_000;
const POLICY: RetryPolicy = RetryPolicy { retries: 2, retry_delay_minutes: 10 };

fn end(status: DeviceStatus, failure: Failure) -> AttemptEnd {
    AttemptEnd { status, detail: "what happened".into(), remote_ident: String::new(), pages_confirmed: 0, failure }
}

/// Every way an attempt ends: (state before, paused, attempt number, status, failure,
/// cancelled) → (state, paused, next attempt).
#[test]
fn attempt_end_table() {
    use DeviceStatus as D;
    let line = Failure::Line;
    let retry_at = Some(NOW + 10 * 60_000);
    /// (state before, paused, attempt, status, failure, cancelled, state after, paused after, next attempt)
    type Row = (S, bool, u32, D, Failure, bool, S, bool, Option<Millis>);
    #[rustfmt::skip]
    let table: &[Row] = &[
        // delivered
        (S::InProgress, false, 1, D::Completed, line, false,                  S::Completed, false, None),
        // delivered although a cancel came too late: never Canceled
        (S::Deleting,   false, 1, D::Completed, line, true,                   S::Completed, false, None),
        // delivered while paused: ended, so no longer paused
        (S::InProgress, true,  1, D::Completed, line, false,                  S::Completed, false, None),
        // cancelled during the call
        (S::Deleting,   false, 1, D::Aborting, line, true,                    S::Canceled, false, None),
        (S::InProgress, false, 1, D::Disconnected, line, true,                S::Canceled, false, None),
        // retried while Retries allow, paused or not
        (S::InProgress, false, 1, D::Busy, line, false,                       S::Retrying, false, retry_at),
        (S::InProgress, true,  2, D::NoAnswer, line, false,                   S::Retrying, true, retry_at),
        (S::InProgress, false, 3, D::Busy, line, false,                       S::RetriesExceeded, false, None),
        // T.30 failures are retried, T1 among them
        (S::InProgress, false, 1, D::NotFaxCall, Failure::T30(T30::T1Expired), false, S::Retrying, false, retry_at),
        (S::InProgress, false, 1, D::Disconnected, Failure::T30(T30::CannotTrain), false, S::Retrying, false, retry_at),
        (S::InProgress, false, 3, D::Disconnected, Failure::T30(T30::NoResponseAfterPage), false, S::RetriesExceeded, false, None),
        // final failures
        (S::InProgress, false, 1, D::BadAddress, line, false,                 S::Failed, false, None),
        (S::InProgress, false, 1, D::CallBlacklisted, line, false,            S::Failed, false, None),
        (S::InProgress, true,  1, D::NotFaxCall, line, false,                 S::Failed, false, None),
        (S::InProgress, false, 1, D::NotFaxCall, Failure::T30(T30::RemoteCannotReceive), false, S::Failed, false, None),
        (S::InProgress, false, 1, D::Disconnected, Failure::T30(T30::Incompatible), false, S::Failed, false, None),
    ];
    for (i, (before, paused, attempt, status, failure, cancelled, state, paused_after, next)) in
        table.iter().enumerate()
    {
        let mut row = job_row();
        row.state = *before;
        row.paused = *paused;
        row.attempts = *attempt;
        row.next_attempt_at = None;
        row.lease_until = Some(NOW + 1);
        row.current_page = 1;
        attempt_ended(&mut row, &end(*status, *failure), POLICY, *cancelled, NOW);
        assert_eq!((row.state, row.paused, row.next_attempt_at), (*state, *paused_after, *next), "row {i}");
        assert_eq!((row.current_page, row.lease_until, row.device_status), (0, None, *status), "row {i}");
        assert_eq!(row.finished_at.is_some(), state.is_finished(), "row {i}");
    }
}

#[test]
fn an_attempt_end_keeps_the_best_confirmed_count_and_names_the_far_end() {
    let mut row = job_row();
    row.state = S::InProgress;
    row.attempts = 1;
    row.pages_confirmed = 3;
    let mut e = end(DeviceStatus::Disconnected, Failure::Line);
    e.pages_confirmed = 2;
    e.remote_ident = "+1 555 0100".into();
    attempt_ended(&mut row, &e, POLICY, false, NOW);
    assert_eq!((row.pages_confirmed, row.remote_ident.as_str()), (3, "+1 555 0100"));
}

#[test]
fn cancelled_details_say_so_once() {
    let mut row = job_row();
    row.state = S::Deleting;
    row.attempts = 1;
    let mut e = end(DeviceStatus::Aborting, Failure::Line);
    e.detail = CANCELLED_DURING_THE_CALL.into();
    attempt_ended(&mut row, &e, POLICY, true, NOW);
    assert_eq!(row.detail, CANCELLED_DURING_THE_CALL);
    let mut row = job_row();
    row.state = S::Deleting;
    e.detail = "T.30: the call was dropped".into();
    attempt_ended(&mut row, &e, POLICY, true, NOW);
    assert_eq!(row.detail, "cancelled during the call (T.30: the call was dropped)");
}

#[test]
fn retries_exceeded_says_how_many_attempts() {
    let mut row = job_row();
    row.state = S::InProgress;
    row.attempts = 3;
    attempt_ended(&mut row, &end(DeviceStatus::Busy, Failure::Line), POLICY, false, NOW);
    assert_eq!(row.detail, "what happened (after 3 attempts)");
    // Retries 0: the first failure is the last.
    let mut row = job_row();
    row.state = S::InProgress;
    row.attempts = 1;
    let none = RetryPolicy { retries: 0, retry_delay_minutes: 10 };
    attempt_ended(&mut row, &end(DeviceStatus::Busy, Failure::Line), none, false, NOW);
    assert_eq!(row.state, S::RetriesExceeded);
}

#[test]
fn recovery_requeues_without_counting_the_interrupted_attempt() {
    let mut row = job_row();
    row.state = S::InProgress;
    row.attempts = 2;
    row.pages_confirmed = 4;
    row.lease_until = Some(5);
    recovered(&mut row, NOW);
    assert_eq!((row.state, row.attempts, row.next_attempt_at, row.lease_until), (S::Retrying, 1, Some(NOW), None));
    assert!(row.detail.contains("resuming from page 5"), "{}", row.detail);
    let mut row = job_row();
    row.state = S::InProgress;
    row.attempts = 1;
    recovered(&mut row, NOW);
    assert_eq!((row.state, row.attempts), (S::Pending, 0));
    let mut row = job_row();
    row.state = S::Deleting;
    row.paused = true;
    recovered(&mut row, NOW);
    assert_eq!((row.state, row.paused, row.finished_at), (S::Canceled, false, Some(NOW)));
}

fn received_row(complete: bool, routing: bool) -> JobRow {
    let mut row = JobRow::new(JobType::Receive, "", 0);
    received(&mut row, complete, None, routing, NOW);
    row
}

#[test]
fn received_faxes_are_stored_complete_or_partial() {
    let r = received_row(true, false);
    assert_eq!((r.job_type, r.state, r.device_status), (JobType::Receive, S::Completed, DeviceStatus::Completed));
    let r = received_row(false, false);
    assert_eq!((r.job_type, r.state, r.device_status), (JobType::FailReceive, S::Failed, DeviceStatus::Disconnected));
    let r = received_row(false, true);
    assert_eq!((r.job_type, r.state, r.device_status), (JobType::FailReceive, S::Failed, DeviceStatus::Routing));
    let mut r = JobRow::new(JobType::Receive, "", 0);
    received(&mut r, false, Some("the other end disconnected before the end of the document"), false, NOW);
    assert_eq!(r.detail, "partial reception kept: the other end disconnected before the end of the document");
}

/// Every way a routing pass ends, on a complete and on a partial reception, first pass and
/// retry: (complete, pass failed before, this pass fails) → (type, state, device status).
#[test]
fn routing_end_table() {
    use DeviceStatus as D;
    use JobType as J;
    #[rustfmt::skip]
    let table: &[(bool, bool, bool, J, S, D, bool)] = &[
        // complete               type               state          device status  retry planned
        (true,  false, false,     J::Receive,        S::Completed,  D::Handled,    false),
        (true,  false, true,      J::Routing,        S::Retrying,   D::Routing,    true),
        (true,  true,  true,      J::Routing,        S::Retrying,   D::Routing,    true),
        (true,  true,  false,     J::Receive,        S::Completed,  D::Handled,    false),
        // a partial reception keeps its mark through routing and its retries
        (false, false, false,     J::FailReceive,    S::Failed,     D::Handled,    false),
        (false, false, true,      J::FailReceive,    S::Retrying,   D::Routing,    true),
        (false, true,  true,      J::FailReceive,    S::Retrying,   D::Routing,    true),
        (false, true,  false,     J::FailReceive,    S::Failed,     D::Handled,    false),
    ];
    for (i, (complete, failed_before, fails, job_type, state, status, retry)) in table.iter().enumerate() {
        let mut row = received_row(*complete, true);
        if *failed_before {
            routing_ended(&mut row, &RoutingEnd::Failed(vec!["email: refused".into()]), "x".into(), 10, NOW);
            assert!(awaits_routing(&row), "row {i}");
        }
        let outcome = if *fails { RoutingEnd::Failed(vec!["webhook: 500".into()]) } else { RoutingEnd::Done };
        routing_ended(&mut row, &outcome, "log".into(), 0, NOW + 5);
        assert_eq!((row.job_type, row.state, row.device_status), (*job_type, *state, *status), "row {i}");
        assert_eq!(row.next_attempt_at, retry.then_some(NOW + 5 + 60_000), "row {i}: a minute at least");
        assert_eq!(awaits_routing(&row), *retry, "row {i}");
        assert_eq!(row.routing, "log");
        assert_eq!(row.finished_at.is_some(), !retry, "row {i}");
    }
}
