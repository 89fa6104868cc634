//! `fax server …` (the FaxServer properties, each shown and explained with its unit), `fax
//! ports`, `fax port …`.

use anyhow::Context;
use clap::Subcommand;
use ferrofax_client::{FaxServer, PortPatch, RoutingMethodPatch, ServerSettings, SettingsPatch};

use crate::output::{fields, json, table};

/// Every FaxServer property `fax server set` takes, with what its value means and its unit.
pub const SETTINGS: [(&str, &str); 14] = [
    ("retries", "re-tries of a failed fax (busy, no answer, a failed call): a whole number, 0 or more"),
    ("retry_delay", "minutes to wait between attempts: a whole number, 0 or more"),
    ("dirty_days", "days a failed job is kept, then deleted with its files: a whole number; 0: kept for ever"),
    ("branding", "true or false: a header line (date and time, sender, number, page n/N) on every page sent"),
    ("archive_outbound_faxes", "true or false: keep a TIFF of every fax sent in archive_directory"),
    ("archive_directory", "a folder on the server that faxd can create and write"),
    ("discount_rate_start_hour", "hour the daily discount window opens, 0–23, in the server's time zone"),
    ("discount_rate_start_minute", "minute of that hour, 0–59"),
    ("discount_rate_end_hour", "hour the discount window closes, 0–23 (before the start: it ends the next day)"),
    ("discount_rate_end_minute", "minute of that hour, 0–59"),
    ("pause_server_queue", "true or false: while true no queued fax starts (faxes on a line finish)"),
    ("server_coverpage", "true or false: only the server's own cover pages may be used"),
    ("server_mapi_profile", "name of an SMTP profile in faxd's configuration, for e-mail routing and reports"),
    ("use_device_tsid", "true or false: send the line's TSID, not the job's"),
];

/// The settings `fax server set` takes that are not properties themselves.
const SHORTHANDS: [(&str, &str); 2] = [
    ("discount_rate_start", "HH:MM (24-hour clock, server time): sets discount_rate_start_hour and _minute"),
    ("discount_rate_end", "HH:MM (24-hour clock, server time): sets discount_rate_end_hour and _minute"),
];

fn settings_help() -> String {
    let w = SETTINGS.iter().chain(&SHORTHANDS).map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::from("Settings and their values:\n");
    for (k, meaning) in SETTINGS.iter().chain(&SHORTHANDS) {
        out.push_str(&format!("  {k:<w$}  {meaning}\n"));
    }
    out.push_str("\nExamples: fax server set retry_delay 10   fax server set discount_rate_start 20:30");
    out
}

#[derive(Subcommand)]
pub enum ServerAction {
    /// Show every FaxServer property, with its unit.
    Show,
    /// Change one property, e.g. `fax server set retries 5` (each setting's unit below).
    #[command(after_help = settings_help())]
    Set {
        /// The setting (see the list below).
        key: String,
        /// The new value, in the setting's unit (see the list below).
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

#[derive(Subcommand)]
pub enum PortAction {
    /// Show a line's settings and what it is doing now.
    Show {
        /// The line's id (the ID column of `fax ports`).
        id: String,
    },
    /// Change a line: rings (1–99, before answering), csid and tsid (at most 20 digits, spaces
    /// and +), send and receive (true or false) or priority (1 is taken first).
    Set {
        /// The line's id.
        id: String,
        /// rings, csid, tsid, send, receive or priority.
        key: String,
        /// The new value.
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// Follow a line live: each change of its status (ringing, the far end's identity, the
    /// agreed mode, page by page) as one line, until interrupted (or `--calls N` calls ended).
    Watch {
        /// The line's id.
        id: String,
        /// Stop after this many calls have ended.
        #[arg(long)]
        calls: Option<u32>,
    },
    /// Show a line's routing methods.
    Routing {
        /// The line's id.
        id: String,
    },
    /// Enable or disable a routing method, optionally with its routing data
    /// (e.g. `fax port route loop2 store_in_folder on /srv/faxes`).
    Route {
        /// The line's id.
        id: String,
        /// store_in_folder, email, print or webhook.
        method: String,
        /// on or off.
        state: String,
        /// The method's routing data (a folder, addresses, a printer, a URL and secret).
        data: Option<String>,
    },
}

/// The change `fax server set KEY VALUE` asks for.
fn settings_patch(key: &str, value: &str) -> anyhow::Result<SettingsPatch> {
    let key = key.trim().to_ascii_lowercase().replace('-', "_");
    let clock = |which: &str| -> anyhow::Result<(i64, i64)> {
        let parsed = value.trim().split_once(':').and_then(|(h, m)| {
            let ok = |t: &str| (1..=2).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit());
            (ok(h) && ok(m)).then(|| (h.parse().ok(), m.parse().ok())).and_then(|(h, m)| Some((h?, m?)))
        });
        parsed.ok_or_else(|| anyhow::anyhow!("`{which}` takes a time as HH:MM (e.g. 20:30), not `{value}`"))
    };
    Ok(match key.as_str() {
        "discount_rate_start" => {
            let (h, m) = clock(&key)?;
            SettingsPatch {
                discount_rate_start_hour: Some(h),
                discount_rate_start_minute: Some(m),
                ..Default::default()
            }
        }
        "discount_rate_end" => {
            let (h, m) = clock(&key)?;
            SettingsPatch { discount_rate_end_hour: Some(h), discount_rate_end_minute: Some(m), ..Default::default() }
        }
        _ => SettingsPatch::from_key_value(&key, value).map_err(|e| {
            anyhow::anyhow!("{e}, or discount_rate_start / discount_rate_end as HH:MM (`fax server set --help`)")
        })?,
    })
}

/// Each property's value with its unit, in the order of [`SETTINGS`].
fn settings_lines(v: &ServerSettings, time_zone: &str) -> Vec<(&'static str, String)> {
    let opens = format!("{:02}:{:02}", v.discount_rate_start_hour, v.discount_rate_start_minute);
    let closes = format!("{:02}:{:02}", v.discount_rate_end_hour, v.discount_rate_end_minute);
    let zone = if time_zone.is_empty() { String::from("server time") } else { format!("{time_zone} time") };
    vec![
        ("retries", v.retries.to_string()),
        ("retry_delay", format!("{} minutes", v.retry_delay)),
        (
            "dirty_days",
            if v.dirty_days == 0 {
                "0 days (failed jobs are kept for ever)".into()
            } else {
                format!("{} days", v.dirty_days)
            },
        ),
        ("branding", v.branding.to_string()),
        ("archive_outbound_faxes", v.archive_outbound_faxes.to_string()),
        ("archive_directory", v.archive_directory.clone()),
        (
            "discount_rate_start_hour",
            format!("{} (the discount window opens at {opens}, {zone})", v.discount_rate_start_hour),
        ),
        ("discount_rate_start_minute", format!("{} (opens at {opens})", v.discount_rate_start_minute)),
        (
            "discount_rate_end_hour",
            format!("{} (the discount window closes at {closes}, {zone})", v.discount_rate_end_hour),
        ),
        ("discount_rate_end_minute", format!("{} (closes at {closes})", v.discount_rate_end_minute)),
        ("pause_server_queue", v.pause_server_queue.to_string()),
        ("server_coverpage", v.server_coverpage.to_string()),
        ("server_mapi_profile", v.server_mapi_profile.clone()),
        ("use_device_tsid", v.use_device_tsid.to_string()),
    ]
}

pub async fn server(s: &FaxServer, action: ServerAction, as_json: bool) -> anyhow::Result<i32> {
    let settings = match action {
        ServerAction::Show => s.settings().await?,
        ServerAction::Set { key, value } => s.update_settings(&settings_patch(&key, &value)?).await?,
    };
    if as_json {
        json(&settings)?;
    } else {
        fields(&settings_lines(&settings, &s.info().time_zone));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_explained_and_shown_in_the_order_of_the_object_model() {
        let keys: Vec<&str> = SETTINGS.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, SettingsPatch::KEYS);
        let help = settings_help();
        for (k, unit) in [("retry_delay", "minutes"), ("dirty_days", "days"), ("discount_rate_start", "HH:MM")] {
            let line = help.lines().find(|l| l.trim_start().starts_with(&format!("{k} "))).unwrap();
            assert!(line.contains(unit), "{line}");
        }
        let v: ServerSettings = serde_json::from_value(serde_json::json!({
            "retries": 3, "retry_delay": 10, "dirty_days": 0, "branding": true, "archive_outbound_faxes": false,
            "archive_directory": "", "discount_rate_start_hour": 20, "discount_rate_start_minute": 5,
            "discount_rate_end_hour": 7, "discount_rate_end_minute": 0, "pause_server_queue": false,
            "server_coverpage": false, "server_mapi_profile": "", "use_device_tsid": false
        }))
        .unwrap();
        let lines = settings_lines(&v, "Europe/Berlin");
        assert_eq!(lines.iter().map(|(k, _)| *k).collect::<Vec<_>>(), keys);
        assert_eq!(lines[1].1, "10 minutes");
        assert!(lines[6].1.contains("20:05, Europe/Berlin time"), "{}", lines[6].1);
        assert!(lines[8].1.contains("07:00"), "{}", lines[8].1);
    }

    #[test]
    fn discount_times_are_taken_as_hh_mm() {
        let p = settings_patch("discount_rate_start", "20:30").unwrap();
        assert_eq!((p.discount_rate_start_hour, p.discount_rate_start_minute), (Some(20), Some(30)));
        let p = settings_patch("discount-rate-end", "7:05").unwrap();
        assert_eq!((p.discount_rate_end_hour, p.discount_rate_end_minute), (Some(7), Some(5)));
        for bad in ["20", "20:", "20:300", "a:b", "20.30"] {
            assert!(settings_patch("discount_rate_end", bad).unwrap_err().to_string().contains("HH:MM"), "{bad}");
        }
        assert_eq!(settings_patch("retry_delay", "4").unwrap().retry_delay, Some(4));
        assert!(settings_patch("colour", "red").unwrap_err().to_string().contains("HH:MM"));
    }
}
