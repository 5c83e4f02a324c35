-- Administration. `is_admin` is set only by the operator command
-- (`server admin grant EMAIL`), never through the web. A locked account
-- (`locked_at` set) can't sign in by any means; the reason is for the
-- administrators, never shown to the account.
ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_at INTEGER;
ALTER TABLE users ADD COLUMN locked_reason TEXT;
-- The last sign-in by any means (written where every sign-in ends).
ALTER TABLE users ADD COLUMN last_login_at INTEGER;

-- What every administrator did, kept 90 days like the security log. The
-- addresses are copied in: the entry outlives a deleted account.
CREATE TABLE admin_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    admin_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    admin_email  TEXT    NOT NULL,
    target_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    target_email TEXT    NOT NULL,
    ip           TEXT    NOT NULL,
    reason       TEXT
);
CREATE INDEX admin_events_at ON admin_events (at);
