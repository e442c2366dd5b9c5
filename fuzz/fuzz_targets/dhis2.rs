//! Any bytes as a DHIS2 data value set in JSON, CSV (with and without a header), DXF2 XML or
//! ADX: reading never panics, and every value read or error reported names its place.
#![no_main]

use chiso_io::dhis2::{read_dhis2_csv, read_dhis2_json, read_dhis2_xml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let named = |errors: &[chiso_io::FileError]| {
        assert!(!errors.is_empty());
        assert!(errors.iter().all(|e| e.file == "f"));
    };
    match read_dhis2_json("f", data) {
        Ok((_, rows)) => assert!(rows.iter().all(|r| r.place.row >= 1)),
        Err(e) => named(&e),
    }
    match read_dhis2_xml("f", data) {
        Ok((_, _, rows)) => assert!(rows.iter().all(|r| r.place.row >= 1)),
        Err(e) => named(&e),
    }
    for header in [true, false] {
        let csv = read_dhis2_csv("f", data, header);
        match csv.rows {
            Ok(rows) => assert!(rows.iter().all(|r| r.place.row >= 1)),
            Err(e) => named(&e),
        }
    }
});
