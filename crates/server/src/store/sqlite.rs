//! The SQLite store: one file in the data directory, WAL journal, `synchronous = FULL` so that
//! a commit is on disk when it returns. Writes go through a single connection (SQLite has one
//! writer at a time; queuing them in the pool avoids lock-upgrade failures); reads use a pool.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use ferrofax_api::{PortView, ServerSettings};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite};

use super::sqlite_rows::*;
use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The embedded SQLite store.
pub struct SqliteStore {
    pub(super) write: SqlitePool,
    pub(super) read: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let write = SqlitePoolOptions::new().max_connections(1).connect_with(opts.clone()).await?;
        MIGRATOR.run(&write).await?;
        let read = SqlitePoolOptions::new().max_connections(4).connect_with(opts.read_only(true)).await?;
        Ok(SqliteStore { write, read })
    }
}

const QUEUED: &str = "state IN ('pending', 'retrying') AND paused = 0 AND job_type = 'send'";

#[async_trait]
impl Store for SqliteStore {
    async fn load_settings(&self) -> Result<Option<ServerSettings>> {
        let v: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'server'").fetch_optional(&self.read).await?;
        v.map(|v| serde_json::from_str(&v).map_err(|e| corrupt("settings", &e.to_string()))).transpose()
    }

    async fn save_settings(&self, s: &ServerSettings) -> Result<()> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ('server', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(json(s))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn create_jobs(&self, batch: &[NewSubmission]) -> Result<Vec<Created>> {
        let mut tx = self.write.begin().await?;
        let sql = format!(
            "INSERT INTO jobs ({}) VALUES ({}) RETURNING id",
            &JOB_COLUMNS["id, version, ".len()..],
            vec!["?"; 26].join(", ")
        );
        let mut out = Vec::with_capacity(batch.len());
        for sub in batch {
            if let Some(k) = &sub.idempotency {
                let earlier = sqlx::query("SELECT request_hash, response FROM idempotency WHERE owner = ? AND key = ?")
                    .bind(&k.owner)
                    .bind(&k.key)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some(r) = earlier {
                    out.push(Created::Existing(idempotent_outcome(&r)?));
                    continue;
                }
            }
            let doc = &sub.doc;
            let doc_id = insert_document(&mut tx, doc).await?;
            let mut ids = Vec::with_capacity(sub.jobs.len());
            for (i, j) in sub.jobs.iter().enumerate() {
                let cover = match sub.covers.get(i).and_then(Option::as_ref) {
                    Some(c) => Some(insert_document(&mut tx, c).await?),
                    None => None,
                };
                let j = JobRow { document_id: doc_id, cover_document_id: cover, ..j.clone() };
                let id: i64 = bind_job(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())), &j)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                ids.push(id);
            }
            if let Some(k) = &sub.idempotency {
                sqlx::query(
                    "INSERT INTO idempotency (owner, key, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?)",
                )
                .bind(&k.owner)
                .bind(&k.key)
                .bind(&k.request_hash)
                .bind(json(&(doc_id, &ids)))
                .bind(doc.created_at)
                .execute(&mut *tx)
                .await?;
            }
            out.push(Created::Inserted { document_id: doc_id, job_ids: ids });
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn idempotency(&self, owner: &str, key: &str) -> Result<Option<IdempotentOutcome>> {
        let r = sqlx::query("SELECT request_hash, response FROM idempotency WHERE owner = ? AND key = ?")
            .bind(owner)
            .bind(key)
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(idempotent_outcome).transpose()
    }

    async fn document(&self, id: i64) -> Result<Option<DocumentRow>> {
        let r =
            sqlx::query("SELECT id, dir, name, page_count, size_bytes, sha256, created_at FROM documents WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
        r.map(|r| {
            Ok(DocumentRow {
                id: r.try_get("id")?,
                dir: r.try_get("dir")?,
                name: r.try_get("name")?,
                page_count: r.try_get::<i64, _>("page_count")? as u32,
                size_bytes: r.try_get::<i64, _>("size_bytes")? as u64,
                sha256: r.try_get("sha256")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
    }

    async fn document_dirs(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT dir FROM documents").fetch_all(&self.read).await?)
    }

    async fn job(&self, id: i64) -> Result<Option<JobRow>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(&self.read).await?;
        r.as_ref().map(job_from_row).transpose()
    }

    async fn jobs(&self, f: &JobFilter) -> Result<Vec<JobRow>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {JOB_COLUMNS} FROM jobs WHERE 1 = 1"));
        if !f.states.is_empty() {
            q.push(" AND state IN (");
            let mut sep = q.separated(", ");
            for s in &f.states {
                sep.push_bind(s.as_str());
            }
            q.push(")");
        }
        if !f.types.is_empty() {
            q.push(" AND job_type IN (");
            let mut sep = q.separated(", ");
            for t in &f.types {
                sep.push_bind(job_type_str(*t));
            }
            q.push(")");
        }
        if !f.device_statuses.is_empty() {
            q.push(" AND device_status IN (");
            let mut sep = q.separated(", ");
            for d in &f.device_statuses {
                sep.push_bind(d.as_str());
            }
            q.push(")");
        }
        if let Some(o) = &f.owner {
            q.push(" AND owner = ").push_bind(o.clone());
        }
        if let Some(b) = f.before {
            q.push(" AND id < ").push_bind(b);
        }
        if let Some(s) = &f.search {
            let pattern = like_pattern(&s.text);
            let columns = search_columns(s.within);
            q.push(" AND (");
            for (i, column) in columns.iter().enumerate() {
                if i > 0 {
                    q.push(" OR ");
                }
                q.push(*column).push(" LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\'");
            }
            q.push(")");
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(f.limit.max(1) as i64);
        let rows = q.build().fetch_all(&self.read).await?;
        rows.iter().map(job_from_row).collect()
    }

    async fn save_job(&self, j: &JobRow) -> Result<JobRow> {
        let done = bind_job(sqlx::query(sqlx::AssertSqlSafe(update_job_sql())), j)
            .bind(j.id)
            .bind(j.version)
            .execute(&self.write)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        Ok(JobRow { version: j.version + 1, ..j.clone() })
    }

    async fn delete_job(&self, id: i64) -> Result<Vec<String>> {
        let mut tx = self.write.begin().await?;
        let row: Option<(i64, Option<i64>)> =
            sqlx::query_as("DELETE FROM jobs WHERE id = ? RETURNING document_id, cover_document_id")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let mut dirs = Vec::new();
        if let Some((doc, cover)) = row {
            for d in [Some(doc), cover].into_iter().flatten() {
                let users: i64 =
                    sqlx::query_scalar("SELECT count(*) FROM jobs WHERE document_id = ? OR cover_document_id = ?")
                        .bind(d)
                        .bind(d)
                        .fetch_one(&mut *tx)
                        .await?;
                if users == 0 {
                    let dir: Option<String> = sqlx::query_scalar("DELETE FROM documents WHERE id = ? RETURNING dir")
                        .bind(d)
                        .fetch_optional(&mut *tx)
                        .await?;
                    dirs.extend(dir);
                }
            }
        }
        tx.commit().await?;
        Ok(dirs)
    }

    async fn queue_head(&self, q: &QueueQuery) -> Result<Vec<QueuedJob>> {
        let sql = format!(
            "SELECT id, state, priority, paused, discount_send, next_attempt_at FROM jobs \
             WHERE {QUEUED} AND next_attempt_at <= ? AND (discount_send = 0 OR ?) ORDER BY priority, id LIMIT ?"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(q.now)
            .bind(q.discount_open)
            .bind(q.limit as i64)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                let state: String = r.try_get("state")?;
                Ok(QueuedJob {
                    id: r.try_get("id")?,
                    state: JobState::parse(&state).ok_or_else(|| corrupt("job state", &state))?,
                    priority_rank: r.try_get("priority")?,
                    paused: r.try_get("paused")?,
                    discount_send: r.try_get("discount_send")?,
                    next_attempt_at: r.try_get("next_attempt_at")?,
                })
            })
            .collect()
    }

    async fn claim(&self, job_id: i64, c: &Claim<'_>) -> Result<Option<JobRow>> {
        let mut tx = self.write.begin().await?;
        let sql = format!(
            "UPDATE jobs SET version = version + 1, state = 'in_progress', device_status = 'dialing', \
             port = ?, lease_until = ?, attempts = attempts + 1, current_page = 0, detail = '' \
             WHERE id = ? AND {QUEUED} AND next_attempt_at <= ? RETURNING {JOB_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(c.port)
            .bind(c.lease_until)
            .bind(job_id)
            .bind(c.now)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let job = job_from_row(&row)?;
        sqlx::query(
            "INSERT INTO attempts (job_id, number, port, started_at, tsid, pages_confirmed) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(job.id)
        .bind(job.attempts as i64)
        .bind(c.port)
        .bind(c.now)
        .bind(c.tsid)
        .bind(job.pages_confirmed as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(job))
    }

    async fn next_due(&self, discount_open: bool) -> Result<Option<Millis>> {
        let sql = format!("SELECT min(next_attempt_at) FROM jobs WHERE {QUEUED} AND (discount_send = 0 OR ?)");
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(discount_open).fetch_one(&self.read).await?)
    }

    async fn discount_waiting(&self) -> Result<bool> {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM jobs WHERE {QUEUED} AND discount_send = 1)");
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(&self.read).await?)
    }

    async fn failed_before(&self, t: Millis) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM jobs WHERE state IN ('failed', 'retries_exceeded') AND finished_at <= ?")
            .bind(t)
            .fetch_all(&self.read)
            .await?)
    }

    async fn oldest_failed(&self) -> Result<Option<Millis>> {
        Ok(sqlx::query_scalar("SELECT min(finished_at) FROM jobs WHERE state IN ('failed', 'retries_exceeded')")
            .fetch_one(&self.read)
            .await?)
    }

    async fn attempts(&self, job_id: i64) -> Result<Vec<AttemptRow>> {
        let rows = sqlx::query("SELECT * FROM attempts WHERE job_id = ? ORDER BY id")
            .bind(job_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AttemptRow {
                    job_id: r.try_get("job_id")?,
                    number: r.try_get::<i64, _>("number")? as u32,
                    port: r.try_get("port")?,
                    started_at: r.try_get("started_at")?,
                    ended_at: r.try_get("ended_at")?,
                    result: r.try_get("result")?,
                    detail: r.try_get("detail")?,
                    pages_confirmed: r.try_get::<i64, _>("pages_confirmed")? as u32,
                    remote_ident: r.try_get("remote_ident")?,
                    tsid: r.try_get("tsid")?,
                })
            })
            .collect()
    }

    async fn save_job_ending_attempt(&self, j: &JobRow, a: &AttemptRow) -> Result<JobRow> {
        let mut tx = self.write.begin().await?;
        let done = bind_job(sqlx::query(sqlx::AssertSqlSafe(update_job_sql())), j)
            .bind(j.id)
            .bind(j.version)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        sqlx::query(
            "UPDATE attempts SET ended_at = ?, result = ?, detail = ?, pages_confirmed = ?, remote_ident = ? \
             WHERE id = (SELECT max(id) FROM attempts WHERE job_id = ? AND number = ? AND ended_at IS NULL)",
        )
        .bind(a.ended_at)
        .bind(&a.result)
        .bind(&a.detail)
        .bind(a.pages_confirmed as i64)
        .bind(&a.remote_ident)
        .bind(a.job_id)
        .bind(a.number as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(JobRow { version: j.version + 1, ..j.clone() })
    }

    async fn set_attempt_tsid(&self, job_id: i64, number: u32, tsid: &str) -> Result<()> {
        sqlx::query("UPDATE attempts SET tsid = ? WHERE id = (SELECT max(id) FROM attempts WHERE job_id = ? AND number = ? AND ended_at IS NULL)")
            .bind(tsid)
            .bind(job_id)
            .bind(number as i64)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn ports(&self) -> Result<Vec<PortView>> {
        let rows = sqlx::query("SELECT * FROM ports ORDER BY priority, device_id").fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                Ok(PortView {
                    device_id: r.try_get("device_id")?,
                    name: r.try_get("name")?,
                    driver: r.try_get("driver")?,
                    rings: r.try_get::<i64, _>("rings")? as u32,
                    csid: r.try_get("csid")?,
                    tsid: r.try_get("tsid")?,
                    send: r.try_get("send")?,
                    receive: r.try_get("receive")?,
                    priority: r.try_get::<i64, _>("priority")? as u32,
                    can_modify: false,
                })
            })
            .collect()
    }

    async fn save_ports(&self, ports: &[PortView]) -> Result<()> {
        let mut tx = self.write.begin().await?;
        for p in ports {
            sqlx::query(
                "INSERT INTO ports (device_id, name, driver, rings, csid, tsid, send, receive, priority) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (device_id) DO UPDATE SET name = excluded.name, driver = excluded.driver, rings = excluded.rings, \
                 csid = excluded.csid, tsid = excluded.tsid, send = excluded.send, receive = excluded.receive, priority = excluded.priority",
            )
            .bind(&p.device_id)
            .bind(&p.name)
            .bind(&p.driver)
            .bind(p.rings as i64)
            .bind(&p.csid)
            .bind(&p.tsid)
            .bind(p.send)
            .bind(p.receive)
            .bind(p.priority as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn routing(&self, device_id: &str) -> Result<Vec<RoutingRow>> {
        let rows = sqlx::query("SELECT * FROM routing_methods WHERE device_id = ?")
            .bind(device_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(RoutingRow {
                    device_id: r.try_get("device_id")?,
                    function_name: r.try_get("function_name")?,
                    enable: r.try_get("enable")?,
                    routing_data: r.try_get("routing_data")?,
                })
            })
            .collect()
    }

    async fn save_routing(&self, r: &RoutingRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO routing_methods (device_id, function_name, enable, routing_data) VALUES (?, ?, ?, ?) \
             ON CONFLICT (device_id, function_name) DO UPDATE SET enable = excluded.enable, routing_data = excluded.routing_data",
        )
        .bind(&r.device_id)
        .bind(&r.function_name)
        .bind(r.enable)
        .bind(&r.routing_data)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn append_events(&self, events: &[EventRow]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin().await?;
        for e in events {
            sqlx::query("INSERT OR IGNORE INTO events (id, at, owner, body) VALUES (?, ?, ?, ?)")
                .bind(e.id)
                .bind(e.at)
                .bind(&e.owner)
                .bind(&e.body)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn events_after(&self, id: i64, limit: u32) -> Result<Vec<EventRow>> {
        let rows = sqlx::query("SELECT id, at, owner, body FROM events WHERE id > ? ORDER BY id LIMIT ?")
            .bind(id)
            .bind(limit as i64)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(EventRow {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    owner: r.try_get("owner")?,
                    body: r.try_get("body")?,
                })
            })
            .collect()
    }

    async fn last_event_id(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM events").fetch_one(&self.write).await?)
    }
}
