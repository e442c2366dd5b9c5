//! Large runs of independent work done in two halves at once (the machines chiso runs on have
//! two cores or more): one half on a scoped thread, the other on the caller's.

use std::ops::Range;

/// `work` over `0..len` in one call, or — from `at_least` items on — over its two halves at
/// once; the results in order. A half whose thread failed is done again on the caller's.
pub fn in_halves<T: Send>(
    len: usize,
    at_least: usize,
    work: impl Fn(Range<usize>) -> T + Sync,
) -> Vec<T> {
    if len < at_least.max(2) {
        return vec![work(0..len)];
    }
    let mid = len / 2;
    std::thread::scope(|s| {
        let second = s.spawn(|| work(mid..len));
        let first = work(0..mid);
        let second = second.join().unwrap_or_else(|_| work(mid..len));
        vec![first, second]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_cover_the_range_in_order() {
        assert_eq!(in_halves(5, 10, |r| r), vec![0..5]);
        assert_eq!(in_halves(11, 10, |r| r), vec![0..5, 5..11]);
        let sums: u64 = in_halves(1_000, 2, |r| r.map(|i| i as u64).sum::<u64>())
            .into_iter()
            .sum();
        assert_eq!(sums, 499_500);
    }
}
