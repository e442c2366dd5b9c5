//! Importing data values read from a file (XLSX template, CSV, DHIS2 JSON/CSV): every row is
//! checked — codes, types, the importer's units, closed and approved reports, blocking
//! validation rules — and the whole file is written in one transaction, or nothing is.
//! Errors name the file, sheet, row and column, in Vietnamese.

use crate::form::{rules_for, violations};
use crate::{vi_value_error, Hierarchy};
use chiso_core::dataset::FormValues;
use chiso_core::{Code, DataSet, DataValueInput, ParsedValue, Period, Severity, SourceTag};
use chiso_engine::live::Live;
use chiso_io::values::{Place, ValueRow};
use chiso_io::FileError;
use chiso_store::{Actor, Changes, StoreError, ValueKey, ValueQuery};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// DHIS2's import strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Insert new values and update existing ones.
    #[default]
    CreateAndUpdate,
    /// Insert new values only; existing ones are ignored.
    Create,
    /// Update existing values only; new ones are ignored.
    Update,
    /// Delete the values named.
    Delete,
}

impl Strategy {
    /// DHIS2's names (and the older ones).
    pub fn parse(s: &str) -> Option<Strategy> {
        match s.to_ascii_uppercase().as_str() {
            "CREATE_AND_UPDATE" | "NEW_AND_UPDATES" => Some(Strategy::CreateAndUpdate),
            "CREATE" | "NEW" => Some(Strategy::Create),
            "UPDATE" | "UPDATES" => Some(Strategy::Update),
            "DELETE" | "DELETES" => Some(Strategy::Delete),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::CreateAndUpdate => "CREATE_AND_UPDATE",
            Strategy::Create => "CREATE",
            Strategy::Update => "UPDATE",
            Strategy::Delete => "DELETE",
        }
    }
}

/// How a file names its fields, for error messages about fields other than the value.
#[derive(Debug, Clone, Copy)]
pub struct FieldNames {
    pub element: &'static str,
    pub period: &'static str,
    pub unit: &'static str,
    pub breakdown: &'static str,
}

impl FieldNames {
    pub const CHISO: FieldNames = FieldNames {
        element: "element",
        period: "period",
        unit: "unit",
        breakdown: "breakdown",
    };
    pub const DHIS2_CSV: FieldNames = FieldNames {
        element: "dataelement",
        period: "period",
        unit: "orgunit",
        breakdown: "categoryoptioncombo",
    };
    pub const DHIS2_JSON: FieldNames = FieldNames {
        element: "dataElement",
        period: "period",
        unit: "orgUnit",
        breakdown: "categoryOptionCombo",
    };
}

pub struct ImportOptions {
    /// The file's name, for messages.
    pub file: String,
    pub dry_run: bool,
    pub strategy: Strategy,
    pub source: SourceTag,
    /// May write into closed reports (a system administrator).
    pub may_bypass_lock: bool,
    pub names: FieldNames,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOutcome {
    pub changes: Changes,
    /// Rows skipped by the strategy (CREATE on an existing value, UPDATE on a missing one,
    /// DELETE of a missing one).
    pub ignored: u64,
    /// Broken warning rules and other notes; they did not stop the import.
    pub warnings: Vec<FileError>,
    pub dry_run: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file was refused; nothing was written.
    #[error("{} lỗi; không ghi dữ liệu nào", .0.len())]
    Rejected(Vec<FileError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn place_of(row: &ValueRow, field: &str) -> Place {
    // In a workbook the codes sit in hidden cells: point at the value's cell.
    if row.place.sheet.is_some() {
        row.place.clone()
    } else {
        row.place.at(field)
    }
}

/// Read the rows of a file of any kind chiso takes — an Excel template, CSV (chiso's columns or
/// DHIS2's) or DHIS2 dataValueSets JSON — found from its content. Returns the kind's name, the
/// rows and how the file names its fields.
pub fn read_file(
    file: &str,
    bytes: &[u8],
) -> Result<(&'static str, Vec<ValueRow>, FieldNames), Vec<FileError>> {
    use chiso_io::detect::Format;
    match chiso_io::detect::detect(file, bytes) {
        Some(Format::Xlsx) => chiso_io::xlsx::read_template(file, bytes)
            .map(|w| ("xlsx", w.rows, FieldNames::CHISO)),
        Some(Format::Json) => chiso_io::dhis2::read_dhis2_json(file, bytes)
            .map(|(_, rows)| ("json", rows, FieldNames::DHIS2_JSON)),
        Some(Format::Csv) => {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).to_ascii_lowercase();
            let names = if head.contains("dataelement") {
                FieldNames::DHIS2_CSV
            } else {
                FieldNames::CHISO
            };
            chiso_io::csv_values::read_csv(file, bytes).map(|rows| ("csv", rows, names))
        }
        None => Err(vec![FileError::whole_file(
            file,
            "không nhận ra loại tệp: cần tệp Excel (.xlsx) theo biểu mẫu, CSV hoặc JSON dataValueSets",
        )]),
    }
}

/// Whether entry into (data set, unit, period) is closed for this importer, and why.
fn closed_reason(
    ds: &DataSet,
    period: &Period,
    today: NaiveDate,
    excepted: bool,
) -> Option<String> {
    let w = ds.window(period);
    if today < w.opens {
        return Some(format!(
            "biểu {} kỳ {period} chưa mở (mở từ {})",
            ds.code,
            w.opens.format("%d/%m/%Y")
        ));
    }
    if w.locks.is_some_and(|l| today > l) && !excepted {
        return Some(format!(
            "biểu {} kỳ {period} đã hết hạn nhập (khoá từ {}); cần quản trị viên cho phép ngoại lệ",
            ds.code,
            w.locks
                .map(|l| l.format("%d/%m/%Y").to_string())
                .unwrap_or_default()
        ));
    }
    None
}

/// Check and write the rows of one file, all or nothing.
#[allow(clippy::too_many_arguments)]
pub async fn import_rows(
    live: &Live,
    hier: &Hierarchy,
    rows: &[ValueRow],
    opts: &ImportOptions,
    actor: &Actor,
    may_write: &(dyn Fn(&Code) -> bool + Sync),
    today: NaiveDate,
) -> Result<ImportOutcome, ImportError> {
    let store = live.store().as_ref();
    let file = opts.file.as_str();
    let names = opts.names;
    let elements: HashMap<String, chiso_core::DataElement> = store
        .elements()
        .await?
        .into_iter()
        .map(|e| (e.code.to_string(), e))
        .collect();
    let options: HashMap<String, HashSet<String>> = store
        .breakdowns()
        .await?
        .into_iter()
        .map(|b| {
            (
                b.code.to_string(),
                b.options.iter().map(|o| o.code.to_string()).collect(),
            )
        })
        .collect();
    let data_sets = store.data_sets().await?;
    let mut sets_of: HashMap<&str, Vec<&DataSet>> = HashMap::new();
    for ds in &data_sets {
        for e in &ds.elements {
            sets_of.entry(e.as_str()).or_default().push(ds);
        }
    }
    let exceptions: HashSet<(String, String, Period)> = if data_sets.is_empty() {
        HashSet::new()
    } else {
        store
            .lock_exceptions(None, None)
            .await?
            .into_iter()
            .filter(|e| today <= e.until)
            .map(|e| (e.data_set.to_string(), e.unit.to_string(), e.period))
            .collect()
    };
    let mut errors: Vec<FileError> = Vec::new();
    let mut push = |e: FileError| {
        if errors.len() < 1000 {
            errors.push(e);
        }
    };
    let mut allowed: HashMap<&str, bool> = HashMap::new();
    let mut closed: HashMap<(String, String, Period), Option<String>> = HashMap::new();
    let mut seen: HashMap<(&str, &str, Period, Option<&str>), usize> =
        HashMap::with_capacity(rows.len());
    // (index of the row, input)
    let mut writes: Vec<(usize, DataValueInput)> = Vec::with_capacity(rows.len());
    let mut deletes: Vec<(usize, ValueKey)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let mut ok = true;
        let element = match Code::parse(&r.element) {
            Ok(c) if elements.contains_key(c.as_str()) => Some(c),
            _ => {
                push(place_of(r, names.element).error(
                    file,
                    format!("không có chỉ tiêu (data element) mã '{}'", r.element),
                ));
                None
            }
        };
        let unit = match Code::parse(&r.unit) {
            Ok(c) if hier.unit(c.as_str()).is_some() => Some(c),
            _ => {
                push(
                    place_of(r, names.unit).error(file, format!("không có đơn vị mã '{}'", r.unit)),
                );
                None
            }
        };
        let period = match Period::parse(&r.period) {
            Ok(p) => Some(p),
            Err(_) => {
                push(place_of(r, names.period).error(
                    file,
                    format!(
                        "'{}' không phải là kỳ báo cáo (ví dụ 2024, 2024Q1, 202403)",
                        r.period
                    ),
                ));
                None
            }
        };
        let breakdown = match &r.breakdown {
            None => None,
            Some(b) => match Code::parse(b) {
                Ok(c) => Some(c),
                Err(_) => {
                    push(
                        place_of(r, names.breakdown)
                            .error(file, format!("mã phân tổ '{b}' không hợp lệ")),
                    );
                    ok = false;
                    None
                }
            },
        };
        let (Some(element), Some(unit), Some(period), true) = (element, unit, period, ok) else {
            continue;
        };
        let Some(e) = elements.get(element.as_str()) else {
            continue;
        };
        match (&e.breakdown, &breakdown) {
            (None, Some(b)) => {
                push(place_of(r, names.breakdown).error(
                    file,
                    format!("chỉ tiêu {element} không có phân tổ, nhưng có mã phân tổ {b}"),
                ));
                continue;
            }
            (Some(cat), None) => {
                push(place_of(r, names.breakdown).error(
                    file,
                    format!("chỉ tiêu {element} được phân tổ theo {cat}; cần ghi mã phân tổ"),
                ));
                continue;
            }
            (Some(cat), Some(b))
                if !options
                    .get(cat.as_str())
                    .is_some_and(|o| o.contains(b.as_str())) =>
            {
                push(
                    place_of(r, names.breakdown)
                        .error(file, format!("'{b}' không phải là phân tổ của {cat}")),
                );
                continue;
            }
            _ => {}
        }
        let u = hier.unit(unit.as_str());
        if let Some(u) = u {
            if !u.unit.exists_during(period.start(), period.end()) {
                push(place_of(r, names.period).error(
                    file,
                    format!("đơn vị {unit} không tồn tại trong kỳ {period}"),
                ));
                continue;
            }
        }
        let may = *allowed
            .entry(u.map(|u| u.unit.code.as_str()).unwrap_or(""))
            .or_insert_with(|| may_write(&unit));
        if !may {
            push(place_of(r, names.unit).error(
                file,
                format!(
                    "{} không có quyền nhập số liệu cho đơn vị {unit}",
                    actor.who
                ),
            ));
            continue;
        }
        if let Some(sets) = sets_of.get(element.as_str()) {
            let covering: Vec<&&DataSet> = sets
                .iter()
                .filter(|ds| {
                    ds.period_type == period.period_type()
                        && hier.expects(ds, unit.as_str(), &period)
                })
                .collect();
            if !covering.is_empty() && !opts.may_bypass_lock {
                let reasons: Vec<Option<String>> = covering
                    .iter()
                    .map(|ds| {
                        closed
                            .entry((ds.code.to_string(), unit.to_string(), period))
                            .or_insert_with(|| {
                                closed_reason(
                                    ds,
                                    &period,
                                    today,
                                    exceptions.contains(&(
                                        ds.code.to_string(),
                                        unit.to_string(),
                                        period,
                                    )),
                                )
                            })
                            .clone()
                    })
                    .collect();
                if reasons.iter().all(Option::is_some) {
                    if let Some(Some(reason)) = reasons.into_iter().next() {
                        push(place_of(r, names.unit).error(file, reason));
                        continue;
                    }
                }
            }
        }
        let key = (
            r.element.trim(),
            r.unit.trim(),
            period,
            r.breakdown.as_deref().map(str::trim),
        );
        if let Some(j) = seen.insert(key, i) {
            push(r.place.error(
                file,
                format!(
                    "trùng với dòng {} (cùng chỉ tiêu, đơn vị, kỳ và phân tổ)",
                    rows[j].place.row
                ),
            ));
            continue;
        }
        if r.deleted || opts.strategy == Strategy::Delete {
            deletes.push((
                i,
                ValueKey {
                    element,
                    unit,
                    period,
                    breakdown,
                },
            ));
            continue;
        }
        if let Err(err) = ParsedValue::parse(e.value_type, &r.value) {
            push(r.place.error(file, vi_value_error(&err)));
            continue;
        }
        if r.comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > chiso_core::value::MAX_COMMENT_LEN)
        {
            push(r.place.error(file, "ghi chú quá dài"));
            continue;
        }
        writes.push((
            i,
            DataValueInput {
                element,
                unit,
                period,
                breakdown,
                value: r.value.trim().to_string(),
                comment: r.comment.clone(),
                source: opts.source.clone(),
            },
        ));
    }
    if !errors.is_empty() {
        return Err(ImportError::Rejected(errors));
    }
    // Strategies that depend on what is stored.
    let mut ignored = 0u64;
    if matches!(opts.strategy, Strategy::Create | Strategy::Update) && !writes.is_empty() {
        let stored = existing(live, writes.iter().map(|(_, v)| v)).await?;
        let before = writes.len();
        let create = opts.strategy == Strategy::Create;
        writes.retain(|(_, v)| {
            let there = stored.contains(&(
                v.element.to_string(),
                v.unit.to_string(),
                v.period,
                v.breakdown
                    .as_ref()
                    .map(|b| b.to_string())
                    .unwrap_or_default(),
            ));
            there != create
        });
        ignored += (before - writes.len()) as u64;
    }
    // Validation rules, per unit and period, over the stored numbers and the file's.
    let rules = store.validation_rules().await?;
    let mut warnings = Vec::new();
    if !rules.is_empty() && !writes.is_empty() {
        let touched: Vec<Code> = writes
            .iter()
            .map(|(_, v)| v.element.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let relevant = rules_for(&rules, &touched);
        if !relevant.is_empty() {
            let mut groups: HashMap<(Code, Period), Vec<usize>> = HashMap::new();
            for (k, (_, v)) in writes.iter().enumerate() {
                groups
                    .entry((v.unit.clone(), v.period))
                    .or_default()
                    .push(k);
            }
            let constants: HashMap<Code, f64> = store
                .constants()
                .await?
                .into_iter()
                .map(|c| (c.code, c.value))
                .collect();
            let engine = live.read().await;
            let deleted: HashSet<(String, String, Period, Option<String>)> = deletes
                .iter()
                .map(|(_, k)| {
                    (
                        k.element.to_string(),
                        k.unit.to_string(),
                        k.period,
                        k.breakdown.as_ref().map(|b| b.to_string()),
                    )
                })
                .collect();
            let mut group_list: Vec<_> = groups.into_iter().collect();
            group_list.sort_by(|a, b| a.1[0].cmp(&b.1[0]));
            for ((unit, period), members) in group_list {
                let mut fv = FormValues {
                    constants: constants.clone(),
                    ..Default::default()
                };
                for r in &relevant {
                    for e in &r.elements {
                        let opts_of: Vec<Option<Code>> =
                            match elements.get(e.as_str()).and_then(|d| d.breakdown.as_ref()) {
                                Some(cat) => options
                                    .get(cat.as_str())
                                    .map(|o| {
                                        o.iter()
                                            .filter_map(|c| Code::parse(c).ok())
                                            .map(Some)
                                            .collect()
                                    })
                                    .unwrap_or_default(),
                                None => vec![None],
                            };
                        for o in opts_of {
                            let gone = deleted.contains(&(
                                e.to_string(),
                                unit.to_string(),
                                period,
                                o.as_ref().map(|c| c.to_string()),
                            ));
                            if gone {
                                continue;
                            }
                            if let Some(x) = engine.own(e, o.as_ref(), unit.as_str(), &period) {
                                fv.values.insert((e.clone(), o), x);
                            }
                        }
                    }
                }
                for &k in &members {
                    let v = &writes[k].1;
                    let num = elements
                        .get(v.element.as_str())
                        .and_then(|e| ParsedValue::parse(e.value_type, &v.value).ok())
                        .and_then(|p| p.num);
                    match num {
                        Some(x) => {
                            fv.values
                                .insert((v.element.clone(), v.breakdown.clone()), x);
                        }
                        None => {
                            fv.values.remove(&(v.element.clone(), v.breakdown.clone()));
                        }
                    }
                }
                for viol in violations(&relevant, &fv) {
                    let at = members
                        .iter()
                        .find(|&&k| viol.elements.contains(&writes[k].1.element))
                        .map(|&k| writes[k].0)
                        .unwrap_or(writes[members[0]].0);
                    let reason = format!(
                        "{} — đơn vị {unit}, kỳ {period}: {} {} {} không thoả",
                        viol.message,
                        viol.left,
                        viol.operator.symbol(),
                        viol.right
                    );
                    let e = rows[at].place.error(file, reason);
                    if viol.severity == Severity::Block {
                        errors.push(e);
                    } else {
                        warnings.push(e);
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rejected(errors));
    }
    let values: Vec<DataValueInput> = writes.iter().map(|(_, v)| v.clone()).collect();
    let keys: Vec<ValueKey> = deletes.iter().map(|(_, k)| k.clone()).collect();
    match live.apply_values(&values, &keys, actor, opts.dry_run).await {
        Ok(mut changes) => {
            if opts.strategy == Strategy::Delete || !keys.is_empty() {
                // A delete of a missing value is counted unchanged by the store: DHIS2 calls
                // it ignored.
                let missing = keys.len() as u64 - changes.deleted.min(keys.len() as u64);
                ignored += missing;
                changes.unchanged -= missing.min(changes.unchanged);
            }
            Ok(ImportOutcome {
                changes,
                ignored,
                warnings,
                dry_run: opts.dry_run,
            })
        }
        Err(StoreError::Invalid(fields)) => Err(ImportError::Rejected(
            fields
                .into_iter()
                .map(|f| {
                    let row = f.index.and_then(|k| {
                        if k < deletes.len() {
                            deletes.get(k).map(|d| d.0)
                        } else {
                            writes.get(k - deletes.len()).map(|w| w.0)
                        }
                    });
                    match row {
                        Some(r) => rows[r].place.error(file, f.reason),
                        None => FileError {
                            file: file.to_string(),
                            sheet: None,
                            row: 0,
                            column: None,
                            reason: f.reason,
                        },
                    }
                })
                .collect(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The stored keys among some values: (element, unit, period, breakdown or "").
async fn existing(
    live: &Live,
    values: impl Iterator<Item = &DataValueInput>,
) -> Result<HashSet<(String, String, Period, String)>, StoreError> {
    let mut elements = HashSet::new();
    let mut units = HashSet::new();
    let mut periods = HashSet::new();
    for v in values {
        elements.insert(v.element.clone());
        units.insert(v.unit.clone());
        periods.insert(v.period);
    }
    let stored = live
        .store()
        .values(&ValueQuery {
            elements: elements.into_iter().collect(),
            units: units.into_iter().collect(),
            periods: periods.into_iter().collect(),
            ..Default::default()
        })
        .await?;
    Ok(stored
        .into_iter()
        .map(|v| {
            (
                v.element.to_string(),
                v.unit.to_string(),
                v.period,
                v.breakdown.map(|b| b.to_string()).unwrap_or_default(),
            )
        })
        .collect())
}
