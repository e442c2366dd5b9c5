-- chiso schema, version 11: data collection (postgres) — data sets (forms) and who reports them,
-- validation rules, completeness, approval, lock exceptions and evidence files.
CREATE TABLE data_sets (
    code        TEXT PRIMARY KEY,
    name_vi     TEXT NOT NULL,
    name_en     TEXT,
    period_type TEXT NOT NULL,
    convention  TEXT NOT NULL,
    reporters   TEXT NOT NULL,
    scope       TEXT REFERENCES units(code),
    open_days   INTEGER NOT NULL,
    due_days    INTEGER NOT NULL,
    lock_days   INTEGER,
    approval    BOOLEAN NOT NULL
);

CREATE TABLE data_set_elements (
    data_set TEXT NOT NULL REFERENCES data_sets(code) ON DELETE CASCADE,
    element  TEXT NOT NULL REFERENCES data_elements(code),
    position INTEGER NOT NULL,
    PRIMARY KEY (data_set, element)
);
CREATE INDEX data_set_elements_element ON data_set_elements(element);

CREATE TABLE validation_rules (
    code       TEXT PRIMARY KEY,
    name_vi    TEXT NOT NULL,
    name_en    TEXT,
    left_side  TEXT NOT NULL,
    operator   TEXT NOT NULL,
    right_side TEXT NOT NULL,
    severity   TEXT NOT NULL
);

CREATE TABLE completions (
    data_set     TEXT NOT NULL REFERENCES data_sets(code),
    unit         TEXT NOT NULL REFERENCES units(code),
    period       TEXT NOT NULL,
    completed_by TEXT NOT NULL,
    completed_at TIMESTAMPTZ NOT NULL,
    on_time      BOOLEAN NOT NULL,
    PRIMARY KEY (data_set, unit, period)
);

CREATE TABLE approvals (
    data_set    TEXT NOT NULL REFERENCES data_sets(code),
    unit        TEXT NOT NULL REFERENCES units(code),
    period      TEXT NOT NULL,
    step        INTEGER NOT NULL,
    level_unit  TEXT NOT NULL REFERENCES units(code),
    approved_by TEXT NOT NULL,
    approved_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (data_set, unit, period, step)
);

CREATE TABLE lock_exceptions (
    data_set   TEXT NOT NULL REFERENCES data_sets(code),
    unit       TEXT NOT NULL REFERENCES units(code),
    period     TEXT NOT NULL,
    until      DATE NOT NULL,
    granted_by TEXT NOT NULL,
    reason     TEXT NOT NULL,
    PRIMARY KEY (data_set, unit, period)
);

CREATE TABLE evidence (
    id           TEXT PRIMARY KEY,
    data_set     TEXT NOT NULL REFERENCES data_sets(code),
    unit         TEXT NOT NULL REFERENCES units(code),
    period       TEXT NOT NULL,
    element      TEXT REFERENCES data_elements(code),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    doc_number   TEXT,
    doc_date     DATE,
    summary      TEXT,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL,
    content      BYTEA NOT NULL
);
CREATE INDEX evidence_report ON evidence(data_set, unit, period);
