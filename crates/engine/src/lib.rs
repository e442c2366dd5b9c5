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
//! History across boundary changes: asked "as of" a date, values of units that no longer exist
//! then are carried to their successors (a whole merge with weight 1, a split by its weights, or
//! all to the default successor when no weights are given; a unit with no successor follows
//! its parent), and added up in the structure that stood on that date.

pub mod analytics;
mod compare;
mod cube;
mod history;
mod query;
pub mod reporting;
mod rollup;
mod scope;
mod score;
mod slice;
#[cfg(test)]
mod test_support;

pub use compare::{Comparison, Delta, Ranked};
pub use cube::{Change, Engine, Input, Series};
pub use query::IndicatorValue;
pub use rollup::Rollup;
pub use scope::Scope;
pub use score::{CriterionScore, PillarScore, ScoreRow};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("unknown unit {0}")]
    UnknownUnit(String),
    #[error("unknown unit group {0}")]
    UnknownGroup(String),
    #[error("unknown indicator or data element {0}")]
    UnknownItem(String),
}
