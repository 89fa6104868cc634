//! `fax jobs`, `fax job …`, `fax inbox …`.

use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use ferrofax_client::{DocumentFormat, FaxServer, JobCommand, JobState, JobType, JobView, query};

use crate::output::{fields, json, table, time};

#[derive(Args)]
pub struct JobsArgs {
    /// Only these states (comma-separated: pending,in_progress,retrying,completed,…).
    #[arg(long)]
    state: Option<String>,
    /// Only these types (comma-separated), as the TYPE column shows them.
    #[arg(long = "type", value_delimiter = ',', value_parser = TYPE_NAMES)]
    job_type: Vec<String>,
    /// Only this user's jobs (admins).
    #[arg(long)]
    owner: Option<String>,
    /// Only jobs holding this text (any case) in the number, recipient or sender name, remote
    /// identity, billing code or document name.
    #[arg(long)]
    search: Option<String>,
}

/// The job types as `fax jobs --type` takes them and the TYPE column shows them.
pub const TYPE_NAMES: [&str; 4] = ["send", "receive", "routing", "fail_receive"];

/// How long `fax job cancel` waits for a line to end the call of the job cancelled.
const CANCEL_WAIT: Duration = Duration::from_secs(60);

#[derive(Subcommand)]
pub enum JobAction {
    /// Everything about a job.
    Show {
        /// The job's id (the ID column of `fax jobs`).
        id: i64,
    },
    /// Hold a queued job: it is not sent until resumed.
    Pause {
        /// The job's id.
        id: i64,
    },
    /// Let a paused job be sent again.
    Resume {
        /// The job's id.
        id: i64,
    },
    /// Cancel a queued job, or end the call of one in progress; waits until the line has
    /// ended the call and shows the job as it ends (Canceled).
    Cancel {
        /// The job's id.
        id: i64,
        /// Return at once, while the line may still be ending the call.
        #[arg(long)]
        no_wait: bool,
    },
    /// Queue an ended job again as a fresh attempt.
    Restart {
        /// The job's id.
        id: i64,
    },
    /// Delete an ended job and its files.
    Delete {
        /// The job's id.
        id: i64,
    },
    /// Save one page of what a job sends, as stored: PNG preview when OUTPUT ends in .png,
    /// else TIFF.
    Page {
        /// The job's id.
        id: i64,
        /// The page, from 1 (a cover page is page 1).
        n: u32,
        /// The file to write: a PNG when it ends in .png, else a single-page TIFF.
        #[arg(short, long)]
        output: std::path::PathBuf,
        /// The page as it goes (or went) on the line, with its branding line.
        #[arg(long)]
        sent: bool,
    },
    /// Save a job's whole document (what it sends, cover page first, or what was received)
    /// as a multi-page TIFF, or a PDF with --pdf or when OUTPUT ends in .pdf.
    Download {
        /// The job's id.
        id: i64,
        #[command(flatten)]
        file: FileArgs,
        /// An outgoing fax's pages as they go (or went) on the line, with the branding line.
        #[arg(long)]
        sent: bool,
    },
}

/// A job type's name, as `--type` takes it.
pub fn type_name(t: JobType) -> &'static str {
    match t {
        JobType::Send => "send",
        JobType::Receive => "receive",
        JobType::Routing => "routing",
        JobType::FailReceive => "fail_receive",
        JobType::Unknown => "unknown",
    }
}

/// The job's status in words. A job cancelled during its call is Deleting until the line has
/// ended the call: that is said as what it is.
pub fn status_words(j: &JobView) -> String {
    match j.queue_status {
        JobState::Deleting => "Being cancelled (the line is ending the call)".into(),
        _ => j.status_text.clone(),
    }
}

/// Where to save a fax document, and as what.
#[derive(Args)]
pub struct FileArgs {
    /// Save a PDF instead of a TIFF.
    #[arg(long)]
    pdf: bool,
    /// The file to write (default: fax-ID.tif or fax-ID.pdf here).
    #[arg(short, long)]
    output: Option<std::path::PathBuf>,
}

impl FileArgs {
    /// The format and the file of fax `id`.
    fn resolve(self, id: i64) -> (DocumentFormat, std::path::PathBuf) {
        let pdf = self.pdf
            || self.output.as_ref().is_some_and(|o| o.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")));
        let format = if pdf { DocumentFormat::Pdf } else { DocumentFormat::Tiff };
        let output = self.output.unwrap_or_else(|| format!("fax-{id}.{}", format.extension()).into());
        (format, output)
    }
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct InboxArgs {
    /// Only faxes holding this text (any case) in the sender's TSID, the caller id, the number
    /// called or the CSID.
    #[arg(long)]
    search: Option<String>,
    #[command(subcommand)]
    action: Option<InboxAction>,
}

#[derive(Subcommand)]
pub enum InboxAction {
    /// Save a received fax as a TIFF file, or a PDF with --pdf or when OUTPUT ends in .pdf.
    Get {
        /// The received fax's id (the ID column of `fax inbox`).
        id: i64,
        #[command(flatten)]
        file: FileArgs,
    },
}

/// Writes a fax document and says so.
fn save(what: &str, output: &std::path::Path, bytes: &[u8], as_json: bool, id: i64) -> anyhow::Result<()> {
    std::fs::write(output, bytes).with_context(|| format!("writing {}", output.display()))?;
    if as_json {
        json(&serde_json::json!({ "job_id": id, "path": output, "bytes": bytes.len() }))?;
    } else {
        println!("saved {what} {id} to {} ({} bytes)", output.display(), bytes.len());
    }
    Ok(())
}

pub async fn list(s: &FaxServer, a: JobsArgs, as_json: bool) -> anyhow::Result<i32> {
    let mut q = Vec::new();
    if let Some(v) = &a.state {
        q.push(("state", v.as_str()));
    }
    let types = a.job_type.join(",");
    if !types.is_empty() {
        q.push(("type", types.as_str()));
    }
    if let Some(v) = &a.owner {
        q.push(("owner", v.as_str()));
    }
    if let Some(v) = &a.search {
        q.push(("q", v.as_str()));
    }
    let jobs = s.jobs_where(&query(&q)).await?;
    if as_json {
        return json(&jobs.iter().map(|j| j.view().clone()).collect::<Vec<_>>()).map(|_| 0);
    }
    let rows = jobs
        .iter()
        .map(|j| {
            vec![
                j.job_id.to_string(),
                type_name(j.job_type).to_string(),
                j.user_name.clone(),
                j.fax_number.clone(),
                status_words(j),
                format!("{}/{}", j.pages_confirmed, j.page_count),
                j.attempts.to_string(),
                time(j.next_attempt_at),
                j.detail.clone(),
            ]
        })
        .collect();
    table(&["ID", "TYPE", "USER", "NUMBER", "STATUS", "PAGES", "TRIES", "NEXT", "DETAIL"], rows);
    Ok(0)
}

/// Who was at the other end, in words that fit how the job went: a sent fax is "received by"
/// the far end only when it completed; one that did not (cancelled, failed) was "answered by"
/// it; a received fax was "sent by" its sender.
pub fn far_end(j: &JobView) -> (&'static str, String) {
    let label = match (j.job_type, j.queue_status) {
        (JobType::Send, JobState::Completed) => "received by",
        (JobType::Send, _) => "answered by",
        _ => "sent by",
    };
    (label, j.remote_ident.clone())
}

/// The pages of a job: confirmed of all for a sent fax, received for a received one.
fn pages_words(j: &JobView) -> String {
    match j.job_type {
        JobType::Send => format!("{} confirmed of {}", j.pages_confirmed, j.page_count),
        JobType::FailReceive => format!("{} received before the call ended", j.page_count),
        _ => format!("{} received", j.page_count),
    }
}

pub fn show(j: &JobView) {
    fields(&[
        ("job", j.job_id.to_string()),
        ("type", type_name(j.job_type).to_string()),
        ("user", j.user_name.clone()),
        ("status", status_words(j)),
        ("device status", j.device_status.as_str().to_string()),
        ("number", j.fax_number.clone()),
        ("recipient", j.recipient_name.clone()),
        ("sender", j.sender_name.clone()),
        ("pages", pages_words(j)),
        ("attempts", format!("{} ({} retries left)", j.attempts, j.retries_left)),
        ("line", j.port.clone().unwrap_or_default()),
        far_end(j),
        ("submitted", time(Some(j.submitted_at))),
        ("next attempt", time(j.next_attempt_at)),
        ("finished", time(j.finished_at)),
        ("detail", j.detail.clone()),
        ("allowed", j.allowed_operations.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")),
    ]);
}

pub async fn job(s: &FaxServer, action: JobAction, as_json: bool) -> anyhow::Result<i32> {
    let (id, cmd) = match action {
        JobAction::Show { id } => (id, None),
        JobAction::Page { id, n, output, sent } => {
            let j = s.job(id).await?;
            let png = output.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
            let bytes = match (sent, png) {
                (true, png) => j.page_as_sent(n, png).await?,
                (false, true) => j.page_png(n).await?,
                (false, false) => j.page(n).await?,
            };
            std::fs::write(&output, bytes)?;
            eprintln!("page {n} of job {id} saved to {}", output.display());
            return Ok(0);
        }
        JobAction::Download { id, file, sent } => {
            let (format, output) = file.resolve(id);
            let j = s.job(id).await?;
            let bytes = if sent { j.document_as_sent(format).await? } else { j.document(format).await? };
            save("job", &output, &bytes, as_json, id)?;
            return Ok(0);
        }
        JobAction::Cancel { id, no_wait } => return cancel(s, id, no_wait, as_json).await,
        JobAction::Pause { id } => (id, Some(JobCommand::Pause)),
        JobAction::Resume { id } => (id, Some(JobCommand::Resume)),
        JobAction::Restart { id } => (id, Some(JobCommand::Restart)),
        JobAction::Delete { id } => (id, Some(JobCommand::Delete)),
    };
    let mut j = s.job(id).await?;
    if let Some(c) = cmd {
        j.set_status(c).await?;
        if c == JobCommand::Delete {
            if !as_json {
                println!("job {id} deleted");
            }
            return Ok(0);
        }
    }
    if as_json {
        json(j.view())?;
    } else {
        show(j.view());
    }
    Ok(0)
}

/// `fax job cancel`: cancels, then (unless `no_wait`) follows a job whose call is being ended
/// until it has ended, so that what is shown is how the job ends.
async fn cancel(s: &FaxServer, id: i64, no_wait: bool, as_json: bool) -> anyhow::Result<i32> {
    let mut j = s.job(id).await?;
    j.set_status(JobCommand::Cancel).await?;
    if !no_wait {
        let deadline = tokio::time::Instant::now() + CANCEL_WAIT;
        while j.queue_status == JobState::Deleting && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
            j.refresh().await?;
        }
    }
    if as_json {
        return json(j.view()).map(|_| 0);
    }
    if j.queue_status == JobState::Deleting {
        println!("job {id} is being cancelled: the line is ending the call (`fax job show {id}` tells when it has)");
    }
    show(j.view());
    Ok(0)
}

pub async fn inbox(s: &FaxServer, a: InboxArgs, as_json: bool) -> anyhow::Result<i32> {
    match a.action {
        None => {
            let faxes = match &a.search {
                Some(text) => s.search_inbox(text).await?,
                None => s.inbox().await?,
            };
            if as_json {
                return json(&faxes).map(|_| 0);
            }
            let rows = faxes
                .iter()
                .map(|f| {
                    vec![
                        f.job_id.to_string(),
                        time(Some(f.received_at)),
                        f.port.clone(),
                        f.tsid.clone(),
                        f.called_number.clone(),
                        f.page_count.to_string(),
                        type_name(f.job_type).to_string(),
                        f.routing.clone(),
                    ]
                })
                .collect();
            table(&["ID", "RECEIVED", "LINE", "FROM (TSID)", "CALLED", "PAGES", "TYPE", "ROUTING"], rows);
        }
        Some(InboxAction::Get { id, file }) => {
            let (format, output) = file.resolve(id);
            let bytes = s.received_document_as(id, format).await?;
            save("fax", &output, &bytes, as_json, id)?;
        }
    }
    Ok(0)
}
