-- chiso schema, version 1 (PostgreSQL)
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE units (
    code       TEXT PRIMARY KEY,
    gso_code   TEXT,
    name_vi    TEXT NOT NULL,
    name_en    TEXT,
    kind       TEXT NOT NULL,
    parent     TEXT REFERENCES units(code),
    level      INTEGER NOT NULL,
    valid_from DATE,
    valid_to   DATE,
    lat        DOUBLE PRECISION,
    lon        DOUBLE PRECISION
);
CREATE INDEX units_parent ON units(parent);
CREATE INDEX units_gso_code ON units(gso_code);

CREATE TABLE unit_groups (
    code    TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT
);

CREATE TABLE unit_group_members (
    grp  TEXT NOT NULL REFERENCES unit_groups(code) ON DELETE CASCADE,
    unit TEXT NOT NULL REFERENCES units(code),
    PRIMARY KEY (grp, unit)
);

CREATE TABLE successor_links (
    from_unit  TEXT NOT NULL REFERENCES units(code),
    to_unit    TEXT NOT NULL REFERENCES units(code),
    effective  DATE NOT NULL,
    weight     DOUBLE PRECISION,
    is_default BOOLEAN NOT NULL,
    PRIMARY KEY (from_unit, to_unit)
);
CREATE INDEX successor_links_to ON successor_links(to_unit);

CREATE TABLE breakdowns (
    code    TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT
);

CREATE TABLE breakdown_options (
    breakdown TEXT NOT NULL REFERENCES breakdowns(code) ON DELETE CASCADE,
    code      TEXT NOT NULL,
    name_vi   TEXT NOT NULL,
    name_en   TEXT,
    sort      INTEGER NOT NULL,
    PRIMARY KEY (breakdown, code)
);

CREATE TABLE data_elements (
    code            TEXT PRIMARY KEY,
    name_vi         TEXT NOT NULL,
    name_en         TEXT,
    value_type      TEXT NOT NULL,
    aggregation     TEXT NOT NULL,
    unit_of_measure TEXT,
    breakdown       TEXT REFERENCES breakdowns(code),
    description     TEXT
);

CREATE TABLE data_values (
    element      TEXT NOT NULL REFERENCES data_elements(code),
    unit         TEXT NOT NULL REFERENCES units(code),
    period       TEXT NOT NULL,
    breakdown    TEXT NOT NULL DEFAULT '',
    period_type  TEXT NOT NULL,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    value        TEXT NOT NULL,
    num          DOUBLE PRECISION,
    comment      TEXT,
    source       TEXT NOT NULL,
    stored_by    TEXT NOT NULL,
    stored_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (element, unit, period, breakdown)
);
CREATE INDEX data_values_unit_period ON data_values(unit, period);

CREATE TABLE audit_log (
    id        BIGSERIAL PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    via       TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity);
