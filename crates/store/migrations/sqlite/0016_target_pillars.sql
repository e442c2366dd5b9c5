-- chiso schema, version 16: the pillar of each target, and the order a framework shows its
-- pillars in (sqlite). A pillar is one of digital_government, digital_economy, digital_society,
-- project06, infrastructure (none: shown under "other"); a framework's order is a
-- comma-separated list of them (none: the default order). Directives name the targets they
-- address inside their definition, checked against this table when written.
ALTER TABLE targets ADD COLUMN pillar TEXT
    CHECK (pillar IN ('digital_government', 'digital_economy', 'digital_society', 'project06', 'infrastructure'));
ALTER TABLE target_frameworks ADD COLUMN pillars TEXT;
