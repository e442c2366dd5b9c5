-- chiso schema, version 18 (sqlite): failed logins per user name and client address, shared by
-- every server of one database so that a lock-out survives a restart and cannot be dodged by
-- asking another server. Bounded by the store (rows quiet for an hour are forgotten first).
CREATE TABLE login_failures (
    username        TEXT NOT NULL,
    address         TEXT NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    PRIMARY KEY (username, address)
);

CREATE INDEX login_failures_last ON login_failures (last_failure_at);
