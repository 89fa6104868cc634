//! `faxd`: runs the fax server, or manages its users (`faxd user add|token|passwd|delete|list`).

use std::path::PathBuf;
use std::sync::Arc;

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use ferrofax_server::config::{self, Config};
use ferrofax_server::store::{AccountStore, UserDeletion, UserRow};
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
    /// Add a user and print a token for them (an existing user: `faxd user token NAME`).
    Add {
        /// The user name: letters, digits, `.`, `_`, `-` or `@`.
        name: String,
        /// What the user may do: `user` sends and sees their own faxes, `admin` everything.
        #[arg(long, default_value = "user", value_parser = ["user", "admin"])]
        role: String,
        /// Also set the user's password (for signing in with a browser), read as one line from
        /// standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print a new token for an existing user (their other tokens keep working).
    Token {
        /// The user's name.
        name: String,
        /// What the token is for, as the user's token list shows it.
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// Set a user's password, read as one line from standard input (so it can be piped in);
    /// ends the user's sign-in sessions.
    Passwd {
        /// The user's name.
        name: String,
    },
    /// Delete a user: their tokens and sign-in sessions stop working at once (also while faxd
    /// runs); their faxes are kept. The last administrator cannot be deleted.
    Delete {
        /// The user's name.
        name: String,
    },
    /// Give a user another role; it takes effect at once (also while faxd runs). The last
    /// administrator cannot be made a user.
    Role {
        /// The user's name.
        name: String,
        /// `user` sends and sees their own faxes, `admin` everything.
        #[arg(value_parser = ["user", "admin"])]
        role: String,
    },
    /// List users and their roles.
    List,
}

/// Runs faxd; an error is printed as one line of plain words, its causes after colons (no
/// backtrace, whatever RUST_BACKTRACE says), and faxd exits with status 1.
fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("faxd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
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
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    rt.block_on(async move {
        match args.command {
            None => serve(config, data_dir).await,
            Some(Command::User { action }) => users(action, &data_dir).await,
            Some(Command::ConvertWorker(_)) => unreachable!("handled before start-up"),
        }
    })
}

/// How long a stop waits for requests in flight.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

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
    let stopped = shutdown.clone();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        tracing::info!("stopping");
        shutdown.cancel();
    });
    // Requests in flight get a few seconds to finish; a client that holds its connection
    // open longer does not keep faxd running.
    tokio::select! {
        r = server => r?,
        _ = async { stopped.cancelled().await; tokio::time::sleep(STOP_GRACE).await } => {
            tracing::warn!("connections still open after {} s; stopping anyway", STOP_GRACE.as_secs());
        }
    }
    // SIP lines unregister from their registrars.
    stopping.stop().await;
    Ok(())
}

async fn users(action: UserAction, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let store = ferrofax_server::store::sqlite::SqliteStore::open(&data_dir.join("faxd.sqlite"))
        .await
        .with_context(|| format!("opening the store in {}", data_dir.display()))?;
    let now = jiff::Timestamp::now().as_millisecond();
    match action {
        UserAction::Add { name, role, password_stdin } => {
            if let Some(user) = store.user_by_name(&name).await? {
                bail!(
                    "user `{name}` exists already, with role {}: `faxd user token {name}` prints a new token for \
                     them; `faxd user role {name} admin|user` gives them another role",
                    user.role
                );
            }
            // Read and check the password before anything is stored.
            let password = if password_stdin { Some(read_password(&name)?) } else { None };
            let token = auth::add_user(&store, &name, &role, now).await?;
            if let Some(p) = password {
                set_password(&store, &name, &p).await?;
            }
            println!("{token}");
        }
        UserAction::Token { name, label } => {
            let user = existing(&store, &name).await?;
            ferrofax_api::validate::token_label(&label).map_err(anyhow::Error::msg)?;
            let token = auth::new_token();
            store.add_token(user.id, &auth::hash_token(&token), &label, now).await?;
            println!("{token}");
        }
        UserAction::Passwd { name } => {
            existing(&store, &name).await?;
            let password = read_password(&name)?;
            set_password(&store, &name, &password).await?;
            eprintln!("the password of {name} is set; their sign-in sessions have ended");
        }
        UserAction::Delete { name } => {
            let user = existing(&store, &name).await?;
            match store.delete_user(user.id).await? {
                UserDeletion::Deleted => {
                    eprintln!("user {name} is deleted; their tokens and sign-in sessions no longer work");
                }
                UserDeletion::LastAdmin => {
                    bail!("`{name}` is the last administrator; add another one (--role admin) before deleting it")
                }
                UserDeletion::NotFound => bail!("user `{name}` does not exist"),
            }
        }
        UserAction::Role { name, role } => {
            let user = existing(&store, &name).await?;
            match store.set_role(user.id, &role).await? {
                UserDeletion::Deleted => eprintln!("user {name} is now {role}"),
                UserDeletion::LastAdmin => {
                    bail!("`{name}` is the last administrator; make another one admin first")
                }
                UserDeletion::NotFound => bail!("user `{name}` does not exist"),
            }
        }
        UserAction::List => {
            for u in store.list_users().await? {
                println!("{}\t{}", u.name, u.role);
            }
        }
    }
    Ok(())
}

/// The user `name`, or an error saying there is none and how to add one.
async fn existing(store: &(impl AccountStore + ?Sized), name: &str) -> anyhow::Result<UserRow> {
    store
        .user_by_name(name)
        .await?
        .with_context(|| format!("user `{name}` does not exist (`faxd user add {name}` adds them)"))
}

/// A new password for `name`: one line of standard input (its line ending removed, nothing
/// else), checked against the rules.
fn read_password(name: &str) -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        eprint!("new password for {name} (shown as typed; end with Enter): ");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    let password = line.strip_suffix('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).unwrap_or(&line).to_string();
    auth::passwords::check_rules(name, &password)?;
    Ok(password)
}

async fn set_password(store: &dyn ferrofax_server::store::Store, name: &str, password: &str) -> anyhow::Result<()> {
    let user = existing(store, name).await?;
    let hash = auth::passwords::hash(password).await?;
    store.set_password(user.id, Some(&hash), None).await?;
    Ok(())
}
