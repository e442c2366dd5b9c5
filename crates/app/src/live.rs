//! The engine kept in step with the store: every write goes to the store first and, once
//! committed, to the engine — so the next analytics answer sees it — in the order the store
//! committed them. Other processes' writes arrive through [`Live::sync`], as typed changes.

use crate::group::Shared;
use chiso_core::{Approval, Code, DataValueInput, Period, ValueType};
use chiso_engine::{is_published, Change as Number, Engine, Input, PublishedKey};
use chiso_store::{Actor, Change, Changes, Store, StoreError, ValueKey, ValueQuery};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock, RwLockReadGuard};

/// The engine kept in step with the store (see the module's description). Shared with the
/// task that commits groups of writes ([`crate::group`]).
pub struct Live {
    shared: Arc<Shared>,
}

impl std::ops::Deref for Live {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.shared
    }
}

impl Shared {
    fn new(store: Arc<dyn Store>, engine: Engine, types: HashMap<String, ValueType>) -> Shared {
        Shared {
            store,
            engine: RwLock::new(engine),
            value_types: RwLock::new(types),
            writing: Mutex::new(()),
            order: Default::default(),
            queue: Default::default(),
            seen: AtomicI64::new(0),
            updates: AtomicBool::new(true),
            accounts: AtomicU64::new(0),
            structure: AtomicU64::new(0),
        }
    }

    /// Note that accounts or tokens may have changed (see [`crate::App::accounts_version`]).
    pub(crate) fn accounts_changed(&self) {
        self.accounts.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn accounts_version(&self) -> u64 {
        self.accounts.load(Ordering::SeqCst)
    }

    /// Whether committed writes are brought into this engine.
    pub fn updates(&self) -> bool {
        self.updates.load(Ordering::SeqCst)
    }
}

/// The audit rows a page of changes comes from (a large write's batch row is one).
fn rows_in(list: &[chiso_store::Committed]) -> usize {
    let mut ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    ids.dedup();
    ids.len()
}

/// Read everything the engine is built from.
pub async fn input_from(store: &dyn Store) -> Result<Input, StoreError> {
    let breakdown_options = store
        .breakdowns()
        .await?
        .into_iter()
        .map(|b| {
            (
                b.code.to_string(),
                b.options.into_iter().map(|o| o.code).collect(),
            )
        })
        .collect();
    let data_sets = store.data_sets().await?;
    Ok(Input {
        units: store.units(&Default::default()).await?,
        groups: store.groups().await?,
        links: store.successors(None).await?,
        elements: store.elements().await?,
        breakdown_options,
        indicators: store.indicators().await?,
        constants: store.constants().await?,
        values: Vec::new(),
        completions: store.completions(None, None).await?,
        approvals: store.approvals(None, None).await?,
        rules: store.validation_rules().await?,
        published: published_keys(store, &data_sets).await?,
        data_sets,
    })
}

/// The values published or derived among the elements a data set collects: official whatever
/// collects them (elsewhere every value not collected is official anyway).
async fn published_keys(
    store: &dyn Store,
    data_sets: &[chiso_core::DataSet],
) -> Result<Vec<PublishedKey>, StoreError> {
    let mut elements: Vec<Code> = data_sets
        .iter()
        .flat_map(|d| d.elements.iter().cloned())
        .collect();
    elements.sort();
    elements.dedup();
    Ok(store
        .published_keys(&elements)
        .await?
        .into_iter()
        .map(|k| PublishedKey {
            element: k.element,
            option: k.breakdown,
            unit: k.unit,
            period: k.period,
        })
        .collect())
}

/// Build the engine from the store, streaming the values (the rows are never all held).
pub async fn engine_from(store: &dyn Store) -> Result<Engine, StoreError> {
    let mut engine = Engine::skeleton(input_from(store).await?);
    store
        .scan_numbers(&mut |element, option, unit, period, x| {
            engine.load_number(element, option, unit, period, x);
        })
        .await?;
    engine.rebuild_sums();
    Ok(engine)
}

async fn value_types_of(store: &dyn Store) -> Result<HashMap<String, ValueType>, StoreError> {
    Ok(store
        .elements()
        .await?
        .iter()
        .map(|e| (e.code.to_string(), e.value_type))
        .collect())
}

impl Live {
    /// Load the engine from the store.
    pub async fn load(store: Arc<dyn Store>) -> Result<Live, StoreError> {
        // The log position is read before the values: a write committed in between is seen
        // twice, which changes nothing (a value is set, not added).
        let seen = store.last_audit_id().await?;
        let engine = engine_from(store.as_ref()).await?;
        Live::with_engine(store, engine, seen).await
    }

    /// An engine that holds every change up to audit row `seen` (and may hold some after it:
    /// applying those again changes nothing).
    pub(crate) async fn with_engine(
        store: Arc<dyn Store>,
        engine: Engine,
        seen: i64,
    ) -> Result<Live, StoreError> {
        let value_types = value_types_of(store.as_ref()).await?;
        let shared = Shared::new(store, engine, value_types);
        shared.seen.store(seen, Ordering::SeqCst);
        Ok(Live {
            shared: Arc::new(shared),
        })
    }

    /// For one command that writes and exits (the command line): value writes go to the store
    /// only, and the engine keeps the state it was loaded with — nothing reads it afterwards,
    /// and a running server catches up from the audit log ([`Live::sync`]).
    pub fn without_updates(self) -> Live {
        self.updates.store(false, Ordering::SeqCst);
        self
    }

    /// For a command that writes what no engine is built from here (accounts, tokens, units
    /// from the statistics office's files): no engine is loaded and none is kept up to date.
    pub fn unloaded(store: Arc<dyn Store>) -> Live {
        let shared = Shared::new(store, Engine::build(Input::default()), HashMap::new());
        shared.updates.store(false, Ordering::SeqCst);
        Live {
            shared: Arc::new(shared),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The engine, for reading.
    pub async fn read(&self) -> RwLockReadGuard<'_, Engine> {
        self.engine.read().await
    }

    /// Hold the write order for a write of this process (see [`crate::group::Ordered`]).
    pub(crate) async fn writing(&self) -> crate::group::Ordered<'_> {
        crate::group::Ordered::take(self).await
    }

    /// Rebuild the engine from the store (after units, elements or indicators change); the
    /// caller holds [`Live::writing`].
    pub(crate) async fn rebuild(&self) -> Result<(), StoreError> {
        let value_types = value_types_of(self.store.as_ref()).await?;
        let engine = engine_from(self.store.as_ref()).await?;
        *self.value_types.write().await = value_types;
        *self.engine.write().await = engine;
        self.structure.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// A number that changes whenever the engine is rebuilt: after every change of what it
    /// is built from (units, elements, indicators, data sets…), by this process or another.
    pub fn structure_version(&self) -> u64 {
        self.structure.load(Ordering::SeqCst)
    }

    /// Rebuild the engine from the store.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let _w = self.writing().await;
        self.rebuild().await
    }

    /// The newest audit row applied.
    pub fn seen(&self) -> i64 {
        self.seen.load(Ordering::SeqCst)
    }

    /// Catch up with changes committed by other processes on the same database (another server
    /// on the same PostgreSQL, an import run from the command line): read the typed changes
    /// past the last one seen, apply values and reports, and rebuild when the structure
    /// changed. Returns the number of audit rows read (a large write is one). A change that
    /// cannot be read is an error and nothing past it is applied.
    pub async fn sync(&self) -> Result<usize, StoreError> {
        const PAGE: i64 = 10_000;
        let mut total = 0;
        loop {
            let rows_read = self.sync_page(PAGE).await?;
            total += rows_read;
            if (rows_read as i64) < PAGE {
                break;
            }
        }
        Ok(total)
    }

    /// One page of changes past the last one seen; the number of audit rows read. The page is
    /// read outside every lock and applied under the engine's, unless a write of this process
    /// committed meanwhile (its change is newer than the page): then read again, and after a
    /// few tries — or for a change of structure — read under the commit order.
    async fn sync_page(&self, page: i64) -> Result<usize, StoreError> {
        for _ in 0..3 {
            let mark = self.order.mark();
            let after = self.seen();
            let list = self.store.changes_since(after, page).await?;
            if list.is_empty() {
                return Ok(0);
            }
            if list.iter().any(|c| c.change == Change::Structure) {
                break;
            }
            let mut engine = self.engine.write().await;
            if !self.order.still(mark) || self.seen() != after {
                continue;
            }
            return Ok(self.apply_page(&mut engine, list));
        }
        let _w = self.writing.lock().await;
        let list = self.store.changes_since(self.seen(), page).await?;
        let Some(last) = list.last().map(|c| c.id) else {
            return Ok(0);
        };
        if list.iter().any(|c| c.change == Change::Structure) {
            self.rebuild().await?;
            self.accounts_changed();
            self.seen.store(last, Ordering::SeqCst);
            return Ok(rows_in(&list));
        }
        let mut engine = self.engine.write().await;
        Ok(self.apply_page(&mut engine, list))
    }

    /// Apply a page of changes (no change of structure among them) in commit order — a
    /// report's values before its approval — and note the last row as seen. The caller holds
    /// the engine's lock.
    fn apply_page(&self, engine: &mut Engine, list: Vec<chiso_store::Committed>) -> usize {
        let Some(last) = list.last().map(|c| c.id) else {
            return 0;
        };
        let rows_read = rows_in(&list);
        let mut numbers = Vec::new();
        for c in list {
            match c.change {
                Change::Value { key, value } => numbers.push(Number {
                    element: key.element,
                    unit: key.unit,
                    period: key.period,
                    option: key.breakdown,
                    published: value.as_ref().is_some_and(|v| is_published(&v.source)),
                    num: value.and_then(|v| v.num),
                }),
                Change::Completion {
                    completion: c,
                    received,
                } => {
                    engine.apply(&std::mem::take(&mut numbers));
                    engine.set_completion(
                        &c.data_set,
                        &c.unit,
                        c.period,
                        received.then_some(c.on_time),
                    );
                }
                Change::Approval { approval, approved } => {
                    engine.apply(&std::mem::take(&mut numbers));
                    engine.set_approval_steps(
                        &approval.data_set,
                        &approval.unit,
                        approval.period,
                        if approved {
                            approval.step
                        } else {
                            approval.step.saturating_sub(1)
                        },
                    );
                }
                // A change of accounts or tokens among others, by another process.
                Change::Other => self.accounts_changed(),
                Change::Structure => {}
            }
        }
        if !numbers.is_empty() {
            engine.apply(&numbers);
        }
        self.seen.store(last, Ordering::SeqCst);
        rows_read
    }

    /// Write values to the store (checked, audited, all or nothing), then to the engine —
    /// in a group commit with the writes waiting beside it (see [`crate::group`]).
    pub async fn write_values(
        &self,
        values: &[DataValueInput],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        self.shared.submit(values, &[], actor, false).await
    }

    /// Delete some values and write others in one store transaction (all or nothing), then
    /// apply both to the engine. With `dry_run` nothing is written; the counts say what would
    /// change.
    pub async fn apply_values(
        &self,
        values: &[DataValueInput],
        deletes: &[ValueKey],
        actor: &Actor,
        dry_run: bool,
    ) -> Result<Changes, StoreError> {
        self.shared.submit(values, deletes, actor, dry_run).await
    }

    /// Record a report as received, or taken back, in the store and then the engine.
    pub async fn set_completion(
        &self,
        completion: &chiso_core::Completion,
        received: bool,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let _w = self.writing().await;
        let c = completion;
        let changed = if received {
            self.store.complete(c, actor).await?
        } else {
            self.store
                .uncomplete(&c.data_set, &c.unit, &c.period, actor)
                .await?
        };
        if changed && self.updates() {
            self.engine.write().await.set_completion(
                &c.data_set,
                &c.unit,
                c.period,
                received.then_some(c.on_time),
            );
        }
        Ok(changed)
    }

    /// Delete values from the store, then from the engine.
    pub async fn delete_values(
        &self,
        keys: &[ValueKey],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        self.shared.submit(&[], keys, actor, false).await
    }

    /// Record an approval step in the store, then the engine (the report's values enter the
    /// official view when the step is the last of its chain).
    pub async fn approve(&self, a: &Approval, actor: &Actor) -> Result<(), StoreError> {
        let _w = self.writing().await;
        self.store.approve(a, actor).await?;
        if self.updates() {
            self.engine
                .write()
                .await
                .set_approval_steps(&a.data_set, &a.unit, a.period, a.step);
        }
        Ok(())
    }

    /// Take back a report's last approval step in the store, then in the engine (its values
    /// leave the official view). Returns the step taken back.
    pub async fn unapprove(
        &self,
        data_set: &Code,
        unit: &Code,
        period: &Period,
        reason: &str,
        actor: &Actor,
    ) -> Result<u8, StoreError> {
        let _w = self.writing().await;
        let step = self
            .store
            .unapprove(data_set, unit, period, reason, actor)
            .await?;
        if self.updates() {
            self.engine.write().await.set_approval_steps(
                data_set,
                unit,
                *period,
                step.saturating_sub(1),
            );
        }
        Ok(step)
    }
}

impl Shared {
    /// Whether each value written stands in the store as published or derived. A value sent
    /// again unchanged keeps the source it had, so where a data set collects the element and
    /// the source sent differs from the one the engine holds, the stored one is read back.
    /// The caller holds the write order.
    pub(crate) async fn published_flags(
        &self,
        values: &[DataValueInput],
    ) -> Result<Vec<bool>, StoreError> {
        let mut flags: Vec<bool> = values.iter().map(|v| is_published(&v.source)).collect();
        let doubtful: Vec<usize> = {
            let e = self.engine.read().await;
            (0..values.len())
                .filter(|&i| {
                    let v = &values[i];
                    e.collects(&v.element)
                        && flags[i]
                            != e.is_published_value(
                                &v.element,
                                v.breakdown.as_ref(),
                                &v.unit,
                                &v.period,
                            )
                })
                .collect()
        };
        for chunk in doubtful.chunks(500) {
            let mut q = ValueQuery::default();
            for &i in chunk {
                let v = &values[i];
                q.elements.push(v.element.clone());
                q.units.push(v.unit.clone());
                q.periods.push(v.period);
            }
            for list in [&mut q.elements, &mut q.units] {
                list.sort();
                list.dedup();
            }
            q.periods.sort();
            q.periods.dedup();
            let stored: HashMap<ValueKey, bool> = self
                .store
                .values(&q)
                .await?
                .into_iter()
                .map(|v| {
                    let key = ValueKey {
                        element: v.element,
                        unit: v.unit,
                        period: v.period,
                        breakdown: v.breakdown,
                    };
                    (key, is_published(&v.source))
                })
                .collect();
            for &i in chunk {
                let v = &values[i];
                let key = ValueKey {
                    element: v.element.clone(),
                    unit: v.unit.clone(),
                    period: v.period,
                    breakdown: v.breakdown.clone(),
                };
                flags[i] = stored.get(&key).copied().unwrap_or(false);
            }
        }
        Ok(flags)
    }
}
