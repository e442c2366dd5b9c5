-- chiso schema, version 5: the audit log becomes a hash chain (postgres). Each row carries the
-- previous row's hash and its own: hash = SHA-256(previous hash, time, actor, channel,
-- action, entity, old value, new value). Rows written before this version are sealed when
-- the store opens.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
