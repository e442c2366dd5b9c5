//! The engine kept in step with the store: every write goes to the store first and, once
//! committed, to the engine — so the next analytics answer sees it. This is the one write path
//! the API, the imports and the demo use.

use crate::{Change, Engine, Input};
use chiso_core::{DataValueInput, ParsedValue, ValueType};
use chiso_store::{Actor, Changes, Store, StoreError, ValueKey};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock, RwLockReadGuard};

pub struct Live {
    store: Arc<dyn Store>,
    engine: RwLock<Engine>,
    value_types: RwLock<HashMap<String, ValueType>>,
    /// Held from the store write to the engine update, so the engine applies writes in the
    /// order the store committed them.
    writing: Mutex<()>,
    /// The newest audit row this engine has seen (see [`Live::sync`]).
    seen: std::sync::atomic::AtomicI64,
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

impl Live {
    /// Load the engine from the store.
    pub async fn load(store: Arc<dyn Store>) -> Result<Live, StoreError> {
        // The log position is read before the values: a write committed in between is seen
        // twice, which changes nothing (a value is set, not added).
        let seen = store.last_audit_id().await?;
        let value_types = store
            .elements()
            .await?
            .iter()
            .map(|e| (e.code.to_string(), e.value_type))
            .collect();
        let engine = engine_from(store.as_ref()).await?;
        Ok(Live {
            store,
            engine: RwLock::new(engine),
            value_types: RwLock::new(value_types),
            writing: Mutex::new(()),
            seen: std::sync::atomic::AtomicI64::new(seen),
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

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The engine, for reading.
    pub async fn read(&self) -> RwLockReadGuard<'_, Engine> {
        self.engine.read().await
    }

    /// Rebuild the engine from the store (after units, elements or indicators change).
    pub async fn reload(&self) -> Result<(), StoreError> {
        let _w = self.writing.lock().await;
        let value_types = self
            .store
            .elements()
            .await?
            .iter()
            .map(|e| (e.code.to_string(), e.value_type))
            .collect();
        let engine = engine_from(self.store.as_ref()).await?;
        *self.value_types.write().await = value_types;
        *self.engine.write().await = engine;
        Ok(())
    }

    /// Catch up with changes committed by other processes on the same database (another server
    /// on the same PostgreSQL, an import run from the command line): read the audit log past
    /// the last row seen, apply data changes, and rebuild when units, elements or indicators
    /// changed. Returns the number of audit rows read. The server calls this every second.
    pub async fn sync(&self) -> Result<usize, StoreError> {
        use std::sync::atomic::Ordering;
        let _w = self.writing.lock().await;
        let mut total = 0;
        loop {
            let after = self.seen.load(Ordering::SeqCst);
            let rows = self.store.audit_since(after, 10_000).await?;
            let Some(last) = rows.last().map(|r| r.id) else {
                break;
            };
            total += rows.len();
            let structural = rows.iter().any(|r| {
                [
                    "unit.",
                    "unit_group.",
                    "successor.",
                    "breakdown.",
                    "data_element.",
                    "indicator.",
                    "constant.",
                    "data_set.",
                ]
                .iter()
                .any(|p| r.action.starts_with(p))
            });
            if structural {
                let value_types = self
                    .store
                    .elements()
                    .await?
                    .iter()
                    .map(|e| (e.code.to_string(), e.value_type))
                    .collect();
                let engine = engine_from(self.store.as_ref()).await?;
                *self.value_types.write().await = value_types;
                *self.engine.write().await = engine;
            } else {
                // A large write is one batch row: its values are read from the store.
                let mut expanded = Vec::new();
                for r in rows.iter().filter(|r| r.action == "data_value.batch") {
                    expanded.extend(self.store.audit_batch(r.id).await?);
                }
                let changes: Vec<Change> = rows
                    .iter()
                    .chain(expanded.iter())
                    .filter(|r| r.action.starts_with("data_value."))
                    .filter_map(|r| {
                        if r.action == "data_value.delete" {
                            let old: chiso_core::DataValue =
                                serde_json::from_str(r.old_value.as_deref()?).ok()?;
                            Some(Change {
                                num: None,
                                ..Change::of(&old)
                            })
                        } else {
                            let new: chiso_core::DataValue =
                                serde_json::from_str(r.new_value.as_deref()?).ok()?;
                            Some(Change::of(&new))
                        }
                    })
                    .collect();
                if !changes.is_empty() {
                    self.engine.write().await.apply(&changes);
                }
                let reports: Vec<(chiso_core::Completion, bool)> = rows
                    .iter()
                    .filter_map(|r| match r.action.as_str() {
                        "completion.insert" => {
                            Some((serde_json::from_str(r.new_value.as_deref()?).ok()?, true))
                        }
                        "completion.delete" => {
                            Some((serde_json::from_str(r.old_value.as_deref()?).ok()?, false))
                        }
                        _ => None,
                    })
                    .collect();
                if !reports.is_empty() {
                    let mut engine = self.engine.write().await;
                    for (c, received) in reports {
                        engine.set_completion(
                            &c.data_set,
                            &c.unit,
                            c.period,
                            received.then_some(c.on_time),
                        );
                    }
                }
            }
            self.seen.store(last, Ordering::SeqCst);
            if rows.len() < 10_000 {
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
            let applied: Vec<Change> = values
                .iter()
                .map(|v| Change {
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

    /// Record a report as received, or taken back (None), in the store and then the engine.
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
        if changed {
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
        if changes.deleted > 0 {
            let applied: Vec<Change> = keys
                .iter()
                .map(|k| Change {
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
