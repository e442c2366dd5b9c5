-- chiso schema, version 2: indicators (postgres)
CREATE TABLE indicators (
    code        TEXT PRIMARY KEY,
    name_vi     TEXT NOT NULL,
    name_en     TEXT,
    numerator   TEXT NOT NULL,
    denominator TEXT NOT NULL,
    factor      DOUBLE PRECISION NOT NULL,
    decimals    INTEGER NOT NULL,
    direction   TEXT NOT NULL,
    unit_label  TEXT,
    is_rate     BOOLEAN NOT NULL,
    description TEXT
);
