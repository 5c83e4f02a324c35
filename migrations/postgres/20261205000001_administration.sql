-- The same schema as migrations/sqlite, in Postgres' words.
ALTER TABLE users ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN locked_at BIGINT;
ALTER TABLE users ADD COLUMN locked_reason TEXT;
ALTER TABLE users ADD COLUMN last_login_at BIGINT;

CREATE TABLE admin_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         TEXT   NOT NULL,
    at           BIGINT NOT NULL,
    admin_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    admin_email  TEXT   NOT NULL,
    target_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    target_email TEXT   NOT NULL,
    ip           TEXT   NOT NULL,
    reason       TEXT
);
CREATE INDEX admin_events_at ON admin_events (at);
