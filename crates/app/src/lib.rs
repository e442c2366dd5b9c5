//! chiso's application layer: the one way anything is changed. Every write — values, units,
//! elements, indicators, forms and reports, plans, registers, accounts — goes through [`App`],
//! with one protocol: check, commit in the store, then bring the engine up to date in commit
//! order (values and reports applied to it, structure rebuilt, the derived figures of plans
//! and registers recomputed). The web layer and the command line read through [`App::reads`]
//! and never hold a handle that writes.
//!
//! *Invariant*: nothing outside this crate calls a write function of
//! [`chiso_store::Store`]; the rest of chiso is handed `dyn Reads`.

pub mod figures;
mod geo;
mod group;
mod health;
pub mod live;
pub mod metrics;
pub mod p06;
pub mod report;
pub mod snapshot;
mod writes;

pub use chiso_core::access::{self, Action, Person};
pub use geo::Outline;
pub use health::Health;
pub use live::Live;
pub use snapshot::Loaded;

use chiso_engine::Engine;
use chiso_store::{Reads, Store, StoreError};
use std::sync::{Arc, Mutex};
use tokio::sync::RwLockReadGuard;

/// The application: the store, the engine kept in step with it, and every write.
pub struct App {
    live: Live,
    /// One recomputation of the derived figures at a time: each reads the store after the
    /// previous one wrote, so a slower request never writes figures older than a faster one's.
    figures: tokio::sync::Mutex<()>,
    /// Set when a change from another process could not be applied; the follower stops.
    stopped: Mutex<Option<String>>,
    /// The database as the follower last saw it (see [`App::follow`]).
    db: health::DbState,
    /// What this process measures (served at `/metrics`).
    pub metrics: metrics::Metrics,
}

impl App {
    /// Load the engine from the store.
    pub async fn open(store: Arc<dyn Store>) -> Result<App, StoreError> {
        Ok(App::new(Live::load(store).await?))
    }

    pub fn new(live: Live) -> App {
        App {
            live,
            figures: tokio::sync::Mutex::new(()),
            stopped: Mutex::new(None),
            db: health::DbState::default(),
            metrics: metrics::Metrics::default(),
        }
    }

    /// For one command that writes and exits: value writes go to the store only (see
    /// [`Live::without_updates`]).
    pub fn without_updates(self) -> App {
        App::new(self.live.without_updates())
    }

    /// For a command that changes accounts, tokens or units and exits: no engine is loaded
    /// (see [`Live::unloaded`]).
    pub fn for_command(store: Arc<dyn Store>) -> App {
        App::new(Live::unloaded(store))
    }

    /// Everything the store can read, and nothing that writes.
    pub fn reads(&self) -> Arc<dyn Reads> {
        self.live.store().clone()
    }

    pub(crate) fn store(&self) -> &dyn Store {
        self.live.store().as_ref()
    }

    /// The engine, for reading.
    pub async fn read(&self) -> RwLockReadGuard<'_, Engine> {
        self.live.read().await
    }

    /// Whether a person may do an action on a unit (None: no particular unit), by the access
    /// rules over the engine's unit tree.
    pub async fn allowed(&self, who: Person<'_>, action: Action, unit: Option<&str>) -> bool {
        access::allowed(who, action, unit, self.read().await.tree())
    }

    /// Catch up with the changes other processes committed (see [`Live::sync`]). The first
    /// change that cannot be applied stops the follower: it is logged, [`App::health`] says
    /// `degraded` with the reason, and nothing past it is applied — never skipped. A database
    /// that does not answer stops nothing: the next sync tries again from the same row.
    pub async fn sync(&self) -> Result<usize, StoreError> {
        if let Some(why) = self.stopped() {
            return Err(StoreError::Corrupt(why));
        }
        match self.live.sync().await {
            Ok(n) => Ok(n),
            Err(e) if e.is_unavailable() => Err(e),
            Err(e) => {
                let why = format!(
                    "the change after audit row {} could not be applied: {e}",
                    self.live.seen()
                );
                tracing::error!(error = %why, "the engine stopped following the store");
                if let Ok(mut s) = self.stopped.lock() {
                    *s = Some(why);
                }
                Err(e)
            }
        }
    }

    fn stopped(&self) -> Option<String> {
        self.stopped.lock().ok().and_then(|s| s.clone())
    }

    /// Load (or re-load) the embedded demo, then rebuild the engine from it.
    pub async fn load_demo(&self) -> anyhow::Result<chiso_demo::LoadSummary> {
        let _w = self.live.writing().await;
        let summary = chiso_demo::load(self.store()).await?;
        if self.live.updates() {
            self.live.rebuild().await?;
        }
        Ok(summary)
    }
}
