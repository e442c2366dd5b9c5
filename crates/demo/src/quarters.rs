//! The agencies' and district committees' quarterly reports of 2024 (form `BM_CDS_SO`, Decree
//! 09 cut-off), as they stand on 30 June 2024 — illustrative. The first quarter (15 December
//! 2023 – 14 March 2024) was sent by all and approved at every level; the second (15 March –
//! 14 June, due 19 June) is under way: most reports approved, some sent and waiting for the
//! district or the province, a few still being entered and one not started. These are the
//! demo's live figures beside its official ones.

use chiso_core::{Approval, Code, Completion, DataValueInput, Period, SourceTag};
use chrono::{NaiveDate, TimeZone, Utc};

use crate::calibrate::unit_interval;

/// The form's code.
pub const FORM: &str = "BM_CDS_SO";

/// Where a unit's quarterly report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Nothing entered.
    NotStarted,
    /// Some values entered, not sent.
    Entering,
    /// Sent, with this many approval steps taken (fewer than its chain has).
    Sent(u8),
    /// Sent and approved at every level of its chain.
    Approved,
}

/// One unit's report for one quarter.
#[derive(Debug, Clone)]
pub struct Report {
    pub unit: Code,
    /// The district it is approved by first (a district committee's), none for an agency.
    pub district: Option<Code>,
    pub period: Period,
    pub stage: Stage,
}

fn c(s: &str) -> Code {
    Code::parse(s).unwrap_or_else(|e| panic!("demo code {s}: {e}"))
}

/// The 2024 quarterly reports of the provincial agencies and the district committees (each
/// committee with its district), in code order.
pub fn reports(agencies: &[Code], committees: &[(Code, Code)]) -> Vec<Report> {
    let mut out = Vec::new();
    for q in [1u8, 2] {
        let period = Period::Quarter(2024, q);
        for (i, a) in agencies.iter().enumerate() {
            let stage = match (q, i % 5) {
                (1, _) => Stage::Approved,
                (_, 4) if i < 10 => Stage::Entering,
                (_, 4) => Stage::NotStarted,
                (_, 2) => Stage::Sent(0),
                _ => Stage::Approved,
            };
            out.push(Report {
                unit: a.clone(),
                district: None,
                period,
                stage,
            });
        }
        for (i, (u, d)) in committees.iter().enumerate() {
            let stage = match (q, i) {
                (1, _) => Stage::Approved,
                (_, 0) => Stage::Sent(0),
                (_, 1) | (_, 4) => Stage::Sent(1),
                (_, 5) => Stage::Entering,
                _ => Stage::Approved,
            };
            out.push(Report {
                unit: u.clone(),
                district: Some(d.clone()),
                period,
                stage,
            });
        }
    }
    out
}

/// The values behind the reports: all six fields of a report sent, the documents alone of one
/// being entered.
pub fn values(reports: &[Report]) -> Vec<DataValueInput> {
    let mut out = Vec::new();
    for r in reports {
        let key = format!("{}/{}", r.unit, r.period);
        let u = |salt: &str| unit_interval(&format!("{salt}/{key}"));
        let committee = r.district.is_some();
        let den = if committee {
            2_000.0 + 1_500.0 * u("vb")
        } else {
            1_800.0 + 1_400.0 * u("vb")
        }
        .round() as i64;
        let on_network = ((den as f64) * (0.955 + 0.04 * u("vbm"))).floor() as i64;
        let dossiers = (150.0 + 500.0 * u("hs")).round() as i64;
        let online = ((dossiers as f64) * (0.45 + 0.3 * u("hst"))).floor() as i64;
        let periodic = (8.0 + 10.0 * u("bc")).round() as i64;
        let on_system = ((periodic as f64) * (0.6 + 0.35 * u("bch"))).floor() as i64;
        let fields: &[(&str, i64)] = match r.stage {
            Stage::NotStarted => &[],
            Stage::Entering => &[("VB_DEN", den), ("VB_XL_MANG", on_network)],
            Stage::Sent(_) | Stage::Approved => &[
                ("VB_DEN", den),
                ("VB_XL_MANG", on_network),
                ("HS_TTHC", dossiers),
                ("HS_TRUC_TUYEN", online),
                ("BC_DINH_KY", periodic),
                ("BC_TREN_HT", on_system),
            ],
        };
        for (element, x) in fields {
            out.push(DataValueInput {
                element: c(element),
                unit: r.unit.clone(),
                period: r.period,
                breakdown: None,
                value: x.to_string(),
                comment: Some("Số minh họa".into()),
                source: SourceTag::Illustrative,
            });
        }
    }
    out
}

/// The completions and approval steps of the reports sent.
pub fn steps(reports: &[Report]) -> (Vec<Completion>, Vec<Approval>) {
    let at = |m: u32, d: u32, h: u32| {
        Utc.from_utc_datetime(
            &NaiveDate::from_ymd_opt(2024, m, d)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .unwrap_or_default(),
        )
    };
    let (mut completions, mut approvals) = (Vec::new(), Vec::new());
    for (i, r) in reports.iter().enumerate() {
        let taken = match r.stage {
            Stage::NotStarted | Stage::Entering => continue,
            Stage::Sent(n) => n,
            Stage::Approved => u8::from(r.district.is_some()) + 1,
        };
        // The first quarter is due on 19 March, the second on 19 June; a few are late.
        let (month, due) = if r.period == Period::Quarter(2024, 1) {
            (3, 19)
        } else {
            (6, 19)
        };
        let day = 15 + (i % 8) as u32;
        completions.push(Completion {
            data_set: c(FORM),
            unit: r.unit.clone(),
            period: r.period,
            completed_by: format!("cb-{}", r.unit.as_str().to_lowercase()),
            completed_at: at(month, day, 9),
            on_time: day <= due,
        });
        let mut levels: Vec<(Code, String)> = Vec::new();
        if let Some(d) = &r.district {
            levels.push((d.clone(), format!("huyen-{d}")));
        }
        levels.push((c("58"), "so-khcn".into()));
        for (k, (level, who)) in levels.into_iter().take(taken as usize).enumerate() {
            approvals.push(Approval {
                data_set: c(FORM),
                unit: r.unit.clone(),
                period: r.period,
                step: k as u8 + 1,
                level_unit: level,
                approved_by: who,
                approved_at: at(month, day + 2 + 3 * k as u32, 14),
            });
        }
    }
    (completions, approvals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_quarter_is_under_way() {
        let agencies: Vec<Code> = (0..19).map(|i| c(&format!("58-A{i:02}"))).collect();
        let committees: Vec<(Code, Code)> = (2..9)
            .map(|d| (c(&format!("58{d}-UBND")), c(&format!("58{d}"))))
            .collect();
        let r = reports(&agencies, &committees);
        let q2: Vec<&Report> = r
            .iter()
            .filter(|r| r.period == Period::Quarter(2024, 2))
            .collect();
        let count = |s: Stage| q2.iter().filter(|r| r.stage == s).count();
        assert_eq!(count(Stage::Approved), 12 + 3);
        assert_eq!(count(Stage::Sent(0)), 4 + 1);
        assert_eq!(count(Stage::Sent(1)), 2);
        assert_eq!(count(Stage::Entering), 2 + 1);
        assert_eq!(count(Stage::NotStarted), 1);
        assert!(r
            .iter()
            .filter(|r| r.period == Period::Quarter(2024, 1))
            .all(|r| r.stage == Stage::Approved));
        // The values keep the blocking rules: no more processed than received.
        let v = values(&r);
        let get = |e: &str, u: &Code, p: Period| {
            v.iter()
                .find(|x| x.element.as_str() == e && &x.unit == u && x.period == p)
                .map(|x| x.value.parse::<i64>().unwrap())
        };
        for rep in &r {
            for (num, den) in [
                ("VB_XL_MANG", "VB_DEN"),
                ("HS_TRUC_TUYEN", "HS_TTHC"),
                ("BC_TREN_HT", "BC_DINH_KY"),
            ] {
                if let (Some(n), Some(d)) = (
                    get(num, &rep.unit, rep.period),
                    get(den, &rep.unit, rep.period),
                ) {
                    assert!(n <= d, "{} {}", rep.unit, num);
                }
            }
        }
        let (done, approved) = steps(&r);
        assert_eq!(done.len(), 26 + 22);
        // Q1: 19 one-step + 7 two-step; Q2: 12 + 3×2 approved, two committees at step 1.
        assert_eq!(approved.len(), 19 + 14 + 12 + 6 + 2);
        assert!(done.iter().all(|c| !approved
            .iter()
            .any(|a| a.unit == c.unit && a.period == c.period && a.approved_by == c.completed_by)));
    }
}
