-- The same schema as migrations/sqlite, in Postgres' words.
CREATE TABLE security_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT   NOT NULL,
    at         BIGINT NOT NULL,
    ip         TEXT   NOT NULL,
    user_agent TEXT   NOT NULL
);
CREATE INDEX security_events_user ON security_events (user_id, id);
CREATE INDEX security_events_at ON security_events (at);
