-- chiso schema, version 9: constants for indicator expressions, C{CODE} (postgres)
CREATE TABLE constants (
    code    TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT,
    value   DOUBLE PRECISION NOT NULL
);
