//! Delivery reports: when an outgoing fax ends for good — Completed, Failed, or
//! RetriesExceeded after its last retry, never on a retry and not when cancelled — and its
//! EmailAddress is set, the sender is told by e-mail through the SMTP profile ServerMapiProfile
//! names (none named: no reports). The report is sent on its own task, tried three times
//! (again after 10 s and 60 s), and a report that cannot be sent is logged; the job's outcome
//! never depends on it.

use std::sync::Arc;
use std::time::Duration;

use ferrofax_api::{JobState, JobType};
use ferrofax_route::{RouteError, SentFax};

use crate::clock::timestamp;
use crate::routing::{MethodFailure, Runtime};
use crate::store::JobRow;

/// Delays before the second and third try.
const RETRY_DELAYS: [Duration; 2] = [Duration::from_secs(10), Duration::from_secs(60)];

/// Called with a job's row after each attempt; sends the report when the job has ended.
pub fn job_ended(core: &Arc<Runtime>, row: &JobRow) {
    let ended = matches!(row.state, JobState::Completed | JobState::Failed | JobState::RetriesExceeded);
    if row.job_type != JobType::Send || !ended || row.fields.email_address.trim().is_empty() {
        return;
    }
    if core.parts().settings.snapshot().server_mapi_profile.is_empty() {
        tracing::debug!(job = row.id, "no delivery report: ServerMapiProfile names no SMTP profile");
        return;
    }
    let (core, row) = (core.clone(), row.clone());
    tokio::spawn(async move {
        match send(&core, &row).await {
            Ok(answer) => {
                tracing::info!(job = row.id, to = %row.fields.email_address, "delivery report sent: {answer}")
            }
            Err(e) => tracing::error!(job = row.id, to = %row.fields.email_address, "delivery report not sent: {e}"),
        }
    });
}

async fn send(core: &Arc<Runtime>, row: &JobRow) -> Result<String, MethodFailure> {
    let profile = core.smtp_profile()?;
    let to = ferrofax_route::mail::parse_recipients(&row.fields.email_address)?;
    let first_page = match core.parts().pages.job_page(row, 1).await {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::warn!(job = row.id, "delivery report without its first page: {}", e.chain());
            None
        }
    };
    let fax = SentFax {
        job_id: row.id,
        delivered: row.state == JobState::Completed,
        recipient_name: row.recipient.recipient_name.clone(),
        fax_number: row.fax_number.clone(),
        document: row.fields.display_name.clone(),
        pages_sent: row.pages_confirmed,
        pages_total: row.page_count,
        attempts: row.attempts,
        result: row.detail.clone(),
        csid: row.remote_ident.clone(),
        submitted_at: timestamp(row.submitted_at),
        finished_at: timestamp(row.finished_at.unwrap_or(row.submitted_at)),
        time_zone: core.parts().time_zone.clone(),
    };
    let (p, templates) = (profile.clone(), core.parts().config.routing.mail.clone());
    let message = tokio::task::spawn_blocking(move || {
        ferrofax_route::report::report_message(&p, &to, &templates, &fax, first_page.as_ref())
    })
    .await??;
    let mut tries = 0;
    loop {
        match profile.send(message.clone()).await {
            Ok(answer) => return Ok(answer),
            Err(e @ RouteError::Smtp { .. }) if tries < RETRY_DELAYS.len() => {
                tracing::warn!(job = row.id, "delivery report: {e}; trying again in {:?}", RETRY_DELAYS[tries]);
                tokio::time::sleep(RETRY_DELAYS[tries]).await;
                tries += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
}
