-- The same schema as migrations/sqlite, in Postgres' words. Emails are
-- stored trimmed and lower-cased by the `Email` type, and looked up as
-- stored (UNIQUE gives that an index); the index on lower() keeps the
-- uniqueness rule even for rows written some other way.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT        NOT NULL UNIQUE,
    password_hash TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));
