-- chiso schema, version 3: target frameworks and targets (sqlite)
CREATE TABLE target_frameworks (
    code        TEXT PRIMARY KEY,
    name_vi     TEXT NOT NULL,
    name_en     TEXT,
    description TEXT
);

CREATE TABLE targets (
    code         TEXT PRIMARY KEY,
    framework    TEXT NOT NULL REFERENCES target_frameworks(code) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    name_vi      TEXT NOT NULL,
    name_en      TEXT,
    scope_kind   TEXT NOT NULL,
    scope_code   TEXT NOT NULL,
    period       TEXT NOT NULL,
    indicator    TEXT REFERENCES indicators(code),
    comparator   TEXT,
    value        REAL,
    due          TEXT,
    completed_on TEXT,
    note         TEXT
);
CREATE INDEX targets_framework ON targets(framework, position);
