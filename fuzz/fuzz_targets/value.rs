//! Any text, any value type: checking a value never panics; what is taken lies within its
//! type's bounds (a count is never negative, a percentage within 0–100), whole for the integer
//! types, and its canonical text is taken again unchanged.
#![no_main]

use chiso_core::{ParsedValue, ValueType};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&t, rest)) = data.split_first() else {
        return;
    };
    let t = ValueType::ALL[t as usize % ValueType::ALL.len()];
    let Ok(s) = std::str::from_utf8(rest) else {
        return;
    };
    if let Ok(v) = ParsedValue::parse(t, s) {
        if let Some(n) = v.num {
            assert!(n.is_finite());
            let (lo, hi) = t.bounds();
            assert!(lo.is_none_or(|lo| n >= lo), "{} {s:?}", t.as_str());
            assert!(hi.is_none_or(|hi| n <= hi), "{} {s:?}", t.as_str());
            assert!(!t.is_integer() || n.fract() == 0.0);
        }
        assert_eq!(ParsedValue::parse(t, &v.text).as_ref(), Ok(&v));
    }
});
