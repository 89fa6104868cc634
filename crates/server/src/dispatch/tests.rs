//! The scheduler's decision, case by case: discount windows, the paused queue, paused jobs,
//! job priority, port priority, retries waiting for RetryDelay, DirtyDays.

use super::*;
use ferrofax_api::ServerSettings;
use jiff::tz::TimeZone;

/// 2026-12-01 12:00 UTC.
const NOON: Millis = 1_764_590_400_000;
const HOUR: Millis = 3_600_000;

fn window(start: (u8, u8), end: (u8, u8)) -> DiscountWindow {
    let mut s: ServerSettings = crate::settings::defaults(std::path::Path::new("/tmp"));
    (s.discount_rate_start_hour, s.discount_rate_start_minute) = start;
    (s.discount_rate_end_hour, s.discount_rate_end_minute) = end;
    DiscountWindow::new(&s, TimeZone::UTC)
}

/// The shipped window, 20:00–07:00: closed at noon.
fn evening() -> DiscountWindow {
    window((20, 0), (7, 0))
}

fn line(id: &str, priority: u32) -> LineChoice {
    LineChoice { device_id: id.into(), priority, free: true }
}

fn job(id: i64) -> QueuedJob {
    QueuedJob {
        id,
        state: JobState::Pending,
        priority_rank: 1,
        paused: false,
        discount_send: false,
        next_attempt_at: Some(NOON - 1000),
    }
}

fn plan(w: &DiscountWindow, lines: &[LineChoice], head: &[QueuedJob], times: QueueTimes) -> Plan {
    assign(NOON, false, w, lines, head, times)
}

fn starts(p: &Plan) -> Vec<(i64, &str)> {
    p.starts.iter().map(|(j, l)| (*j, l.as_str())).collect()
}

#[test]
fn a_due_job_starts_on_the_free_line() {
    let p = plan(&evening(), &[line("a", 1)], &[job(1)], QueueTimes::default());
    assert_eq!(starts(&p), [(1, "a")]);
    assert_eq!(p.look_again, None);
}

#[test]
fn the_better_priority_free_port_is_chosen() {
    let mut busy = line("first", 1);
    busy.free = false;
    let lines = [line("third", 3), busy, line("second", 2)];
    let p = plan(&evening(), &lines, &[job(1), job(2)], QueueTimes::default());
    assert_eq!(starts(&p), [(1, "second"), (2, "third")]);
}

#[test]
fn a_higher_priority_job_goes_first_then_submission_order() {
    let mut high = job(9);
    high.priority_rank = 0;
    let mut low = job(1);
    low.priority_rank = 2;
    let p = plan(&evening(), &[line("a", 1), line("b", 2)], &[low, job(5), high, job(3)], QueueTimes::default());
    assert_eq!(starts(&p), [(9, "a"), (3, "b")]);
}

#[test]
fn a_paused_queue_starts_nothing_and_asks_for_nothing() {
    let lines = [line("a", 1)];
    assert_eq!(query(NOON, true, &evening(), &lines), None);
    let p = assign(
        NOON,
        true,
        &evening(),
        &lines,
        &[job(1)],
        QueueTimes { next_due: Some(NOON + HOUR), ..Default::default() },
    );
    assert_eq!(p, Plan::default());
    assert_eq!(query(NOON, false, &evening(), &lines), Some(QueueQuery { now: NOON, discount_open: false, limit: 1 }));
}

#[test]
fn no_free_line_asks_for_nothing() {
    let mut l = line("a", 1);
    l.free = false;
    assert_eq!(query(NOON, false, &evening(), &[l.clone()]), None);
    assert!(plan(&evening(), &[l], &[job(1)], QueueTimes::default()).starts.is_empty());
}

#[test]
fn paused_jobs_and_ended_jobs_are_skipped() {
    let mut paused = job(1);
    paused.paused = true;
    let mut running = job(2);
    running.state = JobState::InProgress;
    let p = plan(&evening(), &[line("a", 1), line("b", 2)], &[paused, running, job(3)], QueueTimes::default());
    assert_eq!(starts(&p), [(3, "a")]);
}

#[test]
fn a_retry_waits_for_retry_delay_and_is_looked_at_then() {
    let mut retry = job(1);
    retry.state = JobState::Retrying;
    retry.next_attempt_at = Some(NOON + 10 * 60_000);
    let times = QueueTimes { next_due: Some(NOON + 10 * 60_000), discount_waiting: false };
    let p = plan(&evening(), &[line("a", 1)], &[retry], times);
    assert!(p.starts.is_empty());
    assert_eq!(p.look_again, Some(NOON + 10 * 60_000));
    // Once due, it starts.
    let p = assign(NOON + 10 * 60_000, false, &evening(), &[line("a", 1)], &[retry], times);
    assert_eq!(starts(&p), [(1, "a")]);
}

#[test]
fn discount_jobs_wait_for_the_window_and_others_do_not() {
    let mut cheap = job(1);
    cheap.discount_send = true;
    let times = QueueTimes { next_due: None, discount_waiting: true };
    let p = plan(&evening(), &[line("a", 1), line("b", 2)], &[cheap, job(2)], times);
    assert_eq!(starts(&p), [(2, "a")]);
    // Looked at again when the window opens, at 20:00.
    assert_eq!(p.look_again, Some(NOON + 8 * HOUR));
    // At 20:00 it goes.
    let p = assign(NOON + 8 * HOUR, false, &evening(), &[line("a", 1)], &[cheap], times);
    assert_eq!(starts(&p), [(1, "a")]);
    // A retry due before the window opens is looked at first.
    let p =
        plan(&evening(), &[line("a", 1)], &[cheap], QueueTimes { next_due: Some(NOON + HOUR), discount_waiting: true });
    assert_eq!(p.look_again, Some(NOON + HOUR));
}

/// The plan at `at` for one DiscountSend job, due long ago, and one free line.
fn plan_cheap_job_at(w: &DiscountWindow, at: Millis) -> Plan {
    let mut cheap = job(1);
    cheap.discount_send = true;
    cheap.next_attempt_at = Some(0);
    assign(at, false, w, &[line("a", 1)], &[cheap], QueueTimes { discount_waiting: true, ..Default::default() })
}

#[test]
fn a_window_that_wraps_midnight_is_open_before_and_after_it() {
    let w = window((22, 30), (6, 15));
    for (at, open) in [
        (NOON, false),
        (NOON + 10 * HOUR + 30 * 60_000, true),
        (NOON + 18 * HOUR, true),
        (NOON + 18 * HOUR + 15 * 60_000, false),
    ] {
        let p = plan_cheap_job_at(&w, at);
        assert_eq!(!p.starts.is_empty(), open, "at {at}");
    }
}

#[test]
fn a_window_whose_start_equals_its_end_is_always_open() {
    let w = window((9, 0), (9, 0));
    for at in [NOON, NOON - 3 * HOUR, NOON + 9 * HOUR] {
        let p = plan_cheap_job_at(&w, at);
        assert_eq!(starts(&p), [(1, "a")], "at {at}");
        assert_eq!(p.look_again, None);
    }
    assert_eq!(query(NOON, false, &w, &[line("a", 1)]).map(|q| q.discount_open), Some(true));
}

#[test]
fn dirty_days_zero_never_purges() {
    assert_eq!(purge_before(NOON, 0), None);
    assert_eq!(purge_before(NOON, 2), Some(NOON - 48 * HOUR));
}
