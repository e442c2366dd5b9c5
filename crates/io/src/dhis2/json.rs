//! Reading and writing DHIS2's dataValueSets JSON.

use super::lenient::{Field, Item, Items, Top};
use crate::values::{
    dhis2_timestamp, is_default_combo, Errors, ExportRow, Place, ValueRow, MAX_ROWS,
};
use crate::{FileError, Problem};
use serde::{Deserialize, Deserializer, Serialize};

/// A DHIS2 data value set. Top-level `period`, `orgUnit` and `attributeOptionCombo` apply
/// to values lacking their own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataValueSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_set: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_option_combo: Option<String>,
    #[serde(default)]
    pub data_values: Vec<Dhis2Value>,
}

/// One DHIS2 data value. `value` may come as a JSON string, number or boolean.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dhis2Value {
    #[serde(default)]
    pub data_element: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_option_combo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_option_combo: Option<String>,
    #[serde(
        default,
        deserialize_with = "value_as_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followup: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

/// A JSON scalar as text: `"12"` → 12, `12` → 12, `12.5` → 12.5, `true` → true.
fn value_as_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Field::deserialize(d)? {
        Field::Absent | Field::Null => Ok(None),
        Field::Text(s) | Field::Number(s) => Ok(Some(s)),
        Field::Bool(b) => Ok(Some(b.to_string())),
        Field::Array | Field::Object => Err(serde::de::Error::custom(
            "expected a string, a number or a boolean",
        )),
    }
}

fn syntax_error(file: &str, e: &serde_json::Error) -> FileError {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "tệp kết thúc giữa chừng".to_string(),
        serde_json::error::Category::Syntax => "lỗi cú pháp".to_string(),
        serde_json::error::Category::Data => format!("dữ liệu sai ({e})"),
        serde_json::error::Category::Io => "lỗi đọc".to_string(),
    };
    FileError {
        problem: crate::error::Problem::Other,
        file: file.to_string(),
        sheet: None,
        row: e.line(),
        column: Some(e.column().to_string()),
        reason: format!(
            "Tệp JSON không hợp lệ ở dòng {}, cột {}: {what}",
            e.line(),
            e.column()
        ),
    }
}

/// Reads a DHIS2 dataValueSets JSON file. Returns the set's header (its `data_values` left
/// empty) and its values with the header's period, org unit and attribute option combo
/// applied. A value's place: row = its 1-based index in `dataValues`, column = the field.
/// Unknown fields are ignored; every bad value is reported (up to
/// [`crate::values::MAX_ERRORS`] errors); a syntax error names its line and column.
pub fn read_dhis2_json(
    file_name: &str,
    bytes: &[u8],
) -> Result<(DataValueSet, Vec<ValueRow>), Vec<FileError>> {
    crate::values::check_size_under(file_name, bytes, crate::values::MAX_TEXT_FILE_BYTES)
        .map_err(|e| vec![e])?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let top: Top = serde_json::from_slice(bytes).map_err(|e| vec![syntax_error(file_name, &e)])?;
    let Top::Set(raw) = top else {
        return Err(vec![FileError::whole_file(
            file_name,
            "Tệp JSON phải là một đối tượng { \"dataValues\": [...] }",
        )]);
    };
    let field_err = |name: &str, reason: String| FileError {
        problem: crate::error::Problem::Other,
        file: file_name.to_string(),
        sheet: None,
        row: 0,
        column: Some(name.to_string()),
        reason,
    };
    let mut errors = Errors::default();
    let mut header = DataValueSet::default();
    for (name, field, slot, scalars) in [
        ("dataSet", raw.data_set, &mut header.data_set, false),
        (
            "completeDate",
            raw.complete_date,
            &mut header.complete_date,
            false,
        ),
        ("period", raw.period, &mut header.period, true),
        ("orgUnit", raw.org_unit, &mut header.org_unit, false),
        (
            "attributeOptionCombo",
            raw.attribute_option_combo,
            &mut header.attribute_option_combo,
            false,
        ),
    ] {
        match field.text(name, scalars) {
            Ok(v) => *slot = v,
            Err(reason) => {
                errors.push(field_err(name, reason));
            }
        }
    }
    let items = match raw.data_values {
        Items::Absent => Vec::new(),
        Items::List { items, total } => {
            if total > MAX_ROWS {
                errors.push(field_err(
                    "dataValues",
                    format!("Tệp có {total} giá trị, quá giới hạn {MAX_ROWS}"),
                ));
                return Err(errors.list);
            }
            items
        }
        Items::Other(kind) => {
            errors.push(field_err(
                "dataValues",
                format!("Trường 'dataValues' phải là mảng, không phải {kind}"),
            ));
            Vec::new()
        }
    };
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let place = Place {
            sheet: None,
            row: i + 1,
            column: None,
        };
        match read_value(&header, item, &place) {
            Ok(r) => rows.push(r),
            Err(es) => {
                for (column, reason) in es {
                    let e = place.at(column).error(file_name, reason);
                    if !errors.push(e.of(field_problem(column))) {
                        break;
                    }
                }
                if errors.is_full() {
                    break;
                }
            }
        }
    }
    if errors.is_empty() {
        Ok((header, rows))
    } else {
        Err(errors.list)
    }
}

fn read_value(
    header: &DataValueSet,
    item: Item,
    place: &Place,
) -> Result<ValueRow, Vec<(&'static str, String)>> {
    let v = match item {
        Item::Value(v) => v,
        Item::Other(kind) => {
            return Err(vec![(
                "dataValues",
                format!("Mỗi giá trị phải là một đối tượng, không phải {kind}"),
            )])
        }
    };
    let mut errs: Vec<(&'static str, String)> = Vec::new();
    let mut text = |name: &'static str, f: Field, scalars: bool| match f.text(name, scalars) {
        Ok(v) => v,
        Err(reason) => {
            errs.push((name, reason));
            None
        }
    };
    let element = text("dataElement", v.data_element, false);
    let period = text("period", v.period, true).or_else(|| header.period.clone());
    let unit = text("orgUnit", v.org_unit, false).or_else(|| header.org_unit.clone());
    let coc = text("categoryOptionCombo", v.category_option_combo, false);
    let aoc = text("attributeOptionCombo", v.attribute_option_combo, false)
        .or_else(|| header.attribute_option_combo.clone());
    let value = text("value", v.value, true);
    let comment = text("comment", v.comment, false);
    let deleted = match v.deleted.flag("deleted") {
        Ok(d) => d.unwrap_or(false),
        Err(reason) => {
            errs.push(("deleted", reason));
            false
        }
    };
    if let Err(reason) = v.followup.flag("followup") {
        errs.push(("followup", reason));
    }
    let missing = "Thiếu giá trị bắt buộc".to_string();
    let bad = |errs: &[(&str, String)], n: &str| errs.iter().any(|(f, _)| *f == n);
    for (name, present) in [
        ("dataElement", element.is_some()),
        ("period", period.is_some()),
        ("orgUnit", unit.is_some()),
    ] {
        if !present && !bad(&errs, name) {
            errs.push((name, missing.clone()));
        }
    }
    if let Some(a) = aoc.as_deref().filter(|a| !is_default_combo(a)) {
        errs.push((
            "attributeOptionCombo",
            format!("Không hỗ trợ tổ hợp thuộc tính '{a}': bỏ trống hoặc ghi 'default'"),
        ));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    // DHIS2's rule: a value with neither a value nor a comment deletes the stored one.
    let deleted = deleted || (value.is_none() && comment.is_none());
    Ok(ValueRow {
        element: element.unwrap_or_default(),
        period: period.unwrap_or_default(),
        unit: unit.unwrap_or_default(),
        breakdown: coc.filter(|c| !is_default_combo(c)),
        value: value.unwrap_or_default(),
        comment,
        deleted,
        place: place.at("value"),
    })
}

/// The kind of a reader's error about a field of a value, by the field (DHIS2's names).
pub(crate) fn field_problem(field: &str) -> Problem {
    match field {
        "dataElement" | "dataelement" => Problem::Element,
        "period" => Problem::Period,
        "orgUnit" | "orgunit" => Problem::Unit,
        "categoryOptionCombo" | "categoryoptioncombo" => Problem::Breakdown,
        "attributeOptionCombo" | "attributeoptioncombo" => Problem::Attribute,
        "value" => Problem::Missing,
        "comment" => Problem::Comment,
        _ => Problem::Unreadable,
    }
}

/// DHIS2's dataValueSets JSON of these values, identified by code: the category option
/// combination is the breakdown option's code or `default`; `created` and `lastUpdated`
/// are both the time the value was stored.
pub fn write_dhis2_json(data_set: Option<&str>, rows: &[ExportRow]) -> Vec<u8> {
    let (mut out, close) = dhis2_json_frame(data_set);
    out.extend(dhis2_json_values(rows, true));
    out.extend(close);
    out
}

/// The frame of a streamed DHIS2 dataValueSets JSON: what comes before the values (up to and
/// with `"dataValues":[`) and after them (`]` and the rest of the object).
pub fn dhis2_json_frame(data_set: Option<&str>) -> (Vec<u8>, Vec<u8>) {
    let empty = DataValueSet {
        data_set: data_set.map(str::to_string),
        ..DataValueSet::default()
    };
    let text = serde_json::to_string(&empty).unwrap_or_else(|_| "{}".into());
    let marker = "\"dataValues\":[";
    match text.find(marker) {
        Some(i) => {
            let (open, close) = text.split_at(i + marker.len());
            (open.as_bytes().to_vec(), close.as_bytes().to_vec())
        }
        None => (b"{\"dataValues\":[".to_vec(), b"]}".to_vec()),
    }
}

/// Values of a streamed DHIS2 JSON, comma-separated (and after a comma unless `first`).
pub fn dhis2_json_values(rows: &[ExportRow], first: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 200);
    for (i, r) in rows.iter().enumerate() {
        if i > 0 || !first {
            out.push(b',');
        }
        let at = dhis2_timestamp(&r.stored_at);
        let v = Dhis2Value {
            data_element: r.element.clone(),
            period: Some(r.period.clone()),
            org_unit: Some(r.unit.clone()),
            category_option_combo: Some(r.breakdown.clone().unwrap_or_else(|| "default".into())),
            attribute_option_combo: Some("default".into()),
            value: Some(r.value.clone()),
            stored_by: Some(r.stored_by.clone()),
            created: Some(at.clone()),
            last_updated: Some(at),
            comment: r.comment.clone(),
            followup: Some(false),
            deleted: None,
        };
        if let Ok(bytes) = serde_json::to_vec(&v) {
            out.extend(bytes);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::Value;

    fn read(text: &str) -> Result<(DataValueSet, Vec<ValueRow>), Vec<FileError>> {
        read_dhis2_json("dv.json", text.as_bytes())
    }

    #[test]
    fn reads_values_with_header_defaults_and_numbers_as_text() {
        let text = r#"{
          "dataSet": "KT_XH", "period": "2023", "orgUnit": "58", "extra": [1, 2],
          "dataValues": [
            {"dataElement": "DS", "value": "596000", "comment": "sơ bộ"},
            {"dataElement": "DS", "period": "2023Q1", "orgUnit": "582",
             "categoryOptionCombo": "NU", "attributeOptionCombo": "default", "value": 12},
            {"dataElement": "TL", "categoryOptionCombo": "HllvX50cXC0", "value": 12.5,
             "followup": false, "storedBy": "an", "lastUpdated": "2024-01-01T00:00:00.000"},
            {"dataElement": "CO", "value": true},
            {"dataElement": "DS", "deleted": true}
          ]
        }"#;
        let (h, rows) = read(text).unwrap();
        assert_eq!(h.data_set.as_deref(), Some("KT_XH"));
        assert!(h.data_values.is_empty());
        let got: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.element.as_str(),
                    r.period.as_str(),
                    r.unit.as_str(),
                    r.breakdown.as_deref(),
                    r.value.as_str(),
                    r.deleted,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("DS", "2023", "58", None, "596000", false),
                ("DS", "2023Q1", "582", Some("NU"), "12", false),
                ("TL", "2023", "58", None, "12.5", false),
                ("CO", "2023", "58", None, "true", false),
                ("DS", "2023", "58", None, "", true),
            ]
        );
        assert_eq!(rows[0].comment.as_deref(), Some("sơ bộ"));
        assert_eq!(
            rows[2].place,
            Place {
                sheet: None,
                row: 3,
                column: Some("value".into())
            }
        );
    }

    #[test]
    fn serde_accepts_numbers_for_value() {
        let v: Dhis2Value =
            serde_json::from_str(r#"{"dataElement":"A","value":12.0,"unknown":1}"#).unwrap();
        assert_eq!(v.value.as_deref(), Some("12"));
        let v: Dhis2Value = serde_json::from_str(r#"{"dataElement":"A","value":0.1}"#).unwrap();
        assert_eq!(v.value.as_deref(), Some("0.1"));
        assert!(serde_json::from_str::<Dhis2Value>(r#"{"value":[1]}"#).is_err());
    }

    #[test]
    fn every_bad_value_is_reported_with_index_and_field() {
        let text = r#"{"dataValues": [
            {"dataElement": "DS", "period": "2023", "orgUnit": "58", "value": "1"},
            {"period": "2023", "orgUnit": "58", "value": "1"},
            {"dataElement": "DS", "period": "2023", "orgUnit": "58", "value": [1]},
            {"dataElement": "DS", "period": "2023", "orgUnit": "58", "value": "1",
             "attributeOptionCombo": "KHAC"},
            "nonsense",
            {"dataElement": "DS", "orgUnit": 58, "value": "1", "deleted": "maybe"}
        ]}"#;
        let e = read(text).unwrap_err();
        let at: Vec<_> = e.iter().map(|e| (e.row, e.column.as_deref())).collect();
        assert_eq!(
            at,
            [
                (2, Some("dataElement")),
                (3, Some("value")),
                (4, Some("attributeOptionCombo")),
                (5, Some("dataValues")),
                (6, Some("orgUnit")),
                (6, Some("deleted")),
                (6, Some("period")),
            ]
        );
        assert_eq!(e[0].reason, "Thiếu giá trị bắt buộc");
        assert!(e[1].reason.contains("mảng"), "{}", e[1].reason);
        assert_eq!(
            e[0].to_string(),
            "dv.json, dòng 2, cột dataElement: Thiếu giá trị bắt buộc"
        );
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let e =
            read("{\n  \"dataValues\": [\n    {\"dataElement\": \"DS\",, }\n  ]\n}").unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].row, e[0].column.as_deref()), (3, Some("26")));
        assert!(e[0].reason.contains("dòng 3, cột 26"), "{}", e[0].reason);
        let e = read("{\"dataValues\": [").unwrap_err();
        assert!(e[0].reason.contains("giữa chừng"));
        let e = read("[1, 2]").unwrap_err();
        assert!(e[0].reason.contains("đối tượng"));
        let e = read(r#"{"dataValues": {"a": 1}, "period": {}}"#).unwrap_err();
        let cols: Vec<_> = e.iter().map(|e| e.column.as_deref()).collect();
        assert_eq!(cols, [Some("period"), Some("dataValues")]);
    }

    #[test]
    fn deep_nesting_and_garbage_do_not_panic() {
        let deep = "[".repeat(100_000);
        assert!(read(&deep).is_err());
        assert!(read_dhis2_json("x.json", b"\xff\xfe\x00").is_err());
        assert!(read("").is_err());
        let (_, rows) = read(r#"{"dataValues": []}"#).unwrap();
        assert!(rows.is_empty());
    }

    #[test]
    fn writes_dhis2_json_that_reads_back() {
        let at = Utc.with_ymd_and_hms(2024, 3, 1, 10, 11, 12).unwrap();
        let rows = [
            ExportRow {
                element: "DS".into(),
                period: "2023".into(),
                unit: "58".into(),
                breakdown: None,
                value: "596000".into(),
                comment: None,
                source: "web".into(),
                stored_by: "an".into(),
                stored_at: at,
            },
            ExportRow {
                element: "DS".into(),
                period: "202301".into(),
                unit: "582".into(),
                breakdown: Some("NU".into()),
                value: "1.5".into(),
                comment: Some("ghi chú".into()),
                source: "api".into(),
                stored_by: "binh".into(),
                stored_at: at,
            },
        ];
        let bytes = write_dhis2_json(Some("KT_XH"), &rows);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "dataSet": "KT_XH",
                "dataValues": [
                    {"dataElement": "DS", "period": "2023", "orgUnit": "58",
                     "categoryOptionCombo": "default", "attributeOptionCombo": "default",
                     "value": "596000", "storedBy": "an",
                     "created": "2024-03-01T10:11:12.000",
                     "lastUpdated": "2024-03-01T10:11:12.000", "followup": false},
                    {"dataElement": "DS", "period": "202301", "orgUnit": "582",
                     "categoryOptionCombo": "NU", "attributeOptionCombo": "default",
                     "value": "1.5", "storedBy": "binh",
                     "created": "2024-03-01T10:11:12.000",
                     "lastUpdated": "2024-03-01T10:11:12.000", "comment": "ghi chú",
                     "followup": false}
                ]
            })
        );
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(r#"{"dataSet":"KT_XH","dataValues":[{"dataElement":"DS","#));
        let (h, back) = read_dhis2_json("x.json", &bytes).unwrap();
        assert_eq!(h.data_set.as_deref(), Some("KT_XH"));
        assert_eq!(back[1].breakdown.as_deref(), Some("NU"));
        assert_eq!(back[1].comment.as_deref(), Some("ghi chú"));
        let none = write_dhis2_json(None, &[]);
        assert_eq!(none, br#"{"dataValues":[]}"#);
    }
}
