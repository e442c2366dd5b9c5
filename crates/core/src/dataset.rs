//! Data sets (reporting forms), who must report them and when, validation rules, completeness
//! and approval — the rules of data collection, without storage.

use crate::code::Code;
use crate::expr::{Expr, PeriodMod, Resolver};
use crate::period::{Convention, Period, PeriodType};
use crate::unit::{Unit, UnitKind};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which units must report a data set: every unit of a kind (a level), the members of a group,
/// or one unit. Always within the data set's `scope` when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "by", content = "code", rename_all = "snake_case")]
pub enum Reporters {
    /// Every unit of this kind, e.g. every commune.
    Kind(UnitKind),
    /// The members of a unit group.
    #[schema(value_type = String)]
    Group(Code),
    /// One unit.
    #[schema(value_type = String)]
    Unit(Code),
}

/// A data set: the form a unit fills in for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DataSet {
    #[schema(value_type = String, example = "BM_CDS_XA")]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub period_type: PeriodType,
    /// Calendar periods, or the Decree 09/2019 cut-off (15th to 14th).
    pub convention: Convention,
    /// The form's data elements, in order.
    #[schema(value_type = Vec<String>)]
    pub elements: Vec<Code>,
    /// The compulsory elements (DHIS2's "compulsory data elements"): a report cannot be
    /// completed while one of their fields is empty. Elements of the form, in its order;
    /// none when left out.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub compulsory: Vec<Code>,
    /// Who must report.
    pub reporters: Vec<Reporters>,
    /// Only units inside this unit's subtree report (none: anywhere).
    #[schema(value_type = Option<String>)]
    pub scope: Option<Code>,
    /// Entry opens this many days after the period's last day (negative: before it ends).
    pub open_days: i32,
    /// The report is due this many days after the period's last day.
    pub due_days: i32,
    /// Entry closes this many days after the period's last day (none: never), unless an
    /// administrator grants an exception.
    pub lock_days: Option<i32>,
    /// Whether completed reports go through approval.
    pub approval: bool,
}

/// When a data set's form for a period opens, is due and closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Window {
    pub opens: NaiveDate,
    pub due: NaiveDate,
    pub locks: Option<NaiveDate>,
}

impl DataSet {
    pub fn name(&self, lang: &str) -> &str {
        match (lang, &self.name_en) {
            ("en", Some(n)) if !n.is_empty() => n,
            _ => &self.name_vi,
        }
    }

    pub fn check(&self) -> Result<(), String> {
        if self.name_vi.trim().is_empty() {
            return Err("the Vietnamese name is empty".into());
        }
        if self.elements.is_empty() {
            return Err("a data set needs at least one data element".into());
        }
        let mut seen = std::collections::HashSet::new();
        for e in &self.elements {
            if !seen.insert(e) {
                return Err(format!("data element {e} is listed twice"));
            }
        }
        if self.reporters.is_empty() {
            return Err("say who reports: a kind of unit, a group or units".into());
        }
        for d in [Some(self.open_days), Some(self.due_days), self.lock_days]
            .into_iter()
            .flatten()
        {
            if d.abs() > 3660 {
                return Err(format!("{d} days is too far from the period's end"));
            }
        }
        if self.due_days < self.open_days {
            return Err("the report cannot be due before entry opens".into());
        }
        if let Some(l) = self.lock_days {
            if l < self.due_days {
                return Err("entry cannot close before the report is due".into());
            }
        }
        Ok(())
    }

    /// The last day of a period in this data set's convention.
    pub fn period_end(&self, period: &Period) -> NaiveDate {
        period.end_in(self.convention)
    }

    pub fn window(&self, period: &Period) -> Window {
        let end = self.period_end(period);
        Window {
            opens: end + Duration::days(i64::from(self.open_days)),
            due: end + Duration::days(i64::from(self.due_days)),
            locks: self.lock_days.map(|d| end + Duration::days(i64::from(d))),
        }
    }

    /// Whether `unit` (with its ancestors' codes, nearest first, and its groups) must report
    /// this data set for `period`.
    pub fn expects(
        &self,
        unit: &Unit,
        ancestors: &[Code],
        groups: &[Code],
        period: &Period,
    ) -> bool {
        if period.period_type() != self.period_type {
            return false;
        }
        if !unit.exists_during(period.start_in(self.convention), self.period_end(period)) {
            return false;
        }
        if let Some(scope) = &self.scope {
            if &unit.code != scope && !ancestors.contains(scope) {
                return false;
            }
        }
        self.reporters.iter().any(|r| match r {
            Reporters::Kind(k) => unit.kind == *k,
            Reporters::Group(g) => groups.contains(g),
            Reporters::Unit(u) => &unit.code == u,
        })
    }
}

/// The comparison of a validation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleOperator {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl RuleOperator {
    pub const ALL: [RuleOperator; 6] = [
        RuleOperator::Equal,
        RuleOperator::NotEqual,
        RuleOperator::Less,
        RuleOperator::LessOrEqual,
        RuleOperator::Greater,
        RuleOperator::GreaterOrEqual,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RuleOperator::Equal => "equal",
            RuleOperator::NotEqual => "not_equal",
            RuleOperator::Less => "less",
            RuleOperator::LessOrEqual => "less_or_equal",
            RuleOperator::Greater => "greater",
            RuleOperator::GreaterOrEqual => "greater_or_equal",
        }
    }
    pub fn parse(s: &str) -> Option<RuleOperator> {
        match s {
            "==" | "=" => Some(RuleOperator::Equal),
            "!=" | "≠" => Some(RuleOperator::NotEqual),
            "<" => Some(RuleOperator::Less),
            "<=" | "≤" => Some(RuleOperator::LessOrEqual),
            ">" => Some(RuleOperator::Greater),
            ">=" | "≥" => Some(RuleOperator::GreaterOrEqual),
            _ => RuleOperator::ALL.into_iter().find(|o| o.as_str() == s),
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            RuleOperator::Equal => "=",
            RuleOperator::NotEqual => "≠",
            RuleOperator::Less => "<",
            RuleOperator::LessOrEqual => "≤",
            RuleOperator::Greater => ">",
            RuleOperator::GreaterOrEqual => "≥",
        }
    }
    pub fn holds(self, l: f64, r: f64) -> bool {
        // Values are compared at a millionth, so 0.1 + 0.2 = 0.3 holds.
        let eq = (l - r).abs() <= 1e-6 * l.abs().max(r.abs()).max(1.0);
        match self {
            RuleOperator::Equal => eq,
            RuleOperator::NotEqual => !eq,
            RuleOperator::Less => l < r && !eq,
            RuleOperator::LessOrEqual => l < r || eq,
            RuleOperator::Greater => l > r && !eq,
            RuleOperator::GreaterOrEqual => l > r || eq,
        }
    }
}

/// What a broken rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Shown; the form can still be completed.
    Warn,
    /// Shown; the form cannot be completed (and an import is refused) until it is fixed.
    Block,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Block => "block",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "warn" => Some(Severity::Warn),
            "block" => Some(Severity::Block),
            _ => None,
        }
    }
}

/// A validation rule: left side, operator, right side — expressions over one unit's values
/// for one period, e.g. `#{VB_XL_MANG} <= #{VB_DEN}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ValidationRule {
    #[schema(value_type = String, example = "VB_MANG_LE_DEN")]
    pub code: Code,
    /// The message shown when the rule is broken, in Vietnamese.
    pub name_vi: String,
    pub name_en: Option<String>,
    pub left: String,
    pub operator: RuleOperator,
    pub right: String,
    pub severity: Severity,
}

/// A broken rule, for one unit and period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Violation {
    #[schema(value_type = String)]
    pub rule: Code,
    pub message: String,
    pub severity: Severity,
    pub left: f64,
    pub operator: RuleOperator,
    pub right: f64,
    /// The elements the rule reads (to show the message beside them).
    #[schema(value_type = Vec<String>)]
    pub elements: Vec<Code>,
}

impl ValidationRule {
    pub fn message(&self, lang: &str) -> &str {
        match (lang, &self.name_en) {
            ("en", Some(n)) if !n.is_empty() => n,
            _ => &self.name_vi,
        }
    }

    /// Parse both sides; the error names the side and the column.
    pub fn compile(&self) -> Result<(Expr, Expr), String> {
        if self.name_vi.trim().is_empty() {
            return Err("the rule needs a message in Vietnamese".into());
        }
        let l = Expr::parse(&self.left).map_err(|e| format!("left side: {e}"))?;
        let r = Expr::parse(&self.right).map_err(|e| format!("right side: {e}"))?;
        Ok((l, r))
    }

    /// The elements both sides read.
    pub fn elements(&self) -> Vec<Code> {
        let mut out: Vec<Code> = Vec::new();
        if let Ok((l, r)) = self.compile() {
            for (e, _, _) in l.items().into_iter().chain(r.items()) {
                if !out.contains(e) {
                    out.push(e.clone());
                }
            }
        }
        out
    }

    /// Check the rule against one unit's values for one period. A side with no value (every
    /// element it reads is empty) skips the rule, as DHIS2's "skip if any value missing".
    pub fn check(&self, values: &FormValues) -> Option<Violation> {
        CompiledRule::new(self).ok()?.check(values)
    }
}

/// A validation rule parsed once, to check many units and periods.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub rule: ValidationRule,
    pub left: Expr,
    pub right: Expr,
    /// The elements both sides read.
    pub elements: Vec<Code>,
}

impl CompiledRule {
    pub fn new(rule: &ValidationRule) -> Result<CompiledRule, String> {
        let (left, right) = rule.compile()?;
        let mut elements: Vec<Code> = Vec::new();
        for (e, _, _) in left.items().into_iter().chain(right.items()) {
            if !elements.contains(e) {
                elements.push(e.clone());
            }
        }
        Ok(CompiledRule {
            rule: rule.clone(),
            left,
            right,
            elements,
        })
    }

    /// See [`ValidationRule::check`].
    pub fn check(&self, values: &FormValues) -> Option<Violation> {
        let lv = self.left.eval(values)?;
        let rv = self.right.eval(values)?;
        if self.rule.operator.holds(lv, rv) {
            return None;
        }
        Some(Violation {
            rule: self.rule.code.clone(),
            message: self.rule.name_vi.clone(),
            severity: self.rule.severity,
            left: lv,
            operator: self.rule.operator,
            right: rv,
            elements: self.elements.clone(),
        })
    }
}

/// One unit's numbers for one period, keyed by element and breakdown option — what
/// validation rules read. The total of an element is the sum of its options when it has no
/// value of its own.
#[derive(Debug, Clone, Default)]
pub struct FormValues {
    pub values: HashMap<(Code, Option<Code>), f64>,
    pub constants: HashMap<Code, f64>,
}

impl Resolver for FormValues {
    fn item(&self, element: &Code, option: Option<&Code>, m: PeriodMod) -> Option<f64> {
        if m != PeriodMod::default() {
            return None;
        }
        if let Some(v) = self.values.get(&(element.clone(), option.cloned())) {
            return Some(*v);
        }
        if option.is_none() {
            let mut sum = None;
            for ((e, o), v) in &self.values {
                if e == element && o.is_some() {
                    sum = Some(sum.unwrap_or(0.0) + v);
                }
            }
            return sum;
        }
        None
    }
    fn constant(&self, code: &Code) -> Option<f64> {
        self.constants.get(code).copied()
    }
    fn group_count(&self, _code: &Code) -> Option<f64> {
        None
    }
    fn reporting_rate(&self, _data_set: &Code, _metric: &str) -> Option<f64> {
        None
    }
}

/// Whether a value is an outlier against the unit's history for the same element: more than
/// three scaled median absolute deviations from the median of at least four earlier values
/// (robust to one odd year), or, when the history does not vary, any other value.
pub fn is_outlier(value: f64, history: &[f64]) -> bool {
    if history.len() < 4 {
        return false;
    }
    let mut h: Vec<f64> = history.iter().copied().filter(|x| x.is_finite()).collect();
    if h.len() < 4 {
        return false;
    }
    h.sort_by(f64::total_cmp);
    let median = |v: &[f64]| {
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let med = median(&h);
    let mut dev: Vec<f64> = h.iter().map(|x| (x - med).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = median(&dev) * 1.4826;
    if mad == 0.0 {
        return (value - med).abs() > 1e-9 * med.abs().max(1.0)
            && (value - med).abs() > 0.5 * med.abs().max(1.0);
    }
    (value - med).abs() > 3.0 * mad
}

/// A report marked complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Completion {
    #[schema(value_type = String)]
    pub data_set: Code,
    #[schema(value_type = String)]
    pub unit: Code,
    #[schema(value_type = String)]
    pub period: Period,
    pub completed_by: String,
    pub completed_at: DateTime<Utc>,
    /// Completed on or before the due date (in Vietnam's time).
    pub on_time: bool,
}

/// One approval step recorded on a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Approval {
    #[schema(value_type = String)]
    pub data_set: Code,
    #[schema(value_type = String)]
    pub unit: Code,
    #[schema(value_type = String)]
    pub period: Period,
    /// 1 for the first level above the unit, 2 for the next …
    pub step: u8,
    /// The unit at whose level it was approved (a district, the province).
    #[schema(value_type = String)]
    pub level_unit: Code,
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
}

/// The units that approve a unit's reports, nearest first: its district (where there is one)
/// and its province. `ancestors` are the unit's ancestors with their kinds, nearest first.
pub fn approval_chain(ancestors: &[(Code, UnitKind)]) -> Vec<Code> {
    ancestors
        .iter()
        .filter(|(_, k)| matches!(k, UnitKind::District | UnitKind::Province))
        .map(|(c, _)| c.clone())
        .collect()
}

/// An administrator's permission to enter a locked report after its closing date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LockException {
    #[schema(value_type = String)]
    pub data_set: Code,
    #[schema(value_type = String)]
    pub unit: Code,
    #[schema(value_type = String)]
    pub period: Period,
    /// Open until the end of this day.
    pub until: NaiveDate,
    pub granted_by: String,
    pub reason: String,
}

/// A file attached to a report or a value as evidence, with the document's number, date and
/// summary (số, ngày, trích yếu). The bytes are kept apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Evidence {
    pub id: String,
    #[schema(value_type = String)]
    pub data_set: Code,
    #[schema(value_type = String)]
    pub unit: Code,
    #[schema(value_type = String)]
    pub period: Period,
    /// The value it supports (none: the whole report).
    #[schema(value_type = Option<String>)]
    pub element: Option<Code>,
    pub file_name: String,
    /// Detected from the content.
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub doc_number: Option<String>,
    pub doc_date: Option<NaiveDate>,
    pub summary: Option<String>,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// Largest evidence file accepted.
pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;

/// The kind of an evidence file, from its first bytes (never from its name): PDF, PNG, JPEG,
/// WebP, GIF, or an office document (OOXML or OpenDocument zip, or the older OLE format).
/// Anything else — HTML, scripts, executables — is refused.
pub fn sniff_evidence(bytes: &[u8], file_name: &str) -> Option<&'static str> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if bytes.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.starts_with(b"\xff\xd8\xff") {
        return Some("image/jpeg");
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some("image/gif");
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(match ext.as_str() {
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "odt" => "application/vnd.oasis.opendocument.text",
            "ods" => "application/vnd.oasis.opendocument.spreadsheet",
            _ => return None,
        });
    }
    if bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        return Some(match ext.as_str() {
            "doc" => "application/msword",
            "xls" => "application/vnd.ms-excel",
            _ => return None,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    fn set() -> DataSet {
        DataSet {
            code: c("BM_XA"),
            name_vi: "Biểu mẫu xã".into(),
            name_en: None,
            period_type: PeriodType::Year,
            convention: Convention::Calendar,
            elements: vec![c("A"), c("B")],
            compulsory: vec![],
            reporters: vec![Reporters::Kind(UnitKind::Commune)],
            scope: Some(c("58")),
            open_days: -30,
            due_days: 15,
            lock_days: Some(60),
            approval: true,
        }
    }

    #[test]
    fn windows_count_from_the_periods_end() {
        let ds = set();
        let w = ds.window(&Period::parse("2023").unwrap());
        assert_eq!(w.opens, NaiveDate::from_ymd_opt(2023, 12, 1).unwrap());
        assert_eq!(w.due, NaiveDate::from_ymd_opt(2024, 1, 15).unwrap());
        assert_eq!(w.locks, NaiveDate::from_ymd_opt(2024, 2, 29));
        let mut cut = ds.clone();
        cut.convention = Convention::CutOff;
        cut.period_type = PeriodType::Month;
        cut.open_days = 0;
        cut.due_days = 5;
        let w = cut.window(&Period::parse("202403").unwrap());
        // Decree 09: March runs 15 February – 14 March.
        assert_eq!(w.due, NaiveDate::from_ymd_opt(2024, 3, 19).unwrap());
        assert!(ds.check().is_ok());
        let mut bad = ds.clone();
        bad.lock_days = Some(3);
        assert!(bad.check().is_err());
        bad = ds.clone();
        bad.elements.push(c("A"));
        assert!(bad.check().unwrap_err().contains("twice"));
    }

    #[test]
    fn who_must_report() {
        let ds = set();
        let unit = |code: &str, kind| Unit {
            code: c(code),
            name_vi: code.into(),
            name_en: None,
            kind,
            parent: None,
            gso_code: None,
            valid_from: None,
            valid_to: NaiveDate::from_ymd_opt(2025, 6, 30),
            lat: None,
            lon: None,
        };
        let y = Period::parse("2023").unwrap();
        let commune = unit("22738", UnitKind::Commune);
        assert!(ds.expects(&commune, &[c("582"), c("58")], &[], &y));
        assert!(
            !ds.expects(&commune, &[c("582"), c("56")], &[], &y),
            "outside the scope"
        );
        assert!(!ds.expects(&unit("582", UnitKind::District), &[c("58")], &[], &y));
        assert!(
            !ds.expects(&commune, &[c("58")], &[], &Period::parse("2026").unwrap()),
            "gone by then"
        );
        assert!(
            !ds.expects(&commune, &[c("58")], &[], &Period::parse("2023Q1").unwrap()),
            "another period type"
        );
        let mut by_group = ds.clone();
        by_group.reporters = vec![Reporters::Group(c("G")), Reporters::Unit(c("S1"))];
        assert!(by_group.expects(&commune, &[c("58")], &[c("G")], &y));
        assert!(!by_group.expects(&commune, &[c("58")], &[], &y));
        assert!(by_group.expects(&unit("S1", UnitKind::Agency), &[c("58")], &[], &y));
    }

    #[test]
    fn rules_compare_sides_and_skip_missing_values() {
        let rule = ValidationRule {
            code: c("R1"),
            name_vi: "Văn bản xử lý trên mạng không vượt quá văn bản đến".into(),
            name_en: None,
            left: "#{A}".into(),
            operator: RuleOperator::LessOrEqual,
            right: "#{B}".into(),
            severity: Severity::Block,
        };
        let mut v = FormValues::default();
        assert_eq!(rule.check(&v), None, "nothing entered: nothing to check");
        v.values.insert((c("A"), None), 120.0);
        assert_eq!(rule.check(&v), None, "one side empty: skipped");
        v.values.insert((c("B"), None), 100.0);
        let bad = rule.check(&v).unwrap();
        assert_eq!((bad.left, bad.right), (120.0, 100.0));
        assert_eq!(bad.elements, vec![c("A"), c("B")]);
        v.values.insert((c("B"), None), 120.0);
        assert_eq!(rule.check(&v), None, "equal is allowed by ≤");
        // An element with breakdown options counts as the sum of its options.
        let mut w = FormValues::default();
        w.values.insert((c("A"), Some(c("NAM"))), 70.0);
        w.values.insert((c("A"), Some(c("NU"))), 60.0);
        w.values.insert((c("B"), None), 100.0);
        assert_eq!(rule.check(&w).unwrap().left, 130.0);
        let broken = ValidationRule {
            right: "#{B".into(),
            ..rule.clone()
        };
        assert!(broken.compile().unwrap_err().starts_with("right side"));
    }

    #[test]
    fn operators_compare_at_a_millionth() {
        assert!(RuleOperator::Equal.holds(0.1 + 0.2, 0.3));
        assert!(!RuleOperator::Less.holds(0.1 + 0.2, 0.3));
        assert!(RuleOperator::LessOrEqual.holds(99.9999999, 100.0));
        assert!(RuleOperator::Greater.holds(2.0, 1.0));
        assert_eq!(RuleOperator::parse("<="), Some(RuleOperator::LessOrEqual));
        assert_eq!(RuleOperator::parse("greater"), Some(RuleOperator::Greater));
        assert_eq!(RuleOperator::parse("≈"), None);
    }

    #[test]
    fn outliers_against_history() {
        let h = [100.0, 104.0, 98.0, 101.0, 103.0];
        assert!(!is_outlier(105.0, &h));
        assert!(is_outlier(1050.0, &h), "a slipped digit");
        assert!(is_outlier(10.0, &h));
        assert!(!is_outlier(1050.0, &h[..3]), "too little history to judge");
        assert!(is_outlier(5.0, &[1.0, 1.0, 1.0, 1.0]));
        assert!(!is_outlier(1.0, &[1.0, 1.0, 1.0, 1.0]));
    }

    #[test]
    fn approval_goes_to_the_district_then_the_province() {
        let legacy = [
            (c("582"), UnitKind::District),
            (c("58"), UnitKind::Province),
            (c("VN"), UnitKind::Country),
        ];
        assert_eq!(approval_chain(&legacy), vec![c("582"), c("58")]);
        let two_level = [(c("2025-56"), UnitKind::Province)];
        assert_eq!(approval_chain(&two_level), vec![c("2025-56")]);
    }

    #[test]
    fn evidence_kinds_come_from_the_content() {
        assert_eq!(
            sniff_evidence(b"%PDF-1.7 ...", "cv.pdf"),
            Some("application/pdf")
        );
        assert_eq!(
            sniff_evidence(b"%PDF-1.7 ...", "cv.html"),
            Some("application/pdf")
        );
        assert_eq!(sniff_evidence(b"<html><script>", "cv.pdf"), None);
        assert_eq!(
            sniff_evidence(b"PK\x03\x04....", "bao-cao.docx").map(|s| s.contains("word")),
            Some(true)
        );
        assert_eq!(sniff_evidence(b"PK\x03\x04....", "x.jar"), None);
        assert_eq!(
            sniff_evidence(b"\x89PNG\r\n\x1a\n....", "a"),
            Some("image/png")
        );
    }

    proptest! {
        #[test]
        fn outlier_check_never_panics(v in proptest::num::f64::ANY, h in proptest::collection::vec(proptest::num::f64::ANY, 0..8)) {
            let _ = is_outlier(v, &h);
        }

        #[test]
        fn a_value_inside_the_history_is_no_outlier(h in proptest::collection::vec(1.0f64..1e6, 4..12), pick in 0usize..12) {
            let mut s = h.clone();
            s.sort_by(f64::total_cmp);
            let median = s[s.len() / 2];
            prop_assert!(!is_outlier(median, &h));
            let _ = pick;
        }

        #[test]
        fn the_window_keeps_its_order(open in -100i32..100, extra in 0i32..100, lock in 0i32..100, y in 2000i32..2100) {
            let mut ds = set();
            ds.open_days = open;
            ds.due_days = open + extra;
            ds.lock_days = Some(open + extra + lock);
            prop_assert!(ds.check().is_ok());
            let w = ds.window(&Period::year(y).unwrap());
            prop_assert!(w.opens <= w.due);
            prop_assert!(Some(w.due) <= w.locks);
        }
    }
}
