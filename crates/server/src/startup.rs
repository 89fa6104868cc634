//! Bringing the server up: data directory, store, settings, ports from the configuration,
//! recovery of jobs that were on a line when faxd stopped, orphaned files, the admin token,
//! the event hub and the scheduler.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use anyhow::Context;
use ferrofax_api::{JobState, JobType, PortView};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::{Config, DriverConfig};
use crate::documents::DocStore;
use crate::events::EventHub;
use crate::service::{Core, Live, idle_status};
use crate::store::sqlite::SqliteStore;
use crate::store::{JobFilter, Store};

/// Opens everything and starts the scheduler.
pub async fn start(config: Config, data_dir: PathBuf, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<Core>> {
    config.validate()?;
    create_private_dir(&data_dir)?;
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&data_dir.join("faxd.sqlite"))
            .await
            .with_context(|| format!("opening the store in {}", data_dir.display()))?,
    );
    let docs = DocStore::new(data_dir.join("documents")).context("creating the documents folder")?;
    install_default_coverpage(&data_dir.join("coverpages")).context("creating the coverpages folder")?;
    let now = clock.now();

    let settings = match store.load_settings().await? {
        Some(s) => s,
        None => {
            let s = crate::settings::defaults(&data_dir);
            store.save_settings(&s).await?;
            s
        }
    };
    let ports = sync_ports(store.as_ref(), &config).await?;
    let live = ports
        .iter()
        .map(|p| {
            (p.device_id.clone(), Live { busy: false, status: idle_status(&p.device_id, &p.name, &p.csid, &p.tsid) })
        })
        .collect::<HashMap<_, _>>();

    let orphans = docs.remove_orphans(&store.document_dirs().await?).context("cleaning the documents folder")?;
    if orphans > 0 {
        tracing::info!("removed {orphans} document folders left by an interrupted submission");
    }
    if let Some(path) = crate::auth::bootstrap_admin(store.as_ref(), &data_dir, now).await? {
        tracing::info!(path = %path.display(), "created the admin token file (keep it secret)");
    }
    tokio::spawn(crate::auth::passwords::warm_up());
    let events = EventHub::new(store.clone(), store.last_event_id().await?, config.queue.event_buffer);
    let time_zone = jiff::tz::TimeZone::get(&config.time_zone)?;
    let committer = crate::committer::Committer::start(store.clone());
    let routing = crate::routing::Runtime::new(&data_dir)?;
    let core = Arc::new(Core {
        committer,
        store,
        clock,
        config,
        data_dir,
        docs,
        events,
        settings: RwLock::new(settings),
        time_zone,
        ports: RwLock::new(ports),
        live: Mutex::new(live),
        on_line: Mutex::new(HashMap::new()),
        wake: Notify::new(),
        port_lock: tokio::sync::Mutex::new(()),
        shutdown: CancellationToken::new(),
        accounts: crate::auth::Accounts::new(),
        sip_agents: Mutex::new(HashMap::new()),
        routing,
    });
    crate::lines::sip::start(&core).await?;
    recover(&core).await?;
    tokio::spawn(crate::scheduler::run(core.clone()));
    Ok(core)
}

/// Writes the shipped cover page templates into an empty `coverpages/` folder.
fn install_default_coverpage(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    if std::fs::read_dir(dir)?.next().is_none() {
        std::fs::write(dir.join("default.txt"), crate::coverpage::DEFAULT_TEMPLATE)?;
        for (name, template) in ferrofax_render::BUILTIN_TEMPLATES {
            std::fs::write(dir.join(name), template)?;
        }
    }
    Ok(())
}

fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating the data directory {}", dir.display()))?;
    }
    Ok(())
}

/// Ports of the configuration, with the settings changed through the API kept; priorities
/// renumbered 1..n.
async fn sync_ports(store: &dyn Store, config: &Config) -> anyhow::Result<Vec<PortView>> {
    let stored = store.ports().await?;
    let mut ports: Vec<PortView> = config
        .effective_lines()
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let driver = match l.driver {
                DriverConfig::Loopback { .. } => "loopback",
                DriverConfig::Sip { .. } => "sip",
            };
            let name = l.name.clone().unwrap_or_else(|| l.id.clone());
            match stored.iter().find(|p| p.device_id == l.id) {
                Some(p) => PortView { name, driver: driver.into(), ..p.clone() },
                None => PortView {
                    device_id: l.id.clone(),
                    name,
                    driver: driver.into(),
                    rings: l.rings,
                    csid: l.csid.clone(),
                    tsid: l.tsid.clone(),
                    send: l.send,
                    receive: l.receive,
                    priority: 1000 + i as u32,
                    can_modify: false,
                },
            }
        })
        .collect();
    ports.sort_by_key(|p| p.priority);
    for (i, p) in ports.iter_mut().enumerate() {
        p.priority = i as u32 + 1;
    }
    store.save_ports(&ports).await?;
    Ok(ports)
}

/// Jobs that were on a line when faxd stopped go back to the queue and resume from their first
/// unconfirmed page; the interrupted attempt does not count against Retries. Jobs being
/// cancelled end as Canceled.
async fn recover(core: &Arc<Core>) -> anyhow::Result<()> {
    let now = core.now();
    let filter = JobFilter {
        states: vec![JobState::InProgress, JobState::Deleting],
        types: vec![JobType::Send],
        limit: u32::MAX,
        ..Default::default()
    };
    loop {
        let rows = core.store.jobs(&JobFilter { limit: 1000, ..filter.clone() }).await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let number = row.attempts;
            let attempt = crate::store::AttemptRow {
                job_id: row.id,
                number,
                port: row.port.clone().unwrap_or_default(),
                started_at: now,
                ended_at: Some(now),
                result: Some("fatal_error".into()),
                detail: "interrupted: faxd stopped during the call".into(),
                pages_confirmed: row.pages_confirmed,
                remote_ident: row.remote_ident.clone(),
                tsid: String::new(),
            };
            // The requeue and the interrupted attempt's end are one transaction.
            core.end_attempt(row.id, &attempt, |r| {
                if r.state == JobState::Deleting {
                    r.state = JobState::Canceled;
                    r.finished_at = Some(now);
                    r.detail = "cancelled (faxd stopped during the call)".into();
                } else {
                    r.state = if r.attempts <= 1 { JobState::Pending } else { JobState::Retrying };
                    r.attempts = r.attempts.saturating_sub(1);
                    r.next_attempt_at = Some(now);
                    r.detail = format!("faxd stopped during the call; resuming from page {}", r.pages_confirmed + 1);
                }
                r.current_page = 0;
                r.lease_until = None;
            })
            .await?;
            tracing::info!(job = row.id, "recovered a job interrupted by a stop");
        }
    }
    // Received faxes stored but not yet routed when faxd stopped are routed now.
    let unrouted = JobFilter {
        types: vec![JobType::Receive, JobType::FailReceive],
        device_statuses: vec![ferrofax_api::DeviceStatus::Routing],
        limit: u32::MAX,
        ..Default::default()
    };
    for row in core.store.jobs(&unrouted).await? {
        tracing::info!(job = row.id, "routing a received fax that a stop left unrouted");
        let core = core.clone();
        tokio::spawn(async move { crate::lines::receive::route(&core, row.id).await });
    }
    Ok(())
}
