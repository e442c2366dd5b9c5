-- chiso schema, version 9: constants for indicator expressions, C{CODE} (sqlite)
CREATE TABLE constants (
    code    TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT,
    value   REAL NOT NULL
);
