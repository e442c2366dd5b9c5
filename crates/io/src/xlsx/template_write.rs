//! Writing the templates: a unit's form and a consolidator's grid, each with its hidden
//! sheet "_chiso" of metadata.

use super::cells::cell_ref;
use super::{
    GridTemplate, Layout, UnitTemplate, FORMAT_VERSION, GRID_SHEET, H_CODE, H_COMMENT, H_ELEMENT,
    H_LAST_YEAR, H_OPTION, H_PREVIOUS, H_STT, H_UNIT, H_UNIT_CODE, H_VALUE, MARK_ELEMENTS,
    MARK_OPTIONS, META_SHEET, UNIT_SHEET,
};
use chiso_core::ValueType;
use rust_xlsxwriter::{
    DataValidation, DataValidationRule, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula,
    Workbook as XlsxWorkbook, Worksheet, XlsxError,
};

fn xerr(e: XlsxError) -> String {
    format!("Không tạo được tệp Excel: {e}")
}

struct Formats {
    title: Format,
    plain: Format,
    header: Format,
    locked: Format,
    input: Format,
    input_date: Format,
    note: Format,
}

impl Formats {
    fn new() -> Formats {
        let border = Format::new().set_border(FormatBorder::Thin);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            plain: Format::new(),
            header: border
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(0xD9E1F2),
            locked: border.clone().set_text_wrap(),
            input: border.clone().set_unlocked().set_background_color(0xFFF2CC),
            input_date: border
                .set_unlocked()
                .set_background_color(0xFFF2CC)
                .set_num_format("dd/mm/yyyy"),
            note: Format::new().set_italic().set_font_color(0x595959),
        }
    }
}

/// The validation of an input cell by value type; `cell` is its A1 reference.
fn validation(t: ValueType, cell: &str) -> Result<Option<DataValidation>, XlsxError> {
    let (dv, message) = match t {
        ValueType::Text => return Ok(None),
        ValueType::Number => (
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(-1e15, 1e15)),
            "Giá trị phải là một số.",
        ),
        ValueType::Integer => (
            DataValidation::new().allow_custom(Formula::new(format!(
                "=AND(ISNUMBER({cell}),INT({cell})={cell})"
            ))),
            "Giá trị phải là số nguyên.",
        ),
        ValueType::IntegerPositive => (
            DataValidation::new().allow_custom(Formula::new(format!(
                "=AND(ISNUMBER({cell}),INT({cell})={cell},{cell}>0)"
            ))),
            "Giá trị phải là số nguyên lớn hơn 0.",
        ),
        ValueType::IntegerZeroOrPositive => (
            DataValidation::new().allow_custom(Formula::new(format!(
                "=AND(ISNUMBER({cell}),INT({cell})={cell},{cell}>=0)"
            ))),
            "Giá trị phải là số nguyên từ 0 trở lên.",
        ),
        ValueType::IntegerNegative => (
            DataValidation::new().allow_custom(Formula::new(format!(
                "=AND(ISNUMBER({cell}),INT({cell})={cell},{cell}<0)"
            ))),
            "Giá trị phải là số nguyên nhỏ hơn 0.",
        ),
        ValueType::Percentage => (
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, 100.0)),
            "Giá trị phải là số từ 0 đến 100.",
        ),
        ValueType::UnitInterval => (
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, 1.0)),
            "Giá trị phải là số từ 0 đến 1.",
        ),
        ValueType::Boolean => (
            DataValidation::new().allow_list_strings(&["Có", "Không"])?,
            "Chọn Có hoặc Không.",
        ),
        ValueType::TrueOnly => (
            DataValidation::new().allow_list_strings(&["Có"])?,
            "Chỉ nhận Có (để trống nếu không).",
        ),
        ValueType::Date => (
            DataValidation::new().allow_date(DataValidationRule::Between(
                ExcelDateTime::from_ymd(1900, 1, 1)?,
                ExcelDateTime::from_ymd(9999, 12, 31)?,
            )),
            "Giá trị phải là một ngày (ví dụ 31/12/2024).",
        ),
    };
    Ok(Some(
        dv.set_error_title("Giá trị không hợp lệ")?
            .set_error_message(message)?,
    ))
}

/// Writes a value, as a number or a date when its type and text allow.
fn write_value(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    t: ValueType,
    value: Option<&str>,
    format: &Format,
    date_format: &Format,
) -> Result<(), XlsxError> {
    let Some(v) = value.map(str::trim) else {
        ws.write_blank(row, col, format)?;
        return Ok(());
    };
    match t {
        t if t.is_numeric() && !matches!(t, ValueType::Boolean | ValueType::TrueOnly) => {
            match v.parse::<f64>() {
                Ok(f) if f.is_finite() => {
                    ws.write_number_with_format(row, col, f, format)?;
                }
                _ => {
                    ws.write_string_with_format(row, col, v, format)?;
                }
            }
        }
        ValueType::Boolean | ValueType::TrueOnly => {
            let shown = match v.to_lowercase().as_str() {
                "true" | "1" | "có" => "Có",
                "false" | "0" | "không" => "Không",
                _ => v,
            };
            ws.write_string_with_format(row, col, shown, format)?;
        }
        ValueType::Date => match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => {
                use chrono::Datelike;
                let dt = u16::try_from(d.year())
                    .ok()
                    .and_then(|y| ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok());
                match dt {
                    Some(dt) => ws.write_datetime_with_format(row, col, &dt, date_format)?,
                    None => ws.write_string_with_format(row, col, v, format)?,
                };
            }
            Err(_) => {
                ws.write_string_with_format(row, col, v, format)?;
            }
        },
        _ => {
            ws.write_string_with_format(row, col, v, format)?;
        }
    }
    Ok(())
}

pub(super) fn write_meta(wb: &mut XlsxWorkbook, pairs: &[(&str, &str)]) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(META_SHEET)?;
    for (i, (k, v)) in pairs.iter().enumerate() {
        let r = i as u32;
        ws.write_string(r, 0, *k)?;
        ws.write_string(r, 1, *v)?;
    }
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 30)?;
    ws.protect();
    ws.set_hidden(true);
    Ok(())
}

/// A unit's form: sheet "Biểu mẫu" (title, then STT | Chỉ tiêu | Kỳ trước | Cùng kỳ năm
/// trước | Giá trị | Ghi chú | hidden element code | hidden option code) and the hidden
/// sheet "_chiso".
pub fn write_unit_template(t: &UnitTemplate) -> Result<Vec<u8>, String> {
    write_unit(t).map_err(xerr)
}

fn write_unit(t: &UnitTemplate) -> Result<Vec<u8>, XlsxError> {
    const FIRST: u32 = 5;
    let f = Formats::new();
    let mut wb = XlsxWorkbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(UNIT_SHEET)?;
    ws.write_string_with_format(0, 0, &t.data_set_name, &f.title)?;
    ws.write_string_with_format(
        1,
        0,
        format!("Đơn vị: {} ({})", t.unit_name, t.unit),
        &f.plain,
    )?;
    ws.write_string_with_format(
        2,
        0,
        format!("Kỳ báo cáo: {} ({})", t.period_label, t.period),
        &f.plain,
    )?;
    ws.write_string_with_format(
        3,
        0,
        "Nhập số liệu vào cột Giá trị và Ghi chú (ô màu vàng); các ô khác bị khóa.",
        &f.note,
    )?;
    let headers = [
        H_STT,
        H_ELEMENT,
        H_PREVIOUS,
        H_LAST_YEAR,
        H_VALUE,
        H_COMMENT,
        H_CODE,
        H_OPTION,
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(FIRST - 1, c as u16, *h, &f.header)?;
    }
    for (c, w) in [6.0, 50.0, 16.0, 18.0, 18.0, 30.0, 16.0, 16.0]
        .into_iter()
        .enumerate()
    {
        ws.set_column_width(c as u16, w)?;
    }
    ws.set_column_hidden(6)?;
    ws.set_column_hidden(7)?;
    for (i, e) in t.elements.iter().enumerate() {
        let r = FIRST + i as u32;
        let name = match &e.breakdown {
            Some((_, option)) => format!("{} — {}", e.name, option),
            None => e.name.clone(),
        };
        ws.write_number_with_format(r, 0, (i + 1) as f64, &f.locked)?;
        ws.write_string_with_format(r, 1, &name, &f.locked)?;
        write_value(
            ws,
            r,
            2,
            e.value_type,
            e.previous.as_deref(),
            &f.locked,
            &f.locked,
        )?;
        write_value(
            ws,
            r,
            3,
            e.value_type,
            e.last_year.as_deref(),
            &f.locked,
            &f.locked,
        )?;
        write_value(
            ws,
            r,
            4,
            e.value_type,
            e.current.as_deref(),
            &f.input,
            &f.input_date,
        )?;
        match &e.comment {
            Some(c) => ws.write_string_with_format(r, 5, c, &f.input)?,
            None => ws.write_blank(r, 5, &f.input)?,
        };
        ws.write_string(r, 6, &e.code)?;
        if let Some((option, _)) = &e.breakdown {
            ws.write_string(r, 7, option)?;
        }
        let cell = cell_ref(r, 4);
        if let Some(dv) = validation(e.value_type, &cell)? {
            ws.add_data_validation(r, 4, r, 4, &dv)?;
        }
    }
    ws.set_freeze_panes(FIRST, 0)?;
    ws.protect();
    write_meta(
        &mut wb,
        &[
            ("format_version", FORMAT_VERSION),
            ("layout", Layout::Unit.as_str()),
            ("data_set", &t.data_set),
            ("period", &t.period),
            ("unit", &t.unit),
        ],
    )?;
    wb.save_to_buffer()
}

/// A consolidator's grid: sheet "Tổng hợp" (hidden column A = unit code, B = unit name, one
/// column per element × option with hidden rows of element and option codes above the
/// visible header) and the hidden sheet "_chiso".
pub fn write_grid_template(t: &GridTemplate) -> Result<Vec<u8>, String> {
    write_grid(t).map_err(xerr)
}

fn write_grid(t: &GridTemplate) -> Result<Vec<u8>, XlsxError> {
    const HEADER: u32 = 4;
    const FIRST: u32 = HEADER + 1;
    let f = Formats::new();
    let mut wb = XlsxWorkbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(GRID_SHEET)?;
    ws.write_string_with_format(0, 0, &t.data_set_name, &f.title)?;
    ws.write_string_with_format(
        1,
        0,
        format!("Kỳ báo cáo: {} ({})", t.period_label, t.period),
        &f.plain,
    )?;
    ws.write_string(2, 0, MARK_ELEMENTS)?;
    ws.write_string(3, 0, MARK_OPTIONS)?;
    ws.set_row_hidden(2)?;
    ws.set_row_hidden(3)?;
    ws.write_string_with_format(HEADER, 0, H_UNIT_CODE, &f.header)?;
    ws.write_string_with_format(HEADER, 1, H_UNIT, &f.header)?;
    ws.set_column_hidden(0)?;
    ws.set_column_width(1, 36)?;
    let last_row = FIRST + t.rows.len().saturating_sub(1) as u32;
    for (j, c) in t.columns.iter().enumerate() {
        let col = u16::try_from(j + 2).map_err(|_| XlsxError::RowColumnLimitError)?;
        ws.write_string(2, col, &c.element)?;
        if let Some(o) = &c.option {
            ws.write_string(3, col, o)?;
        }
        ws.write_string_with_format(HEADER, col, &c.name, &f.header)?;
        ws.set_column_width(col, 16)?;
        if t.rows.is_empty() {
            continue;
        }
        let cell = cell_ref(FIRST, u32::from(col));
        if let Some(dv) = validation(c.value_type, &cell)? {
            ws.add_data_validation(FIRST, col, last_row, col, &dv)?;
        }
    }
    ws.set_row_height(HEADER, 48)?;
    for (i, u) in t.rows.iter().enumerate() {
        let r = FIRST + i as u32;
        ws.write_string(r, 0, &u.unit)?;
        ws.write_string_with_format(r, 1, &u.unit_name, &f.locked)?;
        for (j, c) in t.columns.iter().enumerate() {
            let col = u16::try_from(j + 2).map_err(|_| XlsxError::RowColumnLimitError)?;
            let v = u.values.get(j).and_then(|v| v.as_deref());
            write_value(ws, r, col, c.value_type, v, &f.input, &f.input_date)?;
        }
    }
    ws.set_freeze_panes(FIRST, 2)?;
    ws.protect();
    write_meta(
        &mut wb,
        &[
            ("format_version", FORMAT_VERSION),
            ("layout", Layout::Grid.as_str()),
            ("data_set", &t.data_set),
            ("period", &t.period),
        ],
    )?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xlsx::fixtures::unit_template;
    use std::io::{Cursor, Read};

    #[test]
    fn templates_are_protected_with_unlocked_inputs_hidden_meta_and_validation() {
        let bytes = write_unit_template(&unit_template()).unwrap();
        let mut z = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        let mut xml = |name: &str| {
            let mut s = String::new();
            z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
            s
        };
        let sheet1 = xml("xl/worksheets/sheet1.xml");
        assert!(sheet1.contains("<sheetProtection"));
        assert!(sheet1.contains("<dataValidation"));
        assert!(sheet1.contains("Giá trị phải là số nguyên."));
        assert!(sheet1.contains("&quot;Có,Không&quot;") || sheet1.contains("\"Có,Không\""));
        assert!(sheet1.contains(r#"hidden="1""#), "code columns hidden");
        // The integer rule names its own cell: E7 (the second element, below four rows).
        assert!(sheet1.contains("INT(E7)=E7"), "{sheet1}");
        let styles = xml("xl/styles.xml");
        assert!(styles.contains(r#"locked="0""#));
        let workbook = xml("xl/workbook.xml");
        assert!(
            workbook.contains(r#"name="_chiso" sheetId="2" state="hidden""#),
            "{workbook}"
        );
    }
}
