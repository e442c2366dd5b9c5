//! Data collection: who must report which form when, the form a focal point fills in, saving
//! and completing it, validation rules, approval up the hierarchy, completeness and
//! timeliness, and imports from files. Every write goes through the application layer
//! ([`chiso_app::App`]), so figures show in the engine as soon as they are saved.
//!
//! Messages a user reads are in Vietnamese (with English after a slash where the web layer
//! shows them to English readers too).

pub mod completeness;
pub mod compulsory;
pub mod form;
pub mod import;

use chiso_app::App;
use chiso_core::{Code, DataSet, Period, Unit, UnitKind, UnitTree, ValueError};
use chiso_store::{Reads, StoreError};
use std::sync::Arc;

pub use completeness::{completeness, Completeness, CompletenessRow, MissingReport, PendingReport};
pub use compulsory::{MissingCompulsory, MissingField};
pub use form::{
    approve, complete, grant_exception, load_form, save_form, unapprove, uncomplete, Entry, Field,
    Form, ReportStatus, SaveOutcome,
};
pub use import::{
    import_rows, read_file, FieldNames, ImportError, ImportOptions, ImportOutcome, Strategy,
};

/// A form's field as the compulsory check sees it.
impl compulsory::FormField for form::Field {
    fn element(&self) -> &Code {
        &self.element
    }

    fn is_filled(&self) -> bool {
        self.value.as_deref().is_some_and(|v| !v.trim().is_empty())
    }

    fn describe(&self) -> MissingField {
        MissingField {
            element: self.element.clone(),
            option: self.option.clone(),
            name_vi: self.name_vi.clone(),
            name_en: self.name_en.clone(),
            option_name: self.option_name.clone(),
        }
    }
}

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
    /// Completion refused: compulsory fields are empty (every one, in the form's order).
    #[error(transparent)]
    MissingCompulsory(#[from] MissingCompulsory),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The units with what collection needs to know of them — kind, parent, groups — as the
/// engine's unit tree has them (shared, never reloaded from the database).
#[derive(Clone)]
pub struct Hierarchy {
    tree: Arc<UnitTree>,
}

impl Hierarchy {
    pub fn new(tree: Arc<UnitTree>) -> Hierarchy {
        Hierarchy { tree }
    }

    /// The application's current tree.
    pub async fn of(app: &App) -> Hierarchy {
        Hierarchy::new(app.read().await.tree().clone())
    }

    pub fn tree(&self) -> &UnitTree {
        &self.tree
    }

    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.tree.unit(code)
    }

    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.tree.units().iter()
    }

    /// Depth: 1 for a root (a province), 2 for its children, …
    pub fn level(&self, code: &str) -> i32 {
        self.tree.level(code).unwrap_or(0)
    }

    /// A unit's ancestors with their kinds, nearest first.
    pub fn ancestors(&self, code: &str) -> Vec<(Code, UnitKind)> {
        self.tree
            .ancestors(code)
            .map(|u| (u.code.clone(), u.kind))
            .collect()
    }

    /// Whether `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: &str, ancestor: &str) -> bool {
        self.tree.is_within(unit, ancestor)
    }

    /// Whether a unit must report a data set for a period.
    pub fn expects(&self, ds: &DataSet, unit: &str, period: &Period) -> bool {
        let Some(u) = self.tree.unit(unit) else {
            return false;
        };
        let ancestors: Vec<Code> = self.tree.ancestors(unit).map(|a| a.code.clone()).collect();
        ds.expects(u, &ancestors, self.tree.groups_of(unit), period)
    }

    /// Every unit that must report a data set for a period, by code.
    pub fn expected(&self, ds: &DataSet, period: &Period) -> Vec<&Unit> {
        let mut out: Vec<&Unit> = self
            .tree
            .units()
            .iter()
            .filter(|u| self.expects(ds, u.code.as_str(), period))
            .collect();
        out.sort_by(|a, b| a.code.cmp(&b.code));
        out
    }
}

/// Run CPU-heavy work (checking a large file's rows, its validation rules) without stalling
/// the async runtime's other tasks: on a multi-threaded runtime the thread is handed over for
/// the time (`block_in_place`); elsewhere (a current-thread runtime, plain code) it just runs.
pub(crate) fn heavy<T>(work: impl FnOnce() -> T) -> T {
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

/// A value's type error, in Vietnamese.
pub fn vi_value_error(e: &ValueError) -> String {
    e.vi()
}

/// Find a data set by code.
pub async fn data_set(store: &dyn Reads, code: &Code) -> Result<DataSet, CollectError> {
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
pub use chiso_core::clock::today_in_vietnam;
