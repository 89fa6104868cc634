//! Finding the server and the token: flags and environment first, then the local faxd's data
//! directory (`faxd.url`, `admin.token`), then `http://127.0.0.1:4580`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use ferrofax_client::FaxServer;

use crate::Cli;

fn local_data_dir(cli: &Cli) -> Option<PathBuf> {
    if let Some(d) = &cli.data_dir {
        return Some(d.clone());
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("ferrofax"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/ferrofax"))
}

pub async fn connect(cli: &Cli) -> anyhow::Result<FaxServer> {
    let dir = local_data_dir(cli);
    let read = |name: &str| {
        dir.as_ref().and_then(|d| std::fs::read_to_string(d.join(name)).ok()).map(|s| s.trim().to_string())
    };
    let url = cli.url.clone().or_else(|| read("faxd.url")).unwrap_or_else(|| "http://127.0.0.1:4580".into());
    let token = match cli.token.clone().or_else(|| read("admin.token")) {
        Some(t) => t,
        None => bail!(
            "no token: pass --token or set FAX_TOKEN (on the server machine, the admin token is in {}/admin.token)",
            dir.map(|d| d.display().to_string()).unwrap_or_else(|| "the data directory".into())
        ),
    };
    FaxServer::connect(&url, &token).await.with_context(|| format!("connecting to {url}"))
}
