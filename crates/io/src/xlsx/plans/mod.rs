//! Plans, their tasks and DX products in XLSX: the workbook the API exports is the template
//! the import reads back. A plan workbook has a sheet "KeHoach" (one row per plan) and a sheet
//! "NhiemVu" (one row per task); the first row of each sheet holds the headers.
//!
//! Reading is all-or-nothing: every wrong cell is reported as a [`crate::FileError`] with its sheet,
//! row, column letter and the reason in Vietnamese (starting with the column's header), and no
//! plan is returned when there is any. Workbooks go through the XLSX guard first (size, zip
//! bombs; a parser panic is an error) and sheets are read sparsely.

mod read;
#[cfg(test)]
mod tests;
mod write;

pub use super::column_letter;
pub use read::{read_plans, read_products};
pub use write::{write_plans, write_products};

use chiso_core::plan::{FundingSource, ProductStatus, ProductType, TaskStatus};
use chrono::NaiveDate;

pub const PLAN_SHEET: &str = "KeHoach";
pub const TASK_SHEET: &str = "NhiemVu";
pub const PRODUCT_SHEET: &str = "SanPham";

/// Most rows read from one sheet.
pub const MAX_ROWS: usize = 20_000;

pub(super) const PLAN_HEADERS: &[&str] = &["Mã kế hoạch", "Mã đơn vị", "Năm", "Tên kế hoạch"];

pub(super) const TASK_HEADERS: &[&str] = &[
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

pub(super) const PRODUCT_HEADERS: &[&str] = &[
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

pub(super) fn funding_label(f: FundingSource) -> &'static str {
    match f {
        FundingSource::StateBudget => "Ngân sách trung ương",
        FundingSource::LocalBudget => "Ngân sách địa phương",
        FundingSource::Enterprise => "Doanh nghiệp",
        FundingSource::Other => "Khác",
    }
}

pub(super) fn status_label(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::NotStarted => "Chưa bắt đầu",
        TaskStatus::InProgress => "Đang thực hiện",
        TaskStatus::Done => "Hoàn thành",
        TaskStatus::Cancelled => "Hủy",
    }
}

pub(super) fn product_type_label(t: ProductType) -> &'static str {
    match t {
        ProductType::Platform => "Nền tảng",
        ProductType::Software => "Phần mềm",
        ProductType::Data => "Dữ liệu",
        ProductType::Service => "Dịch vụ",
    }
}

pub(super) fn product_status_label(s: ProductStatus) -> &'static str {
    match s {
        ProductStatus::Registered => "Đã đăng ký",
        ProductStatus::Pilot => "Thí điểm",
        ProductStatus::InUse => "Đang sử dụng",
    }
}

pub(super) fn vn_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}
