//! When the database does not answer: every wait on it is bounded (connecting, and each
//! statement), a read on the pool whose connection was killed is tried once more on another,
//! and the errors that mean "the database is unavailable, try again later" are named
//! ([`StoreError::is_unavailable`]) so that the web layer answers them with 503 and
//! `Retry-After` instead of a failure of its own.

use crate::{Result, StoreError};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How long chiso waits for the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To get a connection (from the pool, or a new one, with its check): 5 s by default.
    pub connect: Duration,
    /// For one statement's answer (bulk loads by `COPY`, the engine's streamed load and the
    /// migrations are not bounded): 10 s by default.
    pub statement: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            statement: Duration::from_secs(10),
        }
    }
}

/// Unset (0) until a server sets them: the command line and the tests wait as long as the
/// database takes (a long `audit verify` or export is not cut short).
static CONNECT_MS: AtomicU64 = AtomicU64::new(0);
static STATEMENT_MS: AtomicU64 = AtomicU64::new(0);

/// Set the waits for every store opened afterwards in this process (`chiso serve` sets them
/// from `--db-connect-timeout` and `--db-statement-timeout` before it opens the database).
pub fn set_timeouts(t: Timeouts) {
    CONNECT_MS.store(t.connect.as_millis().max(1) as u64, Ordering::SeqCst);
    STATEMENT_MS.store(t.statement.as_millis().max(1) as u64, Ordering::SeqCst);
}

/// The waits in force, when set.
pub fn timeouts() -> Option<Timeouts> {
    let (c, s) = (
        CONNECT_MS.load(Ordering::SeqCst),
        STATEMENT_MS.load(Ordering::SeqCst),
    );
    (c > 0 && s > 0).then(|| Timeouts {
        connect: Duration::from_millis(c),
        statement: Duration::from_millis(s),
    })
}

/// How long the pool waits for a connection: the connect timeout, else sqlx's 30 s.
pub(crate) fn connect_wait() -> Duration {
    timeouts().map_or(Duration::from_secs(30), |t| t.connect)
}

/// How long SQLite waits for another process's lock: the statement timeout, else 10 s.
pub(crate) fn busy_wait() -> Duration {
    timeouts().map_or(Duration::from_secs(10), |t| t.statement)
}

/// How a backend's pool of connections is used (for `/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolUse {
    /// Connections open, busy or idle.
    pub size: u32,
    /// Connections open and idle.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// The PostgreSQL channel every committed write notifies (inside its transaction, with the
/// audit chain's lock: delivered at commit, never for a rolled-back one).
pub const CHANGES_CHANNEL: &str = "chiso_changes";

/// How the store stands, beside its data: its connections, and a signal of other processes'
/// commits.
pub trait Liveness: Send + Sync {
    fn pool_use(&self) -> PoolUse;
    /// Woken when a write was committed to the database by any process (PostgreSQL's
    /// `LISTEN`); `None` where the database cannot say (SQLite: the follower polls).
    fn change_signal(&self) -> Option<Arc<Notify>>;
}

/// A statement's answer, or [`StoreError::Unavailable`] after the statement timeout (when
/// one is set).
pub(crate) async fn bounded<T>(f: impl Future<Output = Result<T>>) -> Result<T> {
    within(timeouts().map(|t| t.statement), f).await
}

/// A statement inside a write transaction: three times the statement timeout, as it may wait
/// for the audit chain's lock behind another server's large import.
pub(crate) async fn bounded_in_tx<T>(f: impl Future<Output = Result<T>>) -> Result<T> {
    within(timeouts().map(|t| t.statement * 3), f).await
}

async fn within<T>(limit: Option<Duration>, f: impl Future<Output = Result<T>>) -> Result<T> {
    let Some(limit) = limit else {
        return f.await;
    };
    match tokio::time::timeout(limit, f).await {
        Ok(r) => r,
        Err(_) => Err(StoreError::Unavailable(format!(
            "the database did not answer within {} s",
            limit.as_secs_f64()
        ))),
    }
}

/// A statement on the pool (not inside a transaction): bounded, and tried once more on
/// another connection when the one it ran on was lost (a killed backend, a restarted server,
/// a reset connection). A timeout is not tried again: that would only double the wait.
pub(crate) async fn on_pool<T, F, Fut>(mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    match bounded(f()).await {
        Err(e) if e.connection_lost() => {
            tracing::warn!(error = %e, "the database connection was lost; trying once more");
            bounded(f()).await
        }
        r => r,
    }
}

impl StoreError {
    /// Whether the database could not be reached or did not answer in time (or is locked by
    /// another process past the wait): nothing was done, and the same request may succeed
    /// later. The web layer answers these 503 with `Retry-After`.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Unavailable(_) => true,
            StoreError::Db(e) => unavailable(e),
            _ => false,
        }
    }

    /// Whether the connection a statement ran on was lost (worth one more try on another).
    pub fn connection_lost(&self) -> bool {
        matches!(self, StoreError::Db(e) if connection_lost(e))
    }
}

fn connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .is_some_and(|pg| {
                let code = pg.code();
                // Class 08: connection exception; 57P01–57P03: the server shut down, was
                // restarted, or cannot accept connections now (`pg_terminate_backend` is 57P01).
                code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
            }),
        _ => false,
    }
}

fn unavailable(e: &sqlx::Error) -> bool {
    if connection_lost(e) {
        return true;
    }
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(d) => {
            if let Some(pg) = d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                // A statement cancelled by the server's own `statement_timeout`, too many
                // connections, the server out of resources.
                return matches!(pg.code(), "57014" | "53300" | "53000" | "53100" | "53200");
            }
            // SQLite: busy or locked past the busy timeout, cannot open, disk I/O error, disk
            // full (primary result codes, from the extended one).
            d.code()
                .and_then(|c| c.parse::<i32>().ok())
                .is_some_and(|c| matches!(c & 0xff, 5 | 6 | 10 | 13 | 14))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_statement_past_the_timeout_is_unavailable() {
        let r: Result<()> = within(Some(Duration::from_millis(50)), async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        })
        .await;
        let e = r.err().map(|e| e.is_unavailable());
        assert_eq!(e, Some(true));
        // No timeout set: the statement is waited for.
        let r: Result<u8> = within(None, async {
            tokio::time::sleep(Duration::from_millis(60)).await;
            Ok(7)
        })
        .await;
        assert_eq!(r.ok(), Some(7));
    }

    #[tokio::test]
    async fn a_lost_connection_is_tried_once_more_and_only_once() {
        let mut calls = 0;
        let r: Result<u32> = on_pool(|| {
            calls += 1;
            let n = calls;
            async move {
                if n == 1 {
                    Err(StoreError::Db(sqlx::Error::Io(std::io::Error::from(
                        std::io::ErrorKind::ConnectionReset,
                    ))))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(r.ok(), Some(2));
        let mut calls = 0;
        let r: Result<u32> = on_pool(|| {
            calls += 1;
            async {
                Err(StoreError::Db(sqlx::Error::Io(std::io::Error::from(
                    std::io::ErrorKind::BrokenPipe,
                ))))
            }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls, 2);
        // A refused input is not a lost connection: no second try.
        let mut calls = 0;
        let r: Result<u32> = on_pool(|| {
            calls += 1;
            async { Err(StoreError::invalid(None, "x", "bad")) }
        })
        .await;
        assert!(r.is_err_and(|e| !e.is_unavailable()));
        assert_eq!(calls, 1);
    }
}
