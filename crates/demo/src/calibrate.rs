//! Deterministic, calibrated illustrative numbers: integers that vary plausibly from unit to
//! unit yet add up exactly to a chosen total.

/// A number in [0, 1) from a text, the same on every machine (FNV-1a).
pub fn unit_interval(key: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Mix the high bits down and keep 53 of them.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Split `total` over items in proportion to `weights` (largest remainder): the parts are
/// whole numbers that add up to `total` exactly.
pub fn split(total: i64, weights: &[f64]) -> Vec<i64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<i64> = exact.iter().map(|x| x.floor() as i64).collect();
    let mut rest = total - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = exact[a] - exact[a].floor();
        let fb = exact[b] - exact[b].floor();
        fb.partial_cmp(&fa)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let mut i = 0;
    while rest > 0 {
        parts[order[i % order.len()]] += 1;
        rest -= 1;
        i += 1;
    }
    parts
}

/// Numerators for the given denominators: each near `den × (rate + jitter)`, never below 0,
/// never above its denominator when `capped`, and adding up to `total` exactly.
/// Returns None when no such numbers exist (a capped total above the denominators' sum).
pub fn numerators(dens: &[i64], total: i64, jitters: &[f64], capped: bool) -> Option<Vec<i64>> {
    let den_sum: i64 = dens.iter().sum();
    if total < 0 || (capped && total > den_sum) || (dens.is_empty() && total != 0) {
        return None;
    }
    let rate = if den_sum > 0 {
        total as f64 / den_sum as f64
    } else {
        0.0
    };
    let mut nums: Vec<i64> = dens
        .iter()
        .zip(jitters.iter().chain(std::iter::repeat(&0.0)))
        .map(|(&d, &j)| {
            let r = (rate + j).max(0.0);
            let r = if capped { r.min(1.0) } else { r };
            (d as f64 * r).round() as i64
        })
        .collect();
    let mut diff = total - nums.iter().sum::<i64>();
    // Walk round the items one step at a time until the total is exact.
    let n = nums.len();
    let mut stuck = 0;
    let mut i = 0;
    while diff != 0 && n > 0 {
        let k = i % n;
        let can = if diff > 0 {
            !capped || nums[k] < dens[k]
        } else {
            nums[k] > 0
        };
        if can {
            let step = if diff > 0 { 1 } else { -1 };
            nums[k] += step;
            diff -= step;
            stuck = 0;
        } else {
            stuck += 1;
            if stuck > n {
                return None;
            }
        }
        i += 1;
    }
    Some(nums)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_adds_up() {
        assert_eq!(split(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(
            split(120_000, &[0.3, 0.9, 1.4]).iter().sum::<i64>(),
            120_000
        );
        assert_eq!(split(5, &[]), Vec::<i64>::new());
    }

    #[test]
    fn numerators_add_up_and_respect_caps() {
        let dens = split(
            120_000,
            &(0..62)
                .map(|i| 0.5 + unit_interval(&i.to_string()))
                .collect::<Vec<_>>(),
        );
        let jit: Vec<f64> = (0..62)
            .map(|i| (unit_interval(&format!("j{i}")) - 0.5) * 0.08)
            .collect();
        let nums = numerators(&dens, 113_868, &jit, true).unwrap();
        assert_eq!(nums.iter().sum::<i64>(), 113_868);
        assert!(nums.iter().zip(&dens).all(|(n, d)| 0 <= *n && n <= d));
        // 113,868 / 120,000 is exactly 94.89 %.
        assert_eq!(113_868 * 10_000, 9_489 * 120_000);
        assert!(numerators(&[5, 5], 11, &[], true).is_none());
        assert_eq!(
            numerators(&[5, 5], 11, &[], false)
                .unwrap()
                .iter()
                .sum::<i64>(),
            11
        );
    }

    #[test]
    fn deterministic() {
        assert_eq!(unit_interval("22738"), unit_interval("22738"));
        assert!((0.0..1.0).contains(&unit_interval("x")));
    }
}
