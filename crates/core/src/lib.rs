//! chiso's domain model: administrative and organisational units, periods, data elements and
//! data values. Pure types and rules, parsed at the boundary ("parse, don't validate"): no SQL,
//! no HTTP, no files.

pub mod access;
pub mod account;
pub mod clock;
pub mod code;
pub mod compulsory;
pub mod dataset;
pub mod derived;
pub mod element;
pub mod expr;
pub mod fasthash;
pub mod indicator;
pub mod parallel;
pub mod period;
pub mod plan;
pub mod scorecard;
pub mod target;
pub mod tree;
pub mod unit;
pub mod value;

pub use code::{Code, CodeError};
pub use dataset::{
    Approval, Completion, DataSet, Evidence, LockException, Reporters, RuleOperator, Severity,
    ValidationRule, Violation, Window,
};
pub use element::{AggregationType, Breakdown, BreakdownOption, DataElement, ValueType};
pub use indicator::{CompiledIndicator, Constant, Direction, Indicator};
pub use period::{Convention, Period, PeriodError, PeriodType};
pub use scorecard::{Criterion, Pillar, Rule, Scorecard};
pub use target::{Assessment, Comparator, Framework, Status, Target, TargetPillar, TargetScope};
pub use tree::UnitTree;
pub use unit::{StoredUnit, SuccessorLink, Unit, UnitGroup, UnitKind};
pub use value::{AuditEntry, DataValue, DataValueInput, ParsedValue, SourceTag, ValueError, Via};
