-- Two-step verification and passkeys.
--
-- `totp`: an authenticator app's secret, sealed (XChaCha20-Poly1305 under
-- a key derived from SESSION_SECRET), so a copy of the database cannot
-- make codes. `pending` is a secret shown on /security but not yet
-- confirmed with a code; `secret` is the one logins ask for (NULL: off).
-- `last_step` is the 30-second step of the last code accepted: a code of
-- that step or an earlier one is refused, so a code works once.
CREATE TABLE totp (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     BLOB,
    pending    BLOB,
    last_step  INTEGER NOT NULL DEFAULT 0,
    enabled_at INTEGER
);

-- Recovery codes, as keyed hashes (HMAC-SHA256), ten per set; a used one
-- keeps its row (so the page can say how many are left) with `used_at`.
CREATE TABLE recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT    NOT NULL,
    used_at   INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- Passkeys: webauthn-rs' `Passkey` as JSON (public key, counter), found
-- at login by its credential id. `user_handle` is the random id the
-- authenticator keeps for the account (the same for all its passkeys),
-- checked against the one the authenticator answers with.
CREATE TABLE passkeys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_handle  TEXT    NOT NULL,
    cred_id      TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    passkey      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX passkeys_user ON passkeys (user_id);
