//! The demo's data elements and their breakdowns (the 53 essential public services, the 14
//! population-data cleaning criteria).

use super::c;
use chiso_core::{AggregationType, Breakdown, BreakdownOption, DataElement, ValueType};

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

pub(super) fn elements() -> Vec<DataElement> {
    use AggregationType::*;
    use ValueType::*;
    let mut v = vec![
        element(
            "VB_DEN",
            "Văn bản đến",
            "Documents received",
            IntegerZeroOrPositive,
            Sum,
            "văn bản",
        ),
        element(
            "VB_XL_MANG",
            "Văn bản điện tử xử lý trên môi trường mạng",
            "E-documents processed on the network",
            IntegerZeroOrPositive,
            Sum,
            "văn bản",
        ),
        element(
            "CB_TONG",
            "Cán bộ, công chức, viên chức",
            "Officials and public employees",
            IntegerZeroOrPositive,
            Sum,
            "người",
        ),
        element(
            "CB_KY_SO",
            "CBCCVC sử dụng chữ ký số cá nhân",
            "Officials using a personal digital signature",
            IntegerZeroOrPositive,
            Sum,
            "người",
        ),
        element(
            "CB_DINH_DANH",
            "CBCCVC được cấp định danh số",
            "Officials with a digital identity",
            IntegerZeroOrPositive,
            Sum,
            "người",
        ),
        element(
            "TTHC_DU_DK",
            "Thủ tục hành chính đủ điều kiện cung cấp DVCTT toàn trình",
            "Procedures eligible for full-process online service",
            IntegerZeroOrPositive,
            Sum,
            "thủ tục",
        ),
        element(
            "DVCTT_TOAN_TRINH",
            "Dịch vụ công trực tuyến toàn trình",
            "Full-process online public services",
            IntegerZeroOrPositive,
            Sum,
            "dịch vụ",
        ),
        element(
            "HS_TTHC",
            "Hồ sơ thủ tục hành chính tiếp nhận",
            "Administrative dossiers received",
            IntegerZeroOrPositive,
            Sum,
            "hồ sơ",
        ),
        element(
            "HS_TRUC_TUYEN",
            "Hồ sơ TTHC xử lý trực tuyến",
            "Administrative dossiers processed online",
            IntegerZeroOrPositive,
            Sum,
            "hồ sơ",
        ),
        element(
            "HS_CAN_SO_HOA",
            "Hồ sơ, kết quả TTHC phải số hóa",
            "Dossiers and results to be digitised",
            IntegerZeroOrPositive,
            Sum,
            "hồ sơ",
        ),
        element(
            "HS_SO_HOA",
            "Hồ sơ, kết quả TTHC đã số hóa",
            "Dossiers and results digitised",
            IntegerZeroOrPositive,
            Sum,
            "hồ sơ",
        ),
        element(
            "BC_DINH_KY",
            "Báo cáo định kỳ phải gửi",
            "Periodic reports due",
            IntegerZeroOrPositive,
            Sum,
            "báo cáo",
        ),
        element(
            "BC_TREN_HT",
            "Báo cáo định kỳ gửi trên hệ thống thông tin báo cáo",
            "Periodic reports filed on the reporting system",
            IntegerZeroOrPositive,
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
            IntegerZeroOrPositive,
            Sum,
            "tài khoản",
        ),
        element(
            "VNEID_KICH_HOAT",
            "Tài khoản định danh điện tử đã kích hoạt",
            "E-ID accounts activated",
            IntegerZeroOrPositive,
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
            IntegerZeroOrPositive,
            Sum,
            "doanh nghiệp",
        ),
        element(
            "DN_NVV_NEN_TANG_SO",
            "DNNVV sử dụng nền tảng số",
            "SMEs using digital platforms",
            IntegerZeroOrPositive,
            Sum,
            "doanh nghiệp",
        ),
        element(
            "DCS_KE_HOACH",
            "Địa chỉ số phải thu thập theo kế hoạch",
            "Digital addresses planned",
            IntegerZeroOrPositive,
            Sum,
            "địa chỉ",
        ),
        element(
            "DCS_THU_THAP",
            "Địa chỉ số đã thu thập, cập nhật",
            "Digital addresses collected and updated",
            IntegerZeroOrPositive,
            Sum,
            "địa chỉ",
        ),
        element(
            "DAN_SO",
            "Dân số",
            "Population",
            IntegerZeroOrPositive,
            Sum,
            "người",
        ),
        element(
            "DAN_CO_HSSK",
            "Người dân có hồ sơ sức khỏe điện tử",
            "People with an electronic health record",
            IntegerZeroOrPositive,
            Sum,
            "người",
        ),
        element(
            "NGUOI_TRUONG_THANH",
            "Người trưởng thành",
            "Adults",
            IntegerZeroOrPositive,
            Sum,
            "người",
        ),
        element(
            "NGUOI_TT_CO_DTTM",
            "Người trưởng thành có điện thoại thông minh",
            "Adults with a smartphone",
            IntegerZeroOrPositive,
            Sum,
            "người",
        ),
        element(
            "HO_GIA_DINH",
            "Hộ gia đình",
            "Households",
            IntegerZeroOrPositive,
            Sum,
            "hộ",
        ),
        element(
            "HO_CAP_QUANG",
            "Hộ gia đình có kết nối cáp quang",
            "Households with fibre broadband",
            IntegerZeroOrPositive,
            Sum,
            "hộ",
        ),
        element(
            "DAN_15_TUOI",
            "Người từ 15 tuổi trở lên",
            "People aged 15 and over",
            IntegerZeroOrPositive,
            Sum,
            "người",
        ),
        element(
            "DAN_15_CO_TKTT",
            "Người từ 15 tuổi có tài khoản thanh toán",
            "People aged 15+ with a payment account",
            IntegerZeroOrPositive,
            Sum,
            "người",
        ),
        element(
            "DV_THUOC_DIEN",
            "Đơn vị thuộc diện thành lập Ban chỉ đạo và ban hành kế hoạch CĐS",
            "Units required to have a DX steering committee and plan",
            IntegerZeroOrPositive,
            Sum,
            "đơn vị",
        ),
        element(
            "DV_CO_BCD_KH",
            "Đơn vị đã có Ban chỉ đạo và kế hoạch CĐS",
            "Units with a DX steering committee and plan",
            IntegerZeroOrPositive,
            Sum,
            "đơn vị",
        ),
        element(
            "THON_TONG",
            "Thôn, khu phố",
            "Villages and neighbourhoods",
            IntegerZeroOrPositive,
            Sum,
            "thôn",
        ),
        element(
            "THON_KHONG_LOM_SONG",
            "Thôn không còn vùng lõm sóng",
            "Villages free of mobile-signal dead zones",
            IntegerZeroOrPositive,
            Sum,
            "thôn",
        ),
        element(
            "TO_CNS_CONG_DONG",
            "Tổ công nghệ số cộng đồng",
            "Community digital-technology teams",
            IntegerZeroOrPositive,
            Sum,
            "tổ",
        ),
        element(
            "DAN_DAO_TAO_KNS",
            "Người dân được tập huấn kỹ năng số cơ bản",
            "People trained in basic digital skills",
            IntegerZeroOrPositive,
            Sum,
            "người",
        ),
        element(
            "SP_CDS_DANG_KY",
            "Sản phẩm chuyển đổi số đã đăng ký",
            "DX products registered",
            IntegerZeroOrPositive,
            Sum,
            "sản phẩm",
        ),
    ];
    let mut dvc = vec![
        element(
            "DVC53_HS_NHAN",
            "Hồ sơ tiếp nhận của 53 dịch vụ công thiết yếu",
            "Dossiers received, 53 essential public services",
            IntegerZeroOrPositive,
            Sum,
            "hồ sơ",
        ),
        element(
            "DVC53_HS_TRUC_TUYEN",
            "Hồ sơ tiếp nhận trực tuyến của 53 dịch vụ công thiết yếu",
            "Dossiers received online, 53 essential public services",
            IntegerZeroOrPositive,
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

pub(super) fn breakdowns() -> Vec<Breakdown> {
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
