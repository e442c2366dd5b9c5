-- chiso schema, version 13 (postgres): large writes audited as one batch, and fewer structures
-- to update per value.
--
-- The codes of data_values are checked by the store in the writing transaction (units and
-- data elements are never deleted), not by foreign keys: their per-row triggers cost more
-- than the rest of a large import. Reads by unit go through the primary key, one seek per
-- element and unit, so the (unit, period) index goes. The covering index of version 10
-- stays: the engine's load at start reads it alone. The period's type, start and end, which
-- follow from its code, are no longer stored.
ALTER TABLE data_values DROP CONSTRAINT IF EXISTS data_values_element_fkey;
ALTER TABLE data_values DROP CONSTRAINT IF EXISTS data_values_unit_fkey;
DROP INDEX IF EXISTS data_values_unit_period;
ALTER TABLE data_values DROP COLUMN period_type, DROP COLUMN period_start, DROP COLUMN period_end;

-- A write of many values (an import) is audited as one row of audit_log (action
-- data_value.batch, entity data_value:*) whose new_value summarises the batch and carries the
-- SHA-256 of its body; the body lists every value written or deleted, old and new, as CSV.
-- `elements` (";A;B;") lets a value's history find the batches that touched its element.
CREATE TABLE audit_batches (
    audit_id BIGINT PRIMARY KEY REFERENCES audit_log(id),
    elements TEXT NOT NULL,
    body     BYTEA NOT NULL
);
-- Stored as is: the body is hashed and read whole, and compressing it costs more than it saves.
ALTER TABLE audit_batches ALTER COLUMN body SET STORAGE EXTERNAL;
