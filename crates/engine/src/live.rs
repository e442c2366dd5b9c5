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
        values: Vec::new(),
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
        })
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

    /// Write values to the store (checked, audited, all or nothing), then to the engine.
    pub async fn write_values(
        &self,
        values: &[DataValueInput],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let _w = self.writing.lock().await;
        let changes = self.store.write_values(values, actor).await?;
        if changes.changed() > 0 {
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
