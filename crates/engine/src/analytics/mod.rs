//! DHIS2's analytics query, typed, and its answer.
//!
//! `dimension=dx:A;B&dimension=pe:2023;LAST_12_MONTHS&dimension=ou:58;LEVEL-3` or
//! `filter=ou:…`. A dimension given as a filter is one cell over all its items, as DHIS2
//! aggregates it: `filter=ou:A;B` adds the values of A's and B's subtrees (each value once,
//! however they overlap), `filter=pe:2023;2024` the stored periods inside either year;
//! indicators are Σnumerator / Σdenominator over the lot, never an average of ratios. `dx` takes indicator codes, element codes and `ELEMENT.OPTION`; `pe` takes
//! period ids and relative periods; `ou` takes unit codes, `LEVEL-n` (under the listed units,
//! or everywhere), `OU_GROUP-CODE` (the group's members, one by one; as a filter, the group
//! as a whole), `GROUP-CODE` (chiso: the group as one item), `USER_ORGUNIT`,
//! `USER_ORGUNIT_CHILDREN` and `USER_ORGUNIT_GRANDCHILDREN` (the units the caller's roles are
//! scoped to, set by the caller in [`Query::user_units`]; the roots when none). `dx` also takes
//! `DATASET.METRIC` (DHIS2's reporting metrics) and `ELEMENT.default`; `dimension=co` breaks
//! elements down by their options. chiso adds `asOf=YYYY-MM-DD`: read the figures in the
//! structure of that date (e.g. 2023 figures in the 2025 units). DHIS2's options are read into
//! [`Options`]: values are rounded as DHIS2 rounds them (an indicator to its decimals, others
//! to two) unless `skipRounding=true`; an option chiso does not support is refused by name.
//!
//! Three steps, each on the engine the caller holds:
//! [`Query::parse`] turns the request's parameters into a [`Query`] (every item checked
//! against the engine), [`Query::resolve`] turns it into the concrete items answered (a
//! [`Resolved`]: relative periods counted, levels and groups expanded into units), and
//! [`Resolved::evaluate`] computes the [`Grid`] in DHIS2's shape. The caller checks who may
//! read the resolved units between the last two steps.

mod grid;
mod messages;
mod options;
mod parse;
mod relative;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_filter;
mod units;

pub use grid::{Grid, Header, Labels, MetaData, MetaItem};
pub use options::{IdScheme, Options, SortOrder};
pub use relative::RelativePeriod;

use crate::{EngineError, Scope};
use chiso_core::{Code, CodeError, Period, PeriodError};
use chrono::NaiveDate;
use std::fmt;

/// Most rows (combinations of items) one answer may hold.
pub const MAX_ROWS: usize = 200_000;

/// One of the three dimensions of the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// `dx`: indicators and data elements.
    Data,
    /// `pe`: periods.
    Period,
    /// `ou`: units.
    Unit,
    /// `co`: the breakdown options of the data elements (DHIS2's category option combos).
    Category,
}

impl Dimension {
    /// Every dimension, in the order a query must name them.
    pub const ALL: [Dimension; 3] = [Dimension::Data, Dimension::Period, Dimension::Unit];

    /// DHIS2's name: `dx`, `pe` or `ou`.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Data => "dx",
            Dimension::Period => "pe",
            Dimension::Unit => "ou",
            Dimension::Category => "co",
        }
    }

    /// The dimension of a DHIS2 name (`dx`, `pe`, `ou`).
    pub fn parse(name: &str) -> Option<Dimension> {
        if name == "co" {
            return Some(Dimension::Category);
        }
        Dimension::ALL.into_iter().find(|d| d.name() == name)
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The language of the names in the answer's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// A locale as DHIS2 writes it (`en`, `en_GB`, `en-US`, `vi`, `vi_VN`), any case; None
    /// for another language.
    pub fn parse(locale: &str) -> Option<Lang> {
        let l = locale.to_ascii_lowercase();
        let base = l.split(['_', '-']).next().unwrap_or("");
        match base {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// `"vi"` or `"en"`, as the domain types' `name(lang)` take it.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// One `dx` item: its id as written (the id in rows and metadata) and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct DataItem {
    pub id: String,
    pub kind: DataKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DataKind {
    /// An indicator (a ratio of expressions).
    Indicator(Code),
    /// A data element, whole or one option of its breakdown (`ELEMENT.OPTION`).
    Element { element: Code, option: Option<Code> },
    /// A reporting metric of a data set (`DATASET.REPORTING_RATE`, …), as `R{…}`.
    Reporting {
        data_set: Code,
        metric: &'static str,
    },
}

/// One `pe` item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PeriodItem {
    Fixed(Period),
    /// Counted from the query's `today` (`relativePeriodDate`).
    Relative(RelativePeriod),
}

/// One `ou` item as written.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitItem {
    /// A unit (and everything below it).
    Unit(Code),
    /// `LEVEL-n`: the units at level n under the listed units, or under every root when no
    /// unit is listed; the listed units are then not items themselves.
    Level(i32),
    /// `OU_GROUP-CODE`: as a row dimension, the group's members one by one; as a filter, the
    /// group as a whole (with `id`, the item as written, as its id).
    OuGroup { id: String, group: Code },
    /// `GROUP-CODE` (chiso): the group as one item, `id` being the item as written.
    Group { id: String, group: Code },
    /// `USER_ORGUNIT`: the caller's units ([`Query::user_units`]), or the roots.
    UserOrgUnit,
    /// `USER_ORGUNIT_CHILDREN`: their children.
    UserOrgUnitChildren,
    /// `USER_ORGUNIT_GRANDCHILDREN`: their children's children.
    UserOrgUnitGrandchildren,
}

/// An analytics query: what to compute, before it is resolved against the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub data: Vec<DataItem>,
    pub periods: Vec<PeriodItem>,
    pub units: Vec<UnitItem>,
    /// The dimensions given as `dimension` (a column of each row), in the order given; the
    /// others are filters.
    pub rows: Vec<Dimension>,
    /// The day relative periods count from.
    pub today: NaiveDate,
    /// Read the figures in the structure of this date.
    pub as_of: Option<NaiveDate>,
    /// The language of the names in the metadata.
    pub lang: Lang,
    /// Whether the query named it (`locale`); when not, the caller puts the request's
    /// language, as DHIS2 puts the user's database locale.
    pub lang_asked: bool,
    /// DHIS2's options of the answer.
    pub options: Options,
    /// The units the caller's roles are scoped to (`USER_ORGUNIT`); none: the roots.
    pub user_units: Vec<Code>,
}

/// One resolved `ou` item: its id in rows and metadata, and the units it adds up.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitScope {
    pub id: String,
    pub scope: Scope,
}

/// A query resolved against the engine: the concrete items of every dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub data: Vec<DataItem>,
    pub periods: Vec<Period>,
    pub units: Vec<UnitScope>,
    pub rows: Vec<Dimension>,
    pub as_of: Option<NaiveDate>,
    pub lang: Lang,
    pub options: Options,
    /// The relative periods asked, named in the metadata.
    pub relative: Vec<RelativePeriod>,
}

/// Why a query was refused. [`QueryError::param`] names the request parameter; the message
/// names the item and the reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    #[error("'{value}': write DIMENSION:ITEM;ITEM, e.g. dx:A;B")]
    NotADimension { param: &'static str, value: String },
    #[error("unknown dimension '{name}'; use dx, pe, ou or co")]
    UnknownDimension { param: &'static str, name: String },
    #[error("the {dimension} dimension is given twice (as dimension or filter); give it once")]
    Twice {
        param: &'static str,
        dimension: Dimension,
    },
    #[error("the {0} dimension is missing (as a dimension or a filter)")]
    Missing(Dimension),
    #[error("'{value}' is not a date (YYYY-MM-DD)")]
    NotADate { param: &'static str, value: String },
    #[error("the {dimension} dimension has no items; write e.g. {dimension}:ITEM")]
    NoItems {
        param: &'static str,
        dimension: Dimension,
    },
    #[error("dx item '{item}': {reason}")]
    BadDataItem {
        param: &'static str,
        item: String,
        reason: CodeError,
    },
    #[error("unknown indicator or data element {item}")]
    UnknownData { param: &'static str, item: String },
    #[error("{reason}")]
    BadPeriod {
        param: &'static str,
        item: String,
        reason: PeriodError,
    },
    #[error("'{name}' cannot be counted from {today}")]
    RelativeOutOfRange {
        param: &'static str,
        name: &'static str,
        today: NaiveDate,
    },
    #[error("'{item}': LEVEL- needs a level from 1 to 20")]
    BadLevel { param: &'static str, item: String },
    #[error("'{item}': {reason}")]
    BadUnitItem {
        param: &'static str,
        item: String,
        reason: CodeError,
    },
    #[error("{combinations} combinations asked; at most {MAX_ROWS} per request")]
    TooManyRows { combinations: usize },
    /// A DHIS2 option chiso does not answer: refused by name, never ignored.
    #[error("{param}: {reason}")]
    Unsupported {
        param: &'static str,
        reason: &'static str,
    },
    /// A value of an option that is not one of its values.
    #[error("{param}={value}: use {allowed}")]
    BadOption {
        param: &'static str,
        value: String,
        allowed: &'static str,
    },
    #[error("the co dimension breaks down data elements only; {item} is not one")]
    CategoryNeedsElements { item: String },
    /// An unknown unit, group or item met while resolving or evaluating.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl QueryError {
    /// The request parameter the error is about (`dimension`, `filter`, `asOf`,
    /// `relativePeriodDate`).
    pub fn param(&self) -> &'static str {
        match self {
            QueryError::NotADimension { param, .. }
            | QueryError::UnknownDimension { param, .. }
            | QueryError::Twice { param, .. }
            | QueryError::NotADate { param, .. }
            | QueryError::NoItems { param, .. }
            | QueryError::BadDataItem { param, .. }
            | QueryError::UnknownData { param, .. }
            | QueryError::BadPeriod { param, .. }
            | QueryError::RelativeOutOfRange { param, .. }
            | QueryError::BadLevel { param, .. }
            | QueryError::BadUnitItem { param, .. }
            | QueryError::Unsupported { param, .. }
            | QueryError::BadOption { param, .. } => param,
            QueryError::Missing(_)
            | QueryError::TooManyRows { .. }
            | QueryError::Engine(_)
            | QueryError::CategoryNeedsElements { .. } => "dimension",
        }
    }
}

/// The parameter a dimension was given in.
fn param_of(is_row: bool) -> &'static str {
    if is_row {
        "dimension"
    } else {
        "filter"
    }
}

impl Query {
    /// Whether a dimension is a row dimension (not a filter).
    pub fn is_row(&self, d: Dimension) -> bool {
        self.rows.contains(&d)
    }

    /// The periods asked, relative ones counted from `today`, in the order given.
    pub fn resolve_periods(&self) -> Result<Vec<Period>, QueryError> {
        let mut out = Vec::with_capacity(self.periods.len());
        for p in &self.periods {
            match p {
                PeriodItem::Fixed(p) => out.push(*p),
                PeriodItem::Relative(r) => out.extend(r.periods(self.today).ok_or_else(|| {
                    QueryError::RelativeOutOfRange {
                        param: param_of(self.is_row(Dimension::Period)),
                        name: r.name(),
                        today: self.today,
                    }
                })?),
            }
        }
        Ok(out)
    }

    /// The concrete items of every dimension: relative periods counted, levels and groups
    /// expanded into units (existing on `as_of` when given).
    pub fn resolve(&self, engine: &crate::Engine) -> Result<Resolved, QueryError> {
        let units = units::resolve(
            engine,
            &self.units,
            self.is_row(Dimension::Unit),
            self.as_of,
            &self.user_units,
        )?;
        Ok(Resolved {
            data: self.data.clone(),
            periods: self.resolve_periods()?,
            units,
            rows: self.rows.clone(),
            as_of: self.as_of,
            lang: self.lang,
            options: self.options.clone(),
            relative: self
                .periods
                .iter()
                .filter_map(|p| match p {
                    PeriodItem::Relative(r) => Some(*r),
                    PeriodItem::Fixed(_) => None,
                })
                .collect(),
        })
    }
}

impl Resolved {
    /// How many combinations of items the answer would look at: a dimension given as a
    /// filter is one cell over all its items.
    pub fn combinations(&self) -> usize {
        let row = |d: Dimension, n: usize| if self.rows.contains(&d) { n } else { 1 };
        self.data
            .len()
            .saturating_mul(row(Dimension::Period, self.periods.len()))
            .saturating_mul(row(Dimension::Unit, self.units.len()))
    }

    /// Refuse a query of more than [`MAX_ROWS`] combinations.
    pub fn check_size(&self) -> Result<(), QueryError> {
        let combinations = self.combinations();
        if combinations > MAX_ROWS {
            return Err(QueryError::TooManyRows { combinations });
        }
        Ok(())
    }
}
