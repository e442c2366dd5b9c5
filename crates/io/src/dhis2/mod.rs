//! DHIS2's dataValueSets JSON: reading and writing it ([`read_dhis2_json`],
//! [`write_dhis2_json`]), and the import summary DHIS2 answers a POST to
//! `/api/dataValueSets` with ([`ImportSummary`], [`web_message`]).

mod csv;
mod json;
mod lenient;
mod summary;
mod xml;

pub use csv::{read_dhis2_csv, Dhis2Csv};
pub use json::{
    dhis2_json_frame, dhis2_json_values, read_dhis2_json, write_dhis2_json, DataValueSet,
    Dhis2Value,
};
pub use summary::{
    http_status_code, web_message, Conflict, ImportCount, ImportOptions, ImportStatus,
    ImportSummary,
};
pub use xml::{adx_period, read_dhis2_xml, XmlKind};
