//! Targets and target frameworks ("bộ chỉ tiêu"), and how a target's status is judged.

use crate::code::Code;
use crate::period::Period;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How the actual value is compared with the target value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparator {
    /// ≥: reach at least the target.
    AtLeast,
    /// ≤: stay at or below the target.
    AtMost,
    /// =: hit the target exactly.
    Equal,
}

impl Comparator {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::AtLeast => "at_least",
            Comparator::AtMost => "at_most",
            Comparator::Equal => "equal",
        }
    }
    pub fn parse(s: &str) -> Option<Comparator> {
        match s {
            "at_least" | ">=" | "≥" => Some(Comparator::AtLeast),
            "at_most" | "<=" | "≤" => Some(Comparator::AtMost),
            "equal" | "=" => Some(Comparator::Equal),
            _ => None,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::AtLeast => "≥",
            Comparator::AtMost => "≤",
            Comparator::Equal => "=",
        }
    }
}

/// Which units a target is about: a unit's subtree, or a group (a tier of agencies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum TargetScope {
    #[schema(value_type = String)]
    Unit(Code),
    #[schema(value_type = String)]
    Group(Code),
}

/// The pillar a target belongs to, as the national DX programme groups its targets
/// (Decisions 942/QĐ-TTg and 411/QĐ-TTg) and as the province's plan adds Project 06 and the
/// infrastructure and platforms beside them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TargetPillar {
    /// Chính quyền số.
    DigitalGovernment,
    /// Kinh tế số.
    DigitalEconomy,
    /// Xã hội số.
    DigitalSociety,
    /// Đề án 06 (population data, e-ID and digital services).
    Project06,
    /// Hạ tầng số và nền tảng số.
    Infrastructure,
}

impl TargetPillar {
    /// Every pillar in the default order.
    pub const ALL: [TargetPillar; 5] = [
        TargetPillar::DigitalGovernment,
        TargetPillar::DigitalEconomy,
        TargetPillar::DigitalSociety,
        TargetPillar::Project06,
        TargetPillar::Infrastructure,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TargetPillar::DigitalGovernment => "digital_government",
            TargetPillar::DigitalEconomy => "digital_economy",
            TargetPillar::DigitalSociety => "digital_society",
            TargetPillar::Project06 => "project06",
            TargetPillar::Infrastructure => "infrastructure",
        }
    }
    /// The code (`digital_government`) or the Vietnamese name (`chính quyền số`).
    pub fn parse(s: &str) -> Option<TargetPillar> {
        let t = s.trim().to_lowercase();
        TargetPillar::ALL.into_iter().find(|p| {
            p.as_str() == t || p.name_vi().to_lowercase() == t || p.name_en().to_lowercase() == t
        })
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            TargetPillar::DigitalGovernment => "Chính quyền số",
            TargetPillar::DigitalEconomy => "Kinh tế số",
            TargetPillar::DigitalSociety => "Xã hội số",
            TargetPillar::Project06 => "Đề án 06",
            TargetPillar::Infrastructure => "Hạ tầng, nền tảng số",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            TargetPillar::DigitalGovernment => "Digital government",
            TargetPillar::DigitalEconomy => "Digital economy",
            TargetPillar::DigitalSociety => "Digital society",
            TargetPillar::Project06 => "Project 06",
            TargetPillar::Infrastructure => "Infrastructure and platforms",
        }
    }
}

/// A target: a value for an indicator, or a deadline for a piece of work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Target {
    #[schema(value_type = String, example = "KH2023_01")]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub scope: TargetScope,
    #[schema(value_type = String, example = "2023")]
    pub period: Period,
    /// The indicator measured (value targets).
    #[schema(value_type = Option<String>)]
    pub indicator: Option<Code>,
    pub comparator: Option<Comparator>,
    pub value: Option<f64>,
    /// The deadline (deadline targets: "done by a date").
    pub due: Option<NaiveDate>,
    /// When the work was done (deadline targets).
    pub completed_on: Option<NaiveDate>,
    /// A note, e.g. where a figure comes from.
    pub note: Option<String>,
    /// The pillar the target belongs to (none: shown under "other").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pillar: Option<TargetPillar>,
}

impl Target {
    pub fn check(&self) -> Result<(), String> {
        if self.name_vi.trim().is_empty() {
            return Err("the Vietnamese name is empty".into());
        }
        match (&self.indicator, self.comparator, self.value, self.due) {
            (Some(_), Some(_), Some(v), None) if v.is_finite() => Ok(()),
            (None, None, None, Some(_)) => Ok(()),
            _ => Err(
                "a target has either an indicator, a comparator and a value, or a deadline (due)"
                    .into(),
            ),
        }
    }
}

/// A named set of targets, e.g. "Kế hoạch CĐS 2023: 23 chỉ tiêu".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Framework {
    #[schema(value_type = String, example = "KH_CDS_2023")]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub description: Option<String>,
    /// The order its pillars are shown in; pillars of its targets not listed follow in the
    /// default order ([`TargetPillar::ALL`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pillars: Vec<TargetPillar>,
    /// In order.
    pub targets: Vec<Target>,
}

impl Framework {
    /// The pillars of its targets in the framework's order, then the default order; targets
    /// without a pillar are not counted here.
    pub fn pillar_order(&self) -> Vec<TargetPillar> {
        let used: std::collections::BTreeSet<TargetPillar> =
            self.targets.iter().filter_map(|t| t.pillar).collect();
        let mut out: Vec<TargetPillar> = Vec::new();
        for p in self.pillars.iter().chain(TargetPillar::ALL.iter()) {
            if used.contains(p) && !out.contains(p) {
                out.push(*p);
            }
        }
        out
    }
}

/// Where a target stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Reached exactly (or, for "=", hit).
    Met,
    /// Reached and passed.
    BeyondPlan,
    /// The period is over and the target was not reached.
    NotMet,
    /// The period is still running and the projection falls short.
    AtRisk,
    /// The period is still running and the projection reaches the target.
    OnTrack,
    /// Done on or before the deadline.
    DoneEarly,
    /// Done after the deadline.
    DoneLate,
    /// Not done and the deadline has passed.
    Overdue,
    /// Nothing to judge by: no value yet.
    NoData,
}

impl Status {
    /// Counts as achieved in a framework's "N of M met".
    pub fn achieved(self) -> bool {
        matches!(self, Status::Met | Status::BeyondPlan | Status::DoneEarly)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::BeyondPlan => "beyond_plan",
            Status::NotMet => "not_met",
            Status::AtRisk => "at_risk",
            Status::OnTrack => "on_track",
            Status::DoneEarly => "done_early",
            Status::DoneLate => "done_late",
            Status::Overdue => "overdue",
            Status::NoData => "no_data",
        }
    }
}

/// The verdict on a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assessment {
    pub status: Status,
    /// The value reached (value targets).
    pub actual: Option<f64>,
    /// actual − target: above the target when positive. For a rate this is in percentage
    /// points; for an amount, in the indicator's unit.
    pub gap: Option<f64>,
    /// The projection to the end of the period, when the period is still running.
    pub projected: Option<f64>,
    /// Days done before (positive) or after (negative) the deadline.
    pub days_early: Option<i64>,
}

/// Judge a value target. `actual` is the value so far; `elapsed` is the share of the period
/// gone by (1.0 when it is over); amounts (`is_rate` false) are projected linearly to the end
/// of the period, rates are taken as they stand.
pub fn assess_value(
    comparator: Comparator,
    target: f64,
    actual: Option<f64>,
    is_rate: bool,
    elapsed: f64,
) -> Assessment {
    let Some(a) = actual else {
        return Assessment {
            status: Status::NoData,
            actual: None,
            gap: None,
            projected: None,
            days_early: None,
        };
    };
    let gap = a - target;
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
    let reached = |v: f64| match comparator {
        Comparator::AtLeast => v >= target || close(v, target),
        Comparator::AtMost => v <= target || close(v, target),
        Comparator::Equal => close(v, target),
    };
    let beyond = match comparator {
        Comparator::AtLeast => a > target && !close(a, target),
        Comparator::AtMost => a < target && !close(a, target),
        Comparator::Equal => false,
    };
    let running = elapsed < 1.0;
    let projected = (running && elapsed > 0.0).then(|| if is_rate { a } else { a / elapsed });
    let status = if reached(a) {
        if beyond {
            Status::BeyondPlan
        } else {
            Status::Met
        }
    } else if running {
        match projected {
            Some(p) if reached(p) => Status::OnTrack,
            _ => Status::AtRisk,
        }
    } else {
        Status::NotMet
    };
    Assessment {
        status,
        actual: Some(a),
        gap: Some(gap),
        projected,
        days_early: None,
    }
}

/// Judge a deadline target on `today`.
pub fn assess_deadline(
    due: NaiveDate,
    completed_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Assessment {
    let (status, days) = match completed_on {
        Some(done) => {
            let d = (due - done).num_days();
            (
                if d >= 0 {
                    Status::DoneEarly
                } else {
                    Status::DoneLate
                },
                Some(d),
            )
        }
        None if today > due => (Status::Overdue, Some((due - today).num_days())),
        None => (Status::OnTrack, None),
    };
    Assessment {
        status,
        actual: None,
        gap: None,
        projected: None,
        days_early: days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_targets() {
        let a = assess_value(Comparator::AtLeast, 90.0, Some(98.9), true, 1.0);
        assert_eq!(a.status, Status::BeyondPlan);
        assert!((a.gap.unwrap() - 8.9).abs() < 1e-9);
        assert_eq!(
            assess_value(Comparator::AtLeast, 100.0, Some(97.22), true, 1.0).status,
            Status::NotMet
        );
        assert_eq!(
            assess_value(Comparator::AtLeast, 100.0, Some(100.0), true, 1.0).status,
            Status::Met
        );
        assert_eq!(
            assess_value(Comparator::AtMost, 5.0, Some(4.0), true, 1.0).status,
            Status::BeyondPlan
        );
        assert_eq!(
            assess_value(Comparator::Equal, 14.0, Some(14.0), false, 1.0).status,
            Status::Met
        );
        assert_eq!(
            assess_value(Comparator::AtLeast, 1.0, None, true, 1.0).status,
            Status::NoData
        );
        // Half-way through the year an amount at 45 % of a target is projected to 90 %: at risk.
        let r = assess_value(Comparator::AtLeast, 300_000.0, Some(135_000.0), false, 0.5);
        assert_eq!((r.status, r.projected), (Status::AtRisk, Some(270_000.0)));
        assert_eq!(
            assess_value(Comparator::AtLeast, 300_000.0, Some(160_000.0), false, 0.5).status,
            Status::OnTrack
        );
        assert_eq!(
            assess_value(Comparator::AtLeast, 100.0, Some(96.0), true, 0.5).status,
            Status::AtRisk
        );
    }

    #[test]
    fn deadlines() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let a = assess_deadline(d("2023-06-30"), Some(d("2023-05-09")), d("2024-01-01"));
        assert_eq!((a.status, a.days_early), (Status::DoneEarly, Some(52)));
        assert_eq!(
            assess_deadline(d("2024-04-30"), Some(d("2024-05-10")), d("2024-06-30")).days_early,
            Some(-10)
        );
        assert_eq!(
            assess_deadline(d("2024-04-30"), None, d("2024-06-30")).status,
            Status::Overdue
        );
        assert_eq!(
            assess_deadline(d("2024-04-30"), None, d("2024-03-01")).status,
            Status::OnTrack
        );
    }

    #[test]
    fn pillars_read_by_code_or_name_and_keep_the_frameworks_order() {
        assert_eq!(
            TargetPillar::parse("Đề án 06"),
            Some(TargetPillar::Project06)
        );
        assert_eq!(
            TargetPillar::parse("digital_economy"),
            Some(TargetPillar::DigitalEconomy)
        );
        assert_eq!(
            TargetPillar::parse("xã hội số"),
            Some(TargetPillar::DigitalSociety)
        );
        assert_eq!(TargetPillar::parse("other"), None);
        let t = |p| Target {
            code: Code::parse("T").unwrap(),
            name_vi: "x".into(),
            name_en: None,
            scope: TargetScope::Unit(Code::parse("58").unwrap()),
            period: Period::Year(2023),
            indicator: None,
            comparator: None,
            value: None,
            due: NaiveDate::from_ymd_opt(2023, 1, 1),
            completed_on: None,
            note: None,
            pillar: p,
        };
        let mut f = Framework {
            code: Code::parse("F").unwrap(),
            name_vi: "F".into(),
            name_en: None,
            description: None,
            pillars: vec![],
            targets: vec![
                t(Some(TargetPillar::Infrastructure)),
                t(None),
                t(Some(TargetPillar::DigitalGovernment)),
            ],
        };
        assert_eq!(
            f.pillar_order(),
            [
                TargetPillar::DigitalGovernment,
                TargetPillar::Infrastructure
            ]
        );
        f.pillars = vec![TargetPillar::Infrastructure, TargetPillar::DigitalSociety];
        assert_eq!(
            f.pillar_order(),
            [
                TargetPillar::Infrastructure,
                TargetPillar::DigitalGovernment
            ]
        );
    }

    #[test]
    fn a_target_is_one_kind_or_the_other() {
        let mut t = Target {
            code: Code::parse("T1").unwrap(),
            name_vi: "Chỉ tiêu".into(),
            name_en: None,
            scope: TargetScope::Unit(Code::parse("58").unwrap()),
            period: Period::Year(2023),
            indicator: Some(Code::parse("X").unwrap()),
            comparator: Some(Comparator::AtLeast),
            value: Some(90.0),
            due: None,
            completed_on: None,
            note: None,
            pillar: Some(TargetPillar::DigitalGovernment),
        };
        assert!(t.check().is_ok());
        t.due = NaiveDate::from_ymd_opt(2023, 6, 30);
        assert!(t.check().is_err());
        t.indicator = None;
        t.comparator = None;
        t.value = None;
        assert!(t.check().is_ok());
    }
}
