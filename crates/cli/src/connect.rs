//! Finding the server and the token: `--url`/`FAX_URL` and `--token`/`FAX_TOKEN` first, then
//! the local faxd's data directory (`faxd.url`, `admin.token`), then `http://127.0.0.1:4580`.
//!
//! The admin token found on disk belongs to the faxd whose address the same data directory
//! records, and is sent only to that server: `--url` naming another one needs a token given
//! explicitly. A token given explicitly goes wherever the user says.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ferrofax_client::{FaxServer, ServerUrl};

use crate::Cli;

/// Where `fax` looks when neither `--url` nor a local faxd names a server.
const DEFAULT_URL: &str = "http://127.0.0.1:4580";

fn local_data_dir(cli: &Cli) -> Option<PathBuf> {
    if let Some(d) = &cli.data_dir {
        return Some(d.clone());
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("ferrofax"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/ferrofax"))
}

fn read(dir: Option<&Path>, name: &str) -> Option<String> {
    dir.and_then(|d| std::fs::read_to_string(d.join(name)).ok()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

pub async fn connect(cli: &Cli) -> anyhow::Result<FaxServer> {
    let dir = local_data_dir(cli);
    let dir = dir.as_deref();
    let recorded = read(dir, "faxd.url");
    let url = cli.url.clone().or_else(|| recorded.clone()).unwrap_or_else(|| DEFAULT_URL.into());
    let server = ServerUrl::parse(&url)?;
    let token = match &cli.token {
        Some(t) => t.clone(),
        None => local_token(dir, recorded.as_deref(), &server)?,
    };
    FaxServer::connect(server.as_str(), &token).await.with_context(|| format!("connecting to {server}"))
}

/// The local faxd's admin token, when `server` is that faxd.
fn local_token(dir: Option<&Path>, recorded: Option<&str>, server: &ServerUrl) -> anyhow::Result<String> {
    let where_ = dir.map(|d| d.display().to_string()).unwrap_or_else(|| "the data directory".into());
    let token = read(dir, "admin.token");
    let local = recorded.and_then(|u| ServerUrl::parse(u).ok());
    match (token, local) {
        (Some(token), Some(local)) if local.same_server(server) => Ok(token),
        (Some(_), Some(local)) => bail!(
            "no token for {server}: pass --token or set FAX_TOKEN (the admin token in {where_} is sent only to the \
             faxd it belongs to, {local})"
        ),
        (Some(_), None) => bail!(
            "no token for {server}: pass --token or set FAX_TOKEN (the admin token in {where_} is sent only to the \
             faxd whose address faxd.url records there, and there is none: is faxd running?)"
        ),
        (None, _) => bail!(
            "no token: pass --token or set FAX_TOKEN (on the server machine, the admin token is in \
             {where_}/admin.token)"
        ),
    }
}
