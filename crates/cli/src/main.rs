//! `fax`: the ferrofax command line. Talks to faxd through `ferrofax-client`; on the server's
//! own machine it finds faxd and its admin token without flags.

mod call;
mod connect;
mod convert;
mod jobs;
mod output;
mod send;
mod server;
mod tiff;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "fax", version, about = "Send and manage faxes on a ferrofax server")]
pub struct Cli {
    /// Server URL (default: the local faxd, found through its data directory).
    #[arg(long, env = "FAX_URL", global = true)]
    url: Option<String>,
    /// Bearer token (default: the local faxd's admin token, when readable).
    #[arg(long, env = "FAX_TOKEN", global = true, hide_env_values = true)]
    token: Option<String>,
    /// The local faxd's data directory, to find it and its admin token.
    #[arg(long, env = "FAXD_DATA_DIR", global = true)]
    data_dir: Option<std::path::PathBuf>,
    /// Print JSON for scripts instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The server's settings (FaxServer properties).
    Server {
        #[command(subcommand)]
        action: server::ServerAction,
    },
    /// Send a document to one or more numbers.
    Send(Box<send::SendArgs>),
    /// List jobs.
    Jobs(jobs::JobsArgs),
    /// Show or act on one job.
    Job {
        #[command(subcommand)]
        action: jobs::JobAction,
    },
    /// List the fax lines.
    Ports,
    /// Show or change one fax line.
    Port {
        #[command(subcommand)]
        action: server::PortAction,
    },
    /// Read a fax TIFF file locally (no server needed).
    Tiff {
        #[command(subcommand)]
        action: tiff::TiffAction,
    },
    /// Convert documents into a fax TIFF locally (no server needed).
    Convert(convert::ConvertArgs),
    /// Cover page templates: the server's (list), or drawn locally with no server (render).
    Cover {
        #[command(subcommand)]
        action: convert::CoverAction,
    },
    /// Received faxes.
    Inbox(jobs::InboxArgs),
    /// Fax calls as audio, read locally with no server (a recording of a call: decode).
    Call {
        #[command(subcommand)]
        action: call::CallAction,
    },
}

fn main() {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let code = match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fax: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

async fn run(cli: Cli) -> anyhow::Result<i32> {
    if let Command::Tiff { action } = cli.command {
        return tiff::tiff(action, cli.json);
    }
    if let Command::Call { action } = cli.command {
        return call::call(action, cli.json);
    }
    match cli.command {
        Command::Convert(args) => return convert::convert_files(args),
        // Listing the server's cover pages needs the server; the rest is done here.
        Command::Cover { action: convert::CoverAction::List { shipped: false } } => {}
        Command::Cover { action } => return convert::cover(action),
        _ => {}
    }
    let server = connect::connect(&cli).await?;
    let json = cli.json;
    match cli.command {
        Command::Server { action } => server::server(&server, action, json).await,
        Command::Send(args) => send::send(&server, *args, json).await,
        Command::Jobs(args) => jobs::list(&server, args, json).await,
        Command::Job { action } => jobs::job(&server, action, json).await,
        Command::Ports => server::ports(&server, json).await,
        Command::Port { action } => server::port(&server, action, json).await,
        Command::Inbox(args) => jobs::inbox(&server, args, json).await,
        Command::Cover { .. } => convert::list_server_covers(&server, json).await,
        Command::Tiff { .. } | Command::Convert(_) | Command::Call { .. } => {
            unreachable!("handled without a server")
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every subcommand and every argument of every subcommand, with the path to it.
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                out.push(format!("{path} {id}"));
            }
        }
        for sub in cmd.get_subcommands() {
            let here = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() && sub.get_long_about().is_none() {
                out.push(format!("{here} (the command itself)"));
            }
            walk(sub, &here, out);
        }
    }

    #[test]
    fn every_command_and_option_has_a_description() {
        let cmd = super::Cli::command();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        walk(&cmd, "fax", &mut missing);
        assert!(missing.is_empty(), "no description: {missing:#?}");
    }

    #[test]
    fn every_job_type_shown_is_taken_by_jobs_type() {
        use ferrofax_client::JobType;
        for t in [JobType::Send, JobType::Receive, JobType::Routing, JobType::FailReceive] {
            let name = crate::jobs::type_name(t);
            let parsed = super::Cli::command().try_get_matches_from(["fax", "jobs", "--type", name]);
            assert!(parsed.is_ok(), "`fax jobs --type {name}`: {}", parsed.unwrap_err());
            let wire = serde_json::to_value(t).unwrap();
            assert_eq!(wire, name, "the name is the API's");
        }
        let both = super::Cli::command().try_get_matches_from(["fax", "jobs", "--type", "receive,fail_receive"]);
        assert!(both.is_ok());
    }
}
