//! The 2024 DX plans of several agencies and communes, their tasks linked to the six unmet
//! 2023 targets.

use super::{c, d, report, PLAN_NOTE, PLAN_NOTE_EN};
use chiso_core::plan::{FundingSource, Milestone, Person, Plan, PlanStatus, Task, TaskStatus};
use chiso_core::Unit;
use chrono::NaiveDate;

/// A task; its texts in Vietnamese and English, the person as (name, position in
/// Vietnamese, position in English).
struct TaskSpec<'a> {
    code: &'a str,
    title: (&'a str, &'a str),
    deliverable: (&'a str, &'a str),
    person: (&'a str, &'a str, &'a str),
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
        title: s.title.0.to_string(),
        title_en: Some(s.title.1.to_string()),
        description: String::new(),
        deliverable: s.deliverable.0.to_string(),
        deliverable_en: Some(s.deliverable.1.to_string()),
        person: Person {
            name: s.person.0.to_string(),
            position: Some(s.person.1.to_string()),
            position_en: Some(s.person.2.to_string()),
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
                (
                    "Báo cáo tiến độ 6 tháng đầu năm",
                    "Progress report for the first half of the year",
                ),
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
        title_en: Some(format!(
            "Digital-transformation plan 2024: {}",
            unit.name("en")
        )),
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
                text_en: Some(
                    "Agreed; keep the tasks tied to the targets missed in 2023 on schedule".into(),
                ),
            }]
        } else {
            vec![]
        },
        tasks,
        note: Some(PLAN_NOTE.to_string()),
        note_en: Some(PLAN_NOTE_EN.to_string()),
    }
}

/// The communes' office and statistics officers (names made up, as every name here).
const OFFICERS: [&str; 6] = [
    "Nguyễn Thị Mai",
    "Trần Văn Long",
    "Lê Thị Thu",
    "Phạm Văn Đức",
    "Hoàng Thị Ngọc",
    "Đỗ Văn Nam",
];
/// The heads of the communes' community digital-technology teams (made up).
const TEAM_HEADS: [&str; 6] = [
    "Bùi Văn Tâm",
    "Đinh Thị Hạnh",
    "Mai Văn Lợi",
    "Châu Thị Bích",
    "Dương Văn Thắng",
    "Quách Thị Yến",
];

/// The plans of the agencies and of six communes.
pub(super) fn plans(units: &[Unit], communes: &[&Unit]) -> Vec<Plan> {
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
                    title: ("Phối hợp doanh nghiệp viễn thông xóa thôn lõm sóng, phủ sóng 5G", "Work with the telecom operators to clear villages of dead zones and roll out 5G"),
                    deliverable: ("Không còn thôn lõm sóng", "No village left in a dead zone"),
                    person: ("Lê Văn Hùng", "Phó Giám đốc Sở", "Deputy Director of the Department"),
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
                    title: ("Kết nối các CSDL của tỉnh với CSDL quốc gia về dân cư và NDXP", "Connect the province's databases to the national population database and the NDXP"),
                    deliverable: ("8/8 hệ thống kết nối", "8 of 8 systems connected"),
                    person: ("Phạm Thị Lan", "Trưởng phòng Bưu chính - Viễn thông và CNTT", "Head of the Post, Telecommunications and IT Division"),
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
                    title: ("Hướng dẫn 100% xã đăng ký sản phẩm CĐS", "Guide 100% of communes to register a DX product"),
                    deliverable: ("Danh mục sản phẩm CĐS của 62 xã", "List of the DX products of the 62 communes"),
                    person: ("Lê Văn Hùng", "Phó Giám đốc Sở", "Deputy Director of the Department"),
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
                    title: ("Ký thỏa thuận hợp tác với đối tác chiến lược về CĐS", "Sign a cooperation agreement with a strategic DX partner"),
                    deliverable: ("Thỏa thuận hợp tác", "Cooperation agreement"),
                    person: ("Nguyễn Minh Tuấn", "Giám đốc Sở", "Director of the Department"),
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
                    title: ("Mở rộng hồ sơ sức khỏe điện tử đến 100% trạm y tế xã", "Extend electronic health records to 100% of commune health stations"),
                    deliverable: ("Hồ sơ sức khỏe điện tử tại 62 trạm y tế", "Electronic health records at 62 health stations"),
                    person: ("Trần Thị Hoa", "Phó Giám đốc Sở Y tế", "Deputy Director of the Department of Health"),
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
                    title: ("Thanh toán viện phí không dùng tiền mặt tại bệnh viện tỉnh", "Cashless payment of hospital fees at the provincial hospital"),
                    deliverable: ("Thanh toán số tại 100% quầy thu", "Digital payment at 100% of cash desks"),
                    person: ("Trần Thị Hoa", "Phó Giám đốc Sở Y tế", "Deputy Director of the Department of Health"),
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
                    title: ("Nền tảng dạy và học trực tuyến cho các trường THCS, THPT", "Online teaching and learning platform for lower and upper secondary schools"),
                    deliverable: ("Nền tảng vận hành tại 100% trường", "Platform in use at 100% of schools"),
                    person: ("Võ Văn Bình", "Phó Giám đốc Sở GD&ĐT", "Deputy Director of the Department of Education and Training"),
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
                    title: ("Số hóa học bạ, văn bằng", "Digitise school records and diplomas"),
                    deliverable: ("Kho học bạ số", "Digital school-record store"),
                    person: ("Võ Văn Bình", "Phó Giám đốc Sở GD&ĐT", "Deputy Director of the Department of Education and Training"),
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
                    title: ("Cấp chữ ký số cá nhân cho 100% cán bộ, công chức, viên chức", "Issue personal digital signatures to 100% of officials and public employees"),
                    deliverable: ("Chữ ký số 100%", "Digital signatures at 100%"),
                    person: ("Đặng Văn Sơn", "Phó Giám đốc Sở Nội vụ", "Deputy Director of the Department of Home Affairs"),
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
                    title: ("Kiện toàn Ban Chỉ đạo CĐS ở tất cả các đơn vị", "Set up or renew the DX steering committee in every unit"),
                    deliverable: ("Quyết định kiện toàn của 100% đơn vị", "Decisions of 100% of units"),
                    person: ("Đặng Văn Sơn", "Phó Giám đốc Sở Nội vụ", "Deputy Director of the Department of Home Affairs"),
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
                    title: ("Nâng cấp Cổng dịch vụ công: thêm dịch vụ công trực tuyến toàn trình", "Upgrade the public-service portal: more full-process online public services"),
                    deliverable: ("80% thủ tục đủ điều kiện cung cấp toàn trình", "80% of eligible procedures offered full-process online"),
                    person: ("Huỳnh Văn Phúc", "Phó Chánh Văn phòng", "Deputy Chief of Office"),
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
                    title: ("Triển khai đủ 53 dịch vụ công thiết yếu theo Đề án 06", "Deploy all 53 essential public services of Project 06"),
                    deliverable: ("53/53 dịch vụ", "53 of 53 services"),
                    person: ("Huỳnh Văn Phúc", "Phó Chánh Văn phòng", "Deputy Chief of Office"),
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
                title: ("Số hóa hồ sơ đất đai", "Digitise land records"),
                deliverable: ("CSDL đất đai", "Land database"),
                person: ("Ngô Văn Tài", "Phó Giám đốc Sở", "Deputy Director of the Department"),
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
                    title: ("Hướng dẫn các xã đăng ký sản phẩm CĐS", "Guide the communes to register DX products"),
                    deliverable: ("Mỗi xã ít nhất một sản phẩm", "At least one product per commune"),
                    person: ("Lý Văn Khoa", "Phó Chủ tịch UBND", "Vice-Chairman of the People's Committee"),
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
                    title: ("Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", "Digitise administrative dossiers and their results"),
                    deliverable: ("80% hồ sơ được số hóa", "80% of dossiers digitised"),
                    person: ("Lý Văn Khoa", "Phó Chủ tịch UBND", "Vice-Chairman of the People's Committee"),
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
            task(TaskSpec {
                code: "1",
                title: (
                    "Đăng ký ít nhất một sản phẩm CĐS của xã",
                    "Register at least one DX product of the commune",
                ),
                deliverable: ("Sản phẩm CĐS được đăng ký", "A DX product registered"),
                person: (
                    OFFICERS[i % OFFICERS.len()],
                    "Công chức Văn phòng - Thống kê",
                    "Office and statistics officer",
                ),
                lead: code,
                cooperating: &["58-SO-TTTT"],
                start: y(1, 15),
                due: y(5, 31),
                budget: (30_000_000, if done { 30_000_000 } else { 5_000_000 }),
                funding: LocalBudget,
                target: "",
                indicator: "",
                progress: if done { 100 } else { 40 },
                completed_on: done.then(|| y(5, 20)),
            }),
            task(TaskSpec {
                code: "2",
                title: (
                    "Tổ công nghệ số cộng đồng hướng dẫn người dân dùng dịch vụ công trực tuyến toàn trình",
                    "The community digital-technology team helps people use full-process online public services",
                ),
                deliverable: ("Người dân được hướng dẫn", "People given guidance"),
                person: (
                    TEAM_HEADS[i % TEAM_HEADS.len()],
                    "Tổ trưởng Tổ công nghệ số cộng đồng",
                    "Head of the community digital-technology team",
                ),
                lead: code,
                cooperating: &[],
                start: y(2, 1),
                due: y(11, 30),
                budget: (20_000_000, 8_000_000),
                funding: LocalBudget,
                target: "KH2023_05",
                indicator: "DVCTT_TOAN_TRINH_TY_LE",
                progress: 35,
                completed_on: None,
            }),
        ];
        plans.push(plan(u, status, tasks));
    }
    plans
}
