//! chiso's readers and writers of files. Errors name the file, the row and the column.

pub mod names;
pub mod plans_xlsx;
pub mod vn_admin;

/// An error in an input file, with its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}, row {row}{}: {reason}", column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
pub struct FileError {
    pub file: String,
    /// 1-based line number in the file (the header is row 1).
    pub row: usize,
    pub column: Option<String>,
    pub reason: String,
}
