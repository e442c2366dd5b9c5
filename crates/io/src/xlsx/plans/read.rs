//! Reading plans, their tasks and DX products from workbooks, all or nothing.

use super::{
    funding_label, product_status_label, product_type_label, status_label, MAX_ROWS, PLAN_HEADERS,
    PLAN_SHEET, PRODUCT_HEADERS, PRODUCT_SHEET, TASK_HEADERS, TASK_SHEET,
};
use crate::xlsx::cells::{column_letter, read_cells, Cells};
use crate::xlsx::guard::{read_guarded, Book};
use crate::FileError;
use calamine::Data;
use chiso_core::plan::{
    FundingSource, Person, Plan, PlanStatus, Product, ProductStatus, ProductType, Task, TaskStatus,
};
use chiso_core::Code;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The plans readers are given the workbook's bytes, not a named file: their errors name no
/// file (sheet, row and column only).
const FILE: &str = "";

/// A sheet's cells (sparse) with the columns of its header row, the sheet's first row.
pub(super) struct Sheet {
    name: String,
    /// Header → absolute 0-based column.
    columns: BTreeMap<&'static str, u32>,
    cells: Cells,
    /// The 0-based rows below the header holding a cell, in order.
    pub(super) rows: Vec<u32>,
}

impl Sheet {
    fn read(
        cells: Cells,
        name: &str,
        wanted: &[&'static str],
        required: &[&'static str],
    ) -> Result<Sheet, Vec<FileError>> {
        let header = cells.keys().next().map_or(0, |&(r, _)| r);
        let mut columns = BTreeMap::new();
        for w in wanted {
            let found = cells
                .range((header, 0)..=(header, u32::MAX))
                .find(|(_, d)| text(d).as_deref() == Some(*w));
            if let Some((&(_, c), _)) = found {
                columns.insert(*w, c);
            }
        }
        let missing: Vec<FileError> = required
            .iter()
            .filter(|h| !columns.contains_key(*h))
            .map(|h| FileError {
                problem: crate::error::Problem::Other,
                file: FILE.to_string(),
                sheet: Some(name.to_string()),
                row: header as usize + 1,
                column: None,
                reason: format!("thiếu cột \"{h}\" ở dòng tiêu đề"),
            })
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        let mut rows: Vec<u32> = cells
            .keys()
            .map(|&(r, _)| r)
            .filter(|&r| r > header)
            .collect();
        rows.dedup();
        if rows.len() > MAX_ROWS {
            return Err(vec![FileError::whole_sheet(
                FILE,
                name,
                format!("có hơn {MAX_ROWS} dòng dữ liệu"),
            )]);
        }
        Ok(Sheet {
            name: name.to_string(),
            columns,
            cells,
            rows,
        })
    }

    /// Row `row` (0-based) of this sheet, gathering its errors in `errors`.
    pub(super) fn row<'a>(&'a self, row: u32, errors: &'a mut Vec<FileError>) -> Row<'a> {
        Row {
            sheet: self,
            row,
            errors,
        }
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
pub(super) struct Row<'a> {
    sheet: &'a Sheet,
    /// 0-based.
    row: u32,
    errors: &'a mut Vec<FileError>,
}

impl Row<'_> {
    /// An error at this row, in the column of `header` (the reason starts with it).
    fn err(&mut self, header: &str, reason: impl Into<String>) {
        self.errors.push(FileError {
            problem: crate::error::Problem::Other,
            file: FILE.to_string(),
            sheet: Some(self.sheet.name.clone()),
            row: self.row as usize + 1,
            column: self.sheet.columns.get(header).map(|&c| column_letter(c)),
            reason: format!("{header}: {}", reason.into()),
        });
    }
    fn cell(&self, header: &str) -> Option<&Data> {
        let col = self.sheet.columns.get(header)?;
        self.sheet.cells.get(&(self.row, *col))
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
    pub(super) fn int(&mut self, header: &str, min: i64, max: i64) -> Option<i64> {
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

/// Reads sheet `name`: its header row must hold the `required` headers; other `wanted` ones
/// are read when present.
pub(super) fn sheet(
    wb: &mut Book<'_>,
    name: &str,
    wanted: &[&'static str],
    required: &[&'static str],
) -> Result<Sheet, Vec<FileError>> {
    let cells = read_cells(wb, FILE, name)
        .map_err(|e| vec![e])?
        .ok_or_else(|| {
            vec![FileError::whole_file(
                FILE,
                format!("Tệp không có trang \"{name}\""),
            )]
        })?;
    Sheet::read(cells, name, wanted, required)
}

/// Read plans (as drafts) with their tasks from a workbook in the export's template.
/// `unit_exists` tells whether a unit code is known. All or nothing: any wrong cell refuses
/// the whole file.
pub fn read_plans(
    bytes: &[u8],
    unit_exists: &dyn Fn(&str) -> bool,
) -> Result<Vec<Plan>, Vec<FileError>> {
    read_guarded(FILE, bytes, |wb| plans_of(wb, unit_exists))
}

fn plans_of(
    wb: &mut Book<'_>,
    unit_exists: &dyn Fn(&str) -> bool,
) -> Result<Vec<Plan>, Vec<FileError>> {
    let plans_sheet = sheet(wb, PLAN_SHEET, PLAN_HEADERS, PLAN_HEADERS)?;
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
    let tasks_sheet = sheet(wb, TASK_SHEET, TASK_HEADERS, required_task)?;
    let mut errors = Vec::new();
    let mut plans: Vec<Plan> = Vec::new();
    let unit_check = |r: &mut Row<'_>, header: &str, c: &Code| {
        if !unit_exists(c.as_str()) {
            r.err(header, format!("không có đơn vị mã \"{c}\""));
        }
    };
    for &row in &plans_sheet.rows {
        let mut r = plans_sheet.row(row, &mut errors);
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
                title_en: None,
                status: PlanStatus::Draft,
                submitted_by: None,
                submitted_on: None,
                decided_by: None,
                approved_on: None,
                comments: Vec::new(),
                tasks: Vec::new(),
                note: None,
                note_en: None,
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
    for &row in &tasks_sheet.rows {
        let mut r = tasks_sheet.row(row, &mut errors);
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
                    title_en: None,
                    description,
                    deliverable,
                    deliverable_en: None,
                    person: Person {
                        name: person,
                        position,
                        position_en: None,
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
) -> Result<Vec<Product>, Vec<FileError>> {
    read_guarded(FILE, bytes, |wb| products_of(wb, unit_exists))
}

fn products_of(
    wb: &mut Book<'_>,
    unit_exists: &dyn Fn(&str) -> bool,
) -> Result<Vec<Product>, Vec<FileError>> {
    let required = &[
        "Mã sản phẩm",
        "Tên sản phẩm",
        "Đơn vị sở hữu",
        "Lĩnh vực",
        "Loại",
        "Trạng thái",
        "Ngày đăng ký",
    ];
    let sheet = sheet(wb, PRODUCT_SHEET, PRODUCT_HEADERS, required)?;
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
    for &row in &sheet.rows {
        let mut r = sheet.row(row, &mut errors);
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
                    name_en: None,
                    owner,
                    sector,
                    sector_en: None,
                    product_type,
                    status,
                    registered_on,
                    in_use_on,
                    link,
                    evidence,
                    note,
                    note_en: None,
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
