//! Mapping between the SQLite rows and the store's types: the job columns in order, binding a
//! job's fields, reading them back, and small helpers shared by the SQLite queries.

use ferrofax_api::{DeviceStatus, JobState, JobType};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite};

use super::*;

pub(super) const JOB_COLUMNS: &str = "id, version, job_type, owner, state, paused, device_status, document_id, \
    page_count, pages_confirmed, current_page, fax_number, recipient, fields, discount_send, \
    submitted_at, next_attempt_at, attempts, port, detail, finished_at, lease_until, remote_ident, \
    caller_id, csid, routing, priority, cover_document_id";

pub(super) fn job_type_str(t: JobType) -> &'static str {
    match t {
        JobType::Unknown => "unknown",
        JobType::Send => "send",
        JobType::Receive => "receive",
        JobType::Routing => "routing",
        JobType::FailReceive => "fail_receive",
    }
}

pub(super) fn parse_job_type(s: &str) -> JobType {
    match s {
        "send" => JobType::Send,
        "receive" => JobType::Receive,
        "routing" => JobType::Routing,
        "fail_receive" => JobType::FailReceive,
        _ => JobType::Unknown,
    }
}

/// A LIKE pattern (with `ESCAPE '\'`) matching `text` anywhere, its `%`, `_` and `\` taken
/// literally.
pub(super) fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The SQL expressions a search looks in (SQLite's LIKE ignores the case of ASCII letters).
pub(super) fn search_columns(within: SearchFields) -> &'static [&'static str] {
    match within {
        SearchFields::Jobs => &[
            "fax_number",
            "json_extract(recipient, '$.recipient_name')",
            "remote_ident",
            "json_extract(fields, '$.billing_code')",
            "json_extract(fields, '$.sender_name')",
            "(SELECT name FROM documents WHERE documents.id = jobs.document_id)",
        ],
        SearchFields::Inbox => &["remote_ident", "caller_id", "fax_number", "csid"],
    }
}

pub(super) fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} `{v}`"))
}

pub(super) fn job_from_row(r: &SqliteRow) -> Result<JobRow> {
    let state: String = r.try_get("state")?;
    let status: String = r.try_get("device_status")?;
    let recipient: String = r.try_get("recipient")?;
    let fields: String = r.try_get("fields")?;
    Ok(JobRow {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        job_type: parse_job_type(&r.try_get::<String, _>("job_type")?),
        owner: r.try_get("owner")?,
        state: JobState::parse(&state).ok_or_else(|| corrupt("job state", &state))?,
        paused: r.try_get("paused")?,
        device_status: DeviceStatus::parse(&status).ok_or_else(|| corrupt("device status", &status))?,
        document_id: r.try_get("document_id")?,
        page_count: r.try_get::<i64, _>("page_count")? as u32,
        pages_confirmed: r.try_get::<i64, _>("pages_confirmed")? as u32,
        current_page: r.try_get::<i64, _>("current_page")? as u32,
        fax_number: r.try_get("fax_number")?,
        recipient: serde_json::from_str(&recipient).map_err(|e| corrupt("recipient", &e.to_string()))?,
        fields: serde_json::from_str(&fields).map_err(|e| corrupt("fields", &e.to_string()))?,
        discount_send: r.try_get("discount_send")?,
        submitted_at: r.try_get("submitted_at")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        attempts: r.try_get::<i64, _>("attempts")? as u32,
        port: r.try_get("port")?,
        detail: r.try_get("detail")?,
        finished_at: r.try_get("finished_at")?,
        lease_until: r.try_get("lease_until")?,
        remote_ident: r.try_get("remote_ident")?,
        caller_id: r.try_get("caller_id")?,
        csid: r.try_get("csid")?,
        routing: r.try_get("routing")?,
        cover_document_id: r.try_get("cover_document_id")?,
    })
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serializable")
}

/// Binds the job's columns (all but id and version) in `JOB_COLUMNS` order.
pub(super) fn bind_job<'q>(
    q: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>,
    j: &'q JobRow,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments> {
    q.bind(job_type_str(j.job_type))
        .bind(&j.owner)
        .bind(j.state.as_str())
        .bind(j.paused)
        .bind(j.device_status.as_str())
        .bind(j.document_id)
        .bind(j.page_count as i64)
        .bind(j.pages_confirmed as i64)
        .bind(j.current_page as i64)
        .bind(&j.fax_number)
        .bind(json(&j.recipient))
        .bind(json(&j.fields))
        .bind(j.discount_send)
        .bind(j.submitted_at)
        .bind(j.next_attempt_at)
        .bind(j.attempts as i64)
        .bind(&j.port)
        .bind(&j.detail)
        .bind(j.finished_at)
        .bind(j.lease_until)
        .bind(&j.remote_ident)
        .bind(&j.caller_id)
        .bind(&j.csid)
        .bind(&j.routing)
        .bind(j.fields.priority.rank())
        .bind(j.cover_document_id)
}

pub(super) async fn insert_document(tx: &mut sqlx::Transaction<'_, Sqlite>, doc: &DocumentRow) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO documents (dir, name, page_count, size_bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&doc.dir)
    .bind(&doc.name)
    .bind(doc.page_count as i64)
    .bind(doc.size_bytes as i64)
    .bind(&doc.sha256)
    .bind(doc.created_at)
    .fetch_one(&mut **tx)
    .await?)
}

pub(super) fn idempotent_outcome(r: &SqliteRow) -> Result<IdempotentOutcome> {
    let response: String = r.try_get("response")?;
    let (document_id, job_ids): (i64, Vec<i64>) =
        serde_json::from_str(&response).map_err(|e| corrupt("idempotency", &e.to_string()))?;
    Ok(IdempotentOutcome { request_hash: r.try_get("request_hash")?, document_id, job_ids })
}

/// `UPDATE jobs …` of every column but id and version, checking the version: bind with
/// `bind_job`, then the id and the version read.
pub(super) fn update_job_sql() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let sets: Vec<String> = JOB_COLUMNS.split(", ").skip(2).map(|c| format!("{c} = ?")).collect();
        format!("UPDATE jobs SET version = version + 1, {} WHERE id = ? AND version = ?", sets.join(", "))
    });
    &SQL
}
