-- chiso schema, version 8: indicators marked published may be read anonymously when the
-- server allows public access (sqlite).
ALTER TABLE indicators ADD COLUMN published INTEGER NOT NULL DEFAULT 0;
