//! Any text: parsing an expression never panics, and evaluating what parses never panics and
//! never yields inf or NaN.
#![no_main]

use chiso_core::expr::{Expr, PeriodMod, Resolver};
use chiso_core::Code;
use libfuzzer_sys::fuzz_target;

struct World;

impl Resolver for World {
    fn item(&self, element: &Code, _: Option<&Code>, m: PeriodMod) -> Option<f64> {
        // Some items exist, some are missing, some are zero.
        match element.as_str().len() % 3 {
            0 => None,
            1 => Some(0.0),
            _ => Some(element.as_str().len() as f64 + m.offset as f64),
        }
    }
    fn constant(&self, _: &Code) -> Option<f64> {
        Some(3.0)
    }
    fn group_count(&self, _: &Code) -> Option<f64> {
        Some(7.0)
    }
    fn reporting_rate(&self, _: &Code, _: &str) -> Option<f64> {
        None
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(e) = Expr::parse(s) {
            if let Some(v) = e.eval(&World) {
                assert!(v.is_finite());
            }
        }
    }
});
