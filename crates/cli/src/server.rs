//! `fax server …`, `fax ports`, `fax port …`.

use anyhow::Context;
use clap::Subcommand;
use ferrofax_client::{FaxServer, PortPatch, RoutingMethodPatch, SettingsPatch};

use crate::output::{fields, json, table};

#[derive(Subcommand)]
pub enum ServerAction {
    /// Show every FaxServer property.
    Show,
    /// Change one property, e.g. `fax server set retries 5`.
    Set {
        key: String,
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

#[derive(Subcommand)]
pub enum PortAction {
    /// Show a line's settings and what it is doing now.
    Show { id: String },
    /// Change a line: rings, csid, tsid, send, receive or priority.
    Set {
        id: String,
        key: String,
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// Follow a line live: each change of its status (ringing, the far end's identity, the
    /// agreed mode, page by page) as one line, until interrupted (or `--calls N` calls ended).
    Watch {
        id: String,
        /// Stop after this many calls have ended.
        #[arg(long)]
        calls: Option<u32>,
    },
    /// Show a line's routing methods.
    Routing { id: String },
    /// Enable or disable a routing method, optionally with its routing data
    /// (e.g. `fax port route loop2 store_in_folder on /srv/faxes`).
    Route { id: String, method: String, state: String, data: Option<String> },
}

pub async fn server(s: &FaxServer, action: ServerAction, as_json: bool) -> anyhow::Result<i32> {
    let settings = match action {
        ServerAction::Show => s.settings().await?,
        ServerAction::Set { key, value } => {
            let patch = SettingsPatch::from_key_value(&key, &value).map_err(anyhow::Error::msg)?;
            s.update_settings(&patch).await?
        }
    };
    if as_json {
        json(&settings)?;
    } else {
        let v = serde_json::to_value(&settings)?;
        let pairs: Vec<(&str, String)> =
            SettingsPatch::KEYS.iter().map(|k| (*k, v[*k].to_string().trim_matches('"').to_string())).collect();
        fields(&pairs);
    }
    Ok(0)
}

pub async fn ports(s: &FaxServer, as_json: bool) -> anyhow::Result<i32> {
    let ports = s.ports().await?;
    if as_json {
        return json(&ports.iter().map(|p| p.view_clone()).collect::<Vec<_>>()).map(|_| 0);
    }
    let mut rows = Vec::new();
    for p in &ports {
        let st = p.status().await?;
        rows.push(vec![
            p.priority.to_string(),
            p.device_id.clone(),
            p.name.clone(),
            yes(p.send),
            yes(p.receive),
            p.rings.to_string(),
            p.tsid.clone(),
            p.csid.clone(),
            if st.line.is_empty() { st.description } else { format!("{}; {}", st.description, st.line) },
        ]);
    }
    table(&["#", "ID", "NAME", "SEND", "RECEIVE", "RINGS", "TSID", "CSID", "NOW"], rows);
    Ok(0)
}

fn yes(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

trait ViewClone {
    fn view_clone(&self) -> ferrofax_client::PortView;
}

impl ViewClone for ferrofax_client::FaxPort {
    fn view_clone(&self) -> ferrofax_client::PortView {
        (**self).clone()
    }
}

pub async fn port(s: &FaxServer, action: PortAction, as_json: bool) -> anyhow::Result<i32> {
    match action {
        PortAction::Show { id } => {
            let p = s.port(&id).await?;
            let st = p.status().await?;
            if as_json {
                return json(&serde_json::json!({ "port": p.view_clone(), "status": st })).map(|_| 0);
            }
            fields(&[
                ("device_id", p.device_id.clone()),
                ("name", p.name.clone()),
                ("driver", p.driver.clone()),
                ("priority", p.priority.to_string()),
                ("send", yes(p.send)),
                ("receive", yes(p.receive)),
                ("rings", p.rings.to_string()),
                ("tsid", p.tsid.clone()),
                ("csid", p.csid.clone()),
                ("can_modify", yes(p.can_modify)),
                ("status", st.description.clone()),
                ("job", st.job_id.map(|j| j.to_string()).unwrap_or_default()),
                (
                    "page",
                    if st.page_count > 0 { format!("{} of {}", st.current_page, st.page_count) } else { String::new() },
                ),
                ("mode", st.mode.clone()),
                ("line", st.line.clone()),
                ("elapsed", format!("{} s", st.elapsed_time)),
            ]);
        }
        PortAction::Set { id, key, value } => {
            let patch = PortPatch::from_key_value(&key, &value).map_err(anyhow::Error::msg)?;
            let mut p = s.port(&id).await?;
            p.update(&patch).await?;
            if as_json {
                return json(&p.view_clone()).map(|_| 0);
            }
            println!("{}: {key} = {value} (priority {})", p.device_id, p.priority);
        }
        PortAction::Watch { id, calls } => return watch(s, &id, calls, as_json).await,
        PortAction::Routing { id } => {
            let methods = s.port(&id).await?.routing_methods().await?;
            if as_json {
                return json(&methods).map(|_| 0);
            }
            let rows = methods
                .iter()
                .map(|m| {
                    vec![
                        m.function_name.clone(),
                        yes(m.enable),
                        m.routing_data.clone(),
                        if m.available { String::new() } else { m.unavailable_reason.clone() },
                    ]
                })
                .collect();
            table(&["METHOD", "ENABLED", "ROUTING DATA", "NOTE"], rows);
        }
        PortAction::Route { id, method, state, data } => {
            let enable = match state.as_str() {
                "on" | "enable" | "true" | "yes" => true,
                "off" | "disable" | "false" | "no" => false,
                other => anyhow::bail!("state is on or off, not `{other}`"),
            };
            let p = s.port(&id).await.context("finding the port")?;
            let methods = p
                .set_routing_methods(&[RoutingMethodPatch { method, enable: Some(enable), routing_data: data }])
                .await?;
            if as_json {
                return json(&methods).map(|_| 0);
            }
            println!("routing of {id} updated");
        }
    }
    Ok(0)
}

/// Prints a port's status changes as they are pushed, one line each (a JSON object each with
/// `--json`).
async fn watch(s: &FaxServer, id: &str, calls: Option<u32>, as_json: bool) -> anyhow::Result<i32> {
    use futures_util::StreamExt;
    let p = s.port(id).await?;
    let mut events = s.events(None).await?;
    let mut last = p.status().await?;
    let line = |st: &ferrofax_client::FaxStatus| format!("{:>5} s  {}", st.elapsed_time, st.description);
    if as_json {
        json(&last)?;
    } else {
        println!("{}: {}", p.device_id, last.description);
    }
    let mut ended = 0;
    while let Some(e) = events.next().await {
        let ferrofax_client::EventBody::PortStatus { status } = e?.body else { continue };
        if status.device_id != p.device_id || *status == last {
            continue;
        }
        if as_json {
            json(&*status)?;
        } else {
            println!("{}", line(&status));
        }
        let call_ended = last.device_status != ferrofax_client::DeviceStatus::Available
            && status.device_status == ferrofax_client::DeviceStatus::Available;
        last = *status;
        if call_ended {
            ended += 1;
            if calls.is_some_and(|n| ended >= n) {
                break;
            }
        }
    }
    Ok(0)
}
