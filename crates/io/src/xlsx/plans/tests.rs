//! The plans and products workbooks: round trips, errors by place, the guard.

use super::read::sheet;
use super::*;
use crate::xlsx::guard::read_guarded;
use chiso_core::plan::{
    FundingSource, Person, Plan, PlanStatus, Product, ProductStatus, ProductType, Task, TaskStatus,
};
use chiso_core::Code;
use chrono::NaiveDate;
use rust_xlsxwriter::Workbook;
use std::io::Cursor;

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
        title_en: None,
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
            title_en: None,
            description: String::new(),
            deliverable: "Sản phẩm".into(),
            deliverable_en: None,
            person: Person {
                name: "Nguyễn Văn A".into(),
                position: Some("Công chức".into()),
                position_en: None,
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
        note_en: None,
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
        (
            errs[0].sheet.as_deref(),
            errs[0].row,
            errs[0].column.as_deref()
        ),
        (Some(TASK_SHEET), 2, Some("K"))
    );
    assert_eq!(
        errs[0].to_string(),
        "Trang NhiemVu, dòng 2, cột K: Đơn vị phối hợp: không có đơn vị mã \"58-SO-TTTT\""
    );
    assert!(read_plans(b"not a zip", &|_| true).is_err());
}

#[test]
fn products_round_trip_and_bad_dates_are_named() {
    let p = Product {
        code: c("SP-1"),
        name: "Bản đồ số nông sản".into(),
        name_en: None,
        owner: c("22738"),
        sector: "Nông nghiệp".into(),
        sector_en: None,
        product_type: ProductType::Data,
        status: ProductStatus::InUse,
        registered_on: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or(NaiveDate::MIN),
        in_use_on: NaiveDate::from_ymd_opt(2024, 4, 1),
        link: Some("https://example.vn".into()),
        evidence: None,
        note: None,
        note_en: None,
    };
    let bytes = write_products(std::slice::from_ref(&p)).unwrap_or_else(|e| panic!("{e}"));
    let back = read_products(&bytes, &|_| true).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(back, vec![p]);
    let errs = read_products(&bytes, &|_| false).unwrap_err();
    assert_eq!((errs[0].row, errs[0].column.as_deref()), (2, Some("C")));
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
    let sh = read_guarded("", &bytes, |wb| {
        sheet(wb, PRODUCT_SHEET, &["Kinh phí"], &[])
    })
    .unwrap_or_else(|e| panic!("{e:?}"));
    let mut errors = Vec::new();
    let got: Vec<Option<i64>> = sh
        .rows
        .iter()
        .map(|&row| sh.row(row, &mut errors).int("Kinh phí", 0, i64::MAX))
        .collect();
    assert_eq!(got, vec![Some(25_000_000), None, None, None]);
    assert_eq!(errors.len(), 3);
}

#[test]
fn a_zip_bomb_plans_workbook_is_refused_with_a_clear_reason() {
    use std::io::Write;
    // A real plans workbook plus one entry of 20 MiB of zeros, deflated to some 20 KiB:
    // under the total limit, but compressed far beyond the ratio limit.
    let good = write_plans(&[plan()]).unwrap_or_else(|e| panic!("{e}"));
    let mut z = zip::ZipArchive::new(Cursor::new(&good[..])).unwrap_or_else(|e| panic!("{e}"));
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..z.len() {
        let f = z.by_index(i).unwrap_or_else(|e| panic!("{e}"));
        w.raw_copy_file(f).unwrap_or_else(|e| panic!("{e}"));
    }
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("xl/media/image1.bin", opts)
        .unwrap_or_else(|e| panic!("{e}"));
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..20 {
        w.write_all(&zeros).unwrap_or_else(|e| panic!("{e}"));
    }
    let bytes = w.finish().unwrap_or_else(|e| panic!("{e}")).into_inner();
    assert!(bytes.len() < 100 * 1024, "{}", bytes.len());
    for errs in [
        read_plans(&bytes, &|_| true).map(|_| ()).unwrap_err(),
        read_products(&bytes, &|_| true).map(|_| ()).unwrap_err(),
    ] {
        assert_eq!(errs.len(), 1, "{errs:?}");
        let reason = &errs[0].reason;
        assert!(reason.contains("bị từ chối"), "{reason}");
        assert!(reason.contains("tỉ lệ nén"), "{reason}");
        assert!(reason.contains("tệp nén độc hại"), "{reason}");
        assert_eq!((errs[0].sheet.as_deref(), errs[0].row), (None, 0));
        assert!(
            errs[0]
                .to_string()
                .starts_with("Tệp bị từ chối vì có thể là tệp nén độc hại: một tệp con nén"),
            "{}",
            errs[0]
        );
    }
}

#[test]
fn a_used_range_spanning_the_whole_grid_is_read_sparsely() {
    // Headers in row 1 and a cell in XFD1048576: a dense range would be 17 billion cells.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(PLAN_SHEET).unwrap_or_else(|e| panic!("{e}"));
    for (i, h) in PLAN_HEADERS.iter().enumerate() {
        ws.write_string(0, i as u16, *h)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    ws.write_string(1_048_575, 16_383, "x")
        .unwrap_or_else(|e| panic!("{e}"));
    let ws = wb.add_worksheet();
    ws.set_name(TASK_SHEET).unwrap_or_else(|e| panic!("{e}"));
    for (i, h) in TASK_HEADERS.iter().enumerate() {
        ws.write_string(0, i as u16, *h)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let bytes = wb.save_to_buffer().unwrap_or_else(|e| panic!("{e}"));
    let errs = read_plans(&bytes, &|_| true).unwrap_err();
    // The far row is a plan row with its four cells empty.
    assert_eq!(errs.len(), 4, "{errs:?}");
    assert!(errs.iter().all(|e| e.row == 1_048_576), "{errs:?}");
    assert_eq!(
        errs[0].to_string(),
        "Trang KeHoach, dòng 1048576, cột A: Mã kế hoạch: bắt buộc, đang để trống"
    );
}

#[test]
fn missing_sheets_and_headers_are_named() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(PLAN_SHEET).unwrap_or_else(|e| panic!("{e}"));
    ws.write_string(0, 0, "Mã kế hoạch")
        .unwrap_or_else(|e| panic!("{e}"));
    let bytes = wb.save_to_buffer().unwrap_or_else(|e| panic!("{e}"));
    let errs = read_plans(&bytes, &|_| true).unwrap_err();
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert_eq!(
        errs[0].to_string(),
        "Trang KeHoach, dòng 1: thiếu cột \"Mã đơn vị\" ở dòng tiêu đề"
    );
    let errs = read_products(&bytes, &|_| true).unwrap_err();
    assert_eq!(errs[0].to_string(), "Tệp không có trang \"SanPham\"");
    let errs = read_plans(b"not a zip", &|_| true).unwrap_err();
    assert_eq!(
        errs[0].to_string(),
        "Tệp không phải là tệp Excel (.xlsx) hợp lệ hoặc đã bị hỏng"
    );
}
