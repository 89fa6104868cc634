//! The event hub: every job, port and settings change is numbered, kept in a ring in memory
//! for clients that resume, written to the store in batches, and broadcast to listeners.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use ferrofax_api::{Event, EventBody};
use tokio::sync::{broadcast, mpsc};

use crate::clock::{Millis, timestamp};
use crate::store::{EventRow, Store};

/// An event with who may see it. `owner` None: everyone; Some(user): that user and admins.
#[derive(Debug, Clone)]
pub struct Published {
    pub id: i64,
    pub owner: Option<String>,
    pub kind: &'static str,
    /// The event as JSON.
    pub json: String,
}

impl Published {
    pub fn visible_to(&self, user: &str, admin: bool) -> bool {
        admin || self.owner.as_deref().is_none_or(|o| o == user)
    }
}

struct Ring {
    next_id: i64,
    recent: VecDeque<Arc<Published>>,
}

/// Numbers, keeps, persists and broadcasts events.
pub struct EventHub {
    ring: Mutex<Ring>,
    capacity: usize,
    tx: broadcast::Sender<Arc<Published>>,
    persist: mpsc::UnboundedSender<EventRow>,
}

impl EventHub {
    /// A hub whose ids continue after `last_id`; spawns the task writing events to the store.
    pub fn new(store: Arc<dyn Store>, last_id: i64, capacity: usize) -> Arc<Self> {
        let (persist, mut rx) = mpsc::unbounded_channel::<EventRow>();
        tokio::spawn(async move {
            let mut batch = Vec::new();
            while rx.recv_many(&mut batch, 512).await > 0 {
                if let Err(e) = store.append_events(&batch).await {
                    tracing::warn!(error = %e, "could not store {} events", batch.len());
                }
                batch.clear();
            }
        });
        let (tx, _) = broadcast::channel(4096);
        Arc::new(EventHub {
            ring: Mutex::new(Ring { next_id: last_id + 1, recent: VecDeque::new() }),
            capacity: capacity.max(16),
            tx,
            persist,
        })
    }

    /// Publishes an event.
    pub fn publish(&self, at: Millis, owner: Option<&str>, body: EventBody) {
        let kind = body.kind();
        let mut ring = self.ring.lock().expect("event ring");
        let id = ring.next_id;
        ring.next_id += 1;
        let event = Event { id, at: timestamp(at), body };
        let json = serde_json::to_string(&event).expect("serializable event");
        let p = Arc::new(Published { id, owner: owner.map(str::to_string), kind, json: json.clone() });
        ring.recent.push_back(p.clone());
        if ring.recent.len() > self.capacity {
            ring.recent.pop_front();
        }
        let _ = self.persist.send(EventRow { id, at, owner: p.owner.clone(), body: json });
        let _ = self.tx.send(p);
    }

    /// Subscribes, returning the events after `after` still in memory (or None if some of
    /// them have left memory: read those from the store) and a receiver for what follows.
    pub fn subscribe(&self, after: i64) -> (Option<Vec<Arc<Published>>>, broadcast::Receiver<Arc<Published>>) {
        let ring = self.ring.lock().expect("event ring");
        let rx = self.tx.subscribe();
        let oldest = ring.recent.front().map(|e| e.id).unwrap_or(ring.next_id);
        if after + 1 < oldest {
            return (None, rx);
        }
        let backlog = ring.recent.iter().filter(|e| e.id > after).cloned().collect();
        (Some(backlog), rx)
    }

    /// The id the next event will have.
    pub fn next_id(&self) -> i64 {
        self.ring.lock().expect("event ring").next_id
    }
}

/// Turns a stored event back into a published one.
pub fn from_row(row: &EventRow) -> Published {
    let kind = serde_json::from_str::<Event>(&row.body).map(|e| e.body.kind()).unwrap_or("unknown");
    Published { id: row.id, owner: row.owner.clone(), kind, json: row.body.clone() }
}
