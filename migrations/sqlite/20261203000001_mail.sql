-- Mail and the links it carries: confirmation of an address, password
-- reset, change of email. Times are Unix seconds.

-- When the account's address was confirmed; NULL until then.
ALTER TABLE users ADD COLUMN email_confirmed_at INTEGER;

-- The links' tokens, kept only as SHA-256 hashes (a copy of the database
-- holds no usable link). One live link per account and purpose: a newer
-- one replaces the older. Redeeming a link deletes its row, so it works
-- once. `email` is the address the link was sent to: the one it confirms.
CREATE TABLE email_tokens (
    token_hash TEXT    PRIMARY KEY NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX email_tokens_user_purpose ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_expires_at ON email_tokens (expires_at);

-- Password-reset requests, one row for each whether or not the address has
-- an account (both paths write, so they take about as long). `key` is a
-- SHA-256 of the address as typed after normalising; `mailed` says whether
-- a mail went, for the per-account cap.
CREATE TABLE reset_requests (
    key    TEXT    NOT NULL,
    at     INTEGER NOT NULL,
    mailed INTEGER NOT NULL
);
CREATE INDEX reset_requests_key_at ON reset_requests (key, at);

-- The outbox: mail is stored here in the same transaction as the change it
-- belongs to, and a worker delivers it. `sealed` is the body encrypted with
-- a key derived from SESSION_SECRET, and is dropped once the mail is sent.
-- `claimed_until` is a worker's lease on the row while it sends.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    sealed          BLOB,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER NOT NULL DEFAULT 0,
    sent_at         INTEGER,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
