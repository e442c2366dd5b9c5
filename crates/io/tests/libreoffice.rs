//! Templates written by chiso, filled, and saved again by LibreOffice Calc, read back.
//!
//! The fixtures were made from the templates of `support/templates.rs`: run
//! `cargo run -p chiso-io --example write_templates -- /some/dir` to write `unit.xlsx` and
//! `grid.xlsx` there; open each in LibreOffice Calc 7.4, type the edits listed in
//! `libreoffice_saved_unit_template` / `libreoffice_saved_grid_template` into the input cells
//! (done through LibreOffice's UNO API, headless), save as Excel 2007-365 and copy the results
//! to `tests/fixtures/libreoffice-{unit,grid}.xlsx`.

#[path = "support/templates.rs"]
mod templates;

use chiso_io::xlsx::{read_template, write_grid_template, write_unit_template, Layout};
use templates::{grid, unit};

type Row = (
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
);

fn rows(bytes: &[u8], name: &str) -> (chiso_io::xlsx::Workbook, Vec<Row>) {
    let wb = read_template(name, bytes).unwrap_or_else(|e| panic!("{e:?}"));
    let rows = wb
        .rows
        .iter()
        .map(|r| {
            (
                r.element.clone(),
                r.breakdown.clone(),
                r.unit.clone(),
                r.value.clone(),
                r.comment.clone(),
                format!(
                    "{}!{}{}",
                    r.place.sheet.clone().unwrap_or_default(),
                    r.place.column.clone().unwrap_or_default(),
                    r.place.row
                ),
            )
        })
        .collect();
    (wb, rows)
}

fn r(e: &str, b: Option<&str>, u: &str, v: &str, c: Option<&str>, at: &str) -> Row {
    (
        e.into(),
        b.map(str::to_string),
        u.into(),
        v.into(),
        c.map(str::to_string),
        at.into(),
    )
}

fn expected_unit() -> Vec<Row> {
    vec![
        r("GRDP", None, "58", "68123.45", None, "Biểu mẫu!E6"),
        r("DAN_SO", None, "58", "596000", None, "Biểu mẫu!E7"),
        r(
            "DAN_SO",
            Some("NU"),
            "58",
            "301000",
            Some("số liệu sơ bộ"),
            "Biểu mẫu!E8",
        ),
        r("DAT_CHUAN", None, "58", "Không", None, "Biểu mẫu!E10"),
        r("NGAY_BC", None, "58", "2024-01-15", None, "Biểu mẫu!E11"),
        r("GHI_CHU", None, "58", "Đạt kế hoạch", None, "Biểu mẫu!E12"),
    ]
}

fn expected_grid() -> Vec<Row> {
    vec![
        r("DAN_SO", None, "582", "170000", None, "Tổng hợp!C6"),
        r("DAN_SO", Some("NU"), "582", "86000", None, "Tổng hợp!D6"),
        r("TY_LE", None, "582", "0.5", None, "Tổng hợp!E6"),
        r("DAN_SO", Some("NU"), "584", "45000", None, "Tổng hợp!D7"),
    ]
}

#[test]
fn chiso_written_templates_read_back() {
    let (wb, got) = rows(&write_unit_template(&unit()).unwrap(), "unit.xlsx");
    assert_eq!(got, expected_unit());
    assert_eq!(wb.unit.as_deref(), Some("58"));
    let (wb, got) = rows(&write_grid_template(&grid()).unwrap(), "grid.xlsx");
    assert_eq!(got, expected_grid());
    assert_eq!(wb.period, "2023Q4");
}

/// Edits typed in Calc: E6 = 70000.5, E9 = 45.5, F7 = "ước tính",
/// E12 = "  Vượt kế hoạch  ".
#[test]
fn libreoffice_saved_unit_template() {
    let bytes = include_bytes!("fixtures/libreoffice-unit.xlsx");
    let (wb, got) = rows(bytes, "libreoffice-unit.xlsx");
    assert_eq!(
        (
            wb.layout,
            wb.data_set.as_str(),
            wb.period.as_str(),
            wb.unit.as_deref()
        ),
        (Layout::Unit, "KT_XH", "2023", Some("58"))
    );
    let mut want = expected_unit();
    want[0].3 = "70000.5".into();
    want[1].4 = Some("ước tính".into());
    want.insert(3, r("TY_LE", None, "58", "45.5", None, "Biểu mẫu!E9"));
    want[6].3 = "Vượt kế hoạch".into();
    assert_eq!(got, want);
}

/// Edits typed in Calc: C6 = `=100000+70000`, E7 = 12.25, C8 = 52000.
#[test]
fn libreoffice_saved_grid_template() {
    let bytes = include_bytes!("fixtures/libreoffice-grid.xlsx");
    let (wb, got) = rows(bytes, "libreoffice-grid.xlsx");
    assert_eq!(
        (
            wb.layout,
            wb.data_set.as_str(),
            wb.period.as_str(),
            wb.unit.as_deref()
        ),
        (Layout::Grid, "KT_XH", "2023Q4", None)
    );
    let mut want = expected_grid();
    want.insert(4, r("TY_LE", None, "584", "12.25", None, "Tổng hợp!E7"));
    want.push(r("DAN_SO", None, "585", "52000", None, "Tổng hợp!C8"));
    assert_eq!(got, want);
}
