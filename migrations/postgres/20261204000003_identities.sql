-- The same schema as migrations/sqlite, in Postgres' words.
CREATE TABLE identities (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider  TEXT   NOT NULL,
    issuer    TEXT   NOT NULL,
    subject   TEXT   NOT NULL,
    email     TEXT,
    linked_at BIGINT NOT NULL,
    UNIQUE (issuer, subject),
    UNIQUE (user_id, provider)
);
