//! Data values in CSV: chiso's own columns and DHIS2's.
//!
//! chiso: `element,period,unit,breakdown,value,comment` (breakdown and comment optional; the
//! export's `source,stored_by,stored_at` are accepted and ignored).
//! DHIS2: `dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,
//! storedby,lastupdated,comment,followup,deleted`.
//! The header is required; names are matched case-insensitively; `,` or `;` separate fields.

use crate::values::{
    dhis2_timestamp, is_default_combo, Errors, ExportRow, Place, ValueRow, MAX_ROWS,
};
use crate::FileError;
use chrono::SecondsFormat;

/// The header of chiso's own CSV, as [`write_csv`] writes it.
pub const CHISO_HEADER: [&str; 9] = [
    "element",
    "period",
    "unit",
    "breakdown",
    "value",
    "comment",
    "source",
    "stored_by",
    "stored_at",
];

/// The header of DHIS2's CSV of data values.
pub const DHIS2_HEADER: [&str; 11] = [
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
    "deleted",
];

const EXPECTED: &str = "cần dòng tiêu đề element,period,unit,value (tùy chọn breakdown,comment) \
     hoặc dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,\
     lastupdated,comment,followup,deleted (DHIS2)";

/// Column positions, by role.
#[derive(Debug, Default)]
struct Columns {
    dhis2: bool,
    element: usize,
    period: usize,
    unit: usize,
    value: usize,
    breakdown: Option<usize>,
    aoc: Option<usize>,
    comment: Option<usize>,
    deleted: Option<usize>,
    names: Vec<String>,
}

impl Columns {
    /// `names`: the header as written, lowercased. DHIS2's older names (`catoptcombo`,
    /// `attroptcombo`, `flwup`) are read as the current ones.
    fn from_header(written: Vec<String>) -> Result<Columns, String> {
        let names: Vec<String> = written
            .iter()
            .map(|n| {
                match n.as_str() {
                    "catoptcombo" => "categoryoptioncombo",
                    "attroptcombo" => "attributeoptioncombo",
                    "flwup" => "followup",
                    other => other,
                }
                .to_string()
            })
            .collect();
        let dhis2 = names.iter().any(|n| n == "dataelement");
        let chiso = names.iter().any(|n| n == "element");
        if dhis2 == chiso {
            return Err(format!("Dòng tiêu đề không nhận ra được: {EXPECTED}"));
        }
        let allowed: &[&str] = if dhis2 {
            &[
                "dataelement",
                "period",
                "orgunit",
                "categoryoptioncombo",
                "attributeoptioncombo",
                "value",
                "storedby",
                "created",
                "lastupdated",
                "comment",
                "followup",
                "deleted",
            ]
        } else {
            &CHISO_HEADER
        };
        for (i, n) in names.iter().enumerate() {
            let shown = &written[i];
            if !allowed.contains(&n.as_str()) {
                return Err(format!("Cột '{shown}' không rõ: {EXPECTED}"));
            }
            if names[..i].contains(n) {
                return Err(format!("Cột '{shown}' xuất hiện hai lần"));
            }
        }
        let pos = |name: &str| names.iter().position(|n| n == name);
        let need = |name: &str| pos(name).ok_or_else(|| format!("Thiếu cột '{name}': {EXPECTED}"));
        let c = if dhis2 {
            Columns {
                dhis2,
                element: need("dataelement")?,
                period: need("period")?,
                unit: need("orgunit")?,
                value: need("value")?,
                breakdown: pos("categoryoptioncombo"),
                aoc: pos("attributeoptioncombo"),
                comment: pos("comment"),
                deleted: pos("deleted"),
                names: Vec::new(),
            }
        } else {
            Columns {
                dhis2,
                element: need("element")?,
                period: need("period")?,
                unit: need("unit")?,
                value: need("value")?,
                breakdown: pos("breakdown"),
                aoc: None,
                comment: pos("comment"),
                deleted: None,
                names: Vec::new(),
            }
        };
        Ok(Columns {
            names: written,
            ..c
        })
    }
}

/// The delimiter of the header line: `;` when it has more semicolons than commas.
fn delimiter(bytes: &[u8]) -> u8 {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |c: u8| line.iter().filter(|&&b| b == c).count();
    if count(b';') > count(b',') {
        b';'
    } else {
        b','
    }
}

/// Reads a CSV file of data values. Rows whose fields are all empty are skipped. Every bad
/// row is reported (up to [`crate::values::MAX_ERRORS`] errors), not only the first.
pub fn read_csv(file_name: &str, bytes: &[u8]) -> Result<Vec<ValueRow>, Vec<FileError>> {
    crate::values::check_size_under(file_name, bytes, crate::values::MAX_TEXT_FILE_BYTES)
        .map_err(|e| vec![e])?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let whole = |reason: String| vec![FileError::whole_file(file_name, reason)];
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter(bytes))
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => return Err(whole("Tệp trống: không có dòng tiêu đề".into())),
        Err(e) => return Err(whole(format!("Không đọc được dòng tiêu đề: {e}"))),
    }
    let mut names = Vec::with_capacity(rec.len());
    for (i, f) in rec.iter().enumerate() {
        match std::str::from_utf8(f) {
            Ok(s) => names.push(s.trim().to_ascii_lowercase()),
            Err(_) => {
                return Err(vec![FileError {
                    problem: crate::error::Problem::Other,
                    file: file_name.to_string(),
                    sheet: None,
                    row: 1,
                    column: Some(format!("{}", i + 1)),
                    reason: "Dòng tiêu đề không phải văn bản UTF-8".into(),
                }])
            }
        }
    }
    let cols = Columns::from_header(names).map_err(|reason| {
        vec![FileError {
            problem: crate::error::Problem::Other,
            file: file_name.to_string(),
            sheet: None,
            row: 1,
            column: None,
            reason,
        }]
    })?;

    // The records after the header. A large file without quotes (so that every line is one
    // record) is read in two halves at once.
    let start = rdr.position().byte() as usize;
    let lines_before = rdr.position().line().saturating_sub(1) as usize;
    let rest = bytes.get(start..).unwrap_or_default();
    let delim = delimiter(bytes);
    let split = (rest.len() > 4 << 20 && !rest.contains(&b'"'))
        .then(|| {
            let mid = rest.len() / 2;
            rest[mid..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|k| mid + k + 1)
        })
        .flatten();
    let (mut out, mut errors) = match split {
        None => read_records(file_name, &cols, delim, rest, lines_before),
        Some(at) => {
            let (a, b) = rest.split_at(at);
            let b_before = lines_before + a.iter().filter(|&&c| c == b'\n').count();
            let ((mut out, mut errors), (out_b, errors_b)) = std::thread::scope(|s| {
                let second = s.spawn(|| read_records(file_name, &cols, delim, b, b_before));
                let first = read_records(file_name, &cols, delim, a, lines_before);
                let second = second
                    .join()
                    .unwrap_or_else(|_| read_records(file_name, &cols, delim, b, b_before));
                (first, second)
            });
            if !errors.is_full() {
                for e in errors_b.list {
                    if !errors.push(e) {
                        break;
                    }
                }
            }
            out.extend(out_b);
            (out, errors)
        }
    };
    if out.len() > MAX_ROWS {
        errors.push(FileError {
            problem: crate::error::Problem::Other,
            file: file_name.to_string(),
            sheet: None,
            row: out[MAX_ROWS].place.row,
            column: None,
            reason: format!("Tệp có quá {MAX_ROWS} dòng dữ liệu"),
        });
        out.truncate(MAX_ROWS);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors.list)
    }
}

/// Read the records of `bytes` (no header), whose first line is line `lines_before + 1` of
/// the file.
fn read_records(
    file_name: &str,
    cols: &Columns,
    delimiter: u8,
    bytes: &[u8],
    lines_before: usize,
) -> (Vec<ValueRow>, Errors) {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    // One row a line, near enough: sized once, the rows are never moved while growing.
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    let mut out = Vec::with_capacity(lines.min(MAX_ROWS + 1));
    let mut errors = Errors::default();
    // The line a byte offset is on, counted from the bytes (the reader's own count skips
    // blank lines): lines before `seen`, counted so far.
    let (mut seen, mut line) = (0usize, lines_before + 1);
    let mut line_at = |byte: u64| {
        // A record's position is where reading it began: before the blank lines it skipped.
        let mut byte = (byte as usize).min(bytes.len());
        while bytes.get(byte).is_some_and(|&b| b == b'\n' || b == b'\r') {
            byte += 1;
        }
        if byte > seen {
            line += bytes[seen..byte].iter().filter(|&&b| b == b'\n').count();
            seen = byte;
        }
        line
    };
    let mut record_no = lines_before;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let row = e.position().map_or(record_no + 1, |p| line_at(p.byte()));
                errors.push(FileError {
                    problem: crate::error::Problem::Other,
                    file: file_name.to_string(),
                    sheet: None,
                    row,
                    column: None,
                    reason: format!("Không đọc được dòng: {e}"),
                });
                break;
            }
        }
        record_no += 1;
        let row = rec.position().map_or(record_no, |p| line_at(p.byte()));
        if rec.iter().all(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        if out.len() > MAX_ROWS {
            break;
        }
        match read_row(cols, &rec, row) {
            Ok(v) => out.push(v),
            Err(es) => {
                for e in es {
                    if !errors.push(e.place.error(file_name, e.reason)) {
                        break;
                    }
                }
                if errors.is_full() {
                    break;
                }
            }
        }
    }
    (out, errors)
}

/// An error of a row, before the file name is known to it.
struct RowError {
    place: Place,
    reason: String,
}

fn read_row(cols: &Columns, rec: &csv::ByteRecord, row: usize) -> Result<ValueRow, Vec<RowError>> {
    let place = |c: usize| Place {
        sheet: None,
        row,
        column: cols.names.get(c).cloned(),
    };
    if rec.len() != cols.names.len() {
        return Err(vec![RowError {
            place: Place {
                sheet: None,
                row,
                column: None,
            },
            reason: format!(
                "Dòng có {} trường nhưng dòng tiêu đề có {} cột",
                rec.len(),
                cols.names.len()
            ),
        }]);
    }
    let mut errs = Vec::new();
    let mut bad_utf8 = Vec::new();
    let mut field = |c: Option<usize>| -> &str {
        let Some(c) = c else { return "" };
        match std::str::from_utf8(rec.get(c).unwrap_or_default()) {
            Ok(s) => s.trim(),
            Err(_) => {
                bad_utf8.push(c);
                ""
            }
        }
    };
    let element = field(Some(cols.element));
    let period = field(Some(cols.period));
    let unit = field(Some(cols.unit));
    let value = field(Some(cols.value));
    let breakdown = field(cols.breakdown);
    let aoc = field(cols.aoc);
    let comment = field(cols.comment);
    let deleted_s = field(cols.deleted);
    for &c in &bad_utf8 {
        errs.push(RowError {
            place: place(c),
            reason: "Trường không phải văn bản UTF-8".into(),
        });
    }
    let missing = |c: usize| RowError {
        place: place(c),
        reason: "Thiếu giá trị bắt buộc".into(),
    };
    let deleted = match deleted_s.to_ascii_lowercase().as_str() {
        "" | "false" | "0" => false,
        "true" | "1" => true,
        other => {
            errs.push(RowError {
                place: place(cols.deleted.unwrap_or_default()),
                reason: format!("'{other}' không phải true hoặc false"),
            });
            false
        }
    };
    for (s, c) in [
        (element, cols.element),
        (period, cols.period),
        (unit, cols.unit),
    ] {
        if s.is_empty() && !bad_utf8.contains(&c) {
            errs.push(missing(c));
        }
    }
    if value.is_empty() && !deleted && !bad_utf8.contains(&cols.value) {
        errs.push(missing(cols.value));
    }
    if cols.dhis2 && !is_default_combo(aoc) {
        errs.push(RowError {
            place: place(cols.aoc.unwrap_or_default()),
            reason: format!("Không hỗ trợ tổ hợp thuộc tính '{aoc}': để trống hoặc ghi 'default'"),
        });
    }
    let breakdown = if cols.dhis2 && is_default_combo(breakdown) || breakdown.is_empty() {
        None
    } else {
        Some(breakdown.to_string())
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(ValueRow {
        element: element.to_string(),
        period: period.to_string(),
        unit: unit.to_string(),
        breakdown,
        value: from_cell(value).to_string(),
        comment: (!comment.is_empty()).then(|| from_cell(comment).to_string()),
        deleted,
        place: place(cols.value),
    })
}

pub use crate::formula::{from_cell, to_cell};

fn finish(w: csv::Writer<Vec<u8>>) -> Vec<u8> {
    // Writing to a Vec cannot fail.
    w.into_inner().unwrap_or_default()
}

/// chiso's CSV of data values, header [`CHISO_HEADER`]; `stored_at` in RFC 3339, UTC.
pub fn write_csv(rows: &[ExportRow]) -> Vec<u8> {
    write_csv_part(rows, true)
}

/// Part of chiso's CSV: the rows, after the header when `header` (the first part of a
/// streamed export).
pub fn write_csv_part(rows: &[ExportRow], header: bool) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(64 * (rows.len() + 1)));
    if header {
        let _ = w.write_record(CHISO_HEADER);
    }
    for r in rows {
        let at = r.stored_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        let _ = w.write_record([
            r.element.as_str(),
            &r.period,
            &r.unit,
            r.breakdown.as_deref().unwrap_or_default(),
            &to_cell(&r.value),
            &to_cell(r.comment.as_deref().unwrap_or_default()),
            &r.source,
            &to_cell(&r.stored_by),
            &at,
        ]);
    }
    finish(w)
}

/// DHIS2's CSV of data values, header [`DHIS2_HEADER`], with codes as identifiers: the
/// category option combination is the breakdown option's code or `default`.
pub fn write_dhis2_csv(rows: &[ExportRow]) -> Vec<u8> {
    write_dhis2_csv_part(rows, true)
}

/// Part of DHIS2's CSV: the rows, after the header when `header`.
pub fn write_dhis2_csv_part(rows: &[ExportRow], header: bool) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(80 * (rows.len() + 1)));
    if header {
        let _ = w.write_record(DHIS2_HEADER);
    }
    for r in rows {
        let at = dhis2_timestamp(&r.stored_at);
        let _ = w.write_record([
            r.element.as_str(),
            &r.period,
            &r.unit,
            r.breakdown.as_deref().unwrap_or("default"),
            "default",
            &to_cell(&r.value),
            &to_cell(&r.stored_by),
            &at,
            &to_cell(r.comment.as_deref().unwrap_or_default()),
            "false",
            "",
        ]);
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn ok(text: &str) -> Vec<ValueRow> {
        read_csv("v.csv", text.as_bytes()).unwrap()
    }

    fn errs(text: &[u8]) -> Vec<FileError> {
        read_csv("v.csv", text).unwrap_err()
    }

    fn export() -> Vec<ExportRow> {
        let at = Utc.with_ymd_and_hms(2024, 3, 1, 10, 11, 12).unwrap();
        vec![
            ExportRow {
                element: "DAN_SO".into(),
                period: "2023".into(),
                unit: "58".into(),
                breakdown: None,
                value: "596000".into(),
                comment: Some("ước tính, \"sơ bộ\"".into()),
                source: "web".into(),
                stored_by: "an".into(),
                stored_at: at,
            },
            ExportRow {
                element: "DAN_SO".into(),
                period: "2023Q1".into(),
                unit: "582".into(),
                breakdown: Some("NU".into()),
                value: "1.5".into(),
                comment: None,
                source: "csv".into(),
                stored_by: "binh".into(),
                stored_at: at,
            },
        ]
    }

    #[test]
    fn reads_chiso_style_with_bom_and_optional_columns() {
        let rows = ok("\u{feff}Element,Period,Unit,Value\nDAN_SO, 2023 ,58,596000\n\n,,,\nGDP,2023Q1,582,1.5\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            ValueRow {
                element: "DAN_SO".into(),
                period: "2023".into(),
                unit: "58".into(),
                breakdown: None,
                value: "596000".into(),
                comment: None,
                deleted: false,
                place: Place {
                    sheet: None,
                    row: 2,
                    column: Some("value".into())
                },
            }
        );
        assert_eq!((rows[1].element.as_str(), rows[1].place.row), ("GDP", 5));
    }

    #[test]
    fn reads_semicolons_quotes_breakdowns_and_comments() {
        let rows = ok("element;period;unit;breakdown;value;comment\nDS;202301;58;NU;\"12,5\";\"a; b\"\nDS;202301;58;;3;\n");
        assert_eq!(rows[0].breakdown.as_deref(), Some("NU"));
        assert_eq!(rows[0].value, "12,5");
        assert_eq!(rows[0].comment.as_deref(), Some("a; b"));
        assert_eq!(
            (rows[1].breakdown.as_ref(), rows[1].comment.as_ref()),
            (None, None)
        );
    }

    #[test]
    fn reads_dhis2_style() {
        let text = "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,lastupdated,comment,followup,deleted\n\
                    DS,2023,58,default,default,10,an,2024-01-01,,false,\n\
                    DS,2023,58,HllvX50cXC0,,11,an,,ghi chú,false,false\n\
                    DS,2023,58,NAM,HllvX50cXC0,12,an,,,false,TRUE\n";
        let rows = ok(text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].breakdown, None);
        assert_eq!(rows[1].breakdown, None);
        assert_eq!(rows[1].comment.as_deref(), Some("ghi chú"));
        assert_eq!(rows[2].breakdown.as_deref(), Some("NAM"));
        assert!(rows[2].deleted && !rows[0].deleted);
        assert_eq!(rows[2].place.column.as_deref(), Some("value"));
    }

    #[test]
    fn reads_dhis2_older_header_names() {
        let text = "dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,flwup\n\
                    f7n9E0hX8qk,201401,DiszpKrYNg8,NU,,12,system,2015-04-05T19:58:12.000,comment1,false\n\
                    f7n9E0hX8qk,201401,DiszpKrYNg8,,bRowv6yZOF2,14,system,,,false\n";
        let e = errs(text.as_bytes());
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].row, e[0].column.as_deref()),
            (3, Some("attroptcombo"))
        );
        let rows = ok(&text.replace("bRowv6yZOF2", "default"));
        assert_eq!(rows[0].breakdown.as_deref(), Some("NU"));
        assert_eq!(rows[0].comment.as_deref(), Some("comment1"));
        assert_eq!(
            (rows[1].value.as_str(), rows[1].period.as_str()),
            ("14", "201401")
        );
    }

    #[test]
    fn dhis2_deletion_may_omit_the_value_and_attribute_combos_are_refused() {
        let text = "dataelement,period,orgunit,attributeoptioncombo,value,deleted\n\
                    DS,2023,58,,,true\n\
                    DS,2023,58,KHAC,5,\n\
                    DS,2023,58,,,\n\
                    DS,2023,58,,1,perhaps\n";
        let e = errs(text.as_bytes());
        let at: Vec<_> = e.iter().map(|e| (e.row, e.column.as_deref())).collect();
        assert_eq!(
            at,
            [
                (3, Some("attributeoptioncombo")),
                (4, Some("value")),
                (5, Some("deleted"))
            ]
        );
        assert!(e[0].reason.contains("KHAC"));
        assert_eq!(e[1].reason, "Thiếu giá trị bắt buộc");
    }

    #[test]
    fn collects_every_row_error() {
        let text = b"element,period,unit,value\nDS,,58,1\nDS,2023,58\nDS,2023,58,1\n,2023,,\xff\n";
        let e = errs(text);
        let at: Vec<_> = e.iter().map(|e| (e.row, e.column.clone())).collect();
        assert_eq!(
            at,
            [
                (2, Some("period".to_string())),
                (3, None),
                (5, Some("value".to_string())),
                (5, Some("element".to_string())),
                (5, Some("unit".to_string())),
            ]
        );
        assert!(e[1].reason.contains("3 trường") && e[1].reason.contains("4 cột"));
        assert!(e[2].reason.contains("UTF-8"));
        assert_eq!(
            e[0].to_string(),
            "v.csv, dòng 2, cột period: Thiếu giá trị bắt buộc"
        );
    }

    #[test]
    fn errors_are_capped_at_a_thousand() {
        let mut text = String::from("element,period,unit,value\n");
        for _ in 0..3000 {
            text.push_str("DS,,58,1\n");
        }
        let e = errs(text.as_bytes());
        assert_eq!(e.len(), crate::values::MAX_ERRORS);
        assert!(e[e.len() - 1].reason.contains("quá nhiều lỗi"));
    }

    #[test]
    fn bad_headers_name_the_expected_columns() {
        for text in [
            "a,b,c\n1,2,3\n",
            "element,period,unit,colour,value\n",
            "element,period,value\n",
            "element,dataelement,period,unit,value\n",
            "element,period,unit,value,value\n",
            "",
        ] {
            let e = errs(text.as_bytes());
            assert_eq!(e.len(), 1, "{text}");
            assert!(e[0].row <= 1);
            assert!(
                e[0].reason.contains("element,period,unit,value")
                    || e[0].reason.contains("hai lần")
                    || e[0].reason.contains("trống"),
                "{}",
                e[0].reason
            );
        }
    }

    #[test]
    fn a_large_file_read_in_two_halves_keeps_every_row_and_line_number() {
        // Over 4 MiB without quotes: read in two halves at once.
        let mut text = String::from("element,period,unit,value\n");
        let n = 200_000;
        for i in 0..n {
            let v = if i == 150_000 {
                "x".to_string()
            } else {
                i.to_string()
            };
            text.push_str(&format!("VB_DEN,{},22738,{v}\n", 190_001 + i % 12));
            if i == 120_000 {
                // A blank line and a short row in the second half.
                text.push_str("\nVB_DEN,2023\n");
            }
        }
        assert!(text.len() > 4 << 20);
        let rows = match read_csv("lon.csv", text.as_bytes()) {
            Err(errors) => errors,
            Ok(_) => panic!("the short row is an error"),
        };
        assert_eq!(
            rows.iter().map(|e| e.row).collect::<Vec<_>>(),
            vec![120_000 + 4]
        );
        let fixed = text.replace("\nVB_DEN,2023\n", "\n");
        let rows = read_csv("lon.csv", fixed.as_bytes()).unwrap();
        assert_eq!(rows.len(), n);
        assert!(rows.iter().enumerate().all(|(i, r)| r.value
            == if i == 150_000 {
                "x".to_string()
            } else {
                i.to_string()
            }));
        // Line numbers count the header and the blank line.
        assert_eq!(rows[0].place.row, 2);
        assert_eq!(rows[120_000].place.row, 120_002);
        assert_eq!(rows[120_001].place.row, 120_004);
        assert_eq!(rows[n - 1].place.row, n + 2);
    }

    #[test]
    fn header_only_gives_no_rows() {
        assert!(ok("element,period,unit,value\n").is_empty());
    }

    #[test]
    fn garbage_does_not_panic() {
        for bytes in [
            &b"\x00\x01\x02"[..],
            b"\"unterminated",
            b"\xff\xfe",
            b";;;\n;;;",
        ] {
            let _ = read_csv("x.csv", bytes);
        }
    }

    #[test]
    fn chiso_export_reads_back() {
        let bytes = write_csv(&export());
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(
            "element,period,unit,breakdown,value,comment,source,stored_by,stored_at\n"
        ));
        assert!(text.contains(",web,an,2024-03-01T10:11:12Z\n"));
        let rows = read_csv("export.csv", &bytes).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].comment.as_deref(), Some("ước tính, \"sơ bộ\""));
        assert_eq!(
            (
                rows[1].breakdown.as_deref(),
                rows[1].value.as_str(),
                rows[1].period.as_str()
            ),
            (Some("NU"), "1.5", "2023Q1")
        );
    }

    #[test]
    fn dhis2_export_reads_back() {
        let bytes = write_dhis2_csv(&export());
        let text = String::from_utf8(bytes.clone()).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines[0], DHIS2_HEADER.join(","));
        assert_eq!(
            lines[2],
            "DAN_SO,2023Q1,582,NU,default,1.5,binh,2024-03-01T10:11:12.000,,false,"
        );
        let rows = read_csv("dhis2.csv", &bytes).unwrap();
        assert_eq!(rows[0].breakdown, None);
        assert_eq!(rows[1].breakdown.as_deref(), Some("NU"));
        assert!(!rows[0].deleted);
    }
}
