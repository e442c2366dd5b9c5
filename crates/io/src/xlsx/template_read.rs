//! Reading a filled template back into value rows.

use super::cells::{column_letter, read_cells, Cells};
use super::guard::{read_guarded, Book};
use super::{
    Layout, Workbook, FORMAT_VERSION, GRID_SHEET, H_CODE, H_COMMENT, H_OPTION, H_UNIT_CODE,
    H_VALUE, MARK_ELEMENTS, MARK_OPTIONS, META_SHEET, UNIT_SHEET,
};
use crate::values::{Place, ValueRow};
use crate::FileError;
use calamine::Data;

/// A cell's content as text: None when empty; Err (the reason) for an error cell.
fn cell_text(d: &Data) -> Result<Option<String>, String> {
    let text = match d {
        Data::Empty => return Ok(None),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let f = dt.as_f64();
            if dt.is_duration() {
                format!("{f}")
            } else if f.is_finite() && (1.0..2_958_466.0).contains(&f) {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                return Err(format!("Ô chứa ngày tháng không hợp lệ ({f})"));
            }
        }
        Data::Error(e) => return Err(format!("Ô có lỗi {e}: hãy sửa công thức hoặc nhập giá trị")),
    };
    Ok((!text.is_empty()).then_some(text))
}

static EMPTY: Data = Data::Empty;

/// A sheet's non-empty cells by absolute 0-based (row, column), kept sparse.
struct Sheet {
    name: String,
    cells: Cells,
}

impl Sheet {
    fn get(&self, row: u32, col: u32) -> &Data {
        self.cells.get(&(row, col)).unwrap_or(&EMPTY)
    }
    /// Text of a cell; error cells read as empty.
    fn text(&self, row: u32, col: u32) -> String {
        cell_text(self.get(row, col))
            .ok()
            .flatten()
            .unwrap_or_default()
    }
    /// The non-empty cells of a row.
    fn row(&self, row: u32) -> impl Iterator<Item = (u32, &Data)> {
        self.cells
            .range((row, 0)..=(row, u32::MAX))
            .map(|(&(_, c), d)| (c, d))
    }
    /// The rows holding a cell, in order.
    fn rows(&self) -> Vec<u32> {
        let mut rows: Vec<u32> = self.cells.keys().map(|&(r, _)| r).collect();
        rows.dedup();
        rows
    }
    fn place(&self, row: u32, col: u32) -> Place {
        Place {
            sheet: Some(self.name.clone()),
            row: row as usize + 1,
            column: Some(column_letter(col)),
        }
    }
    /// The first cell (row by row) holding `text`.
    fn find(&self, text: &str) -> Option<(u32, u32)> {
        self.cells
            .iter()
            .find(|(_, d)| cell_text(d).ok().flatten().as_deref() == Some(text))
            .map(|(&pos, _)| pos)
    }
}

/// Reads a filled template back: the values of its input cells, with the data set, period
/// and unit of its "_chiso" sheet. Empty value cells give no row; a comment without a value,
/// or a cell holding an error (#DIV/0!), is an error at that cell. The file goes through the
/// XLSX guard first (size, zip bombs; a parser panic is an error).
pub fn read_template(file_name: &str, bytes: &[u8]) -> Result<Workbook, Vec<FileError>> {
    read_guarded(file_name, bytes, |wb| read_checked(file_name, wb))
}

fn read_checked(file: &str, wb: &mut Book<'_>) -> Result<Workbook, Vec<FileError>> {
    let one = |e: FileError| vec![e];
    let mut sheet = |name: &str| -> Result<Sheet, FileError> {
        match read_cells(wb, file, name)? {
            Some(cells) => Ok(Sheet {
                name: name.to_string(),
                cells,
            }),
            None => Err(FileError::whole_file(
                file,
                format!("Tệp thiếu trang '{name}': hãy dùng biểu mẫu tải từ chiso"),
            )),
        }
    };
    let meta = sheet(META_SHEET).map_err(one)?;
    let get = |key: &str| -> Result<String, FileError> {
        meta.rows()
            .into_iter()
            .find(|&r| meta.text(r, 0) == key)
            .map(|r| meta.text(r, 1))
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                FileError::whole_sheet(
                    file,
                    META_SHEET,
                    format!("Trang '{META_SHEET}' thiếu khóa '{key}'"),
                )
            })
    };
    let version = get("format_version").map_err(one)?;
    if version != FORMAT_VERSION {
        return Err(one(FileError::whole_sheet(
            file,
            META_SHEET,
            format!("Phiên bản biểu mẫu '{version}' không được hỗ trợ; hãy tải biểu mẫu mới"),
        )));
    }
    let layout = match get("layout").map_err(one)?.as_str() {
        "unit" => Layout::Unit,
        "grid" => Layout::Grid,
        other => {
            return Err(one(FileError::whole_sheet(
                file,
                META_SHEET,
                format!("Kiểu biểu mẫu '{other}' không rõ"),
            )))
        }
    };
    let data_set = get("data_set").map_err(one)?;
    let period = get("period").map_err(one)?;
    let unit = match layout {
        Layout::Unit => Some(get("unit").map_err(one)?),
        Layout::Grid => None,
    };
    let rows = match (layout, &unit) {
        (Layout::Unit, Some(u)) => read_unit(file, &sheet(UNIT_SHEET).map_err(one)?, &period, u)?,
        _ => read_grid(file, &sheet(GRID_SHEET).map_err(one)?, &period)?,
    };
    Ok(Workbook {
        layout,
        data_set,
        period,
        unit,
        rows,
    })
}

fn missing_column(file: &str, s: &Sheet, header: &str) -> Vec<FileError> {
    vec![FileError::whole_sheet(
        file,
        &s.name,
        format!("Không tìm thấy cột '{header}' trong trang '{}'", s.name),
    )]
}

fn read_unit(
    file: &str,
    s: &Sheet,
    period: &str,
    unit: &str,
) -> Result<Vec<ValueRow>, Vec<FileError>> {
    let Some((header, code_col)) = s.find(H_CODE) else {
        return Err(missing_column(file, s, H_CODE));
    };
    let col_of = |h: &str| {
        s.row(header)
            .find(|(_, d)| cell_text(d).ok().flatten().as_deref() == Some(h))
            .map(|(c, _)| c)
    };
    let value_col = col_of(H_VALUE).ok_or_else(|| missing_column(file, s, H_VALUE))?;
    let option_col = col_of(H_OPTION);
    let comment_col = col_of(H_COMMENT);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for r in s.rows().into_iter().filter(|&r| r > header) {
        let code = s.text(r, code_col);
        if code.is_empty() {
            continue;
        }
        let value = cell_text(s.get(r, value_col));
        let comment = match comment_col.map(|c| (c, cell_text(s.get(r, c)))) {
            Some((c, Err(reason))) => {
                errors.push(s.place(r, c).error(file, reason));
                None
            }
            Some((_, Ok(v))) => v,
            None => None,
        };
        let place = s.place(r, value_col);
        match value {
            Err(reason) => errors.push(place.error(file, reason)),
            Ok(None) => {
                if comment.is_some() {
                    let c = comment_col.unwrap_or(value_col);
                    errors.push(s.place(r, c).error(
                        file,
                        format!("Có ghi chú nhưng ô {H_VALUE} trống: ghi chú cần đi kèm giá trị"),
                    ));
                }
            }
            Ok(Some(v)) => out.push(ValueRow {
                element: code,
                period: period.to_string(),
                unit: unit.to_string(),
                breakdown: option_col.map(|c| s.text(r, c)).filter(|o| !o.is_empty()),
                value: v,
                comment,
                deleted: false,
                place,
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn read_grid(file: &str, s: &Sheet, period: &str) -> Result<Vec<ValueRow>, Vec<FileError>> {
    let Some((elements_row, unit_col)) = s.find(MARK_ELEMENTS) else {
        return Err(missing_column(file, s, MARK_ELEMENTS));
    };
    let rows = s.rows();
    let options_row = rows
        .iter()
        .copied()
        .find(|&r| s.text(r, unit_col) == MARK_OPTIONS);
    let header = rows
        .iter()
        .copied()
        .find(|&r| r > elements_row && s.text(r, unit_col) == H_UNIT_CODE)
        .ok_or_else(|| missing_column(file, s, H_UNIT_CODE))?;
    let columns: Vec<(u32, String, Option<String>)> = s
        .row(elements_row)
        .filter(|&(c, _)| c > unit_col)
        .filter_map(|(c, _)| {
            let element = s.text(elements_row, c);
            let option = options_row.map(|r| s.text(r, c)).filter(|o| !o.is_empty());
            (!element.is_empty()).then_some((c, element, option))
        })
        .collect();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for r in rows.into_iter().filter(|&r| r > header) {
        let unit = s.text(r, unit_col);
        if unit.is_empty() {
            continue;
        }
        for (c, element, option) in &columns {
            let place = s.place(r, *c);
            match cell_text(s.get(r, *c)) {
                Err(reason) => errors.push(place.error(file, reason)),
                Ok(None) => {}
                Ok(Some(v)) => out.push(ValueRow {
                    element: element.clone(),
                    period: period.to_string(),
                    unit: unit.clone(),
                    breakdown: option.clone(),
                    value: v,
                    comment: None,
                    deleted: false,
                    place,
                }),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xlsx::fixtures::{
        expected_grid, expected_unit, grid_template, summary, unit_template,
    };
    use crate::xlsx::template_write::write_meta;
    use crate::xlsx::{write_grid_template, write_unit_template, H_ELEMENT, H_STT};
    use rust_xlsxwriter::Workbook as XlsxWorkbook;
    use std::io::{Cursor, Read, Write};

    #[test]
    fn unit_template_round_trip() {
        let bytes = write_unit_template(&unit_template()).unwrap();
        let wb = read_template("mau.xlsx", &bytes).unwrap();
        assert_eq!(
            (
                wb.layout,
                wb.data_set.as_str(),
                wb.period.as_str(),
                wb.unit.as_deref()
            ),
            (Layout::Unit, "KT_XH", "2023", Some("58"))
        );
        assert_eq!(summary(&wb.rows), expected_unit());
        assert!(wb.rows.iter().all(|r| r.period == "2023" && !r.deleted));
        assert_eq!(wb.rows[2].comment.as_deref(), Some("sơ bộ"));
        assert_eq!(wb.rows[2].place.sheet.as_deref(), Some(UNIT_SHEET));
    }

    #[test]
    fn grid_template_round_trip() {
        let bytes = write_grid_template(&grid_template()).unwrap();
        let wb = read_template("tong-hop.xlsx", &bytes).unwrap();
        assert_eq!((wb.layout, wb.unit.as_ref()), (Layout::Grid, None));
        assert_eq!(wb.period, "2023Q1");
        assert_eq!(summary(&wb.rows), expected_grid());
        assert_eq!(wb.rows[0].place.sheet.as_deref(), Some(GRID_SHEET));
    }

    #[test]
    fn error_cells_and_lonely_comments_are_errors_at_their_cell() {
        // A workbook as a user might leave it: an error value and a comment without value.
        let mut wb = XlsxWorkbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(UNIT_SHEET).unwrap();
        for (c, h) in [H_STT, H_ELEMENT, H_VALUE, H_COMMENT, H_CODE]
            .iter()
            .enumerate()
        {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        ws.write_string(3, 4, "A").unwrap();
        ws.write_formula(3, 2, "=1/0").unwrap();
        ws.write_string(4, 4, "B").unwrap();
        ws.write_string(4, 3, "chỉ ghi chú").unwrap();
        ws.write_string(5, 4, "C").unwrap();
        ws.write_string(5, 2, "  7 ").unwrap();
        write_meta(
            &mut wb,
            &[
                ("format_version", "1"),
                ("layout", "unit"),
                ("data_set", "KT"),
                ("period", "2023"),
                ("unit", "58"),
            ],
        )
        .unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        // rust_xlsxwriter stores no cached result for formulas (0): set one, as Excel would.
        let bytes = with_cached_error(&bytes);
        let e = read_template("loi.xlsx", &bytes).unwrap_err();
        let at: Vec<_> = e
            .iter()
            .map(|e| (e.sheet.as_deref(), e.row, e.column.as_deref()))
            .collect();
        assert_eq!(
            at,
            [
                (Some(UNIT_SHEET), 4, Some("C")),
                (Some(UNIT_SHEET), 5, Some("D"))
            ]
        );
        assert!(e[0].reason.contains("#DIV/0!"), "{}", e[0].reason);
        assert!(e[1].reason.contains("ghi chú cần đi kèm giá trị"));
    }

    /// Rewrites sheet1's formula cell (row 3, column 2: C4) to carry a cached #DIV/0! error.
    fn with_cached_error(bytes: &[u8]) -> Vec<u8> {
        let at = crate::xlsx::cell_ref(3, 2);
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().to_string();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                let s = String::from_utf8(data).unwrap();
                let start = s.find(&format!("<c r=\"{at}\"")).unwrap();
                let end = start + s[start..].find("</c>").unwrap() + 4;
                let s = format!(
                    "{}<c r=\"{at}\" t=\"e\"><f>1/0</f><v>#DIV/0!</v></c>{}",
                    &s[..start],
                    &s[end..]
                );
                data = s.into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn missing_sheets_are_named() {
        // A workbook without "_chiso".
        let mut wb = XlsxWorkbook::new();
        wb.add_worksheet().set_name(UNIT_SHEET).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let e = read_template("khac.xlsx", &bytes).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(
            e[0].reason.contains("thiếu trang '_chiso'"),
            "{}",
            e[0].reason
        );
        // "_chiso" says grid, but there is no "Tổng hợp".
        let mut wb = XlsxWorkbook::new();
        wb.add_worksheet().set_name(UNIT_SHEET).unwrap();
        write_meta(
            &mut wb,
            &[
                ("format_version", "1"),
                ("layout", "grid"),
                ("data_set", "KT"),
                ("period", "2023"),
            ],
        )
        .unwrap();
        let e = read_template("k.xlsx", &wb.save_to_buffer().unwrap()).unwrap_err();
        assert!(
            e[0].reason.contains("thiếu trang 'Tổng hợp'"),
            "{}",
            e[0].reason
        );
        // Unknown version.
        let mut wb = XlsxWorkbook::new();
        wb.add_worksheet().set_name(UNIT_SHEET).unwrap();
        write_meta(&mut wb, &[("format_version", "9"), ("layout", "unit")]).unwrap();
        let e = read_template("k.xlsx", &wb.save_to_buffer().unwrap()).unwrap_err();
        assert!(e[0].reason.contains("Phiên bản"), "{}", e[0].reason);
    }

    #[test]
    fn a_used_range_spanning_the_whole_grid_is_read_sparsely() {
        // Cells in A1 and XFD1048576: a dense range would be 17 billion cells.
        let mut wb = XlsxWorkbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(UNIT_SHEET).unwrap();
        ws.write_string(0, 0, "x").unwrap();
        ws.write_string(1_048_575, 16_383, "y").unwrap();
        write_meta(
            &mut wb,
            &[
                ("format_version", "1"),
                ("layout", "unit"),
                ("data_set", "KT"),
                ("period", "2023"),
                ("unit", "58"),
            ],
        )
        .unwrap();
        let e = read_template("rong.xlsx", &wb.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(e[0].sheet.as_deref(), Some(UNIT_SHEET));
        assert!(e[0].reason.contains("'Mã chỉ tiêu'"), "{}", e[0].reason);
    }

    #[test]
    fn an_empty_grid_reads_as_no_rows() {
        let mut t = grid_template();
        t.rows.clear();
        let wb = read_template("g.xlsx", &write_grid_template(&t).unwrap()).unwrap();
        assert!(wb.rows.is_empty());
        t.columns.clear();
        let wb = read_template("g.xlsx", &write_grid_template(&t).unwrap()).unwrap();
        assert!(wb.rows.is_empty());
    }

    #[test]
    fn cell_values_become_text() {
        use calamine::{ExcelDateTime as D, ExcelDateTimeType as T};
        assert_eq!(cell_text(&Data::Float(12.0)), Ok(Some("12".into())));
        assert_eq!(cell_text(&Data::Float(0.1)), Ok(Some("0.1".into())));
        assert_eq!(cell_text(&Data::Int(-3)), Ok(Some("-3".into())));
        assert_eq!(cell_text(&Data::Bool(true)), Ok(Some("true".into())));
        assert_eq!(
            cell_text(&Data::String("  Không ".into())),
            Ok(Some("Không".into()))
        );
        assert_eq!(cell_text(&Data::String("   ".into())), Ok(None));
        assert_eq!(cell_text(&Data::Empty), Ok(None));
        let d = D::new(45352.0, T::DateTime, false);
        assert_eq!(cell_text(&Data::DateTime(d)), Ok(Some("2024-03-01".into())));
        for bad in [1e300, -5.0, f64::NAN] {
            assert!(cell_text(&Data::DateTime(D::new(bad, T::DateTime, false))).is_err());
        }
        assert!(cell_text(&Data::Error(calamine::CellErrorType::Div0)).is_err());
    }
}
