//! DHIS2's XML data value sets: DXF2 (`<dataValueSet … ><dataValue dataElement=… period=…
//! orgUnit=… value=… /></dataValueSet>`, the set's `period`, `orgUnit`,
//! `attributeOptionCombo` applying to values lacking their own) and ADX (`<adx><group
//! dataSet=… period="2024-01-01/P1Y" orgUnit=…><dataValue dataElement=… value=…
//! BREAKDOWN="OPTION"/></group></adx>`, identified by code, the breakdown given as an
//! attribute named after it). A value's place: row = its 1-based position among the file's
//! values, column = the attribute.

use super::json::{field_problem, DataValueSet};
use crate::values::{is_default_combo, Errors, Place, ValueRow, MAX_ROWS};
use crate::{FileError, Problem};
use chrono::{Datelike, NaiveDate};
use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeMap;

/// Which XML a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlKind {
    /// DHIS2's DXF2 `dataValueSet`.
    Dxf2,
    /// ADX (ISO 9000 aggregate data exchange).
    Adx,
}

fn attrs(
    e: &BytesStart<'_>,
    decoder: quick_xml::encoding::Decoder,
) -> Result<BTreeMap<String, String>, String> {
    let mut m = BTreeMap::new();
    for a in e.attributes() {
        let a = a.map_err(|e| format!("thuộc tính XML không đọc được: {e}"))?;
        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).to_string();
        let v = a
            .decode_and_unescape_value(decoder)
            .map_err(|e| format!("thuộc tính {key} không đọc được: {e}"))?;
        m.insert(key, v.trim().to_string());
    }
    Ok(m)
}

fn nonempty(m: &BTreeMap<String, String>, k: &str) -> Option<String> {
    m.get(k).filter(|v| !v.is_empty()).cloned()
}

/// An ADX period (`start/duration`, ISO 8601) as DHIS2's period id: `2024-01-01/P1Y` →
/// `2024`, `/P3M` → `2024Q1`, `/P6M` → `2024S1`, `/P1M` → `202401`, `/P7D` → `2024W1`,
/// `/P1D` → `20240101`.
pub fn adx_period(s: &str) -> Option<String> {
    let (start, dur) = s.split_once('/')?;
    let d = NaiveDate::parse_from_str(start.trim(), "%Y-%m-%d").ok()?;
    let (y, m) = (d.year(), d.month());
    match dur.trim() {
        "P1Y" if (m, d.day()) == (1, 1) => Some(format!("{y}")),
        "P6M" if d.day() == 1 && (m == 1 || m == 7) => Some(format!("{y}S{}", m / 6 + 1)),
        "P3M" if d.day() == 1 && (m - 1) % 3 == 0 => Some(format!("{y}Q{}", (m - 1) / 3 + 1)),
        "P1M" if d.day() == 1 => Some(format!("{y}{m:02}")),
        "P7D" | "P1W" if d.weekday() == chrono::Weekday::Mon => {
            let w = d.iso_week();
            Some(format!("{}W{}", w.year(), w.week()))
        }
        "P1D" => Some(d.format("%Y%m%d").to_string()),
        _ => None,
    }
}

/// Read a DXF2 or ADX file of data values (which one, from its root element).
pub fn read_dhis2_xml(
    file_name: &str,
    bytes: &[u8],
) -> Result<(XmlKind, DataValueSet, Vec<ValueRow>), Vec<FileError>> {
    crate::values::check_size_under(file_name, bytes, crate::values::MAX_TEXT_FILE_BYTES)
        .map_err(|e| vec![e])?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let whole =
        |reason: String| vec![FileError::whole_file(file_name, reason).of(Problem::Unreadable)];
    let text =
        std::str::from_utf8(bytes).map_err(|_| whole("Tệp XML không phải văn bản UTF-8".into()))?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut kind = None;
    let mut set = DataValueSet::default();
    // The current ADX group's attributes.
    let mut group: BTreeMap<String, String> = BTreeMap::new();
    let mut rows = Vec::new();
    let mut errors = Errors::default();
    let mut n = 0usize;
    loop {
        let ev = reader.read_event().map_err(|e| {
            whole(format!(
                "Tệp XML không hợp lệ ở byte {}: {e}",
                reader.error_position()
            ))
        })?;
        let (e, _empty) = match &ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::Eof => break,
            _ => continue,
        };
        let name = String::from_utf8_lossy(e.local_name().as_ref()).to_string();
        let a = attrs(e, reader.decoder()).map_err(whole)?;
        match (kind, name.as_str()) {
            (None, "dataValueSet") => {
                kind = Some(XmlKind::Dxf2);
                set.data_set = nonempty(&a, "dataSet");
                set.complete_date = nonempty(&a, "completeDate");
                set.period = nonempty(&a, "period");
                set.org_unit = nonempty(&a, "orgUnit");
                set.attribute_option_combo = nonempty(&a, "attributeOptionCombo");
            }
            (None, "adx") => kind = Some(XmlKind::Adx),
            (None, other) => {
                return Err(whole(format!(
                    "Phần tử gốc <{other}> không phải <dataValueSet> (DXF2) hay <adx>"
                )))
            }
            (Some(XmlKind::Adx), "group") => {
                group = a;
                if set.data_set.is_none() {
                    set.data_set = nonempty(&group, "dataSet");
                }
            }
            (Some(k), "dataValue") => {
                n += 1;
                if n > MAX_ROWS {
                    errors.push(FileError::whole_file(
                        file_name,
                        format!("Tệp có quá {MAX_ROWS} giá trị"),
                    ));
                    break;
                }
                let place = Place {
                    sheet: None,
                    row: n,
                    column: None,
                };
                match read_value(k, &set, &group, &a, &place) {
                    Ok(r) => rows.push(r),
                    Err(es) => {
                        for (column, reason) in es {
                            let problem = field_problem(&column);
                            if !errors.push(place.at(column).error(file_name, reason).of(problem)) {
                                break;
                            }
                        }
                        if errors.is_full() {
                            break;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let Some(kind) = kind else {
        return Err(whole(
            "Tệp XML trống: không có <dataValueSet> hay <adx>".into(),
        ));
    };
    if errors.is_empty() {
        Ok((kind, set, rows))
    } else {
        Err(errors.list)
    }
}

/// ADX's attributes of a data value that are not a breakdown.
const ADX_FIXED: &[&str] = &["dataElement", "value", "comment", "deleted", "annotation"];

fn read_value(
    kind: XmlKind,
    set: &DataValueSet,
    group: &BTreeMap<String, String>,
    a: &BTreeMap<String, String>,
    place: &Place,
) -> Result<ValueRow, Vec<(String, String)>> {
    let mut errs: Vec<(String, String)> = Vec::new();
    let missing = "Thiếu giá trị bắt buộc".to_string();
    let element = nonempty(a, "dataElement");
    let (period, unit, coc, aoc) = match kind {
        XmlKind::Dxf2 => (
            nonempty(a, "period").or_else(|| set.period.clone()),
            nonempty(a, "orgUnit").or_else(|| set.org_unit.clone()),
            nonempty(a, "categoryOptionCombo"),
            nonempty(a, "attributeOptionCombo").or_else(|| set.attribute_option_combo.clone()),
        ),
        XmlKind::Adx => {
            let period = match nonempty(group, "period") {
                Some(p) => {
                    match adx_period(&p) {
                        Some(id) => Some(id),
                        None => {
                            errs.push((
                            "period".into(),
                            format!("'{p}' không phải kỳ ADX (ví dụ 2024-01-01/P1Y, 2024-04-01/P3M)"),
                        ));
                            Some(p)
                        }
                    }
                }
                None => None,
            };
            // A breakdown is an attribute named after it, whose value is the option.
            let options: Vec<&String> = a
                .iter()
                .filter(|(k, _)| !ADX_FIXED.contains(&k.as_str()))
                .map(|(_, v)| v)
                .collect();
            if options.len() > 1 {
                errs.push((
                    "categoryOptionCombo".into(),
                    "chiso phân tổ mỗi chỉ tiêu theo một phân tổ: chỉ một thuộc tính phân tổ"
                        .into(),
                ));
            }
            let group_aoc = group
                .iter()
                .find(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "dataSet" | "period" | "orgUnit" | "completeDate"
                    )
                })
                .map(|(k, v)| format!("{k}={v}"));
            (
                period,
                nonempty(group, "orgUnit"),
                options.first().map(|s| s.to_string()),
                group_aoc,
            )
        }
    };
    for (name, present) in [
        ("dataElement", element.is_some()),
        ("period", period.is_some()),
        ("orgUnit", unit.is_some()),
    ] {
        if !present {
            errs.push((name.into(), missing.clone()));
        }
    }
    if let Some(x) = aoc.as_deref().filter(|x| !is_default_combo(x)) {
        errs.push((
            "attributeOptionCombo".into(),
            format!("Không hỗ trợ tổ hợp thuộc tính '{x}': bỏ trống hoặc ghi 'default'"),
        ));
    }
    let deleted = match a.get("deleted").map(|d| d.to_ascii_lowercase()) {
        None => false,
        Some(d) if d.is_empty() || d == "false" => false,
        Some(d) if d == "true" => true,
        Some(d) => {
            errs.push((
                "deleted".into(),
                format!("'{d}' không phải true hoặc false"),
            ));
            false
        }
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    let value = nonempty(a, "value");
    let comment = nonempty(a, "comment");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dxf2_with_the_sets_defaults() {
        let x = r#"<?xml version="1.0" encoding="UTF-8"?>
<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0" dataSet="BM_CDS_XA" completeDate="2026-12-20"
              period="2026" orgUnit="2025-22759">
  <dataValue dataElement="VB_DEN" value="1520"/>
  <dataValue dataElement="VB_XL_MANG" categoryOptionCombo="HllvX50cXC0" value="1498" comment="từ QLVB &amp; ký số"/>
  <dataValue dataElement="CB_TONG" period="2025" orgUnit="2025-22738" value="12"></dataValue>
  <dataValue dataElement="CB_KY_SO"/>
</dataValueSet>"#;
        let (k, set, rows) = read_dhis2_xml("a.xml", x.as_bytes()).unwrap();
        assert_eq!(k, XmlKind::Dxf2);
        assert_eq!(set.complete_date.as_deref(), Some("2026-12-20"));
        assert_eq!(set.data_set.as_deref(), Some("BM_CDS_XA"));
        assert_eq!(rows.len(), 4);
        assert_eq!(
            (rows[0].period.as_str(), rows[0].unit.as_str()),
            ("2026", "2025-22759")
        );
        assert_eq!(rows[1].comment.as_deref(), Some("từ QLVB & ký số"));
        assert_eq!(rows[1].breakdown, None);
        assert_eq!(
            (rows[2].period.as_str(), rows[2].unit.as_str()),
            ("2025", "2025-22738")
        );
        assert!(rows[3].deleted);
        assert_eq!(rows[2].place.row, 3);
    }

    #[test]
    fn reads_adx_periods_and_breakdowns() {
        let x = r#"<adx xmlns="urn:ihe:qrph:adx:2015">
  <group dataSet="BM_CDS_XA" period="2026-01-01/P1Y" orgUnit="2025-22759">
    <dataValue dataElement="VB_DEN" value="10"/>
    <dataValue dataElement="DVC" DVC_THIET_YEU="DV01" value="3"/>
  </group>
</adx>"#;
        let (k, _, rows) = read_dhis2_xml("a.adx", x.as_bytes()).unwrap();
        assert_eq!(k, XmlKind::Adx);
        assert_eq!(rows[0].period, "2026");
        assert_eq!(rows[1].breakdown.as_deref(), Some("DV01"));
        assert_eq!(adx_period("2024-04-01/P3M").as_deref(), Some("2024Q2"));
        assert_eq!(adx_period("2024-07-01/P6M").as_deref(), Some("2024S2"));
        assert_eq!(adx_period("2024-03-01/P1M").as_deref(), Some("202403"));
        assert_eq!(adx_period("2024-03-02/P1M"), None);
    }

    #[test]
    fn errors_name_the_value_and_attribute() {
        let x = r#"<dataValueSet><dataValue period="2026" orgUnit="58" value="1"/>
<dataValue dataElement="A" value="1"/></dataValueSet>"#;
        let e = read_dhis2_xml("a.xml", x.as_bytes()).unwrap_err();
        let at: Vec<_> = e
            .iter()
            .map(|e| (e.row, e.column.as_deref(), e.problem))
            .collect();
        assert_eq!(
            at,
            vec![
                (1, Some("dataElement"), Problem::Element),
                (2, Some("period"), Problem::Period),
                (2, Some("orgUnit"), Problem::Unit),
            ]
        );
        assert!(read_dhis2_xml("a.xml", b"<foo/>").is_err());
        assert!(read_dhis2_xml("a.xml", b"<dataValueSet><dataValue").is_err());
    }
}
