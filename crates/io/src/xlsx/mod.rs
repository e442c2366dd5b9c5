//! Excel workbooks: the templates for entering data values, written and read back, and the
//! plans, tasks and DX products workbooks ([`plans`]).
//!
//! Every workbook read goes through one guard: before anything is unpacked for parsing, the
//! file's size ([`crate::values::MAX_FILE_BYTES`]), the archive's entry count
//! ([`MAX_ENTRIES`]), each entry's unpacked size and compression ratio ([`MAX_RATIO`] past
//! [`RATIO_FREE`]) and the total unpacked size ([`MAX_UNZIPPED`]) are checked, sizes measured
//! by reading; then the parse runs under `catch_unwind`, so a malformed file is an error,
//! never a panic. Sheets are read sparsely (at most [`MAX_CELLS`] cells), whatever their used
//! range; cells are named by [`column_letter`] and [`cell_ref`].
//!
//! Two template layouts: a unit's form (sheet "Biểu mẫu": one row per element, or element ×
//! option) and a consolidator's grid (sheet "Tổng hợp": one row per unit, one column per
//! element or element × option). Both carry a hidden sheet "_chiso" of key/value metadata
//! (format version, layout, data set, period, unit) and the codes in hidden cells; the reader
//! relies on those, not on where the other cells are. Input cells are unlocked, the sheets
//! protected, and each input cell validated by the element's value type.

mod cells;
#[cfg(test)]
mod fixtures;
mod guard;
pub mod plans;
mod template_read;
mod template_write;
// --- explore: a page's table as a workbook ---
pub mod table;

pub use cells::{cell_ref, column_letter, MAX_CELLS};
pub use guard::{MAX_ENTRIES, MAX_RATIO, MAX_UNZIPPED, RATIO_FREE};
pub use template_read::read_template;
pub use template_write::{write_grid_template, write_unit_template};

use crate::values::ValueRow;
use chiso_core::ValueType;

/// The sheet of a unit's form.
pub const UNIT_SHEET: &str = "Biểu mẫu";
/// The sheet of a consolidator's grid.
pub const GRID_SHEET: &str = "Tổng hợp";
/// The hidden sheet of metadata.
pub const META_SHEET: &str = "_chiso";
/// The version of the template format written in "_chiso".
pub const FORMAT_VERSION: &str = "1";

const H_STT: &str = "STT";
const H_ELEMENT: &str = "Chỉ tiêu";
const H_PREVIOUS: &str = "Kỳ trước";
const H_LAST_YEAR: &str = "Cùng kỳ năm trước";
const H_VALUE: &str = "Giá trị";
const H_COMMENT: &str = "Ghi chú";
const H_CODE: &str = "Mã chỉ tiêu";
const H_OPTION: &str = "Mã phân tổ";
const H_UNIT_CODE: &str = "Mã đơn vị";
const H_UNIT: &str = "Đơn vị";
const MARK_ELEMENTS: &str = "#chiso:element";
const MARK_OPTIONS: &str = "#chiso:option";

/// One row of a unit's form: an element, or one option of its breakdown.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateElement {
    pub code: String,
    pub name: String,
    /// (option code, option name).
    pub breakdown: Option<(String, String)>,
    pub value_type: ValueType,
    /// The value of the previous period, shown for comparison.
    pub previous: Option<String>,
    /// The value of the same period last year, shown for comparison.
    pub last_year: Option<String>,
    /// The value already stored, filled in.
    pub current: Option<String>,
    pub comment: Option<String>,
}

/// A unit's form for one data set and period.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTemplate {
    pub data_set: String,
    pub data_set_name: String,
    pub unit: String,
    pub unit_name: String,
    /// The period in DHIS2 notation (2023, 2023Q1, 202301).
    pub period: String,
    pub period_label: String,
    pub elements: Vec<TemplateElement>,
}

/// A column of a consolidator's grid: an element, or one option of its breakdown.
#[derive(Debug, Clone, PartialEq)]
pub struct GridColumn {
    pub element: String,
    pub option: Option<String>,
    /// The header shown.
    pub name: String,
    pub value_type: ValueType,
}

/// A row of a consolidator's grid: a unit and its current values, one per column.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    pub unit: String,
    pub unit_name: String,
    pub values: Vec<Option<String>>,
}

/// A consolidator's grid for one data set and period: units down, elements across.
#[derive(Debug, Clone, PartialEq)]
pub struct GridTemplate {
    pub data_set: String,
    pub data_set_name: String,
    pub period: String,
    pub period_label: String,
    pub columns: Vec<GridColumn>,
    pub rows: Vec<GridRow>,
}

/// Which template a workbook is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One unit, one row per element.
    Unit,
    /// One row per unit, one column per element.
    Grid,
}

impl Layout {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Layout::Unit => "unit",
            Layout::Grid => "grid",
        }
    }
}

/// What a filled template holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    pub layout: Layout,
    pub data_set: String,
    pub period: String,
    /// The unit of a unit's form.
    pub unit: Option<String>,
    /// The filled cells; each place is the value's cell.
    pub rows: Vec<ValueRow>,
}
