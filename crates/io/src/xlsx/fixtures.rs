//! Templates and the rows they read back as, shared by this module's tests.

use super::{GridColumn, GridRow, GridTemplate, TemplateElement, UnitTemplate};
use crate::values::ValueRow;
use chiso_core::ValueType;

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

pub(crate) type Summary = Vec<(String, Option<String>, String, String, String)>;

pub(crate) fn summary(rows: &[ValueRow]) -> Summary {
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

pub(crate) fn s(
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
