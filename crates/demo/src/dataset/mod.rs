//! The demo data set itself, built in memory (no I/O) so tests can check it before it is stored.

mod elements;
mod frameworks;
mod indicators;
mod units;
mod values;

use chiso_core::{
    Breakdown, Code, DataElement, DataValueInput, Framework, Indicator, Scorecard, SuccessorLink,
    Unit, UnitGroup,
};
use chiso_io::vn_admin;
use chrono::NaiveDate;

/// Everything the demo loads.
pub struct Dataset {
    pub indicators: Vec<Indicator>,
    pub scorecards: Vec<Scorecard>,
    pub frameworks: Vec<Framework>,
    pub units: Vec<Unit>,
    pub links: Vec<SuccessorLink>,
    /// The 2025 communes' areas in km².
    pub areas: Vec<(Code, f64)>,
    pub groups: Vec<UnitGroup>,
    pub breakdowns: Vec<Breakdown>,
    pub elements: Vec<DataElement>,
    pub values: Vec<DataValueInput>,
    /// The 2024 follow-up (as of 30 June 2024): plans, directives, registers.
    pub plans: Vec<chiso_core::plan::Plan>,
    pub directives: Vec<chiso_core::plan::Directive>,
    pub register: Vec<chiso_core::plan::RegisterEntry>,
    /// The electronic data store's synthetic 2023 (see [`crate::p06`]); its figures are
    /// counted from these records when they are loaded (source `derived`).
    pub p06: crate::p06::Records,
}

/// A published ratio the demo reproduces: Σnumerator / Σdenominator over a group's units.
pub struct Published {
    pub what: &'static str,
    pub numerator: &'static str,
    pub denominator: &'static str,
    pub group: &'static str,
    pub year: i32,
    /// The published figure in hundredths of a percent (94.89 % → 9489).
    pub basis_points: i64,
}

pub const PUBLISHED: &[Published] = &[
    Published {
        what: "e-documents, provincial agencies",
        numerator: "VB_XL_MANG",
        denominator: "VB_DEN",
        group: "58_CO_QUAN_TINH",
        year: 2023,
        basis_points: 9890,
    },
    Published {
        what: "e-documents, district tier",
        numerator: "VB_XL_MANG",
        denominator: "VB_DEN",
        group: "58_CAP_HUYEN",
        year: 2023,
        basis_points: 9652,
    },
    Published {
        what: "e-documents, commune tier",
        numerator: "VB_XL_MANG",
        denominator: "VB_DEN",
        group: "58_CAP_XA",
        year: 2023,
        basis_points: 9489,
    },
    Published {
        what: "personal digital signatures",
        numerator: "CB_KY_SO",
        denominator: "CB_TONG",
        group: "58_TOAN_TINH",
        year: 2023,
        basis_points: 9722,
    },
    Published {
        what: "personal digital signatures 2022 (derived: 97.22 − 9.48 points)",
        numerator: "CB_KY_SO",
        denominator: "CB_TONG",
        group: "58_TOAN_TINH",
        year: 2022,
        basis_points: 8774,
    },
    Published {
        what: "53 essential public services",
        numerator: "DVC53_HS_TRUC_TUYEN",
        denominator: "DVC53_HS_NHAN",
        group: "58_TINH",
        year: 2023,
        basis_points: 8520,
    },
    Published {
        what: "digital addresses, % of plan",
        numerator: "DCS_THU_THAP",
        denominator: "DCS_KE_HOACH",
        group: "58_CAP_XA",
        year: 2023,
        basis_points: 10000,
    },
    Published {
        what: "e-ID activation, % of assigned target",
        numerator: "VNEID_KICH_HOAT",
        denominator: "VNEID_CHI_TIEU",
        group: "58_CONG_AN",
        year: 2023,
        basis_points: 10000,
    },
];

fn c(s: &str) -> Code {
    // Every code below is a literal checked by the tests.
    Code::parse(s).unwrap_or_else(|e| panic!("demo code {s}: {e}"))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Build the whole demo.
pub fn dataset() -> anyhow::Result<Dataset> {
    let admin = vn_admin::embedded(Some("58")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut units = admin.units;
    units::add_organisations(&mut units);
    let tiers = units::Tiers::of(&units);
    let groups = units::groups(&tiers);
    let never_reported = crate::collection::never_reported_2023(&units);
    let mut values_2023 = values::values(&tiers, &never_reported)?;
    // The agencies' and district committees' 2024 quarters, under way on 30 June 2024.
    let mut agencies: Vec<Code> = tiers.agencies.iter().map(|u| u.code.clone()).collect();
    agencies.sort();
    let mut committees: Vec<(Code, Code)> = tiers
        .districts
        .iter()
        .filter_map(|u| Some((u.code.clone(), u.parent.clone()?)))
        .collect();
    committees.sort();
    values_2023.extend(crate::quarters::values(&crate::quarters::reports(
        &agencies,
        &committees,
    )));

    // The 2024 follow-up, and the figures derived from it for 2023 and 2024 as of its day.
    let follow = crate::followup::build(&units, &tiers.communes, &values_2023);
    let mut values = values_2023;
    values.extend(follow.values);
    let (y, m, day) = crate::followup::AS_OF;
    let as_of = date(y, m, day);
    for year in [2023, 2024] {
        values.extend(chiso_core::derived::values(
            year,
            as_of,
            &units,
            &follow.plans,
            &follow.directives,
            &follow.register,
        ));
    }
    // The electronic data store's records (their figures are written with them: see
    // `crate::p06`).
    let p06 = crate::p06::records();
    let mut elements = elements::elements();
    elements.extend(chiso_core::derived::elements());
    elements.extend(chiso_p06::figures::elements());
    let mut indicators = indicators::indicators();
    indicators.extend(chiso_core::derived::indicators(true));
    indicators.extend(chiso_p06::figures::indicators());
    Ok(Dataset {
        indicators,
        frameworks: vec![
            frameworks::framework_2023(),
            crate::followup::framework_2024(),
        ],
        scorecards: vec![frameworks::commune_scorecard()],
        units,
        links: admin.links,
        areas: admin.areas,
        groups,
        breakdowns: elements::breakdowns(),
        elements,
        values,
        plans: follow.plans,
        directives: follow.directives,
        register: follow.register,
        p06,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiso_core::plan::{PlanStatus, RegisterEntry};
    use chiso_core::{Period, SourceTag, UnitKind};
    use std::collections::{HashMap, HashSet};

    fn sums(d: &Dataset, element: &str, group: &str, year: i32) -> i64 {
        let g = d.groups.iter().find(|g| g.code.as_str() == group).unwrap();
        let members: HashSet<&str> = g.members.iter().map(|m| m.as_str()).collect();
        d.values
            .iter()
            .filter(|v| {
                v.element.as_str() == element
                    && v.period == Period::Year(year)
                    && members.contains(v.unit.as_str())
            })
            .map(|v| v.value.parse::<i64>().unwrap())
            .sum()
    }

    #[test]
    fn published_ratios_are_exact() {
        let d = dataset().unwrap();
        for p in PUBLISHED {
            let num = sums(&d, p.numerator, p.group, p.year);
            let den = sums(&d, p.denominator, p.group, p.year);
            assert!(den > 0, "{}", p.what);
            assert_eq!(
                num * 10_000,
                den * p.basis_points,
                "{}: {num} / {den}",
                p.what
            );
        }
    }

    #[test]
    fn communes_that_never_reported_2023_have_no_2023_figures() {
        let d = dataset().unwrap();
        let missing = crate::collection::never_reported_2023(&d.units);
        assert_eq!(missing.len(), 4);
        let derived: HashSet<Code> = chiso_core::derived::elements()
            .into_iter()
            .map(|e| e.code)
            .collect();
        let theirs: Vec<&DataValueInput> = d
            .values
            .iter()
            .filter(|v| v.period == Period::Year(2023) && missing.contains(&v.unit))
            .filter(|v| !derived.contains(&v.element))
            .collect();
        assert!(theirs.is_empty(), "{theirs:?}");
        // Their 2022 figures are there, and so are the others' 2023 ones.
        let y22 = |u: &Code| {
            d.values
                .iter()
                .any(|v| v.period == Period::Year(2022) && &v.unit == u)
        };
        assert!(missing.iter().all(y22));
        let communes_2023: HashSet<&Code> = d
            .values
            .iter()
            .filter(|v| v.period == Period::Year(2023) && v.element.as_str() == "VB_DEN")
            .filter(|v| v.unit.as_str().chars().all(|c| c.is_ascii_digit()))
            .map(|v| &v.unit)
            .collect();
        assert_eq!(communes_2023.len(), 58);
    }

    #[test]
    fn shape_of_the_demo() {
        let d = dataset().unwrap();
        let count = |k: UnitKind| {
            d.units
                .iter()
                .filter(|u| u.kind == k && !u.code.as_str().starts_with("2025-"))
                .count()
        };
        assert_eq!(count(UnitKind::District), 7);
        assert_eq!(count(UnitKind::Commune), 62);
        // 19 provincial agencies and the 7 district People's Committees.
        assert_eq!(count(UnitKind::Agency), 26);
        let committees = &d
            .groups
            .iter()
            .find(|g| g.code.as_str() == "58_CAP_HUYEN")
            .unwrap()
            .members;
        assert_eq!(committees.len(), 7);
        assert!(committees.iter().all(|c| c.as_str().ends_with("-UBND")));
        assert!(d.units.iter().any(|u| u.code.as_str() == "2025-56"));
        // Every value is labelled, with a known element, and keys are unique.
        let elements: HashMap<&str, &DataElement> =
            d.elements.iter().map(|e| (e.code.as_str(), e)).collect();
        let mut keys = HashSet::new();
        for v in &d.values {
            let e = elements
                .get(v.element.as_str())
                .unwrap_or_else(|| panic!("{}", v.element));
            chiso_core::ParsedValue::parse(e.value_type, &v.value).unwrap();
            assert!(
                keys.insert((
                    v.element.clone(),
                    v.unit.clone(),
                    v.period,
                    v.breakdown.clone()
                )),
                "{v:?}"
            );
            assert!(matches!(
                v.source,
                SourceTag::Published | SourceTag::Derived | SourceTag::Illustrative
            ));
        }
        for y in [2022, 2023] {
            assert!(d.values.iter().any(|v| v.period == Period::Year(y)));
        }
        // Non-cash turnover: published 2023 and the derived 2022 differ by the published 67,436.
        let tt = |y| {
            d.values
                .iter()
                .find(|v| v.element.as_str() == "TT_KHONG_TIEN_MAT" && v.period == Period::Year(y))
                .unwrap()
                .value
                .parse::<i64>()
                .unwrap()
        };
        assert_eq!(tt(2023) - tt(2022), 67_436);
        // The 14 cleaning criteria are all done.
        assert_eq!(
            d.values
                .iter()
                .filter(|v| v.element.as_str() == "LSDL_HOAN_THANH" && v.value == "true")
                .count(),
            14
        );
        // The ID cards were finished 52 days before the deadline.
        let dv = |e: &str| {
            NaiveDate::parse_from_str(
                &d.values
                    .iter()
                    .find(|v| v.element.as_str() == e)
                    .unwrap()
                    .value,
                "%Y-%m-%d",
            )
            .unwrap()
        };
        assert_eq!((dv("CCCD_HAN") - dv("CCCD_HOAN_THANH")).num_days(), 52);
        // Some communes still have no DX product.
        let none = d
            .values
            .iter()
            .filter(|v| v.element.as_str() == "SP_CDS_DANG_KY" && v.value == "0")
            .count();
        assert!(none > 0 && none < 62, "{none}");
    }

    #[test]
    fn the_follow_up_as_of_june_2024() {
        let d = dataset().unwrap_or_else(|e| panic!("{e}"));
        let day = date(2024, 6, 30);
        let overdue: Vec<&str> = d
            .directives
            .iter()
            .filter(|x| x.overdue(day))
            .map(|x| x.text.as_str())
            .collect();
        assert!(overdue.iter().any(|t| t.contains("5G")), "{overdue:?}");
        assert!(d.directives.iter().any(|x| x.done_by(day)));
        assert!(d
            .directives
            .iter()
            .any(|x| !x.overdue(day) && !x.done_by(day)));
        // Plans of agencies and communes, linked to the unmet 2023 targets.
        let targets: HashSet<&str> = d
            .plans
            .iter()
            .flat_map(|p| &p.tasks)
            .flat_map(|t| &t.targets)
            .map(|c| c.as_str())
            .collect();
        for unmet in [
            "KH2023_04",
            "KH2023_05",
            "KH2023_07",
            "KH2023_12",
            "KH2023_22",
            "KH2023_23",
        ] {
            assert!(targets.contains(unmet), "{unmet}");
        }
        assert!(d.plans.iter().any(|p| p.status == PlanStatus::Submitted));
        // Partial commune coverage: some communes have a product, some none.
        let communes: Vec<&chiso_core::Unit> = d
            .units
            .iter()
            .filter(|u| {
                u.kind == chiso_core::UnitKind::Commune && !u.code.as_str().starts_with("2025-")
            })
            .collect();
        let owners: HashSet<&str> = d
            .register
            .iter()
            .filter_map(|e| match e {
                RegisterEntry::Product(p) => Some(p.owner.as_str()),
                _ => None,
            })
            .collect();
        let without = communes
            .iter()
            .filter(|u| !owners.contains(u.code.as_str()))
            .count();
        assert!(without > 0 && without < communes.len() / 2, "{without}");
        // Every derived value is labelled derived.
        assert!(d
            .values
            .iter()
            .filter(|v| v.element.as_str() == "KH_DA_DUYET")
            .all(|v| v.source == chiso_core::SourceTag::Derived));
    }
}
