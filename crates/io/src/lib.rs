//! chiso's readers and writers of files. Errors ([`FileError`]) name the file, the sheet, the
//! row and the column.
//!
//! Data values come in as CSV ([`csv_values`]), DHIS2 dataValueSets JSON ([`dhis2`]) or the
//! Excel templates chiso hands out ([`xlsx`]); [`detect`] tells them apart. Every reader turns
//! bytes into [`values::ValueRow`]s whose codes are not yet checked against the database.
//! Plans, tasks and DX products come in as workbooks too ([`plans_xlsx`], read through the
//! same guard as the templates).

pub mod csv_values;
pub mod detect;
pub mod dhis2;
mod error;
pub mod formula;
pub mod geojson;
pub mod names;
pub mod office;
pub mod values;
pub mod vn_admin;
pub mod xlsx;

pub use error::{FileError, Problem};
/// Plans, tasks and DX products in XLSX (the module lives in [`xlsx::plans`]).
pub use xlsx::plans as plans_xlsx;
