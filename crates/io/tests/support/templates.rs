//! The templates the LibreOffice fixtures (`tests/fixtures/libreoffice-{unit,grid}.xlsx`)
//! were made from: shared by the test `tests/libreoffice.rs`, which reads the fixtures back,
//! and the example `examples/write_templates.rs`, which writes these templates to fill in
//! again.

use chiso_core::ValueType;
use chiso_io::xlsx::{GridColumn, GridRow, GridTemplate, TemplateElement, UnitTemplate};

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

/// The unit's form the fixture `libreoffice-unit.xlsx` was made from.
pub fn unit() -> UnitTemplate {
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

/// The consolidator's grid the fixture `libreoffice-grid.xlsx` was made from.
pub fn grid() -> GridTemplate {
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
