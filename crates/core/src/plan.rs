//! Plans, directives and registers: the orders of a steering committee tracked until they are
//! done. A unit's yearly DX plan (draft → submitted → approved by the province) holds tasks
//! with the four "clears" (person, task, responsibility, time) and their resources; a
//! meeting's directives are assigned to units with a deadline; the registers list DX
//! products, information systems, strategic partners and mobile-signal dead zones.

use crate::code::Code;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Longest free text accepted in a field.
pub const MAX_TEXT: usize = 4000;

/// One refused field of a plan, directive or register entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub reason: String,
}

fn problem(out: &mut Vec<Problem>, field: impl Into<String>, reason: impl Into<String>) {
    out.push(Problem {
        field: field.into(),
        reason: reason.into(),
    });
}

fn text(out: &mut Vec<Problem>, field: &str, s: &str, required: bool) {
    if required && s.trim().is_empty() {
        problem(out, field, "bắt buộc (required)");
    }
    if s.chars().count() > MAX_TEXT {
        problem(out, field, format!("dài quá {MAX_TEXT} ký tự"));
    }
}

fn opt_text(out: &mut Vec<Problem>, field: &str, s: &Option<String>) {
    if let Some(s) = s {
        text(out, field, s, false);
    }
}

/// Where a plan is in its approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Draft,
    Submitted,
    Approved,
    /// Sent back by the province with comments; editable again.
    Returned,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Submitted => "submitted",
            PlanStatus::Approved => "approved",
            PlanStatus::Returned => "returned",
        }
    }
    /// Whether the unit may still edit the plan.
    pub fn editable(self) -> bool {
        matches!(self, PlanStatus::Draft | PlanStatus::Returned)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    NotStarted,
    InProgress,
    Done,
    Cancelled,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "not_started",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<TaskStatus> {
        [
            TaskStatus::NotStarted,
            TaskStatus::InProgress,
            TaskStatus::Done,
            TaskStatus::Cancelled,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// Where a task's money comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FundingSource {
    /// Ngân sách trung ương.
    StateBudget,
    /// Ngân sách địa phương.
    LocalBudget,
    /// Doanh nghiệp.
    Enterprise,
    Other,
}

impl FundingSource {
    pub const ALL: [FundingSource; 4] = [
        FundingSource::StateBudget,
        FundingSource::LocalBudget,
        FundingSource::Enterprise,
        FundingSource::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            FundingSource::StateBudget => "state_budget",
            FundingSource::LocalBudget => "local_budget",
            FundingSource::Enterprise => "enterprise",
            FundingSource::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<FundingSource> {
        FundingSource::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Clear person: who answers for a task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Person {
    pub name: String,
    pub position: Option<String>,
    /// Telephone or e-mail.
    pub contact: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Milestone {
    pub title: String,
    pub due: NaiveDate,
    pub done_on: Option<NaiveDate>,
}

/// A dated progress report, with evidence (a document number or a link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgressUpdate {
    pub on: NaiveDate,
    /// Progress in percent after this report (0–100).
    pub progress: u8,
    pub note: String,
    pub evidence: Option<String>,
    /// The account that reported (set by the server).
    #[serde(default)]
    pub by: String,
}

/// A comment on a plan (the province's remarks when returning or approving it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Comment {
    pub on: NaiveDate,
    pub by: String,
    pub text: String,
}

/// One task of a plan, with the four "clears" and the resources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Task {
    /// The task's code within its plan (e.g. "1", "1.2").
    #[schema(value_type = String)]
    pub code: Code,
    /// The parent task's code, for a subtask.
    #[schema(value_type = Option<String>)]
    pub parent: Option<Code>,
    // Clear task.
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub deliverable: String,
    // Clear person.
    pub person: Person,
    // Clear responsibility.
    /// The lead unit (an agency, a commune or an organisation such as a partner).
    #[schema(value_type = String)]
    pub lead: Code,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub cooperating: Vec<Code>,
    // Clear time.
    pub start: NaiveDate,
    pub due: NaiveDate,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    // Resources.
    /// Budget allocated, in VND.
    #[serde(default)]
    pub budget_allocated: i64,
    /// Budget spent so far, in VND.
    #[serde(default)]
    pub budget_spent: i64,
    pub funding: FundingSource,
    // What it serves.
    /// Codes of the targets the task serves.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub targets: Vec<Code>,
    /// Codes of the indicators the task moves.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub indicators: Vec<Code>,
    pub status: TaskStatus,
    /// Progress in percent (0–100).
    #[serde(default)]
    pub progress: u8,
    pub completed_on: Option<NaiveDate>,
    #[serde(default)]
    pub updates: Vec<ProgressUpdate>,
}

impl Task {
    fn check(&self, prefix: &str, out: &mut Vec<Problem>) {
        let f = |n: &str| format!("{prefix}.{n}");
        text(out, &f("title"), &self.title, true);
        text(out, &f("description"), &self.description, false);
        text(out, &f("deliverable"), &self.deliverable, false);
        text(out, &f("person.name"), &self.person.name, true);
        opt_text(out, &f("person.position"), &self.person.position);
        opt_text(out, &f("person.contact"), &self.person.contact);
        if self.due < self.start {
            problem(out, f("due"), "hạn hoàn thành trước ngày bắt đầu");
        }
        for (i, m) in self.milestones.iter().enumerate() {
            text(out, &f(&format!("milestones[{i}].title")), &m.title, true);
        }
        if self.budget_allocated < 0 {
            problem(out, f("budget_allocated"), "kinh phí không được âm");
        }
        if self.budget_spent < 0 {
            problem(out, f("budget_spent"), "kinh phí không được âm");
        }
        if self.progress > 100 {
            problem(out, f("progress"), "tiến độ phải từ 0 đến 100 (%)");
        }
        for (i, u) in self.updates.iter().enumerate() {
            if u.progress > 100 {
                problem(
                    out,
                    f(&format!("updates[{i}].progress")),
                    "tiến độ phải từ 0 đến 100 (%)",
                );
            }
            text(out, &f(&format!("updates[{i}].note")), &u.note, false);
            opt_text(out, &f(&format!("updates[{i}].evidence")), &u.evidence);
        }
        match (self.status, self.completed_on) {
            (TaskStatus::Done, None) => problem(
                out,
                f("completed_on"),
                "nhiệm vụ hoàn thành phải có ngày hoàn thành",
            ),
            (s, Some(_)) if s != TaskStatus::Done => problem(
                out,
                f("completed_on"),
                "chỉ nhiệm vụ đã hoàn thành mới có ngày hoàn thành",
            ),
            _ => {}
        }
    }

    /// Whether the task was finished by its due date.
    pub fn on_time(&self) -> bool {
        self.status == TaskStatus::Done && self.completed_on.is_some_and(|d| d <= self.due)
    }

    /// Whether the task is past due and not finished on `day`.
    pub fn overdue(&self, day: NaiveDate) -> bool {
        self.due < day
            && match self.status {
                TaskStatus::Done => self.completed_on.is_some_and(|d| d > day),
                TaskStatus::Cancelled => false,
                _ => true,
            }
    }

    /// "At risk": progress lags the share of the task's time already elapsed on `day`.
    pub fn at_risk(&self, day: NaiveDate) -> bool {
        if matches!(self.status, TaskStatus::Done | TaskStatus::Cancelled) {
            return false;
        }
        (self.progress as f64) < elapsed_percent(self.start, self.due, day)
    }
}

/// The share of [start, due] elapsed on `day`, in percent (0–100).
pub fn elapsed_percent(start: NaiveDate, due: NaiveDate, day: NaiveDate) -> f64 {
    if day <= start {
        return 0.0;
    }
    if day >= due {
        return 100.0;
    }
    let total = (due - start).num_days().max(1) as f64;
    100.0 * (day - start).num_days() as f64 / total
}

/// A unit's DX plan for a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Plan {
    #[schema(value_type = String, example = "KH2024-58-SO-YT")]
    pub code: Code,
    #[schema(value_type = String, example = "58-SO-YT")]
    pub unit: Code,
    pub year: i32,
    pub title: String,
    pub status: PlanStatus,
    /// The account that submitted it (set by the server).
    #[serde(default)]
    pub submitted_by: Option<String>,
    #[serde(default)]
    pub submitted_on: Option<NaiveDate>,
    /// The account that approved or returned it (set by the server).
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub approved_on: Option<NaiveDate>,
    #[serde(default)]
    pub comments: Vec<Comment>,
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// Where the data comes from, e.g. "Số liệu minh họa" in the demo.
    #[serde(default)]
    pub note: Option<String>,
}

impl Plan {
    /// Everything wrong with the plan on its own (unit codes are checked by the store).
    pub fn check(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if !(2000..=2100).contains(&self.year) {
            problem(&mut out, "year", "năm phải từ 2000 đến 2100");
        }
        text(&mut out, "title", &self.title, true);
        opt_text(&mut out, "note", &self.note);
        let mut seen = std::collections::HashSet::new();
        for (i, t) in self.tasks.iter().enumerate() {
            let prefix = format!("tasks[{i}]");
            if !seen.insert(t.code.as_str()) {
                problem(
                    &mut out,
                    format!("{prefix}.code"),
                    format!("mã nhiệm vụ {} trùng", t.code),
                );
            }
            t.check(&prefix, &mut out);
        }
        for (i, t) in self.tasks.iter().enumerate() {
            if let Some(p) = &t.parent {
                if p == &t.code || !self.tasks.iter().any(|x| &x.code == p) {
                    problem(
                        &mut out,
                        format!("tasks[{i}].parent"),
                        format!("không có nhiệm vụ cha {p} trong kế hoạch"),
                    );
                }
            }
        }
        // Subtasks must not loop back to themselves.
        for (i, t) in self.tasks.iter().enumerate() {
            let mut at = t.parent.as_ref();
            let mut steps = 0;
            while let Some(p) = at {
                steps += 1;
                if p == &t.code || steps > self.tasks.len() {
                    problem(
                        &mut out,
                        format!("tasks[{i}].parent"),
                        format!("nhiệm vụ {} là cha của chính nó (vòng lặp)", t.code),
                    );
                    break;
                }
                at = self
                    .tasks
                    .iter()
                    .find(|x| &x.code == p)
                    .and_then(|x| x.parent.as_ref());
            }
        }
        if self.status == PlanStatus::Approved && self.approved_on.is_none() {
            problem(
                &mut out,
                "approved_on",
                "kế hoạch đã phê duyệt phải có ngày phê duyệt",
            );
        }
        out
    }

    /// Every unit the plan names: its own, and each task's lead and cooperating units.
    pub fn units(&self) -> Vec<&Code> {
        let mut v = vec![&self.unit];
        for t in &self.tasks {
            v.push(&t.lead);
            v.extend(&t.cooperating);
        }
        v
    }

    /// Submit for approval (from draft or returned).
    pub fn submit(&mut self, by: &str, on: NaiveDate) -> Result<(), String> {
        if !self.status.editable() {
            return Err(format!(
                "kế hoạch đang ở trạng thái '{}', không gửi lại được",
                self.status.as_str()
            ));
        }
        if self.tasks.is_empty() {
            return Err("kế hoạch chưa có nhiệm vụ nào".into());
        }
        self.status = PlanStatus::Submitted;
        self.submitted_by = Some(by.to_string());
        self.submitted_on = Some(on);
        Ok(())
    }

    /// Approve (`approve`) or return with comments a submitted plan. Nobody decides on a plan
    /// they submitted themselves.
    pub fn decide(
        &mut self,
        approve: bool,
        by: &str,
        on: NaiveDate,
        comment: Option<&str>,
    ) -> Result<(), String> {
        if self.status != PlanStatus::Submitted {
            return Err(format!(
                "chỉ phê duyệt hoặc trả lại kế hoạch đã gửi (trạng thái hiện tại: '{}')",
                self.status.as_str()
            ));
        }
        if self.submitted_by.as_deref() == Some(by) {
            return Err("không ai được tự phê duyệt kế hoạch do chính mình gửi".into());
        }
        if !approve && comment.is_none_or(|c| c.trim().is_empty()) {
            return Err("trả lại kế hoạch phải kèm ý kiến".into());
        }
        self.status = if approve {
            PlanStatus::Approved
        } else {
            PlanStatus::Returned
        };
        self.decided_by = Some(by.to_string());
        self.approved_on = approve.then_some(on);
        if let Some(c) = comment.filter(|c| !c.trim().is_empty()) {
            self.comments.push(Comment {
                on,
                by: by.to_string(),
                text: c.to_string(),
            });
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectiveStatus {
    Open,
    InProgress,
    Done,
}

/// One numbered directive of a meeting's conclusions, assigned to units with a deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Directive {
    #[schema(value_type = String, example = "KL2023-02")]
    pub code: Code,
    /// The meeting or document the directive comes from.
    pub source: String,
    pub number: u32,
    pub text: String,
    /// The units that must carry it out (agencies, communes, operators, the police, partners).
    #[schema(value_type = Vec<String>)]
    pub assignees: Vec<Code>,
    pub issued_on: NaiveDate,
    pub due: NaiveDate,
    pub status: DirectiveStatus,
    #[serde(default)]
    pub progress: u8,
    pub completed_on: Option<NaiveDate>,
    #[serde(default)]
    pub reports: Vec<ProgressUpdate>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Directive {
    pub fn check(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        text(&mut out, "source", &self.source, true);
        text(&mut out, "text", &self.text, true);
        opt_text(&mut out, "note", &self.note);
        if self.assignees.is_empty() {
            problem(&mut out, "assignees", "phải giao cho ít nhất một đơn vị");
        }
        if self.due < self.issued_on {
            problem(&mut out, "due", "hạn trước ngày ban hành");
        }
        if self.progress > 100 {
            problem(&mut out, "progress", "tiến độ phải từ 0 đến 100 (%)");
        }
        match (self.status, self.completed_on) {
            (DirectiveStatus::Done, None) => problem(
                &mut out,
                "completed_on",
                "chỉ đạo đã hoàn thành phải có ngày hoàn thành",
            ),
            (s, Some(_)) if s != DirectiveStatus::Done => problem(
                &mut out,
                "completed_on",
                "chỉ chỉ đạo đã hoàn thành mới có ngày hoàn thành",
            ),
            _ => {}
        }
        for (i, r) in self.reports.iter().enumerate() {
            if r.progress > 100 {
                problem(
                    &mut out,
                    format!("reports[{i}].progress"),
                    "tiến độ phải từ 0 đến 100 (%)",
                );
            }
        }
        out
    }

    /// Done on `day` (finished on or before it).
    pub fn done_by(&self, day: NaiveDate) -> bool {
        self.status == DirectiveStatus::Done && self.completed_on.is_some_and(|d| d <= day)
    }

    /// Past its deadline and not done on `day`.
    pub fn overdue(&self, day: NaiveDate) -> bool {
        self.due < day && !self.done_by(day)
    }

    /// Not done, and due within `days` days from `day`.
    pub fn due_soon(&self, day: NaiveDate, days: i64) -> bool {
        !self.done_by(day) && self.due >= day && (self.due - day).num_days() <= days
    }
}

/// What kind of register entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegisterKind {
    Product,
    System,
    Partner,
    DeadZone,
}

impl RegisterKind {
    pub const ALL: [RegisterKind; 4] = [
        RegisterKind::Product,
        RegisterKind::System,
        RegisterKind::Partner,
        RegisterKind::DeadZone,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RegisterKind::Product => "product",
            RegisterKind::System => "system",
            RegisterKind::Partner => "partner",
            RegisterKind::DeadZone => "dead_zone",
        }
    }
    pub fn parse(s: &str) -> Option<RegisterKind> {
        RegisterKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductType {
    Platform,
    Software,
    Data,
    Service,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    Registered,
    Pilot,
    InUse,
}

/// A DX product registered by a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Product {
    #[schema(value_type = String)]
    pub code: Code,
    pub name: String,
    #[schema(value_type = String)]
    pub owner: Code,
    /// Sector (lĩnh vực): education, health, …
    pub sector: String,
    #[serde(rename = "type")]
    pub product_type: ProductType,
    pub status: ProductStatus,
    pub registered_on: NaiveDate,
    pub in_use_on: Option<NaiveDate>,
    pub link: Option<String>,
    pub evidence: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// An information system or database and its connections to the national population
/// database, the national data-exchange platform (NDXP) and the provincial integration
/// platform (LGSP): each the date it was connected, or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InfoSystem {
    #[schema(value_type = String)]
    pub code: Code,
    pub name: String,
    #[schema(value_type = String)]
    pub owner: Code,
    pub purpose: String,
    pub population_db: Option<NaiveDate>,
    pub ndxp: Option<NaiveDate>,
    pub lgsp: Option<NaiveDate>,
    pub since: NaiveDate,
    #[serde(default)]
    pub note: Option<String>,
}

impl InfoSystem {
    /// Connected to a national system (the population database or the NDXP) on `day`.
    pub fn connected_nationally(&self, day: NaiveDate) -> bool {
        [self.population_db, self.ndxp]
            .into_iter()
            .flatten()
            .any(|d| d <= day)
    }
}

/// A strategic partner's agreement. The partner is a unit (of kind organisation) so it can
/// lead tasks and report figures; `owner` is the partner's unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Partner {
    #[schema(value_type = String)]
    pub code: Code,
    #[schema(value_type = String)]
    pub owner: Code,
    /// The agreement's title.
    pub agreement: String,
    /// The unit that signed on the province's side.
    #[schema(value_type = String)]
    pub counterpart: Code,
    pub signed_on: NaiveDate,
    pub commitments: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A mobile-signal dead zone in a village of a commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeadZone {
    #[schema(value_type = String)]
    pub code: Code,
    /// The commune.
    #[schema(value_type = String)]
    pub owner: Code,
    pub village: String,
    /// The operator's unit.
    #[schema(value_type = String)]
    pub operator: Code,
    pub found_on: NaiveDate,
    pub planned_on: Option<NaiveDate>,
    pub resolved_on: Option<NaiveDate>,
    #[serde(default)]
    pub note: Option<String>,
}

impl DeadZone {
    /// Known and not yet resolved on `day`.
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.found_on <= day && self.resolved_on.is_none_or(|r| r > day)
    }
}

/// One entry of a register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RegisterEntry {
    Product(Product),
    System(InfoSystem),
    Partner(Partner),
    DeadZone(DeadZone),
}

impl RegisterEntry {
    pub fn kind(&self) -> RegisterKind {
        match self {
            RegisterEntry::Product(_) => RegisterKind::Product,
            RegisterEntry::System(_) => RegisterKind::System,
            RegisterEntry::Partner(_) => RegisterKind::Partner,
            RegisterEntry::DeadZone(_) => RegisterKind::DeadZone,
        }
    }
    pub fn code(&self) -> &Code {
        match self {
            RegisterEntry::Product(p) => &p.code,
            RegisterEntry::System(s) => &s.code,
            RegisterEntry::Partner(p) => &p.code,
            RegisterEntry::DeadZone(d) => &d.code,
        }
    }
    /// The unit the entry belongs to (who may edit it).
    pub fn owner(&self) -> &Code {
        match self {
            RegisterEntry::Product(p) => &p.owner,
            RegisterEntry::System(s) => &s.owner,
            RegisterEntry::Partner(p) => &p.owner,
            RegisterEntry::DeadZone(d) => &d.owner,
        }
    }
    /// Every unit the entry names.
    pub fn units(&self) -> Vec<&Code> {
        match self {
            RegisterEntry::Partner(p) => vec![&p.owner, &p.counterpart],
            RegisterEntry::DeadZone(d) => vec![&d.owner, &d.operator],
            other => vec![other.owner()],
        }
    }
    /// The dates the entry carries (the years whose figures it can change).
    pub fn dates(&self) -> Vec<NaiveDate> {
        match self {
            RegisterEntry::Product(p) => [Some(p.registered_on), p.in_use_on]
                .into_iter()
                .flatten()
                .collect(),
            RegisterEntry::System(s) => [Some(s.since), s.population_db, s.ndxp, s.lgsp]
                .into_iter()
                .flatten()
                .collect(),
            RegisterEntry::Partner(p) => vec![p.signed_on],
            RegisterEntry::DeadZone(d) => [Some(d.found_on), d.planned_on, d.resolved_on]
                .into_iter()
                .flatten()
                .collect(),
        }
    }
    pub fn check(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        match self {
            RegisterEntry::Product(p) => {
                text(&mut out, "name", &p.name, true);
                text(&mut out, "sector", &p.sector, true);
                opt_text(&mut out, "link", &p.link);
                opt_text(&mut out, "evidence", &p.evidence);
                opt_text(&mut out, "note", &p.note);
                if p.status == ProductStatus::InUse && p.in_use_on.is_none() {
                    problem(
                        &mut out,
                        "in_use_on",
                        "sản phẩm đang sử dụng phải có ngày đưa vào sử dụng",
                    );
                }
                if p.in_use_on.is_some_and(|d| d < p.registered_on) {
                    problem(&mut out, "in_use_on", "ngày sử dụng trước ngày đăng ký");
                }
            }
            RegisterEntry::System(s) => {
                text(&mut out, "name", &s.name, true);
                text(&mut out, "purpose", &s.purpose, false);
                opt_text(&mut out, "note", &s.note);
            }
            RegisterEntry::Partner(p) => {
                text(&mut out, "agreement", &p.agreement, true);
                for (i, c) in p.commitments.iter().enumerate() {
                    text(&mut out, &format!("commitments[{i}]"), c, true);
                }
                opt_text(&mut out, "note", &p.note);
            }
            RegisterEntry::DeadZone(d) => {
                text(&mut out, "village", &d.village, true);
                opt_text(&mut out, "note", &d.note);
                if d.resolved_on.is_some_and(|r| r < d.found_on) {
                    problem(
                        &mut out,
                        "resolved_on",
                        "ngày xử lý xong trước ngày phát hiện",
                    );
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    fn task() -> Task {
        Task {
            code: Code::parse("1").unwrap_or_else(|_| unreachable!()),
            parent: None,
            title: "Triển khai".into(),
            description: String::new(),
            deliverable: String::new(),
            person: Person {
                name: "Nguyễn Văn A".into(),
                position: None,
                contact: None,
            },
            lead: Code::parse("58").unwrap_or_else(|_| unreachable!()),
            cooperating: vec![],
            start: d(2024, 1, 1),
            due: d(2024, 12, 31),
            milestones: vec![],
            budget_allocated: 0,
            budget_spent: 0,
            funding: FundingSource::LocalBudget,
            targets: vec![],
            indicators: vec![],
            status: TaskStatus::InProgress,
            progress: 10,
            completed_on: None,
            updates: vec![],
        }
    }

    #[test]
    fn at_risk_when_progress_lags_time() {
        let t = task();
        // 1 July: about half the year gone, 10 % done.
        assert!(t.at_risk(d(2024, 7, 1)));
        assert!(!t.at_risk(d(2024, 1, 20)));
        assert!(t.overdue(d(2025, 1, 2)));
        assert!(!t.overdue(d(2024, 12, 31)));
    }

    #[test]
    fn nobody_approves_their_own_plan() {
        let mut p = Plan {
            code: Code::parse("KH").unwrap_or_else(|_| unreachable!()),
            unit: Code::parse("58").unwrap_or_else(|_| unreachable!()),
            year: 2024,
            title: "Kế hoạch".into(),
            status: PlanStatus::Draft,
            submitted_by: None,
            submitted_on: None,
            decided_by: None,
            approved_on: None,
            comments: vec![],
            tasks: vec![task()],
            note: None,
        };
        assert!(p.check().is_empty());
        // Subtasks in a loop are refused.
        let mut looped = p.clone();
        let mut second = task();
        second.code = Code::parse("2").unwrap_or_else(|_| unreachable!());
        second.parent = Some(looped.tasks[0].code.clone());
        looped.tasks[0].parent = Some(second.code.clone());
        looped.tasks.push(second);
        assert!(looped.check().iter().any(|e| e.field == "tasks[0].parent"));
        p.submit("an", d(2024, 1, 5))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(p.decide(true, "an", d(2024, 1, 6), None).is_err());
        assert!(p.decide(false, "binh", d(2024, 1, 6), None).is_err());
        p.decide(true, "binh", d(2024, 1, 6), Some("Đồng ý"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.status, PlanStatus::Approved);
        assert!(p.submit("an", d(2024, 1, 7)).is_err());
    }
}
