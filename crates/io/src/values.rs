//! The row every reader of data values produces, the row every writer takes, and the limits
//! shared by the readers.

use crate::FileError;
use chrono::{DateTime, Utc};

/// The largest file any reader accepts: 20 MiB.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// The most data rows a CSV or JSON file may hold.
pub const MAX_ROWS: usize = 2_000_000;

/// The most errors a reader reports for one file; the last one says reading stopped.
pub const MAX_ERRORS: usize = 1000;

/// Where a row came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    /// The sheet of a workbook; `None` for CSV and JSON.
    pub sheet: Option<String>,
    /// 1-based: the line of a CSV file, the Excel row, or the index of the value in a JSON
    /// `dataValues` array.
    pub row: usize,
    /// An Excel column letter ("F"), a CSV header name, or a JSON field name.
    pub column: Option<String>,
}

impl Place {
    /// An error at this place in `file`.
    pub fn error(&self, file: &str, reason: impl Into<String>) -> FileError {
        FileError {
            problem: crate::error::Problem::Other,
            file: file.to_string(),
            sheet: self.sheet.clone(),
            row: self.row,
            column: self.column.clone(),
            reason: reason.into(),
        }
    }

    /// The same row, another column.
    pub fn at(&self, column: impl Into<String>) -> Place {
        Place {
            sheet: self.sheet.clone(),
            row: self.row,
            column: Some(column.into()),
        }
    }
}

/// One data value as read from a file; codes not yet checked against the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRow {
    pub element: String,
    pub period: String,
    pub unit: String,
    /// The breakdown option's code; `None` for the element's total.
    pub breakdown: Option<String>,
    /// The value as text, unparsed (the store checks it against the element's type).
    pub value: String,
    pub comment: Option<String>,
    /// The file asks to delete this value.
    pub deleted: bool,
    /// Where the value is: the column is the value's own cell or field.
    pub place: Place,
}

/// One stored data value, for the writers.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    pub element: String,
    pub period: String,
    pub unit: String,
    pub breakdown: Option<String>,
    pub value: String,
    pub comment: Option<String>,
    /// Through what the value came (the store's source tag).
    pub source: String,
    pub stored_by: String,
    pub stored_at: DateTime<Utc>,
}

/// Refuses a workbook over [`MAX_FILE_BYTES`], before any parsing.
pub fn check_size(file: &str, bytes: &[u8]) -> Result<(), FileError> {
    check_size_under(file, bytes, MAX_FILE_BYTES)
}

/// The largest CSV or JSON file the readers accept: 256 MiB, room for [`MAX_ROWS`] values
/// (the web server's own body limit is lower).
pub const MAX_TEXT_FILE_BYTES: usize = 256 * 1024 * 1024;

/// Refuses a file over `limit` bytes, before any parsing.
pub fn check_size_under(file: &str, bytes: &[u8], limit: usize) -> Result<(), FileError> {
    if bytes.len() > limit {
        return Err(FileError::whole_file(
            file,
            format!(
                "Tệp quá lớn ({:.1} MB); giới hạn là {} MB",
                bytes.len() as f64 / (1024.0 * 1024.0),
                limit / (1024 * 1024)
            ),
        ));
    }
    Ok(())
}

/// Errors of one file, capped at [`MAX_ERRORS`].
#[derive(Debug, Default)]
pub(crate) struct Errors {
    pub list: Vec<FileError>,
    full: bool,
}

impl Errors {
    /// Adds an error; false once the cap is reached (the reader should stop).
    pub fn push(&mut self, e: FileError) -> bool {
        if self.full {
            return false;
        }
        if self.list.len() + 1 >= MAX_ERRORS {
            // The last place: this error's, which the note replaces.
            self.list.push(FileError {
                problem: crate::error::Problem::Other,
                file: e.file,
                sheet: e.sheet,
                row: e.row,
                column: None,
                reason: format!(
                    "Có quá nhiều lỗi; đã dừng đọc tệp ở đây sau {} lỗi",
                    MAX_ERRORS - 1
                ),
            });
            self.full = true;
            return false;
        }
        self.list.push(e);
        true
    }
    pub fn is_full(&self) -> bool {
        self.full
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// DHIS2's identifiers of "no category option combination".
pub(crate) fn is_default_combo(s: &str) -> bool {
    s.is_empty() || s.eq_ignore_ascii_case("default") || s == "HllvX50cXC0"
}

/// DHIS2's timestamp notation, in UTC: `2024-03-01T10:11:12.000`.
pub(crate) fn dhis2_timestamp(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn place_makes_errors_that_name_sheet_row_and_column() {
        let p = Place {
            sheet: Some("Biểu mẫu".into()),
            row: 7,
            column: Some("E".into()),
        };
        let e = p.error("mau.xlsx", "Ô có lỗi công thức");
        assert_eq!(
            e.to_string(),
            "mau.xlsx, trang Biểu mẫu, dòng 7, cột E: Ô có lỗi công thức"
        );
        let e = p.at("F").error("mau.xlsx", "x");
        assert_eq!((e.row, e.column.as_deref()), (7, Some("F")));
        let e = FileError::whole_file("a.csv", "Tệp trống");
        assert_eq!(e.to_string(), "a.csv: Tệp trống");
    }

    #[test]
    fn size_limit() {
        assert!(check_size("a", &[0u8; 10]).is_ok());
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        let e = check_size("a.csv", &big).unwrap_err();
        assert!(e.reason.contains("quá lớn"), "{e}");
    }

    #[test]
    fn errors_are_capped() {
        let mut errs = Errors::default();
        let mut n = 0;
        while errs.push(FileError::whole_file("f", "x")) {
            n += 1;
        }
        assert_eq!(n, MAX_ERRORS - 1);
        assert_eq!(errs.list.len(), MAX_ERRORS);
        assert!(errs.list[MAX_ERRORS - 1].reason.contains("quá nhiều lỗi"));
        assert!(!errs.push(FileError::whole_file("f", "y")));
        assert_eq!(errs.list.len(), MAX_ERRORS);
    }

    #[test]
    fn dhis2_notation() {
        let t = Utc.with_ymd_and_hms(2024, 3, 1, 10, 11, 12).unwrap();
        assert_eq!(dhis2_timestamp(&t), "2024-03-01T10:11:12.000");
        assert!(is_default_combo("default") && is_default_combo("HllvX50cXC0"));
        assert!(is_default_combo("") && !is_default_combo("MALE"));
    }
}
