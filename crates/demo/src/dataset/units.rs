//! The demo's units beyond the administrative hierarchy (the province's agencies, the other
//! organisations, the district People's Committees), the legacy units of each tier the figures
//! are spread over, and the groups of units the published ratios are taken on.

use super::{c, date};
use chiso_core::{Code, Unit, UnitGroup, UnitKind};
use chiso_io::vn_admin;

const LEGACY_END: (i32, u32, u32) = (2025, 6, 30);

/// The province's agencies (provincial tier): code, Vietnamese name, English name.
const AGENCIES: &[(&str, &str, &str)] = &[
    (
        "58-VP-UBND",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "Office of the Provincial People's Committee",
    ),
    ("58-SO-NV", "Sở Nội vụ", "Department of Home Affairs"),
    ("58-SO-TP", "Sở Tư pháp", "Department of Justice"),
    (
        "58-SO-KHDT",
        "Sở Kế hoạch và Đầu tư",
        "Department of Planning and Investment",
    ),
    ("58-SO-TC", "Sở Tài chính", "Department of Finance"),
    (
        "58-SO-CT",
        "Sở Công Thương",
        "Department of Industry and Trade",
    ),
    (
        "58-SO-NNPTNT",
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Department of Agriculture and Rural Development",
    ),
    (
        "58-SO-GTVT",
        "Sở Giao thông vận tải",
        "Department of Transport",
    ),
    ("58-SO-XD", "Sở Xây dựng", "Department of Construction"),
    (
        "58-SO-TNMT",
        "Sở Tài nguyên và Môi trường",
        "Department of Natural Resources and Environment",
    ),
    (
        "58-SO-TTTT",
        "Sở Thông tin và Truyền thông",
        "Department of Information and Communications",
    ),
    (
        "58-SO-LDTBXH",
        "Sở Lao động - Thương binh và Xã hội",
        "Department of Labour, Invalids and Social Affairs",
    ),
    (
        "58-SO-VHTTDL",
        "Sở Văn hóa, Thể thao và Du lịch",
        "Department of Culture, Sports and Tourism",
    ),
    (
        "58-SO-KHCN",
        "Sở Khoa học và Công nghệ",
        "Department of Science and Technology",
    ),
    (
        "58-SO-GDDT",
        "Sở Giáo dục và Đào tạo",
        "Department of Education and Training",
    ),
    ("58-SO-YT", "Sở Y tế", "Department of Health"),
    ("58-THANH-TRA", "Thanh tra tỉnh", "Provincial Inspectorate"),
    ("58-BAN-DT", "Ban Dân tộc", "Ethnic Minorities Committee"),
    (
        "58-BQL-KCN",
        "Ban Quản lý các khu công nghiệp",
        "Industrial Zones Management Board",
    ),
];

/// Other organisations taking part: operators, police, a partner.
const ORGANISATIONS: &[(&str, &str, &str)] = &[
    (
        "58-CONG-AN",
        "Công an tỉnh Ninh Thuận",
        "Ninh Thuan Provincial Police",
    ),
    ("58-VIETTEL", "Viettel Ninh Thuận", "Viettel Ninh Thuan"),
    ("58-VNPT", "VNPT Ninh Thuận", "VNPT Ninh Thuan"),
    ("58-MOBIFONE", "MobiFone Ninh Thuận", "MobiFone Ninh Thuan"),
    (
        "58-DOI-TAC-1",
        "Đối tác chiến lược về chuyển đổi số (minh họa)",
        "Strategic DX partner (illustrative)",
    ),
];

fn org_unit(code: &str, vi: &str, en: &str, kind: UnitKind) -> Unit {
    Unit {
        code: c(code),
        gso_code: None,
        name_vi: vi.to_string(),
        name_en: Some(en.to_string()),
        kind,
        parent: Some(c("58")),
        valid_from: None,
        valid_to: Some(date(LEGACY_END.0, LEGACY_END.1, LEGACY_END.2)),
        lat: None,
        lon: None,
    }
}

/// Add the province's agencies, the other organisations and, under each district, the
/// district's People's Committee to the administrative units.
pub(super) fn add_organisations(units: &mut Vec<Unit>) {
    for (code, vi, en) in AGENCIES {
        units.push(org_unit(code, vi, en, UnitKind::Agency));
    }
    for (code, vi, en) in ORGANISATIONS {
        units.push(org_unit(code, vi, en, UnitKind::Organisation));
    }
    // Each district-level People's Committee reports as a unit of its own under its district,
    // so the district tier (the committees' own documents) is told apart from the district's
    // territory (the committee and the communes below it).
    let committees: Vec<Unit> = units
        .iter()
        .filter(|u| u.kind == UnitKind::District)
        .map(|d| {
            let mut name = d.name_vi.chars();
            let lowered: String = name
                .next()
                .map(|f| f.to_lowercase().chain(name).collect())
                .unwrap_or_default();
            Unit {
                code: c(&format!("{}-UBND", d.code)),
                gso_code: None,
                name_vi: format!("Ủy ban nhân dân {lowered}"),
                name_en: Some(format!(
                    "{} People's Committee",
                    d.name_en.clone().unwrap_or_default()
                )),
                kind: UnitKind::Agency,
                parent: Some(d.code.clone()),
                valid_from: None,
                valid_to: d.valid_to,
                lat: None,
                lon: None,
            }
        })
        .collect();
    units.extend(committees);
}

/// The legacy (before 2025) units of each tier the figures are spread over.
pub(super) struct Tiers<'a> {
    /// The provincial agencies (directly under the province).
    pub(super) agencies: Vec<&'a Unit>,
    /// The district People's Committees.
    pub(super) districts: Vec<&'a Unit>,
    pub(super) communes: Vec<&'a Unit>,
    /// The three tiers together: agencies, district committees, communes.
    pub(super) all_tiers: Vec<&'a Unit>,
}

impl<'a> Tiers<'a> {
    pub(super) fn of(units: &'a [Unit]) -> Tiers<'a> {
        let legacy = |kind: UnitKind| -> Vec<&Unit> {
            units
                .iter()
                .filter(|u| u.kind == kind && !u.code.as_str().starts_with(vn_admin::PREFIX_2025))
                .collect()
        };
        let communes: Vec<&Unit> = legacy(UnitKind::Commune);
        let under_province = |u: &&Unit| u.parent.as_ref().map(|p| p.as_str()) == Some("58");
        let agencies: Vec<&Unit> = legacy(UnitKind::Agency)
            .into_iter()
            .filter(under_province)
            .collect();
        let districts: Vec<&Unit> = legacy(UnitKind::Agency)
            .into_iter()
            .filter(|u| !under_province(u))
            .collect();
        let all_tiers: Vec<&Unit> = agencies
            .iter()
            .chain(&districts)
            .chain(&communes)
            .copied()
            .collect();
        Tiers {
            agencies,
            districts,
            communes,
            all_tiers,
        }
    }
}

/// The groups of units the published ratios and the targets are taken on.
pub(super) fn groups(tiers: &Tiers<'_>) -> Vec<UnitGroup> {
    let members = |us: &[&Unit]| us.iter().map(|u| u.code.clone()).collect::<Vec<_>>();
    let group = |code: &str, vi: &str, en: &str, m: Vec<Code>| UnitGroup {
        code: c(code),
        name_vi: vi.into(),
        name_en: Some(en.into()),
        members: m,
    };
    vec![
        group(
            "58_CO_QUAN_TINH",
            "Cơ quan cấp tỉnh (sở, ban, ngành)",
            "Provincial agencies",
            members(&tiers.agencies),
        ),
        group(
            "58_CAP_HUYEN",
            "UBND cấp huyện",
            "District-level People's Committees",
            members(&tiers.districts),
        ),
        group(
            "58_CAP_XA",
            "UBND cấp xã",
            "Commune-level People's Committees",
            members(&tiers.communes),
        ),
        group(
            "58_TOAN_TINH",
            "Cơ quan, đơn vị cả ba cấp",
            "Agencies and units of all three tiers",
            members(&tiers.all_tiers),
        ),
        group(
            "58_TINH",
            "UBND tỉnh",
            "Provincial People's Committee",
            vec![c("58")],
        ),
        group(
            "58_CONG_AN",
            "Công an tỉnh",
            "Provincial police",
            vec![c("58-CONG-AN")],
        ),
        group(
            "58_DOANH_NGHIEP_VT",
            "Doanh nghiệp viễn thông",
            "Telecom operators",
            vec![c("58-VIETTEL"), c("58-VNPT"), c("58-MOBIFONE")],
        ),
    ]
}
