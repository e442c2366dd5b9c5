//! The Chairman's directives of the 2023 review's conclusions (seed paragraph 4) and their
//! progress as of 30 June 2024.

use super::{c, d, note, note_en, report};
use chiso_core::plan::{Directive, DirectiveStatus, ProgressUpdate};
use chrono::NaiveDate;

#[allow(clippy::too_many_arguments)]
fn directive(
    n: u32,
    (text, text_en): (&str, &str),
    assignees: &[&str],
    due: NaiveDate,
    progress: u8,
    completed_on: Option<NaiveDate>,
    reports: Vec<ProgressUpdate>,
) -> Directive {
    let targets = addresses(n).iter().map(|t| c(t)).collect();
    Directive {
        code: c(&format!("KL2023-{n:02}")),
        source: "Kết luận của Chủ tịch UBND tỉnh tại hội nghị tổng kết CĐS và Đề án 06 năm 2023"
            .into(),
        number: n,
        text: text.to_string(),
        text_en: Some(text_en.to_string()),
        assignees: assignees.iter().map(|a| c(a)).collect(),
        targets,
        issued_on: d(2023, 12, 28),
        due,
        status: match (completed_on, progress) {
            (Some(_), _) => DirectiveStatus::Done,
            (None, 0) => DirectiveStatus::Open,
            _ => DirectiveStatus::InProgress,
        },
        progress,
        completed_on,
        reports,
        note: note(),
        note_en: note_en(),
    }
}

/// The targets each directive addresses: the six 2023 targets not met (signatures, online
/// services, digitisation, the 53 essential services, steering committees and plans, dead
/// zones) each have at least one, and the 2024 targets the follow-up measures.
fn addresses(n: u32) -> &'static [&'static str] {
    match n {
        1 => &["KH2023_22", "KH2024_01"],
        2 => &["KH2023_23", "KH2024_04", "KH2024_07"],
        3 => &["KH2024_05"],
        4 => &["KH2023_05", "KH2023_07"],
        5 => &["KH2023_19"],
        6 => &["KH2023_12", "KH2024_08"],
        7 => &["KH2023_16"],
        9 => &["KH2023_04"],
        10 => &["KH2023_22"],
        11 => &["KH2024_02", "KH2024_03"],
        _ => &[],
    }
}

pub(super) fn directives() -> Vec<Directive> {
    vec![
        directive(1, ("Sở Thông tin và Truyền thông hướng dẫn các cấp, ngành, địa phương khẩn trương xây dựng kế hoạch CĐS năm 2024 của từng cơ quan, đơn vị: rõ người, rõ việc, rõ trách nhiệm, có lộ trình, gắn với nguồn lực được phân bổ",
            "The Department of Information and Communications guides every level, sector and locality to draw up without delay each agency's and unit's 2024 DX plan: clear people, clear tasks, clear responsibilities, a roadmap, and the resources allocated"),
            &["58-SO-TTTT"], d(2024, 1, 31), 100, Some(d(2024, 1, 26)),
            vec![report(d(2024, 1, 26), 100, ("Đã ban hành văn bản hướng dẫn xây dựng kế hoạch CĐS năm 2024", "Guidance on drawing up the 2024 DX plans issued"), "Văn bản hướng dẫn số .../STTTT-CĐS (minh họa)")]),
        directive(2, ("Các doanh nghiệp viễn thông xóa vùng lõm sóng, hoàn thành phủ sóng 5G trong tháng 4/2024",
            "Telecom operators eliminate mobile-signal dead zones and complete 5G coverage in April 2024"),
            &["58-VIETTEL", "58-VNPT", "58-MOBIFONE"], d(2024, 4, 30), 75, None,
            vec![
                report(d(2024, 3, 31), 55, ("Đã xử lý 4/12 thôn lõm sóng; phát sóng 5G tại thành phố Phan Rang - Tháp Chàm", "4 of 12 villages in dead zones covered; 5G on air in Phan Rang - Thap Cham City"), ""),
                report(d(2024, 6, 15), 75, ("Đã xử lý 7/12 thôn lõm sóng; 5G chưa phủ hết các huyện miền núi", "7 of 12 villages in dead zones covered; 5G does not yet reach every mountain district"), "Báo cáo của các doanh nghiệp viễn thông (minh họa)"),
            ]),
        directive(3, ("Xây dựng cơ sở dữ liệu đầy đủ, kết nối với các hệ thống quốc gia, khai thác dữ liệu dùng chung",
            "Build complete databases, connect them to the national systems and make use of shared data"),
            &["58-SO-TTTT", "58-CONG-AN"], d(2024, 9, 30), 55, None,
            vec![report(d(2024, 6, 20), 55, ("5/8 hệ thống đã kết nối CSDL quốc gia về dân cư hoặc NDXP", "5 of 8 systems connected to the national population database or the NDXP"), "")]),
        directive(4, ("Nâng cao chất lượng dịch vụ công trực tuyến và mức độ hài lòng của người dân, doanh nghiệp",
            "Improve the quality of online public services and the satisfaction of citizens and businesses"),
            &["58-VP-UBND"], d(2024, 12, 31), 40, None, vec![]),
        directive(5, ("Nâng cao tỷ lệ người dân sử dụng điện thoại thông minh", "Raise the share of people using a smartphone"),
            &["58-SO-TTTT", "58-VIETTEL", "58-VNPT", "58-MOBIFONE"], d(2024, 12, 31), 50, None, vec![]),
        directive(6, ("Xây dựng phần mềm kho dữ liệu điện tử phục vụ Đề án 06", "Build the electronic data store software for Project 06"),
            &["58-CONG-AN", "58-VP-UBND"], d(2024, 6, 30), 100, Some(d(2024, 6, 20)),
            vec![report(d(2024, 6, 20), 100, ("Kho dữ liệu điện tử của tổ chức, cá nhân đưa vào vận hành", "The electronic data store of organisations and individuals is in operation"), "Quyết định đưa vào sử dụng (minh họa)")]),
        directive(7, ("Huy động nguồn lực đầu tư, hỗ trợ doanh nghiệp chuyển đổi số", "Mobilise investment and support businesses' digital transformation"),
            &["58-SO-KHDT", "58-SO-CT"], d(2024, 12, 31), 30, None, vec![]),
        directive(8, ("Ký kết hợp tác với các đối tác chiến lược về chuyển đổi số", "Sign cooperation agreements with strategic partners on digital transformation"),
            &["58-SO-TTTT"], d(2024, 3, 31), 100, Some(d(2024, 3, 15)),
            vec![report(d(2024, 3, 15), 100, ("Đã ký thỏa thuận hợp tác chiến lược", "Strategic cooperation agreement signed"), "Thỏa thuận hợp tác (minh họa)")]),
        directive(9, ("Nâng tỷ lệ sử dụng chữ ký số cá nhân lên 100%", "Raise the use of personal digital signatures to 100%"),
            &["58-SO-NV", "58-SO-TTTT"], d(2024, 6, 30), 98, None,
            vec![report(d(2024, 6, 25), 98, ("Tỷ lệ cán bộ sử dụng chữ ký số đạt khoảng 98%", "About 98% of officials use a digital signature"), "")]),
        directive(10, ("Kiện toàn Ban Chỉ đạo CĐS và ban hành chương trình, kế hoạch CĐS ở tất cả các cơ quan, đơn vị",
            "Set up or renew the DX steering committee and issue a DX programme and plan in every agency and unit"),
            &["58-SO-NV"], d(2024, 3, 31), 90, None,
            vec![report(d(2024, 5, 10), 90, ("Còn một số UBND cấp xã chưa kiện toàn Ban Chỉ đạo", "Some commune People's Committees have not yet renewed their steering committee"), "")]),
        directive(11, ("Năm 2024 mỗi ngành, mỗi địa phương và 100% xã, phường, thị trấn đăng ký ít nhất một sản phẩm CĐS",
            "In 2024 every sector, every locality and 100% of communes, wards and townships register at least one DX product"),
            &["58-SO-TTTT", "582-UBND", "584-UBND", "585-UBND"], d(2024, 12, 31), 60, None,
            vec![report(d(2024, 6, 28), 60, ("Khoảng hai phần ba số xã đã đăng ký sản phẩm CĐS", "About two thirds of the communes have registered a DX product"), "")]),
    ]
}
