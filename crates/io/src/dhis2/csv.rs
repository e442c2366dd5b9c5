//! DHIS2's CSV of data values, read as DHIS2 reads it: by position, whatever the header
//! says (`dataelement, period, orgunit, categoryoptioncombo, attributeoptioncombo, value,
//! storedby, lastupdated|timestamp, comment, followup, deleted`), the first row skipped as
//! the header unless `firstRowIsHeader=false`, trailing columns optional. A value with
//! neither value nor comment deletes the stored one, as in DHIS2.

use crate::values::{is_default_combo, Errors, Place, ValueRow, MAX_ROWS};
use crate::{FileError, Problem};

/// The columns by position, as errors name them.
const COLUMNS: [&str; 11] = [
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

/// A DHIS2 CSV file read: its values, or every error found; and the line of every data row
/// (blank lines left out), in order, so that a line also gives the value's position
/// (DHIS2's conflict `indexes` for CSV count data rows from 1, the header not counted).
#[derive(Debug)]
pub struct Dhis2Csv {
    pub rows: Result<Vec<ValueRow>, Vec<FileError>>,
    pub lines: Vec<usize>,
}

impl Dhis2Csv {
    /// The 0-based position among the data values of the row on `line`.
    pub fn index_of(&self, line: usize) -> Option<usize> {
        self.lines.binary_search(&line).ok()
    }
}

/// Read DHIS2's CSV of data values, by position.
pub fn read_dhis2_csv(file_name: &str, bytes: &[u8], first_row_is_header: bool) -> Dhis2Csv {
    let mut lines = Vec::new();
    if let Err(e) =
        crate::values::check_size_under(file_name, bytes, crate::values::MAX_TEXT_FILE_BYTES)
    {
        return Dhis2Csv {
            rows: Err(vec![e]),
            lines,
        };
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut out = Vec::new();
    let mut errors = Errors::default();
    let mut first = true;
    let (mut seen, mut line_no) = (0usize, 1usize);
    let mut line_at = |byte: u64| {
        let mut byte = (byte as usize).min(bytes.len());
        while bytes.get(byte).is_some_and(|&b| b == b'\n' || b == b'\r') {
            byte += 1;
        }
        if byte > seen {
            line_no += bytes[seen..byte].iter().filter(|&&b| b == b'\n').count();
            seen = byte;
        }
        line_no
    };
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(p.byte()));
                errors.push(
                    FileError::whole_file(file_name, format!("Không đọc được dòng: {e}"))
                        .of(Problem::Unreadable),
                );
                if line > 0 {
                    lines.push(line);
                }
                break;
            }
        }
        // The line, counted from the bytes (the reader's own count skips blank lines).
        let line = rec.position().map_or(0, |p| line_at(p.byte()));
        if first && first_row_is_header {
            first = false;
            continue;
        }
        first = false;
        if rec.iter().all(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        lines.push(line);
        if out.len() >= MAX_ROWS {
            errors.push(FileError {
                file: file_name.to_string(),
                sheet: None,
                row: line,
                column: None,
                reason: format!("Tệp có quá {MAX_ROWS} dòng dữ liệu"),
                problem: Problem::Unreadable,
            });
            break;
        }
        match read_row(&rec, line) {
            Ok(v) => out.push(v),
            Err(es) => {
                for (column, reason, problem) in es {
                    let e = Place {
                        sheet: None,
                        row: line,
                        column: Some(column.to_string()),
                    }
                    .error(file_name, reason)
                    .of(problem);
                    if !errors.push(e) {
                        break;
                    }
                }
                if errors.is_full() {
                    break;
                }
            }
        }
    }
    let rows = if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors.list)
    };
    Dhis2Csv { rows, lines }
}

type RowErrors = Vec<(&'static str, String, Problem)>;

fn read_row(rec: &csv::ByteRecord, line: usize) -> Result<ValueRow, RowErrors> {
    let mut errs: RowErrors = Vec::new();
    let mut field = |i: usize| -> String {
        match rec.get(i).map(std::str::from_utf8) {
            None => String::new(),
            Some(Ok(s)) => s.trim().to_string(),
            Some(Err(_)) => {
                errs.push((
                    COLUMNS[i],
                    "Trường không phải văn bản UTF-8".into(),
                    Problem::Unreadable,
                ));
                String::new()
            }
        }
    };
    let element = field(0);
    let period = field(1);
    let unit = field(2);
    let coc = field(3);
    let aoc = field(4);
    let value = crate::csv_values::from_cell(&field(5)).to_string();
    let comment = crate::csv_values::from_cell(&field(8)).to_string();
    let deleted = field(10);
    if rec.len() > COLUMNS.len() {
        errs.push((
            COLUMNS[COLUMNS.len() - 1],
            format!(
                "Dòng có {} trường; tệp CSV của DHIS2 có nhiều nhất {} cột",
                rec.len(),
                COLUMNS.len()
            ),
            Problem::Unreadable,
        ));
    }
    let missing = "Thiếu giá trị bắt buộc".to_string();
    for (s, c, p) in [
        (&element, 0, Problem::Element),
        (&period, 1, Problem::Period),
        (&unit, 2, Problem::Unit),
    ] {
        if s.is_empty() && !errs.iter().any(|(col, _, _)| *col == COLUMNS[c]) {
            errs.push((COLUMNS[c], missing.clone(), p));
        }
    }
    if !is_default_combo(&aoc) {
        errs.push((
            COLUMNS[4],
            format!("Không hỗ trợ tổ hợp thuộc tính '{aoc}': để trống hoặc ghi 'default'"),
            Problem::Attribute,
        ));
    }
    let deleted = match deleted.to_ascii_lowercase().as_str() {
        "" | "false" | "0" => false,
        "true" | "1" => true,
        other => {
            errs.push((
                COLUMNS[10],
                format!("'{other}' không phải true hoặc false"),
                Problem::Unreadable,
            ));
            false
        }
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    let comment = (!comment.is_empty()).then_some(comment);
    let deleted = deleted || (value.is_empty() && comment.is_none());
    Ok(ValueRow {
        element,
        period,
        unit,
        breakdown: (!is_default_combo(&coc)).then_some(coc),
        value,
        comment,
        deleted,
        place: Place {
            sheet: None,
            row: line,
            column: Some(COLUMNS[5].into()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn got(c: &Dhis2Csv) -> Vec<(String, String, String, Option<String>, String, bool)> {
        c.rows
            .as_ref()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.element.clone(),
                    r.period.clone(),
                    r.unit.clone(),
                    r.breakdown.clone(),
                    r.value.clone(),
                    r.deleted,
                )
            })
            .collect()
    }

    #[test]
    fn reads_by_position_with_dhis2s_own_header_and_without() {
        let with = "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,timestamp,comment,followup\n\
                    VB_DEN,2026,2025-22759,HllvX50cXC0,HllvX50cXC0,12,an,2026-01-01,ghi chú,false\n\
                    \n\
                    CB_TONG,2026,2025-22759,,,7\n\
                    CB_KY_SO,2026,2025-22759,default,default,\n";
        let c = read_dhis2_csv("a.csv", with.as_bytes(), true);
        let s = |x: &str| x.to_string();
        assert_eq!(
            got(&c),
            vec![
                (
                    s("VB_DEN"),
                    s("2026"),
                    s("2025-22759"),
                    None,
                    s("12"),
                    false
                ),
                (
                    s("CB_TONG"),
                    s("2026"),
                    s("2025-22759"),
                    None,
                    s("7"),
                    false
                ),
                // No value and no comment: DHIS2 deletes.
                (s("CB_KY_SO"), s("2026"), s("2025-22759"), None, s(""), true),
            ]
        );
        assert_eq!(c.lines, vec![2, 4, 5]);
        assert_eq!(c.index_of(4), Some(1));
        let rows = c.rows.as_ref().unwrap();
        assert_eq!(rows[0].comment.as_deref(), Some("ghi chú"));
        let without = "VB_DEN,2026,2025-22759,,,12\n";
        let c = read_dhis2_csv("b.csv", without.as_bytes(), false);
        assert_eq!(got(&c).len(), 1);
        // With the header skipped, the only row is the header.
        let c = read_dhis2_csv("b.csv", without.as_bytes(), true);
        assert_eq!(got(&c).len(), 0);
    }

    #[test]
    fn errors_name_line_column_and_kind() {
        let text = "h\nVB_DEN,2026,,,,1\nVB_DEN,2026,58,,KHAC,1\n";
        let c = read_dhis2_csv("c.csv", text.as_bytes(), true);
        let e = c.rows.as_ref().unwrap_err();
        let at: Vec<_> = e
            .iter()
            .map(|e| (e.row, e.column.as_deref(), e.problem))
            .collect();
        assert_eq!(
            at,
            vec![
                (2, Some("orgunit"), Problem::Unit),
                (3, Some("attributeoptioncombo"), Problem::Attribute)
            ]
        );
        assert_eq!(c.index_of(3), Some(1));
    }
}
