//! The engine kept in step with the store: every write goes to the store first and, once
//! committed, to the engine — so the next analytics answer sees it — in the order the store
//! committed them. Other processes' writes arrive through [`Live::sync`], as typed changes.

use chiso_core::{DataValueInput, ParsedValue, ValueType};
use chiso_engine::{Change as Number, Engine, Input};
use chiso_store::{Actor, Change, Changes, Store, StoreError, ValueKey};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard};

pub struct Live {
    store: Arc<dyn Store>,
    engine: RwLock<Engine>,
    value_types: RwLock<HashMap<String, ValueType>>,
    /// Held from the store write to the engine update, so the engine applies writes in the
    /// order the store committed them.
    writing: Mutex<()>,
    /// The newest audit row this engine has seen (see [`Live::sync`]).
    seen: AtomicI64,
    /// Whether value writes are applied to the engine (see [`Live::without_updates`]).
    updates: bool,
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
    Ok(Input {
        units: store.units(&Default::default()).await?,
        groups: store.groups().await?,
        links: store.successors(None).await?,
        elements: store.elements().await?,
        breakdown_options,
        indicators: store.indicators().await?,
        constants: store.constants().await?,
        values: Vec::new(),
        data_sets: store.data_sets().await?,
        completions: store.completions(None, None).await?,
    })
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
        let value_types = value_types_of(store.as_ref()).await?;
        let engine = engine_from(store.as_ref()).await?;
        Ok(Live {
            store,
            engine: RwLock::new(engine),
            value_types: RwLock::new(value_types),
            writing: Mutex::new(()),
            seen: AtomicI64::new(seen),
            updates: true,
        })
    }

    /// For one command that writes and exits (the command line): value writes go to the store
    /// only, and the engine keeps the state it was loaded with — nothing reads it afterwards,
    /// and a running server catches up from the audit log ([`Live::sync`]).
    pub fn without_updates(mut self) -> Live {
        self.updates = false;
        self
    }

    /// For a command that writes what no engine is built from here (accounts, tokens, units
    /// from the statistics office's files): no engine is loaded and none is kept up to date.
    pub fn unloaded(store: Arc<dyn Store>) -> Live {
        Live {
            store,
            engine: RwLock::new(Engine::build(Input::default())),
            value_types: RwLock::new(HashMap::new()),
            writing: Mutex::new(()),
            seen: AtomicI64::new(0),
            updates: false,
        }
    }

    /// Whether committed writes are brought into this engine.
    pub fn updates(&self) -> bool {
        self.updates
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The engine, for reading.
    pub async fn read(&self) -> RwLockReadGuard<'_, Engine> {
        self.engine.read().await
    }

    /// Hold the write order for a write the engine learns of by a rebuild.
    pub(crate) async fn writing(&self) -> MutexGuard<'_, ()> {
        self.writing.lock().await
    }

    /// Rebuild the engine from the store (after units, elements or indicators change); the
    /// caller holds [`Live::writing`].
    pub(crate) async fn rebuild(&self) -> Result<(), StoreError> {
        let value_types = value_types_of(self.store.as_ref()).await?;
        let engine = engine_from(self.store.as_ref()).await?;
        *self.value_types.write().await = value_types;
        *self.engine.write().await = engine;
        Ok(())
    }

    /// Rebuild the engine from the store.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let _w = self.writing.lock().await;
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
        let _w = self.writing.lock().await;
        let mut total = 0;
        loop {
            let after = self.seen.load(Ordering::SeqCst);
            let list = self.store.changes_since(after, PAGE).await?;
            let Some(last) = list.last().map(|c| c.id) else {
                break;
            };
            let rows_read = {
                let mut ids: Vec<i64> = list.iter().map(|c| c.id).collect();
                ids.dedup();
                ids.len()
            };
            total += rows_read;
            if list.iter().any(|c| c.change == Change::Structure) {
                self.rebuild().await?;
            } else {
                let mut numbers = Vec::new();
                let mut reports = Vec::new();
                for c in list {
                    match c.change {
                        Change::Value { key, value } => numbers.push(Number {
                            element: key.element,
                            unit: key.unit,
                            period: key.period,
                            option: key.breakdown,
                            num: value.and_then(|v| v.num),
                        }),
                        Change::Completion {
                            completion,
                            received,
                        } => reports.push((completion, received)),
                        Change::Structure | Change::Other => {}
                    }
                }
                let mut engine = self.engine.write().await;
                if !numbers.is_empty() {
                    engine.apply(&numbers);
                }
                for (c, received) in reports {
                    engine.set_completion(
                        &c.data_set,
                        &c.unit,
                        c.period,
                        received.then_some(c.on_time),
                    );
                }
            }
            self.seen.store(last, Ordering::SeqCst);
            if (rows_read as i64) < PAGE {
                break;
            }
        }
        Ok(total)
    }

    /// Write values to the store (checked, audited, all or nothing), then to the engine.
    pub async fn write_values(
        &self,
        values: &[DataValueInput],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let _w = self.writing.lock().await;
        let changes = self.store.write_values(values, actor).await?;
        if self.updates && changes.changed() > 0 {
            let types = self.value_types.read().await;
            let applied: Vec<Number> = values
                .iter()
                .map(|v| Number {
                    element: v.element.clone(),
                    unit: v.unit.clone(),
                    period: v.period,
                    option: v.breakdown.clone(),
                    num: types
                        .get(v.element.as_str())
                        .and_then(|t| ParsedValue::parse(*t, &v.value).ok())
                        .and_then(|p| p.num),
                })
                .collect();
            self.engine.write().await.apply(&applied);
        }
        Ok(changes)
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
        let _w = self.writing.lock().await;
        let changes = self
            .store
            .apply_values(values, deletes, actor, dry_run)
            .await?;
        if self.updates && !dry_run && changes.changed() > 0 {
            let types = self.value_types.read().await;
            let deleted = deletes.iter().map(|k| {
                (
                    k.element.as_str(),
                    k.breakdown.as_ref().map(|b| b.as_str()),
                    k.unit.as_str(),
                    k.period,
                    None,
                )
            });
            let written = values.iter().map(|v| {
                (
                    v.element.as_str(),
                    v.breakdown.as_ref().map(|b| b.as_str()),
                    v.unit.as_str(),
                    v.period,
                    types
                        .get(v.element.as_str())
                        .and_then(|t| ParsedValue::parse(*t, &v.value).ok())
                        .and_then(|p| p.num),
                )
            });
            self.engine.write().await.apply_each(deleted.chain(written));
        }
        Ok(changes)
    }

    /// Record a report as received, or taken back, in the store and then the engine.
    pub async fn set_completion(
        &self,
        completion: &chiso_core::Completion,
        received: bool,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let _w = self.writing.lock().await;
        let c = completion;
        let changed = if received {
            self.store.complete(c, actor).await?
        } else {
            self.store
                .uncomplete(&c.data_set, &c.unit, &c.period, actor)
                .await?
        };
        if changed && self.updates {
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
        let _w = self.writing.lock().await;
        let changes = self.store.delete_values(keys, actor).await?;
        if self.updates && changes.deleted > 0 {
            let applied: Vec<Number> = keys
                .iter()
                .map(|k| Number {
                    element: k.element.clone(),
                    unit: k.unit.clone(),
                    period: k.period,
                    option: k.breakdown.clone(),
                    num: None,
                })
                .collect();
            self.engine.write().await.apply(&applied);
        }
        Ok(changes)
    }
}
