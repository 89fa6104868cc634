-- ferrofax store, version 3: a session signed in with an API token names it, so that revoking
-- the token ends the session too (SHA-256 of the token, hex; NULL: signed in with a password).
ALTER TABLE sessions ADD COLUMN token_hash TEXT;
CREATE INDEX sessions_token ON sessions (token_hash);
