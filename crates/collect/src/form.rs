//! One report: a unit's form of a data set for a period — what it shows, saving it,
//! completing it, approving it.

use crate::{vi_value_error, CollectError, Hierarchy};
use chiso_app::App;
use chiso_core::dataset::{approval_chain, is_outlier, CompiledRule, FormValues};
use chiso_core::{
    Approval, Code, Completion, DataSet, DataValueInput, Evidence, LockException, ParsedValue,
    Period, Severity, SourceTag, ValidationRule, ValueType, Violation, Window,
};
use chiso_store::{Actor, Changes, Reads, ValueKey, ValueQuery};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Entry has not opened yet.
    NotYetOpen,
    /// Open, not yet due.
    Open,
    /// Open, past its due date, not complete.
    Overdue,
    /// Marked complete (still editable until approved).
    Completed,
    /// Approved at one level or more: locked.
    Approved,
    /// Past its closing date, with no exception: locked.
    Closed,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::NotYetOpen => "not_yet_open",
            ReportStatus::Open => "open",
            ReportStatus::Overdue => "overdue",
            ReportStatus::Completed => "completed",
            ReportStatus::Approved => "approved",
            ReportStatus::Closed => "closed",
        }
    }
}

/// One field of a form: an element, or one breakdown option of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Field {
    #[schema(value_type = String)]
    pub element: Code,
    #[schema(value_type = Option<String>)]
    pub option: Option<Code>,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub option_name: Option<String>,
    pub value_type: ValueType,
    pub unit_of_measure: Option<String>,
    pub value: Option<String>,
    pub comment: Option<String>,
    /// The previous period's value.
    pub previous: Option<String>,
    /// The same period last year.
    pub last_year: Option<String>,
    /// Far from this unit's history for the element (see `chiso_core::dataset::is_outlier`).
    pub outlier: bool,
}

impl Field {
    /// The field's key in a web form: `ELEMENT` or `ELEMENT.OPTION`.
    pub fn key(&self) -> String {
        match &self.option {
            Some(o) => format!("{}.{o}", self.element),
            None => self.element.to_string(),
        }
    }
}

/// A unit's report of a data set for a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Form {
    pub data_set: DataSet,
    #[schema(value_type = String)]
    pub unit: Code,
    pub unit_name: String,
    #[schema(value_type = String)]
    pub period: Period,
    pub window: Window,
    pub status: ReportStatus,
    /// Whether the person asking may change the values now.
    pub editable: bool,
    /// Why not, in plain words.
    pub locked_reason: Option<String>,
    pub completion: Option<Completion>,
    pub approvals: Vec<Approval>,
    /// The units that approve, nearest first.
    #[schema(value_type = Vec<String>)]
    pub approval_chain: Vec<Code>,
    pub exception: Option<LockException>,
    pub fields: Vec<Field>,
    pub violations: Vec<Violation>,
    pub evidence: Vec<Evidence>,
}

/// One value typed into a form. An empty value deletes what was stored.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize, utoipa::ToSchema)]
pub struct Entry {
    #[schema(value_type = String)]
    pub element: Code,
    #[schema(value_type = Option<String>)]
    pub option: Option<Code>,
    pub value: String,
    pub comment: Option<String>,
}

/// What a save did, and the rules the saved values break.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SaveOutcome {
    pub changes: Changes,
    pub violations: Vec<Violation>,
}

/// The rules that read any element of a data set, parsed once.
pub(crate) fn rules_for(rules: &[ValidationRule], elements: &[Code]) -> Vec<CompiledRule> {
    rules
        .iter()
        .filter_map(|r| CompiledRule::new(r).ok())
        .filter(|r| r.elements.iter().any(|e| elements.contains(e)))
        .collect()
}

/// Check rules; broken ones are returned, block ones first.
pub(crate) fn violations(rules: &[CompiledRule], values: &FormValues) -> Vec<Violation> {
    let mut out: Vec<Violation> = rules.iter().filter_map(|r| r.check(values)).collect();
    out.sort_by_key(|v| v.severity != Severity::Block);
    out
}

struct State {
    window: Window,
    status: ReportStatus,
    editable: bool,
    locked_reason: Option<String>,
    completion: Option<Completion>,
    approvals: Vec<Approval>,
    exception: Option<LockException>,
}

async fn state(
    store: &dyn Reads,
    hier: &Hierarchy,
    ds: &DataSet,
    unit: &Code,
    period: &Period,
    today: NaiveDate,
    may_bypass_lock: bool,
) -> Result<State, CollectError> {
    let Some(u) = hier.unit(unit.as_str()) else {
        return Err(CollectError::NotFound(format!(
            "không có đơn vị {unit} / no unit {unit}"
        )));
    };
    if !hier.expects(ds, unit.as_str(), period) {
        return Err(CollectError::Refused(format!(
            "{} không phải báo cáo biểu {} kỳ {period} / {unit} does not report {} for {period}",
            u.name_vi, ds.code, ds.code
        )));
    }
    let window = ds.window(period);
    let completion = store
        .completions(Some(&ds.code), Some(period))
        .await?
        .into_iter()
        .find(|c| &c.unit == unit);
    let approvals: Vec<Approval> = store
        .approvals(Some(&ds.code), Some(period))
        .await?
        .into_iter()
        .filter(|a| &a.unit == unit)
        .collect();
    let exception = store
        .lock_exceptions(Some(&ds.code), Some(period))
        .await?
        .into_iter()
        .find(|e| &e.unit == unit);
    let excepted = exception.as_ref().is_some_and(|e| today <= e.until);
    let closed = window.locks.is_some_and(|l| today > l) && !excepted;
    let (status, editable, locked_reason) = if !approvals.is_empty() {
        (
            ReportStatus::Approved,
            false,
            Some("Báo cáo đã được phê duyệt nên đã khoá; cấp phê duyệt cần huỷ phê duyệt trước khi sửa. / The report is approved and locked.".to_string()),
        )
    } else if today < window.opens && !may_bypass_lock {
        (
            ReportStatus::NotYetOpen,
            false,
            Some(format!(
                "Kỳ báo cáo mở từ ngày {}. / Entry opens on {}.",
                window.opens.format("%d/%m/%Y"),
                window.opens
            )),
        )
    } else if closed {
        (
            ReportStatus::Closed,
            may_bypass_lock,
            (!may_bypass_lock).then(|| {
                format!(
                    "Đã hết hạn nhập (khoá từ ngày {}); cần quản trị viên cho phép ngoại lệ. / Entry closed; an administrator can grant an exception.",
                    window.locks.map(|l| l.format("%d/%m/%Y").to_string()).unwrap_or_default()
                )
            }),
        )
    } else if completion.is_some() {
        (ReportStatus::Completed, true, None)
    } else if today > window.due {
        (ReportStatus::Overdue, true, None)
    } else {
        (ReportStatus::Open, true, None)
    };
    Ok(State {
        window,
        status,
        editable,
        locked_reason,
        completion,
        approvals,
        exception,
    })
}

/// The form as a focal point sees it: fields with this period's, the previous period's and
/// last year's values, the rules broken, the report's state.
pub async fn load_form(
    store: &dyn Reads,
    hier: &Hierarchy,
    ds: &DataSet,
    unit: &Code,
    period: &Period,
    today: NaiveDate,
    may_bypass_lock: bool,
) -> Result<Form, CollectError> {
    let st = state(store, hier, ds, unit, period, today, may_bypass_lock).await?;
    let elements: HashMap<Code, chiso_core::DataElement> = store
        .elements()
        .await?
        .into_iter()
        .map(|e| (e.code.clone(), e))
        .collect();
    let breakdowns: HashMap<Code, chiso_core::Breakdown> = store
        .breakdowns()
        .await?
        .into_iter()
        .map(|b| (b.code.clone(), b))
        .collect();
    let previous = period.previous();
    let last_year = period.same_period_last_year();
    let history: Vec<Period> = (1..=6).filter_map(|k| period.offset(-k)).collect();
    let mut periods = vec![*period];
    periods.extend(previous);
    periods.extend(last_year);
    periods.extend(history.iter().copied());
    periods.sort();
    periods.dedup();
    let stored = store
        .values(&ValueQuery {
            elements: ds.elements.clone(),
            units: vec![unit.clone()],
            periods,
            ..Default::default()
        })
        .await?;
    let mut by_key: HashMap<(Code, Option<Code>, Period), &chiso_core::DataValue> = HashMap::new();
    for v in &stored {
        by_key.insert((v.element.clone(), v.breakdown.clone(), v.period), v);
    }
    let mut fields = Vec::new();
    let mut current = FormValues::default();
    for code in &ds.elements {
        let Some(e) = elements.get(code) else {
            continue;
        };
        let options: Vec<(Option<Code>, Option<String>)> =
            match e.breakdown.as_ref().and_then(|b| breakdowns.get(b)) {
                Some(b) => b
                    .options
                    .iter()
                    .map(|o| (Some(o.code.clone()), Some(o.name_vi.clone())))
                    .collect(),
                None => vec![(None, None)],
            };
        for (option, option_name) in options {
            let get =
                |p: Option<Period>| p.and_then(|p| by_key.get(&(code.clone(), option.clone(), p)));
            let now = get(Some(*period));
            if let Some(x) = now.and_then(|v| v.num) {
                current.values.insert((code.clone(), option.clone()), x);
            }
            let hist: Vec<f64> = history
                .iter()
                .filter_map(|p| get(Some(*p)).and_then(|v| v.num))
                .collect();
            fields.push(Field {
                element: code.clone(),
                option: option.clone(),
                name_vi: e.name_vi.clone(),
                name_en: e.name_en.clone(),
                option_name,
                value_type: e.value_type,
                unit_of_measure: e.unit_of_measure.clone(),
                value: now.map(|v| v.value.clone()),
                comment: now.and_then(|v| v.comment.clone()),
                previous: get(previous).map(|v| v.value.clone()),
                last_year: get(last_year).map(|v| v.value.clone()),
                outlier: now
                    .and_then(|v| v.num)
                    .is_some_and(|x| is_outlier(x, &hist)),
            });
        }
    }
    for c in store.constants().await? {
        current.constants.insert(c.code.clone(), c.value);
    }
    let rules = store.validation_rules().await?;
    let violations = violations(&rules_for(&rules, &ds.elements), &current);
    let evidence = store.evidence(&ds.code, unit, period).await?;
    let unit_name = hier
        .unit(unit.as_str())
        .map(|u| u.name_vi.clone())
        .unwrap_or_default();
    Ok(Form {
        data_set: ds.clone(),
        unit: unit.clone(),
        unit_name,
        period: *period,
        window: st.window,
        status: st.status,
        editable: st.editable,
        locked_reason: st.locked_reason,
        completion: st.completion,
        approvals: st.approvals,
        approval_chain: approval_chain(&hier.ancestors(unit.as_str())),
        exception: st.exception,
        fields,
        violations,
        evidence,
    })
}

/// Save a form's values, all or nothing: each entry is checked against its field's type
/// (errors name the field), an empty value deletes the stored one. Returns what changed and
/// the rules the form now breaks (warnings; blocking rules stop completion, not saving).
#[allow(clippy::too_many_arguments)]
pub async fn save_form(
    app: &App,
    hier: &Hierarchy,
    ds: &DataSet,
    unit: &Code,
    period: &Period,
    entries: &[Entry],
    actor: &Actor,
    today: NaiveDate,
    may_bypass_lock: bool,
) -> Result<SaveOutcome, CollectError> {
    let reads = app.reads();
    let store = reads.as_ref();
    let st = state(store, hier, ds, unit, period, today, may_bypass_lock).await?;
    if !st.editable {
        return Err(CollectError::Refused(st.locked_reason.unwrap_or_default()));
    }
    let form = load_form(store, hier, ds, unit, period, today, may_bypass_lock).await?;
    let fields: HashMap<String, &Field> = form.fields.iter().map(|f| (f.key(), f)).collect();
    let mut errors = Vec::new();
    let mut values = Vec::new();
    let mut deletes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for e in entries {
        let key = match &e.option {
            Some(o) => format!("{}.{o}", e.element),
            None => e.element.to_string(),
        };
        let Some(f) = fields.get(&key) else {
            errors.push((
                key.clone(),
                format!(
                    "biểu {} không có chỉ tiêu {key} / the form has no field {key}",
                    ds.code
                ),
            ));
            continue;
        };
        if !seen.insert(key.clone()) {
            errors.push((
                key.clone(),
                "chỉ tiêu được nhập hai lần / entered twice".into(),
            ));
            continue;
        }
        if let Some(c) = &e.comment {
            if c.chars().count() > chiso_core::value::MAX_COMMENT_LEN {
                errors.push((
                    key.clone(),
                    "ghi chú quá dài / the comment is too long".into(),
                ));
                continue;
            }
        }
        if e.value.trim().is_empty() {
            if f.value.is_some() {
                deletes.push(ValueKey {
                    element: e.element.clone(),
                    unit: unit.clone(),
                    period: *period,
                    breakdown: e.option.clone(),
                });
            }
            continue;
        }
        match ParsedValue::parse(f.value_type, &e.value) {
            Err(err) => errors.push((key, vi_value_error(&err))),
            Ok(_) => values.push(DataValueInput {
                element: e.element.clone(),
                unit: unit.clone(),
                period: *period,
                breakdown: e.option.clone(),
                value: e.value.trim().to_string(),
                comment: e.comment.clone(),
                source: SourceTag::Entered,
            }),
        }
    }
    if !errors.is_empty() {
        return Err(CollectError::Invalid(errors));
    }
    let changes = app.apply_values(&values, &deletes, actor, false).await?;
    let after = load_form(store, hier, ds, unit, period, today, may_bypass_lock).await?;
    Ok(SaveOutcome {
        changes,
        violations: after.violations,
    })
}

/// Mark a report complete. Refused while a blocking rule is broken. Returns false when it
/// was complete already.
#[allow(clippy::too_many_arguments)]
pub async fn complete(
    app: &App,
    hier: &Hierarchy,
    ds: &DataSet,
    unit: &Code,
    period: &Period,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<bool, CollectError> {
    let reads = app.reads();
    let store = reads.as_ref();
    let form = load_form(store, hier, ds, unit, period, today, false).await?;
    if form.status == ReportStatus::NotYetOpen {
        return Err(CollectError::Refused(
            form.locked_reason.unwrap_or_default(),
        ));
    }
    crate::compulsory::check(ds, &form.fields)?;
    let blocking: Vec<(String, String)> = form
        .violations
        .iter()
        .filter(|v| v.severity == Severity::Block)
        .map(|v| {
            (
                v.rule.to_string(),
                format!(
                    "{} ({} {} {})",
                    v.message,
                    fmt_num(v.left),
                    v.operator.symbol(),
                    fmt_num(v.right)
                ),
            )
        })
        .collect();
    if !blocking.is_empty() {
        return Err(CollectError::Invalid(blocking));
    }
    Ok(app
        .set_completion(
            &Completion {
                data_set: ds.code.clone(),
                unit: unit.clone(),
                period: *period,
                completed_by: actor.who.clone(),
                completed_at: now,
                on_time: today <= form.window.due,
            },
            true,
            actor,
        )
        .await?)
}

fn fmt_num(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Take a completion back (before any approval).
pub async fn uncomplete(
    app: &App,
    ds: &DataSet,
    unit: &Code,
    period: &Period,
    actor: &Actor,
) -> Result<bool, CollectError> {
    let c = Completion {
        data_set: ds.code.clone(),
        unit: unit.clone(),
        period: *period,
        completed_by: actor.who.clone(),
        completed_at: Utc::now(),
        on_time: false,
    };
    Ok(app.set_completion(&c, false, actor).await?)
}

/// Approve a completed report at the next level of its chain (district, then province).
/// `may_approve_at` says whether the person may approve for a level unit.
#[allow(clippy::too_many_arguments)]
pub async fn approve(
    app: &App,
    hier: &Hierarchy,
    ds: &DataSet,
    unit: &Code,
    period: &Period,
    actor: &Actor,
    now: DateTime<Utc>,
    may_approve_at: &(dyn Fn(&Code) -> bool + Sync),
) -> Result<Approval, CollectError> {
    let reads = app.reads();
    let store = reads.as_ref();
    if !ds.approval {
        return Err(CollectError::Refused(format!(
            "biểu {} không cần phê duyệt / data set {} has no approval",
            ds.code, ds.code
        )));
    }
    if hier.unit(unit.as_str()).is_none() {
        return Err(CollectError::NotFound(format!(
            "không có đơn vị {unit} / no unit {unit}"
        )));
    }
    let done = store
        .completions(Some(&ds.code), Some(period))
        .await?
        .iter()
        .any(|c| &c.unit == unit);
    if !done {
        return Err(CollectError::Refused(
            "Báo cáo chưa được đơn vị gửi (đánh dấu hoàn thành). / The report has not been submitted (marked complete).".into(),
        ));
    }
    let chain = approval_chain(&hier.ancestors(unit.as_str()));
    let steps = store
        .approvals(Some(&ds.code), Some(period))
        .await?
        .iter()
        .filter(|a| &a.unit == unit)
        .count();
    let Some(level) = chain.get(steps) else {
        return Err(CollectError::Refused(
            "Báo cáo đã được phê duyệt ở mọi cấp. / The report is approved at every level.".into(),
        ));
    };
    if !may_approve_at(level) {
        return Err(CollectError::Refused(format!(
            "{} không có quyền phê duyệt ở cấp {level} / {} may not approve at the level of {level}",
            actor.who, actor.who
        )));
    }
    let a = Approval {
        data_set: ds.code.clone(),
        unit: unit.clone(),
        period: *period,
        step: u8::try_from(steps + 1).unwrap_or(u8::MAX),
        level_unit: level.clone(),
        approved_by: actor.who.clone(),
        approved_at: now,
    };
    app.approve(&a, actor).await?;
    Ok(a)
}

/// Take back the last approval step, with a reason; only someone who may approve at that
/// step's level.
#[allow(clippy::too_many_arguments)]
pub async fn unapprove(
    app: &App,
    ds: &DataSet,
    unit: &Code,
    period: &Period,
    reason: &str,
    actor: &Actor,
    may_approve_at: &(dyn Fn(&Code) -> bool + Sync),
) -> Result<u8, CollectError> {
    let reads = app.reads();
    let store = reads.as_ref();
    let last = store
        .approvals(Some(&ds.code), Some(period))
        .await?
        .into_iter()
        .filter(|a| &a.unit == unit)
        .max_by_key(|a| a.step);
    let Some(last) = last else {
        return Err(CollectError::Refused(
            "Báo cáo chưa được phê duyệt. / The report is not approved.".into(),
        ));
    };
    if !may_approve_at(&last.level_unit) {
        return Err(CollectError::Refused(format!(
            "{} không có quyền huỷ phê duyệt ở cấp {} / {} may not un-approve at that level",
            actor.who, last.level_unit, actor.who
        )));
    }
    if reason.trim().is_empty() {
        return Err(CollectError::Invalid(vec![(
            "reason".into(),
            "cần nêu lý do huỷ phê duyệt / give the reason".into(),
        )]));
    }
    Ok(app.unapprove(&ds.code, unit, period, reason, actor).await?)
}

/// Let a unit enter a closed report until a date.
#[allow(clippy::too_many_arguments)]
pub async fn grant_exception(
    app: &App,
    hier: &Hierarchy,
    ds: &DataSet,
    unit: &Code,
    period: &Period,
    until: NaiveDate,
    reason: &str,
    actor: &Actor,
    today: NaiveDate,
) -> Result<(), CollectError> {
    if until < today {
        return Err(CollectError::Invalid(vec![(
            "until".into(),
            format!(
                "ngày {} đã qua; ngoại lệ phải kéo dài đến hôm nay hoặc sau / {} is in the past",
                until.format("%d/%m/%Y"),
                until
            ),
        )]));
    }
    if !hier.expects(ds, unit.as_str(), period) {
        return Err(CollectError::Refused(format!(
            "{unit} không phải báo cáo biểu {} kỳ {period} / {unit} does not report it",
            ds.code
        )));
    }
    if reason.trim().is_empty() {
        return Err(CollectError::Invalid(vec![(
            "reason".into(),
            "cần nêu lý do / give a reason".into(),
        )]));
    }
    app.grant_lock_exception(
        &LockException {
            data_set: ds.code.clone(),
            unit: unit.clone(),
            period: *period,
            until,
            granted_by: actor.who.clone(),
            reason: reason.trim().to_string(),
        },
        actor,
    )
    .await?;
    Ok(())
}
