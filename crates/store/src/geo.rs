//! What a unit's map needs beyond its centroid: its area and its real outline
//! (`unit_geography`, migration 17), by role ([`GeoReads`], [`GeoWrites`]).

use crate::audit::AuditBuffer;
use crate::common::json;
use crate::sql::{scalar, stmt, SqlBackend};
use crate::{Actor, Changes, FieldError, StoreError};
use async_trait::async_trait;
use chiso_core::Code;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

type Result<T> = std::result::Result<T, StoreError>;

/// A unit's area and outline, as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnitGeography {
    pub unit: String,
    /// Area in km² (the 2025 communes' official figure).
    pub area_km2: Option<f64>,
    /// The unit's outline: a GeoJSON geometry (Polygon or MultiPolygon), as text.
    pub boundary: Option<String>,
    /// The file the outline was imported from.
    pub boundary_source: Option<String>,
}

/// One outline to store: the unit's code and its GeoJSON geometry (checked by the caller).
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryInput {
    pub unit: Code,
    pub geometry: String,
}

/// Areas and outlines: reads.
#[async_trait]
pub trait GeoReads: Send + Sync {
    /// The stored geography of these units (those with none are left out).
    async fn geography(&self, units: &[Code]) -> Result<Vec<UnitGeography>>;
}

/// Areas and outlines: writes. Both are audited and all or nothing; a unit that does not
/// exist refuses the whole batch, naming its position.
#[async_trait]
pub trait GeoWrites: GeoReads {
    /// Set units' areas in km² (finite, positive).
    async fn set_areas(&self, areas: &[(Code, f64)], actor: &Actor) -> Result<Changes>;
    /// Set units' outlines, each from the file `source`.
    async fn set_boundaries(
        &self,
        boundaries: &[BoundaryInput],
        source: &str,
        actor: &Actor,
    ) -> Result<Changes>;
}

const COLS: &str = "unit_code, area_km2, boundary, boundary_source";

async fn load<B: SqlBackend>(
    tx: &mut crate::sql::Tx<B>,
    codes: &[&str],
) -> Result<HashMap<String, UnitGeography>> {
    let mut out = HashMap::new();
    for chunk in codes.chunks(500) {
        let mut b = stmt(format!(
            "SELECT {COLS} FROM unit_geography WHERE unit_code IN ("
        ));
        let mut s = b.separated(", ");
        for c in chunk {
            s.push_bind(c.to_string());
        }
        b.push(")");
        for r in b.fetch_all(&mut *tx).await? {
            let g = UnitGeography {
                unit: r.get("unit_code")?,
                area_km2: r.get("area_km2")?,
                boundary: r.get("boundary")?,
                boundary_source: r.get("boundary_source")?,
            };
            out.insert(g.unit.clone(), g);
        }
    }
    Ok(out)
}

#[async_trait]
impl<B: SqlBackend> GeoReads for B {
    async fn geography(&self, units: &[Code]) -> Result<Vec<UnitGeography>> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_read().await?;
        let codes: Vec<&str> = units.iter().map(|c| c.as_str()).collect();
        let found = load(&mut tx, &codes).await?;
        tx.commit().await?;
        Ok(units
            .iter()
            .filter_map(|c| found.get(c.as_str()).cloned())
            .collect())
    }
}

/// Write the new state of each unit's row, with an audit row per change.
async fn write<B: SqlBackend>(
    store: &B,
    units: &[&Code],
    change: impl Fn(usize, &mut UnitGeography),
    actor: &Actor,
) -> Result<Changes> {
    let mut tx = store.begin_write().await?;
    let known: HashSet<String> = scalar("SELECT code FROM units")
        .fetch_all::<_, _, String>(&mut tx)
        .await?
        .into_iter()
        .collect();
    let errors: Vec<FieldError> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| !known.contains(u.as_str()))
        .map(|(i, u)| FieldError {
            index: Some(i),
            field: "unit".into(),
            reason: format!("unknown unit {u}"),
            list: Default::default(),
        })
        .collect();
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let codes: Vec<&str> = units.iter().map(|c| c.as_str()).collect();
    let mut rows = load(&mut tx, &codes).await?;
    let mut audit = AuditBuffer::default();
    let mut changes = Changes::default();
    for (i, u) in units.iter().enumerate() {
        let old = rows.get(u.as_str()).cloned();
        let mut new = old.clone().unwrap_or_else(|| UnitGeography {
            unit: u.to_string(),
            ..Default::default()
        });
        change(i, &mut new);
        if old.as_ref() == Some(&new) {
            changes.unchanged += 1;
            continue;
        }
        let sql = if old.is_some() {
            "UPDATE unit_geography SET area_km2 = $2, boundary = $3, boundary_source = $4 \
             WHERE unit_code = $1"
        } else {
            "INSERT INTO unit_geography (unit_code, area_km2, boundary, boundary_source) \
             VALUES ($1, $2, $3, $4)"
        };
        stmt(sql)
            .bind(u.as_str())
            .bind(new.area_km2)
            .bind(new.boundary.clone())
            .bind(new.boundary_source.clone())
            .execute(&mut tx)
            .await?;
        // The audit keeps what changed, not the outline's every vertex twice: its size and
        // its SHA-256 stand for it.
        let summary = |g: &UnitGeography| {
            json(&serde_json::json!({
                "area_km2": g.area_km2,
                "boundary_sha256": g.boundary.as_deref().map(crate::secret_hash),
                "boundary_bytes": g.boundary.as_ref().map(String::len),
                "boundary_source": g.boundary_source,
            }))
        };
        audit.push(
            if old.is_some() {
                "unit_geography.update"
            } else {
                "unit_geography.insert"
            },
            &format!("unit:{u}"),
            old.as_ref().map(summary),
            Some(summary(&new)),
        );
        if old.is_some() {
            changes.updated += 1;
        } else {
            changes.inserted += 1;
        }
        rows.insert(u.to_string(), new);
    }
    audit.flush(&mut tx, Utc::now(), actor).await?;
    tx.commit().await?;
    Ok(changes)
}

#[async_trait]
impl<B: SqlBackend> GeoWrites for B {
    async fn set_areas(&self, areas: &[(Code, f64)], actor: &Actor) -> Result<Changes> {
        let bad: Vec<FieldError> = areas
            .iter()
            .enumerate()
            .filter(|(_, (_, a))| !(a.is_finite() && *a > 0.0))
            .map(|(i, (u, a))| FieldError {
                index: Some(i),
                field: "area_km2".into(),
                reason: format!("the area of {u} must be a positive number of km², not {a}"),
                list: Default::default(),
            })
            .collect();
        if !bad.is_empty() {
            return Err(StoreError::Invalid(bad));
        }
        let units: Vec<&Code> = areas.iter().map(|(u, _)| u).collect();
        write(self, &units, |i, g| g.area_km2 = Some(areas[i].1), actor).await
    }

    async fn set_boundaries(
        &self,
        boundaries: &[BoundaryInput],
        source: &str,
        actor: &Actor,
    ) -> Result<Changes> {
        let units: Vec<&Code> = boundaries.iter().map(|b| &b.unit).collect();
        let mut seen = HashSet::new();
        let twice: Vec<FieldError> = units
            .iter()
            .enumerate()
            .filter(|(_, u)| !seen.insert(u.as_str()))
            .map(|(i, u)| FieldError {
                index: Some(i),
                field: "unit".into(),
                reason: format!("unit {u} is given two outlines"),
                list: Default::default(),
            })
            .collect();
        if !twice.is_empty() {
            return Err(StoreError::Invalid(twice));
        }
        write(
            self,
            &units,
            |i, g| {
                g.boundary = Some(boundaries[i].geometry.clone());
                g.boundary_source = Some(source.to_string());
            },
            actor,
        )
        .await
    }
}
