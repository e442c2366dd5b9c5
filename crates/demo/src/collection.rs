//! The demo's data collection: the commune form with its reports of 2022 and 2023 received
//! and approved at every level (illustrative: four communes never sent their 2023 report, some
//! were late), the quarterly form of the provincial agencies and the district committees under
//! the Decree 09/2019 cut-off with the reports of 2024 under way, validation rules, and the
//! reporting-rate indicator built on them. See `docs/demo.md`.

use crate::Dataset;
use chiso_core::{
    Approval, Code, Completion, Convention, DataSet, Direction, Indicator, Period, PeriodType,
    Reporters, RuleOperator, Severity, UnitKind, ValidationRule,
};
use chrono::{NaiveDate, TimeZone, Utc};
use std::collections::BTreeSet;

pub struct Collection {
    pub data_sets: Vec<DataSet>,
    pub rules: Vec<ValidationRule>,
    pub indicators: Vec<Indicator>,
    pub completions: Vec<Completion>,
    pub approvals: Vec<Approval>,
}

fn c(s: &str) -> Code {
    Code::parse(s).unwrap_or_else(|e| panic!("demo code {s}: {e}"))
}

fn rule(
    code: &str,
    vi: &str,
    en: &str,
    left: &str,
    op: RuleOperator,
    right: &str,
    severity: Severity,
) -> ValidationRule {
    ValidationRule {
        code: c(code),
        name_vi: vi.into(),
        name_en: Some(en.into()),
        left: left.into(),
        operator: op,
        right: right.into(),
        severity,
    }
}

/// The commune form's compulsory fields: what the 2023 targets (`docs/demo.md`) are computed
/// from.
const COMMUNE_COMPULSORY: [&str; 19] = [
    "VB_DEN",
    "VB_XL_MANG",
    "CB_TONG",
    "CB_KY_SO",
    "CB_DINH_DANH",
    "HS_TTHC",
    "HS_TRUC_TUYEN",
    "DCS_KE_HOACH",
    "DCS_THU_THAP",
    "DAN_SO",
    "DAN_CO_HSSK",
    "NGUOI_TRUONG_THANH",
    "NGUOI_TT_CO_DTTM",
    "HO_GIA_DINH",
    "HO_CAP_QUANG",
    "DAN_15_TUOI",
    "DAN_15_CO_TKTT",
    "THON_TONG",
    "THON_KHONG_LOM_SONG",
];

/// Communes that never sent their 2023 report (illustrative), by position in code order.
const MISSING: [usize; 4] = [7, 23, 41, 58];
/// Communes that sent it late (after 15 January 2024).
const LATE_EVERY: usize = 9;

/// The communes of a year in code order (the legacy ones, existing through the year).
fn communes_of(units: &[chiso_core::Unit], year: i32) -> Vec<&chiso_core::Unit> {
    let Some(y) = Period::year(year) else {
        return Vec::new();
    };
    let mut out: Vec<&chiso_core::Unit> = units
        .iter()
        .filter(|u| {
            u.kind == UnitKind::Commune && u.code.as_str().chars().all(|ch| ch.is_ascii_digit())
        })
        .filter(|u| u.exists_during(y.start(), y.end()))
        .collect();
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// The communes that never sent their 2023 report: they have no 2023 report values, and the
/// commune tier's published figures are calibrated on the others.
pub fn never_reported_2023(units: &[chiso_core::Unit]) -> BTreeSet<Code> {
    communes_of(units, 2023)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| MISSING.contains(i))
        .map(|(_, u)| u.code.clone())
        .collect()
}

/// The 2024 quarterly reports of the provincial agencies and the district committees.
pub(crate) fn quarterly_reports(d: &Dataset) -> Vec<crate::quarters::Report> {
    let members = |g: &str| -> Vec<Code> {
        let mut m: Vec<Code> = d
            .groups
            .iter()
            .find(|x| x.code.as_str() == g)
            .map(|x| x.members.clone())
            .unwrap_or_default();
        m.sort();
        m
    };
    let committees: Vec<(Code, Code)> = members("58_CAP_HUYEN")
        .into_iter()
        .filter_map(|u| {
            let parent = d.units.iter().find(|x| x.code == u)?.parent.clone()?;
            Some((u, parent))
        })
        .collect();
    crate::quarters::reports(&members("58_CO_QUAN_TINH"), &committees)
}

pub fn collection(d: &Dataset) -> Collection {
    let kind_of = |code: &Code| d.units.iter().find(|u| &u.code == code).map(|u| u.kind);
    let y2023 = Period::year(2023).unwrap_or_else(|| panic!("2023 is a year"));
    // The commune form holds what communes reported for 2023 — not the figures chiso derives
    // from plans and registers.
    let derived: BTreeSet<Code> = chiso_core::derived::elements()
        .into_iter()
        .map(|e| e.code)
        .collect();
    let commune_elements: BTreeSet<Code> = d
        .values
        .iter()
        .filter(|v| v.period == y2023 && kind_of(&v.unit) == Some(UnitKind::Commune))
        .filter(|v| !derived.contains(&v.element))
        .map(|v| v.element.clone())
        .collect();
    let order: Vec<Code> = d
        .elements
        .iter()
        .filter(|e| commune_elements.contains(&e.code))
        .map(|e| e.code.clone())
        .collect();
    // Compulsory: the fields the 2023 targets are computed from (documents on the network,
    // digital signatures and identities, online dossiers, digital addresses, health records,
    // smartphones, fibre, payment accounts, villages without dead zones). Community teams,
    // people trained and products registered have no target and may be left empty.
    let compulsory: Vec<Code> = order
        .iter()
        .filter(|e| COMMUNE_COMPULSORY.contains(&e.as_str()))
        .cloned()
        .collect();
    let commune_form = DataSet {
        code: c("BM_CDS_XA"),
        name_vi: "Biểu số liệu chuyển đổi số cấp xã (năm)".into(),
        name_en: Some("Commune digital-transformation figures (yearly)".into()),
        period_type: PeriodType::Year,
        convention: Convention::Calendar,
        elements: order,
        compulsory,
        // Every commune the database holds: Ninh Thuận's 62 until 30 June 2025, then the
        // communes of Khánh Hòa that took them over (approved by the province alone).
        reporters: vec![Reporters::Kind(UnitKind::Commune)],
        scope: None,
        open_days: -365,
        due_days: 15,
        lock_days: Some(90),
        approval: true,
    };
    let agency_elements: Vec<Code> = [
        "VB_DEN",
        "VB_XL_MANG",
        "HS_TTHC",
        "HS_TRUC_TUYEN",
        "BC_DINH_KY",
        "BC_TREN_HT",
    ]
    .into_iter()
    .map(c)
    .collect();
    let agency_form = DataSet {
        code: c(crate::quarters::FORM),
        name_vi: "Báo cáo chuyển đổi số hằng quý của sở, ban, ngành và UBND cấp huyện".into(),
        name_en: Some(
            "Quarterly digital-transformation report of provincial agencies and district \
             People's Committees"
                .into(),
        ),
        period_type: PeriodType::Quarter,
        convention: Convention::CutOff,
        // Every field of the agencies' form is compulsory.
        compulsory: agency_elements.clone(),
        elements: agency_elements,
        reporters: vec![
            Reporters::Group(c("58_CO_QUAN_TINH")),
            Reporters::Group(c("58_CAP_HUYEN")),
        ],
        scope: None,
        open_days: -30,
        due_days: 5,
        lock_days: Some(30),
        approval: true,
    };
    use RuleOperator::*;
    use Severity::*;
    let rules = vec![
        rule(
            "VB_MANG_LE_DEN",
            "Văn bản xử lý trên môi trường mạng không được nhiều hơn văn bản đến",
            "Documents processed on the network cannot exceed documents received",
            "#{VB_XL_MANG}",
            LessOrEqual,
            "#{VB_DEN}",
            Block,
        ),
        rule(
            "HS_TT_LE_TONG",
            "Hồ sơ xử lý trực tuyến không được nhiều hơn hồ sơ tiếp nhận",
            "Dossiers processed online cannot exceed dossiers received",
            "#{HS_TRUC_TUYEN}",
            LessOrEqual,
            "#{HS_TTHC}",
            Block,
        ),
        rule(
            "CB_KY_SO_LE_TONG",
            "Số người dùng chữ ký số không được nhiều hơn tổng số cán bộ",
            "Officials using digital signatures cannot exceed all officials",
            "#{CB_KY_SO}",
            LessOrEqual,
            "#{CB_TONG}",
            Block,
        ),
        rule(
            "BC_HT_LE_DINH_KY",
            "Báo cáo trên hệ thống không được nhiều hơn báo cáo định kỳ",
            "Reports on the system cannot exceed periodic reports",
            "#{BC_TREN_HT}",
            LessOrEqual,
            "#{BC_DINH_KY}",
            Block,
        ),
        rule(
            "HS_SO_HOA_LE_CAN",
            "Hồ sơ đã số hoá nhiều hơn số phải số hoá: kiểm tra lại",
            "More dossiers digitised than required: check",
            "#{HS_SO_HOA}",
            LessOrEqual,
            "#{HS_CAN_SO_HOA}",
            Warn,
        ),
    ];
    let indicators = vec![
        Indicator {
            code: c("TL_XA_BAO_CAO"),
            name_vi: "Tỷ lệ xã gửi báo cáo chuyển đổi số".into(),
            name_en: Some("Communes that sent their DX report".into()),
            numerator: "R{BM_CDS_XA.ACTUAL_REPORTS}".into(),
            denominator: "R{BM_CDS_XA.EXPECTED_REPORTS}".into(),
            factor: 100.0,
            decimals: 1,
            direction: Direction::HigherIsBetter,
            unit_label: Some("%".into()),
            is_rate: true,
            description: Some("Báo cáo đã nhận / báo cáo phải nộp của biểu BM_CDS_XA.".into()),
            published: false,
        },
        Indicator {
            code: c("TL_XA_DUNG_HAN"),
            name_vi: "Tỷ lệ xã gửi báo cáo đúng hạn".into(),
            name_en: Some("Communes that reported on time".into()),
            numerator: "R{BM_CDS_XA.ACTUAL_REPORTS_ON_TIME}".into(),
            denominator: "R{BM_CDS_XA.EXPECTED_REPORTS}".into(),
            factor: 100.0,
            decimals: 1,
            direction: Direction::HigherIsBetter,
            unit_label: Some("%".into()),
            is_rate: true,
            description: Some("Báo cáo nộp đúng hạn / báo cáo phải nộp của biểu BM_CDS_XA.".into()),
            published: false,
        },
    ];
    let mut completions = Vec::new();
    let mut approvals = Vec::new();
    let at = |y: i32, m: u32, day: u32, h: u32| {
        Utc.from_utc_datetime(
            &NaiveDate::from_ymd_opt(y, m, day)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .unwrap_or_default(),
        )
    };
    // Both steps of a commune's report: its district, then the province.
    let mut approve = |u: &chiso_core::Unit, period: Period, (y, m1, d1): (i32, u32, u32)| {
        let Some(dist) = u.parent.clone() else {
            return;
        };
        approvals.push(Approval {
            data_set: commune_form.code.clone(),
            unit: u.code.clone(),
            period,
            step: 1,
            level_unit: dist.clone(),
            approved_by: format!("huyen-{dist}"),
            approved_at: at(y, m1, d1, 14),
        });
        approvals.push(Approval {
            data_set: commune_form.code.clone(),
            unit: u.code.clone(),
            period,
            step: 2,
            level_unit: c("58"),
            approved_by: "so-khcn".into(),
            approved_at: at(y, m1, d1 + 10, 10),
        });
    };
    // 2022: every commune reported on time, and the reports were approved in February 2023.
    let y2022 = Period::year(2022).unwrap_or_else(|| panic!("2022 is a year"));
    for (i, u) in communes_of(&d.units, 2022).into_iter().enumerate() {
        completions.push(Completion {
            data_set: commune_form.code.clone(),
            unit: u.code.clone(),
            period: y2022,
            completed_by: format!("xa-{}", u.code),
            completed_at: at(2023, 1, 3 + (i % 12) as u32, 9),
            on_time: true,
        });
        approve(u, y2022, (2023, 2, 1 + (i % 10) as u32));
    }
    // 2023: four never reported, every ninth was late; the others were approved by their
    // district in February 2024 and by the province ten days later — the figures the
    // province published stand on them.
    for (i, u) in communes_of(&d.units, 2023).into_iter().enumerate() {
        if MISSING.contains(&i) {
            continue;
        }
        let late = i % LATE_EVERY == 4;
        let day = if late {
            20 + (i % 8) as u32
        } else {
            3 + (i % 12) as u32
        };
        completions.push(Completion {
            data_set: commune_form.code.clone(),
            unit: u.code.clone(),
            period: y2023,
            completed_by: format!("xa-{}", u.code),
            completed_at: at(2024, 1, day, 9),
            on_time: !late,
        });
        approve(u, y2023, (2024, 2, 1 + (i % 10) as u32));
    }
    // 2024: the agencies' and district committees' quarters, under way.
    let (done, steps) = crate::quarters::steps(&quarterly_reports(d));
    completions.extend(done);
    approvals.extend(steps);
    Collection {
        data_sets: vec![commune_form, agency_form],
        rules,
        indicators,
        completions,
        approvals,
    }
}
