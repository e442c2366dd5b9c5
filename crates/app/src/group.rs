//! Group commit of value writes. A write joins a queue; one task at a time takes every write
//! waiting and commits them in one store transaction ([`chiso_store::ValueWrites::write_group`]),
//! each all or nothing on its own — a refused write leaves nothing and gets its own error,
//! the others commit. The commit order ([`Shared::writing`]) is held for the
//! transaction only: the engine's lock is taken before it is let go, so the engine applies
//! the groups in the order the store committed them, and the answers go out once the engine
//! holds the change (a reader after the answer sees the write).
//!
//! A write of many values (an import) runs in a transaction of its own, under the same order.

use chiso_core::{DataValueInput, ParsedValue, ValueType};
use chiso_engine::Engine;
use chiso_store::{shared_error, Actor, Changes, Store, StoreError, ValueKey, ValueWrite};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{oneshot, Mutex, MutexGuard, RwLock};

/// What [`crate::Live`] holds, shared with the group committer.
pub struct Shared {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) engine: RwLock<Engine>,
    pub(crate) value_types: RwLock<HashMap<String, ValueType>>,
    /// The commit order: held from a store write until the engine is locked to apply it, so
    /// the engine applies writes in the order the store committed them.
    pub(crate) writing: Mutex<()>,
    /// This process's own writes against the follower (see [`Order`]).
    pub(crate) order: Order,
    /// Value writes waiting for the next group commit.
    pub(crate) queue: std::sync::Mutex<Queue>,
    /// The newest audit row this engine has seen (see [`crate::Live::sync`]).
    pub(crate) seen: AtomicI64,
    /// Whether value writes are applied to the engine (see [`crate::Live::without_updates`]).
    pub(crate) updates: AtomicBool,
    /// Changes of accounts and tokens counted (see [`crate::App::accounts_version`]).
    pub(crate) accounts: AtomicU64,
    /// Rebuilds of the engine counted (see [`crate::App::structure_version`]).
    pub(crate) structure: AtomicU64,
}

/// At most this many writes in one group.
const GROUP_WRITES: usize = 256;
/// At most this many values and deletions in one group (a group holds at least one write).
const GROUP_ITEMS: usize = 10_000;
/// A write of more values and deletions than this runs in a transaction of its own: copying
/// it into the queue would cost more than the commit it could share.
const ALONE_ITEMS: usize = 1_000;

/// This process's own writes, counted for the follower ([`crate::Live::sync`]): a write is
/// counted as begun before its commit and as applied once the engine holds it. A page of
/// changes read while no write was in flight, and applied before the next one began, cannot
/// be older than what the engine holds.
#[derive(Default)]
pub(crate) struct Order {
    begun: AtomicU64,
    applied: AtomicU64,
    /// Value writes committed in groups, and the groups (transactions) they took.
    grouped: AtomicU64,
    groups: AtomicU64,
}

impl Order {
    /// The writes begun so far, when none is in flight.
    pub(crate) fn mark(&self) -> Option<u64> {
        let begun = self.begun.load(Ordering::SeqCst);
        (self.applied.load(Ordering::SeqCst) == begun).then_some(begun)
    }

    /// Whether no write began, and none is in flight, since `mark`.
    pub(crate) fn still(&self, mark: Option<u64>) -> bool {
        mark.is_some_and(|m| {
            self.begun.load(Ordering::SeqCst) == m && self.applied.load(Ordering::SeqCst) == m
        })
    }
}

/// A write of this process counted as in flight until dropped (see [`Order`]).
pub(crate) struct Own<'a>(&'a Order);

impl Drop for Own<'_> {
    fn drop(&mut self) {
        self.0.applied.fetch_add(1, Ordering::SeqCst);
    }
}

/// The commit order held for one write of this process, and the write counted in flight.
pub(crate) struct Ordered<'a> {
    pub(crate) lock: MutexGuard<'a, ()>,
    pub(crate) own: Own<'a>,
}

impl<'a> Ordered<'a> {
    pub(crate) async fn take(s: &'a Shared) -> Ordered<'a> {
        let lock = s.writing.lock().await;
        s.order.begun.fetch_add(1, Ordering::SeqCst);
        Ordered {
            lock,
            own: Own(&s.order),
        }
    }
}

/// The writes waiting for the next group, and whether a task is committing groups.
#[derive(Default)]
pub(crate) struct Queue {
    jobs: Vec<Job>,
    running: bool,
}

/// A write waiting in the queue, and where its answer goes.
struct Job {
    values: Vec<DataValueInput>,
    deletes: Vec<ValueKey>,
    actor: Actor,
    dry_run: bool,
    reply: oneshot::Sender<Result<Changes, StoreError>>,
}

impl Job {
    fn items(&self) -> usize {
        self.values.len() + self.deletes.len()
    }

    fn write(&self) -> ValueWrite<'_> {
        ValueWrite {
            values: &self.values,
            deletes: &self.deletes,
            actor: &self.actor,
            dry_run: self.dry_run,
        }
    }
}

/// Bring committed deletions and values into the engine.
fn apply(
    engine: &mut Engine,
    types: &HashMap<String, ValueType>,
    values: &[DataValueInput],
    deletes: &[ValueKey],
    published: Vec<bool>,
) {
    let deleted = deletes.iter().map(|k| {
        (
            k.element.as_str(),
            k.breakdown.as_ref().map(|b| b.as_str()),
            k.unit.as_str(),
            k.period,
            None,
            false,
        )
    });
    let written = values.iter().zip(published).map(|(v, published)| {
        (
            v.element.as_str(),
            v.breakdown.as_ref().map(|b| b.as_str()),
            v.unit.as_str(),
            v.period,
            types
                .get(v.element.as_str())
                .and_then(|t| ParsedValue::parse(*t, &v.value).ok())
                .and_then(|p| p.num),
            published,
        )
    });
    engine.apply_each(deleted.chain(written));
}

/// Resets the queue when the committing task panics, so later writes start a new one; the
/// writes it held get an error (their answer is dropped).
struct Drained<'a>(&'a Shared);

impl Drop for Drained<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut q = self.0.queue();
            q.running = false;
            q.jobs.clear();
        }
    }
}

impl Shared {
    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many value writes wait for the next group commit.
    pub fn waiting_writes(&self) -> usize {
        self.queue().jobs.len()
    }

    /// The value writes committed in groups so far, and the transactions they took.
    pub fn group_commits(&self) -> (u64, u64) {
        (
            self.order.grouped.load(Ordering::SeqCst),
            self.order.groups.load(Ordering::SeqCst),
        )
    }

    /// Write: delete `deletes` and write `values`, all or nothing, in the next group commit
    /// (or alone, when large); the engine holds the change when this returns.
    pub(crate) async fn submit(
        self: &Arc<Self>,
        values: &[DataValueInput],
        deletes: &[ValueKey],
        actor: &Actor,
        dry_run: bool,
    ) -> Result<Changes, StoreError> {
        if values.len() + deletes.len() > ALONE_ITEMS {
            return self.alone(values, deletes, actor, dry_run).await;
        }
        let (reply, answer) = oneshot::channel();
        let job = Job {
            values: values.to_vec(),
            deletes: deletes.to_vec(),
            actor: actor.clone(),
            dry_run,
            reply,
        };
        let start = {
            let mut q = self.queue();
            q.jobs.push(job);
            !std::mem::replace(&mut q.running, true)
        };
        if start {
            // A task of its own: a caller that goes away (a closed connection) cannot stop
            // a group half-way between the store and the engine.
            tokio::spawn(Arc::clone(self).drain());
        }
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::Corrupt(
                "the group commit ended without answering this write".into(),
            ))
        })
    }

    /// Commit groups until no write waits.
    async fn drain(self: Arc<Self>) {
        let _reset = Drained(&self);
        loop {
            let jobs: Vec<Job> = {
                let mut q = self.queue();
                if q.jobs.is_empty() {
                    q.running = false;
                    return;
                }
                let (mut n, mut items) = (0, 0);
                while n < q.jobs.len().min(GROUP_WRITES)
                    && (n == 0 || items + q.jobs[n].items() <= GROUP_ITEMS)
                {
                    items += q.jobs[n].items();
                    n += 1;
                }
                q.jobs.drain(..n).collect()
            };
            self.commit_group(jobs).await;
        }
    }

    /// One group: committed in one transaction, applied to the engine in order, answered.
    async fn commit_group(&self, jobs: Vec<Job>) {
        let started = std::time::Instant::now();
        let ordered = Ordered::take(self).await;
        let writes: Vec<ValueWrite<'_>> = jobs.iter().map(Job::write).collect();
        let group = match self.store.write_group(&writes).await {
            Ok(g) => g,
            Err(e) => {
                tracing::warn!(error = %e, writes = jobs.len(), "group commit failed: nothing of it was written");
                for j in jobs {
                    let _ = j.reply.send(Err(shared_error(&e)));
                }
                return;
            }
        };
        drop(writes);
        self.order.groups.fetch_add(1, Ordering::SeqCst);
        self.order
            .grouped
            .fetch_add(jobs.len() as u64, Ordering::SeqCst);
        tracing::debug!(
            writes = jobs.len(),
            ms = started.elapsed().as_millis() as u64,
            "group committed"
        );
        // Whether every committed change reaches the engine here; if one cannot, the
        // follower reads the group back from the audit log.
        let mut whole = true;
        let mut applied = Vec::new();
        if self.updates() {
            for (j, r) in jobs.iter().zip(&group.results) {
                if j.dry_run || !matches!(r, Ok(c) if c.changed() > 0) {
                    continue;
                }
                match self.published_flags(&j.values).await {
                    Ok(p) => applied.push((j, p)),
                    Err(e) => {
                        whole = false;
                        tracing::warn!(error = %e, "a committed write waits for the follower");
                    }
                }
            }
        }
        let types = self.value_types.read().await;
        let mut engine = self.engine.write().await;
        let Ordered { lock, own } = ordered;
        drop(lock);
        for (j, published) in applied {
            apply(&mut engine, &types, &j.values, &j.deletes, published);
        }
        if whole && self.seen.load(Ordering::SeqCst) == group.head_before {
            self.seen.store(group.head_after, Ordering::SeqCst);
        }
        drop(engine);
        drop(own);
        for (j, r) in jobs.into_iter().zip(group.results) {
            let _ = j.reply.send(r);
        }
    }

    /// A large write in a transaction of its own, under the commit order.
    async fn alone(
        &self,
        values: &[DataValueInput],
        deletes: &[ValueKey],
        actor: &Actor,
        dry_run: bool,
    ) -> Result<Changes, StoreError> {
        let ordered = Ordered::take(self).await;
        let changes = if deletes.is_empty() && !dry_run {
            self.store.write_values(values, actor).await?
        } else {
            self.store
                .apply_values(values, deletes, actor, dry_run)
                .await?
        };
        if self.updates() && !dry_run && changes.changed() > 0 {
            let published = self.published_flags(values).await?;
            let types = self.value_types.read().await;
            let mut engine = self.engine.write().await;
            drop(ordered.lock);
            apply(&mut engine, &types, values, deletes, published);
        }
        Ok(changes)
    }
}
