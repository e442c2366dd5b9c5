//! The cube's unit of storage: one series in one stored period, as dense vectors over the
//! units, and how its subtree sums are rebuilt — for the live view and, where it differs, the
//! official one.

use crate::View;

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
    /// The official view of the slice, when one of its values is not official; none when
    /// every value is (the official sums are then the live ones).
    pub(crate) off: Option<Box<Official>>,
}

/// Which own values of a slice are official, and the subtree sums and counts of those.
#[derive(Clone)]
pub(crate) struct Official {
    /// Whether each unit's own value (when it has one) is official.
    pub(crate) ok: Vec<bool>,
    pub(crate) sum: Vec<f64>,
    pub(crate) cnt: Vec<u32>,
}

impl Slice {
    pub(crate) fn new(n: usize) -> Slice {
        Slice {
            own: vec![f64::NAN; n],
            sum: vec![0.0; n],
            cnt: vec![0; n],
            off: None,
        }
    }

    /// The subtree sums and counts of a view.
    pub(crate) fn sums(&self, view: View) -> (&[f64], &[u32]) {
        match (view, &self.off) {
            (View::Official, Some(o)) => (&o.sum, &o.cnt),
            _ => (&self.sum, &self.cnt),
        }
    }

    /// A unit's own value as a view sees it.
    pub(crate) fn value(&self, view: View, u: usize) -> Option<f64> {
        let x = self.own[u];
        if x.is_nan() {
            return None;
        }
        match (view, &self.off) {
            (View::Official, Some(o)) if !o.ok[u] => None,
            _ => Some(x),
        }
    }

    /// Whether a unit's own value (if any) counts in the official view.
    pub(crate) fn is_official(&self, u: usize) -> bool {
        self.off.as_ref().is_none_or(|o| o.ok[u])
    }

    /// Keep an official part beside the live one, equal to it (every value official), so
    /// values can then be left out of it one by one.
    pub(crate) fn split_official(&mut self) -> &mut Official {
        let (sum, cnt, n) = (&self.sum, &self.cnt, self.own.len());
        self.off.get_or_insert_with(|| {
            Box::new(Official {
                ok: vec![true; n],
                sum: sum.clone(),
                cnt: cnt.clone(),
            })
        })
    }
}

/// Add `d_sum`, `d_cnt` to a unit's subtree sums and its ancestors'.
pub(crate) fn propagate(
    sum: &mut [f64],
    cnt: &mut [u32],
    parents: impl Fn(usize) -> Option<u32>,
    u: usize,
    d_sum: f64,
    d_cnt: i64,
) {
    let mut cur = Some(u as u32);
    while let Some(i) = cur {
        let i = i as usize;
        sum[i] += d_sum;
        cnt[i] = (cnt[i] as i64 + d_cnt).max(0) as u32;
        if cnt[i] == 0 {
            sum[i] = 0.0;
        }
        cur = parents(i);
    }
}

/// Rebuild a slice's subtree sums and counts from its own values, deepest units first (the
/// official part too, from the values it counts).
pub(crate) fn rebuild(s: &mut Slice, bottom_up: &[u32], parents: &[Option<u32>]) {
    fill(&s.own, None, &mut s.sum, &mut s.cnt, bottom_up, parents);
    if let Some(o) = s.off.as_deref_mut() {
        fill(
            &s.own,
            Some(&o.ok),
            &mut o.sum,
            &mut o.cnt,
            bottom_up,
            parents,
        );
    }
}

fn fill(
    own: &[f64],
    ok: Option<&[bool]>,
    sum: &mut [f64],
    cnt: &mut [u32],
    bottom_up: &[u32],
    parents: &[Option<u32>],
) {
    for (i, x) in own.iter().enumerate() {
        let counted = !x.is_nan() && ok.is_none_or(|ok| ok[i]);
        sum[i] = if counted { *x } else { 0.0 };
        cnt[i] = u32::from(counted);
    }
    for &u in bottom_up {
        if let Some(p) = parents[u as usize] {
            let (su, cu) = (sum[u as usize], cnt[u as usize]);
            sum[p as usize] += su;
            cnt[p as usize] += cu;
        }
    }
}
