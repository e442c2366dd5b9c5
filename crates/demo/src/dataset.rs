//! The demo data set itself, built in memory (no I/O) so tests can check it before it is stored.

use crate::calibrate::{numerators, split, unit_interval};
use chiso_core::{
    AggregationType, Breakdown, BreakdownOption, Code, Comparator, Criterion, DataElement,
    DataValueInput, Direction, Framework, Indicator, Period, Pillar, Rule, Scorecard, SourceTag,
    SuccessorLink, Target, TargetScope, Unit, UnitGroup, UnitKind, ValueType,
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
    pub groups: Vec<UnitGroup>,
    pub breakdowns: Vec<Breakdown>,
    pub elements: Vec<DataElement>,
    pub values: Vec<DataValueInput>,
    /// The 2024 follow-up (as of 30 June 2024): plans, directives, registers.
    pub plans: Vec<chiso_core::plan::Plan>,
    pub directives: Vec<chiso_core::plan::Directive>,
    pub register: Vec<chiso_core::plan::RegisterEntry>,
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

const LEGACY_END: (i32, u32, u32) = (2025, 6, 30);

fn c(s: &str) -> Code {
    // Every code below is a literal checked by the tests.
    Code::parse(s).unwrap_or_else(|e| panic!("demo code {s}: {e}"))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

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

struct Builder {
    values: Vec<DataValueInput>,
}

impl Builder {
    fn put(
        &mut self,
        element: &str,
        unit: &str,
        period: Period,
        value: String,
        source: SourceTag,
        comment: &str,
    ) {
        self.values.push(DataValueInput {
            element: c(element),
            unit: c(unit),
            period,
            breakdown: None,
            value,
            comment: (!comment.is_empty()).then(|| comment.to_string()),
            source,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn put_by(
        &mut self,
        element: &str,
        unit: &str,
        period: Period,
        option: &str,
        value: String,
        source: SourceTag,
        comment: &str,
    ) {
        self.put(element, unit, period, value, source, comment);
        if let Some(v) = self.values.last_mut() {
            v.breakdown = Some(c(option));
        }
    }

    /// A ratio's raw counts over `units`: denominators split by weight to `den_total`,
    /// numerators near the common rate (± `jitter`) adding up to `num_total`.
    #[allow(clippy::too_many_arguments)]
    fn ratio(
        &mut self,
        (num_el, den_el): (&str, &str),
        units: &[(String, f64)],
        year: i32,
        (num_total, den_total): (i64, i64),
        jitter: f64,
        capped: bool,
        comment: &str,
    ) {
        let weights: Vec<f64> = units.iter().map(|(_, w)| *w).collect();
        let dens = split(den_total, &weights);
        let jit: Vec<f64> = units
            .iter()
            .map(|(code, _)| {
                (unit_interval(&format!("{num_el}/{code}/{year}")) - 0.5) * 2.0 * jitter
            })
            .collect();
        let nums = numerators(&dens, num_total, &jit, capped)
            .unwrap_or_else(|| panic!("demo calibration of {num_el} {year} has no solution"));
        let period = Period::Year(year);
        for (((code, _), d), n) in units.iter().zip(&dens).zip(&nums) {
            self.put(
                den_el,
                code,
                period,
                d.to_string(),
                SourceTag::Illustrative,
                comment,
            );
            self.put(
                num_el,
                code,
                period,
                n.to_string(),
                SourceTag::Illustrative,
                comment,
            );
        }
    }
}

/// Weights for spreading a province's counts over units: wards and towns are bigger.
fn weights(units: &[&Unit], salt: &str) -> Vec<(String, f64)> {
    units
        .iter()
        .map(|u| {
            let size = if u.name_vi.starts_with("Phường") {
                1.8
            } else if u.name_vi.starts_with("Thị trấn") {
                1.4
            } else {
                1.0
            };
            let w = size * (0.55 + 0.9 * unit_interval(&format!("{salt}/{}", u.code)));
            (u.code.to_string(), w)
        })
        .collect()
}

fn element(
    code: &str,
    vi: &str,
    en: &str,
    vt: ValueType,
    agg: AggregationType,
    uom: &str,
) -> DataElement {
    DataElement {
        code: c(code),
        name_vi: vi.to_string(),
        name_en: Some(en.to_string()),
        value_type: vt,
        aggregation: agg,
        unit_of_measure: (!uom.is_empty()).then(|| uom.to_string()),
        breakdown: None,
        description: None,
    }
}

fn elements() -> Vec<DataElement> {
    use AggregationType::*;
    use ValueType::*;
    let mut v = vec![
        element(
            "VB_DEN",
            "Văn bản đến",
            "Documents received",
            Integer,
            Sum,
            "văn bản",
        ),
        element(
            "VB_XL_MANG",
            "Văn bản điện tử xử lý trên môi trường mạng",
            "E-documents processed on the network",
            Integer,
            Sum,
            "văn bản",
        ),
        element(
            "CB_TONG",
            "Cán bộ, công chức, viên chức",
            "Officials and public employees",
            Integer,
            Sum,
            "người",
        ),
        element(
            "CB_KY_SO",
            "CBCCVC sử dụng chữ ký số cá nhân",
            "Officials using a personal digital signature",
            Integer,
            Sum,
            "người",
        ),
        element(
            "CB_DINH_DANH",
            "CBCCVC được cấp định danh số",
            "Officials with a digital identity",
            Integer,
            Sum,
            "người",
        ),
        element(
            "TTHC_DU_DK",
            "Thủ tục hành chính đủ điều kiện cung cấp DVCTT toàn trình",
            "Procedures eligible for full-process online service",
            Integer,
            Sum,
            "thủ tục",
        ),
        element(
            "DVCTT_TOAN_TRINH",
            "Dịch vụ công trực tuyến toàn trình",
            "Full-process online public services",
            Integer,
            Sum,
            "dịch vụ",
        ),
        element(
            "HS_TTHC",
            "Hồ sơ thủ tục hành chính tiếp nhận",
            "Administrative dossiers received",
            Integer,
            Sum,
            "hồ sơ",
        ),
        element(
            "HS_TRUC_TUYEN",
            "Hồ sơ TTHC xử lý trực tuyến",
            "Administrative dossiers processed online",
            Integer,
            Sum,
            "hồ sơ",
        ),
        element(
            "HS_CAN_SO_HOA",
            "Hồ sơ, kết quả TTHC phải số hóa",
            "Dossiers and results to be digitised",
            Integer,
            Sum,
            "hồ sơ",
        ),
        element(
            "HS_SO_HOA",
            "Hồ sơ, kết quả TTHC đã số hóa",
            "Dossiers and results digitised",
            Integer,
            Sum,
            "hồ sơ",
        ),
        element(
            "BC_DINH_KY",
            "Báo cáo định kỳ phải gửi",
            "Periodic reports due",
            Integer,
            Sum,
            "báo cáo",
        ),
        element(
            "BC_TREN_HT",
            "Báo cáo định kỳ gửi trên hệ thống thông tin báo cáo",
            "Periodic reports filed on the reporting system",
            Integer,
            Sum,
            "báo cáo",
        ),
        element(
            "CCCD_HAN",
            "Hạn hoàn thành cấp CCCD gắn chip (Bộ Công an giao)",
            "Ministry's deadline for chip-based ID cards",
            Date,
            LastValue,
            "",
        ),
        element(
            "CCCD_HOAN_THANH",
            "Ngày hoàn thành cấp CCCD gắn chip",
            "Date chip-based ID card issuance was completed",
            Date,
            LastValue,
            "",
        ),
        element(
            "VNEID_CHI_TIEU",
            "Chỉ tiêu kích hoạt định danh điện tử được giao",
            "Assigned e-ID activation target",
            Integer,
            Sum,
            "tài khoản",
        ),
        element(
            "VNEID_KICH_HOAT",
            "Tài khoản định danh điện tử đã kích hoạt",
            "E-ID accounts activated",
            Integer,
            Sum,
            "tài khoản",
        ),
        element(
            "TT_KHONG_TIEN_MAT",
            "Doanh số thanh toán không dùng tiền mặt",
            "Non-cash payment turnover",
            Number,
            Sum,
            "tỷ đồng",
        ),
        element(
            "BAN_LE_TONG",
            "Tổng mức bán lẻ hàng hóa và dịch vụ",
            "Total retail sales",
            Number,
            Sum,
            "tỷ đồng",
        ),
        element(
            "TMDT_DOANH_THU",
            "Doanh thu thương mại điện tử bán lẻ",
            "Retail e-commerce sales",
            Number,
            Sum,
            "tỷ đồng",
        ),
        element(
            "DN_NVV",
            "Doanh nghiệp nhỏ và vừa",
            "Small and medium enterprises",
            Integer,
            Sum,
            "doanh nghiệp",
        ),
        element(
            "DN_NVV_NEN_TANG_SO",
            "DNNVV sử dụng nền tảng số",
            "SMEs using digital platforms",
            Integer,
            Sum,
            "doanh nghiệp",
        ),
        element(
            "DCS_KE_HOACH",
            "Địa chỉ số phải thu thập theo kế hoạch",
            "Digital addresses planned",
            Integer,
            Sum,
            "địa chỉ",
        ),
        element(
            "DCS_THU_THAP",
            "Địa chỉ số đã thu thập, cập nhật",
            "Digital addresses collected and updated",
            Integer,
            Sum,
            "địa chỉ",
        ),
        element("DAN_SO", "Dân số", "Population", Integer, Sum, "người"),
        element(
            "DAN_CO_HSSK",
            "Người dân có hồ sơ sức khỏe điện tử",
            "People with an electronic health record",
            Integer,
            Sum,
            "người",
        ),
        element(
            "NGUOI_TRUONG_THANH",
            "Người trưởng thành",
            "Adults",
            Integer,
            Sum,
            "người",
        ),
        element(
            "NGUOI_TT_CO_DTTM",
            "Người trưởng thành có điện thoại thông minh",
            "Adults with a smartphone",
            Integer,
            Sum,
            "người",
        ),
        element(
            "HO_GIA_DINH",
            "Hộ gia đình",
            "Households",
            Integer,
            Sum,
            "hộ",
        ),
        element(
            "HO_CAP_QUANG",
            "Hộ gia đình có kết nối cáp quang",
            "Households with fibre broadband",
            Integer,
            Sum,
            "hộ",
        ),
        element(
            "DAN_15_TUOI",
            "Người từ 15 tuổi trở lên",
            "People aged 15 and over",
            Integer,
            Sum,
            "người",
        ),
        element(
            "DAN_15_CO_TKTT",
            "Người từ 15 tuổi có tài khoản thanh toán",
            "People aged 15+ with a payment account",
            Integer,
            Sum,
            "người",
        ),
        element(
            "DV_THUOC_DIEN",
            "Đơn vị thuộc diện thành lập Ban chỉ đạo và ban hành kế hoạch CĐS",
            "Units required to have a DX steering committee and plan",
            Integer,
            Sum,
            "đơn vị",
        ),
        element(
            "DV_CO_BCD_KH",
            "Đơn vị đã có Ban chỉ đạo và kế hoạch CĐS",
            "Units with a DX steering committee and plan",
            Integer,
            Sum,
            "đơn vị",
        ),
        element(
            "THON_TONG",
            "Thôn, khu phố",
            "Villages and neighbourhoods",
            Integer,
            Sum,
            "thôn",
        ),
        element(
            "THON_KHONG_LOM_SONG",
            "Thôn không còn vùng lõm sóng",
            "Villages free of mobile-signal dead zones",
            Integer,
            Sum,
            "thôn",
        ),
        element(
            "TO_CNS_CONG_DONG",
            "Tổ công nghệ số cộng đồng",
            "Community digital-technology teams",
            Integer,
            Sum,
            "tổ",
        ),
        element(
            "DAN_DAO_TAO_KNS",
            "Người dân được tập huấn kỹ năng số cơ bản",
            "People trained in basic digital skills",
            Integer,
            Sum,
            "người",
        ),
        element(
            "SP_CDS_DANG_KY",
            "Sản phẩm chuyển đổi số đã đăng ký",
            "DX products registered",
            Integer,
            Sum,
            "sản phẩm",
        ),
    ];
    let mut dvc = vec![
        element(
            "DVC53_HS_NHAN",
            "Hồ sơ tiếp nhận của 53 dịch vụ công thiết yếu",
            "Dossiers received, 53 essential public services",
            Integer,
            Sum,
            "hồ sơ",
        ),
        element(
            "DVC53_HS_TRUC_TUYEN",
            "Hồ sơ tiếp nhận trực tuyến của 53 dịch vụ công thiết yếu",
            "Dossiers received online, 53 essential public services",
            Integer,
            Sum,
            "hồ sơ",
        ),
    ];
    for e in &mut dvc {
        e.breakdown = Some(c("DVC_THIET_YEU"));
    }
    v.extend(dvc);
    let mut lsdl = element(
        "LSDL_HOAN_THANH",
        "Chỉ tiêu làm sạch dữ liệu dân cư đã hoàn thành",
        "Population-data cleaning target completed",
        Boolean,
        Sum,
        "chỉ tiêu",
    );
    lsdl.breakdown = Some(c("LSDL_TIEU_CHI"));
    v.push(lsdl);
    v
}

fn breakdowns() -> Vec<Breakdown> {
    let services = Breakdown {
        code: c("DVC_THIET_YEU"),
        name_vi: "53 dịch vụ công thiết yếu (Đề án 06)".into(),
        name_en: Some("53 essential public services (Project 06)".into()),
        options: (1..=53)
            .map(|i| BreakdownOption {
                code: c(&format!("DV{i:02}")),
                name_vi: format!("Dịch vụ công thiết yếu số {i:02} (tên minh họa)"),
                name_en: Some(format!(
                    "Essential public service no. {i:02} (illustrative name)"
                )),
            })
            .collect(),
    };
    const CRITERIA: [(&str, &str); 14] = [
        ("Đúng họ, chữ đệm và tên", "Correct full name"),
        ("Đúng ngày, tháng, năm sinh", "Correct date of birth"),
        ("Đúng giới tính", "Correct sex"),
        (
            "Đúng nơi đăng ký khai sinh",
            "Correct place of birth registration",
        ),
        ("Đúng quê quán", "Correct place of origin"),
        ("Đúng dân tộc", "Correct ethnicity"),
        ("Đúng tôn giáo", "Correct religion"),
        ("Đúng quốc tịch", "Correct nationality"),
        ("Đủ số định danh cá nhân", "Personal ID number present"),
        (
            "Đủ thông tin nơi thường trú",
            "Permanent residence complete",
        ),
        (
            "Đủ thông tin chủ hộ và quan hệ với chủ hộ",
            "Head of household and relation complete",
        ),
        (
            "Sạch: không trùng lặp bản ghi",
            "Clean: no duplicate records",
        ),
        (
            "Sống: cập nhật biến động khai sinh, khai tử",
            "Alive: births and deaths kept up to date",
        ),
        (
            "Sống: cập nhật biến động cư trú",
            "Alive: changes of residence kept up to date",
        ),
    ];
    let criteria = Breakdown {
        code: c("LSDL_TIEU_CHI"),
        name_vi: "Tiêu chí làm sạch dữ liệu dân cư \"đúng, đủ, sạch, sống\" (tên minh họa)".into(),
        name_en: Some("Population-data cleaning criteria \"correct, sufficient, clean, alive\" (illustrative names)".into()),
        options: CRITERIA
            .iter()
            .enumerate()
            .map(|(i, (vi, en))| BreakdownOption {
                code: c(&format!("TC{:02}", i + 1)),
                name_vi: (*vi).to_string(),
                name_en: Some((*en).to_string()),
            })
            .collect(),
    };
    vec![services, criteria]
}

fn indicator(
    code: &str,
    vi: &str,
    en: &str,
    num: &str,
    den: &str,
    rate: bool,
    unit: &str,
) -> Indicator {
    Indicator {
        code: c(code),
        name_vi: vi.to_string(),
        name_en: Some(en.to_string()),
        numerator: num.to_string(),
        denominator: den.to_string(),
        factor: if rate { 100.0 } else { 1.0 },
        decimals: if rate { 2 } else { 0 },
        direction: Direction::HigherIsBetter,
        unit_label: (!unit.is_empty()).then(|| unit.to_string()),
        is_rate: rate,
        description: None,
        published: PUBLISHED_INDICATORS.contains(&code),
    }
}

/// The indicators behind the seed's published figures: readable by anyone when the server
/// allows public access.
const PUBLISHED_INDICATORS: &[&str] = &[
    "VB_DT_TY_LE",
    "CKS_TY_LE",
    "TT_KHONG_TIEN_MAT_DS",
    "DCS_SO_LUONG",
    "DCS_TY_LE_KH",
    "DVC53_TY_LE",
    "VNEID_TY_LE",
    "LSDL_CHI_TIEU_XONG",
];

/// The indicators behind the year's targets and the seed's other figures.
fn indicators() -> Vec<Indicator> {
    let r = |code, vi, en, num, den| indicator(code, vi, en, num, den, true, "%");
    vec![
        r(
            "VB_DT_TY_LE",
            "Tỷ lệ văn bản điện tử xử lý trên môi trường mạng",
            "E-documents processed on the network",
            "#{VB_XL_MANG}",
            "#{VB_DEN}",
        ),
        r(
            "CKS_TY_LE",
            "Tỷ lệ sử dụng chữ ký số cá nhân",
            "Personal digital signature use",
            "#{CB_KY_SO}",
            "#{CB_TONG}",
        ),
        r(
            "DVCTT_TOAN_TRINH_TY_LE",
            "Tỷ lệ DVCTT toàn trình",
            "Full-process online public services",
            "#{DVCTT_TOAN_TRINH}",
            "#{TTHC_DU_DK}",
        ),
        r(
            "HS_TRUC_TUYEN_TY_LE",
            "Tỷ lệ hồ sơ TTHC xử lý trực tuyến",
            "Administrative dossiers processed online",
            "#{HS_TRUC_TUYEN}",
            "#{HS_TTHC}",
        ),
        r(
            "SO_HOA_TY_LE",
            "Tỷ lệ số hóa hồ sơ, kết quả TTHC",
            "Dossiers and results digitised",
            "#{HS_SO_HOA}",
            "#{HS_CAN_SO_HOA}",
        ),
        r(
            "BC_HT_TY_LE",
            "Tỷ lệ báo cáo định kỳ trên hệ thống thông tin báo cáo",
            "Periodic reports filed on the reporting system",
            "#{BC_TREN_HT}",
            "#{BC_DINH_KY}",
        ),
        r(
            "DINH_DANH_CB_TY_LE",
            "Tỷ lệ CBCCVC được cấp định danh số",
            "Officials with a digital identity",
            "#{CB_DINH_DANH}",
            "#{CB_TONG}",
        ),
        r(
            "VNEID_TY_LE",
            "Tỷ lệ kích hoạt định danh điện tử so với chỉ tiêu",
            "E-ID activation, % of the assigned target",
            "#{VNEID_KICH_HOAT}",
            "#{VNEID_CHI_TIEU}",
        ),
        r(
            "DVC53_TY_LE",
            "Tỷ lệ hồ sơ trực tuyến của 53 dịch vụ công thiết yếu",
            "53 essential public services: dossiers received online",
            "#{DVC53_HS_TRUC_TUYEN}",
            "#{DVC53_HS_NHAN}",
        ),
        indicator(
            "LSDL_CHI_TIEU_XONG",
            "Số chỉ tiêu làm sạch dữ liệu dân cư đã hoàn thành",
            "Population-data cleaning targets done",
            "#{LSDL_HOAN_THANH}",
            "1",
            false,
            "chỉ tiêu",
        ),
        indicator(
            "TT_KHONG_TIEN_MAT_DS",
            "Doanh số thanh toán không dùng tiền mặt",
            "Non-cash payment turnover",
            "#{TT_KHONG_TIEN_MAT}",
            "1",
            false,
            "tỷ đồng",
        ),
        r(
            "TMDT_TY_TRONG",
            "Tỷ trọng thương mại điện tử trong tổng mức bán lẻ",
            "E-commerce share of retail sales",
            "#{TMDT_DOANH_THU}",
            "#{BAN_LE_TONG}",
        ),
        r(
            "DNNVV_NEN_TANG_TY_LE",
            "Tỷ lệ DNNVV sử dụng nền tảng số",
            "SMEs using digital platforms",
            "#{DN_NVV_NEN_TANG_SO}",
            "#{DN_NVV}",
        ),
        indicator(
            "DCS_SO_LUONG",
            "Địa chỉ số đã thu thập, cập nhật",
            "Digital addresses collected and updated",
            "#{DCS_THU_THAP}",
            "1",
            false,
            "địa chỉ",
        ),
        r(
            "DCS_TY_LE_KH",
            "Tỷ lệ địa chỉ số thu thập so với kế hoạch",
            "Digital addresses, % of plan",
            "#{DCS_THU_THAP}",
            "#{DCS_KE_HOACH}",
        ),
        r(
            "HSSK_TY_LE",
            "Tỷ lệ người dân có hồ sơ sức khỏe điện tử",
            "People with an electronic health record",
            "#{DAN_CO_HSSK}",
            "#{DAN_SO}",
        ),
        r(
            "DTTM_TY_LE",
            "Tỷ lệ người trưởng thành có điện thoại thông minh",
            "Adults with a smartphone",
            "#{NGUOI_TT_CO_DTTM}",
            "#{NGUOI_TRUONG_THANH}",
        ),
        r(
            "CAP_QUANG_TY_LE",
            "Tỷ lệ hộ gia đình có cáp quang",
            "Households with fibre broadband",
            "#{HO_CAP_QUANG}",
            "#{HO_GIA_DINH}",
        ),
        r(
            "TKTT_TY_LE",
            "Tỷ lệ người từ 15 tuổi có tài khoản thanh toán",
            "People aged 15+ with a payment account",
            "#{DAN_15_CO_TKTT}",
            "#{DAN_15_TUOI}",
        ),
        r(
            "BCD_KH_TY_LE",
            "Tỷ lệ đơn vị có Ban chỉ đạo và kế hoạch CĐS",
            "Units with a DX steering committee and plan",
            "#{DV_CO_BCD_KH}",
            "#{DV_THUOC_DIEN}",
        ),
        r(
            "THON_HET_LOM_SONG_TY_LE",
            "Tỷ lệ thôn không còn vùng lõm sóng",
            "Villages free of mobile-signal dead zones",
            "#{THON_KHONG_LOM_SONG}",
            "#{THON_TONG}",
        ),
        indicator(
            "TO_CNS_SO_LUONG",
            "Tổ công nghệ số cộng đồng",
            "Community digital-technology teams",
            "#{TO_CNS_CONG_DONG}",
            "1",
            false,
            "tổ",
        ),
        indicator(
            "KNS_DAO_TAO",
            "Người dân được tập huấn kỹ năng số cơ bản",
            "People trained in basic digital skills",
            "#{DAN_DAO_TAO_KNS}",
            "1",
            false,
            "người",
        ),
        indicator(
            "SP_CDS_SO_LUONG",
            "Sản phẩm chuyển đổi số đã đăng ký",
            "DX products registered",
            "#{SP_CDS_DANG_KY}",
            "1",
            false,
            "sản phẩm",
        ),
    ]
}

/// An illustrative commune DX index in the manner of the ministry's DTI.
fn commune_scorecard() -> Scorecard {
    let crit = |code: &str, vi: &str, en: &str, indicator: &str, rule: Rule| Criterion {
        code: c(code),
        name_vi: vi.to_string(),
        name_en: Some(en.to_string()),
        indicator: c(indicator),
        max_points: 10.0,
        rule,
    };
    let prop = |full_at| Rule::Proportional { full_at };
    let steps = |full, half| Rule::Steps {
        full: (Comparator::AtLeast, full),
        half: Some((Comparator::AtLeast, half)),
    };
    let pillar = |code: &str, vi: &str, en: &str, criteria| Pillar {
        code: c(code),
        name_vi: vi.into(),
        name_en: Some(en.into()),
        criteria,
    };
    Scorecard {
        code: c("DTI_XA"),
        name_vi: "Chỉ số chuyển đổi số cấp xã (minh họa)".into(),
        name_en: Some("Commune DX index (illustrative)".into()),
        description: Some("Bộ chỉ số minh họa theo cách của Bộ chỉ số DTI: trụ cột → tiêu chí có điểm → chỉ số = điểm đạt / điểm tối đa.".into()),
        pillars: vec![
            pillar("CQS", "Chính quyền số", "Digital government", vec![
                crit("CQS_VB", "Văn bản điện tử xử lý trên môi trường mạng", "E-documents processed on the network", "VB_DT_TY_LE", prop(100.0)),
                crit("CQS_CKS", "Chữ ký số cá nhân (≥ 95%: đủ điểm; ≥ 85%: nửa điểm)", "Personal digital signatures (≥ 95%: full; ≥ 85%: half)", "CKS_TY_LE", steps(95.0, 85.0)),
                crit("CQS_HS", "Hồ sơ TTHC xử lý trực tuyến (đủ điểm từ 60%)", "Dossiers processed online (full points from 60%)", "HS_TRUC_TUYEN_TY_LE", prop(60.0)),
            ]),
            pillar("KTS", "Kinh tế số", "Digital economy", vec![
                crit("KTS_TKTT", "Người từ 15 tuổi có tài khoản thanh toán (đủ điểm từ 80%)", "Payment accounts, aged 15+ (full points from 80%)", "TKTT_TY_LE", prop(80.0)),
            ]),
            pillar("XHS", "Xã hội số", "Digital society", vec![
                crit("XHS_HSSK", "Hồ sơ sức khỏe điện tử", "Electronic health records", "HSSK_TY_LE", prop(100.0)),
                crit("XHS_DTTM", "Điện thoại thông minh (≥ 85%: đủ điểm; ≥ 75%: nửa điểm)", "Smartphones (≥ 85%: full; ≥ 75%: half)", "DTTM_TY_LE", steps(85.0, 75.0)),
                crit("XHS_CQ", "Hộ gia đình có cáp quang", "Households with fibre", "CAP_QUANG_TY_LE", prop(100.0)),
            ]),
        ],
    }
}

/// The 2023 target framework: 23 targets, 17 met (see docs/demo.md).
fn framework_2023() -> Framework {
    let y = Period::Year(2023);
    let t = |n: u32, vi: &str, en: &str, scope: TargetScope, indicator: &str, value: f64| Target {
        code: c(&format!("KH2023_{n:02}")),
        name_vi: vi.to_string(),
        name_en: Some(en.to_string()),
        scope,
        period: y,
        indicator: Some(c(indicator)),
        comparator: Some(Comparator::AtLeast),
        value: Some(value),
        due: None,
        completed_on: None,
        note: None,
    };
    let u = |s: &str| TargetScope::Unit(c(s));
    let g = |s: &str| TargetScope::Group(c(s));
    let mut targets = vec![
        t(1, "Văn bản điện tử xử lý trên môi trường mạng, cơ quan cấp tỉnh", "E-documents processed on the network, provincial agencies", g("58_CO_QUAN_TINH"), "VB_DT_TY_LE", 90.0),
        t(2, "Văn bản điện tử xử lý trên môi trường mạng, cấp huyện", "E-documents processed on the network, district tier", g("58_CAP_HUYEN"), "VB_DT_TY_LE", 80.0),
        t(3, "Văn bản điện tử xử lý trên môi trường mạng, cấp xã", "E-documents processed on the network, commune tier", g("58_CAP_XA"), "VB_DT_TY_LE", 60.0),
        t(4, "Sử dụng chữ ký số cá nhân", "Personal digital signature use", g("58_TOAN_TINH"), "CKS_TY_LE", 100.0),
        t(5, "Dịch vụ công trực tuyến toàn trình", "Full-process online public services", u("58"), "DVCTT_TOAN_TRINH_TY_LE", 80.0),
        t(6, "Hồ sơ TTHC xử lý trực tuyến", "Administrative dossiers processed online", u("58"), "HS_TRUC_TUYEN_TY_LE", 50.0),
        t(7, "Số hóa hồ sơ, kết quả giải quyết TTHC", "Dossiers and results digitised", u("58"), "SO_HOA_TY_LE", 80.0),
        t(8, "Báo cáo định kỳ trên hệ thống thông tin báo cáo", "Periodic reports filed on the reporting system", u("58"), "BC_HT_TY_LE", 50.0),
        t(9, "CBCCVC được cấp định danh số", "Officials with a digital identity", g("58_TOAN_TINH"), "DINH_DANH_CB_TY_LE", 100.0),
        Target {
            code: c("KH2023_10"),
            name_vi: "Cấp căn cước công dân gắn chip theo hạn của Bộ Công an".into(),
            name_en: Some("Chip-based citizen ID cards issued by the ministry's deadline".into()),
            scope: u("58-CONG-AN"),
            period: y,
            indicator: None,
            comparator: None,
            value: None,
            due: NaiveDate::from_ymd_opt(2023, 6, 30),
            completed_on: NaiveDate::from_ymd_opt(2023, 5, 9),
            note: Some("Hoàn thành trước hạn 52 ngày (số công bố; một trong 28 tỉnh hoàn thành sớm). Hạn 30/06/2023 là ngày minh họa.".into()),
        },
        t(11, "Kích hoạt định danh điện tử (VNeID) theo chỉ tiêu được giao", "E-ID (VNeID) activation target", u("58-CONG-AN"), "VNEID_TY_LE", 100.0),
        t(12, "53 dịch vụ công thiết yếu", "53 essential public services", u("58"), "DVC53_TY_LE", 100.0),
        t(13, "Chỉ tiêu làm sạch dữ liệu dân cư \"đúng, đủ, sạch, sống\"", "Population-data cleaning targets", u("58-CONG-AN"), "LSDL_CHI_TIEU_XONG", 14.0),
        t(14, "Doanh số thanh toán không dùng tiền mặt", "Non-cash payment turnover", u("58"), "TT_KHONG_TIEN_MAT_DS", 300_000.0),
        t(15, "Tỷ trọng thương mại điện tử trong tổng mức bán lẻ", "E-commerce share of retail sales", u("58"), "TMDT_TY_TRONG", 5.0),
        t(16, "DNNVV sử dụng nền tảng số", "SMEs using digital platforms", u("58"), "DNNVV_NEN_TANG_TY_LE", 30.0),
        t(17, "Địa chỉ số được thu thập, cập nhật", "Digital addresses collected and updated", u("58"), "DCS_SO_LUONG", 146_587.0),
        t(18, "Người dân có hồ sơ sức khỏe điện tử", "People with an electronic health record", u("58"), "HSSK_TY_LE", 80.0),
        t(19, "Người trưởng thành có điện thoại thông minh", "Adults with a smartphone", u("58"), "DTTM_TY_LE", 80.0),
        t(20, "Hộ gia đình có cáp quang", "Households with fibre broadband", u("58"), "CAP_QUANG_TY_LE", 75.0),
        t(21, "Người từ 15 tuổi có tài khoản thanh toán", "People aged 15+ with a payment account", u("58"), "TKTT_TY_LE", 70.0),
        t(22, "Đơn vị có Ban chỉ đạo và kế hoạch CĐS", "Units with a DX steering committee and plan", u("58"), "BCD_KH_TY_LE", 100.0),
        t(23, "Thôn không còn vùng lõm sóng", "Villages free of mobile-signal dead zones", u("58"), "THON_HET_LOM_SONG_TY_LE", 100.0),
    ];
    targets[10].note = Some("Một trong 24 tỉnh hoàn thành chỉ tiêu kích hoạt (số công bố).".into());
    Framework {
        code: c("KH_CDS_2023"),
        name_vi: "Kế hoạch chuyển đổi số năm 2023 của tỉnh Ninh Thuận: 23 chỉ tiêu".into(),
        name_en: Some("Ninh Thuan's 2023 digital-transformation plan: 23 targets".into()),
        description: Some("Khung chỉ tiêu đại diện (danh mục của tỉnh không được công bố); chỉ tiêu quốc gia theo Quyết định 942/QĐ-TTg và 411/QĐ-TTg.".into()),
        targets,
    }
}

const CALIBRATED: &str = "Số minh họa, hiệu chỉnh để tổng khớp đúng số công bố";
const ILLUSTRATIVE: &str = "Số minh họa";

/// Build the whole demo.
pub fn dataset() -> anyhow::Result<Dataset> {
    let admin = vn_admin::embedded(Some("58")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut units = admin.units;
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
    let members = |us: &[&Unit]| us.iter().map(|u| u.code.clone()).collect::<Vec<_>>();
    let group = |code: &str, vi: &str, en: &str, m: Vec<Code>| UnitGroup {
        code: c(code),
        name_vi: vi.into(),
        name_en: Some(en.into()),
        members: m,
    };
    let all_tiers: Vec<&Unit> = agencies
        .iter()
        .chain(&districts)
        .chain(&communes)
        .copied()
        .collect();
    let groups = vec![
        group(
            "58_CO_QUAN_TINH",
            "Cơ quan cấp tỉnh (sở, ban, ngành)",
            "Provincial agencies",
            members(&agencies),
        ),
        group(
            "58_CAP_HUYEN",
            "UBND cấp huyện",
            "District-level People's Committees",
            members(&districts),
        ),
        group(
            "58_CAP_XA",
            "UBND cấp xã",
            "Commune-level People's Committees",
            members(&communes),
        ),
        group(
            "58_TOAN_TINH",
            "Cơ quan, đơn vị cả ba cấp",
            "Agencies and units of all three tiers",
            members(&all_tiers),
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
    ];

    let mut b = Builder { values: Vec::new() };
    let y22 = Period::Year(2022);
    let y23 = Period::Year(2023);

    // 1–3. E-documents by tier: the published 98.90 / 96.52 / 94.89 % in 2023.
    let docs = ("VB_XL_MANG", "VB_DEN");
    b.ratio(
        docs,
        &weights(&agencies, "vb"),
        2023,
        (178_020, 180_000),
        0.015,
        true,
        CALIBRATED,
    );
    b.ratio(
        docs,
        &weights(&districts, "vb"),
        2023,
        (72_390, 75_000),
        0.02,
        true,
        CALIBRATED,
    );
    b.ratio(
        docs,
        &weights(&communes, "vb"),
        2023,
        (113_868, 120_000),
        0.03,
        true,
        CALIBRATED,
    );
    b.ratio(
        docs,
        &weights(&agencies, "vb"),
        2022,
        (156_915, 165_000),
        0.02,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        docs,
        &weights(&districts, "vb"),
        2022,
        (63_140, 70_000),
        0.03,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        docs,
        &weights(&communes, "vb"),
        2022,
        (93_940, 110_000),
        0.05,
        true,
        ILLUSTRATIVE,
    );

    // 4. Personal digital signatures over all three tiers: 97.22 % (2023), 87.74 % (2022,
    // derived by reading the published "up 9.48" as percentage points). Officials per unit are
    // the same both years; 9. officials with a digital identity, 100 % in 2023.
    let staff = weights(&all_tiers, "cb");
    let officials = split(15_000, &staff.iter().map(|(_, w)| *w).collect::<Vec<_>>());
    let staff_units: Vec<(String, f64)> = staff
        .iter()
        .zip(&officials)
        .map(|((u, _), n)| (u.clone(), *n as f64))
        .collect();
    b.ratio(
        ("CB_KY_SO", "CB_TONG"),
        &staff_units,
        2023,
        (14_583, 15_000),
        0.02,
        true,
        CALIBRATED,
    );
    b.ratio(("CB_KY_SO", "CB_TONG"), &staff_units, 2022, (13_161, 15_000), 0.05, true,
        "Số minh họa, hiệu chỉnh theo tỷ lệ 87,74% suy ra từ số công bố (97,22% năm 2023, tăng 9,48 điểm phần trăm)");
    // The officials' counts are written once per year by the first ratio; the identity counts
    // equal them in 2023 (100 %) and reach 93 % in 2022.
    for ((code, _), n) in staff.iter().zip(&officials) {
        b.put(
            "CB_DINH_DANH",
            code,
            y23,
            n.to_string(),
            SourceTag::Illustrative,
            ILLUSTRATIVE,
        );
    }
    let ids22 = numerators(
        &officials,
        13_950,
        &staff
            .iter()
            .map(|(u, _)| (unit_interval(&format!("dd/{u}")) - 0.5) * 0.1)
            .collect::<Vec<_>>(),
        true,
    )
    .ok_or_else(|| anyhow::anyhow!("calibration of CB_DINH_DANH 2022"))?;
    for ((code, _), n) in staff.iter().zip(&ids22) {
        b.put(
            "CB_DINH_DANH",
            code,
            y22,
            n.to_string(),
            SourceTag::Illustrative,
            ILLUSTRATIVE,
        );
    }

    // Province-wide figures kept on the province itself.
    let province = [("58".to_string(), 1.0)];
    // 5. Full-process online public services 72.4 % (2022: 61.0 %).
    b.ratio(
        ("DVCTT_TOAN_TRINH", "TTHC_DU_DK"),
        &province,
        2023,
        (905, 1_250),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("DVCTT_TOAN_TRINH", "TTHC_DU_DK"),
        &province,
        2022,
        (732, 1_200),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    // 7. Digitised dossiers 71.6 % (2022: 58.3 %).
    b.ratio(
        ("HS_SO_HOA", "HS_CAN_SO_HOA"),
        &province,
        2023,
        (179_000, 250_000),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("HS_SO_HOA", "HS_CAN_SO_HOA"),
        &province,
        2022,
        (128_260, 220_000),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    // 8. Periodic reports on the reporting system 64.0 % (2022: 45.0 %).
    b.ratio(
        ("BC_TREN_HT", "BC_DINH_KY"),
        &province,
        2023,
        (160, 250),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("BC_TREN_HT", "BC_DINH_KY"),
        &province,
        2022,
        (108, 240),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    // 15. E-commerce share of retail 5.3 % (2022: 4.1 %).
    b.ratio(
        ("TMDT_DOANH_THU", "BAN_LE_TONG"),
        &province,
        2023,
        (3_180, 60_000),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("TMDT_DOANH_THU", "BAN_LE_TONG"),
        &province,
        2022,
        (2_132, 52_000),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    // 16. SMEs on digital platforms 34.0 % (2022: 25.0 %).
    b.ratio(
        ("DN_NVV_NEN_TANG_SO", "DN_NVV"),
        &province,
        2023,
        (1_700, 5_000),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("DN_NVV_NEN_TANG_SO", "DN_NVV"),
        &province,
        2022,
        (1_200, 4_800),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    // 22. Units with a steering committee and a plan 91.9 % ("most units").
    b.ratio(
        ("DV_CO_BCD_KH", "DV_THUOC_DIEN"),
        &province,
        2023,
        (79, 86),
        0.0,
        true,
        "Số minh họa; bài viết chỉ nói \"hầu hết các đơn vị\"",
    );
    b.ratio(
        ("DV_CO_BCD_KH", "DV_THUOC_DIEN"),
        &province,
        2022,
        (60, 86),
        0.0,
        true,
        ILLUSTRATIVE,
    );

    // 6. Administrative dossiers processed online 53.1 % (2022: 38.0 %), by commune.
    b.ratio(
        ("HS_TRUC_TUYEN", "HS_TTHC"),
        &weights(&communes, "hs"),
        2023,
        (106_200, 200_000),
        0.08,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("HS_TRUC_TUYEN", "HS_TTHC"),
        &weights(&communes, "hs"),
        2022,
        (72_200, 190_000),
        0.08,
        true,
        ILLUSTRATIVE,
    );
    // 17. Digital addresses: 146,587 collected of 146,587 planned (published), by commune.
    b.ratio(
        ("DCS_THU_THAP", "DCS_KE_HOACH"),
        &weights(&communes, "dcs"),
        2023,
        (146_587, 146_587),
        0.03,
        false,
        CALIBRATED,
    );
    // 18. Electronic health records 85.3 % (2022: 70.0 %).
    b.ratio(
        ("DAN_CO_HSSK", "DAN_SO"),
        &weights(&communes, "ds"),
        2023,
        (511_800, 600_000),
        0.05,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("DAN_CO_HSSK", "DAN_SO"),
        &weights(&communes, "ds"),
        2022,
        (413_000, 590_000),
        0.06,
        true,
        ILLUSTRATIVE,
    );
    // 19. Adults with a smartphone 84.0 % (2022: 78.0 %).
    b.ratio(
        ("NGUOI_TT_CO_DTTM", "NGUOI_TRUONG_THANH"),
        &weights(&communes, "ds"),
        2023,
        (352_800, 420_000),
        0.05,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("NGUOI_TT_CO_DTTM", "NGUOI_TRUONG_THANH"),
        &weights(&communes, "ds"),
        2022,
        (323_700, 415_000),
        0.05,
        true,
        ILLUSTRATIVE,
    );
    // 20. Households with fibre 78.2 % (2022: 70.0 %).
    b.ratio(
        ("HO_CAP_QUANG", "HO_GIA_DINH"),
        &weights(&communes, "ds"),
        2023,
        (125_120, 160_000),
        0.08,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("HO_CAP_QUANG", "HO_GIA_DINH"),
        &weights(&communes, "ds"),
        2022,
        (110_600, 158_000),
        0.08,
        true,
        ILLUSTRATIVE,
    );
    // 21. People aged 15+ with a payment account 73.5 % (2022: 65.0 %).
    b.ratio(
        ("DAN_15_CO_TKTT", "DAN_15_TUOI"),
        &weights(&communes, "ds"),
        2023,
        (338_100, 460_000),
        0.06,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("DAN_15_CO_TKTT", "DAN_15_TUOI"),
        &weights(&communes, "ds"),
        2022,
        (295_750, 455_000),
        0.06,
        true,
        ILLUSTRATIVE,
    );
    // 23. Villages free of dead zones 96.0 % (2022: 90.0 %): 300 villages.
    let villages: Vec<(String, f64)> = weights(&communes, "thon");
    b.ratio(
        ("THON_KHONG_LOM_SONG", "THON_TONG"),
        &villages,
        2023,
        (288, 300),
        0.05,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("THON_KHONG_LOM_SONG", "THON_TONG"),
        &villages,
        2022,
        (270, 300),
        0.1,
        true,
        ILLUSTRATIVE,
    );

    // Digital awareness and skills (no target): a community digital-technology team in every
    // commune in 2023 (41 in 2022), people trained in basic digital skills.
    for (i, u) in communes.iter().enumerate() {
        let code = u.code.as_str();
        b.put(
            "TO_CNS_CONG_DONG",
            code,
            y23,
            "1".into(),
            SourceTag::Illustrative,
            ILLUSTRATIVE,
        );
        b.put(
            "TO_CNS_CONG_DONG",
            code,
            y22,
            if i % 3 == 2 { "0" } else { "1" }.into(),
            SourceTag::Illustrative,
            ILLUSTRATIVE,
        );
        let trained = 150 + (unit_interval(&format!("kns/{code}")) * 600.0) as i64;
        b.put(
            "DAN_DAO_TAO_KNS",
            code,
            y23,
            trained.to_string(),
            SourceTag::Illustrative,
            ILLUSTRATIVE,
        );
        b.put(
            "DAN_DAO_TAO_KNS",
            code,
            y22,
            (trained * 55 / 100).to_string(),
            SourceTag::Illustrative,
            ILLUSTRATIVE,
        );
        // DX products registered in 2023: about a third of communes have none yet.
        let products = match (unit_interval(&format!("sp/{code}")) * 10.0) as i64 {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        b.put(
            "SP_CDS_DANG_KY",
            code,
            y23,
            products.to_string(),
            SourceTag::Illustrative,
            ILLUSTRATIVE,
        );
    }

    // 10. Chip-based ID cards: finished 52 days before the ministry's deadline (published);
    // the deadline itself is not in the article (illustrative date).
    b.put(
        "CCCD_HAN",
        "58-CONG-AN",
        y23,
        "2023-06-30".into(),
        SourceTag::Illustrative,
        "Ngày minh họa: bài viết không nêu hạn của Bộ Công an",
    );
    b.put("CCCD_HOAN_THANH", "58-CONG-AN", y23, "2023-05-09".into(), SourceTag::Derived,
        "Suy ra từ số công bố \"hoàn thành trước hạn 52 ngày\" và hạn minh họa 30/06/2023; một trong 28 tỉnh hoàn thành sớm");
    // 11. E-ID activation: 100 % of the assigned target (published); counts illustrative.
    b.put(
        "VNEID_CHI_TIEU",
        "58-CONG-AN",
        y23,
        "283500".into(),
        SourceTag::Illustrative,
        CALIBRATED,
    );
    b.put(
        "VNEID_KICH_HOAT",
        "58-CONG-AN",
        y23,
        "283500".into(),
        SourceTag::Illustrative,
        "Số minh họa; tỷ lệ 100% chỉ tiêu là số công bố; một trong 24 tỉnh hoàn thành chỉ tiêu",
    );
    // 12. 53 essential public services at 85.2 %: dossiers received online over received,
    // per service (illustrative counts summing to the published ratio).
    let svc: Vec<(String, f64)> = (1..=53)
        .map(|i| {
            (
                format!("DV{i:02}"),
                0.3 + 1.7 * unit_interval(&format!("dv{i}")),
            )
        })
        .collect();
    let received = split(50_000, &svc.iter().map(|(_, w)| *w).collect::<Vec<_>>());
    let online = numerators(
        &received,
        42_600,
        &svc.iter()
            .map(|(s, _)| (unit_interval(&format!("dvo/{s}")) - 0.5) * 0.2)
            .collect::<Vec<_>>(),
        true,
    )
    .ok_or_else(|| anyhow::anyhow!("calibration of DVC53"))?;
    for (((s, _), r), o) in svc.iter().zip(&received).zip(&online) {
        b.put_by(
            "DVC53_HS_NHAN",
            "58",
            y23,
            s,
            r.to_string(),
            SourceTag::Illustrative,
            CALIBRATED,
        );
        b.put_by(
            "DVC53_HS_TRUC_TUYEN",
            "58",
            y23,
            s,
            o.to_string(),
            SourceTag::Illustrative,
            CALIBRATED,
        );
    }
    // 13. All 14 population-data cleaning targets done (published; criterion names illustrative).
    for i in 1..=14 {
        b.put_by(
            "LSDL_HOAN_THANH",
            "58-CONG-AN",
            y23,
            &format!("TC{i:02}"),
            "true".into(),
            SourceTag::Published,
            "Công an tỉnh hoàn thành 14 chỉ tiêu làm sạch dữ liệu dân cư (số công bố)",
        );
    }
    // 14. Non-cash payment turnover: 314,792 billion VND, up 67,436 billion (published).
    b.put(
        "TT_KHONG_TIEN_MAT",
        "58",
        y23,
        "314792".into(),
        SourceTag::Published,
        "Ước tính năm 2023 (số công bố)",
    );
    b.put(
        "TT_KHONG_TIEN_MAT",
        "58",
        y22,
        "247356".into(),
        SourceTag::Derived,
        "Suy ra: 314.792 − 67.436 tỷ đồng (mức tăng so với cùng kỳ đã công bố)",
    );

    // The 2024 follow-up, and the figures derived from it for 2023 and 2024 as of its day.
    let follow = crate::followup::build(&units, &communes, &b.values);
    let mut values = b.values;
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
    let mut elements = elements();
    elements.extend(chiso_core::derived::elements());
    let mut indicators = indicators();
    indicators.extend(chiso_core::derived::indicators(true));
    Ok(Dataset {
        indicators,
        frameworks: vec![framework_2023(), crate::followup::framework_2024()],
        scorecards: vec![commune_scorecard()],
        units,
        links: admin.links,
        groups,
        breakdowns: breakdowns(),
        elements,
        values,
        plans: follow.plans,
        directives: follow.directives,
        register: follow.register,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
