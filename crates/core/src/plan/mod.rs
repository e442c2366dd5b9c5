//! Plans, directives and registers: the orders of a steering committee tracked until they are
//! done. A unit's yearly DX plan (draft → submitted → approved by the province) holds tasks
//! with the four "clears" (person, task, responsibility, time) and their resources; a
//! meeting's directives are assigned to units with a deadline; the registers list DX
//! products, information systems, strategic partners and mobile-signal dead zones.

mod directive;
mod register;
mod task;

pub use directive::{Directive, DirectiveStatus};
pub use register::{
    DeadZone, InfoSystem, Partner, Product, ProductStatus, ProductType, RegisterEntry, RegisterKind,
};
pub use task::{elapsed_percent, FundingSource, Milestone, Person, Task, TaskStatus};

use crate::code::Code;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Longest free text accepted in a field.
pub const MAX_TEXT: usize = 4000;

/// A text in the reader's language: its English version on English pages when there is one
/// (not blank), else the Vietnamese text every item has.
pub fn in_lang<'a>(lang: &str, vi: &'a str, en: Option<&'a String>) -> &'a str {
    match en {
        Some(en) if lang == "en" && !en.trim().is_empty() => en,
        _ => vi,
    }
}

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

/// A dated progress report, with evidence (a document number or a link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgressUpdate {
    pub on: NaiveDate,
    /// Progress in percent after this report (0–100).
    pub progress: u8,
    pub note: String,
    /// The note in English, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_en: Option<String>,
    pub evidence: Option<String>,
    /// The account that reported (set by the server).
    #[serde(default)]
    pub by: String,
}

impl ProgressUpdate {
    pub fn note_in(&self, lang: &str) -> &str {
        in_lang(lang, &self.note, self.note_en.as_ref())
    }
}

/// A comment on a plan (the province's remarks when returning or approving it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Comment {
    pub on: NaiveDate,
    /// The account that wrote it (set by the server).
    pub by: String,
    pub text: String,
    /// The comment in English, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_en: Option<String>,
}

impl Comment {
    pub fn text_in(&self, lang: &str) -> &str {
        in_lang(lang, &self.text, self.text_en.as_ref())
    }
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
    /// The title in English, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
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
    /// The note in English, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_en: Option<String>,
}

impl Plan {
    pub fn title_in(&self, lang: &str) -> &str {
        in_lang(lang, &self.title, self.title_en.as_ref())
    }

    pub fn note_in(&self, lang: &str) -> Option<&str> {
        let vi = self.note.as_deref()?;
        Some(in_lang(lang, vi, self.note_en.as_ref()))
    }

    /// Everything wrong with the plan on its own (unit codes are checked by the store).
    pub fn check(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if !(2000..=2100).contains(&self.year) {
            problem(&mut out, "year", "năm phải từ 2000 đến 2100");
        }
        text(&mut out, "title", &self.title, true);
        opt_text(&mut out, "title_en", &self.title_en);
        opt_text(&mut out, "note", &self.note);
        opt_text(&mut out, "note_en", &self.note_en);
        for (i, c) in self.comments.iter().enumerate() {
            opt_text(&mut out, &format!("comments[{i}].text_en"), &c.text_en);
        }
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
                text_en: None,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::task::tests::{d, task};
    use super::*;

    #[test]
    fn nobody_approves_their_own_plan() {
        let mut p = Plan {
            code: Code::parse("KH").unwrap_or_else(|_| unreachable!()),
            unit: Code::parse("58").unwrap_or_else(|_| unreachable!()),
            year: 2024,
            title: "Kế hoạch".into(),
            title_en: None,
            status: PlanStatus::Draft,
            submitted_by: None,
            submitted_on: None,
            decided_by: None,
            approved_on: None,
            comments: vec![],
            tasks: vec![task()],
            note: None,
            note_en: None,
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
