-- Fixed-window counters for everything an attacker would repeat: failed
-- logins per account and per client IP, anonymous writes per IP per
-- minute, reset and confirmation mails per account and per address.
-- `key` is a SHA-256 of what is counted (no address or email is kept);
-- each row carries its own window, so one clean-up serves them all.
-- A slot is taken by one atomic upsert before the thing it guards runs.
CREATE TABLE counters (
    key          TEXT    PRIMARY KEY NOT NULL,
    count        BIGINT  NOT NULL,
    window_start BIGINT  NOT NULL,
    window_secs  BIGINT  NOT NULL
);
CREATE INDEX counters_window_end ON counters (window_start);

-- Replaced by `counters`: their counts were read, then written, so a
-- burst all passed the read.
DROP TABLE login_failures;
DROP TABLE reset_requests;
