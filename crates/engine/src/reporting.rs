//! Reporting rates of data sets, for `R{DATASET.METRIC}` in expressions: expected reports
//! (units that must report, existing in the period, under the scope) and received ones (marked
//! complete), over the data set's periods inside the period asked.

use crate::Engine;
use chiso_core::{Code, Completion, DataSet, Period, Reporters};
use std::collections::HashMap;

pub(crate) struct Reporting {
    pub ds: DataSet,
    /// Whether each unit (by engine index) is of the kind, group or list that reports.
    pub reporter: Vec<bool>,
    /// Received reports: period → unit index → on time.
    pub done: HashMap<Period, HashMap<u32, bool>>,
}

/// The metrics DHIS2 offers for `R{…}`.
pub const METRICS: [&str; 5] = [
    "REPORTING_RATE",
    "REPORTING_RATE_ON_TIME",
    "ACTUAL_REPORTS",
    "ACTUAL_REPORTS_ON_TIME",
    "EXPECTED_REPORTS",
];

impl Engine {
    pub(crate) fn build_reporting(&mut self, sets: &[DataSet], completions: &[Completion]) {
        self.reporting.clear();
        for ds in sets {
            let mut reporter = vec![false; self.units.len()];
            for r in &ds.reporters {
                match r {
                    Reporters::Kind(k) => {
                        for (i, u) in self.units.iter().enumerate() {
                            if u.kind == *k {
                                reporter[i] = true;
                            }
                        }
                    }
                    Reporters::Group(g) => {
                        for &m in self
                            .groups
                            .get(g.as_str())
                            .map(Vec::as_slice)
                            .unwrap_or(&[])
                        {
                            reporter[m as usize] = true;
                        }
                    }
                    Reporters::Unit(u) => {
                        if let Some(&i) = self.index.get(u.as_str()) {
                            reporter[i as usize] = true;
                        }
                    }
                }
            }
            if let Some(scope) = &ds.scope {
                for (i, r) in reporter.iter_mut().enumerate() {
                    if *r && !self.is_within(self.units[i].code.as_str(), scope.as_str()) {
                        *r = false;
                    }
                }
            }
            self.reporting.insert(
                ds.code.to_string(),
                Reporting {
                    ds: ds.clone(),
                    reporter,
                    done: HashMap::new(),
                },
            );
        }
        for c in completions {
            self.set_completion(&c.data_set, &c.unit, c.period, Some(c.on_time));
        }
    }

    /// Record a report received (Some(on time)) or taken back (None).
    pub fn set_completion(
        &mut self,
        data_set: &Code,
        unit: &Code,
        period: Period,
        on_time: Option<bool>,
    ) {
        let (Some(r), Some(&u)) = (
            self.reporting.get_mut(data_set.as_str()),
            self.index.get(unit.as_str()),
        ) else {
            return;
        };
        let per = r.done.entry(period).or_default();
        match on_time {
            Some(t) => {
                per.insert(u, t);
            }
            None => {
                per.remove(&u);
            }
        }
    }

    /// `R{DATASET.METRIC}` over the subtrees of `roots` for the data set's periods inside
    /// `period`. None for an unknown data set or metric, or when nothing is expected (rates).
    pub(crate) fn reporting_metric(
        &self,
        data_set: &str,
        metric: &str,
        roots: &[u32],
        period: &Period,
    ) -> Option<f64> {
        let r = self.reporting.get(data_set)?;
        let periods = if period.period_type() == r.ds.period_type {
            vec![*period]
        } else {
            period.sub_periods(r.ds.period_type, r.ds.convention)
        };
        let inside = |mut u: u32| loop {
            if roots.contains(&u) {
                return true;
            }
            match self.units[u as usize].parent {
                Some(p) => u = p,
                None => return false,
            }
        };
        let (mut expected, mut actual, mut on_time) = (0u64, 0u64, 0u64);
        for p in &periods {
            let (start, end) = (p.start_in(r.ds.convention), p.end_in(r.ds.convention));
            let done = r.done.get(p);
            for (i, &is) in r.reporter.iter().enumerate() {
                let node = &self.units[i];
                let exists = node.valid_from.is_none_or(|f| f <= end)
                    && node.valid_to.is_none_or(|t| start <= t);
                if !(is && exists && inside(i as u32)) {
                    continue;
                }
                expected += 1;
                if let Some(&t) = done.and_then(|d| d.get(&(i as u32))) {
                    actual += 1;
                    on_time += u64::from(t);
                }
            }
        }
        let rate = |x: u64| (expected > 0).then(|| x as f64 * 100.0 / expected as f64);
        match metric {
            "REPORTING_RATE" => rate(actual),
            "REPORTING_RATE_ON_TIME" => rate(on_time),
            "ACTUAL_REPORTS" => Some(actual as f64),
            "ACTUAL_REPORTS_ON_TIME" => Some(on_time as f64),
            "EXPECTED_REPORTS" => Some(expected as f64),
            _ => None,
        }
    }
}
