//! The 2024 follow-up the 2023 review ordered, as of 30 June 2024: the Chairman's directives
//! (seed paragraph 4), the 2024 DX plans of several agencies and communes linked to the six
//! unmet 2023 targets, and the registers — DX products (the seed's four platforms and the
//! communes' products, not every commune has one yet), information systems, strategic
//! partners and mobile-signal dead zones. All of it is illustrative: the seed publishes the
//! orders, not their progress. Each item says so in its `note`.

use crate::calibrate::unit_interval;
use chiso_core::plan::{
    DeadZone, Directive, DirectiveStatus, FundingSource, InfoSystem, Milestone, Partner, Person,
    Plan, PlanStatus, Product, ProductStatus, ProductType, ProgressUpdate, RegisterEntry, Task,
    TaskStatus,
};
use chiso_core::{Code, DataValueInput, Period, SourceTag, Unit};
use chrono::NaiveDate;

/// The day the demo's plans, directives and registers stand at.
pub const AS_OF: (i32, u32, u32) = (2024, 6, 30);

/// The note every illustrative item carries.
pub const NOTE: &str =
    "Số liệu minh họa (illustrative): bài viết chỉ nêu chỉ đạo, không nêu tiến độ";

pub struct FollowUp {
    pub plans: Vec<Plan>,
    pub directives: Vec<Directive>,
    pub register: Vec<RegisterEntry>,
    /// Villages per commune in 2024 (the 2023 count, unchanged), for the dead-zone indicator.
    pub values: Vec<DataValueInput>,
}

fn c(s: &str) -> Code {
    Code::parse(s).unwrap_or_else(|e| panic!("demo code {s}: {e}"))
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
}

fn note() -> Option<String> {
    Some(NOTE.to_string())
}

fn report(on: NaiveDate, progress: u8, text: &str, evidence: &str) -> ProgressUpdate {
    ProgressUpdate {
        on,
        progress,
        note: text.to_string(),
        evidence: (!evidence.is_empty()).then(|| evidence.to_string()),
        by: "demo".into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn directive(
    n: u32,
    text: &str,
    assignees: &[&str],
    due: NaiveDate,
    progress: u8,
    completed_on: Option<NaiveDate>,
    reports: Vec<ProgressUpdate>,
) -> Directive {
    Directive {
        code: c(&format!("KL2023-{n:02}")),
        source: "Kết luận của Chủ tịch UBND tỉnh tại hội nghị tổng kết CĐS và Đề án 06 năm 2023"
            .into(),
        number: n,
        text: text.to_string(),
        assignees: assignees.iter().map(|a| c(a)).collect(),
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
    }
}

fn directives() -> Vec<Directive> {
    vec![
        directive(1, "Sở Thông tin và Truyền thông hướng dẫn các cấp, ngành, địa phương khẩn trương xây dựng kế hoạch CĐS năm 2024 của từng cơ quan, đơn vị: rõ người, rõ việc, rõ trách nhiệm, có lộ trình, gắn với nguồn lực được phân bổ",
            &["58-SO-TTTT"], d(2024, 1, 31), 100, Some(d(2024, 1, 26)),
            vec![report(d(2024, 1, 26), 100, "Đã ban hành văn bản hướng dẫn xây dựng kế hoạch CĐS năm 2024", "Văn bản hướng dẫn số .../STTTT-CĐS (minh họa)")]),
        directive(2, "Các doanh nghiệp viễn thông xóa vùng lõm sóng, hoàn thành phủ sóng 5G trong tháng 4/2024",
            &["58-VIETTEL", "58-VNPT", "58-MOBIFONE"], d(2024, 4, 30), 75, None,
            vec![
                report(d(2024, 3, 31), 55, "Đã xử lý 4/12 thôn lõm sóng; phát sóng 5G tại thành phố Phan Rang - Tháp Chàm", ""),
                report(d(2024, 6, 15), 75, "Đã xử lý 7/12 thôn lõm sóng; 5G chưa phủ hết các huyện miền núi", "Báo cáo của các doanh nghiệp viễn thông (minh họa)"),
            ]),
        directive(3, "Xây dựng cơ sở dữ liệu đầy đủ, kết nối với các hệ thống quốc gia, khai thác dữ liệu dùng chung",
            &["58-SO-TTTT", "58-CONG-AN"], d(2024, 9, 30), 55, None,
            vec![report(d(2024, 6, 20), 55, "5/8 hệ thống đã kết nối CSDL quốc gia về dân cư hoặc NDXP", "")]),
        directive(4, "Nâng cao chất lượng dịch vụ công trực tuyến và mức độ hài lòng của người dân, doanh nghiệp",
            &["58-VP-UBND"], d(2024, 12, 31), 40, None, vec![]),
        directive(5, "Nâng cao tỷ lệ người dân sử dụng điện thoại thông minh",
            &["58-SO-TTTT", "58-VIETTEL", "58-VNPT", "58-MOBIFONE"], d(2024, 12, 31), 50, None, vec![]),
        directive(6, "Xây dựng phần mềm kho dữ liệu điện tử phục vụ Đề án 06",
            &["58-CONG-AN", "58-VP-UBND"], d(2024, 6, 30), 100, Some(d(2024, 6, 20)),
            vec![report(d(2024, 6, 20), 100, "Kho dữ liệu điện tử của tổ chức, cá nhân đưa vào vận hành", "Quyết định đưa vào sử dụng (minh họa)")]),
        directive(7, "Huy động nguồn lực đầu tư, hỗ trợ doanh nghiệp chuyển đổi số",
            &["58-SO-KHDT", "58-SO-CT"], d(2024, 12, 31), 30, None, vec![]),
        directive(8, "Ký kết hợp tác với các đối tác chiến lược về chuyển đổi số",
            &["58-SO-TTTT"], d(2024, 3, 31), 100, Some(d(2024, 3, 15)),
            vec![report(d(2024, 3, 15), 100, "Đã ký thỏa thuận hợp tác chiến lược", "Thỏa thuận hợp tác (minh họa)")]),
        directive(9, "Nâng tỷ lệ sử dụng chữ ký số cá nhân lên 100%",
            &["58-SO-NV", "58-SO-TTTT"], d(2024, 6, 30), 98, None,
            vec![report(d(2024, 6, 25), 98, "Tỷ lệ cán bộ sử dụng chữ ký số đạt khoảng 98%", "")]),
        directive(10, "Kiện toàn Ban Chỉ đạo CĐS và ban hành chương trình, kế hoạch CĐS ở tất cả các cơ quan, đơn vị",
            &["58-SO-NV"], d(2024, 3, 31), 90, None,
            vec![report(d(2024, 5, 10), 90, "Còn một số UBND cấp xã chưa kiện toàn Ban Chỉ đạo", "")]),
        directive(11, "Năm 2024 mỗi ngành, mỗi địa phương và 100% xã, phường, thị trấn đăng ký ít nhất một sản phẩm CĐS",
            &["58-SO-TTTT", "582-UBND", "584-UBND", "585-UBND"], d(2024, 12, 31), 60, None,
            vec![report(d(2024, 6, 28), 60, "Khoảng hai phần ba số xã đã đăng ký sản phẩm CĐS", "")]),
    ]
}

struct TaskSpec<'a> {
    code: &'a str,
    title: &'a str,
    deliverable: &'a str,
    person: (&'a str, &'a str),
    lead: &'a str,
    cooperating: &'a [&'a str],
    start: NaiveDate,
    due: NaiveDate,
    budget: (i64, i64),
    funding: FundingSource,
    target: &'a str,
    indicator: &'a str,
    progress: u8,
    completed_on: Option<NaiveDate>,
}

fn task(s: TaskSpec<'_>) -> Task {
    let status = match (s.completed_on, s.progress) {
        (Some(_), _) => TaskStatus::Done,
        (None, 0) => TaskStatus::NotStarted,
        _ => TaskStatus::InProgress,
    };
    let mid = s.start + (s.due - s.start) / 2;
    Task {
        code: c(s.code),
        parent: None,
        title: s.title.to_string(),
        description: String::new(),
        deliverable: s.deliverable.to_string(),
        person: Person {
            name: s.person.0.to_string(),
            position: Some(s.person.1.to_string()),
            contact: None,
        },
        lead: c(s.lead),
        cooperating: s.cooperating.iter().map(|u| c(u)).collect(),
        start: s.start,
        due: s.due,
        milestones: vec![Milestone {
            title: "Hoàn thành một nửa khối lượng".into(),
            due: mid,
            done_on: (s.progress >= 50).then_some(mid),
        }],
        budget_allocated: s.budget.0,
        budget_spent: s.budget.1,
        funding: s.funding,
        targets: (!s.target.is_empty())
            .then(|| c(s.target))
            .into_iter()
            .collect(),
        indicators: (!s.indicator.is_empty())
            .then(|| c(s.indicator))
            .into_iter()
            .collect(),
        status,
        progress: s.progress,
        completed_on: s.completed_on,
        updates: if s.progress > 0 {
            vec![report(
                d(2024, 6, 25),
                s.progress,
                "Báo cáo tiến độ 6 tháng đầu năm",
                "",
            )]
        } else {
            vec![]
        },
    }
}

fn plan(unit: &Unit, status: PlanStatus, tasks: Vec<Task>) -> Plan {
    let approved = status == PlanStatus::Approved;
    let submitted = status != PlanStatus::Draft;
    Plan {
        code: c(&format!("KH2024-{}", unit.code)),
        unit: unit.code.clone(),
        year: 2024,
        title: format!("Kế hoạch chuyển đổi số năm 2024 của {}", unit.name_vi),
        status,
        submitted_by: submitted.then(|| format!("dau-moi-{}", unit.code).to_lowercase()),
        submitted_on: submitted.then(|| d(2024, 1, 20)),
        decided_by: approved.then(|| "so-tttt-phe-duyet".to_string()),
        approved_on: approved.then(|| d(2024, 2, 5)),
        comments: if approved {
            vec![chiso_core::plan::Comment {
                on: d(2024, 2, 5),
                by: "so-tttt-phe-duyet".into(),
                text: "Thống nhất; bảo đảm tiến độ các nhiệm vụ gắn với chỉ tiêu chưa đạt năm 2023"
                    .into(),
            }]
        } else {
            vec![]
        },
        tasks,
        note: note(),
    }
}

/// Build the follow-up over the demo's units and 2023 values.
pub fn build(units: &[Unit], communes: &[&Unit], values: &[DataValueInput]) -> FollowUp {
    use FundingSource::*;
    let find = |code: &str| units.iter().find(|u| u.code.as_str() == code);
    let y = |m, day| d(2024, m, day);
    let mut plans = Vec::new();
    let agency_plans: &[(&str, PlanStatus)] = &[
        ("58-SO-TTTT", PlanStatus::Approved),
        ("58-SO-YT", PlanStatus::Approved),
        ("58-SO-GDDT", PlanStatus::Approved),
        ("58-SO-NV", PlanStatus::Approved),
        ("58-VP-UBND", PlanStatus::Approved),
        ("58-SO-TNMT", PlanStatus::Submitted),
        ("582-UBND", PlanStatus::Approved),
        ("584-UBND", PlanStatus::Draft),
    ];
    for (code, status) in agency_plans {
        let Some(u) = find(code) else { continue };
        let tasks = match *code {
            "58-SO-TTTT" => vec![
                task(TaskSpec {
                    code: "1",
                    title: "Phối hợp doanh nghiệp viễn thông xóa thôn lõm sóng, phủ sóng 5G",
                    deliverable: "Không còn thôn lõm sóng",
                    person: ("Lê Văn Hùng (tên minh họa)", "Phó Giám đốc Sở"),
                    lead: "58-SO-TTTT",
                    cooperating: &["58-VIETTEL", "58-VNPT", "58-MOBIFONE"],
                    start: y(1, 15),
                    due: y(4, 30),
                    budget: (0, 0),
                    funding: Enterprise,
                    target: "KH2023_23",
                    indicator: "THON_HET_LOM_SONG_TY_LE",
                    progress: 75,
                    completed_on: None,
                }),
                task(TaskSpec {
                    code: "2",
                    title: "Kết nối các CSDL của tỉnh với CSDL quốc gia về dân cư và NDXP",
                    deliverable: "8/8 hệ thống kết nối",
                    person: (
                        "Phạm Thị Lan (tên minh họa)",
                        "Trưởng phòng Bưu chính - Viễn thông và CNTT",
                    ),
                    lead: "58-SO-TTTT",
                    cooperating: &["58-CONG-AN"],
                    start: y(2, 1),
                    due: y(9, 30),
                    budget: (3_500_000_000, 1_200_000_000),
                    funding: LocalBudget,
                    target: "",
                    indicator: "",
                    progress: 55,
                    completed_on: None,
                }),
                task(TaskSpec {
                    code: "3",
                    title: "Hướng dẫn 100% xã đăng ký sản phẩm CĐS",
                    deliverable: "Danh mục sản phẩm CĐS của 62 xã",
                    person: ("Lê Văn Hùng (tên minh họa)", "Phó Giám đốc Sở"),
                    lead: "58-SO-TTTT",
                    cooperating: &["582-UBND", "584-UBND"],
                    start: y(1, 15),
                    due: y(12, 15),
                    budget: (400_000_000, 150_000_000),
                    funding: LocalBudget,
                    target: "",
                    indicator: "",
                    progress: 60,
                    completed_on: None,
                }),
                task(TaskSpec {
                    code: "4",
                    title: "Ký thỏa thuận hợp tác với đối tác chiến lược về CĐS",
                    deliverable: "Thỏa thuận hợp tác",
                    person: ("Nguyễn Minh Tuấn (tên minh họa)", "Giám đốc Sở"),
                    lead: "58-SO-TTTT",
                    cooperating: &["58-DOI-TAC-1"],
                    start: y(1, 10),
                    due: y(3, 31),
                    budget: (0, 0),
                    funding: Other,
                    target: "",
                    indicator: "",
                    progress: 100,
                    completed_on: Some(y(3, 15)),
                }),
            ],
            "58-SO-YT" => vec![
                task(TaskSpec {
                    code: "1",
                    title: "Mở rộng hồ sơ sức khỏe điện tử đến 100% trạm y tế xã",
                    deliverable: "Hồ sơ sức khỏe điện tử tại 62 trạm y tế",
                    person: ("Trần Thị Hoa (tên minh họa)", "Phó Giám đốc Sở Y tế"),
                    lead: "58-SO-YT",
                    cooperating: &["58-SO-TTTT"],
                    start: y(1, 15),
                    due: y(10, 31),
                    budget: (2_800_000_000, 900_000_000),
                    funding: StateBudget,
                    target: "",
                    indicator: "",
                    progress: 45,
                    completed_on: None,
                }),
                task(TaskSpec {
                    code: "2",
                    title: "Thanh toán viện phí không dùng tiền mặt tại bệnh viện tỉnh",
                    deliverable: "Thanh toán số tại 100% quầy thu",
                    person: ("Trần Thị Hoa (tên minh họa)", "Phó Giám đốc Sở Y tế"),
                    lead: "58-SO-YT",
                    cooperating: &["58-VNPT"],
                    start: y(2, 1),
                    due: y(5, 31),
                    budget: (600_000_000, 600_000_000),
                    funding: Enterprise,
                    target: "",
                    indicator: "",
                    progress: 100,
                    completed_on: Some(y(6, 10)),
                }),
            ],
            "58-SO-GDDT" => vec![
                task(TaskSpec {
                    code: "1",
                    title: "Nền tảng dạy và học trực tuyến cho các trường THCS, THPT",
                    deliverable: "Nền tảng vận hành tại 100% trường",
                    person: ("Võ Văn Bình (tên minh họa)", "Phó Giám đốc Sở GD&ĐT"),
                    lead: "58-SO-GDDT",
                    cooperating: &[],
                    start: y(1, 1),
                    due: y(8, 31),
                    budget: (1_500_000_000, 700_000_000),
                    funding: LocalBudget,
                    target: "",
                    indicator: "",
                    progress: 60,
                    completed_on: None,
                }),
                task(TaskSpec {
                    code: "2",
                    title: "Số hóa học bạ, văn bằng",
                    deliverable: "Kho học bạ số",
                    person: ("Võ Văn Bình (tên minh họa)", "Phó Giám đốc Sở GD&ĐT"),
                    lead: "58-SO-GDDT",
                    cooperating: &[],
                    start: y(3, 1),
                    due: y(12, 31),
                    budget: (800_000_000, 100_000_000),
                    funding: LocalBudget,
                    target: "KH2023_07",
                    indicator: "SO_HOA_TY_LE",
                    progress: 20,
                    completed_on: None,
                }),
            ],
            "58-SO-NV" => vec![
                task(TaskSpec {
                    code: "1",
                    title: "Cấp chữ ký số cá nhân cho 100% cán bộ, công chức, viên chức",
                    deliverable: "Chữ ký số 100%",
                    person: ("Đặng Văn Sơn (tên minh họa)", "Phó Giám đốc Sở Nội vụ"),
                    lead: "58-SO-NV",
                    cooperating: &["58-SO-TTTT"],
                    start: y(1, 15),
                    due: y(6, 30),
                    budget: (300_000_000, 250_000_000),
                    funding: LocalBudget,
                    target: "KH2023_04",
                    indicator: "CKS_TY_LE",
                    progress: 98,
                    completed_on: None,
                }),
                task(TaskSpec {
                    code: "2",
                    title: "Kiện toàn Ban Chỉ đạo CĐS ở tất cả các đơn vị",
                    deliverable: "Quyết định kiện toàn của 100% đơn vị",
                    person: ("Đặng Văn Sơn (tên minh họa)", "Phó Giám đốc Sở Nội vụ"),
                    lead: "58-SO-NV",
                    cooperating: &[],
                    start: y(1, 15),
                    due: y(3, 31),
                    budget: (0, 0),
                    funding: Other,
                    target: "KH2023_22",
                    indicator: "BCD_KH_TY_LE",
                    progress: 90,
                    completed_on: None,
                }),
            ],
            "58-VP-UBND" => vec![
                task(TaskSpec {
                    code: "1",
                    title: "Nâng cấp Cổng dịch vụ công: thêm dịch vụ công trực tuyến toàn trình",
                    deliverable: "80% thủ tục đủ điều kiện cung cấp toàn trình",
                    person: ("Huỳnh Văn Phúc (tên minh họa)", "Phó Chánh Văn phòng"),
                    lead: "58-VP-UBND",
                    cooperating: &["58-SO-TTTT"],
                    start: y(1, 15),
                    due: y(11, 30),
                    budget: (2_000_000_000, 500_000_000),
                    funding: LocalBudget,
                    target: "KH2023_05",
                    indicator: "DVCTT_TOAN_TRINH_TY_LE",
                    progress: 35,
                    completed_on: None,
                }),
                task(TaskSpec {
                    code: "2",
                    title: "Triển khai đủ 53 dịch vụ công thiết yếu theo Đề án 06",
                    deliverable: "53/53 dịch vụ",
                    person: ("Huỳnh Văn Phúc (tên minh họa)", "Phó Chánh Văn phòng"),
                    lead: "58-VP-UBND",
                    cooperating: &["58-CONG-AN"],
                    start: y(1, 15),
                    due: y(6, 30),
                    budget: (700_000_000, 400_000_000),
                    funding: StateBudget,
                    target: "KH2023_12",
                    indicator: "DVC53_TY_LE",
                    progress: 90,
                    completed_on: None,
                }),
            ],
            "58-SO-TNMT" => vec![task(TaskSpec {
                code: "1",
                title: "Số hóa hồ sơ đất đai",
                deliverable: "CSDL đất đai",
                person: ("Ngô Văn Tài (tên minh họa)", "Phó Giám đốc Sở"),
                lead: "58-SO-TNMT",
                cooperating: &[],
                start: y(3, 1),
                due: y(12, 31),
                budget: (4_000_000_000, 300_000_000),
                funding: StateBudget,
                target: "KH2023_07",
                indicator: "SO_HOA_TY_LE",
                progress: 15,
                completed_on: None,
            })],
            _ => vec![
                task(TaskSpec {
                    code: "1",
                    title: "Hướng dẫn các xã đăng ký sản phẩm CĐS",
                    deliverable: "Mỗi xã ít nhất một sản phẩm",
                    person: ("Lý Văn Khoa (tên minh họa)", "Phó Chủ tịch UBND"),
                    lead: code,
                    cooperating: &["58-SO-TTTT"],
                    start: y(2, 1),
                    due: y(9, 30),
                    budget: (200_000_000, 50_000_000),
                    funding: LocalBudget,
                    target: "",
                    indicator: "",
                    progress: 40,
                    completed_on: None,
                }),
                task(TaskSpec {
                    code: "2",
                    title: "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
                    deliverable: "80% hồ sơ được số hóa",
                    person: ("Lý Văn Khoa (tên minh họa)", "Phó Chủ tịch UBND"),
                    lead: code,
                    cooperating: &[],
                    start: y(2, 1),
                    due: y(12, 31),
                    budget: (300_000_000, 80_000_000),
                    funding: LocalBudget,
                    target: "KH2023_07",
                    indicator: "SO_HOA_TY_LE",
                    progress: 30,
                    completed_on: None,
                }),
            ],
        };
        plans.push(plan(u, *status, tasks));
    }
    // Six communes' plans: four approved, one submitted, one draft.
    for (i, u) in communes.iter().take(6).enumerate() {
        let status = match i {
            4 => PlanStatus::Submitted,
            5 => PlanStatus::Draft,
            _ => PlanStatus::Approved,
        };
        let code = u.code.as_str();
        let done = i % 2 == 0;
        let tasks = vec![
            task(TaskSpec { code: "1", title: "Đăng ký ít nhất một sản phẩm CĐS của xã", deliverable: "Sản phẩm CĐS được đăng ký", person: ("Công chức Văn phòng - Thống kê (minh họa)", "Công chức"), lead: code, cooperating: &["58-SO-TTTT"], start: y(1, 15), due: y(5, 31), budget: (30_000_000, if done { 30_000_000 } else { 5_000_000 }), funding: LocalBudget, target: "", indicator: "", progress: if done { 100 } else { 40 }, completed_on: done.then(|| y(5, 20)) }),
            task(TaskSpec { code: "2", title: "Tổ công nghệ số cộng đồng hướng dẫn người dân dùng dịch vụ công trực tuyến toàn trình", deliverable: "Người dân được hướng dẫn", person: ("Tổ trưởng Tổ công nghệ số cộng đồng (minh họa)", "Tổ trưởng"), lead: code, cooperating: &[], start: y(2, 1), due: y(11, 30), budget: (20_000_000, 8_000_000), funding: LocalBudget, target: "KH2023_05", indicator: "DVCTT_TOAN_TRINH_TY_LE", progress: 35, completed_on: None }),
        ];
        plans.push(plan(u, status, tasks));
    }

    let mut register = Vec::new();
    // The seed's four platforms.
    let platforms: &[(&str, &str, &str, &str, ProductStatus)] = &[
        (
            "SP-GIAO-DUC",
            "Nền tảng dạy và học trực tuyến",
            "58-SO-GDDT",
            "Giáo dục",
            ProductStatus::InUse,
        ),
        (
            "SP-HSSK",
            "Hồ sơ sức khỏe điện tử",
            "58-SO-YT",
            "Y tế",
            ProductStatus::InUse,
        ),
        (
            "SP-CONG-DAN-SO",
            "Ứng dụng Công dân số Ninh Thuận",
            "58-SO-TTTT",
            "Thông tin và Truyền thông",
            ProductStatus::InUse,
        ),
        (
            "SP-THANH-TOAN-SO",
            "Thanh toán số trong dịch vụ công và y tế",
            "58-SO-CT",
            "Công Thương",
            ProductStatus::Pilot,
        ),
    ];
    for (code, name, owner, sector, status) in platforms {
        register.push(RegisterEntry::Product(Product {
            code: c(code),
            name: name.to_string(),
            owner: c(owner),
            sector: sector.to_string(),
            product_type: ProductType::Platform,
            status: *status,
            registered_on: d(2023, 3, 1),
            in_use_on: (*status == ProductStatus::InUse).then(|| d(2023, 6, 1)),
            link: None,
            evidence: None,
            note: Some("Nền tảng nêu trong bài viết; ngày và trạng thái là minh họa".into()),
        }));
    }
    // Communes: the 2023 count of products registered, then a few more in the first half of
    // 2024 — some communes still have none.
    for u in communes {
        let code = u.code.as_str();
        let n2023: i64 = values
            .iter()
            .find(|v| {
                v.element.as_str() == "SP_CDS_DANG_KY"
                    && v.unit == u.code
                    && v.period == Period::Year(2023)
            })
            .and_then(|v| v.value.parse().ok())
            .unwrap_or(0);
        let extra = i64::from(n2023 == 0 && unit_interval(&format!("sp2024/{code}")) < 0.45);
        for k in 0..(n2023 + extra) {
            let in_2023 = k < n2023;
            let registered_on = if in_2023 {
                d(2023, 9, 1)
            } else {
                d(2024, 5, 15)
            };
            register.push(RegisterEntry::Product(Product {
                code: c(&format!("SP-{code}-{}", k + 1)),
                name: if k == 0 {
                    format!("Trang thông tin điện tử và Zalo OA của {}", u.name_vi)
                } else {
                    format!("Bản đồ số nông sản {}", u.name_vi)
                },
                owner: u.code.clone(),
                sector: "Chính quyền số".into(),
                product_type: if k == 0 {
                    ProductType::Service
                } else {
                    ProductType::Data
                },
                status: if in_2023 {
                    ProductStatus::InUse
                } else {
                    ProductStatus::Registered
                },
                registered_on,
                in_use_on: in_2023.then(|| d(2023, 12, 1)),
                link: None,
                evidence: None,
                note: note(),
            }));
        }
    }
    // Information systems and their connections.
    type Connections = (Option<NaiveDate>, Option<NaiveDate>, Option<NaiveDate>);
    let systems: &[(&str, &str, &str, Connections)] = &[
        (
            "HT-DVC",
            "Hệ thống thông tin giải quyết thủ tục hành chính",
            "58-VP-UBND",
            (
                Some(d(2022, 10, 1)),
                Some(d(2022, 6, 1)),
                Some(d(2021, 5, 1)),
            ),
        ),
        (
            "HT-QLVB",
            "Hệ thống quản lý văn bản và điều hành",
            "58-VP-UBND",
            (None, Some(d(2023, 4, 1)), Some(d(2021, 5, 1))),
        ),
        (
            "HT-HSSK",
            "Hệ thống hồ sơ sức khỏe điện tử",
            "58-SO-YT",
            (Some(d(2023, 8, 1)), None, Some(d(2023, 8, 1))),
        ),
        (
            "HT-CSDL-GD",
            "Cơ sở dữ liệu ngành giáo dục",
            "58-SO-GDDT",
            (Some(d(2024, 3, 1)), None, None),
        ),
        (
            "HT-CSDL-DD",
            "Cơ sở dữ liệu đất đai",
            "58-SO-TNMT",
            (None, None, Some(d(2024, 2, 1))),
        ),
        (
            "HT-LDTBXH",
            "Cơ sở dữ liệu an sinh xã hội",
            "58-SO-LDTBXH",
            (Some(d(2024, 5, 1)), None, Some(d(2023, 11, 1))),
        ),
        (
            "HT-HTX",
            "Cơ sở dữ liệu doanh nghiệp, hợp tác xã",
            "58-SO-KHDT",
            (None, None, None),
        ),
        (
            "HT-KHO-DL",
            "Kho dữ liệu điện tử của tổ chức, cá nhân (Đề án 06)",
            "58-VP-UBND",
            // In operation on 20 June 2024; connected nationally only in July.
            (
                Some(d(2024, 7, 15)),
                Some(d(2024, 7, 15)),
                Some(d(2024, 6, 20)),
            ),
        ),
    ];
    for (code, name, owner, (pop, ndxp, lgsp)) in systems {
        register.push(RegisterEntry::System(InfoSystem {
            code: c(code),
            name: name.to_string(),
            owner: c(owner),
            purpose: name.to_string(),
            population_db: *pop,
            ndxp: *ndxp,
            lgsp: *lgsp,
            since: d(2021, 1, 1),
            note: note(),
        }));
    }
    // Strategic partners.
    let partners: &[(&str, &str, &str, NaiveDate, &[&str])] = &[
        (
            "DT-DOI-TAC-1",
            "58-DOI-TAC-1",
            "Thỏa thuận hợp tác chiến lược về chuyển đổi số giai đoạn 2024-2025",
            d(2024, 3, 15),
            &[
                "Hỗ trợ xây dựng trung tâm điều hành thông minh",
                "Đào tạo kỹ năng số cho cán bộ",
            ],
        ),
        (
            "DT-VIETTEL",
            "58-VIETTEL",
            "Thỏa thuận hợp tác về hạ tầng số và phủ sóng 5G",
            d(2023, 5, 10),
            &["Phủ sóng 5G toàn tỉnh", "Xóa thôn lõm sóng"],
        ),
        (
            "DT-VNPT",
            "58-VNPT",
            "Thỏa thuận hợp tác về chính quyền số",
            d(2023, 7, 1),
            &["Hệ thống quản lý văn bản", "Hồ sơ sức khỏe điện tử"],
        ),
    ];
    for (code, owner, agreement, signed_on, commitments) in partners {
        register.push(RegisterEntry::Partner(Partner {
            code: c(code),
            owner: c(owner),
            agreement: agreement.to_string(),
            counterpart: c("58"),
            signed_on: *signed_on,
            commitments: commitments.iter().map(|s| s.to_string()).collect(),
            note: note(),
        }));
    }
    // Dead zones: one for each village the 2023 figures count as not free of dead zones
    // (THON_TONG − THON_KHONG_LOM_SONG per commune); seven resolved by June 2024.
    let get = |element: &str, unit: &Code| -> i64 {
        values
            .iter()
            .find(|v| {
                v.element.as_str() == element && &v.unit == unit && v.period == Period::Year(2023)
            })
            .and_then(|v| v.value.parse().ok())
            .unwrap_or(0)
    };
    let operators = ["58-VIETTEL", "58-VNPT", "58-MOBIFONE"];
    let mut n = 0usize;
    let mut villages_2024 = Vec::new();
    for u in communes {
        let total = get("THON_TONG", &u.code);
        let gap = total - get("THON_KHONG_LOM_SONG", &u.code);
        if total > 0 {
            villages_2024.push(DataValueInput {
                element: c("THON_TONG"),
                unit: u.code.clone(),
                period: Period::Year(2024),
                breakdown: None,
                value: total.to_string(),
                comment: Some("Số minh họa: số thôn giữ như năm 2023".into()),
                source: SourceTag::Illustrative,
            });
        }
        for k in 0..gap {
            n += 1;
            let resolved = n <= 7;
            register.push(RegisterEntry::DeadZone(DeadZone {
                code: c(&format!("VLS-{n:02}")),
                owner: u.code.clone(),
                village: format!("Thôn {} (minh họa)", k + 1),
                operator: c(operators[n % 3]),
                found_on: d(2023, 3, 1),
                planned_on: Some(if resolved {
                    d(2024, 4, 30)
                } else {
                    d(2024, 9, 30)
                }),
                resolved_on: resolved.then(|| d(2024, 2 + (n as u32 % 4), 10)),
                note: note(),
            }));
        }
    }
    FollowUp {
        plans,
        directives: directives(),
        register,
        values: villages_2024,
    }
}

/// The 2024 targets the follow-up is judged by, on the derived figures (as of 30 June 2024
/// most are at risk; 5G is overdue; the Project 06 data store was done early).
pub fn framework_2024() -> chiso_core::Framework {
    use chiso_core::{Comparator, Target, TargetScope};
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
            note: Some(NOTE.to_string()),
        };
    let g = |s: &str| TargetScope::Group(c(s));
    let u = |s: &str| TargetScope::Unit(c(s));
    chiso_core::Framework {
        code: c("KH_CDS_2024"),
        name_vi: "Theo dõi thực hiện kết luận hội nghị tổng kết CĐS năm 2023 (năm 2024)".into(),
        name_en: Some("Follow-up of the 2023 review's conclusions (2024)".into()),
        description: Some(format!(
            "Chỉ tiêu năm 2024 tính từ kế hoạch, chỉ đạo và sổ đăng ký. {NOTE}"
        )),
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

#[cfg(test)]
mod tests {
    use crate::dataset;
    use chiso_core::plan::{PlanStatus, RegisterEntry};
    use std::collections::HashSet;

    #[test]
    fn the_follow_up_as_of_june_2024() {
        let d = dataset().unwrap_or_else(|e| panic!("{e}"));
        let day = super::d(2024, 6, 30);
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
