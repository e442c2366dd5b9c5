//! Importing data values read from a file (XLSX template, CSV, DHIS2 JSON/CSV): every row is
//! checked — codes, types, the importer's units, closed and approved reports, blocking
//! validation rules — and the whole file is written in one transaction, or nothing is.
//! Errors name the file, sheet, row and column, in Vietnamese.

mod rows;

use rows::{check_rows, numbered, Ctx, Part};

use crate::form::{rules_for, violations};
use crate::Hierarchy;
use chiso_app::App;
use chiso_core::dataset::FormValues;
use chiso_core::fasthash::FastMap;
use chiso_core::parallel::in_halves;
use chiso_core::{Code, DataSet, DataValueInput, Period, Severity, SourceTag};
use chiso_io::values::ValueRow;
use chiso_io::{FileError, Problem};
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

/// Check and write the rows of one file, all or nothing.
#[allow(clippy::too_many_arguments)]
pub async fn import_rows(
    app: &App,
    hier: &Hierarchy,
    rows: &[ValueRow],
    opts: &ImportOptions,
    actor: &Actor,
    may_write: &(dyn Fn(&Code) -> bool + Sync),
    today: NaiveDate,
) -> Result<ImportOutcome, ImportError> {
    let started = std::time::Instant::now();
    let reads = app.reads();
    let store = reads.as_ref();
    let file = opts.file.as_str();
    let names = opts.names;
    let elements: FastMap<String, chiso_core::DataElement> = store
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
    let set_index: HashMap<&str, usize> = data_sets
        .iter()
        .enumerate()
        .map(|(k, ds)| (ds.code.as_str(), k))
        .collect();
    let ctx = Ctx {
        file,
        names,
        opts,
        actor,
        today,
        hier,
        elements: &elements,
        options: &options,
        sets_of: &sets_of,
        set_index: &set_index,
        exceptions: &exceptions,
        may_write,
        element_no: numbered(elements.keys().map(String::as_str)),
        unit_no: numbered(hier.units().map(|u| u.code.as_str())),
        option_no: numbered(options.values().flatten().map(String::as_str)),
    };
    // A large file is checked in two halves at once.
    let parts: Vec<Part<'_>> = crate::heavy(|| {
        in_halves(rows.len(), 50_000, |r| {
            let start = r.start;
            check_rows(&ctx, &rows[r], start)
        })
    });
    let mut keys: Vec<(u32, u32, Period, u32, usize)> = Vec::with_capacity(rows.len());
    let mut write_rows: Vec<usize> = Vec::with_capacity(rows.len());
    let mut write_nums: Vec<Option<f64>> = Vec::with_capacity(rows.len());
    let mut values: Vec<DataValueInput> = Vec::with_capacity(rows.len());
    let mut deletes: Vec<(usize, ValueKey)> = Vec::new();
    let mut pending: Vec<(usize, FileError)> = Vec::new();
    for p in parts {
        for e in p.errors {
            push(e);
        }
        keys.extend(p.keys);
        write_rows.extend(p.write_rows);
        write_nums.extend(p.write_nums);
        values.extend(p.values);
        deletes.extend(p.deletes);
        pending.extend(p.pending);
    }
    keys.sort_unstable();
    for w in keys.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if (a.0, a.1, a.2, a.3) == (b.0, b.1, b.2, b.3) {
            push(
                rows[b.4]
                    .place
                    .error(
                        file,
                        format!(
                            "trùng với dòng {} (cùng chỉ tiêu, đơn vị, kỳ và phân tổ)",
                            rows[a.4].place.row
                        ),
                    )
                    .of(Problem::Duplicate),
            );
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.sheet.clone(), e.row));
        return Err(ImportError::Rejected(errors));
    }
    tracing::debug!(
        rows = rows.len(),
        ms = started.elapsed().as_millis() as u64,
        "import: rows checked"
    );
    let mut ignored = 0u64;
    // Rows into reports closed to entry pass only if they change nothing.
    let mut kept_unchanged = 0u64;
    if !pending.is_empty() {
        let (same, gone, refused) =
            unchanged_rows(app, &pending, &write_rows, &values, &deletes, &elements).await?;
        if !refused.is_empty() {
            let mut errors = refused;
            errors.sort_by_key(|e| (e.sheet.clone(), e.row));
            return Err(ImportError::Rejected(errors));
        }
        let drop_write: HashSet<usize> = same.into_iter().collect();
        kept_unchanged = drop_write.len() as u64;
        let keep: Vec<bool> = write_rows.iter().map(|r| !drop_write.contains(r)).collect();
        let mut k = keep.iter();
        values.retain(|_| k.next().copied().unwrap_or(true));
        let mut k = keep.iter();
        write_nums.retain(|_| k.next().copied().unwrap_or(true));
        write_rows.retain(|r| !drop_write.contains(r));
        let gone: HashSet<usize> = gone.into_iter().collect();
        ignored += gone.len() as u64;
        deletes.retain(|(r, _)| !gone.contains(r));
    }
    // DHIS2's CREATE adds values only: deletions are ignored.
    if opts.strategy == Strategy::Create && !deletes.is_empty() {
        ignored += deletes.len() as u64;
        deletes.clear();
    }
    // Strategies that depend on what is stored.
    if matches!(opts.strategy, Strategy::Create | Strategy::Update) && !values.is_empty() {
        let stored = existing(app, values.iter()).await?;
        let create = opts.strategy == Strategy::Create;
        let keep: Vec<bool> = values
            .iter()
            .map(|v| {
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
            })
            .collect();
        let before = values.len();
        let mut k = keep.iter();
        values.retain(|_| k.next().copied().unwrap_or(false));
        let mut k = keep.iter();
        write_rows.retain(|_| k.next().copied().unwrap_or(false));
        let mut k = keep.iter();
        write_nums.retain(|_| k.next().copied().unwrap_or(false));
        ignored += (before - values.len()) as u64;
    }
    // Validation rules, per unit and period, over the stored numbers and the file's.
    let rules = store.validation_rules().await?;
    let mut warnings = Vec::new();
    if !rules.is_empty() && !values.is_empty() {
        let touched: Vec<Code> = values
            .iter()
            .map(|v| v.element.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let relevant = rules_for(&rules, &touched);
        if !relevant.is_empty() {
            let mut groups: FastMap<(&str, Period), Vec<usize>> = FastMap::default();
            for (k, v) in values.iter().enumerate() {
                groups
                    .entry((v.unit.as_str(), v.period))
                    .or_default()
                    .push(k);
            }
            let constants: HashMap<Code, f64> = store
                .constants()
                .await?
                .into_iter()
                .map(|c| (c.code, c.value))
                .collect();
            let engine = app.read().await;
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
            // Each rule element's breakdown options (or none), worked out once.
            let mut opts_of: FastMap<&str, Vec<Option<Code>>> = FastMap::default();
            for r in &relevant {
                for e in &r.elements {
                    opts_of.entry(e.as_str()).or_insert_with(|| {
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
                        }
                    });
                }
            }
            let engine = &*engine;
            // One unit and period: the rules over its stored numbers and the file's.
            let check = |(unit, period, members): &(&str, Period, Vec<usize>)| {
                let (unit, period) = (*unit, *period);
                let mut fv = FormValues {
                    constants: constants.clone(),
                    ..Default::default()
                };
                for r in &relevant {
                    for e in &r.elements {
                        for o in opts_of.get(e.as_str()).into_iter().flatten() {
                            let gone = !deleted.is_empty()
                                && deleted.contains(&(
                                    e.to_string(),
                                    unit.to_string(),
                                    period,
                                    o.as_ref().map(|c| c.to_string()),
                                ));
                            if gone {
                                continue;
                            }
                            if let Some(x) = engine.own(e, o.as_ref(), unit, &period) {
                                fv.values.insert((e.clone(), o.clone()), x);
                            }
                        }
                    }
                }
                for &k in members {
                    let v = &values[k];
                    match write_nums[k] {
                        Some(x) => {
                            fv.values
                                .insert((v.element.clone(), v.breakdown.clone()), x);
                        }
                        None => {
                            fv.values.remove(&(v.element.clone(), v.breakdown.clone()));
                        }
                    }
                }
                violations(&relevant, &fv)
                    .into_iter()
                    .map(|viol| {
                        let at = members
                            .iter()
                            .find(|&&k| viol.elements.contains(&values[k].element))
                            .map(|&k| write_rows[k])
                            .unwrap_or(write_rows[members[0]]);
                        let reason = format!(
                            "{} — đơn vị {unit}, kỳ {period}: {} {} {} không thoả",
                            viol.message,
                            viol.left,
                            viol.operator.symbol(),
                            viol.right
                        );
                        (
                            viol.severity,
                            rows[at].place.error(file, reason).of(Problem::Rule),
                        )
                    })
                    .collect::<Vec<_>>()
            };
            let group_list: Vec<(&str, Period, Vec<usize>)> = group_list
                .into_iter()
                .map(|((u, p), m)| (u, p, m))
                .collect();
            // Many units and periods are checked in two halves at once.
            let found = crate::heavy(|| {
                in_halves(group_list.len(), 2_000, |r| {
                    group_list[r].iter().flat_map(check).collect::<Vec<_>>()
                })
            });
            for (severity, e) in found.into_iter().flatten() {
                if severity == Severity::Block {
                    errors.push(e);
                } else {
                    warnings.push(e);
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rejected(errors));
    }
    let keys: Vec<ValueKey> = deletes.iter().map(|(_, k)| k.clone()).collect();
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        "import: validation rules checked"
    );
    let applied = app.apply_values(&values, &keys, actor, opts.dry_run).await;
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        "import: written and applied to the engine"
    );
    match applied {
        Ok(mut changes) => {
            if opts.strategy == Strategy::Delete || !keys.is_empty() {
                // A delete of a missing value is counted unchanged by the store: DHIS2 calls
                // it ignored.
                let missing = keys.len() as u64 - changes.deleted.min(keys.len() as u64);
                ignored += missing;
                changes.unchanged -= missing.min(changes.unchanged);
            }
            changes.unchanged += kept_unchanged;
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
                    // The store says which list the index counts in: the row is found, not
                    // guessed.
                    let row = f.index.and_then(|k| match f.list {
                        chiso_store::ItemList::Deletions => deletes.get(k).map(|d| d.0),
                        chiso_store::ItemList::Items => write_rows.get(k).copied(),
                    });
                    let problem = if f.reason.contains("phê duyệt") {
                        Problem::Approved
                    } else {
                        Problem::Value
                    };
                    match row {
                        Some(r) => rows[r].place.error(file, f.reason).of(problem),
                        None => FileError {
                            problem: chiso_io::Problem::Other,
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

/// A stored value's key as text: element, unit, period, breakdown ("" for none).
type StoredKey = (String, String, Period, String);

/// Of the rows into closed reports (`pending`): those written unchanged (the value and
/// comment stored already), those deleting a value that is not there, and the refusals of
/// the others.
async fn unchanged_rows(
    app: &App,
    pending: &[(usize, FileError)],
    write_rows: &[usize],
    values: &[DataValueInput],
    deletes: &[(usize, ValueKey)],
    elements: &FastMap<String, chiso_core::DataElement>,
) -> Result<(Vec<usize>, Vec<usize>, Vec<FileError>), StoreError> {
    let write_at: HashMap<usize, usize> = write_rows
        .iter()
        .enumerate()
        .map(|(k, r)| (*r, k))
        .collect();
    let delete_at: HashMap<usize, usize> = deletes
        .iter()
        .enumerate()
        .map(|(k, (r, _))| (*r, k))
        .collect();
    let mut query = ValueQuery::default();
    let (mut el, mut un, mut pe) = (HashSet::new(), HashSet::new(), HashSet::new());
    for (r, _) in pending {
        let key = match (write_at.get(r), delete_at.get(r)) {
            (Some(&k), _) => (&values[k].element, &values[k].unit, values[k].period),
            (None, Some(&k)) => (
                &deletes[k].1.element,
                &deletes[k].1.unit,
                deletes[k].1.period,
            ),
            _ => continue,
        };
        el.insert(key.0.clone());
        un.insert(key.1.clone());
        pe.insert(key.2);
    }
    query.elements = el.into_iter().collect();
    query.units = un.into_iter().collect();
    query.periods = pe.into_iter().collect();
    let stored: HashMap<StoredKey, (String, Option<String>)> = app
        .reads()
        .values(&query)
        .await?
        .into_iter()
        .map(|v| {
            (
                (
                    v.element.to_string(),
                    v.unit.to_string(),
                    v.period,
                    v.breakdown.map(|b| b.to_string()).unwrap_or_default(),
                ),
                (v.value, v.comment),
            )
        })
        .collect();
    let key = |e: &Code, u: &Code, p: Period, b: &Option<Code>| {
        (
            e.to_string(),
            u.to_string(),
            p,
            b.as_ref().map(|b| b.to_string()).unwrap_or_default(),
        )
    };
    let (mut same, mut gone, mut refused) = (Vec::new(), Vec::new(), Vec::new());
    for (r, err) in pending {
        if let Some(&k) = write_at.get(r) {
            let v = &values[k];
            let there = stored.get(&key(&v.element, &v.unit, v.period, &v.breakdown));
            let text = elements
                .get(v.element.as_str())
                .and_then(|e| chiso_core::ParsedValue::parse(e.value_type, &v.value).ok())
                .map(|p| p.text);
            let comment = v
                .comment
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty());
            match there {
                Some((value, c)) if Some(value) == text.as_ref() && c.as_deref() == comment => {
                    same.push(*r)
                }
                _ => refused.push(err.clone()),
            }
        } else if let Some(&k) = delete_at.get(r) {
            let d = &deletes[k].1;
            if stored.contains_key(&key(&d.element, &d.unit, d.period, &d.breakdown)) {
                refused.push(err.clone());
            } else {
                gone.push(*r);
            }
        }
    }
    Ok((same, gone, refused))
}

/// The stored keys among some values: (element, unit, period, breakdown or "").
async fn existing(
    app: &App,
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
    let stored = app
        .reads()
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
