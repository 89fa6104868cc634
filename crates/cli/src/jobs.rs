//! `fax jobs`, `fax job …`, `fax inbox …`.

use anyhow::Context;
use clap::{Args, Subcommand};
use ferrofax_client::{DocumentFormat, FaxServer, JobCommand, JobView, query};

use crate::output::{fields, json, table, time};

#[derive(Args)]
pub struct JobsArgs {
    /// Only these states (comma-separated: pending,in_progress,retrying,completed,…).
    #[arg(long)]
    state: Option<String>,
    /// Only these types (send, receive, routing, fail_receive).
    #[arg(long = "type")]
    job_type: Option<String>,
    /// Only this user's jobs (admins).
    #[arg(long)]
    owner: Option<String>,
    /// Only jobs holding this text (any case) in the number, recipient or sender name, remote
    /// identity, billing code or document name.
    #[arg(long)]
    search: Option<String>,
}

#[derive(Subcommand)]
pub enum JobAction {
    /// Everything about a job.
    Show {
        id: i64,
    },
    Pause {
        id: i64,
    },
    Resume {
        id: i64,
    },
    /// Cancel a queued job, or end the call of one in progress.
    Cancel {
        id: i64,
    },
    /// Queue an ended job again as a fresh attempt.
    Restart {
        id: i64,
    },
    /// Delete an ended job and its files.
    Delete {
        id: i64,
    },
    /// Save one page of what a job sends: PNG preview when OUTPUT ends in .png, else TIFF.
    Page {
        id: i64,
        /// The page, from 1 (a cover page is page 1).
        n: u32,
        #[arg(short, long)]
        output: std::path::PathBuf,
    },
    /// Save a job's whole document (what it sends, cover page first, or what was received)
    /// as a multi-page TIFF, or a PDF with --pdf or when OUTPUT ends in .pdf.
    Download {
        id: i64,
        #[command(flatten)]
        file: FileArgs,
    },
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
    if let Some(v) = &a.job_type {
        q.push(("type", v.as_str()));
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
                format!("{:?}", j.job_type).to_lowercase(),
                j.user_name.clone(),
                j.fax_number.clone(),
                j.status_text.clone(),
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

pub fn show(j: &JobView) {
    fields(&[
        ("job", j.job_id.to_string()),
        ("type", format!("{:?}", j.job_type).to_lowercase()),
        ("user", j.user_name.clone()),
        ("status", j.status_text.clone()),
        ("device status", j.device_status.as_str().to_string()),
        ("number", j.fax_number.clone()),
        ("recipient", j.recipient_name.clone()),
        ("sender", j.sender_name.clone()),
        ("pages", format!("{} confirmed of {}", j.pages_confirmed, j.page_count)),
        ("attempts", format!("{} ({} retries left)", j.attempts, j.retries_left)),
        ("line", j.port.clone().unwrap_or_default()),
        ("remote", j.remote_ident.clone()),
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
        JobAction::Page { id, n, output } => {
            let j = s.job(id).await?;
            let png = output.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
            let bytes = if png { j.page_png(n).await? } else { j.page(n).await? };
            std::fs::write(&output, bytes)?;
            eprintln!("page {n} of job {id} saved to {}", output.display());
            return Ok(0);
        }
        JobAction::Download { id, file } => {
            let (format, output) = file.resolve(id);
            let bytes = s.job(id).await?.document(format).await?;
            save("job", &output, &bytes, as_json, id)?;
            return Ok(0);
        }
        JobAction::Pause { id } => (id, Some(JobCommand::Pause)),
        JobAction::Resume { id } => (id, Some(JobCommand::Resume)),
        JobAction::Cancel { id } => (id, Some(JobCommand::Cancel)),
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
                        format!("{:?}", f.job_type).to_lowercase(),
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
