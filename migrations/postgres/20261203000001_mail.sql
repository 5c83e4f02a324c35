-- The same schema as migrations/sqlite, in Postgres' words. Times are Unix
-- seconds.
ALTER TABLE users ADD COLUMN email_confirmed_at BIGINT;

CREATE TABLE email_tokens (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT   NOT NULL,
    email      TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX email_tokens_user_purpose ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_expires_at ON email_tokens (expires_at);

CREATE TABLE reset_requests (
    key    TEXT    NOT NULL,
    at     BIGINT  NOT NULL,
    mailed BOOLEAN NOT NULL
);
CREATE INDEX reset_requests_key_at ON reset_requests (key, at);

CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient       TEXT   NOT NULL,
    subject         TEXT   NOT NULL,
    sealed          BYTEA,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT NOT NULL DEFAULT 0,
    sent_at         BIGINT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
