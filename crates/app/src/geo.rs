//! Units' areas and outlines: written through the store (checked, all or nothing, audited).
//! The engine does not use them, so nothing is rebuilt.

use crate::App;
use chiso_core::Code;
use chiso_store::{Actor, BoundaryInput, Changes, FieldError, StoreError};

type Result<T> = std::result::Result<T, StoreError>;

/// One outline read from a boundary file: its feature's position (1-based), the unit code it
/// names, and its GeoJSON geometry (already checked by the reader).
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    pub feature: usize,
    pub code: String,
    pub geometry: String,
}

impl App {
    /// Set units' areas in km² (see [`chiso_store::GeoWrites::set_areas`]).
    pub async fn set_areas(&self, areas: &[(Code, f64)], actor: &Actor) -> Result<Changes> {
        self.store().set_areas(areas, actor).await
    }

    /// Store the outlines read from a GeoJSON file (`source`, its name): every code must be
    /// a unit's, or nothing is written and each unknown code is named with its feature. With
    /// `dry_run`, only checked.
    pub async fn import_boundaries(
        &self,
        boundaries: &[Outline],
        source: &str,
        dry_run: bool,
        actor: &Actor,
    ) -> Result<Changes> {
        let mut errors = Vec::new();
        let mut input = Vec::with_capacity(boundaries.len());
        for b in boundaries {
            let known = match Code::parse(&b.code) {
                Ok(c) => self.store().unit(&c).await?.map(|_| c),
                Err(_) => None,
            };
            match known {
                Some(unit) => input.push(BoundaryInput {
                    unit,
                    geometry: b.geometry.clone(),
                }),
                None => errors.push(FieldError {
                    index: Some(b.feature - 1),
                    field: "properties.code".into(),
                    reason: format!(
                        "feature {} ({}): no unit has code {}",
                        b.feature, b.code, b.code
                    ),
                    list: Default::default(),
                }),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        if dry_run {
            let found = self
                .store()
                .geography(&input.iter().map(|b| b.unit.clone()).collect::<Vec<_>>())
                .await?;
            let mut c = Changes::default();
            for b in &input {
                match found.iter().find(|g| g.unit == b.unit.as_str()) {
                    Some(g)
                        if g.boundary.as_deref() == Some(b.geometry.as_str())
                            && g.boundary_source.as_deref() == Some(source) =>
                    {
                        c.unchanged += 1
                    }
                    Some(_) => c.updated += 1,
                    None => c.inserted += 1,
                }
            }
            return Ok(c);
        }
        self.store().set_boundaries(&input, source, actor).await
    }
}
