-- chiso schema, version 15 (sqlite): Project 06's electronic data store. Subjects under
-- pseudonymous ids (no real identifier is stored), dossiers and their results kept whole as
-- JSON beside the columns lists filter on, ratings given once per dossier, the metadata of
-- content-addressed files (the files themselves lie on disk next to the database), and the
-- access log: every read and write of a subject's store, hash-chained like the audit log.
-- Nothing here is ever deleted: a result that expires or is cancelled is flagged.
CREATE TABLE p06_subjects (
    id   TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE p06_owner_accounts (
    username TEXT PRIMARY KEY REFERENCES users(username),
    subject  TEXT NOT NULL REFERENCES p06_subjects(id)
);

CREATE TABLE p06_dossiers (
    code       TEXT PRIMARY KEY,
    subject    TEXT NOT NULL REFERENCES p06_subjects(id),
    unit       TEXT NOT NULL REFERENCES units(code),
    received   TEXT NOT NULL,
    finished   TEXT,
    status     TEXT NOT NULL,
    definition TEXT NOT NULL
);
CREATE INDEX p06_dossiers_unit_received ON p06_dossiers (unit, received);
CREATE INDEX p06_dossiers_unit_finished ON p06_dossiers (unit, finished);
CREATE INDEX p06_dossiers_subject ON p06_dossiers (subject);

CREATE TABLE p06_results (
    code       TEXT PRIMARY KEY,
    dossier    TEXT NOT NULL REFERENCES p06_dossiers(code),
    subject    TEXT NOT NULL REFERENCES p06_subjects(id),
    doc_type   TEXT NOT NULL,
    issuer     TEXT NOT NULL REFERENCES units(code),
    revoked_at TEXT,
    definition TEXT NOT NULL
);
CREATE INDEX p06_results_subject ON p06_results (subject, doc_type);
CREATE INDEX p06_results_dossier ON p06_results (dossier);

CREATE TABLE p06_ratings (
    dossier  TEXT PRIMARY KEY REFERENCES p06_dossiers(code),
    value    TEXT NOT NULL,
    reason   TEXT,
    rated_at TEXT NOT NULL,
    rated_by TEXT NOT NULL
);

CREATE TABLE p06_files (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    stored_at  TEXT NOT NULL
);

CREATE TABLE p06_access_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    via       TEXT NOT NULL,
    unit      TEXT,
    subject   TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX p06_access_subject ON p06_access_log (subject, id);
CREATE INDEX p06_access_entity ON p06_access_log (entity, id);
