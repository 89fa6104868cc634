//! Bringing the server up: data directory, store, settings, ports from the configuration,
//! recovery of jobs that were on a line when faxd stopped, orphaned files, the admin token,
//! the event hub and the scheduler.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use ferrofax_api::{JobState, JobType, PortView};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::admin::Admin;
use crate::auth::Accounts;
use crate::clock::{Clock, Millis};
use crate::config::Config;
use crate::documents::DocStore;
use crate::events::EventHub;
use crate::lines::{LineContext, Receptions};
use crate::pages::Pages;
use crate::ports::LineRegistry;
use crate::queue::Jobs;
use crate::scheduler::Scheduler;
use crate::service::Core;
use crate::settings::SettingsCell;
use crate::store::sqlite::SqliteStore;
use crate::store::{JobFilter, Store};
use crate::submit::Submissions;

/// Opens everything and starts the lines and the scheduler.
pub async fn start(config: Config, data_dir: PathBuf, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<Core>> {
    config.validate()?;
    create_private_dir(&data_dir)?;
    let dir_lock = lock_data_dir(&data_dir)?;
    let config = Arc::new(config);
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
    let wake = Arc::new(Notify::new());
    let settings = Arc::new(SettingsCell::new(settings));
    let ports = Arc::new(LineRegistry::new(ports, events.clone(), clock.clone(), wake.clone()));
    let lease_ms = config.queue.lease_seconds as Millis * 1000;
    let jobs = Arc::new(Jobs {
        store: store.clone(),
        docs: docs.clone(),
        events: events.clone(),
        clock: clock.clone(),
        settings: settings.clone(),
        ports: ports.clone(),
        time_zone: time_zone.clone(),
        lease_ms,
    });
    let pages = Arc::new(Pages {
        store: store.clone(),
        ports: ports.clone(),
        clock: clock.clone(),
        docs: docs.clone(),
        settings: settings.clone(),
        time_zone: time_zone.clone(),
        jobs: jobs.clone(),
    });
    let routing = Arc::new(crate::routing::Runtime::new(
        &data_dir,
        crate::routing::Parts {
            store: store.clone(),
            jobs: jobs.clone(),
            ports: ports.clone(),
            pages: pages.clone(),
            settings: settings.clone(),
            config: config.clone(),
            clock: clock.clone(),
            time_zone: time_zone.clone(),
        },
    )?);
    let lines = Arc::new(LineContext {
        ports: ports.clone(),
        jobs: jobs.clone(),
        pages: pages.clone(),
        receptions: Receptions {
            store: store.clone(),
            docs: docs.clone(),
            committer: committer.clone(),
            jobs: jobs.clone(),
            routing: routing.clone(),
            clock: clock.clone(),
        },
        clock: clock.clone(),
    });
    let drivers = Arc::new(crate::lines::drivers(&config));
    for driver in drivers.values() {
        driver.start(&lines).await?;
    }
    let submissions = Arc::new(Submissions {
        store: store.clone(),
        docs: docs.clone(),
        committer,
        config: config.clone(),
        settings: settings.clone(),
        jobs: jobs.clone(),
        pages: pages.clone(),
        ports: ports.clone(),
        clock: clock.clone(),
        time_zone: time_zone.clone(),
        coverpages: data_dir.join("coverpages"),
    });
    let admin = Arc::new(Admin {
        store: store.clone(),
        settings: settings.clone(),
        ports: ports.clone(),
        routing: routing.clone(),
        events: events.clone(),
        config: config.clone(),
        clock: clock.clone(),
    });
    let accounts = Arc::new(Accounts::new(store.clone(), clock.clone(), config.http.session_hours));
    let shutdown = CancellationToken::new();
    let scheduler = Arc::new(Scheduler {
        store: store.clone(),
        jobs: jobs.clone(),
        ports: ports.clone(),
        pages: pages.clone(),
        settings: settings.clone(),
        routing: routing.clone(),
        lines,
        drivers: drivers.clone(),
        clock: clock.clone(),
        time_zone,
        lease_ms,
        wake: wake.clone(),
        shutdown: shutdown.clone(),
    });
    let core = Arc::new(Core {
        config,
        data_dir,
        clock,
        store,
        events,
        settings,
        ports,
        jobs,
        pages,
        submissions,
        admin,
        routing,
        accounts,
        drivers,
        wake,
        shutdown,
        dir_lock,
    });
    recover(&core).await?;
    tokio::spawn(scheduler.run());
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

/// Takes the data directory for this process: a second faxd on the same directory would drive
/// the same lines and rewrite `faxd.url`, so it is refused, naming the one that holds it. The
/// lock is the kernel's (flock on `faxd.lock`): it goes with the process, even on `kill -9`.
fn lock_data_dir(dir: &std::path::Path) -> anyhow::Result<std::fs::File> {
    use std::io::{Read, Seek, Write};
    let path = dir.join("faxd.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let who = if holder.is_empty() { String::new() } else { format!(" ({holder})") };
            anyhow::bail!(
                "the data directory {} is in use by another faxd{who}; stop it first or give this one \
                 another --data-dir",
                dir.display()
            );
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", path.display()));
        }
    }
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "process {}", std::process::id())?;
    file.sync_all()?;
    Ok(file)
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
            let driver = l.driver.kind();
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
            core.jobs.end_attempt(row.id, &attempt, |r| crate::lifecycle::recovered(r, now)).await?;
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
        core.routing.spawn_route(row.id);
    }
    Ok(())
}
