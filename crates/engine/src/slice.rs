//! The cube's unit of storage: one series in one stored period, as dense vectors over the
//! units, and how its subtree sums are rebuilt.

/// The option id of a series whose element has no breakdown.
pub(crate) const NO_OPTION: u32 = u32::MAX;

/// The key of a series: (element id, breakdown option id or none).
pub type Series = (u32, u32);

/// One series in one stored period: each unit's own value and its subtree's sum and count.
#[derive(Clone)]
pub(crate) struct Slice {
    pub(crate) own: Vec<f64>,
    pub(crate) sum: Vec<f64>,
    pub(crate) cnt: Vec<u32>,
}

impl Slice {
    pub(crate) fn new(n: usize) -> Slice {
        Slice {
            own: vec![f64::NAN; n],
            sum: vec![0.0; n],
            cnt: vec![0; n],
        }
    }
}

/// Rebuild a slice's subtree sums and counts from its own values, deepest units first.
pub(crate) fn rebuild(s: &mut Slice, bottom_up: &[u32], parents: &[Option<u32>]) {
    for (i, x) in s.own.iter().enumerate() {
        s.sum[i] = if x.is_nan() { 0.0 } else { *x };
        s.cnt[i] = u32::from(!x.is_nan());
    }
    for &u in bottom_up {
        if let Some(p) = parents[u as usize] {
            let (su, cu) = (s.sum[u as usize], s.cnt[u as usize]);
            s.sum[p as usize] += su;
            s.cnt[p as usize] += cu;
        }
    }
}
