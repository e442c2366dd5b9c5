//! Checking the rows of a file, each on its own: codes, types, breakdowns, the importer's
//! units, and reports closed to entry.

use super::{FieldNames, ImportOptions, Strategy};
use crate::{vi_value_error, Hierarchy};
use chiso_core::fasthash::FastMap;
use chiso_core::{Code, DataSet, DataValueInput, ParsedValue, Period};
use chiso_io::values::{Place, ValueRow};
use chiso_io::{FileError, Problem};
use chiso_store::{Actor, ValueKey};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

fn place_of(row: &ValueRow, field: &str) -> Place {
    // In a workbook the codes sit in hidden cells: point at the value's cell.
    if row.place.sheet.is_some() {
        row.place.clone()
    } else {
        row.place.at(field)
    }
}

/// Number some codes (each distinct one once); a row's key is then compared as numbers.
pub(super) fn numbered<'a>(codes: impl Iterator<Item = &'a str>) -> FastMap<&'a str, u32> {
    let mut m: FastMap<&str, u32> = FastMap::default();
    for c in codes {
        let next = m.len() as u32 + 1;
        m.entry(c).or_insert(next);
    }
    m
}

/// What the import's checks see: the definitions, the importer, the file.
pub(super) struct Ctx<'a> {
    pub(super) file: &'a str,
    pub(super) names: FieldNames,
    pub(super) opts: &'a ImportOptions,
    pub(super) actor: &'a Actor,
    pub(super) today: NaiveDate,
    pub(super) hier: &'a Hierarchy,
    pub(super) elements: &'a FastMap<String, chiso_core::DataElement>,
    pub(super) options: &'a HashMap<String, HashSet<String>>,
    pub(super) sets_of: &'a HashMap<&'a str, Vec<&'a DataSet>>,
    pub(super) set_index: &'a HashMap<&'a str, usize>,
    pub(super) exceptions: &'a HashSet<(String, String, Period)>,
    pub(super) may_write: &'a (dyn Fn(&Code) -> bool + Sync),
    // Every code numbered, for sorting keys: elements, units, breakdown options.
    pub(super) element_no: FastMap<&'a str, u32>,
    pub(super) unit_no: FastMap<&'a str, u32>,
    pub(super) option_no: FastMap<&'a str, u32>,
}

/// Why entry into a report is closed: the kind and the reason.
type Closed = (Problem, String);

/// The checks of a run of rows: errors, the values to write, the keys to delete, and every
/// row's key (numbered) for finding duplicates.
#[derive(Default)]
pub(super) struct Part<'a> {
    pub(super) errors: Vec<FileError>,
    pub(super) keys: Vec<(u32, u32, Period, u32, usize)>,
    pub(super) write_rows: Vec<usize>,
    pub(super) write_nums: Vec<Option<f64>>,
    pub(super) values: Vec<DataValueInput>,
    pub(super) deletes: Vec<(usize, ValueKey)>,
    allowed: FastMap<&'a str, bool>,
    // (data set's position, unit, period) → why entry is closed, if it is.
    closed: FastMap<(usize, &'a str, Period), Option<Closed>>,
    /// Rows into reports closed to entry, with the refusal each gets unless it changes
    /// nothing (a value rewritten unchanged, a missing value deleted).
    pub(super) pending: Vec<(usize, FileError)>,
}

/// Check the rows `start..` of a file (`chunk`), each on its own.
pub(super) fn check_rows<'a>(ctx: &Ctx<'a>, chunk: &'a [ValueRow], start: usize) -> Part<'a> {
    let Ctx {
        file,
        names,
        opts,
        actor,
        today,
        hier,
        elements,
        options,
        sets_of,
        set_index,
        exceptions,
        may_write,
        ..
    } = ctx;
    let (file, names, today) = (*file, *names, *today);
    let mut part = Part {
        keys: Vec::with_capacity(chunk.len()),
        write_rows: Vec::with_capacity(chunk.len()),
        write_nums: Vec::with_capacity(chunk.len()),
        values: Vec::with_capacity(chunk.len()),
        ..Default::default()
    };
    for (k, r) in chunk.iter().enumerate() {
        let i = start + k;
        let mut push = |e: FileError| {
            if part.errors.len() < 1000 {
                part.errors.push(e);
            }
        };
        let allowed = &mut part.allowed;
        let closed = &mut part.closed;
        let pending = &mut part.pending;
        let mut ok = true;
        let element = match Code::parse(&r.element) {
            Ok(c) if elements.contains_key(c.as_str()) => Some(c),
            _ => {
                push(
                    place_of(r, names.element)
                        .error(
                            file,
                            format!("không có chỉ tiêu (data element) mã '{}'", r.element),
                        )
                        .of(Problem::Element),
                );
                None
            }
        };
        let unit = match Code::parse(&r.unit) {
            Ok(c) if hier.unit(c.as_str()).is_some() => Some(c),
            _ => {
                push(
                    place_of(r, names.unit)
                        .error(file, format!("không có đơn vị mã '{}'", r.unit))
                        .of(Problem::Unit),
                );
                None
            }
        };
        let period = match Period::parse(&r.period) {
            Ok(p) => Some(p),
            Err(_) => {
                push(
                    place_of(r, names.period)
                        .error(
                            file,
                            format!(
                                "'{}' không phải là kỳ báo cáo (ví dụ 2024, 2024Q1, 202403)",
                                r.period
                            ),
                        )
                        .of(Problem::Period),
                );
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
                            .error(file, format!("mã phân tổ '{b}' không hợp lệ"))
                            .of(Problem::Breakdown),
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
                push(
                    place_of(r, names.breakdown)
                        .error(
                            file,
                            format!("chỉ tiêu {element} không có phân tổ, nhưng có mã phân tổ {b}"),
                        )
                        .of(Problem::Breakdown),
                );
                continue;
            }
            (Some(cat), None) => {
                push(
                    place_of(r, names.breakdown)
                        .error(
                            file,
                            format!(
                                "chỉ tiêu {element} được phân tổ theo {cat}; cần ghi mã phân tổ"
                            ),
                        )
                        .of(Problem::Breakdown),
                );
                continue;
            }
            (Some(cat), Some(b))
                if !options
                    .get(cat.as_str())
                    .is_some_and(|o| o.contains(b.as_str())) =>
            {
                push(
                    place_of(r, names.breakdown)
                        .error(file, format!("'{b}' không phải là phân tổ của {cat}"))
                        .of(Problem::Breakdown),
                );
                continue;
            }
            _ => {}
        }
        let u = hier.unit(unit.as_str());
        if let Some(u) = u {
            if !u.exists_during(period.start(), period.end()) {
                push(
                    place_of(r, names.period)
                        .error(
                            file,
                            format!("đơn vị {unit} không tồn tại trong kỳ {period}"),
                        )
                        .of(Problem::Period),
                );
                continue;
            }
        }
        let may = *allowed
            .entry(u.map(|u| u.code.as_str()).unwrap_or(""))
            .or_insert_with(|| may_write(&unit));
        if !may {
            push(
                place_of(r, names.unit)
                    .error(
                        file,
                        format!(
                            "{} không có quyền nhập số liệu cho đơn vị {unit}",
                            actor.who
                        ),
                    )
                    .of(Problem::NoRight),
            );
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
                let reasons: Vec<Option<(Problem, String)>> = covering
                    .iter()
                    .map(|ds| {
                        let k = set_index
                            .get(ds.code.as_str())
                            .copied()
                            .unwrap_or(usize::MAX);
                        closed
                            .entry((k, r.unit.trim(), period))
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
                    if let Some(Some((problem, reason))) = reasons.into_iter().next() {
                        // Refused unless it changes nothing: decided against what is stored.
                        pending.push((i, place_of(r, names.unit).error(file, reason).of(problem)));
                    }
                }
            }
        }
        let no = |m: &FastMap<&str, u32>, c: Option<&Code>| {
            c.and_then(|c| m.get(c.as_str()).copied()).unwrap_or(0)
        };
        part.keys.push((
            no(&ctx.element_no, Some(&element)),
            no(&ctx.unit_no, Some(&unit)),
            period,
            no(&ctx.option_no, breakdown.as_ref()),
            i,
        ));
        if r.deleted || opts.strategy == Strategy::Delete {
            part.deletes.push((
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
        let num = match ParsedValue::parse(e.value_type, &r.value) {
            Ok(p) => p.num,
            Err(err) => {
                push(r.place.error(file, vi_value_error(&err)).of(Problem::Value));
                continue;
            }
        };
        if r.comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > chiso_core::value::MAX_COMMENT_LEN)
        {
            push(r.place.error(file, "ghi chú quá dài").of(Problem::Comment));
            continue;
        }
        part.write_rows.push(i);
        part.write_nums.push(num);
        part.values.push(DataValueInput {
            element,
            unit,
            period,
            breakdown,
            value: r.value.trim().to_string(),
            comment: r.comment.clone(),
            source: opts.source.clone(),
        });
    }
    part
}

/// Whether entry into (data set, unit, period) is closed for this importer, and why.
fn closed_reason(
    ds: &DataSet,
    period: &Period,
    today: NaiveDate,
    excepted: bool,
) -> Option<(Problem, String)> {
    let w = ds.window(period);
    if today < w.opens {
        return Some((
            Problem::NotOpen,
            format!(
                "biểu {} kỳ {period} chưa mở (mở từ {})",
                ds.code,
                w.opens.format("%d/%m/%Y")
            ),
        ));
    }
    if w.locks.is_some_and(|l| today > l) && !excepted {
        return Some((
            Problem::Expired,
            format!(
            "biểu {} kỳ {period} đã hết hạn nhập (khoá từ {}); cần quản trị viên cho phép ngoại lệ",
            ds.code,
            w.locks
                .map(|l| l.format("%d/%m/%Y").to_string())
                .unwrap_or_default()
        ),
        ));
    }
    None
}
