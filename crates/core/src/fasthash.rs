//! A fast hash for maps whose keys are already checked, short and few per request — codes,
//! periods — where SipHash's resistance to chosen keys buys nothing and costs most of an
//! import's lookups: rustc's FxHash (the `rustc-hash` crate).

pub use rustc_hash::{FxBuildHasher as FxBuild, FxHashMap as FastMap, FxHashSet as FastSet};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_keep_every_key_apart() {
        let mut m: FastMap<String, usize> = FastMap::default();
        for i in 0..100_000 {
            m.insert(format!("2025-{i}"), i);
        }
        assert_eq!(m.len(), 100_000);
        assert!((0..100_000).all(|i| m.get(format!("2025-{i}").as_str()) == Some(&i)));
        // Keys that differ only past the first word, or only in length, stay apart.
        let mut s: FastSet<&str> = FastSet::default();
        for k in ["ABCDEFGH", "ABCDEFGHI", "ABCDEFGH\0", "", "\0"] {
            assert!(s.insert(k));
        }
    }
}
