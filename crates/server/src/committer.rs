//! Group commit of submissions: concurrent `POST /v1/jobs` requests hand their document and
//! jobs to one task, which records everything waiting in a single durable transaction. One
//! fsync of the database then acknowledges many submissions.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::store::{Created, NewSubmission, Store};

type Reply = oneshot::Sender<Result<Created, CommitError>>;

/// Why a submission was not recorded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CommitError {
    /// The store failed the batch it was in (the store's own words; the same for every
    /// submission of the batch).
    #[error("the database did not record it: {0}")]
    Store(String),
    #[error("the committer has stopped")]
    Stopped,
}

/// Hands submissions to the committing task.
#[derive(Clone)]
pub struct Committer {
    tx: mpsc::Sender<(NewSubmission, Reply)>,
}

/// The most submissions recorded in one transaction.
const MAX_BATCH: usize = 256;

impl Committer {
    /// Starts the committing task.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (tx, mut rx) = mpsc::channel::<(NewSubmission, Reply)>(4 * MAX_BATCH);
        tokio::spawn(async move {
            let mut waiting = Vec::with_capacity(MAX_BATCH);
            while rx.recv_many(&mut waiting, MAX_BATCH).await > 0 {
                let (subs, replies): (Vec<_>, Vec<_>) = waiting.drain(..).unzip();
                match store.create_jobs(&subs).await {
                    Ok(created) => {
                        for (reply, c) in replies.into_iter().zip(created) {
                            let _ = reply.send(Ok(c));
                        }
                    }
                    Err(e) => {
                        let failure = CommitError::Store(e.to_string());
                        for reply in replies {
                            let _ = reply.send(Err(failure.clone()));
                        }
                    }
                }
            }
        });
        Committer { tx }
    }

    /// Records one submission durably (with others waiting at the same time).
    pub async fn commit(&self, sub: NewSubmission) -> Result<Created, CommitError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send((sub, reply)).await.map_err(|_| CommitError::Stopped)?;
        rx.await.map_err(|_| CommitError::Stopped)?
    }
}
