//! Plans, their tasks and DX products in XLSX: the workbook the API exports is the template
//! the import reads back. A plan workbook has a sheet "KeHoach" (one row per plan) and a sheet
//! "NhiemVu" (one row per task); the first row of each sheet holds the headers.
//!
//! Reading is all-or-nothing: every wrong cell is reported with its sheet, row, column and
//! the reason in Vietnamese, and no plan is returned when there is any.

use calamine::{Data, Range, Reader, Xlsx};
use chiso_core::plan::{
    FundingSource, Person, Plan, PlanStatus, Product, ProductStatus, ProductType, Task, TaskStatus,
};
use chiso_core::Code;
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

pub const PLAN_SHEET: &str = "KeHoach";
pub const TASK_SHEET: &str = "NhiemVu";
pub const PRODUCT_SHEET: &str = "SanPham";

/// Most rows read from one sheet.
pub const MAX_ROWS: usize = 20_000;
/// Most bytes a workbook may unpack to.
const MAX_UNZIPPED: u64 = 100 * 1024 * 1024;
const MAX_ENTRIES: usize = 1000;

const PLAN_HEADERS: &[&str] = &["Mã kế hoạch", "Mã đơn vị", "Năm", "Tên kế hoạch"];

const TASK_HEADERS: &[&str] = &[
    "Mã kế hoạch",
    "Mã nhiệm vụ",
    "Nhiệm vụ cha",
    "Tên nhiệm vụ",
    "Mô tả",
    "Sản phẩm đầu ra",
    "Người phụ trách",
    "Chức vụ",
    "Liên hệ",
    "Đơn vị chủ trì",
    "Đơn vị phối hợp",
    "Ngày bắt đầu",
    "Hạn hoàn thành",
    "Kinh phí phân bổ (đồng)",
    "Kinh phí đã chi (đồng)",
    "Nguồn kinh phí",
    "Chỉ tiêu",
    "Chỉ số",
    "Trạng thái",
    "Tiến độ (%)",
    "Ngày hoàn thành",
];

const PRODUCT_HEADERS: &[&str] = &[
    "Mã sản phẩm",
    "Tên sản phẩm",
    "Đơn vị sở hữu",
    "Lĩnh vực",
    "Loại",
    "Trạng thái",
    "Ngày đăng ký",
    "Ngày đưa vào sử dụng",
    "Liên kết",
    "Minh chứng",
    "Ghi chú",
];

/// A refused cell: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Trang {sheet}, dòng {row}, cột {column} ({header}): {reason}")]
pub struct CellError {
    pub sheet: String,
    /// 1-based, as Excel shows it (the header is row 1).
    pub row: usize,
    /// The column's letter, as Excel shows it.
    pub column: String,
    pub header: String,
    pub reason: String,
}

fn funding_label(f: FundingSource) -> &'static str {
    match f {
        FundingSource::StateBudget => "Ngân sách trung ương",
        FundingSource::LocalBudget => "Ngân sách địa phương",
        FundingSource::Enterprise => "Doanh nghiệp",
        FundingSource::Other => "Khác",
    }
}

fn status_label(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::NotStarted => "Chưa bắt đầu",
        TaskStatus::InProgress => "Đang thực hiện",
        TaskStatus::Done => "Hoàn thành",
        TaskStatus::Cancelled => "Hủy",
    }
}

fn product_type_label(t: ProductType) -> &'static str {
    match t {
        ProductType::Platform => "Nền tảng",
        ProductType::Software => "Phần mềm",
        ProductType::Data => "Dữ liệu",
        ProductType::Service => "Dịch vụ",
    }
}

fn product_status_label(s: ProductStatus) -> &'static str {
    match s {
        ProductStatus::Registered => "Đã đăng ký",
        ProductStatus::Pilot => "Thí điểm",
        ProductStatus::InUse => "Đang sử dụng",
    }
}

fn vn_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn headers(ws: &mut Worksheet, names: &[&str]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    for (i, h) in names.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &bold)?;
        ws.set_column_width(i as u16, 18)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn row_of(ws: &mut Worksheet, row: u32, cells: &[String]) -> Result<(), XlsxError> {
    for (i, c) in cells.iter().enumerate() {
        if !c.is_empty() {
            ws.write_string(row, i as u16, c)?;
        }
    }
    Ok(())
}

fn join(codes: &[Code]) -> String {
    codes
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Plans and their tasks as a workbook (the import's template).
pub fn write_plans(plans: &[Plan]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(PLAN_SHEET)?;
    headers(ws, PLAN_HEADERS)?;
    for (i, p) in plans.iter().enumerate() {
        row_of(
            ws,
            i as u32 + 1,
            &[
                p.code.to_string(),
                p.unit.to_string(),
                p.year.to_string(),
                p.title.clone(),
            ],
        )?;
    }
    let ws = wb.add_worksheet();
    ws.set_name(TASK_SHEET)?;
    headers(ws, TASK_HEADERS)?;
    let mut r = 1;
    for p in plans {
        for t in &p.tasks {
            row_of(
                ws,
                r,
                &[
                    p.code.to_string(),
                    t.code.to_string(),
                    t.parent.as_ref().map(|c| c.to_string()).unwrap_or_default(),
                    t.title.clone(),
                    t.description.clone(),
                    t.deliverable.clone(),
                    t.person.name.clone(),
                    t.person.position.clone().unwrap_or_default(),
                    t.person.contact.clone().unwrap_or_default(),
                    t.lead.to_string(),
                    join(&t.cooperating),
                    vn_date(t.start),
                    vn_date(t.due),
                    String::new(),
                    String::new(),
                    funding_label(t.funding).to_string(),
                    join(&t.targets),
                    join(&t.indicators),
                    status_label(t.status).to_string(),
                    String::new(),
                    t.completed_on.map(vn_date).unwrap_or_default(),
                ],
            )?;
            ws.write_number(r, 13, t.budget_allocated as f64)?;
            ws.write_number(r, 14, t.budget_spent as f64)?;
            ws.write_number(r, 19, f64::from(t.progress))?;
            r += 1;
        }
    }
    wb.save_to_buffer()
}

/// DX products as a workbook.
pub fn write_products(products: &[Product]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(PRODUCT_SHEET)?;
    headers(ws, PRODUCT_HEADERS)?;
    for (i, p) in products.iter().enumerate() {
        row_of(
            ws,
            i as u32 + 1,
            &[
                p.code.to_string(),
                p.name.clone(),
                p.owner.to_string(),
                p.sector.clone(),
                product_type_label(p.product_type).to_string(),
                product_status_label(p.status).to_string(),
                vn_date(p.registered_on),
                p.in_use_on.map(vn_date).unwrap_or_default(),
                p.link.clone().unwrap_or_default(),
                p.evidence.clone().unwrap_or_default(),
                p.note.clone().unwrap_or_default(),
            ],
        )?;
    }
    wb.save_to_buffer()
}

// ---- reading -------------------------------------------------------------------------------

/// Excel's column letters for a 0-based column.
pub fn column_letter(col: usize) -> String {
    let mut n = col + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn whole(reason: impl Into<String>) -> Vec<CellError> {
    vec![CellError {
        sheet: "-".into(),
        row: 0,
        column: "-".into(),
        header: "tệp".into(),
        reason: reason.into(),
    }]
}

/// Refuse what is not an XLSX archive or unpacks to too much (sizes measured by reading).
fn check_zip(bytes: &[u8]) -> Result<(), Vec<CellError>> {
    let not_xlsx = || whole("tệp không phải là tệp Excel (.xlsx) hợp lệ hoặc đã bị hỏng");
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(not_xlsx());
    }
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    if z.len() > MAX_ENTRIES {
        return Err(whole(format!("tệp có hơn {MAX_ENTRIES} tệp con")));
    }
    let mut total: u64 = 0;
    for i in 0..z.len() {
        let entry = z.by_index(i).map_err(|_| not_xlsx())?;
        let limit = MAX_UNZIPPED - total;
        let read = std::io::copy(&mut entry.take(limit + 1), &mut std::io::sink())
            .map_err(|_| not_xlsx())?;
        if read > limit {
            return Err(whole(
                "nội dung giải nén quá lớn (có thể là tệp nén độc hại)",
            ));
        }
        total += read;
    }
    Ok(())
}

/// A sheet's rows below the header, by header name; cells as text.
struct Sheet {
    name: String,
    /// The absolute 0-based column of the range's first column.
    first_col: usize,
    columns: BTreeMap<&'static str, usize>,
    rows: Vec<(usize, Vec<Data>)>,
}

impl Sheet {
    fn read(
        range: &Range<Data>,
        name: &str,
        wanted: &[&'static str],
        required: &[&'static str],
    ) -> Result<Sheet, Vec<CellError>> {
        let (r0, c0) = range.start().unwrap_or((0, 0));
        // Row and column indexes below are relative to the range's first cell.
        let mut rows = range.rows();
        let header: Vec<String> = rows
            .next()
            .map(|r| r.iter().map(|d| text(d).unwrap_or_default()).collect())
            .unwrap_or_default();
        let mut columns = BTreeMap::new();
        for w in wanted {
            if let Some(i) = header.iter().position(|h| h.trim() == *w) {
                columns.insert(*w, i);
            }
        }
        let missing: Vec<CellError> = required
            .iter()
            .filter(|h| !columns.contains_key(*h))
            .map(|h| CellError {
                sheet: name.to_string(),
                row: r0 as usize + 1,
                column: "-".into(),
                header: h.to_string(),
                reason: format!("thiếu cột \"{h}\" ở dòng tiêu đề"),
            })
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        let mut out = Vec::new();
        for (i, r) in rows.enumerate() {
            if r.iter().all(|d| matches!(d, Data::Empty)) {
                continue;
            }
            if out.len() >= MAX_ROWS {
                return Err(whole(format!("trang {name} có hơn {MAX_ROWS} dòng")));
            }
            out.push((r0 as usize + i + 2, r.to_vec()));
        }
        Ok(Sheet {
            name: name.to_string(),
            first_col: c0 as usize,
            columns,
            rows: out,
        })
    }
}

fn text(d: &Data) -> Option<String> {
    let s = match d {
        Data::Empty => return None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{d:02}/{m:02}/{y:04}")
        }
        Data::Error(e) => format!("#{e:?}"),
    };
    (!s.is_empty()).then_some(s)
}

/// Reads one row's cells, gathering errors with their place.
struct Row<'a> {
    sheet: &'a Sheet,
    row: usize,
    cells: &'a [Data],
    errors: &'a mut Vec<CellError>,
}

impl Row<'_> {
    fn err(&mut self, header: &str, reason: impl Into<String>) {
        let col = self.sheet.columns.get(header).copied();
        self.errors.push(CellError {
            sheet: self.sheet.name.clone(),
            row: self.row,
            column: col
                .map(|c| column_letter(self.sheet.first_col + c))
                .unwrap_or_else(|| "-".into()),
            header: header.to_string(),
            reason: reason.into(),
        });
    }
    fn cell(&self, header: &str) -> Option<&Data> {
        self.sheet
            .columns
            .get(header)
            .and_then(|&i| self.cells.get(i))
    }
    fn opt(&mut self, header: &str) -> Option<String> {
        match self.cell(header) {
            Some(Data::Error(e)) => {
                let e = format!("{e:?}");
                self.err(header, format!("ô có lỗi {e}: hãy nhập giá trị"));
                None
            }
            Some(d) => text(d),
            None => None,
        }
    }
    fn req(&mut self, header: &str) -> Option<String> {
        let v = self.opt(header);
        if v.is_none() {
            self.err(header, "bắt buộc, đang để trống");
        }
        v
    }
    fn code(&mut self, header: &str, required: bool) -> Option<Code> {
        let s = if required {
            self.req(header)?
        } else {
            self.opt(header)?
        };
        match Code::parse(&s) {
            Ok(c) => Some(c),
            Err(e) => {
                self.err(header, format!("mã \"{s}\" không hợp lệ: {e}"));
                None
            }
        }
    }
    fn codes(&mut self, header: &str) -> Vec<Code> {
        let Some(s) = self.opt(header) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for part in s.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
            match Code::parse(part) {
                Ok(c) => out.push(c),
                Err(e) => self.err(header, format!("mã \"{part}\" không hợp lệ: {e}")),
            }
        }
        out
    }
    /// A date: an Excel date cell, or text dd/mm/yyyy (or yyyy-mm-dd).
    fn date(&mut self, header: &str, required: bool) -> Option<NaiveDate> {
        if let Some(Data::DateTime(dt)) = self.cell(header) {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            return match NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d)) {
                Some(day) if !dt.is_duration() => Some(day),
                _ => {
                    self.err(header, "ngày tháng không hợp lệ");
                    None
                }
            };
        }
        let s = if required {
            self.req(header)?
        } else {
            self.opt(header)?
        };
        let parsed = NaiveDate::parse_from_str(&s, "%d/%m/%Y")
            .or_else(|_| NaiveDate::parse_from_str(&s, "%Y-%m-%d"))
            .ok()
            .filter(|d| {
                use chrono::Datelike;
                (1900..=2200).contains(&d.year())
            });
        if parsed.is_none() {
            self.err(
                header,
                format!("\"{s}\" không phải ngày theo định dạng dd/mm/yyyy (ví dụ 30/04/2024)"),
            );
        }
        parsed
    }
    /// A whole number: a number cell, or text with optional Vietnamese thousands
    /// separators ("25.000.000").
    fn int(&mut self, header: &str, min: i64, max: i64) -> Option<i64> {
        if let Some(Data::Float(f)) = self.cell(header) {
            let f = *f;
            let whole = f.fract() == 0.0 && f >= min as f64 && f <= max as f64;
            if !whole {
                self.err(
                    header,
                    format!("{f} không phải số nguyên từ {min} đến {max}"),
                );
            }
            return whole.then_some(f as i64);
        }
        let s = self.opt(header)?;
        let cleaned: String = s.chars().filter(|c| !matches!(c, ' ' | '\u{a0}')).collect();
        let groups: Vec<&str> = cleaned.split('.').collect();
        let grouped = groups.len() > 1
            && (1..=3).contains(&groups[0].len())
            && groups[1..].iter().all(|g| g.len() == 3);
        let cleaned = if grouped { groups.concat() } else { cleaned };
        match cleaned.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Some(v),
            _ => {
                self.err(
                    header,
                    format!("\"{s}\" không phải số nguyên từ {min} đến {max}"),
                );
                None
            }
        }
    }
    fn choice<T: Copy>(&mut self, header: &str, options: &[(T, &str, &str)]) -> Option<T> {
        let s = self.req(header)?;
        let lower = s.to_lowercase();
        match options
            .iter()
            .find(|(_, label, code)| label.to_lowercase() == lower || *code == lower)
        {
            Some((v, ..)) => Some(*v),
            None => {
                let names: Vec<&str> = options.iter().map(|(_, l, _)| *l).collect();
                self.err(
                    header,
                    format!("\"{s}\" không hợp lệ; chọn một trong: {}", names.join(", ")),
                );
                None
            }
        }
    }
}

fn open(bytes: &[u8]) -> Result<Xlsx<Cursor<&[u8]>>, Vec<CellError>> {
    check_zip(bytes)?;
    calamine::open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes))
        .map_err(|_| whole("tệp không phải là tệp Excel (.xlsx) hợp lệ hoặc đã bị hỏng"))
}

fn sheet(
    wb: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    wanted: &[&'static str],
    required: &[&'static str],
) -> Result<Sheet, Vec<CellError>> {
    let range = wb
        .worksheet_range(name)
        .map_err(|_| whole(format!("không có trang \"{name}\" trong tệp")))?;
    Sheet::read(&range, name, wanted, required)
}

/// Read plans (as drafts) with their tasks from a workbook in the export's template.
/// `unit_exists` tells whether a unit code is known. All or nothing: any wrong cell refuses
/// the whole file.
pub fn read_plans(
    bytes: &[u8],
    unit_exists: &dyn Fn(&str) -> bool,
) -> Result<Vec<Plan>, Vec<CellError>> {
    let mut wb = open(bytes)?;
    let plans_sheet = sheet(&mut wb, PLAN_SHEET, PLAN_HEADERS, PLAN_HEADERS)?;
    let required_task = &[
        "Mã kế hoạch",
        "Mã nhiệm vụ",
        "Tên nhiệm vụ",
        "Người phụ trách",
        "Đơn vị chủ trì",
        "Ngày bắt đầu",
        "Hạn hoàn thành",
        "Nguồn kinh phí",
        "Trạng thái",
    ];
    let tasks_sheet = sheet(&mut wb, TASK_SHEET, TASK_HEADERS, required_task)?;
    let mut errors = Vec::new();
    let mut plans: Vec<Plan> = Vec::new();
    let unit_check = |r: &mut Row<'_>, header: &str, c: &Code| {
        if !unit_exists(c.as_str()) {
            r.err(header, format!("không có đơn vị mã \"{c}\""));
        }
    };
    for (row, cells) in &plans_sheet.rows {
        let mut r = Row {
            sheet: &plans_sheet,
            row: *row,
            cells,
            errors: &mut errors,
        };
        let code = r.code("Mã kế hoạch", true);
        let unit = r.code("Mã đơn vị", true);
        if let Some(u) = &unit {
            unit_check(&mut r, "Mã đơn vị", u);
        }
        let year = r.int("Năm", 2000, 2100);
        if year.is_none() && r.opt("Năm").is_none() {
            r.err("Năm", "bắt buộc, đang để trống");
        }
        let title = r.req("Tên kế hoạch");
        if let Some(c) = &code {
            if plans.iter().any(|p| &p.code == c) {
                r.err("Mã kế hoạch", format!("kế hoạch {c} xuất hiện hai lần"));
            }
        }
        if let (Some(code), Some(unit), Some(year), Some(title)) = (code, unit, year, title) {
            plans.push(Plan {
                code,
                unit,
                year: year as i32,
                title,
                status: PlanStatus::Draft,
                submitted_by: None,
                submitted_on: None,
                decided_by: None,
                approved_on: None,
                comments: Vec::new(),
                tasks: Vec::new(),
                note: None,
            });
        }
    }
    let fundings: Vec<(FundingSource, &str, &str)> = FundingSource::ALL
        .iter()
        .map(|f| (*f, funding_label(*f), f.as_str()))
        .collect();
    let statuses: Vec<(TaskStatus, &str, &str)> = [
        TaskStatus::NotStarted,
        TaskStatus::InProgress,
        TaskStatus::Done,
        TaskStatus::Cancelled,
    ]
    .iter()
    .map(|s| (*s, status_label(*s), s.as_str()))
    .collect();
    for (row, cells) in &tasks_sheet.rows {
        let mut r = Row {
            sheet: &tasks_sheet,
            row: *row,
            cells,
            errors: &mut errors,
        };
        let plan_code = r.code("Mã kế hoạch", true);
        let at = plan_code
            .as_ref()
            .and_then(|c| plans.iter().position(|p| &p.code == c));
        if let (Some(c), None) = (&plan_code, at) {
            r.err(
                "Mã kế hoạch",
                format!("không có kế hoạch {c} trong trang {PLAN_SHEET}"),
            );
        }
        let code = r.code("Mã nhiệm vụ", true);
        let parent = r.code("Nhiệm vụ cha", false);
        let title = r.req("Tên nhiệm vụ");
        let description = r.opt("Mô tả").unwrap_or_default();
        let deliverable = r.opt("Sản phẩm đầu ra").unwrap_or_default();
        let person = r.req("Người phụ trách");
        let position = r.opt("Chức vụ");
        let contact = r.opt("Liên hệ");
        let lead = r.code("Đơn vị chủ trì", true);
        if let Some(u) = &lead {
            unit_check(&mut r, "Đơn vị chủ trì", u);
        }
        let cooperating = r.codes("Đơn vị phối hợp");
        for u in &cooperating {
            unit_check(&mut r, "Đơn vị phối hợp", u);
        }
        let start = r.date("Ngày bắt đầu", true);
        let due = r.date("Hạn hoàn thành", true);
        if let (Some(s), Some(d)) = (start, due) {
            if d < s {
                r.err("Hạn hoàn thành", "hạn hoàn thành trước ngày bắt đầu");
            }
        }
        let allocated = r
            .int("Kinh phí phân bổ (đồng)", 0, i64::MAX / 4)
            .unwrap_or(0);
        let spent = r
            .int("Kinh phí đã chi (đồng)", 0, i64::MAX / 4)
            .unwrap_or(0);
        let funding = r.choice("Nguồn kinh phí", &fundings);
        let targets = r.codes("Chỉ tiêu");
        let indicators = r.codes("Chỉ số");
        let status = r.choice("Trạng thái", &statuses);
        let progress = r.int("Tiến độ (%)", 0, 100).unwrap_or(0) as u8;
        let completed_on = r.date("Ngày hoàn thành", false);
        if status == Some(TaskStatus::Done) && completed_on.is_none() {
            r.err(
                "Ngày hoàn thành",
                "nhiệm vụ hoàn thành phải có ngày hoàn thành",
            );
        }
        if let (Some(st), Some(_)) = (status, completed_on) {
            if st != TaskStatus::Done {
                r.err(
                    "Ngày hoàn thành",
                    "chỉ nhiệm vụ đã hoàn thành mới có ngày hoàn thành",
                );
            }
        }
        if let (Some(i), Some(code)) = (at, &code) {
            if plans[i].tasks.iter().any(|t| &t.code == code) {
                r.err(
                    "Mã nhiệm vụ",
                    format!("nhiệm vụ {code} trùng trong kế hoạch"),
                );
            }
        }
        if let (Some(i), Some(code), Some(title), Some(person), Some(lead)) =
            (at, code, title, person, lead)
        {
            if let (Some(start), Some(due), Some(funding), Some(status)) =
                (start, due, funding, status)
            {
                plans[i].tasks.push(Task {
                    code,
                    parent,
                    title,
                    description,
                    deliverable,
                    person: Person {
                        name: person,
                        position,
                        contact,
                    },
                    lead,
                    cooperating,
                    start,
                    due,
                    milestones: Vec::new(),
                    budget_allocated: allocated,
                    budget_spent: spent,
                    funding,
                    targets,
                    indicators,
                    status,
                    progress,
                    completed_on,
                    updates: Vec::new(),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(plans)
    } else {
        Err(errors)
    }
}

/// Read DX products from a workbook in the export's template (sheet "SanPham"). All or
/// nothing, like plans.
pub fn read_products(
    bytes: &[u8],
    unit_exists: &dyn Fn(&str) -> bool,
) -> Result<Vec<Product>, Vec<CellError>> {
    let mut wb = open(bytes)?;
    let required = &[
        "Mã sản phẩm",
        "Tên sản phẩm",
        "Đơn vị sở hữu",
        "Lĩnh vực",
        "Loại",
        "Trạng thái",
        "Ngày đăng ký",
    ];
    let sheet = sheet(&mut wb, PRODUCT_SHEET, PRODUCT_HEADERS, required)?;
    let types: Vec<(ProductType, &str, &str)> = [
        (ProductType::Platform, "platform"),
        (ProductType::Software, "software"),
        (ProductType::Data, "data"),
        (ProductType::Service, "service"),
    ]
    .into_iter()
    .map(|(t, code)| (t, product_type_label(t), code))
    .collect();
    let statuses: Vec<(ProductStatus, &str, &str)> = [
        (ProductStatus::Registered, "registered"),
        (ProductStatus::Pilot, "pilot"),
        (ProductStatus::InUse, "in_use"),
    ]
    .into_iter()
    .map(|(s, code)| (s, product_status_label(s), code))
    .collect();
    let mut errors = Vec::new();
    let mut out: Vec<Product> = Vec::new();
    for (row, cells) in &sheet.rows {
        let mut r = Row {
            sheet: &sheet,
            row: *row,
            cells,
            errors: &mut errors,
        };
        let code = r.code("Mã sản phẩm", true);
        if let Some(c) = &code {
            if out.iter().any(|p| &p.code == c) {
                r.err("Mã sản phẩm", format!("sản phẩm {c} xuất hiện hai lần"));
            }
        }
        let name = r.req("Tên sản phẩm");
        let owner = r.code("Đơn vị sở hữu", true);
        if let Some(o) = &owner {
            if !unit_exists(o.as_str()) {
                r.err("Đơn vị sở hữu", format!("không có đơn vị mã \"{o}\""));
            }
        }
        let sector = r.req("Lĩnh vực");
        let product_type = r.choice("Loại", &types);
        let status = r.choice("Trạng thái", &statuses);
        let registered_on = r.date("Ngày đăng ký", true);
        let in_use_on = r.date("Ngày đưa vào sử dụng", false);
        if status == Some(ProductStatus::InUse) && in_use_on.is_none() {
            r.err(
                "Ngày đưa vào sử dụng",
                "sản phẩm đang sử dụng phải có ngày đưa vào sử dụng",
            );
        }
        let link = r.opt("Liên kết");
        let evidence = r.opt("Minh chứng");
        let note = r.opt("Ghi chú");
        if let (Some(code), Some(name), Some(owner), Some(sector)) = (code, name, owner, sector) {
            if let (Some(product_type), Some(status), Some(registered_on)) =
                (product_type, status, registered_on)
            {
                out.push(Product {
                    code,
                    name,
                    owner,
                    sector,
                    product_type,
                    status,
                    registered_on,
                    in_use_on,
                    link,
                    evidence,
                    note,
                });
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

    fn c(s: &str) -> Code {
        Code::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn plan() -> Plan {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN);
        Plan {
            code: c("KH2024-22738"),
            unit: c("22738"),
            year: 2024,
            title: "Kế hoạch CĐS năm 2024".into(),
            status: PlanStatus::Draft,
            submitted_by: None,
            submitted_on: None,
            decided_by: None,
            approved_on: None,
            comments: vec![],
            tasks: vec![Task {
                code: c("1"),
                parent: None,
                title: "Đăng ký sản phẩm CĐS".into(),
                description: String::new(),
                deliverable: "Sản phẩm".into(),
                person: Person {
                    name: "Nguyễn Văn A".into(),
                    position: Some("Công chức".into()),
                    contact: None,
                },
                lead: c("22738"),
                cooperating: vec![c("58-SO-TTTT")],
                start: d(2024, 1, 15),
                due: d(2024, 5, 31),
                milestones: vec![],
                budget_allocated: 30_000_000,
                budget_spent: 5_000_000,
                funding: FundingSource::LocalBudget,
                targets: vec![],
                indicators: vec![],
                status: TaskStatus::Done,
                progress: 100,
                completed_on: Some(d(2024, 5, 20)),
                updates: vec![],
            }],
            note: None,
        }
    }

    #[test]
    fn a_plan_round_trips() {
        let bytes = write_plans(&[plan()]).unwrap_or_else(|e| panic!("{e}"));
        let back = read_plans(&bytes, &|_| true).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(back, vec![plan()]);
    }

    #[test]
    fn unknown_units_are_named_by_row_and_column() {
        let bytes = write_plans(&[plan()]).unwrap_or_else(|e| panic!("{e}"));
        let errs = read_plans(&bytes, &|u| u != "58-SO-TTTT").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(
            (errs[0].sheet.as_str(), errs[0].row, errs[0].column.as_str()),
            (TASK_SHEET, 2, "K")
        );
        assert!(errs[0].to_string().contains("58-SO-TTTT"));
        assert!(read_plans(b"not a zip", &|_| true).is_err());
    }

    #[test]
    fn products_round_trip_and_bad_dates_are_named() {
        let p = Product {
            code: c("SP-1"),
            name: "Bản đồ số nông sản".into(),
            owner: c("22738"),
            sector: "Nông nghiệp".into(),
            product_type: ProductType::Data,
            status: ProductStatus::InUse,
            registered_on: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or(NaiveDate::MIN),
            in_use_on: NaiveDate::from_ymd_opt(2024, 4, 1),
            link: Some("https://example.vn".into()),
            evidence: None,
            note: None,
        };
        let bytes = write_products(std::slice::from_ref(&p)).unwrap_or_else(|e| panic!("{e}"));
        let back = read_products(&bytes, &|_| true).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(back, vec![p]);
        let errs = read_products(&bytes, &|_| false).unwrap_err();
        assert_eq!((errs[0].row, errs[0].column.as_str()), (2, "C"));
    }

    #[test]
    fn amounts_with_thousands_separators_but_not_decimals() {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(PRODUCT_SHEET).unwrap_or_else(|e| panic!("{e}"));
        let _ = ws.write_string(0, 0, "Kinh phí");
        let _ = ws.write_string(1, 0, "25.000.000");
        let _ = ws.write_number(2, 0, 2.5);
        let _ = ws.write_string(3, 0, "2.5");
        let _ = ws.write_number(4, 0, 1.234);
        let bytes = wb.save_to_buffer().unwrap_or_else(|e| panic!("{e}"));
        let mut book = open(&bytes).unwrap_or_else(|e| panic!("{e:?}"));
        let sh =
            sheet(&mut book, PRODUCT_SHEET, &["Kinh phí"], &[]).unwrap_or_else(|e| panic!("{e:?}"));
        let mut errors = Vec::new();
        let got: Vec<Option<i64>> = sh
            .rows
            .iter()
            .map(|(row, cells)| {
                Row {
                    sheet: &sh,
                    row: *row,
                    cells,
                    errors: &mut errors,
                }
                .int("Kinh phí", 0, i64::MAX)
            })
            .collect();
        assert_eq!(got, vec![Some(25_000_000), None, None, None]);
        assert_eq!(errors.len(), 3);
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
