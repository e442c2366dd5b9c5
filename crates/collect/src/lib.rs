//! Data collection: who must report which form when, the form a focal point fills in, saving
//! and completing it, validation rules, approval up the hierarchy, completeness and
//! timeliness, and imports from files. Every write goes through the engine's one write path
//! ([`chiso_engine::live::Live`]), so figures show in the engine as soon as they are saved.
//!
//! Messages a user reads are in Vietnamese (with English after a slash where the web layer
//! shows them to English readers too).

pub mod completeness;
pub mod form;
pub mod import;

use chiso_core::fasthash::FastMap;
use chiso_core::{Code, DataSet, Period, UnitKind, ValueError};
use chiso_store::{Store, StoreError, StoredUnit};

pub use completeness::{completeness, Completeness, CompletenessRow, MissingReport, PendingReport};
pub use form::{
    approve, complete, grant_exception, load_form, save_form, unapprove, uncomplete, Entry, Field,
    Form, ReportStatus, SaveOutcome,
};
pub use import::{
    import_rows, read_file, FieldNames, ImportError, ImportOptions, ImportOutcome, Strategy,
};

/// Why a collection step was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// Unknown data set, unit or report.
    #[error("{0}")]
    NotFound(String),
    /// Not allowed now or by this person: the form is closed, approved, not due from this
    /// unit, or the person lacks the role.
    #[error("{0}")]
    Refused(String),
    /// Some fields are wrong: (field, reason) pairs.
    #[error("{}", .0.iter().map(|(f, r)| format!("{f}: {r}")).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<(String, String)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The units with what collection needs to know of them: kind, parent, groups.
pub struct Hierarchy {
    units: FastMap<String, StoredUnit>,
    groups_of: FastMap<String, Vec<Code>>,
}

impl Hierarchy {
    pub async fn load(store: &dyn Store) -> Result<Hierarchy, StoreError> {
        let units = store
            .units(&Default::default())
            .await?
            .into_iter()
            .map(|u| (u.unit.code.to_string(), u))
            .collect();
        let mut groups_of: FastMap<String, Vec<Code>> = FastMap::default();
        for g in store.groups().await? {
            for m in &g.members {
                groups_of
                    .entry(m.to_string())
                    .or_default()
                    .push(g.code.clone());
            }
        }
        Ok(Hierarchy { units, groups_of })
    }

    pub fn unit(&self, code: &str) -> Option<&StoredUnit> {
        self.units.get(code)
    }

    pub fn units(&self) -> impl Iterator<Item = &StoredUnit> {
        self.units.values()
    }

    /// A unit's ancestors with their kinds, nearest first.
    pub fn ancestors(&self, code: &str) -> Vec<(Code, UnitKind)> {
        let mut out = Vec::new();
        let mut cur = self.units.get(code).and_then(|u| u.unit.parent.clone());
        while let Some(p) = cur {
            if out.len() > 64 || out.iter().any(|(c, _)| c == &p) {
                break;
            }
            match self.units.get(p.as_str()) {
                Some(u) => {
                    out.push((p.clone(), u.unit.kind));
                    cur = u.unit.parent.clone();
                }
                None => break,
            }
        }
        out
    }

    /// Whether `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: &str, ancestor: &str) -> bool {
        unit == ancestor
            || self
                .ancestors(unit)
                .iter()
                .any(|(c, _)| c.as_str() == ancestor)
    }

    /// Whether a unit must report a data set for a period.
    pub fn expects(&self, ds: &DataSet, unit: &str, period: &Period) -> bool {
        let Some(u) = self.units.get(unit) else {
            return false;
        };
        let ancestors: Vec<Code> = self.ancestors(unit).into_iter().map(|(c, _)| c).collect();
        let groups = self.groups_of.get(unit).map(Vec::as_slice).unwrap_or(&[]);
        ds.expects(&u.unit, &ancestors, groups, period)
    }

    /// Every unit that must report a data set for a period, by code.
    pub fn expected(&self, ds: &DataSet, period: &Period) -> Vec<&StoredUnit> {
        let mut out: Vec<&StoredUnit> = self
            .units
            .values()
            .filter(|u| self.expects(ds, u.unit.code.as_str(), period))
            .collect();
        out.sort_by(|a, b| a.unit.code.cmp(&b.unit.code));
        out
    }
}

/// A value's type error, in Vietnamese.
pub fn vi_value_error(e: &ValueError) -> String {
    match e {
        ValueError::NotANumber(s) => format!(
            "'{s}' không phải là số (dùng dấu chấm thập phân, không dùng dấu phân cách hàng nghìn)"
        ),
        ValueError::NotAnInteger(s) => format!("'{s}' không phải là số nguyên"),
        ValueError::PercentageOutOfRange(s) => {
            format!("{s} không phải là tỷ lệ phần trăm từ 0 đến 100")
        }
        ValueError::NotABoolean(s) => format!("'{s}' không phải là Có/Không"),
        ValueError::NotADate(s) => format!("'{s}' không phải là ngày (YYYY-MM-DD)"),
        ValueError::Empty => "giá trị bị bỏ trống".into(),
        ValueError::TooLong => "nội dung quá dài".into(),
    }
}

/// Find a data set by code.
pub async fn data_set(store: &dyn Store, code: &Code) -> Result<DataSet, CollectError> {
    store
        .data_sets()
        .await?
        .into_iter()
        .find(|d| &d.code == code)
        .ok_or_else(|| {
            CollectError::NotFound(format!("không có biểu mẫu {code} / no data set {code}"))
        })
}

/// Today's date in Vietnam (UTC+7), which deadlines are counted in.
pub fn today_in_vietnam() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive()
}
