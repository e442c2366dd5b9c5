//! Versioned migrations, one list per backend. A migration runs once, in a transaction, and
//! is recorded in `schema_migrations`.

pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub(crate) const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "indicators",
        sql: include_str!("../migrations/sqlite/0002_indicators.sql"),
    },
    Migration {
        version: 3,
        name: "targets",
        sql: include_str!("../migrations/sqlite/0003_targets.sql"),
    },
    Migration {
        version: 4,
        name: "scorecards",
        sql: include_str!("../migrations/sqlite/0004_scorecards.sql"),
    },
    Migration {
        version: 5,
        name: "audit_chain",
        sql: include_str!("../migrations/sqlite/0005_audit_chain.sql"),
    },
    Migration {
        version: 6,
        name: "accounts",
        sql: include_str!("../migrations/sqlite/0006_accounts.sql"),
    },
    Migration {
        version: 7,
        name: "sessions_tokens",
        sql: include_str!("../migrations/sqlite/0007_sessions_tokens.sql"),
    },
    Migration {
        version: 8,
        name: "published_indicators",
        sql: include_str!("../migrations/sqlite/0008_published_indicators.sql"),
    },
    Migration {
        version: 9,
        name: "constants",
        sql: include_str!("../migrations/sqlite/0009_constants.sql"),
    },
    Migration {
        version: 10,
        name: "numbers_index",
        sql: include_str!("../migrations/sqlite/0010_numbers_index.sql"),
    },
    Migration {
        version: 11,
        name: "data_collection",
        sql: include_str!("../migrations/sqlite/0011_data_collection.sql"),
    },
    Migration {
        version: 12,
        name: "plans_registers",
        sql: include_str!("../migrations/sqlite/0012_plans_registers.sql"),
    },
    Migration {
        version: 13,
        name: "bulk_values",
        sql: include_str!("../migrations/sqlite/0013_bulk_values.sql"),
    },
];

pub(crate) const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "indicators",
        sql: include_str!("../migrations/postgres/0002_indicators.sql"),
    },
    Migration {
        version: 3,
        name: "targets",
        sql: include_str!("../migrations/postgres/0003_targets.sql"),
    },
    Migration {
        version: 4,
        name: "scorecards",
        sql: include_str!("../migrations/postgres/0004_scorecards.sql"),
    },
    Migration {
        version: 5,
        name: "audit_chain",
        sql: include_str!("../migrations/postgres/0005_audit_chain.sql"),
    },
    Migration {
        version: 6,
        name: "accounts",
        sql: include_str!("../migrations/postgres/0006_accounts.sql"),
    },
    Migration {
        version: 7,
        name: "sessions_tokens",
        sql: include_str!("../migrations/postgres/0007_sessions_tokens.sql"),
    },
    Migration {
        version: 8,
        name: "published_indicators",
        sql: include_str!("../migrations/postgres/0008_published_indicators.sql"),
    },
    Migration {
        version: 9,
        name: "constants",
        sql: include_str!("../migrations/postgres/0009_constants.sql"),
    },
    Migration {
        version: 10,
        name: "numbers_index",
        sql: include_str!("../migrations/postgres/0010_numbers_index.sql"),
    },
    Migration {
        version: 11,
        name: "data_collection",
        sql: include_str!("../migrations/postgres/0011_data_collection.sql"),
    },
    Migration {
        version: 12,
        name: "plans_registers",
        sql: include_str!("../migrations/postgres/0012_plans_registers.sql"),
    },
    Migration {
        version: 13,
        name: "bulk_values",
        sql: include_str!("../migrations/postgres/0013_bulk_values.sql"),
    },
];

pub(crate) const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";
