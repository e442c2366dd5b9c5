//! Versioned migrations, one list per backend, and the one runner both backends use.
//!
//! A migration runs once and is recorded in `schema_migrations` with its version, its name,
//! when it was applied and its checksum: the SHA-256 of its SQL text (line ends read as `\n`).
//! At every open, in one transaction (on PostgreSQL under an advisory lock, so several servers
//! may start together), [`run`]:
//!
//! 1. adds the `checksum` column to a `schema_migrations` that lacks it (a database written
//!    before checksums were kept);
//! 2. checks every recorded migration against this binary's list:
//!    - a missing checksum (recorded before checksums were kept) is filled in with the
//!      checksum of this binary's text, and logged;
//!    - a checksum that differs means the migration's text was changed after the database
//!      applied it: the schema may not be what this binary expects, so the open stops with
//!      "migration 7 (sessions_tokens) was changed after it was applied: …". The database is
//!      left as it was. Run the release that applied it, or repair the schema by hand and
//!      then the recorded checksum;
//!    - a version this binary does not know (the database was written by a newer release),
//!      a known one recorded under another name, or one missing below the last recorded one
//!      stop the open too, naming the version. Run the newer release, or restore a backup;
//! 3. runs the migrations after the last recorded one, in order, each recorded with its
//!    checksum.
//!
//! Nothing is written unless every check passes: the transaction is rolled back on any error.
//! A migration is never edited once released; a change is a new migration.

use crate::sql::{stmt, SqlBackend, Tx};
use crate::{Backend, Result, StoreError};
use sha2::{Digest, Sha256};

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
    Migration {
        version: 14,
        name: "compulsory_fields",
        sql: include_str!("../migrations/sqlite/0014_compulsory_fields.sql"),
    },
    Migration {
        version: 15,
        name: "p06_store",
        sql: include_str!("../migrations/sqlite/0015_p06_store.sql"),
    },
    Migration {
        version: 16,
        name: "target_pillars",
        sql: include_str!("../migrations/sqlite/0016_target_pillars.sql"),
    },
    Migration {
        version: 17,
        name: "unit_geography",
        sql: include_str!("../migrations/sqlite/0017_unit_geography.sql"),
    },
    Migration {
        version: 18,
        name: "login_failures",
        sql: include_str!("../migrations/sqlite/0018_login_failures.sql"),
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
    Migration {
        version: 14,
        name: "compulsory_fields",
        sql: include_str!("../migrations/postgres/0014_compulsory_fields.sql"),
    },
    Migration {
        version: 15,
        name: "p06_store",
        sql: include_str!("../migrations/postgres/0015_p06_store.sql"),
    },
    Migration {
        version: 16,
        name: "target_pillars",
        sql: include_str!("../migrations/postgres/0016_target_pillars.sql"),
    },
    Migration {
        version: 17,
        name: "unit_geography",
        sql: include_str!("../migrations/postgres/0017_unit_geography.sql"),
    },
    Migration {
        version: 18,
        name: "login_failures",
        sql: include_str!("../migrations/postgres/0018_login_failures.sql"),
    },
];

/// The table, as a new database gets it. `checksum` may be empty: rows recorded before
/// checksums were kept, until the next open fills them in.
const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    checksum   TEXT
)";

/// Whether `schema_migrations` has its `checksum` column: one row if so. SQLite has no
/// `ADD COLUMN IF NOT EXISTS`; PostgreSQL has, but says so in a notice at every start.
fn has_checksum(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT 1 FROM pragma_table_info('schema_migrations') WHERE name = 'checksum'"
        }
        // The table `schema_migrations` names on the search path, as every other statement.
        Backend::Postgres => {
            "SELECT 1 FROM pg_attribute WHERE attrelid = 'schema_migrations'::regclass \
             AND attname = 'checksum' AND NOT attisdropped"
        }
    }
}

/// The checksum of a migration's SQL text: SHA-256, in hex, of the text with its line ends
/// read as `\n` (so a checkout that writes `\r\n` does not change it).
pub(crate) fn checksum(sql: &str) -> String {
    let sum = Sha256::digest(sql.replace("\r\n", "\n").as_bytes());
    hex::encode(sum)
}

/// Check what the database recorded against `list`, then apply what is pending, in `tx` (see
/// the module's documentation). The caller opens the transaction (and on PostgreSQL takes the
/// migration lock) and commits it.
pub(crate) async fn run<B: SqlBackend>(tx: &mut Tx<B>, list: &[Migration]) -> Result<()> {
    stmt(CREATE_TABLE).execute(&mut *tx).await?;
    if stmt(has_checksum(B::KIND))
        .fetch_optional(&mut *tx)
        .await?
        .is_none()
    {
        stmt("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT")
            .execute(&mut *tx)
            .await?;
        tracing::info!("schema_migrations: added the checksum column");
    }

    let recorded = stmt("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
        .fetch_all(&mut *tx)
        .await?;
    let mut seen = Vec::with_capacity(recorded.len());
    for r in &recorded {
        let version: i64 = r.get("version")?;
        let name: String = r.get("name")?;
        let stored: Option<String> = r.get("checksum")?;
        let Some(m) = list.iter().find(|m| m.version == version) else {
            return Err(StoreError::Migration(format!(
                "migration {version} ({name}) is recorded in the database but unknown to this \
                 version of chiso (it knows 1 to {}): the database was written by a newer \
                 release; run that release or a later one, or restore a backup",
                list.last().map(|m| m.version).unwrap_or(0)
            )));
        };
        if m.name != name {
            return Err(StoreError::Migration(format!(
                "migration {version} is recorded in the database as '{name}', but this version \
                 of chiso's migration {version} is '{}': the database was written by another \
                 build of chiso",
                m.name
            )));
        }
        let sum = checksum(m.sql);
        match stored {
            None => {
                stmt("UPDATE schema_migrations SET checksum = $1 WHERE version = $2")
                    .bind(&sum)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                tracing::info!(
                    version,
                    name = m.name,
                    checksum = sum,
                    "recorded the checksum of a migration applied before checksums were kept"
                );
            }
            Some(s) if s == sum => {}
            Some(s) => {
                return Err(StoreError::Migration(format!(
                    "migration {version} ({}) was changed after it was applied: the database \
                     recorded checksum {s}, this version of chiso has {sum}, so the schema may \
                     not be what this version expects. Run the release that applied it, or \
                     check the schema by hand and then set the recorded checksum to {sum}",
                    m.name
                )));
            }
        }
        seen.push(version);
    }
    let last = seen.iter().copied().max().unwrap_or(0);
    if let Some(m) = list
        .iter()
        .find(|m| m.version < last && !seen.contains(&m.version))
    {
        return Err(StoreError::Migration(format!(
            "migration {} ({}) was never applied, though migration {last} was: the database \
             was not written by this version of chiso",
            m.version, m.name
        )));
    }

    for m in list.iter().filter(|m| m.version > last) {
        B::tx_script(tx, m.sql).await?;
        stmt(
            "INSERT INTO schema_migrations (version, name, applied_at, checksum) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(checksum(m.sql))
        .execute(&mut *tx)
        .await?;
        tracing::info!(
            version = m.version,
            name = m.name,
            backend = ?B::KIND,
            "applied migration"
        );
    }
    Ok(())
}
