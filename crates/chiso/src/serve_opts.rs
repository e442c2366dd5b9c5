//! `chiso serve`'s options for its operation: scheduled backups, the audit head kept outside
//! the database, a database that does not answer, `/metrics`, and the engine's snapshot.

use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug, Clone)]
pub(crate) struct Operations {
    #[command(flatten)]
    pub(crate) backups: crate::backup::schedule::Schedule,
    #[command(flatten)]
    pub(crate) anchor: crate::anchor::AnchorOptions,
    #[command(flatten)]
    pub(crate) outage: OutageOptions,
    #[command(flatten)]
    pub(crate) snapshots: crate::engine_cmd::SnapshotOptions,
}

impl Operations {
    /// Once the database is open: the scheduled backups and the audit head's records (each
    /// checks its options now, so a mistake stops the start).
    pub(crate) fn start(
        &self,
        database: &str,
        store: Arc<dyn chiso_store::Store>,
    ) -> anyhow::Result<()> {
        crate::backup::schedule::start(database, &self.backups)?;
        crate::anchor::start(store, &self.anchor)
    }
}

#[derive(clap::Args, Debug, Clone)]
pub(crate) struct OutageOptions {
    /// Seconds to wait for a database connection (from the pool, or a new one) before the
    /// request is answered 503 with Retry-After.
    #[arg(long, env = "CHISO_DB_CONNECT_TIMEOUT", default_value = "5", value_parser = seconds)]
    db_connect_timeout: Duration,
    /// Seconds to wait for one statement's answer before the request is answered 503 (bulk
    /// loads, the engine's load at start and migrations are not bounded). On SQLite also how
    /// long a write waits for another process's lock.
    #[arg(long, env = "CHISO_DB_STATEMENT_TIMEOUT", default_value = "10", value_parser = seconds)]
    db_statement_timeout: Duration,
    /// Let `/metrics` be read from other machines with `Authorization: Bearer TOKEN` (without
    /// it, only from this machine, and not through a reverse proxy).
    #[arg(long, env = "CHISO_METRICS_TOKEN", hide_env_values = true)]
    pub(crate) metrics_token: Option<String>,
}

impl OutageOptions {
    /// Set the store's timeouts (before the database is opened).
    pub(crate) fn apply(&self) {
        chiso_store::set_timeouts(chiso_store::Timeouts {
            connect: self.db_connect_timeout,
            statement: self.db_statement_timeout,
        });
    }
}

/// A number of seconds between 0.1 and 3600.
fn seconds(s: &str) -> Result<Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if (0.1..=3600.0).contains(&x) => Ok(Duration::from_secs_f64(x)),
        _ => Err(format!(
            "'{s}': cần số giây từ 0.1 đến 3600 / must be a number of seconds from 0.1 to 3600"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn a_timeout_is_a_bounded_number_of_seconds() {
        assert_eq!(seconds("2.5"), Ok(std::time::Duration::from_millis(2500)));
        assert!(seconds("0").is_err());
        assert!(seconds("abc").is_err_and(|e| e.contains("abc")));
        assert!(seconds("99999").is_err());
    }
}
