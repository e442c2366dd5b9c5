//! Units: administrative units (province, district, commune), agencies, organisations and
//! sectors, with their validity dates, groups and successor links across boundary changes.

use crate::code::Code;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What a unit is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Country,
    Province,
    District,
    Commune,
    /// A department or office of a People's Committee (sở, ban, ngành).
    Agency,
    /// A body outside the administration: telecom operator, police, partner.
    Organisation,
    Sector,
    Other,
}

impl UnitKind {
    pub const ALL: [UnitKind; 8] = [
        UnitKind::Country,
        UnitKind::Province,
        UnitKind::District,
        UnitKind::Commune,
        UnitKind::Agency,
        UnitKind::Organisation,
        UnitKind::Sector,
        UnitKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Country => "country",
            UnitKind::Province => "province",
            UnitKind::District => "district",
            UnitKind::Commune => "commune",
            UnitKind::Agency => "agency",
            UnitKind::Organisation => "organisation",
            UnitKind::Sector => "sector",
            UnitKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The first day of the two-level structure (Resolution 202/2025/QH15): from 1 July 2025 there
/// are no districts, and the commune level is "xã, phường, đặc khu".
pub fn start_2025() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or(NaiveDate::MIN)
}

/// A unit. `code` is unique across all time; `gso_code` is the General Statistics Office's
/// code where the unit has one (a code the GSO reused in the 2025 structure is the same
/// `gso_code` on two units with different `code`s and validity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unit {
    #[schema(value_type = String, example = "58")]
    pub code: Code,
    #[schema(example = "58")]
    pub gso_code: Option<String>,
    #[schema(example = "Tỉnh Ninh Thuận")]
    pub name_vi: String,
    #[schema(example = "Ninh Thuan Province")]
    pub name_en: Option<String>,
    pub kind: UnitKind,
    #[schema(value_type = Option<String>)]
    pub parent: Option<Code>,
    /// First day the unit exists (None: since before records).
    pub valid_from: Option<NaiveDate>,
    /// Last day the unit exists (None: still exists).
    pub valid_to: Option<NaiveDate>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("the Vietnamese name is empty")]
    EmptyName,
    #[error("valid_from {from} is after valid_to {to}")]
    ValidityReversed { from: NaiveDate, to: NaiveDate },
    #[error("a unit cannot be its own parent")]
    OwnParent,
    #[error("the centroid is out of range (latitude -90..90, longitude -180..180)")]
    BadCentroid,
}

impl Unit {
    /// Check the rules a unit obeys on its own (parents are checked by the store).
    pub fn check(&self) -> Result<(), UnitError> {
        if self.name_vi.trim().is_empty() {
            return Err(UnitError::EmptyName);
        }
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to) {
            if from > to {
                return Err(UnitError::ValidityReversed { from, to });
            }
        }
        if self.parent.as_ref() == Some(&self.code) {
            return Err(UnitError::OwnParent);
        }
        let lat_ok = self
            .lat
            .is_none_or(|v| v.is_finite() && (-90.0..=90.0).contains(&v));
        let lon_ok = self
            .lon
            .is_none_or(|v| v.is_finite() && (-180.0..=180.0).contains(&v));
        if !lat_ok || !lon_ok {
            return Err(UnitError::BadCentroid);
        }
        Ok(())
    }

    /// Whether the unit exists on a date.
    pub fn exists_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date <= t)
    }

    /// Whether the unit exists on at least one day between `start` and `end` (inclusive).
    pub fn exists_during(&self, start: NaiveDate, end: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= end) && self.valid_to.is_none_or(|t| start <= t)
    }

    /// Whether the unit belongs to the structure in force from 1 July 2025 (two levels: no
    /// districts, and no "thị trấn" — the commune level is "xã, phường, đặc khu"): it still
    /// exists on that day. A unit of the legacy structure ended on 30 June 2025 or before.
    pub fn in_2025_structure(&self) -> bool {
        self.valid_to.is_none_or(|t| t >= start_2025())
    }

    /// The name of the unit's kind as its structure calls it: `commune` for a legacy commune
    /// ("xã, phường, thị trấn"), `commune-2025` for a commune of the 2025 structure ("xã,
    /// phường, đặc khu"); otherwise the kind itself.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            UnitKind::Commune if self.in_2025_structure() => "commune-2025",
            k => k.as_str(),
        }
    }

    /// The name in a language ("vi" or "en"), falling back to Vietnamese.
    pub fn name(&self, lang: &str) -> &str {
        match (lang, &self.name_en) {
            ("en", Some(n)) if !n.is_empty() => n,
            _ => &self.name_vi,
        }
    }
}

/// A named set of units, e.g. "provincial agencies" or "mountainous communes".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitGroup {
    #[schema(value_type = String, example = "58_CO_QUAN_TINH")]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub members: Vec<Code>,
}

/// A successor link: on `effective` (the first day of the new structure) part of unit `from`
/// went into unit `to`. A whole merge carries weight 1; a split carries the share that went to
/// each successor, or no weight when the share is unknown (then everything follows the
/// default successor).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuccessorLink {
    #[schema(value_type = String)]
    pub from: Code,
    #[schema(value_type = String)]
    pub to: Code,
    pub effective: NaiveDate,
    /// Share of `from` that went to `to`, in (0, 1].
    pub weight: Option<f64>,
    /// The successor that took the predecessor's seat.
    pub is_default: bool,
}

impl SuccessorLink {
    pub fn check(&self) -> Result<(), String> {
        if self.from == self.to {
            return Err("a unit cannot succeed itself".into());
        }
        if let Some(w) = self.weight {
            if !(w.is_finite() && w > 0.0 && w <= 1.0) {
                return Err(format!("weight {w} is not in (0, 1]"));
            }
        }
        Ok(())
    }
}

/// A unit as stored, with its depth in the hierarchy (1 for a root).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredUnit {
    #[serde(flatten)]
    pub unit: Unit,
    /// Depth in the tree: 1 for a root (a province), 2 for its children, …
    pub level: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commune() -> Unit {
        Unit {
            code: Code::parse("22738").unwrap(),
            gso_code: Some("22738".into()),
            name_vi: "Phường Đô Vinh".into(),
            name_en: None,
            kind: UnitKind::Commune,
            parent: Some(Code::parse("582").unwrap()),
            valid_from: None,
            valid_to: NaiveDate::from_ymd_opt(2025, 6, 30),
            lat: Some(11.636715),
            lon: Some(108.94428),
        }
    }

    #[test]
    fn validity() {
        let u = commune();
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert!(u.exists_on(d(2023, 12, 31)));
        assert!(u.exists_on(d(2025, 6, 30)));
        assert!(!u.exists_on(d(2025, 7, 1)));
        assert!(u.exists_during(d(2025, 1, 1), d(2025, 12, 31)));
        assert!(!u.exists_during(d(2025, 7, 1), d(2025, 12, 31)));
        assert_eq!(u.check(), Ok(()));
        assert_eq!(u.name("en"), "Phường Đô Vinh");
    }

    #[test]
    fn a_commune_is_named_by_its_structure() {
        let legacy = commune();
        assert!(!legacy.in_2025_structure());
        assert_eq!(legacy.kind_name(), "commune");
        let mut current = commune();
        current.code = Code::parse("2025-22738").unwrap();
        current.valid_from = NaiveDate::from_ymd_opt(2025, 7, 1);
        current.valid_to = None;
        assert!(current.in_2025_structure());
        assert_eq!(current.kind_name(), "commune-2025");
        let mut province = current.clone();
        province.kind = UnitKind::Province;
        assert_eq!(province.kind_name(), "province");
    }

    #[test]
    fn refuses_inconsistent_units() {
        let mut u = commune();
        u.valid_from = NaiveDate::from_ymd_opt(2026, 1, 1);
        assert!(matches!(u.check(), Err(UnitError::ValidityReversed { .. })));
        let mut u = commune();
        u.lat = Some(f64::NAN);
        assert_eq!(u.check(), Err(UnitError::BadCentroid));
        let mut u = commune();
        u.parent = Some(u.code.clone());
        assert_eq!(u.check(), Err(UnitError::OwnParent));
        let mut u = commune();
        u.name_vi = "  ".into();
        assert_eq!(u.check(), Err(UnitError::EmptyName));
    }
}
