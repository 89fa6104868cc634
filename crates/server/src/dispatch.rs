//! The scheduler's decision as a sans-IO step: from the time, the settings, the send-enabled
//! lines in priority order and the jobs at the head of the queue, which job starts on which
//! line, and when to look again. Two halves, both pure: [`query`] says what to ask the store
//! for (nothing while the queue is paused or no line is free), [`assign`] pairs what the store
//! gave with the free lines. The store's query is only a pre-filter: [`is_eligible`] is the
//! rule, applied here again.

use ferrofax_api::JobState;

use crate::clock::Millis;
use crate::settings::DiscountWindow;
pub use crate::store::{QueueQuery, QueuedJob};

/// A send-enabled line, as the scheduler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChoice {
    pub device_id: String,
    /// Port priority, 1 first.
    pub priority: u32,
    /// Free for a call now.
    pub free: bool,
}

/// What the store knows of the rest of the queue, for when to look again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueTimes {
    /// The earliest next attempt of a queued, unpaused job that may go in the window's present
    /// state (DiscountSend jobs counted only while it is open).
    pub next_due: Option<Millis>,
    /// A queued, unpaused DiscountSend job exists.
    pub discount_waiting: bool,
}

/// The decision of one pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// (job id, line) to start, best job on best line first.
    pub starts: Vec<(i64, String)>,
    /// When something becomes due; None: only a change (a submission, a settings change, a
    /// freed line) can start anything.
    pub look_again: Option<Millis>,
}

/// Whether a queued job may start now.
pub fn is_eligible(job: &QueuedJob, now: Millis, discount_open: bool) -> bool {
    matches!(job.state, JobState::Pending | JobState::Retrying)
        && !job.paused
        && job.next_attempt_at.is_some_and(|t| t <= now)
        && (!job.discount_send || discount_open)
}

/// The first half: what to ask the store for, or None when nothing can start (the queue is
/// paused, or no send-enabled line is free).
pub fn query(now: Millis, queue_paused: bool, window: &DiscountWindow, lines: &[LineChoice]) -> Option<QueueQuery> {
    let free = lines.iter().filter(|l| l.free).count();
    (!queue_paused && free > 0).then(|| QueueQuery { now, discount_open: window.is_open(now), limit: free })
}

/// The second half: pairs the eligible jobs, in priority then submission order, with the free
/// lines, in port priority order; and says when to look again. `queue_paused` jobs never start.
pub fn assign(
    now: Millis,
    queue_paused: bool,
    window: &DiscountWindow,
    lines: &[LineChoice],
    head: &[QueuedJob],
    times: QueueTimes,
) -> Plan {
    if queue_paused {
        return Plan::default();
    }
    let open = window.is_open(now);
    let mut free: Vec<&LineChoice> = lines.iter().filter(|l| l.free).collect();
    free.sort_by_key(|l| (l.priority, l.device_id.clone()));
    let mut jobs: Vec<&QueuedJob> = head.iter().filter(|j| is_eligible(j, now, open)).collect();
    jobs.sort_by_key(|j| (j.priority_rank, j.id));
    let starts = jobs.iter().zip(free).map(|(j, l)| (j.id, l.device_id.clone())).collect();
    let mut look_again = times.next_due.filter(|t| *t > now);
    if !open && times.discount_waiting {
        let opens = window.next_change(now);
        look_again = Some(look_again.map_or(opens, |t| t.min(opens)));
    }
    Plan { starts, look_again }
}

/// Failed jobs finished before this time are purged now (DirtyDays); None: never (0 days).
pub fn purge_before(now: Millis, dirty_days: u32) -> Option<Millis> {
    (dirty_days > 0).then(|| now - dirty_days as Millis * 86_400_000)
}

#[cfg(test)]
mod tests;
