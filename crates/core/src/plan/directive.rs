//! A meeting's directives: numbered orders assigned to units with a deadline.

use super::{in_lang, opt_text, problem, text, Problem, ProgressUpdate};
use crate::code::Code;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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
    /// The text in English, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_en: Option<String>,
    /// The units that must carry it out (agencies, communes, operators, the police, partners).
    #[schema(value_type = Vec<String>)]
    pub assignees: Vec<Code>,
    /// Codes of the targets the directive addresses (e.g. the unmet targets it presses on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub targets: Vec<Code>,
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
    /// The note in English, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_en: Option<String>,
}

impl Directive {
    pub fn text_in(&self, lang: &str) -> &str {
        in_lang(lang, &self.text, self.text_en.as_ref())
    }

    pub fn note_in(&self, lang: &str) -> Option<&str> {
        let vi = self.note.as_deref()?;
        Some(in_lang(lang, vi, self.note_en.as_ref()))
    }

    pub fn check(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        text(&mut out, "source", &self.source, true);
        text(&mut out, "text", &self.text, true);
        opt_text(&mut out, "text_en", &self.text_en);
        opt_text(&mut out, "note", &self.note);
        opt_text(&mut out, "note_en", &self.note_en);
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
            opt_text(&mut out, &format!("reports[{i}].note_en"), &r.note_en);
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
