-- ferrofax store, version 1. Times are UTC milliseconds since the Unix epoch.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'user')),
    created_at INTEGER NOT NULL
);

CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,           -- SHA-256 of the token, hex
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE documents (
    id         INTEGER PRIMARY KEY,
    dir        TEXT NOT NULL UNIQUE,       -- folder under documents/ holding page-NNNN.tif
    name       TEXT NOT NULL,
    page_count INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY,
    version         INTEGER NOT NULL DEFAULT 0,
    job_type        TEXT NOT NULL,
    owner           TEXT NOT NULL,
    state           TEXT NOT NULL,
    paused          INTEGER NOT NULL DEFAULT 0,
    device_status   TEXT NOT NULL,
    document_id     INTEGER NOT NULL REFERENCES documents(id),
    cover_document_id INTEGER REFERENCES documents(id),  -- this recipient's cover page
    page_count      INTEGER NOT NULL,
    pages_confirmed INTEGER NOT NULL DEFAULT 0,
    current_page    INTEGER NOT NULL DEFAULT 0,
    fax_number      TEXT NOT NULL,
    recipient       TEXT NOT NULL,          -- JSON Recipient
    fields          TEXT NOT NULL,          -- JSON FaxDocFields
    priority        INTEGER NOT NULL,
    discount_send   INTEGER NOT NULL,
    submitted_at    INTEGER NOT NULL,
    next_attempt_at INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    port            TEXT,
    detail          TEXT NOT NULL DEFAULT '',
    finished_at     INTEGER,
    lease_until     INTEGER,
    remote_ident    TEXT NOT NULL DEFAULT '',
    caller_id       TEXT NOT NULL DEFAULT '',
    csid            TEXT NOT NULL DEFAULT '',
    routing         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX jobs_queue ON jobs (state, paused, priority, id);
CREATE INDEX jobs_owner ON jobs (owner, id);
CREATE INDEX jobs_document ON jobs (document_id);

CREATE TABLE attempts (
    id              INTEGER PRIMARY KEY,
    job_id          INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    number          INTEGER NOT NULL,
    port            TEXT NOT NULL,
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER,
    result          TEXT,
    detail          TEXT NOT NULL DEFAULT '',
    pages_confirmed INTEGER NOT NULL DEFAULT 0,
    remote_ident    TEXT NOT NULL DEFAULT '',
    tsid            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX attempts_job ON attempts (job_id, number);

CREATE TABLE idempotency (
    owner        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (owner, key)
);

CREATE TABLE ports (
    device_id TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    driver    TEXT NOT NULL,
    rings     INTEGER NOT NULL,
    csid      TEXT NOT NULL,
    tsid      TEXT NOT NULL,
    send      INTEGER NOT NULL,
    receive   INTEGER NOT NULL,
    priority  INTEGER NOT NULL
);

CREATE TABLE routing_methods (
    device_id     TEXT NOT NULL,
    function_name TEXT NOT NULL,
    enable        INTEGER NOT NULL,
    routing_data  TEXT NOT NULL,
    PRIMARY KEY (device_id, function_name)
);

CREATE TABLE events (
    id    INTEGER PRIMARY KEY,
    at    INTEGER NOT NULL,
    owner TEXT,                             -- the job's owner, for filtering; NULL = everyone
    body  TEXT NOT NULL                     -- JSON EventBody
);
