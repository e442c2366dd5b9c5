//! The 2024 follow-up the 2023 review ordered, as of 30 June 2024: the Chairman's directives
//! (seed paragraph 4), the 2024 DX plans of several agencies and communes linked to the six
//! unmet 2023 targets, and the registers — DX products (the seed's four platforms and the
//! communes' products, not every commune has one yet), information systems, strategic
//! partners and mobile-signal dead zones. All of it is illustrative: the seed publishes the
//! orders, not their progress. Each item says so in its `note`.

mod directives;
mod framework;
mod plans;
mod register;

pub use framework::framework_2024;

use chiso_core::plan::{Directive, Plan, ProgressUpdate, RegisterEntry};
use chiso_core::{Code, DataValueInput, Unit};
use chrono::NaiveDate;

/// The day the demo's plans, directives and registers stand at.
pub const AS_OF: (i32, u32, u32) = (2024, 6, 30);

/// The note every illustrative item carries, in Vietnamese…
pub const NOTE: &str = "Số liệu minh họa: bài viết chỉ nêu chỉ đạo, không nêu tiến độ";
/// …and in English.
pub const NOTE_EN: &str = "Illustrative: the article gives the orders, not their progress";
/// The plans' note: also the people named in them are made up.
const PLAN_NOTE: &str =
    "Số liệu minh họa: bài viết chỉ nêu chỉ đạo, không nêu tiến độ; tên người là tên giả định";
const PLAN_NOTE_EN: &str =
    "Illustrative: the article gives the orders, not their progress; the people's names are made up";

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

fn note_en() -> Option<String> {
    Some(NOTE_EN.to_string())
}

/// A progress report: its note in Vietnamese and in English.
fn report(on: NaiveDate, progress: u8, (vi, en): (&str, &str), evidence: &str) -> ProgressUpdate {
    ProgressUpdate {
        on,
        progress,
        note: vi.to_string(),
        note_en: (!en.is_empty()).then(|| en.to_string()),
        evidence: (!evidence.is_empty()).then(|| evidence.to_string()),
        by: "demo".into(),
    }
}

/// Build the follow-up over the demo's units and 2023 values.
pub fn build(units: &[Unit], communes: &[&Unit], values: &[DataValueInput]) -> FollowUp {
    let plans = plans::plans(units, communes);
    let (register, villages_2024) = register::register(communes, values);
    FollowUp {
        plans,
        directives: directives::directives(),
        register,
        values: villages_2024,
    }
}
