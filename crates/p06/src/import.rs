//! Dossiers from a one-stop system's export, as CSV or JSON (the schema is in `docs/p06.md`),
//! checked whole: every error names its row and field, and nothing is taken when one is
//! wrong.
//!
//! CSV: one row per dossier, with a header row; the columns
//! `code, subject, subject_name, procedure, procedure_name, essential, unit, received, due,
//! finished, status, online, components, result_doc_type, result_name, result_number,
//! result_issued, result_valid_until, result_signer, result_link`. `components` lists the
//! papers as `TYPE[+d][+n][+r=RESULT]` separated by `|` (d: digitised at the desk, n: from a
//! national database, r: reused from the store). Dates are `YYYY-MM-DD`; yes/no columns take
//! `1`/`0`, `true`/`false`, `có`/`không`. A row has at most one result; JSON has any number.
//!
//! JSON: `{"dossiers": [ {…the same fields…, "components": [{"doc_type", "name", "digitised",
//! "national_db", "reused_from"}], "results": [{"doc_type", "name", "number", "issued",
//! "valid_until", "signer", "link"}]} ]}`.

use crate::model::*;
use chiso_core::Code;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use std::collections::HashSet;

/// The most rows one import takes.
pub const MAX_ROWS: usize = 200_000;

/// One refused field: the row (1-based, the CSV header being row 1; the item for JSON), the
/// field, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub reason: String,
}

/// What an export holds, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub subjects: Vec<Subject>,
    pub dossiers: Vec<Dossier>,
    pub results: Vec<StoredResult>,
    /// The file's row of each dossier (the CSV line, the header being 1; the item for JSON),
    /// so an error found later can still name its row.
    pub rows: Vec<usize>,
}

#[derive(Deserialize)]
struct JsonFile {
    dossiers: Vec<JsonDossier>,
}

#[derive(Deserialize)]
struct JsonDossier {
    code: String,
    subject: String,
    #[serde(default)]
    subject_name: Option<String>,
    procedure: String,
    procedure_name: String,
    #[serde(default)]
    essential: bool,
    unit: String,
    received: String,
    due: String,
    #[serde(default)]
    finished: Option<String>,
    status: String,
    #[serde(default)]
    online: bool,
    components: Vec<JsonComponent>,
    #[serde(default)]
    results: Vec<JsonResult>,
}

#[derive(Deserialize)]
struct JsonComponent {
    doc_type: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    digitised: bool,
    #[serde(default)]
    national_db: bool,
    #[serde(default)]
    reused_from: Option<String>,
}

#[derive(Deserialize)]
struct JsonResult {
    doc_type: String,
    #[serde(default)]
    name: Option<String>,
    number: String,
    issued: String,
    #[serde(default)]
    valid_until: Option<String>,
    #[serde(default)]
    signer: Option<String>,
    #[serde(default)]
    link: Option<String>,
}

/// Rows gathered before checks, whatever the file's form.
struct Raw {
    row: usize,
    d: JsonDossier,
}

struct Errors(Vec<RowError>);

impl Errors {
    fn push(&mut self, row: usize, field: &str, reason: impl Into<String>) {
        if self.0.len() < 200 {
            self.0.push(RowError {
                row,
                field: field.to_string(),
                reason: reason.into(),
            });
        }
    }
}

fn yes(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" | "0" | "false" | "không" | "khong" | "no" => Some(false),
        "1" | "true" | "có" | "co" | "yes" => Some(true),
        _ => None,
    }
}

/// Read an export (CSV or JSON, found from its first character) and check it whole.
/// `at` and `by` are the time and the account recorded on its results.
pub fn read(bytes: &[u8], at: DateTime<Utc>, by: &str) -> Result<Batch, Vec<RowError>> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        vec![RowError {
            row: 0,
            field: "file".into(),
            reason: "tệp không phải văn bản UTF-8 (the file is not UTF-8 text)".into(),
        }]
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let (raws, early) = if text.trim_start().starts_with('{') {
        let f: JsonFile = serde_json::from_str(text).map_err(|e| {
            vec![RowError {
                row: e.line(),
                field: "json".into(),
                reason: format!("JSON không đọc được: {e} (unreadable JSON)"),
            }]
        })?;
        let raws = f
            .dossiers
            .into_iter()
            .enumerate()
            .map(|(i, d)| Raw { row: i + 1, d })
            .collect();
        (raws, Vec::new())
    } else {
        read_csv(text)?
    };
    check(raws, early, at, by)
}

const COLUMNS: [&str; 20] = [
    "code",
    "subject",
    "subject_name",
    "procedure",
    "procedure_name",
    "essential",
    "unit",
    "received",
    "due",
    "finished",
    "status",
    "online",
    "components",
    "result_doc_type",
    "result_name",
    "result_number",
    "result_issued",
    "result_valid_until",
    "result_signer",
    "result_link",
];

/// The rows, and the errors found reading them (the header's refuse the file at once).
fn read_csv(text: &str) -> Result<(Vec<Raw>, Vec<RowError>), Vec<RowError>> {
    let mut errors = Errors(Vec::new());
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match r.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_lowercase()).collect(),
        Err(e) => {
            errors.push(1, "header", format!("không đọc được dòng tiêu đề: {e}"));
            return Err(errors.0);
        }
    };
    for c in [
        "code",
        "subject",
        "procedure",
        "procedure_name",
        "unit",
        "received",
        "due",
        "status",
        "components",
    ] {
        if !header.iter().any(|h| h == c) {
            errors.push(1, c, "thiếu cột (missing column)");
        }
    }
    for h in &header {
        if !COLUMNS.contains(&h.as_str()) {
            errors.push(1, h, "cột không có trong mẫu (unknown column)");
        }
    }
    if !errors.0.is_empty() {
        return Err(errors.0);
    }
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let row = i + 2;
        if out.len() >= MAX_ROWS {
            errors.push(
                row,
                "file",
                format!("quá {MAX_ROWS} dòng (more than {MAX_ROWS} rows)"),
            );
            break;
        }
        let rec = match rec {
            Ok(x) => x,
            Err(e) => {
                errors.push(row, "row", format!("dòng không đọc được: {e}"));
                continue;
            }
        };
        let get = |name: &str| -> String {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|p| rec.get(p))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let flag = |name: &str, errors: &mut Errors| match yes(&get(name)) {
            Some(b) => b,
            None => {
                errors.push(row, name, format!("'{}': dùng 1/0 (use 1 or 0)", get(name)));
                false
            }
        };
        let mut components = Vec::new();
        for part in get("components")
            .split('|')
            .filter(|p| !p.trim().is_empty())
        {
            let mut bits = part.trim().split('+');
            let doc_type = bits.next().unwrap_or_default().trim().to_string();
            let mut c = JsonComponent {
                doc_type,
                name: None,
                digitised: false,
                national_db: false,
                reused_from: None,
            };
            for b in bits {
                match b.trim() {
                    "d" => c.digitised = true,
                    "n" => c.national_db = true,
                    r if r.starts_with("r=") => c.reused_from = Some(r[2..].to_string()),
                    other => errors.push(
                        row,
                        "components",
                        format!(
                            "'{other}': dùng +d, +n hoặc +r=MÃ_KẾT_QUẢ (use +d, +n or +r=RESULT)"
                        ),
                    ),
                }
            }
            components.push(c);
        }
        let result = (!get("result_doc_type").is_empty()).then(|| JsonResult {
            doc_type: get("result_doc_type"),
            name: Some(get("result_name")).filter(|s| !s.is_empty()),
            number: get("result_number"),
            issued: get("result_issued"),
            valid_until: Some(get("result_valid_until")).filter(|s| !s.is_empty()),
            signer: Some(get("result_signer")).filter(|s| !s.is_empty()),
            link: Some(get("result_link")).filter(|s| !s.is_empty()),
        });
        let essential = flag("essential", &mut errors);
        let online = flag("online", &mut errors);
        out.push(Raw {
            row,
            d: JsonDossier {
                code: get("code"),
                subject: get("subject"),
                subject_name: Some(get("subject_name")).filter(|s| !s.is_empty()),
                procedure: get("procedure"),
                procedure_name: get("procedure_name"),
                essential,
                unit: get("unit"),
                received: get("received"),
                due: get("due"),
                finished: Some(get("finished")).filter(|s| !s.is_empty()),
                status: get("status"),
                online,
                components,
                results: result.into_iter().collect(),
            },
        });
    }
    Ok((out, errors.0))
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn check(
    raws: Vec<Raw>,
    early: Vec<RowError>,
    at: DateTime<Utc>,
    by: &str,
) -> Result<Batch, Vec<RowError>> {
    let mut e = Errors(early);
    let mut batch = Batch::default();
    let mut codes = HashSet::new();
    let mut subjects = HashSet::new();
    for Raw { row, d } in raws {
        let code = DossierCode::parse(&d.code)
            .map_err(|r| e.push(row, "code", r))
            .ok();
        if let Some(c) = &code {
            if !codes.insert(c.clone()) {
                e.push(
                    row,
                    "code",
                    format!("hồ sơ {c} xuất hiện hai lần (appears twice)"),
                );
            }
        }
        let subject = SubjectId::parse(&d.subject)
            .map_err(|r| e.push(row, "subject", r))
            .ok();
        let procedure = Code::parse(&d.procedure)
            .map_err(|r| e.push(row, "procedure", r.to_string()))
            .ok();
        let unit = Code::parse(&d.unit)
            .map_err(|r| e.push(row, "unit", r.to_string()))
            .ok();
        let mut day = |field: &str, s: &str| {
            date(s).or_else(|| {
                e.push(
                    row,
                    field,
                    format!("'{s}': ngày dạng YYYY-MM-DD (a date YYYY-MM-DD)"),
                );
                None
            })
        };
        let received = day("received", &d.received);
        let due = day("due", &d.due);
        let finished = match &d.finished {
            Some(f) => day("finished", f).map(Some),
            None => Some(None),
        };
        let status = DossierStatus::parse(d.status.trim()).or_else(|| {
            e.push(
                row,
                "status",
                format!("'{}': open, finished hoặc withdrawn", d.status),
            );
            None
        });
        let mut components = Vec::new();
        for (i, c) in d.components.iter().enumerate() {
            let Ok(doc_type) = Code::parse(&c.doc_type) else {
                e.push(
                    row,
                    &format!("components[{}].doc_type", i + 1),
                    format!("'{}' không phải mã loại giấy tờ", c.doc_type),
                );
                continue;
            };
            if let Some(r) = &c.reused_from {
                if parse_result_code(r).is_none() {
                    e.push(
                        row,
                        &format!("components[{}].reused_from", i + 1),
                        format!("'{r}' không phải mã kết quả <mã hồ sơ>-KQ<n>"),
                    );
                }
            }
            components.push(Component {
                name: c
                    .name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| doc_type.to_string()),
                doc_type,
                digitised: c.digitised,
                reused: c.reused_from.is_some(),
                reused_from: c.reused_from.clone(),
                national_db: c.national_db,
            });
        }
        let (
            Some(code),
            Some(subject),
            Some(procedure),
            Some(unit),
            Some(received),
            Some(due),
            Some(finished),
            Some(status),
        ) = (
            code, subject, procedure, unit, received, due, finished, status,
        )
        else {
            continue;
        };
        let dossier = Dossier {
            code,
            subject,
            procedure,
            procedure_name: d.procedure_name.trim().to_string(),
            essential: d.essential,
            unit,
            received,
            due,
            finished,
            status,
            online: d.online,
            components,
        };
        for p in dossier.check() {
            e.push(row, &p.field, p.reason);
        }
        for (i, r) in d.results.iter().enumerate() {
            let f = |x: &str| format!("results[{}].{x}", i + 1);
            let Ok(doc_type) = Code::parse(&r.doc_type) else {
                e.push(
                    row,
                    &f("doc_type"),
                    format!("'{}' không phải mã loại giấy tờ", r.doc_type),
                );
                continue;
            };
            let Some(issued) = date(&r.issued) else {
                e.push(
                    row,
                    &f("issued"),
                    format!("'{}': ngày dạng YYYY-MM-DD", r.issued),
                );
                continue;
            };
            let valid_until = match &r.valid_until {
                Some(v) => match date(v) {
                    Some(x) => Some(x),
                    None => {
                        e.push(
                            row,
                            &f("valid_until"),
                            format!("'{v}': ngày dạng YYYY-MM-DD"),
                        );
                        continue;
                    }
                },
                None => None,
            };
            if r.number.trim().is_empty() {
                e.push(row, &f("number"), "thiếu số văn bản (empty)");
            }
            if let Some(s) = &r.signer {
                if !(s.len() == 40 || s.len() == 64) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
                    e.push(row, &f("signer"), "dấu vân tay chứng thư số: 40 hoặc 64 chữ số hệ 16 (a SHA-1 or SHA-256 fingerprint)");
                }
            }
            if crate::rules::is_id_card(&doc_type) {
                e.push(
                    row,
                    &f("doc_type"),
                    "căn cước không phải kết quả lưu trong Kho (identity cards are not kept)",
                );
            }
            if dossier.status != DossierStatus::Finished {
                e.push(
                    row,
                    &f("issued"),
                    "chỉ hồ sơ đã giải quyết có kết quả (only a finished dossier has results)",
                );
            }
            batch.results.push(StoredResult {
                code: dossier.code.result_code(i as u32 + 1),
                dossier: dossier.code.clone(),
                subject: dossier.subject.clone(),
                kind: ResultKind::Result,
                name: r.name.clone().unwrap_or_else(|| doc_type.to_string()),
                doc_type,
                issuer: dossier.unit.clone(),
                original_issuer: None,
                number: r.number.trim().to_string(),
                issued,
                valid_until,
                revoked_at: None,
                revoked_reason: None,
                retain_until: None,
                signer: r.signer.clone().map(|s| s.to_lowercase()),
                sha256: None,
                media_type: None,
                size: None,
                link: r.link.clone(),
                created_at: at,
                created_by: by.to_string(),
            });
        }
        if subjects.insert(dossier.subject.clone()) {
            let name = d
                .subject_name
                .clone()
                .unwrap_or_else(|| match dossier.subject.kind() {
                    SubjectKind::Individual => format!("Công dân {}", dossier.subject),
                    SubjectKind::Organisation => format!("Tổ chức {}", dossier.subject),
                });
            batch.subjects.push(Subject {
                id: dossier.subject.clone(),
                name,
            });
        }
        batch.dossiers.push(dossier);
        batch.rows.push(row);
    }
    if e.0.is_empty() {
        Ok(batch)
    } else {
        e.0.sort_by_key(|x| x.row);
        Err(e.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "code,subject,procedure,procedure_name,essential,unit,received,due,finished,status,online,components,result_doc_type,result_number,result_issued,result_signer\n";

    #[test]
    fn a_csv_export_is_read_whole() {
        let subject = SubjectId::pseudonym(SubjectKind::Individual, "i/1");
        let csv = format!(
            "{HEAD}000.25.06.H58-230301-0001,{subject},1.001193,Đăng ký khai sinh,1,22738,2023-03-01,2023-03-04,2023-03-03,finished,1,GKS+d|CCCD+n,GKS,12/2023,2023-03-03,{}\n",
            "ab".repeat(20)
        );
        let b = read(csv.as_bytes(), Utc::now(), "t").unwrap();
        assert_eq!(b.dossiers.len(), 1);
        assert_eq!(b.rows, vec![2], "the CSV line after the header");
        assert_eq!(b.subjects.len(), 1);
        assert_eq!(b.results[0].code, "000.25.06.H58-230301-0001-KQ1");
        assert!(b.dossiers[0].components.iter().all(|c| c.is_digital()));
    }

    #[test]
    fn every_error_by_row_and_field_and_nothing_taken() {
        let csv = format!(
            "{HEAD}000.25.06.H58-230301-0001,058123456789,1.001193,x,1,22738,2023-03-01,2023-03-04,,open,0,GKS,,,,\n\
             bad-code,CN-000000000001,1.001193,x,2,22738,2023-13-01,2023-03-04,,done,0,GKS+q,,,,\n"
        );
        let errs = read(csv.as_bytes(), Utc::now(), "t").unwrap_err();
        let at = |row, field: &str| errs.iter().any(|e| e.row == row && e.field == field);
        assert!(at(2, "subject"), "{errs:?}");
        assert!(
            !errs.iter().any(|e| e.reason.contains("058123456789")),
            "a real id is not echoed"
        );
        for f in ["essential", "components", "code", "received", "status"] {
            assert!(at(3, f), "{f}: {errs:?}");
        }
    }

    #[test]
    fn json_with_several_results() {
        let s = SubjectId::pseudonym(SubjectKind::Organisation, "o/1");
        let json = serde_json::json!({"dossiers": [{
            "code": "000.25.06.H58-230301-0002", "subject": s.as_str(), "procedure": "2.000748",
            "procedure_name": "Cấp phép", "unit": "22738", "received": "2023-03-01",
            "due": "2023-03-10", "finished": "2023-03-12", "status": "finished",
            "components": [{"doc_type": "DON", "digitised": true}],
            "results": [{"doc_type": "GP", "number": "1", "issued": "2023-03-12"},
                        {"doc_type": "QD", "number": "2", "issued": "2023-03-12", "link": "https://x"}]
        }]});
        let b = read(json.to_string().as_bytes(), Utc::now(), "t").unwrap();
        assert_eq!(b.results.len(), 2);
        assert_eq!(b.results[1].code, "000.25.06.H58-230301-0002-KQ2");
        assert_eq!(b.dossiers[0].on_time(), Some(false));
    }
}
