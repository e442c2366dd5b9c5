//! Templates written by chiso, filled, and saved again by LibreOffice Calc, read back.
//!
//! The fixtures were made from the templates below: run this test with
//! `CHISO_TEMPLATE_DIR=/some/dir cargo test -p chiso-io --test libreoffice` to write
//! `unit.xlsx` and `grid.xlsx` there; open each in LibreOffice Calc 7.4, type the edits
//! listed in `libreoffice_saved_unit_template` / `libreoffice_saved_grid_template` into
//! the input cells (done through LibreOffice's UNO API, headless), save as Excel 2007-365
//! and copy the results to `tests/fixtures/libreoffice-{unit,grid}.xlsx`.

use chiso_core::ValueType;
use chiso_io::xlsx::{
    read_template, write_grid_template, write_unit_template, GridColumn, GridRow, GridTemplate,
    Layout, TemplateElement, UnitTemplate,
};

fn element(code: &str, t: ValueType, current: Option<&str>) -> TemplateElement {
    TemplateElement {
        code: code.into(),
        name: format!("Chỉ tiêu {code}"),
        breakdown: None,
        value_type: t,
        previous: Some("10".into()),
        last_year: Some("9".into()),
        current: current.map(str::to_string),
        comment: None,
    }
}

fn unit() -> UnitTemplate {
    let mut female = element("DAN_SO", ValueType::Integer, Some("301000"));
    female.breakdown = Some(("NU".into(), "Nữ".into()));
    female.comment = Some("số liệu sơ bộ".into());
    UnitTemplate {
        data_set: "KT_XH".into(),
        data_set_name: "Chỉ tiêu kinh tế - xã hội".into(),
        unit: "58".into(),
        unit_name: "Tỉnh Ninh Thuận".into(),
        period: "2023".into(),
        period_label: "Năm 2023".into(),
        elements: vec![
            element("GRDP", ValueType::Number, Some("68123.45")),
            element("DAN_SO", ValueType::Integer, Some("596000")),
            female,
            element("TY_LE", ValueType::Percentage, None),
            element("DAT_CHUAN", ValueType::Boolean, Some("Không")),
            element("NGAY_BC", ValueType::Date, Some("2024-01-15")),
            element("GHI_CHU", ValueType::Text, Some("Đạt kế hoạch")),
        ],
    }
}

fn grid() -> GridTemplate {
    let col = |e: &str, o: Option<&str>, t| GridColumn {
        element: e.into(),
        option: o.map(str::to_string),
        name: format!("Chỉ tiêu {e} {}", o.unwrap_or("")),
        value_type: t,
    };
    GridTemplate {
        data_set: "KT_XH".into(),
        data_set_name: "Chỉ tiêu kinh tế - xã hội".into(),
        period: "2023Q4".into(),
        period_label: "Quý IV năm 2023".into(),
        columns: vec![
            col("DAN_SO", None, ValueType::Integer),
            col("DAN_SO", Some("NU"), ValueType::Integer),
            col("TY_LE", None, ValueType::Percentage),
        ],
        rows: vec![
            GridRow {
                unit: "582".into(),
                unit_name: "Thành phố Phan Rang - Tháp Chàm".into(),
                values: vec![
                    Some("170000".into()),
                    Some("86000".into()),
                    Some("0.5".into()),
                ],
            },
            GridRow {
                unit: "584".into(),
                unit_name: "Huyện Ninh Hải".into(),
                values: vec![None, Some("45000".into()), None],
            },
            GridRow {
                unit: "585".into(),
                unit_name: "Huyện Ninh Phước".into(),
                values: vec![],
            },
        ],
    }
}

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
fn write_sources_when_asked() {
    let Some(dir) = std::env::var_os("CHISO_TEMPLATE_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::write(dir.join("unit.xlsx"), write_unit_template(&unit()).unwrap()).unwrap();
    std::fs::write(dir.join("grid.xlsx"), write_grid_template(&grid()).unwrap()).unwrap();
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
