//! What the demo's figures are judged by: the 2023 target framework and the illustrative
//! commune DX scorecard.

use super::c;
use chiso_core::{
    Comparator, Criterion, Framework, Period, Pillar, Rule, Scorecard, Target, TargetPillar,
    TargetScope,
};
use chrono::NaiveDate;

/// An illustrative commune DX index in the manner of the ministry's DTI.
pub(super) fn commune_scorecard() -> Scorecard {
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

/// The pillar of each of the 2023 targets: 1–9 and 22 digital government (documents,
/// signatures, online services, reporting, officials' identities, steering committees and
/// plans), 10–13 Project 06, 14–16 digital economy, 18, 19 and 21 digital society (Decision
/// 411/QĐ-TTg's health records, smartphones and payment accounts), 17, 20 and 23
/// infrastructure and platforms (digital addresses, fibre, dead zones).
fn pillar_2023(n: u32) -> TargetPillar {
    match n {
        10..=13 => TargetPillar::Project06,
        14..=16 => TargetPillar::DigitalEconomy,
        18 | 19 | 21 => TargetPillar::DigitalSociety,
        17 | 20 | 23 => TargetPillar::Infrastructure,
        _ => TargetPillar::DigitalGovernment,
    }
}

/// The 2023 target framework: 23 targets, 17 met (see docs/demo.md).
pub(super) fn framework_2023() -> Framework {
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
        pillar: Some(pillar_2023(n)),
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
        t(7, "Số hóa hồ sơ, kết quả giải quyết TTHC", "Dossiers and results digitised", u("58"), "KDL_SO_HOA_TY_LE", 80.0),
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
            pillar: Some(pillar_2023(10)),
            note: Some("Hoàn thành trước hạn 52 ngày (số công bố; một trong 28 tỉnh hoàn thành sớm). Hạn 30/06/2023 là ngày minh họa. / Done 52 days before the deadline (published; one of 28 provinces to finish early). The deadline of 30 June 2023 is illustrative.".into()),
        },
        t(11, "Kích hoạt định danh điện tử (VNeID) theo chỉ tiêu được giao", "E-ID (VNeID) activation target", u("58-CONG-AN"), "VNEID_TY_LE", 100.0),
        t(12, "53 dịch vụ công thiết yếu", "53 essential public services", u("58"), "KDL_DVC53_TY_LE", 100.0),
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
    targets[10].note = Some("Một trong 24 tỉnh hoàn thành chỉ tiêu kích hoạt (số công bố). / One of 24 provinces to meet the activation target (published).".into());
    Framework {
        code: c("KH_CDS_2023"),
        name_vi: "Kế hoạch chuyển đổi số năm 2023 của tỉnh Ninh Thuận: 23 chỉ tiêu".into(),
        name_en: Some("Ninh Thuan's 2023 digital-transformation plan: 23 targets".into()),
        pillars: TargetPillar::ALL.to_vec(),
        description: Some("Khung chỉ tiêu đại diện (danh mục của tỉnh không được công bố); chỉ tiêu quốc gia theo Quyết định 942/QĐ-TTg và 411/QĐ-TTg. / A representative set of targets (the province's own list was not published); national targets from Decisions 942/QD-TTg and 411/QD-TTg.".into()),
        targets,
    }
}
