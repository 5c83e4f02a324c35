-- Sessions keyed by a SHA-256 of the id, never the id itself (the cookie
-- value would log anyone in). `expires_at` is the earlier of the idle and
-- absolute deadlines, in Unix seconds; loads ignore rows past it and a
-- background task deletes them. Unused when SESSION_STORE_URL names Redis.
CREATE TABLE sessions (
    id_hash    TEXT   PRIMARY KEY,
    user_id    BIGINT REFERENCES users (id) ON DELETE CASCADE,
    data       TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Failed logins per account and per client IP, counted in a fixed window
-- that starts at the first failure. `key` is a SHA-256 of "email:…" or
-- "ip:…", so typed emails are not kept here.
CREATE TABLE login_failures (
    key          TEXT   PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
