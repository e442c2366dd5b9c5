//! Figures derived from plans, directives and registers, kept as ordinary data values (source
//! `derived`) so that the engine, the analytics API, dashboards and reports answer them like
//! any other indicator. Recomputed for a whole year after every change and written through
//! the one write path; values that did not change are left alone.
//!
//! Every derived element is written for every unit that exists during the year (0 when it has
//! none), so a figure that moves from one unit to another leaves no stale value behind.

use crate::code::Code;
use crate::element::{AggregationType, DataElement, ValueType};
use crate::indicator::{Direction, Indicator};
use crate::period::Period;
use crate::plan::{Directive, DirectiveStatus, Plan, PlanStatus, RegisterEntry, TaskStatus};
use crate::unit::{Unit, UnitKind};
use crate::value::{DataValueInput, SourceTag};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The `meta` key holding the day plans, directives and registers are read at (the demo's
/// 30 June 2024); without it, today.
pub const AS_OF_META: &str = "plans_as_of";

/// The comment every derived value carries.
pub const COMMENT: &str =
    "Tính tự động từ kế hoạch, chỉ đạo và sổ đăng ký (computed from plans, directives and registers)";

/// (code, Vietnamese name, English name, unit of measure)
const ELEMENTS: &[(&str, &str, &str, &str)] = &[
    (
        "KH_THUOC_DIEN",
        "Đơn vị phải có kế hoạch CĐS năm (cơ quan, UBND cấp huyện, cấp xã)",
        "Units required to have a yearly DX plan (agencies and communes)",
        "đơn vị",
    ),
    (
        "KH_DA_DUYET",
        "Đơn vị có kế hoạch CĐS năm đã được phê duyệt",
        "Units with an approved yearly DX plan",
        "đơn vị",
    ),
    (
        "CV_TONG",
        "Nhiệm vụ trong kế hoạch CĐS",
        "Tasks in DX plans",
        "nhiệm vụ",
    ),
    (
        "CV_CHUA_BAT_DAU",
        "Nhiệm vụ chưa bắt đầu",
        "Tasks not started",
        "nhiệm vụ",
    ),
    (
        "CV_DANG_THUC_HIEN",
        "Nhiệm vụ đang thực hiện",
        "Tasks in progress",
        "nhiệm vụ",
    ),
    (
        "CV_HOAN_THANH",
        "Nhiệm vụ đã hoàn thành",
        "Tasks done",
        "nhiệm vụ",
    ),
    (
        "CV_DEN_HAN",
        "Nhiệm vụ đã đến hạn",
        "Tasks past their due date",
        "nhiệm vụ",
    ),
    (
        "CV_DUNG_HAN",
        "Nhiệm vụ hoàn thành đúng hạn",
        "Tasks done on time",
        "nhiệm vụ",
    ),
    (
        "CV_QUA_HAN",
        "Nhiệm vụ quá hạn chưa hoàn thành",
        "Tasks overdue",
        "nhiệm vụ",
    ),
    (
        "NS_PHAN_BO",
        "Kinh phí được phân bổ cho nhiệm vụ CĐS",
        "Budget allocated to DX tasks",
        "đồng",
    ),
    (
        "NS_DA_CHI",
        "Kinh phí đã chi cho nhiệm vụ CĐS",
        "Budget spent on DX tasks",
        "đồng",
    ),
    (
        "CD_TONG",
        "Chỉ đạo được giao (theo hạn trong năm)",
        "Directives assigned (due in the year)",
        "chỉ đạo",
    ),
    (
        "CD_HOAN_THANH",
        "Chỉ đạo đã hoàn thành",
        "Directives done",
        "chỉ đạo",
    ),
    (
        "CD_QUA_HAN",
        "Chỉ đạo quá hạn chưa hoàn thành",
        "Directives overdue",
        "chỉ đạo",
    ),
    (
        "SP_CDS_SO",
        "Sản phẩm CĐS đã đăng ký (sổ đăng ký)",
        "DX products in the register",
        "sản phẩm",
    ),
    (
        "SP_CDS_CO",
        "Đơn vị có ít nhất một sản phẩm CĐS",
        "Units with at least one DX product",
        "đơn vị",
    ),
    (
        "HTTT_TONG",
        "Hệ thống thông tin, cơ sở dữ liệu",
        "Information systems and databases",
        "hệ thống",
    ),
    (
        "HTTT_KET_NOI",
        "Hệ thống đã kết nối CSDL quốc gia về dân cư hoặc nền tảng NDXP",
        "Systems connected to the population database or the NDXP",
        "hệ thống",
    ),
    (
        "HTTT_KET_NOI_LGSP",
        "Hệ thống đã kết nối nền tảng tích hợp, chia sẻ dữ liệu của tỉnh (LGSP)",
        "Systems connected to the provincial integration platform (LGSP)",
        "hệ thống",
    ),
    (
        "DT_THOA_THUAN",
        "Thỏa thuận hợp tác chiến lược về CĐS",
        "Strategic DX partnership agreements",
        "thỏa thuận",
    ),
    (
        "VUNG_LOM_CON",
        "Vùng lõm sóng chưa xử lý",
        "Open mobile-signal dead zones",
        "vùng",
    ),
    (
        "THON_LOM_SONG_CON",
        "Thôn còn vùng lõm sóng",
        "Villages with an open dead zone",
        "thôn",
    ),
];

/// The data elements the derived figures are kept in.
pub fn elements() -> Vec<DataElement> {
    ELEMENTS
        .iter()
        .filter_map(|(code, vi, en, uom)| {
            Some(DataElement {
                code: Code::parse(code).ok()?,
                name_vi: vi.to_string(),
                name_en: Some(en.to_string()),
                value_type: ValueType::IntegerZeroOrPositive,
                aggregation: AggregationType::Sum,
                unit_of_measure: Some(uom.to_string()),
                breakdown: None,
                description: Some(COMMENT.to_string()),
            })
        })
        .collect()
}

/// (code, vi, en, numerator, denominator, rate, unit label, direction higher-is-better)
type IndicatorRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
    bool,
);

const INDICATORS: &[IndicatorRow] = &[
    (
        "KH_DUYET_TY_LE",
        "Tỷ lệ đơn vị có kế hoạch CĐS năm được phê duyệt",
        "Units with an approved yearly DX plan",
        "#{KH_DA_DUYET}",
        "#{KH_THUOC_DIEN}",
        true,
        "%",
        true,
    ),
    (
        "CV_HOAN_THANH_TY_LE",
        "Tỷ lệ nhiệm vụ CĐS đã hoàn thành",
        "DX tasks done",
        "#{CV_HOAN_THANH}",
        "#{CV_TONG}",
        true,
        "%",
        true,
    ),
    (
        "CV_DUNG_HAN_TY_LE",
        "Tỷ lệ nhiệm vụ đến hạn hoàn thành đúng hạn",
        "On-time rate of DX tasks due",
        "#{CV_DUNG_HAN}",
        "#{CV_DEN_HAN}",
        true,
        "%",
        true,
    ),
    (
        "CV_QUA_HAN_SO",
        "Nhiệm vụ CĐS quá hạn",
        "Overdue DX tasks",
        "#{CV_QUA_HAN}",
        "1",
        false,
        "nhiệm vụ",
        false,
    ),
    (
        "NS_PHAN_BO_TONG",
        "Kinh phí CĐS được phân bổ",
        "DX budget allocated",
        "#{NS_PHAN_BO}",
        "1",
        false,
        "đồng",
        true,
    ),
    (
        "NS_DA_CHI_TONG",
        "Kinh phí CĐS đã chi",
        "DX budget spent",
        "#{NS_DA_CHI}",
        "1",
        false,
        "đồng",
        true,
    ),
    (
        "NS_GIAI_NGAN_TY_LE",
        "Tỷ lệ kinh phí CĐS đã chi trên phân bổ",
        "DX budget spent of allocated",
        "#{NS_DA_CHI}",
        "#{NS_PHAN_BO}",
        true,
        "%",
        true,
    ),
    (
        "CD_HOAN_THANH_TY_LE",
        "Tỷ lệ chỉ đạo đã hoàn thành",
        "Directives done",
        "#{CD_HOAN_THANH}",
        "#{CD_TONG}",
        true,
        "%",
        true,
    ),
    (
        "CD_QUA_HAN_SO",
        "Chỉ đạo quá hạn",
        "Overdue directives",
        "#{CD_QUA_HAN}",
        "1",
        false,
        "chỉ đạo",
        false,
    ),
    (
        "SP_CDS_PHU_TY_LE",
        "Tỷ lệ đơn vị có ít nhất một sản phẩm CĐS",
        "Units with at least one DX product",
        "#{SP_CDS_CO}",
        "#{KH_THUOC_DIEN}",
        true,
        "%",
        true,
    ),
    (
        "SP_CDS_SO_DK",
        "Sản phẩm CĐS trong sổ đăng ký",
        "DX products in the register",
        "#{SP_CDS_SO}",
        "1",
        false,
        "sản phẩm",
        true,
    ),
    (
        "HTTT_KET_NOI_TY_LE",
        "Tỷ lệ hệ thống thông tin kết nối hệ thống quốc gia",
        "Information systems connected to national systems",
        "#{HTTT_KET_NOI}",
        "#{HTTT_TONG}",
        true,
        "%",
        true,
    ),
    (
        "HTTT_LGSP_TY_LE",
        "Tỷ lệ hệ thống thông tin kết nối LGSP của tỉnh",
        "Information systems connected to the provincial LGSP",
        "#{HTTT_KET_NOI_LGSP}",
        "#{HTTT_TONG}",
        true,
        "%",
        true,
    ),
    (
        "VUNG_LOM_CON_SO",
        "Vùng lõm sóng chưa xử lý",
        "Open mobile-signal dead zones",
        "#{VUNG_LOM_CON}",
        "1",
        false,
        "vùng",
        false,
    ),
    (
        "THON_HET_LOM_SONG_SDK_TY_LE",
        "Tỷ lệ thôn không còn vùng lõm sóng (theo sổ vùng lõm)",
        "Villages free of dead zones (from the dead-zone register)",
        "#{THON_TONG} - #{THON_LOM_SONG_CON}",
        "#{THON_TONG}",
        true,
        "%",
        true,
    ),
];

/// The indicators over the derived elements. `THON_HET_LOM_SONG_SDK_TY_LE` also needs the
/// element `THON_TONG` (villages), which the framework defines; it is left out when the
/// store has no such element (`has_villages` false).
pub fn indicators(has_villages: bool) -> Vec<Indicator> {
    INDICATORS
        .iter()
        .filter(|row| has_villages || !row.3.contains("THON_TONG"))
        .filter_map(|&(code, vi, en, num, den, rate, unit, higher)| {
            Some(Indicator {
                code: Code::parse(code).ok()?,
                name_vi: vi.to_string(),
                name_en: Some(en.to_string()),
                numerator: num.to_string(),
                denominator: den.to_string(),
                factor: if rate { 100.0 } else { 1.0 },
                decimals: if rate { 1 } else { 0 },
                direction: if higher {
                    Direction::HigherIsBetter
                } else {
                    Direction::LowerIsBetter
                },
                unit_label: Some(unit.to_string()),
                is_rate: rate,
                description: Some(COMMENT.to_string()),
                published: false,
            })
        })
        .collect()
}

/// The day a year's figures are taken on: its last day, or `today` while the year runs.
pub fn as_of(year: i32, today: NaiveDate) -> NaiveDate {
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
    end.min(today)
}

fn exists_in(u: &Unit, year: i32) -> bool {
    let (Some(start), Some(end)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return false;
    };
    u.valid_from.is_none_or(|f| f <= end) && u.valid_to.is_none_or(|t| t >= start)
}

/// Units that must have a yearly plan and count in product coverage: agencies (the
/// provincial tier and the district committees) and communes.
pub fn required(u: &Unit) -> bool {
    matches!(u.kind, UnitKind::Agency | UnitKind::Commune)
}

/// The years a plan, a directive or a register entry can change the figures of.
pub fn years_of_dates(dates: &[NaiveDate], today: NaiveDate) -> BTreeSet<i32> {
    use chrono::Datelike;
    let Some(first) = dates.iter().map(|d| d.year()).min() else {
        return BTreeSet::new();
    };
    let last = dates
        .iter()
        .map(|d| d.year())
        .max()
        .unwrap_or(first)
        .max(today.year());
    // A register entry counts from its first date on; at most 20 years are recomputed.
    (first..=last).rev().take(20).collect()
}

/// The units whose figures can be derived: those in the trees (below the same root) as any
/// unit a plan, a directive or a register entry names, or `touched` (the units a removed or
/// moved entry named, whose figures must fall back to 0). A national database recomputes
/// only the provinces that track plans, not every commune of the country.
pub fn units_in_scope(
    units: &[Unit],
    plans: &[Plan],
    directives: &[Directive],
    register: &[RegisterEntry],
    touched: &[Code],
) -> Vec<Unit> {
    let parent: HashMap<&str, Option<&str>> = units
        .iter()
        .map(|u| (u.code.as_str(), u.parent.as_ref().map(|p| p.as_str())))
        .collect();
    let root = |c: &str| -> String {
        let mut at = c.to_string();
        for _ in 0..64 {
            match parent.get(at.as_str()).copied().flatten() {
                Some(p) => at = p.to_string(),
                None => break,
            }
        }
        at
    };
    let mut named: Vec<&Code> = touched.iter().collect();
    for p in plans {
        named.extend(p.units());
    }
    for d in directives {
        named.extend(&d.assignees);
    }
    for e in register {
        named.extend(e.units());
    }
    let roots: BTreeSet<String> = named.into_iter().map(|c| root(c.as_str())).collect();
    units
        .iter()
        .filter(|u| roots.contains(&root(u.code.as_str())))
        .cloned()
        .collect()
}

/// The derived values of one year for every unit that exists during it.
pub fn values(
    year: i32,
    today: NaiveDate,
    units: &[Unit],
    plans: &[Plan],
    directives: &[Directive],
    register: &[RegisterEntry],
) -> Vec<DataValueInput> {
    use chrono::Datelike;
    let day = as_of(year, today);
    let mut acc: BTreeMap<&str, HashMap<&'static str, i64>> = BTreeMap::new();
    let live: Vec<&Unit> = units.iter().filter(|u| exists_in(u, year)).collect();
    for u in &live {
        let row = acc.entry(u.code.as_str()).or_default();
        for (code, ..) in ELEMENTS {
            row.insert(code, 0);
        }
        if required(u) {
            row.insert("KH_THUOC_DIEN", 1);
        }
    }
    let mut add = |unit: &str, element: &'static str, n: i64| {
        if let Some(row) = acc.get_mut(unit) {
            *row.entry(element).or_insert(0) += n;
        }
    };
    for p in plans.iter().filter(|p| p.year == year) {
        let unit = p.unit.as_str();
        // Statuses are the plan's current state; dates decide only what is due by `day`.
        if p.status == PlanStatus::Approved {
            add(unit, "KH_DA_DUYET", 1);
        }
        for t in &p.tasks {
            add(unit, "CV_TONG", 1);
            match t.status {
                TaskStatus::Done => add(unit, "CV_HOAN_THANH", 1),
                TaskStatus::Cancelled => {}
                TaskStatus::NotStarted => add(unit, "CV_CHUA_BAT_DAU", 1),
                _ => add(unit, "CV_DANG_THUC_HIEN", 1),
            }
            if t.due <= day && t.status != TaskStatus::Cancelled {
                add(unit, "CV_DEN_HAN", 1);
                if t.on_time() {
                    add(unit, "CV_DUNG_HAN", 1);
                }
            }
            if t.overdue(day) {
                add(unit, "CV_QUA_HAN", 1);
            }
            add(unit, "NS_PHAN_BO", t.budget_allocated);
            add(unit, "NS_DA_CHI", t.budget_spent);
        }
    }
    for d in directives.iter().filter(|d| d.due.year() == year) {
        for a in &d.assignees {
            add(a.as_str(), "CD_TONG", 1);
            if d.status == DirectiveStatus::Done {
                add(a.as_str(), "CD_HOAN_THANH", 1);
            }
            if d.overdue(day) {
                add(a.as_str(), "CD_QUA_HAN", 1);
            }
        }
    }
    let mut villages: BTreeSet<(&str, String)> = BTreeSet::new();
    for e in register {
        match e {
            RegisterEntry::Product(p) if p.registered_on <= day => {
                add(p.owner.as_str(), "SP_CDS_SO", 1);
            }
            RegisterEntry::System(s) if s.since <= day => {
                add(s.owner.as_str(), "HTTT_TONG", 1);
                if s.connected_nationally(day) {
                    add(s.owner.as_str(), "HTTT_KET_NOI", 1);
                }
                if s.lgsp.is_some_and(|d| d <= day) {
                    add(s.owner.as_str(), "HTTT_KET_NOI_LGSP", 1);
                }
            }
            RegisterEntry::Partner(p) if p.signed_on <= day => {
                add(p.owner.as_str(), "DT_THOA_THUAN", 1);
            }
            RegisterEntry::DeadZone(z) if z.open_on(day) => {
                add(z.owner.as_str(), "VUNG_LOM_CON", 1);
                villages.insert((z.owner.as_str(), z.village.trim().to_lowercase()));
            }
            _ => {}
        }
    }
    for (unit, _) in &villages {
        add(unit, "THON_LOM_SONG_CON", 1);
    }
    let required_units: BTreeSet<&str> = live
        .iter()
        .filter(|u| required(u))
        .map(|u| u.code.as_str())
        .collect();
    let mut out = Vec::new();
    for (unit, row) in acc {
        let Ok(unit_code) = Code::parse(unit) else {
            continue;
        };
        let has_product = row.get("SP_CDS_SO").copied().unwrap_or(0) > 0;
        for (code, ..) in ELEMENTS {
            let n = if *code == "SP_CDS_CO" {
                i64::from(has_product && required_units.contains(unit))
            } else {
                row.get(code).copied().unwrap_or(0)
            };
            let Ok(element) = Code::parse(code) else {
                continue;
            };
            out.push(DataValueInput {
                element,
                unit: unit_code.clone(),
                period: Period::Year(year),
                breakdown: None,
                value: n.to_string(),
                comment: Some(COMMENT.to_string()),
                source: SourceTag::Derived,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_indicator_names_derived_elements() {
        let codes: BTreeSet<String> = elements().iter().map(|e| e.code.to_string()).collect();
        assert_eq!(codes.len(), ELEMENTS.len());
        for i in indicators(true) {
            for part in [&i.numerator, &i.denominator] {
                for name in part.split("#{").skip(1) {
                    let name = name.split('}').next().unwrap_or_default();
                    assert!(codes.contains(name) || name == "THON_TONG", "{name}");
                }
            }
        }
        assert_eq!(indicators(true).len(), INDICATORS.len());
        assert_eq!(indicators(false).len(), INDICATORS.len() - 1);
    }
}
