//! The 2024 targets the follow-up is judged by.

use super::c;
use chiso_core::Period;
use chrono::NaiveDate;

/// The note of the illustrative targets, in Vietnamese and English (each page shows one).
const NOTE_BOTH: &str = "Số liệu minh họa: bài viết chỉ nêu chỉ đạo, không nêu tiến độ / \
    Illustrative: the article gives the orders, not their progress";

/// The 2024 targets the follow-up is judged by, on the derived figures (as of 30 June 2024
/// most are at risk; 5G is overdue; the Project 06 data store was done early).
pub fn framework_2024() -> chiso_core::Framework {
    use chiso_core::{Comparator, Target, TargetPillar, TargetScope};
    // 1, 2, 3, 6: plans, products and directives (digital government); 4, 5, 7: dead zones,
    // connected systems, 5G (infrastructure); 8: the Project 06 data store.
    let pillar = |n: u32| match n {
        4 | 5 | 7 => TargetPillar::Infrastructure,
        8 => TargetPillar::Project06,
        _ => TargetPillar::DigitalGovernment,
    };
    let y = Period::Year(2024);
    let value = |n: u32, vi: &str, en: &str, scope: TargetScope, indicator: &str| Target {
        code: c(&format!("KH2024_{n:02}")),
        name_vi: vi.to_string(),
        name_en: Some(en.to_string()),
        scope,
        period: y,
        indicator: Some(c(indicator)),
        comparator: Some(Comparator::AtLeast),
        value: Some(100.0),
        due: None,
        completed_on: None,
        note: None,
        pillar: Some(pillar(n)),
    };
    let deadline =
        |n: u32, vi: &str, en: &str, unit: &str, due: NaiveDate, done: Option<NaiveDate>| Target {
            code: c(&format!("KH2024_{n:02}")),
            name_vi: vi.to_string(),
            name_en: Some(en.to_string()),
            scope: TargetScope::Unit(c(unit)),
            period: y,
            indicator: None,
            comparator: None,
            value: None,
            due: Some(due),
            completed_on: done,
            note: Some(NOTE_BOTH.to_string()),
            pillar: Some(pillar(n)),
        };
    let g = |s: &str| TargetScope::Group(c(s));
    let u = |s: &str| TargetScope::Unit(c(s));
    chiso_core::Framework {
        code: c("KH_CDS_2024"),
        name_vi: "Theo dõi thực hiện kết luận hội nghị tổng kết CĐS năm 2023 (năm 2024)".into(),
        name_en: Some("Follow-up of the 2023 review's conclusions (2024)".into()),
        description: Some(
            "Chỉ tiêu năm 2024 tính từ kế hoạch, chỉ đạo và sổ đăng ký. Số liệu minh họa: bài \
             viết chỉ nêu chỉ đạo, không nêu tiến độ. / The 2024 targets, computed from the plans, \
             directives and registers. Illustrative: the article gives the orders, not their \
             progress."
                .into(),
        ),
        pillars: vec![],
        targets: vec![
            value(
                1,
                "Cơ quan, đơn vị có kế hoạch CĐS năm 2024 được phê duyệt",
                "Agencies and communes with an approved 2024 DX plan",
                g("58_TOAN_TINH"),
                "KH_DUYET_TY_LE",
            ),
            value(
                2,
                "Xã, phường, thị trấn có ít nhất một sản phẩm CĐS",
                "Communes with at least one DX product",
                g("58_CAP_XA"),
                "SP_CDS_PHU_TY_LE",
            ),
            value(
                3,
                "Sở, ban, ngành có ít nhất một sản phẩm CĐS",
                "Provincial agencies with at least one DX product",
                g("58_CO_QUAN_TINH"),
                "SP_CDS_PHU_TY_LE",
            ),
            value(
                4,
                "Thôn không còn vùng lõm sóng (theo sổ vùng lõm)",
                "Villages free of dead zones (dead-zone register)",
                u("58"),
                "THON_HET_LOM_SONG_SDK_TY_LE",
            ),
            value(
                5,
                "Hệ thống thông tin kết nối hệ thống quốc gia",
                "Information systems connected to national systems",
                u("58"),
                "HTTT_KET_NOI_TY_LE",
            ),
            value(
                6,
                "Chỉ đạo hoàn thành",
                "Directives done",
                u("58"),
                "CD_HOAN_THANH_TY_LE",
            ),
            deadline(
                7,
                "Hoàn thành phủ sóng 5G",
                "5G coverage completed",
                "58-VIETTEL",
                NaiveDate::from_ymd_opt(2024, 4, 30).unwrap_or(NaiveDate::MIN),
                None,
            ),
            deadline(
                8,
                "Đưa kho dữ liệu điện tử (Đề án 06) vào vận hành",
                "Project 06 electronic data store in operation",
                "58-CONG-AN",
                NaiveDate::from_ymd_opt(2024, 6, 30).unwrap_or(NaiveDate::MIN),
                Some(NaiveDate::from_ymd_opt(2024, 6, 20).unwrap_or(NaiveDate::MIN)),
            ),
        ],
    }
}
