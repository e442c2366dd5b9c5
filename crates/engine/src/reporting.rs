//! Data sets as the engine knows them: who must report (expected reports, for `R{DATASET.METRIC}`
//! and for the coverage of a figure), the reports received (marked complete) and how far up
//! its approval chain each report is approved (for the official view).

use crate::Engine;
use chiso_core::{Approval, Code, Completion, DataSet, Period, Reporters, UnitKind};
use std::collections::HashMap;

pub(crate) struct Reporting {
    pub ds: DataSet,
    /// Whether each unit (by engine index) is of the kind, group or list that reports.
    pub reporter: Vec<bool>,
    /// The data set's elements, by engine element id.
    pub elements: Vec<u32>,
    /// Received reports: period → unit index → on time.
    pub done: HashMap<Period, HashMap<u32, bool>>,
    /// Approval steps recorded: period → unit index → steps (1: the first level above the unit).
    pub approved: HashMap<Period, HashMap<u32, u8>>,
}

/// The metrics DHIS2 offers for `R{…}`.
pub const METRICS: [&str; 5] = [
    "REPORTING_RATE",
    "REPORTING_RATE_ON_TIME",
    "ACTUAL_REPORTS",
    "ACTUAL_REPORTS_ON_TIME",
    "EXPECTED_REPORTS",
];

/// Where a report stands on the way to the official view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportState {
    /// Values entered, the report not sent (đang nhập).
    Entering,
    /// Sent, not yet approved at the last level of its chain (chờ duyệt).
    Awaiting,
    /// Approved at the last level of its chain (or sent, where nobody approves it).
    Final,
}

impl Reporting {
    /// Whether a unit is expected to report this data set for a period of its type: a
    /// reporter existing during the period (read in the data set's convention).
    pub(crate) fn expects(&self, engine: &Engine, u: u32, period: &Period) -> bool {
        let (start, end) = (
            period.start_in(self.ds.convention),
            period.end_in(self.ds.convention),
        );
        let node = &engine.units[u as usize];
        self.reporter[u as usize]
            && node.valid_from.is_none_or(|f| f <= end)
            && node.valid_to.is_none_or(|t| start <= t)
    }

    /// Where a unit's report for a period stands. Approved at the last level of the unit's
    /// chain (its district, then its province) is final; a data set without approval, or a
    /// unit with nobody above it to approve, is final once sent.
    pub(crate) fn state(&self, chain_len: u8, u: u32, period: &Period) -> ReportState {
        let sent = self.done.get(period).is_some_and(|d| d.contains_key(&u));
        let steps = self
            .approved
            .get(period)
            .and_then(|a| a.get(&u))
            .copied()
            .unwrap_or(0);
        let last_level = if !self.ds.approval || chain_len == 0 {
            sent
        } else {
            steps >= chain_len
        };
        match (last_level, sent || steps > 0) {
            (true, _) => ReportState::Final,
            (false, true) => ReportState::Awaiting,
            (false, false) => ReportState::Entering,
        }
    }

    /// The data set's periods inside a period asked (the period itself when of its type).
    pub(crate) fn periods_in(&self, period: &Period) -> Vec<Period> {
        if period.period_type() == self.ds.period_type {
            vec![*period]
        } else {
            period.sub_periods(self.ds.period_type, self.ds.convention)
        }
    }
}

/// The number of levels that approve a unit's reports: its ancestors that are districts or
/// provinces (`chiso_core::dataset::approval_chain`).
pub(crate) fn chain_lengths(engine: &Engine) -> Vec<u8> {
    (0..engine.units.len())
        .map(|i| {
            let mut n = 0u8;
            let mut cur = engine.units[i].parent;
            while let Some(p) = cur {
                let node = &engine.units[p as usize];
                if matches!(node.kind, UnitKind::District | UnitKind::Province) {
                    n = n.saturating_add(1);
                }
                cur = node.parent;
            }
            n
        })
        .collect()
}

impl Engine {
    pub(crate) fn build_reporting(
        &mut self,
        sets: &[DataSet],
        completions: &[Completion],
        approvals: &[Approval],
    ) {
        self.reporting.clear();
        self.reporting_index.clear();
        self.collectors = vec![Vec::new(); self.element_codes.len()];
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
            let elements: Vec<u32> = ds
                .elements
                .iter()
                .filter_map(|e| self.elements.get(e.as_str()).map(|i| i.id))
                .collect();
            let at = self.reporting.len();
            for &e in &elements {
                self.collectors[e as usize].push(at);
            }
            self.reporting_index.insert(ds.code.to_string(), at);
            self.reporting.push(Reporting {
                ds: ds.clone(),
                reporter,
                elements,
                done: HashMap::new(),
                approved: HashMap::new(),
            });
        }
        for c in completions {
            self.record_completion(&c.data_set, &c.unit, c.period, Some(c.on_time));
        }
        for a in approvals {
            let Some(r) = self.reporting_of(a.data_set.as_str()) else {
                continue;
            };
            let Some(&u) = self.index.get(a.unit.as_str()) else {
                continue;
            };
            let steps = self.reporting[r]
                .approved
                .entry(a.period)
                .or_default()
                .entry(u)
                .or_insert(0);
            *steps = (*steps).max(a.step);
        }
    }

    pub(crate) fn reporting_of(&self, data_set: &str) -> Option<usize> {
        self.reporting_index.get(data_set).copied()
    }

    /// Record a report received or taken back, without touching the official view.
    fn record_completion(
        &mut self,
        data_set: &Code,
        unit: &Code,
        period: Period,
        on_time: Option<bool>,
    ) -> Option<(usize, u32)> {
        let r = self.reporting_of(data_set.as_str())?;
        let &u = self.index.get(unit.as_str())?;
        let per = self.reporting[r].done.entry(period).or_default();
        match on_time {
            Some(t) => {
                per.insert(u, t);
            }
            None => {
                per.remove(&u);
            }
        }
        Some((r, u))
    }

    /// Record a report received (Some(on time)) or taken back (None). Where a report is final
    /// once sent (no approval), its values enter or leave the official view.
    pub fn set_completion(
        &mut self,
        data_set: &Code,
        unit: &Code,
        period: Period,
        on_time: Option<bool>,
    ) {
        if let Some((r, u)) = self.record_completion(data_set, unit, period, on_time) {
            self.redecide_report(r, u, period);
        }
    }

    /// Record how many approval steps a report has (after an approval: its step; after the
    /// last step is taken back: one less). Its values enter or leave the official view.
    pub fn set_approval_steps(&mut self, data_set: &Code, unit: &Code, period: Period, steps: u8) {
        let (Some(r), Some(&u)) = (
            self.reporting_of(data_set.as_str()),
            self.index.get(unit.as_str()),
        ) else {
            return;
        };
        let per = self.reporting[r].approved.entry(period).or_default();
        if steps == 0 {
            per.remove(&u);
        } else {
            per.insert(u, steps);
        }
        self.redecide_report(r, u, period);
    }

    /// Where a unit's report of a data set for a period stands (None: unknown data set or
    /// unit, or the unit does not report it then).
    pub fn report_state(&self, data_set: &str, unit: &str, period: &Period) -> Option<ReportState> {
        let r = &self.reporting[self.reporting_of(data_set)?];
        let u = *self.index.get(unit)?;
        (period.period_type() == r.ds.period_type && r.expects(self, u, period))
            .then(|| r.state(self.chain_len[u as usize], u, period))
    }

    /// `R{DATASET.METRIC}` over the subtrees of `roots` for the data set's periods inside
    /// any of `periods` (each report counted once): rates are Σ actual / Σ expected, as DHIS2
    /// computes them over a filter's items. None for an unknown data set or metric, or when
    /// nothing is expected (rates).
    pub(crate) fn reporting_metric(
        &self,
        data_set: &str,
        metric: &str,
        roots: &[u32],
        periods: &[Period],
    ) -> Option<f64> {
        let r = &self.reporting[self.reporting_of(data_set)?];
        let mut periods: Vec<Period> = periods.iter().flat_map(|p| r.periods_in(p)).collect();
        periods.sort_unstable();
        periods.dedup();
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
            let done = r.done.get(p);
            for i in 0..r.reporter.len() as u32 {
                if !(r.expects(self, i, p) && inside(i)) {
                    continue;
                }
                expected += 1;
                if let Some(&t) = done.and_then(|d| d.get(&i)) {
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
