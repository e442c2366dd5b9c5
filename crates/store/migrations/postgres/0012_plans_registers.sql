-- chiso schema, version 12: plans, directives and registers (postgres). Each row keeps its whole
-- definition as JSON (tasks, milestones, progress reports, connections); the columns beside it
-- are what lists filter on and what the database checks (the units named must exist).
CREATE TABLE plans (
    code       TEXT PRIMARY KEY,
    unit       TEXT NOT NULL REFERENCES units(code),
    year       BIGINT NOT NULL,
    status     TEXT NOT NULL,
    definition TEXT NOT NULL,
    UNIQUE (unit, year)
);
CREATE INDEX plans_year ON plans (year);

CREATE TABLE directives (
    code       TEXT PRIMARY KEY,
    definition TEXT NOT NULL
);

CREATE TABLE register_entries (
    kind       TEXT NOT NULL,
    code       TEXT NOT NULL,
    owner      TEXT NOT NULL REFERENCES units(code),
    definition TEXT NOT NULL,
    PRIMARY KEY (kind, code)
);
CREATE INDEX register_entries_owner ON register_entries (owner);
