//! The one error type of this crate's readers.

use std::fmt;

/// An error in an input file: its place — whichever of file, sheet, row and column apply —
/// and the reason, in Vietnamese. Shown as "tệp, trang (sheet), dòng (row), cột (column):
/// lý do", leaving out the parts that do not apply.
///
/// Every reader gives these: the Excel templates and plans workbooks ([`crate::xlsx`]), CSV
/// ([`crate::csv_values`]) and DHIS2 JSON ([`crate::dhis2`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The file's name; empty when the reader was given none (a plans workbook posted as a
    /// request body).
    pub file: String,
    /// The sheet of a workbook; `None` for CSV and JSON.
    pub sheet: Option<String>,
    /// 1-based line number in the file (the header is row 1), Excel row, or index of the value
    /// in a JSON `dataValues` array; 0 when the error concerns the whole file or sheet.
    pub row: usize,
    /// An Excel column letter ([`crate::xlsx::column_letter`]), a CSV header name or a JSON
    /// field name.
    pub column: Option<String>,
    pub reason: String,
    /// What is wrong, as a kind other systems name (DHIS2's conflict codes are read from
    /// it); [`Problem::Other`] when no kind applies.
    pub problem: Problem,
}

/// What is wrong with a value of a file, in the kinds DHIS2's import names by error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Problem {
    #[default]
    Other,
    /// The file cannot be read (its syntax, its encoding, its header).
    Unreadable,
    /// No such data element.
    Element,
    /// Not a period, or the unit does not exist in it.
    Period,
    /// No such unit.
    Unit,
    /// No such breakdown option, or not the element's.
    Breakdown,
    /// An attribute option combination other than the default.
    Attribute,
    /// A required value is missing.
    Missing,
    /// The value does not fit the element's type.
    Value,
    /// The comment is too long.
    Comment,
    /// The importer may not write for the unit.
    NoRight,
    /// The report's period is closed to entry (past its lock date).
    Expired,
    /// The report's period is not open yet.
    NotOpen,
    /// The report is approved, so its values are locked.
    Approved,
    /// A blocking validation rule is broken.
    Rule,
    /// The same value twice in one file.
    Duplicate,
}

impl FileError {
    /// The same error, of a kind.
    pub fn of(self, problem: Problem) -> FileError {
        FileError { problem, ..self }
    }

    /// An error about the whole file (no sheet, row or column).
    pub fn whole_file(file: &str, reason: impl Into<String>) -> FileError {
        FileError {
            problem: crate::error::Problem::Other,
            file: file.to_string(),
            sheet: None,
            row: 0,
            column: None,
            reason: reason.into(),
        }
    }

    /// An error about a whole sheet of a workbook (no row or column).
    pub fn whole_sheet(file: &str, sheet: &str, reason: impl Into<String>) -> FileError {
        FileError {
            problem: crate::error::Problem::Other,
            sheet: Some(sheet.to_string()),
            ..FileError::whole_file(file, reason)
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::with_capacity(4);
        if !self.file.is_empty() {
            parts.push(self.file.clone());
        }
        // A place that starts the sentence starts with a capital ("Trang KeHoach, dòng 3").
        let word = |parts: &Vec<String>, w: &str| {
            if parts.is_empty() {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            } else {
                w.to_string()
            }
        };
        if let Some(s) = &self.sheet {
            parts.push(format!("{} {s}", word(&parts, "trang")));
        }
        if self.row > 0 {
            parts.push(format!("{} {}", word(&parts, "dòng"), self.row));
        }
        if let Some(c) = &self.column {
            parts.push(format!("{} {c}", word(&parts, "cột")));
        }
        if parts.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", parts.join(", "), self.reason)
        }
    }
}

impl std::error::Error for FileError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_parts_of_the_place_that_apply() {
        let e = FileError {
            problem: crate::error::Problem::Other,
            file: "mau.xlsx".into(),
            sheet: Some("Biểu mẫu".into()),
            row: 7,
            column: Some("E".into()),
            reason: "Ô có lỗi".into(),
        };
        assert_eq!(
            e.to_string(),
            "mau.xlsx, trang Biểu mẫu, dòng 7, cột E: Ô có lỗi"
        );
        let e = FileError {
            problem: crate::error::Problem::Other,
            file: String::new(),
            ..e
        };
        assert_eq!(e.to_string(), "Trang Biểu mẫu, dòng 7, cột E: Ô có lỗi");
        assert_eq!(
            FileError::whole_file("a.csv", "Tệp trống").to_string(),
            "a.csv: Tệp trống"
        );
        assert_eq!(
            FileError::whole_file("", "Tệp trống").to_string(),
            "Tệp trống"
        );
        assert_eq!(
            FileError::whole_sheet("k.xlsx", "KeHoach", "x").to_string(),
            "k.xlsx, trang KeHoach: x"
        );
    }
}
