//! chiso's readers and writers of files. Errors name the file, the sheet, the row and the
//! column.
//!
//! Data values come in as CSV ([`csv_values`]), DHIS2 dataValueSets JSON ([`dhis2`]) or the
//! Excel templates chiso hands out ([`xlsx`]); [`detect`] tells them apart. Every reader turns
//! bytes into [`values::ValueRow`]s whose codes are not yet checked against the database.

pub mod csv_values;
pub mod detect;
pub mod dhis2;
pub mod names;
pub mod plans_xlsx;
pub mod values;
pub mod vn_admin;
pub mod xlsx;

/// An error in an input file, with its place — shown in Vietnamese: "tệp, trang (sheet), dòng
/// (row), cột (column): lý do".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{file}{}{}{}: {reason}",
    sheet.as_ref().map(|s| format!(", trang {s}")).unwrap_or_default(),
    if *row > 0 { format!(", dòng {row}") } else { String::new() },
    column.as_ref().map(|c| format!(", cột {c}")).unwrap_or_default()
)]
pub struct FileError {
    pub file: String,
    /// The sheet of a workbook; `None` for CSV and JSON.
    pub sheet: Option<String>,
    /// 1-based line number in the file (the header is row 1), Excel row, or index of the value
    /// in a JSON `dataValues` array; 0 when the error concerns the whole file.
    pub row: usize,
    /// A column name, an Excel column letter or a JSON field name.
    pub column: Option<String>,
    pub reason: String,
}

impl FileError {
    /// An error about the whole file (no row, no column).
    pub fn whole_file(file: &str, reason: impl Into<String>) -> FileError {
        FileError {
            file: file.to_string(),
            sheet: None,
            row: 0,
            column: None,
            reason: reason.into(),
        }
    }
}
