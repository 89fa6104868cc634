//! `fax send`: makes a FaxDoc from flags, sends it, and with `--wait` follows each job live
//! from the server's events (queued, dialing, page n of N, result).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use ferrofax_client::{DeviceStatus, EventBody, FaxServer, JobState, JobView, Priority};
use futures_util::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::output::json;

#[derive(Args)]
pub struct SendArgs {
    /// The document: PDF, PostScript, TIFF, a picture (PNG, JPEG, GIF, BMP, WebP) or plain text.
    file: PathBuf,
    /// A number to send to; repeat for several recipients (one job each).
    #[arg(long = "to", required = true)]
    to: Vec<String>,
    /// The recipient's name (on the cover page and in the job list).
    #[arg(long)]
    recipient_name: Option<String>,
    /// The recipient's company (on the cover page).
    #[arg(long)]
    recipient_company: Option<String>,
    /// Your name (on the cover page and the branding line).
    #[arg(long)]
    sender_name: Option<String>,
    /// Your company (on the cover page).
    #[arg(long)]
    sender_company: Option<String>,
    /// Your fax number (on the cover page).
    #[arg(long)]
    sender_fax: Option<String>,
    /// The identity to send (unless the server uses the line's).
    #[arg(long)]
    tsid: Option<String>,
    /// A code for your accounting, kept with the job and searchable.
    #[arg(long)]
    billing_code: Option<String>,
    /// Where delivery reports go.
    #[arg(long)]
    email: Option<String>,
    /// The name the job is listed under (default: the file's name).
    #[arg(long)]
    display_name: Option<String>,
    /// Send a cover page: the name of one of the server's common cover pages.
    #[arg(long)]
    cover: Option<String>,
    /// Send a personal cover page from this file.
    #[arg(long, conflicts_with = "cover")]
    cover_file: Option<PathBuf>,
    /// The subject line of the cover page.
    #[arg(long)]
    cover_subject: Option<String>,
    /// The message of the cover page (`\n` starts a new line).
    #[arg(long)]
    cover_note: Option<String>,
    /// Wait for the discount-rate window.
    #[arg(long)]
    discount: bool,
    /// Which due faxes go first.
    #[arg(long, value_parser = ["low", "normal", "high"], default_value = "normal")]
    priority: String,
    /// Follow the jobs until they end, showing progress.
    #[arg(long)]
    wait: bool,
}

pub async fn send(s: &FaxServer, a: SendArgs, as_json: bool) -> anyhow::Result<i32> {
    let mut doc = s.create_document(&a.file)?;
    if a.to.len() == 1 {
        doc.set_fax_number(a.to[0].clone());
        if let Some(v) = &a.recipient_name {
            doc.set_recipient_name(v.clone());
        }
        if let Some(v) = &a.recipient_company {
            doc.set_recipient_company(v.clone());
        }
    } else {
        for n in &a.to {
            doc.add_recipient(ferrofax_client::Recipient {
                fax_number: n.clone(),
                recipient_name: a.recipient_name.clone().unwrap_or_default(),
                recipient_company: a.recipient_company.clone().unwrap_or_default(),
                ..Default::default()
            });
        }
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    doc.set_sender_name(opt(&a.sender_name))
        .set_sender_company(opt(&a.sender_company))
        .set_sender_fax(opt(&a.sender_fax))
        .set_tsid(opt(&a.tsid))
        .set_billing_code(opt(&a.billing_code))
        .set_email_address(opt(&a.email))
        .set_display_name(a.display_name.clone().unwrap_or_else(|| a.file.display().to_string()))
        .set_coverpage_subject(opt(&a.cover_subject))
        .set_coverpage_note(opt(&a.cover_note))
        .set_discount_send(a.discount)
        .set_priority(match a.priority.as_str() {
            "low" => Priority::Low,
            "high" => Priority::High,
            _ => Priority::Normal,
        });
    if let Some(c) = &a.cover {
        doc.set_send_coverpage(true).set_server_coverpage(true).set_coverpage_name(c.clone());
    }
    if let Some(f) = &a.cover_file {
        doc.set_send_coverpage(true).set_server_coverpage(false).set_coverpage_file(f.clone());
        doc.set_coverpage_name(f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    }
    // A key makes a retry of this very command after a lost answer safe.
    doc.set_idempotency_key(format!("fax-cli-{}-{}", std::process::id(), jiff::Timestamp::now().as_nanosecond()));

    let events = if a.wait { Some(s.events(None).await?) } else { None };
    let sent = doc.send_detailed().await?;
    let Some(mut events) = events else {
        if as_json {
            json(&sent)?;
        } else {
            for (id, n) in sent.job_ids.iter().zip(&a.to) {
                println!("job {id}: {n} queued ({} pages)", sent.page_count);
            }
        }
        return Ok(0);
    };

    let progress = Progress::new(&sent.job_ids, &a.to, as_json);
    let mut finished: BTreeMap<i64, JobView> = BTreeMap::new();
    // Jobs may have moved before the stream started: look once.
    for id in &sent.job_ids {
        let j = s.job(*id).await?;
        progress.show(j.view());
        if j.queue_status.is_finished() {
            finished.insert(*id, j.view().clone());
        }
    }
    while finished.len() < sent.job_ids.len() {
        match events.next().await {
            Some(Ok(e)) => {
                if let EventBody::Job { job } = e.body
                    && sent.job_ids.contains(&job.job_id)
                {
                    progress.show(&job);
                    if job.queue_status.is_finished() {
                        finished.insert(job.job_id, *job);
                    }
                }
            }
            Some(Err(e)) => return Err(e.into()),
            None => {
                // The stream ended (server restart?): fall back to asking.
                for id in &sent.job_ids {
                    let j = s.job(*id).await?;
                    if j.queue_status.is_finished() {
                        finished.insert(*id, j.view().clone());
                    }
                }
                if finished.len() < sent.job_ids.len() {
                    events = s.events(None).await?;
                }
            }
        }
    }
    progress.done();
    if as_json {
        json(&finished.values().collect::<Vec<_>>())?;
    }
    Ok(if finished.values().all(|j| j.queue_status == JobState::Completed) { 0 } else { 2 })
}

/// One line per job: bars on a terminal, plain lines otherwise.
struct Progress {
    bars: Option<(MultiProgress, BTreeMap<i64, ProgressBar>)>,
    numbers: BTreeMap<i64, String>,
    quiet: bool,
    last: std::sync::Mutex<BTreeMap<i64, String>>,
}

impl Progress {
    fn new(ids: &[i64], numbers: &[String], quiet: bool) -> Self {
        let numbers: BTreeMap<i64, String> = ids.iter().copied().zip(numbers.iter().cloned()).collect();
        let bars = (!quiet && std::io::stdout().is_terminal()).then(|| {
            let m = MultiProgress::new();
            let style = ProgressStyle::with_template("{spinner} job {prefix}: {msg}").expect("template");
            let bars = ids
                .iter()
                .map(|id| {
                    let b = m.add(ProgressBar::new_spinner().with_style(style.clone()).with_prefix(id.to_string()));
                    b.enable_steady_tick(std::time::Duration::from_millis(120));
                    (*id, b)
                })
                .collect();
            (m, bars)
        });
        Progress { bars, numbers, quiet, last: Default::default() }
    }

    fn show(&self, j: &JobView) {
        let number = self.numbers.get(&j.job_id).cloned().unwrap_or_default();
        let msg = describe(j, &number);
        if let Some((_, bars)) = &self.bars {
            if let Some(b) = bars.get(&j.job_id) {
                if j.queue_status.is_finished() {
                    b.finish_with_message(msg);
                } else {
                    b.set_message(msg);
                }
            }
        } else if !self.quiet {
            let mut last = self.last.lock().expect("progress");
            if last.get(&j.job_id) != Some(&msg) {
                println!("job {}: {msg}", j.job_id);
                last.insert(j.job_id, msg);
            }
        }
    }

    fn done(&self) {
        if let Some((m, _)) = &self.bars {
            let _ = m.clear();
        }
    }
}

fn describe(j: &JobView, number: &str) -> String {
    match j.queue_status {
        JobState::Pending if j.paused => "queued, paused".into(),
        JobState::Pending if j.no_line => "queued, no line can send".into(),
        JobState::Pending | JobState::Retrying if !j.waits_for.is_empty() => match j.next_attempt_at {
            Some(t) => format!("queued, waits for {} (next attempt {})", j.waits_for, t.strftime("%H:%M")),
            None => format!("queued, waits for {}", j.waits_for),
        },
        JobState::Pending => "queued".into(),
        JobState::InProgress => match j.device_status {
            DeviceStatus::Dialing => format!("dialing {number}"),
            DeviceStatus::Sending if j.current_page > 0 => {
                format!("page {} of {}", j.current_page, j.page_count)
            }
            other => other.as_str().replace('_', " "),
        },
        JobState::Retrying => format!(
            "retrying{} ({})",
            j.next_attempt_at.map(|t| format!(" at {}", t.strftime("%H:%M:%S"))).unwrap_or_default(),
            j.detail
        ),
        JobState::Completed => {
            format!("completed: {}/{} pages confirmed by {}", j.pages_confirmed, j.page_count, j.remote_ident)
        }
        JobState::Deleting => "cancelling".into(),
        other => format!("{}: {}", other.display().to_lowercase(), j.detail),
    }
}
