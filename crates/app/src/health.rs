//! How the server stands: whether the database answers, and how far this server's engine is
//! behind it. The follower ([`App::follow`]) checks both at every sync — every second, and at
//! once when PostgreSQL says another server committed — so requests and `/metrics` read the
//! last state without asking the database themselves.

use crate::App;
use chiso_store::StoreError;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// How the follower of other processes' writes and the database stand (see [`App::check`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Health {
    /// `ok`; `degraded` when the database does not answer or the follower stopped.
    pub status: &'static str,
    /// The newest audit row applied to this process's engine.
    pub seen: i64,
    /// Why the follower stopped, when it did.
    pub error: Option<String>,
    /// Whether the database answered the last check.
    pub database_reachable: bool,
    /// Why it did not, when it did not.
    pub database_error: Option<String>,
    /// The newest audit row in the database at the last check.
    pub head: i64,
    /// Audit rows (by id) the database holds beyond this engine.
    pub lag_rows: i64,
    /// Seconds since the engine was last seen in step with the database (0 when it is).
    pub lag_seconds: f64,
}

/// The database as the follower last saw it.
pub(crate) struct DbState {
    reachable: AtomicBool,
    error: Mutex<Option<String>>,
    head: AtomicI64,
    in_step_at: Mutex<Instant>,
}

impl Default for DbState {
    fn default() -> Self {
        DbState {
            reachable: AtomicBool::new(true),
            error: Mutex::new(None),
            head: AtomicI64::new(0),
            in_step_at: Mutex::new(Instant::now()),
        }
    }
}

impl App {
    /// Whether the database answered the follower's last check (true until a check failed).
    pub fn database_reachable(&self) -> bool {
        self.db.reachable.load(Ordering::SeqCst)
    }

    /// Record that the database did not answer (a request's store call found it so, or the
    /// follower's check); logged once when it goes down.
    pub fn database_unavailable(&self, e: &StoreError) {
        if self.db.reachable.swap(false, Ordering::SeqCst) {
            tracing::error!(error = %e, "the database is unavailable; answering 503 where it is needed");
        }
        if let Ok(mut s) = self.db.error.lock() {
            *s = Some(e.to_string());
        }
    }

    fn database_answered(&self, head: i64) {
        if !self.db.reachable.swap(true, Ordering::SeqCst) {
            tracing::warn!("the database answers again");
        }
        if let Ok(mut s) = self.db.error.lock() {
            *s = None;
        }
        self.db.head.store(head, Ordering::SeqCst);
        if head <= self.live.seen() {
            if let Ok(mut t) = self.db.in_step_at.lock() {
                *t = Instant::now();
            }
        }
    }

    /// One turn of the follower: catch up with the changes other processes committed
    /// ([`App::sync`]), then read the database's newest audit row, so health and metrics know
    /// whether it answers and how far behind the engine is. An unavailable database is
    /// recorded and tried again at the next turn; service resumes by itself when it answers.
    pub async fn follow(&self) {
        let start = Instant::now();
        let synced = self.sync().await;
        match synced {
            Ok(rows) => self.metrics.synced(rows, start.elapsed()),
            Err(e) if e.is_unavailable() => {
                self.database_unavailable(&e);
                return;
            }
            // Logged by `sync`; the follower has stopped.
            Err(_) => {}
        }
        match self.store().last_audit_id().await {
            Ok(head) => self.database_answered(head),
            Err(e) if e.is_unavailable() => self.database_unavailable(&e),
            Err(e) => tracing::warn!(error = %e, "cannot read the audit log's head"),
        }
    }

    /// The health as last seen, without asking the database.
    pub fn health(&self) -> Health {
        let error = self.stopped();
        let reachable = self.database_reachable();
        let seen = self.live.seen();
        let head = self.db.head.load(Ordering::SeqCst).max(seen);
        let lag_rows = head - seen;
        let lag_seconds = if lag_rows > 0 || !reachable {
            self.db
                .in_step_at
                .lock()
                .map(|t| t.elapsed().as_secs_f64())
                .unwrap_or(0.0)
        } else {
            0.0
        };
        Health {
            status: if error.is_some() || !reachable {
                "degraded"
            } else {
                "ok"
            },
            seen,
            error,
            database_reachable: reachable,
            database_error: self.db.error.lock().ok().and_then(|e| e.clone()),
            head,
            lag_rows,
            lag_seconds,
        }
    }

    /// Ask the database now (within the store's timeouts) and answer the health.
    pub async fn check(&self) -> Health {
        match self.store().last_audit_id().await {
            Ok(head) => self.database_answered(head),
            Err(e) => self.database_unavailable(&e),
        }
        self.health()
    }
}
