//! The fax service as the HTTP layer sees it: one handle to each part, the way an axum app
//! state is made of substates. Each part owns its state and is handed only to whoever needs
//! it; this struct only holds them together (see `startup` for how they are made).
//!
//! | part | owns |
//! |---|---|
//! | [`SettingsCell`] | the server settings in force, swapped whole on a change |
//! | [`LineRegistry`] | the ports, their live status, reservations, calls' cancellation |
//! | [`Jobs`] | reading and changing jobs (by the lifecycle's rules), publishing them |
//! | [`Pages`] | the stored pages of jobs and received faxes, as stored, drawn or sent |
//! | [`Submissions`] | checking, converting and recording new faxes; previews |
//! | [`Admin`] | changing settings, ports and routing methods; the inbox |
//! | [`routing::Runtime`] | routing received faxes, signed download links |
//! | [`Accounts`] | users, tokens, sign-in sessions |
//! | [`EventHub`] | numbering, keeping and broadcasting events |
//! | line drivers | placing and answering calls on each line (`lines`) |

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::admin::Admin;
use crate::auth::Accounts;
use crate::clock::{Clock, Millis};
use crate::config::Config;
use crate::events::EventHub;
use crate::lines::LineDriver;
use crate::pages::Pages;
use crate::ports::LineRegistry;
use crate::queue::Jobs;
use crate::routing;
use crate::settings::SettingsCell;
use crate::store::Store;
use crate::submit::Submissions;

/// Everything the server runs on, as parts.
pub struct Core {
    pub config: Arc<Config>,
    pub data_dir: PathBuf,
    pub clock: Arc<dyn Clock>,
    pub store: Arc<dyn Store>,
    pub events: Arc<EventHub>,
    pub settings: Arc<SettingsCell>,
    pub ports: Arc<LineRegistry>,
    pub jobs: Arc<Jobs>,
    pub pages: Arc<Pages>,
    pub submissions: Arc<Submissions>,
    pub admin: Arc<Admin>,
    pub routing: Arc<routing::Runtime>,
    pub accounts: Arc<Accounts>,
    /// The driver of each line, by port.
    pub drivers: Arc<HashMap<String, Arc<dyn LineDriver>>>,
    /// Wakes the scheduler.
    pub wake: Arc<Notify>,
    pub shutdown: CancellationToken,
    /// Holds the data directory for this process (`faxd.lock`) while it runs.
    pub dir_lock: std::fs::File,
}

impl Core {
    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    /// Stops the server's work: the scheduler and the event streams end, the lines stop
    /// (registered lines unregister, a few seconds at most), and the data directory is let go.
    pub async fn stop(&self) {
        self.shutdown.cancel();
        futures_util::future::join_all(self.drivers.values().map(|d| d.stop())).await;
        if let Err(e) = self.dir_lock.unlock() {
            tracing::warn!(error = %e, "could not let go of the data directory's lock");
        }
    }
}
