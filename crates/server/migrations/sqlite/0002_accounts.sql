-- ferrofax store, version 2: passwords, sign-in sessions, token ids.

-- An argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash); NULL: no password, tokens only.
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- Tokens get a stable id to list and revoke them by (the rowid of a table without an INTEGER
-- PRIMARY KEY may change on VACUUM). Nothing references tokens, so the table is rebuilt.
CREATE TABLE tokens_v2 (
    id         INTEGER PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,       -- SHA-256 of the token, hex
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO tokens_v2 (hash, user_id, label, created_at)
    SELECT hash, user_id, label, created_at FROM tokens ORDER BY created_at, rowid;
DROP TABLE tokens;
ALTER TABLE tokens_v2 RENAME TO tokens;
CREATE INDEX tokens_user ON tokens (user_id, id);

-- Browser sign-in sessions. The session id lives only in the client's cookie.
CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,           -- SHA-256 of the session id, hex
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,              -- to repeat in X-CSRF-Token on changes
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
