-- chiso schema, version 4: scorecards (sqlite). The definition (pillars, criteria, rules) is JSON.
CREATE TABLE scorecards (
    code       TEXT PRIMARY KEY,
    definition TEXT NOT NULL
);
