//! The engine kept in step with the store: every write goes to the store first and, once
//! committed, to the engine — so the next analytics answer sees it — in the order the store
//! committed them. Other processes' writes arrive through [`Live::sync`], as typed changes.

use chiso_core::{Approval, Code, DataValueInput, ParsedValue, Period, ValueType};
use chiso_engine::{is_published, Change as Number, Engine, Input, PublishedKey};
use chiso_store::{Actor, Change, Changes, Store, StoreError, ValueKey, ValueQuery};
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
                // Applied in commit order: a report's values before its approval.
                let mut engine = self.engine.write().await;
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
                        Change::Structure | Change::Other => {}
                    }
                }
                if !numbers.is_empty() {
                    engine.apply(&numbers);
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
            let published = self.published_flags(values).await?;
            let types = self.value_types.read().await;
            let applied: Vec<Number> = values
                .iter()
                .zip(published)
                .map(|(v, published)| Number {
                    element: v.element.clone(),
                    unit: v.unit.clone(),
                    period: v.period,
                    option: v.breakdown.clone(),
                    num: types
                        .get(v.element.as_str())
                        .and_then(|t| ParsedValue::parse(*t, &v.value).ok())
                        .and_then(|p| p.num),
                    published,
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
            let published = self.published_flags(values).await?;
            let types = self.value_types.read().await;
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
                    published: false,
                })
                .collect();
            self.engine.write().await.apply(&applied);
        }
        Ok(changes)
    }

    /// Whether each value written stands in the store as published or derived. A value sent
    /// again unchanged keeps the source it had, so where a data set collects the element and
    /// the source sent differs from the one the engine holds, the stored one is read back.
    /// The caller holds the write order.
    async fn published_flags(&self, values: &[DataValueInput]) -> Result<Vec<bool>, StoreError> {
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

    /// Record an approval step in the store, then the engine (the report's values enter the
    /// official view when the step is the last of its chain).
    pub async fn approve(&self, a: &Approval, actor: &Actor) -> Result<(), StoreError> {
        let _w = self.writing.lock().await;
        self.store.approve(a, actor).await?;
        if self.updates {
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
        let _w = self.writing.lock().await;
        let step = self
            .store
            .unapprove(data_set, unit, period, reason, actor)
            .await?;
        if self.updates {
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
