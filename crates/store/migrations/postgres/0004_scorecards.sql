-- chiso schema, version 4: scorecards (postgres). The definition (pillars, criteria, rules) is JSON.
CREATE TABLE scorecards (
    code       TEXT PRIMARY KEY,
    definition TEXT NOT NULL
);
