//! Any text: parsing a period never panics, and what parses prints back to itself and has a
//! start no later than its end.
#![no_main]

use chiso_core::{Convention, Period};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(p) = Period::parse(s) {
            assert_eq!(Period::parse(&p.to_string()), Ok(p));
            for c in [Convention::Calendar, Convention::CutOff] {
                assert!(p.start_in(c) <= p.end_in(c));
            }
            let _ = p.previous();
            let _ = p.same_period_last_year();
        }
    }
});
