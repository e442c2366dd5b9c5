//! Completeness and timeliness: expected, received and on-time reports of a data set, rolled up
//! the hierarchy, and the units that have not reported.

use crate::{CollectError, Hierarchy};
use chiso_core::{Code, DataSet, Period, UnitKind};
use chiso_store::Reads;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The counts of one unit's subtree.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CompletenessRow {
    #[schema(value_type = String)]
    pub unit: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub kind: UnitKind,
    pub level: i32,
    pub expected: u64,
    pub received: u64,
    pub on_time: u64,
    /// received / expected × 100 (none when nothing is expected).
    pub rate: Option<f64>,
    pub on_time_rate: Option<f64>,
}

/// A report that has not come in.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MissingReport {
    #[schema(value_type = String)]
    pub unit: Code,
    pub name_vi: String,
    #[schema(value_type = String)]
    pub period: Period,
    #[schema(value_type = Option<String>)]
    pub parent: Option<Code>,
    pub parent_name: Option<String>,
    pub due: NaiveDate,
    /// Past its due date.
    pub overdue: bool,
}

/// A report that came in and is not yet approved at every level.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PendingReport {
    #[schema(value_type = String)]
    pub unit: Code,
    pub name_vi: String,
    #[schema(value_type = String)]
    pub period: Period,
    /// Approval steps taken so far.
    pub approved_steps: u8,
    /// The unit that approves next (a district, the province).
    #[schema(value_type = String)]
    pub next_level: Code,
    pub on_time: bool,
}

/// Completeness of a data set for a period (or the data set's periods inside it).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Completeness {
    #[schema(value_type = String)]
    pub data_set: Code,
    #[schema(value_type = String)]
    pub period: Period,
    pub expected: u64,
    pub received: u64,
    pub on_time: u64,
    pub rate: Option<f64>,
    pub on_time_rate: Option<f64>,
    /// The subtree counts of every unit above the reporting units, top first.
    pub by_unit: Vec<CompletenessRow>,
    pub missing: Vec<MissingReport>,
    /// Reports received and waiting for approval (when the data set is approved), with the
    /// level that approves next.
    pub awaiting_approval: Vec<PendingReport>,
}

fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The data set's periods inside `period` (the period itself when it is of the set's type).
pub fn periods_in(ds: &DataSet, period: &Period) -> Vec<Period> {
    if period.period_type() == ds.period_type {
        vec![*period]
    } else {
        period.sub_periods(ds.period_type, ds.convention)
    }
}

/// Count expected, received and on-time reports under `under` (everything when none).
pub async fn completeness(
    store: &dyn Reads,
    hier: &Hierarchy,
    ds: &DataSet,
    period: &Period,
    under: Option<&Code>,
    today: NaiveDate,
) -> Result<Completeness, CollectError> {
    if let Some(u) = under {
        if hier.unit(u.as_str()).is_none() {
            return Err(CollectError::NotFound(format!(
                "không có đơn vị {u} / no unit {u}"
            )));
        }
    }
    let periods = periods_in(ds, period);
    // (unit, period) → on time
    let mut done: HashMap<(String, Period), bool> = HashMap::new();
    for p in &periods {
        for c in store.completions(Some(&ds.code), Some(p)).await? {
            done.insert((c.unit.to_string(), c.period), c.on_time);
        }
    }
    // (unit, period) → approval steps taken
    let mut steps: HashMap<(String, Period), u8> = HashMap::new();
    if ds.approval {
        for p in &periods {
            for a in store.approvals(Some(&ds.code), Some(p)).await? {
                let e = steps.entry((a.unit.to_string(), a.period)).or_default();
                *e = (*e).max(a.step);
            }
        }
    }
    let mut awaiting = Vec::new();
    let mut counts: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    let mut missing = Vec::new();
    let (mut expected, mut received, mut on_time) = (0u64, 0u64, 0u64);
    for p in &periods {
        let due = ds.window(p).due;
        for u in hier.expected(ds, p) {
            let code = u.code.as_str();
            if let Some(root) = under {
                if !hier.is_within(code, root.as_str()) {
                    continue;
                }
            }
            let got = done.get(&(code.to_string(), *p)).copied();
            expected += 1;
            received += u64::from(got.is_some());
            on_time += u64::from(got == Some(true));
            for (a, _) in hier.ancestors(code) {
                if let Some(root) = under {
                    if !hier.is_within(a.as_str(), root.as_str()) {
                        break;
                    }
                }
                let e = counts.entry(a.to_string()).or_default();
                e.0 += 1;
                e.1 += u64::from(got.is_some());
                e.2 += u64::from(got == Some(true));
            }
            if let (Some(on_time), true) = (got, ds.approval) {
                let taken = steps.get(&(code.to_string(), *p)).copied().unwrap_or(0);
                let chain = chiso_core::dataset::approval_chain(&hier.ancestors(code));
                if let Some(next) = chain.get(usize::from(taken)) {
                    awaiting.push(PendingReport {
                        unit: u.code.clone(),
                        name_vi: u.name_vi.clone(),
                        period: *p,
                        approved_steps: taken,
                        next_level: next.clone(),
                        on_time,
                    });
                }
            }
            if got.is_none() {
                let parent = u.parent.clone();
                missing.push(MissingReport {
                    unit: u.code.clone(),
                    name_vi: u.name_vi.clone(),
                    period: *p,
                    parent_name: parent
                        .as_ref()
                        .and_then(|c| hier.unit(c.as_str()))
                        .map(|p| p.name_vi.clone()),
                    parent,
                    due,
                    overdue: today > due,
                });
            }
        }
    }
    let mut by_unit: Vec<CompletenessRow> = counts
        .into_iter()
        .filter_map(|(code, (e, r, o))| {
            let u = hier.unit(&code)?;
            Some(CompletenessRow {
                unit: u.code.clone(),
                name_vi: u.name_vi.clone(),
                name_en: u.name_en.clone(),
                kind: u.kind,
                level: hier.level(&code),
                expected: e,
                received: r,
                on_time: o,
                rate: rate(r, e),
                on_time_rate: rate(o, e),
            })
        })
        .collect();
    by_unit.sort_by(|a, b| a.level.cmp(&b.level).then(a.unit.cmp(&b.unit)));
    missing.sort_by(|a, b| {
        (a.parent.as_ref(), &a.unit, a.period).cmp(&(b.parent.as_ref(), &b.unit, b.period))
    });
    Ok(Completeness {
        data_set: ds.code.clone(),
        period: *period,
        expected,
        received,
        on_time,
        rate: rate(received, expected),
        on_time_rate: rate(on_time, expected),
        by_unit,
        missing,
        awaiting_approval: awaiting,
    })
}
