//! chiso's indicator engine: an in-memory cube derived from the store.
//!
//! Values are kept per series (element, or element × breakdown option) and stored period, in
//! dense vectors over the units, with each unit's subtree sum and count maintained beside its
//! own value. A query adds the subtree sums of the scope's units over the stored periods that
//! lie inside the asked period, so every figure — a commune, a district, a province, a group of
//! units — is a ratio of sums, never an average of ratios.
//!
//! *Invariant*: the engine never writes and never reads a database; `chiso_app` applies every
//! committed write to it, in commit order.
//!
//! Two views of every figure: the official one (values approved at the last level of their
//! report's chain, or not collected through any data set, and breaking no blocking rule) and
//! the live one (everything entered); see [`View`] and the `official` module. Every figure
//! knows what it stands on: [`Coverage`], units that reported of units expected.
//!
//! History across boundary changes: asked "as of" a date, values of units that no longer exist
//! then are carried to their successors (a whole merge with weight 1, a split by its weights, or
//! all to the default successor when no weights are given; a unit with no successor follows
//! its parent), and added up in the structure that stood on that date.

pub mod analytics;
mod compare;
mod coverage;
mod cube;
mod history;
mod official;
mod query;
pub mod reporting;
mod rollup;
mod scope;
mod score;
mod slice;
mod snapshot;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests_official;
mod view;

pub use compare::{Comparison, Delta, Ranked};
pub use coverage::{Basis, Coverage, COMPLETE_SHARE};
pub use cube::{is_published, Change, Engine, Input, Series};
pub use official::PublishedKey;
pub use query::IndicatorValue;
pub use reporting::ReportState;
pub use rollup::Rollup;
pub use scope::Scope;
pub use score::{CriterionScore, PillarScore, ScoreRow};
pub use snapshot::{SnapshotError, SnapshotHead, SnapshotReader, SNAPSHOT_VERSION};
pub use view::{View, Viewed};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("unknown unit {0}")]
    UnknownUnit(String),
    #[error("unknown unit group {0}")]
    UnknownGroup(String),
    #[error("unknown indicator or data element {0}")]
    UnknownItem(String),
}
