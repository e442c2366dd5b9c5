//! DHIS2's data value import at `POST /api/dataValueSets`: JSON, CSV (by position, with or
//! without its header), DXF2 XML and ADX, answered with DHIS2's import summary. chiso's
//! default stays all or nothing (`atomicMode=ALL`, DHIS2's default too): with any conflict
//! nothing is written; `atomicMode=NONE` (or `OBJECT`) writes what is valid and reports the
//! rest. A value rewritten unchanged is ignored; `completeDate` completes the report.

use super::dvs::{check_schemes, conflict_code, is_true, last};
use super::message::{say, Dhis2Error};
use super::meta::pairs;
use crate::api::imports::{import, strategy_param, upload_body};
use crate::auth::{require, Action, Who};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chiso_collect::{FieldNames, ImportError, ImportOutcome, Strategy};
use chiso_core::Via;
use chiso_io::dhis2::{http_status_code, web_message, Conflict, ImportCount, ImportSummary};
use chiso_io::values::ValueRow;
use chiso_io::{FileError, Problem};
use std::collections::HashSet;

/// The formats DHIS2 posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Xml,
    Adx,
}

fn format_of(headers: &HeaderMap) -> Format {
    let t = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if t.contains("adx") {
        Format::Adx
    } else if t.contains("xml") {
        Format::Xml
    } else if t.contains("csv") {
        Format::Csv
    } else {
        Format::Json
    }
}

/// A file read: its rows, the set's header fields, and how a row's place gives its
/// position among the file's values.
struct Read {
    rows: Vec<ValueRow>,
    data_set: Option<String>,
    complete_date: Option<String>,
    period: Option<String>,
    org_unit: Option<String>,
    names: FieldNames,
    /// The data rows' lines, for CSV (positions are counted among them).
    lines: Option<Vec<usize>>,
}

impl Read {
    fn index_of(&self, row: usize) -> Option<usize> {
        index_of(self.lines.as_deref(), row)
    }
}

/// A value's conflict index as DHIS2 gives it: for CSV the data row's place counted from 1
/// (the header, when there is one, is not counted); for JSON and XML the value's place in
/// `dataValues`, counted from 0. `row` is the line for CSV, the 1-based value for the others.
fn index_of(csv_lines: Option<&[usize]>, row: usize) -> Option<usize> {
    match csv_lines {
        Some(lines) => lines.binary_search(&row).ok().map(|k| k + 1),
        None => row.checked_sub(1),
    }
}

fn read(
    format: Format,
    file: &str,
    bytes: &[u8],
    header_row: bool,
) -> Result<Read, (Vec<FileError>, Option<Vec<usize>>)> {
    match format {
        Format::Json => chiso_io::dhis2::read_dhis2_json(file, bytes)
            .map(|(set, rows)| Read {
                rows,
                data_set: set.data_set,
                complete_date: set.complete_date,
                period: set.period,
                org_unit: set.org_unit,
                names: FieldNames::DHIS2_JSON,
                lines: None,
            })
            .map_err(|e| (e, None)),
        Format::Csv => {
            let c = chiso_io::dhis2::read_dhis2_csv(file, bytes, header_row);
            match c.rows {
                Ok(rows) => Ok(Read {
                    rows,
                    data_set: None,
                    complete_date: None,
                    period: None,
                    org_unit: None,
                    names: FieldNames::DHIS2_CSV,
                    lines: Some(c.lines),
                }),
                Err(e) => Err((e, Some(c.lines))),
            }
        }
        Format::Xml | Format::Adx => chiso_io::dhis2::read_dhis2_xml(file, bytes)
            .map(|(_, set, rows)| Read {
                rows,
                data_set: set.data_set,
                complete_date: set.complete_date,
                period: set.period,
                org_unit: set.org_unit,
                names: FieldNames::DHIS2_JSON,
                lines: None,
            })
            .map_err(|e| (e, None)),
    }
}

/// A conflict in DHIS2's words (English) or chiso's (Vietnamese), with DHIS2's code.
fn conflict(e: &FileError, row: Option<&ValueRow>, index: Option<usize>, user: &str) -> Conflict {
    let lang = crate::i18n::current();
    let code = conflict_code(e.problem);
    let get = |f: fn(&ValueRow) -> String| row.map(f).unwrap_or_default();
    let element = get(|r| r.element.clone());
    let period = get(|r| r.period.clone());
    let unit = get(|r| r.unit.clone());
    let coc = get(|r| r.breakdown.clone().unwrap_or_default());
    let (object, english) = match e.problem {
        Problem::Element => (element.clone(), format!("Data element not found or not accessible: `{element}`")),
        Problem::Period => (period.clone(), format!("Period not valid: `{period}`")),
        Problem::Unit => (unit.clone(), format!("Organisation unit not found or not accessible: `{unit}`")),
        Problem::Breakdown => (
            coc.clone(),
            format!("Category option combo not found or not accessible for writing data: `{coc}` (data element `{element}`)"),
        ),
        Problem::Attribute => (String::new(), "Attribute option combo not found or not accessible for writing data: chiso has only the default".into()),
        Problem::Missing => (element.clone(), format!("Data value or comment not specified for data element: `{element}`")),
        Problem::Value => (element.clone(), format!("Value must match value type of data element `{element}`: `{}`", get(|r| r.value.clone()))),
        Problem::Comment => (element.clone(), "Invalid comment: too long".into()),
        Problem::NoRight => (unit.clone(), format!("Organisation unit: `{unit}` not in hierarchy of current user: `{user}`")),
        Problem::Expired => (unit.clone(), format!("Current date is past expiry days for period: `{period}` and organisation unit: `{unit}`")),
        Problem::NotOpen => (unit.clone(), format!("Period: `{period}` is not open for this data set at this time (organisation unit `{unit}`)")),
        Problem::Approved => (unit.clone(), format!("Data already approved for period: `{period}` org unit: `{unit}`")),
        Problem::Duplicate => (element.clone(), format!("The same data value twice in the file: `{element}`, `{period}`, `{unit}`")),
        Problem::Rule | Problem::Unreadable | Problem::Other => (
            e.column.clone().unwrap_or_else(|| e.file.clone()),
            crate::i18n::one_language(&e.reason, crate::i18n::Lang::En),
        ),
    };
    let value = match lang {
        crate::i18n::Lang::En => english,
        crate::i18n::Lang::Vi => crate::i18n::one_language(&e.reason, lang),
    };
    Conflict {
        object: if object.is_empty() {
            e.column.clone().unwrap_or_else(|| e.file.clone())
        } else {
            object
        },
        value,
        error_code: code.map(str::to_string),
        property: e.column.clone(),
        indexes: index.into_iter().collect(),
    }
}

/// DHIS2's data value import: a dataValueSets JSON body, CSV (`Content-Type:
/// application/csv`, by position; `firstRowIsHeader=false` for none), DXF2 XML
/// (`application/xml`) or ADX (`application/adx+xml`), answered with DHIS2's import summary.
/// Authenticate with `Authorization: ApiToken …`. All or nothing unless `atomicMode=NONE`.
#[utoipa::path(post, path = "/api/dataValueSets", tag = "dhis2",
    params(("dryRun" = Option<bool>, Query, description = "check and count; write nothing"),
           ("importStrategy" = Option<String>, Query, description = "CREATE_AND_UPDATE (default), CREATE, UPDATE, DELETE"),
           ("atomicMode" = Option<String>, Query, description = "ALL (default: all or nothing) or NONE/OBJECT (write what is valid)"),
           ("firstRowIsHeader" = Option<bool>, Query, description = "CSV: false when the file has no header"),
           ("idScheme" = Option<String>, Query, description = "CODE or UID (the same in chiso)"),
           ("dataSet" = Option<String>, Query, description = "CSV: the data set of the values")),
    request_body(content_type = "application/json", content = String),
    responses((status = 200, description = "DHIS2 web message with an import summary"), (status = 409, description = "DHIS2 web message with conflicts")))]
pub(crate) async fn dvs_post(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, Dhis2Error> {
    let q = pairs(raw.as_deref())?;
    let bytes = upload_body(b, &who).map_err(Dhis2Error::from)?;
    check_schemes(&q)?;
    if is_true(&q, "async") {
        return Err(Dhis2Error::conflict(
            "E1004",
            say(
                "async=true: chưa hỗ trợ; chiso nhập ngay và trả lời bằng bản tóm tắt, hãy bỏ async",
                "async=true is not supported: chiso imports synchronously and answers with the import summary; leave async out",
            ),
        ));
    }
    if is_true(&q, "skipAudit") {
        return Err(Dhis2Error::conflict(
            "E1004",
            say(
                "skipAudit=true: không được; chiso ghi nhật ký mọi thay đổi, hãy bỏ skipAudit",
                "skipAudit=true is not supported: chiso audits every change it writes; leave skipAudit out",
            ),
        ));
    }
    let atomic_all = match last(&q, "atomicMode").map(|m| m.to_ascii_uppercase()) {
        None => true,
        Some(m) if m == "ALL" => true,
        Some(m) if m == "NONE" || m == "OBJECT" => false,
        Some(m) => {
            return Err(Dhis2Error::conflict(
                "E1003",
                say(
                    format!("atomicMode={m}: hãy dùng ALL (tất cả hoặc không gì) hoặc NONE (ghi phần hợp lệ)"),
                    format!("atomicMode={m}: use ALL (all or nothing) or NONE (write what is valid)"),
                ),
            ))
        }
    };
    let strategy = strategy_param(last(&q, "importStrategy").or(last(&q, "strategy")))
        .map_err(Dhis2Error::from)?;
    let dry_run = is_true(&q, "dryRun");
    let header_row = last(&q, "firstRowIsHeader").is_none_or(|v| !v.eq_ignore_ascii_case("false"));
    let format = format_of(&headers);
    let file = match format {
        Format::Json => "dataValueSets.json",
        Format::Csv => "dataValueSets.csv",
        Format::Xml => "dataValueSets.xml",
        Format::Adx => "dataValueSets.adx.xml",
    };
    let mut options = chiso_io::dhis2::ImportOptions {
        dry_run,
        import_strategy: strategy.as_str().into(),
        first_row_is_header: header_row,
        ..Default::default()
    };
    for (k, v) in &q {
        if k.ends_with("IdScheme") || k == "idScheme" {
            options
                .id_schemes
                .insert(k.clone(), serde_json::Value::String(v.to_ascii_uppercase()));
        }
    }
    let body = bytes.clone();
    let got = crate::params::blocking(move || read(format, file, &body, header_row))
        .await
        .map_err(Dhis2Error::from)?;
    let user = who.name();
    let mut read = match got {
        Ok(r) => r,
        Err((errs, lines)) => {
            let at = |row: usize| index_of(lines.as_deref(), row);
            let conflicts: Vec<Conflict> = errs
                .iter()
                .map(|e| conflict(e, None, if e.row > 0 { at(e.row) } else { None }, &user))
                .collect();
            let summary = ImportSummary::new(options, ImportCount::default(), conflicts);
            return Ok(answer(&summary));
        }
    };
    if read.data_set.is_none() {
        read.data_set = last(&q, "dataSet").map(str::to_string);
    }
    let total = read.rows.len() as u64;
    let mut conflicts: Vec<Conflict> = Vec::new();
    let mut refused: HashSet<usize> = HashSet::new();
    let outcome = run(
        &st,
        &who,
        &read,
        dry_run,
        strategy,
        atomic_all,
        &mut conflicts,
        &mut refused,
        &user,
    )
    .await?;
    let mut count = ImportCount::default();
    if let Some(out) = &outcome {
        count.imported = out.changes.inserted;
        count.updated = out.changes.updated;
        count.deleted = out.changes.deleted;
        count.ignored = out.ignored + out.changes.unchanged;
    }
    count.ignored += refused.len() as u64;
    if outcome.is_none() {
        count.ignored = total;
    }
    let mut summary = ImportSummary::new(options, count, conflicts);
    if let (Some(date), Some(_)) = (&read.complete_date, &outcome) {
        match complete(&st, &who, &read, dry_run).await {
            Ok(()) => summary.data_set_complete = date.clone(),
            Err(c) => {
                summary.conflicts.push(c);
                summary = ImportSummary::new(
                    summary.import_options,
                    summary.import_count,
                    summary.conflicts,
                );
            }
        }
    }
    Ok(answer(&summary))
}

fn answer(summary: &ImportSummary) -> Response {
    let mut summary = summary.clone();
    summary.description = crate::i18n::one_language(&summary.description, crate::i18n::current());
    let summary = &summary;
    let status = StatusCode::from_u16(http_status_code(summary)).unwrap_or(StatusCode::OK);
    (status, Json(web_message(summary))).into_response()
}

/// Import the rows: all or nothing, or (`atomic_all` false) what is valid, each refused row
/// reported once. `None` when nothing was written because of conflicts.
#[allow(clippy::too_many_arguments)]
async fn run(
    st: &AppState,
    who: &Who,
    read: &Read,
    dry_run: bool,
    strategy: Strategy,
    atomic_all: bool,
    conflicts: &mut Vec<Conflict>,
    refused: &mut HashSet<usize>,
    user: &str,
) -> Result<Option<ImportOutcome>, Dhis2Error> {
    let position: std::collections::HashMap<usize, usize> = read
        .rows
        .iter()
        .enumerate()
        .map(|(k, r)| (r.place.row, k))
        .collect();
    let mut rows: Vec<ValueRow> = read.rows.clone();
    // Each round leaves out the rows refused in the one before (a rule spanning rows may
    // refuse others once some are gone); a few rounds at most.
    for _round in 0..4 {
        match import(
            st,
            who,
            "dataValueSets",
            &rows,
            read.names,
            dry_run,
            strategy,
            Via::Api,
        )
        .await
        {
            Ok(out) => return Ok(Some(out)),
            Err(ImportError::Store(e)) => {
                return Err(Dhis2Error::from(crate::error::ApiError::from(e)))
            }
            Err(ImportError::Rejected(errs)) => {
                let mut bad_rows = HashSet::new();
                for e in &errs {
                    let k = position.get(&e.row).copied();
                    let row = k.map(|k| &read.rows[k]);
                    conflicts.push(conflict(
                        e,
                        row,
                        read.index_of(e.row).filter(|_| e.row > 0),
                        user,
                    ));
                    if let Some(k) = k {
                        bad_rows.insert(read.rows[k].place.row);
                        refused.insert(k);
                    }
                }
                let whole_file = errs
                    .iter()
                    .any(|e| e.row == 0 || !position.contains_key(&e.row));
                if atomic_all || whole_file || bad_rows.is_empty() {
                    return Ok(None);
                }
                rows.retain(|r| !bad_rows.contains(&r.place.row));
                if rows.is_empty() {
                    return Ok(None);
                }
            }
        }
    }
    Ok(None)
}

/// `completeDate`: complete the report the set names (its `dataSet`, `period`, `orgUnit`).
async fn complete(st: &AppState, who: &Who, read: &Read, dry_run: bool) -> Result<(), Conflict> {
    let refuse = |object: &str, code: &str, value: String| Conflict {
        object: object.to_string(),
        value,
        error_code: Some(code.into()),
        property: Some("completeDate".into()),
        indexes: Vec::new(),
    };
    let (Some(ds), Some(period), Some(unit)) = (&read.data_set, &read.period, &read.org_unit)
    else {
        return Err(refuse(
            "completeDate",
            "E7602",
            say(
                "completeDate: cần dataSet, period và orgUnit của tập giá trị để biết báo cáo nào được hoàn thành",
                "completeDate needs the set's dataSet, period and orgUnit: the report it completes",
            ),
        ));
    };
    let r = crate::api::forms::report(st, ds, unit, period)
        .await
        .map_err(|e| refuse(ds, "E7600", Dhis2Error::from(e).message))?;
    require(st, who, Action::WriteData, &[r.unit.as_str()])
        .await
        .map_err(|e| refuse(unit, "E7617", Dhis2Error::from(e).message))?;
    if dry_run {
        return Ok(());
    }
    crate::api::forms::complete_report(st, who, &r, Via::Api)
        .await
        .map(|_| ())
        .map_err(|e| refuse(ds, "E7605", Dhis2Error::from(e).message))
}

/// The same as `POST /api/dataValueSets`.
#[utoipa::path(post, path = "/api/dataValueSets.json", tag = "dhis2",
    request_body(content_type = "application/json", content = String),
    responses((status = 200, description = "DHIS2 web message with an import summary"), (status = 409, description = "DHIS2 web message with conflicts")))]
pub(crate) async fn dvs_post_json_ext(
    who: Extension<Who>,
    st: State<AppState>,
    headers: HeaderMap,
    raw: RawQuery,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, Dhis2Error> {
    dvs_post(who, st, headers, raw, b).await
}
