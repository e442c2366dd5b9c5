-- chiso schema, version 8: indicators marked published may be read anonymously when the
-- server allows public access (postgres).
ALTER TABLE indicators ADD COLUMN published BOOLEAN NOT NULL DEFAULT FALSE;
