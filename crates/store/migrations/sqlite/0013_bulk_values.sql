-- chiso schema, version 13 (sqlite): values kept in their key's order, and large writes
-- audited as one batch.
--
-- data_values becomes a WITHOUT ROWID table: its rows live in the primary key's b-tree, in
-- (element, unit, period, breakdown) order. That one tree serves lookups by key, the
-- engine's load at start (it reads the table in that order, as it read the covering index of
-- version 10, which is dropped) and reads by unit (the store asks per element: a seek per
-- element and unit, so the (unit, period) index is dropped too). Writing a value then
-- updates one tree instead of four. The codes are checked by the store in the writing
-- transaction (units and data elements are never deleted), not by foreign keys. The
-- period's type, start and end, which follow from its code, are no longer stored.
CREATE TABLE data_values_v13 (
    element      TEXT NOT NULL,
    unit         TEXT NOT NULL,
    period       TEXT NOT NULL,
    breakdown    TEXT NOT NULL DEFAULT '',
    value        TEXT NOT NULL,
    num          REAL,
    comment      TEXT,
    source       TEXT NOT NULL,
    stored_by    TEXT NOT NULL,
    stored_at    TEXT NOT NULL,
    PRIMARY KEY (element, unit, period, breakdown)
) WITHOUT ROWID;
INSERT INTO data_values_v13 (element, unit, period, breakdown, value, num, comment, source,
    stored_by, stored_at)
SELECT element, unit, period, breakdown, value, num, comment, source, stored_by, stored_at
FROM data_values ORDER BY element, unit, period, breakdown;
DROP TABLE data_values;
ALTER TABLE data_values_v13 RENAME TO data_values;

-- A write of many values (an import) is audited as one row of audit_log (action
-- data_value.batch, entity data_value:*) whose new_value summarises the batch and carries the
-- SHA-256 of its body; the body lists every value written or deleted, old and new, as CSV.
-- `elements` (";A;B;") lets a value's history find the batches that touched its element.
CREATE TABLE audit_batches (
    audit_id INTEGER PRIMARY KEY REFERENCES audit_log(id),
    elements TEXT NOT NULL,
    body     BLOB NOT NULL
);
