//! DHIS2's dataValueSets JSON: reading and writing it ([`read_dhis2_json`],
//! [`write_dhis2_json`]), and the import summary DHIS2 answers a POST to
//! `/api/dataValueSets` with ([`ImportSummary`], [`web_message`]).

mod json;
mod lenient;
mod summary;

pub use json::{
    dhis2_json_frame, dhis2_json_values, read_dhis2_json, write_dhis2_json, DataValueSet,
    Dhis2Value,
};
pub use summary::{
    http_status_code, web_message, Conflict, ImportCount, ImportOptions, ImportStatus,
    ImportSummary,
};
