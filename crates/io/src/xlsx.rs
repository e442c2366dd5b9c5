//! Excel templates for entering data values, and reading them back.
//!
//! Two layouts: a unit's form (sheet "Biểu mẫu": one row per element, or element × option)
//! and a consolidator's grid (sheet "Tổng hợp": one row per unit, one column per element or
//! element × option). Both carry a hidden sheet "_chiso" of key/value metadata (format
//! version, layout, data set, period, unit) and the codes in hidden cells; the reader relies
//! on those, not on where the other cells are. Input cells are unlocked, the sheets
//! protected, and each input cell validated by the element's value type.

use crate::values::{check_size, Place, ValueRow};
use crate::FileError;
use calamine::{Data, Reader};
use chiso_core::ValueType;
use rust_xlsxwriter::{
    DataValidation, DataValidationRule, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula,
    Workbook as XlsxWorkbook, Worksheet, XlsxError,
};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// The sheet of a unit's form.
pub const UNIT_SHEET: &str = "Biểu mẫu";
/// The sheet of a consolidator's grid.
pub const GRID_SHEET: &str = "Tổng hợp";
/// The hidden sheet of metadata.
pub const META_SHEET: &str = "_chiso";
/// The version of the template format written in "_chiso".
pub const FORMAT_VERSION: &str = "1";

const H_STT: &str = "STT";
const H_ELEMENT: &str = "Chỉ tiêu";
const H_PREVIOUS: &str = "Kỳ trước";
const H_LAST_YEAR: &str = "Cùng kỳ năm trước";
const H_VALUE: &str = "Giá trị";
const H_COMMENT: &str = "Ghi chú";
const H_CODE: &str = "Mã chỉ tiêu";
const H_OPTION: &str = "Mã phân tổ";
const H_UNIT_CODE: &str = "Mã đơn vị";
const H_UNIT: &str = "Đơn vị";
const MARK_ELEMENTS: &str = "#chiso:element";
const MARK_OPTIONS: &str = "#chiso:option";

/// Total uncompressed size a workbook may unpack to.
const MAX_UNZIPPED: u64 = 100 * 1024 * 1024;
/// Most entries a workbook's archive may hold.
const MAX_ENTRIES: usize = 1000;
/// Largest compression ratio of an entry over [`RATIO_FREE`] bytes.
const MAX_RATIO: u64 = 100;
const RATIO_FREE: u64 = 1024 * 1024;

/// One row of a unit's form: an element, or one option of its breakdown.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateElement {
    pub code: String,
    pub name: String,
    /// (option code, option name).
    pub breakdown: Option<(String, String)>,
    pub value_type: ValueType,
    /// The value of the previous period, shown for comparison.
    pub previous: Option<String>,
    /// The value of the same period last year, shown for comparison.
    pub last_year: Option<String>,
    /// The value already stored, filled in.
    pub current: Option<String>,
    pub comment: Option<String>,
}

/// A unit's form for one data set and period.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTemplate {
    pub data_set: String,
    pub data_set_name: String,
    pub unit: String,
    pub unit_name: String,
    /// The period in DHIS2 notation (2023, 2023Q1, 202301).
    pub period: String,
    pub period_label: String,
    pub elements: Vec<TemplateElement>,
}

/// A column of a consolidator's grid: an element, or one option of its breakdown.
#[derive(Debug, Clone, PartialEq)]
pub struct GridColumn {
    pub element: String,
    pub option: Option<String>,
    /// The header shown.
    pub name: String,
    pub value_type: ValueType,
}

/// A row of a consolidator's grid: a unit and its current values, one per column.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    pub unit: String,
    pub unit_name: String,
    pub values: Vec<Option<String>>,
}

/// A consolidator's grid for one data set and period: units down, elements across.
#[derive(Debug, Clone, PartialEq)]
pub struct GridTemplate {
    pub data_set: String,
    pub data_set_name: String,
    pub period: String,
    pub period_label: String,
    pub columns: Vec<GridColumn>,
    pub rows: Vec<GridRow>,
}

/// Which template a workbook is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One unit, one row per element.
    Unit,
    /// One row per unit, one column per element.
    Grid,
}

impl Layout {
    fn as_str(self) -> &'static str {
        match self {
            Layout::Unit => "unit",
            Layout::Grid => "grid",
        }
    }
}

/// What a filled template holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    pub layout: Layout,
    pub data_set: String,
    pub period: String,
    /// The unit of a unit's form.
    pub unit: Option<String>,
    /// The filled cells; each place is the value's cell.
    pub rows: Vec<ValueRow>,
}

// ---------------------------------------------------------------------------------------
// Writing

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
        ValueType::Percentage => (
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, 100.0)),
            "Giá trị phải là số từ 0 đến 100.",
        ),
        ValueType::Boolean => (
            DataValidation::new().allow_list_strings(&["Có", "Không"])?,
            "Chọn Có hoặc Không.",
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
        ValueType::Number | ValueType::Integer | ValueType::Percentage => match v.parse::<f64>() {
            Ok(f) if f.is_finite() => {
                ws.write_number_with_format(row, col, f, format)?;
            }
            _ => {
                ws.write_string_with_format(row, col, v, format)?;
            }
        },
        ValueType::Boolean => {
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
        ValueType::Text => {
            ws.write_string_with_format(row, col, v, format)?;
        }
    }
    Ok(())
}

fn write_meta(wb: &mut XlsxWorkbook, pairs: &[(&str, &str)]) -> Result<(), XlsxError> {
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

/// The column letters of a 0-based column: 0 → A, 26 → AA.
pub fn column_letter(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        out.push(b'A' + r);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
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
        let cell = format!("E{}", r + 1);
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
        let cell = format!("{}{}", column_letter(col as u32), FIRST + 1);
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

// ---------------------------------------------------------------------------------------
// Reading

fn not_xlsx(file: &str) -> FileError {
    FileError::whole_file(
        file,
        format!("Tệp {file} không phải là tệp Excel (.xlsx) hợp lệ hoặc đã bị hỏng"),
    )
}

fn bomb(file: &str, what: &str) -> FileError {
    FileError::whole_file(
        file,
        format!("Tệp {file} bị từ chối: {what} (có thể là tệp nén độc hại)"),
    )
}

/// Refuses an archive that unpacks to too much: over 100 MiB in all, an entry over 1 MiB
/// compressed more than 100:1, or more than 1000 entries. Sizes are measured by reading,
/// not taken from the archive's own declarations.
fn check_zip(file: &str, bytes: &[u8]) -> Result<(), FileError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(not_xlsx(file));
    }
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx(file))?;
    if z.len() > MAX_ENTRIES {
        return Err(bomb(file, &format!("có hơn {MAX_ENTRIES} tệp con")));
    }
    let mut total: u64 = 0;
    for i in 0..z.len() {
        let entry = z.by_index(i).map_err(|_| not_xlsx(file))?;
        let compressed = entry.compressed_size().min(bytes.len() as u64);
        let limit = RATIO_FREE
            .max(compressed.saturating_mul(MAX_RATIO))
            .min(MAX_UNZIPPED - total);
        let too_big = || bomb(file, "nội dung giải nén quá lớn");
        if entry.size() > limit {
            return Err(too_big());
        }
        let read = std::io::copy(&mut entry.take(limit + 1), &mut std::io::sink())
            .map_err(|_| not_xlsx(file))?;
        if read > limit {
            return Err(too_big());
        }
        total += read;
    }
    Ok(())
}

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

/// Most non-empty cells read from one sheet.
const MAX_CELLS: usize = 2_000_000;

static EMPTY: Data = Data::Empty;

/// A sheet's non-empty cells by absolute 0-based (row, column), kept sparse: a workbook
/// whose used range spans the whole grid must not make us allocate that grid.
struct Sheet {
    name: String,
    cells: BTreeMap<(u32, u32), Data>,
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
/// or a cell holding an error (#DIV/0!), is an error at that cell.
pub fn read_template(file_name: &str, bytes: &[u8]) -> Result<Workbook, Vec<FileError>> {
    check_size(file_name, bytes).map_err(|e| vec![e])?;
    check_zip(file_name, bytes).map_err(|e| vec![e])?;
    // The archive was checked above; a parser panic on some malformed XML still must not
    // take the server down.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_checked(file_name, bytes)
    }))
    .unwrap_or_else(|_| Err(vec![not_xlsx(file_name)]))
}

fn read_checked(file: &str, bytes: &[u8]) -> Result<Workbook, Vec<FileError>> {
    let one = |e: FileError| vec![e];
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| one(not_xlsx(file)))?;
    let names = wb.sheet_names();
    let mut sheet = |name: &str| -> Result<Sheet, FileError> {
        if !names.iter().any(|n| n == name) {
            return Err(FileError::whole_file(
                file,
                format!("Tệp thiếu trang '{name}': hãy dùng biểu mẫu tải từ chiso"),
            ));
        }
        let bad = || FileError {
            sheet: Some(name.to_string()),
            ..not_xlsx(file)
        };
        let mut reader = wb.worksheet_cells_reader(name).map_err(|_| bad())?;
        let mut cells = BTreeMap::new();
        while let Some(cell) = reader.next_cell().map_err(|_| bad())? {
            let data = Data::from(cell.get_value().clone());
            if data == Data::Empty {
                continue;
            }
            if cells.len() >= MAX_CELLS {
                return Err(FileError {
                    sheet: Some(name.to_string()),
                    ..FileError::whole_file(file, format!("Trang '{name}' có quá nhiều ô"))
                });
            }
            cells.insert(cell.get_position(), data);
        }
        Ok(Sheet {
            name: name.to_string(),
            cells,
        })
    };
    let meta = sheet(META_SHEET).map_err(one)?;
    let get = |key: &str| -> Result<String, FileError> {
        meta.rows()
            .into_iter()
            .find(|&r| meta.text(r, 0) == key)
            .map(|r| meta.text(r, 1))
            .filter(|v| !v.is_empty())
            .ok_or_else(|| FileError {
                sheet: Some(META_SHEET.into()),
                ..FileError::whole_file(file, format!("Trang '{META_SHEET}' thiếu khóa '{key}'"))
            })
    };
    let version = get("format_version").map_err(one)?;
    if version != FORMAT_VERSION {
        return Err(one(FileError {
            sheet: Some(META_SHEET.into()),
            ..FileError::whole_file(
                file,
                format!("Phiên bản biểu mẫu '{version}' không được hỗ trợ; hãy tải biểu mẫu mới"),
            )
        }));
    }
    let layout = match get("layout").map_err(one)?.as_str() {
        "unit" => Layout::Unit,
        "grid" => Layout::Grid,
        other => {
            return Err(one(FileError {
                sheet: Some(META_SHEET.into()),
                ..FileError::whole_file(file, format!("Kiểu biểu mẫu '{other}' không rõ"))
            }))
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
    vec![FileError {
        sheet: Some(s.name.clone()),
        ..FileError::whole_file(
            file,
            format!("Không tìm thấy cột '{header}' trong trang '{}'", s.name),
        )
    }]
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
    use std::io::Write;

    fn element(code: &str, t: ValueType, current: Option<&str>) -> TemplateElement {
        TemplateElement {
            code: code.into(),
            name: format!("Chỉ tiêu {code}"),
            breakdown: None,
            value_type: t,
            previous: Some("10".into()),
            last_year: None,
            current: current.map(str::to_string),
            comment: None,
        }
    }

    pub(crate) fn unit_template() -> UnitTemplate {
        let mut female = element("DAN_SO", ValueType::Integer, Some("301000"));
        female.breakdown = Some(("NU".into(), "Nữ".into()));
        female.comment = Some("sơ bộ".into());
        UnitTemplate {
            data_set: "KT_XH".into(),
            data_set_name: "Chỉ tiêu kinh tế - xã hội".into(),
            unit: "58".into(),
            unit_name: "Tỉnh Ninh Thuận".into(),
            period: "2023".into(),
            period_label: "Năm 2023".into(),
            elements: vec![
                element("GRDP", ValueType::Number, Some("0.1")),
                element("DAN_SO", ValueType::Integer, Some("12")),
                female,
                element("TY_LE", ValueType::Percentage, None),
                element("DAT", ValueType::Boolean, Some("Có")),
                element("NGAY", ValueType::Date, Some("2024-03-01")),
                element("GHI", ValueType::Text, Some("văn bản")),
                element("SAI", ValueType::Number, Some("mười hai")),
            ],
        }
    }

    pub(crate) fn grid_template() -> GridTemplate {
        let col = |e: &str, o: Option<&str>, t| GridColumn {
            element: e.into(),
            option: o.map(str::to_string),
            name: format!("{e} {}", o.unwrap_or("")),
            value_type: t,
        };
        GridTemplate {
            data_set: "KT_XH".into(),
            data_set_name: "Chỉ tiêu kinh tế - xã hội".into(),
            period: "2023Q1".into(),
            period_label: "Quý I năm 2023".into(),
            columns: vec![
                col("DAN_SO", None, ValueType::Integer),
                col("DAN_SO", Some("NU"), ValueType::Integer),
                col("TY.LE", None, ValueType::Percentage),
            ],
            rows: vec![
                GridRow {
                    unit: "582".into(),
                    unit_name: "Thành phố Phan Rang - Tháp Chàm".into(),
                    values: vec![Some("170000".into()), None, Some("12.5".into())],
                },
                GridRow {
                    unit: "584".into(),
                    unit_name: "Huyện Ninh Hải".into(),
                    values: vec![None, Some("45000".into())],
                },
                GridRow {
                    unit: "585".into(),
                    unit_name: "Huyện Ninh Phước".into(),
                    values: vec![],
                },
            ],
        }
    }

    type Summary = Vec<(String, Option<String>, String, String, String)>;

    fn summary(rows: &[ValueRow]) -> Summary {
        rows.iter()
            .map(|r| {
                (
                    r.element.clone(),
                    r.breakdown.clone(),
                    r.unit.clone(),
                    r.value.clone(),
                    r.place.column.clone().unwrap_or_default() + &r.place.row.to_string(),
                )
            })
            .collect()
    }

    fn s(
        a: &str,
        b: Option<&str>,
        u: &str,
        v: &str,
        at: &str,
    ) -> (String, Option<String>, String, String, String) {
        (
            a.into(),
            b.map(str::to_string),
            u.into(),
            v.into(),
            at.into(),
        )
    }

    pub(crate) fn expected_unit() -> Summary {
        vec![
            s("GRDP", None, "58", "0.1", "E6"),
            s("DAN_SO", None, "58", "12", "E7"),
            s("DAN_SO", Some("NU"), "58", "301000", "E8"),
            s("DAT", None, "58", "Có", "E10"),
            s("NGAY", None, "58", "2024-03-01", "E11"),
            s("GHI", None, "58", "văn bản", "E12"),
            s("SAI", None, "58", "mười hai", "E13"),
        ]
    }

    pub(crate) fn expected_grid() -> Summary {
        vec![
            s("DAN_SO", None, "582", "170000", "C6"),
            s("TY.LE", None, "582", "12.5", "E6"),
            s("DAN_SO", Some("NU"), "584", "45000", "D7"),
        ]
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16383), "XFD");
    }

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
        let styles = xml("xl/styles.xml");
        assert!(styles.contains(r#"locked="0""#));
        let workbook = xml("xl/workbook.xml");
        assert!(
            workbook.contains(r#"name="_chiso" sheetId="2" state="hidden""#),
            "{workbook}"
        );
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

    /// Rewrites sheet1's formula cell to carry a cached #DIV/0! error.
    fn with_cached_error(bytes: &[u8]) -> Vec<u8> {
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().to_string();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                let s = String::from_utf8(data).unwrap();
                let start = s.find("<c r=\"C4\"").unwrap();
                let end = start + s[start..].find("</c>").unwrap() + 4;
                let s = format!(
                    "{}<c r=\"C4\" t=\"e\"><f>1/0</f><v>#DIV/0!</v></c>{}",
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
    fn truncated_and_non_zip_files_are_refused() {
        let bytes = write_unit_template(&unit_template()).unwrap();
        let e = read_template("nua.xlsx", &bytes[..bytes.len() / 2]).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0].reason,
            "Tệp nua.xlsx không phải là tệp Excel (.xlsx) hợp lệ hoặc đã bị hỏng"
        );
        assert_eq!(e[0].to_string(), format!("nua.xlsx: {}", e[0].reason));
        for junk in [
            &b"element,period\n"[..],
            b"",
            b"PK\x03\x04garbage",
            b"{\"a\":1}",
        ] {
            let e = read_template("x.xlsx", junk).unwrap_err();
            assert!(e[0].reason.contains("không phải là tệp Excel"), "{e:?}");
        }
        // A valid zip that is not a workbook.
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("hello.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b"xin chao").unwrap();
        let zip_bytes = w.finish().unwrap().into_inner();
        let e = read_template("hello.xlsx", &zip_bytes).unwrap_err();
        assert!(e[0].reason.contains("không phải là tệp Excel"), "{e:?}");
    }

    #[test]
    fn zip_bombs_are_refused_without_unpacking_them() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        w.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..200 {
            w.write_all(&zeros).unwrap();
        }
        let bytes = w.finish().unwrap().into_inner();
        assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
        let started = std::time::Instant::now();
        let e = read_template("bom.xlsx", &bytes).unwrap_err();
        assert!(e[0].reason.contains("bị từ chối"), "{e:?}");
        assert!(started.elapsed().as_secs() < 10);

        // Declared sizes are not trusted: an entry that claims to be small but unpacks to
        // much is caught while reading it.
        let mut lying = bytes.clone();
        patch_declared_sizes(&mut lying, 1000);
        let e = read_template("bom2.xlsx", &lying).unwrap_err();
        assert!(e[0].reason.contains("bị từ chối"), "{e:?}");

        // Many entries.
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..1001 {
            w.start_file(format!("f{i}"), zip::write::SimpleFileOptions::default())
                .unwrap();
        }
        let e = read_template("many.xlsx", &w.finish().unwrap().into_inner()).unwrap_err();
        assert!(e[0].reason.contains("1000"), "{e:?}");
    }

    /// Sets the declared uncompressed size of every central directory entry to `size` (the
    /// 32-bit field: the zip64 extra field is then no longer consulted for it).
    fn patch_declared_sizes(bytes: &mut [u8], size: u32) {
        let mut i = 0;
        while i + 46 <= bytes.len() {
            if bytes[i..i + 4] == *b"PK\x01\x02" {
                bytes[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
                i += 46;
            } else {
                i += 1;
            }
        }
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
