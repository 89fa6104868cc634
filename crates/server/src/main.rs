//! `faxd`: runs the fax server, or manages its users.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use ferrofax_server::config::{self, Config};
use ferrofax_server::{SystemClock, auth, startup};

#[derive(Parser)]
#[command(name = "faxd", version, about = "ferrofax fax server")]
struct Args {
    /// TOML configuration file (optional: faxd runs on embedded defaults without one).
    #[arg(long, env = "FAXD_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Data directory (database, documents, admin token).
    #[arg(long, env = "FAXD_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// HTTP listen address (overrides the configuration).
    #[arg(long, env = "FAXD_LISTEN")]
    listen: Option<std::net::SocketAddr>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Converts one document from standard input (run by faxd itself, in its own process).
    #[command(hide = true)]
    ConvertWorker(ferrofax_server::conversion::WorkerArgs),
    /// Manage users and their tokens.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user (or give an existing one a new token) and print the token.
    Add {
        name: String,
        #[arg(long, default_value = "user", value_parser = ["user", "admin"])]
        role: String,
    },
    /// List users.
    List,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(Command::ConvertWorker(worker)) = args.command {
        // No logging, no runtime: a small process that converts one document and ends.
        std::process::exit(ferrofax_server::conversion::worker_main(worker));
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FAXD_LOG")
                // rsipstack logs every SIP packet at info: a flood would be a line per packet.
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn,rsipstack=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    // Untrusted documents are converted by this same program in a process of its own.
    config.conversion_worker = std::env::current_exe().ok();
    let data_dir = config::data_dir(args.data_dir.clone(), &config)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        match args.command {
            None => serve(config, data_dir).await,
            Some(Command::User { action }) => users(action, &data_dir).await,
            Some(Command::ConvertWorker(_)) => unreachable!("handled before start-up"),
        }
    })
}

async fn serve(config: Config, data_dir: PathBuf) -> anyhow::Result<()> {
    let listen = config.listen;
    let core = startup::start(config, data_dir.clone(), Arc::new(SystemClock)).await?;
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
    let url = format!("http://{}", listener.local_addr()?);
    // Lets `fax` on this machine find this server without flags.
    std::fs::write(data_dir.join("faxd.url"), format!("{url}\n")).context("writing faxd.url")?;
    tracing::info!(data_dir = %data_dir.display(), "faxd listening on {url}");
    let shutdown = core.shutdown.clone();
    let stopping = core.clone();
    let app = ferrofax_server::http::router(core);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            tracing::info!("stopping");
            shutdown.cancel();
        })
        .await?;
    // SIP lines unregister from their registrars.
    ferrofax_server::lines::sip::stop(&stopping).await;
    Ok(())
}

async fn users(action: UserAction, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let store = ferrofax_server::store::sqlite::SqliteStore::open(&data_dir.join("faxd.sqlite"))
        .await
        .with_context(|| format!("opening the store in {}", data_dir.display()))?;
    use ferrofax_server::store::Store;
    match action {
        UserAction::Add { name, role } => {
            let now = jiff::Timestamp::now().as_millisecond();
            let token = auth::add_user(&store, &name, &role, now).await?;
            println!("{token}");
        }
        UserAction::List => {
            for u in store.list_users().await? {
                println!("{}\t{}", u.name, u.role);
            }
        }
    }
    Ok(())
}
