-- The security log: what happened to an account, when, from which address
-- and browser. Written in the same transaction as the change where there is
-- one; deleted after 90 days. `user_id` is NULL for a failed login for an
-- address without an account (attached to no one). No password, code or
-- token is ever recorded.
CREATE TABLE security_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    ip         TEXT    NOT NULL,
    user_agent TEXT    NOT NULL
);
CREATE INDEX security_events_user ON security_events (user_id, id);
CREATE INDEX security_events_at ON security_events (at);
