-- The same schema as migrations/sqlite, in Postgres' words.
CREATE TABLE totp (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     BYTEA,
    pending    BYTEA,
    last_step  BIGINT NOT NULL DEFAULT 0,
    enabled_at BIGINT
);

CREATE TABLE recovery_codes (
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT   NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE passkeys (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_handle  TEXT   NOT NULL,
    cred_id      TEXT   NOT NULL UNIQUE,
    name         TEXT   NOT NULL,
    passkey      TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id);
