-- Identities at OpenID Connect providers linked to accounts: the ID
-- token's issuer and subject name one person at one provider; an account
-- has at most one identity per provider. An account made by a provider
-- has no password: its users.password_hash is '' (no hash verifies it).
CREATE TABLE identities (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider  TEXT    NOT NULL,
    issuer    TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    email     TEXT,
    linked_at INTEGER NOT NULL,
    UNIQUE (issuer, subject),
    UNIQUE (user_id, provider)
);
