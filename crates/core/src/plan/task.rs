//! A plan's tasks: the four "clears" (person, task, responsibility, time), their resources,
//! and whether they are on time, overdue or at risk.

use super::{in_lang, opt_text, problem, text, Problem, ProgressUpdate};
use crate::code::Code;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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
    /// The position in English, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_en: Option<String>,
    /// Telephone or e-mail.
    pub contact: Option<String>,
}

impl Person {
    pub fn position_in(&self, lang: &str) -> Option<&str> {
        let vi = self.position.as_deref()?;
        Some(in_lang(lang, vi, self.position_en.as_ref()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Milestone {
    pub title: String,
    pub due: NaiveDate,
    pub done_on: Option<NaiveDate>,
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
    /// The title in English, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub deliverable: String,
    /// The deliverable in English, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliverable_en: Option<String>,
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
    pub fn title_in(&self, lang: &str) -> &str {
        in_lang(lang, &self.title, self.title_en.as_ref())
    }

    pub fn deliverable_in(&self, lang: &str) -> &str {
        in_lang(lang, &self.deliverable, self.deliverable_en.as_ref())
    }

    pub(super) fn check(&self, prefix: &str, out: &mut Vec<Problem>) {
        let f = |n: &str| format!("{prefix}.{n}");
        text(out, &f("title"), &self.title, true);
        opt_text(out, &f("title_en"), &self.title_en);
        text(out, &f("description"), &self.description, false);
        text(out, &f("deliverable"), &self.deliverable, false);
        opt_text(out, &f("deliverable_en"), &self.deliverable_en);
        text(out, &f("person.name"), &self.person.name, true);
        opt_text(out, &f("person.position"), &self.person.position);
        opt_text(out, &f("person.position_en"), &self.person.position_en);
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
            opt_text(out, &f(&format!("updates[{i}].note_en")), &u.note_en);
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

#[cfg(test)]
/// Fixtures shared with the plan's tests.
pub(super) mod tests {
    use super::*;

    pub(in crate::plan) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    pub(in crate::plan) fn task() -> Task {
        Task {
            code: Code::parse("1").unwrap_or_else(|_| unreachable!()),
            parent: None,
            title: "Triển khai".into(),
            title_en: None,
            description: String::new(),
            deliverable: String::new(),
            deliverable_en: None,
            person: Person {
                name: "Nguyễn Văn A".into(),
                ..Default::default()
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
}
