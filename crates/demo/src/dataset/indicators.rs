//! The demo's indicators: the ratios behind the year's targets and the seed's other figures.

use super::c;
use chiso_core::{Direction, Indicator};

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
pub(super) fn indicators() -> Vec<Indicator> {
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
