//! DHIS2's data value export at DHIS2's paths (`/api/dataValueSets`, `.json`, `.csv`), with
//! DHIS2's parameters in their repeated and comma-separated forms.

use super::message::{say, Dhis2Error};
use super::meta::pairs;
use crate::api::imports::{stream_export, ExportFilter, ExportFormat};
use crate::auth::{require, Action, Who};
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chiso_core::{Code, Convention, Period, PeriodType};
use chiso_io::Problem;
use chiso_store::ValueQuery;
use chrono::{DateTime, NaiveDate, Utc};

/// DHIS2's conflict code for a kind of import error.
pub(crate) fn conflict_code(p: Problem) -> Option<&'static str> {
    Some(match p {
        Problem::Element => "E7610",
        Problem::Period => "E7611",
        Problem::Unit => "E7612",
        Problem::Breakdown => "E7613",
        Problem::Attribute => "E7615",
        Problem::NoRight => "E7617",
        Problem::Missing => "E7618",
        Problem::Value => "E7619",
        Problem::Comment => "E7620",
        Problem::Expired => "E7640",
        Problem::Approved => "E7642",
        Problem::NotOpen => "E7643",
        Problem::Unreadable | Problem::Rule | Problem::Duplicate | Problem::Other => return None,
    })
}

/// Every value of the parameters named, split at commas and semicolons, blanks left out.
pub(crate) fn list<'a>(q: &'a [(String, String)], names: &[&str]) -> Vec<&'a str> {
    q.iter()
        .filter(|(k, _)| names.contains(&k.as_str()))
        .flat_map(|(_, v)| v.split([',', ';']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

pub(crate) fn last<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

pub(crate) fn is_true(q: &[(String, String)], name: &str) -> bool {
    last(q, name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// DHIS2's identifier schemes: chiso's identifiers are its codes, and its ids are its codes,
/// so CODE and UID (and ID) name the same thing; NAME and ATTRIBUTE are refused by name.
pub(crate) fn check_schemes(q: &[(String, String)]) -> Result<(), Dhis2Error> {
    for (k, v) in q {
        if k.ends_with("IdScheme") || k == "idScheme" {
            let up = v.trim().to_ascii_uppercase();
            if !matches!(up.as_str(), "CODE" | "UID" | "ID" | "") {
                return Err(Dhis2Error::conflict(
                    "E1003",
                    say(
                        format!("{k}={v}: chưa hỗ trợ; chiso nhận mọi thứ theo mã, hãy dùng CODE (UID cũng là mã)"),
                        format!("{k}={v} is not supported: chiso identifies everything by its code; use CODE (or UID, the same)"),
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A `lastUpdatedDuration` (`2d`, `3h`, `30m`, `10s`, `1w`).
pub(crate) fn duration(s: &str) -> Option<chrono::Duration> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok()?;
    match unit {
        "w" => chrono::Duration::try_weeks(n),
        "d" => chrono::Duration::try_days(n),
        "h" => chrono::Duration::try_hours(n),
        "m" => chrono::Duration::try_minutes(n),
        "s" => chrono::Duration::try_seconds(n),
        _ => None,
    }
}

/// A date or a DHIS2 timestamp (`2024-03-01`, `2024-03-01T10:11:12.000`, with a zone or not),
/// as UTC.
pub(crate) fn timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc());
        }
    }
    None
}

/// What an export reads, once the request is checked: the data set's code (DHIS2's JSON
/// names it when there is one), the values' query, and what is filtered as values stream.
pub(crate) async fn export_request(
    st: &AppState,
    who: &Who,
    q: &[(String, String)],
) -> Result<(Option<String>, ValueQuery, ExportFilter), Dhis2Error> {
    check_schemes(q)?;
    if !list(q, &["dataElementGroup"]).is_empty() {
        return Err(Dhis2Error::conflict(
            "E1003",
            say(
                "dataElementGroup: chưa hỗ trợ vì chiso không có nhóm chỉ tiêu; hãy ghi biểu mẫu (dataSet) hoặc các chỉ tiêu (dataElement)",
                "dataElementGroup is not supported: chiso has no data element groups; name the data set (dataSet) or the data elements (dataElement)",
            ),
        ));
    }
    let code = |param: &'static str, s: &str| {
        Code::parse(s).map_err(|_| {
            Dhis2Error::conflict(
                "E1003",
                say(
                    format!("{param}: `{s}` không phải là mã (chỉ gồm chữ A-Z, chữ số, '_', '-' hoặc '.')"),
                    format!("{param}: `{s}` is not a code (letters A-Z, digits, '_', '-' or '.')"),
                ),
            )
        })
    };
    let mut data_sets = Vec::new();
    for d in list(q, &["dataSet"]) {
        let c = code("dataSet", d)?;
        let ds = chiso_collect::data_set(st.store.as_ref(), &c)
            .await
            .map_err(|_| {
                Dhis2Error::conflict(
                    "E7600",
                    say(
                        format!("dataSet: không có biểu mẫu `{d}`, hoặc bạn không được xem"),
                        format!("Data set not found or not accessible: `{d}`"),
                    ),
                )
            })?;
        data_sets.push(ds);
    }
    let mut elements: Vec<Code> = data_sets.iter().flat_map(|d| d.elements.clone()).collect();
    let known = st.app.read().await;
    for e in list(q, &["dataElement"]) {
        let c = code("dataElement", e)?;
        if !known.has_element(c.as_str()) {
            return Err(Dhis2Error::conflict(
                "E1100",
                say(
                    format!("dataElement: không có chỉ tiêu `{e}`, hoặc bạn không được xem"),
                    format!("Data element not found or not accessible: `{e}`"),
                ),
            ));
        }
        elements.push(c);
    }
    elements.sort();
    elements.dedup();
    let mut units: Vec<Code> = Vec::new();
    for u in list(q, &["orgUnit"]) {
        let c = code("orgUnit", u)?;
        if !known.tree().contains(c.as_str()) {
            return Err(Dhis2Error::conflict(
                "E1102",
                say(
                    format!("orgUnit: không có đơn vị `{u}`, hoặc bạn không được xem"),
                    format!("Organisation unit not found or not accessible: `{u}`"),
                ),
            ));
        }
        units.push(c);
    }
    let group_codes = list(q, &["orgUnitGroup"]);
    let has_groups = !group_codes.is_empty();
    for g in group_codes {
        let c = code("orgUnitGroup", g)?;
        let members = known.group_members(&c).map_err(|_| {
            Dhis2Error::conflict(
                "E1102",
                say(
                    format!("orgUnitGroup: không có nhóm đơn vị `{g}`"),
                    format!("Organisation unit group not found: `{g}`"),
                ),
            )
        })?;
        units.extend(members);
    }
    drop(known);
    let children = is_true(q, "children") || is_true(q, "includeDescendants");
    if children && has_groups {
        return Err(Dhis2Error::conflict(
            "E2007",
            say(
                "children: không lấy được đơn vị cấp dưới của nhóm đơn vị (orgUnitGroup); hãy bỏ children hoặc ghi từng đơn vị (orgUnit)",
                "Organisation unit children cannot be included for organisation unit groups",
            ),
        ));
    }
    let mut periods: Vec<Period> = list(q, &["period"])
        .into_iter()
        .map(|p| {
            Period::parse(p).map_err(|_| {
                Dhis2Error::conflict(
                    "E1101",
                    say(
                        format!(
                            "period: `{p}` không phải là kỳ (ví dụ 2024, 2024S1, 2024Q1, 202403)"
                        ),
                        format!("Period is invalid: `{p}`"),
                    ),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let day = |name: &str| -> Result<Option<NaiveDate>, Dhis2Error> {
        last(q, name)
            .map(|s| {
                timestamp(s).map(|t| t.date_naive()).ok_or_else(|| {
                    Dhis2Error::conflict(
                        "E1003",
                        say(
                            format!("{name}: `{s}` không phải là ngày (YYYY-MM-DD)"),
                            format!("{name}: `{s}` is not a date (YYYY-MM-DD)"),
                        ),
                    )
                })
            })
            .transpose()
    };
    let (start, end) = (day("startDate")?, day("endDate")?);
    let since = match (last(q, "lastUpdated"), last(q, "lastUpdatedDuration")) {
        (Some(s), _) => Some(timestamp(s).ok_or_else(|| {
            Dhis2Error::conflict(
                "E1003",
                say(
                    format!("lastUpdated: `{s}` không phải là ngày hay thời điểm (YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM:SS)"),
                    format!("lastUpdated: `{s}` is not a date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)"),
                ),
            )
        })?),
        (None, Some(d)) => Some(
            Utc::now()
                - duration(d).ok_or_else(|| {
                    Dhis2Error::conflict(
                        "E2005",
                        say(
                            format!("lastUpdatedDuration: `{d}` không phải là khoảng thời gian (ví dụ 30m, 3h, 2d, 1w)"),
                            format!("Duration is not valid: `{d}` (e.g. 30m, 3h, 2d, 1w)"),
                        ),
                    )
                })?,
        ),
        (None, None) => None,
    };
    if elements.is_empty() {
        return Err(Dhis2Error::conflict(
            "E2001",
            "Cần ít nhất một chỉ tiêu, biểu mẫu hoặc nhóm chỉ tiêu (dataElement, dataSet) / At least one data element, data set or data element group must be specified",
        ));
    }
    if !periods.is_empty() && (start.is_some() || end.is_some()) {
        return Err(Dhis2Error::conflict(
            "E2003",
            "Không thể vừa ghi kỳ vừa ghi ngày bắt đầu/kết thúc / Both periods and start/end date cannot be specified",
        ));
    }
    if periods.is_empty() && (start.is_none() || end.is_none()) && since.is_none() {
        return Err(Dhis2Error::conflict(
            "E2002",
            "Cần ít nhất một kỳ hợp lệ, ngày bắt đầu và kết thúc, lastUpdated hoặc lastUpdatedDuration / At least one valid period, start/end dates, last updated or last updated duration must be specified",
        ));
    }
    if units.is_empty() {
        return Err(Dhis2Error::conflict(
            "E2006",
            "Cần ít nhất một đơn vị hoặc nhóm đơn vị (orgUnit, orgUnitGroup) / At least one organisation unit or organisation unit group must be specified",
        ));
    }
    let refs: Vec<&str> = units.iter().map(|u| u.as_str()).collect();
    require(st, who, Action::Read, &refs)
        .await
        .map_err(Dhis2Error::from)?;
    if let (Some(start), Some(end)) = (start, end) {
        if start > end {
            return Err(Dhis2Error::conflict(
                "E2004",
                "Ngày bắt đầu phải trước ngày kết thúc / Start date must be before end date",
            ));
        }
        // Every period inside the dates: of the data sets' types, or of every type.
        let types: Vec<(PeriodType, Convention)> = if data_sets.is_empty() {
            PeriodType::ALL
                .iter()
                .map(|t| (*t, Convention::Calendar))
                .collect()
        } else {
            data_sets
                .iter()
                .map(|d| (d.period_type, d.convention))
                .collect()
        };
        for (t, conv) in types {
            let mut p = Period::of_type_containing(t, start, conv);
            while let Some(x) = p {
                if x.start_in(conv) > end || periods.len() > 20_000 {
                    break;
                }
                if x.start_in(conv) >= start && x.end_in(conv) <= end {
                    periods.push(x);
                }
                p = x.next();
            }
        }
        periods.sort();
        periods.dedup();
        if periods.is_empty() {
            // No period lies inside the dates: nothing to read.
            elements.clear();
        }
    }
    let limit = last(q, "limit")
        .map(|l| {
            l.parse::<usize>().map_err(|_| {
                Dhis2Error::conflict(
                    "E2009",
                    say(
                        format!("limit: `{l}` phải là số nguyên từ 0 trở lên"),
                        format!("Limit cannot be less than zero: `{l}`"),
                    ),
                )
            })
        })
        .transpose()?;
    let query = ValueQuery {
        elements,
        units,
        descendants: children,
        periods,
        ..Default::default()
    };
    let ds = match data_sets.as_slice() {
        [one] => Some(one.code.to_string()),
        _ => None,
    };
    Ok((ds, query, ExportFilter { since, limit }))
}

async fn export(
    st: AppState,
    who: Who,
    raw: Option<String>,
    format: ExportFormat,
) -> Result<Response, Dhis2Error> {
    let q = pairs(raw.as_deref())?;
    let (ds, values, filter) = export_request(&st, &who, &q).await?;
    let (ds, content_type) = match format {
        ExportFormat::Dhis2Csv => (None, "application/csv; charset=utf-8"),
        _ => (ds, "application/json; charset=utf-8"),
    };
    let nothing = values.elements.is_empty();
    let mut resp = if nothing {
        // Dates with no period inside: an empty set.
        let empty = match format {
            ExportFormat::Dhis2Csv => chiso_io::csv_values::write_dhis2_csv(&[]),
            _ => chiso_io::dhis2::write_dhis2_json(ds.as_deref(), &[]),
        };
        axum::body::Body::from(empty).into_response()
    } else {
        stream_export(st.store.clone(), values, format, ds, filter).into_response()
    };
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(resp)
}

/// DHIS2's data value export as JSON. `dataSet` or `dataElement`, `period` (or `startDate`
/// and `endDate`, or `lastUpdated`/`lastUpdatedDuration`) and `orgUnit` or `orgUnitGroup`
/// are required, as in DHIS2; each may repeat or list several, comma-separated.
#[utoipa::path(get, path = "/api/dataValueSets", tag = "dhis2",
    params(("dataSet" = Option<Vec<String>>, Query, description = "data sets (repeat or comma-separate)"),
           ("dataElement" = Option<Vec<String>>, Query, description = "data elements"),
           ("period" = Option<Vec<String>>, Query, description = "periods"),
           ("startDate" = Option<String>, Query, description = "instead of periods: every period inside the dates"),
           ("endDate" = Option<String>, Query),
           ("orgUnit" = Option<Vec<String>>, Query, description = "units"),
           ("orgUnitGroup" = Option<Vec<String>>, Query, description = "the members of unit groups"),
           ("children" = Option<bool>, Query, description = "also the units below"),
           ("lastUpdated" = Option<String>, Query, description = "only values stored since then"),
           ("lastUpdatedDuration" = Option<String>, Query, description = "only values stored within, e.g. 2d, 3h"),
           ("limit" = Option<u32>, Query, description = "at most this many values")),
    responses((status = 200, description = "a dataValueSet", content_type = "application/json"), (status = 409, description = "DHIS2 web message")))]
pub(crate) async fn dvs_get_json(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Dhis2Error> {
    export(st, who, raw, ExportFormat::Dhis2Json).await
}

/// The same as `GET /api/dataValueSets` (DHIS2 clients add the extension).
#[utoipa::path(get, path = "/api/dataValueSets.json", tag = "dhis2",
    responses((status = 200, description = "a dataValueSet", content_type = "application/json"), (status = 409, description = "DHIS2 web message")))]
pub(crate) async fn dvs_get_json_ext(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Dhis2Error> {
    export(st, who, raw, ExportFormat::Dhis2Json).await
}

/// DHIS2's data value export as CSV (DHIS2's columns), with the parameters of
/// `GET /api/dataValueSets`.
#[utoipa::path(get, path = "/api/dataValueSets.csv", tag = "dhis2",
    responses((status = 200, description = "CSV", content_type = "application/csv"), (status = 409, description = "DHIS2 web message")))]
pub(crate) async fn dvs_get_csv(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Dhis2Error> {
    export(st, who, raw, ExportFormat::Dhis2Csv).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_timestamps_read_as_dhis2_writes_them() {
        assert_eq!(duration("2d"), chrono::Duration::try_days(2));
        assert_eq!(duration("90m"), chrono::Duration::try_minutes(90));
        assert_eq!(duration("2x"), None);
        assert_eq!(duration("d"), None);
        assert!(timestamp("2024-03-01").is_some());
        assert!(timestamp("2024-03-01T10:11:12.000").is_some());
        assert!(timestamp("2024-03-01T10:11:12+07:00").is_some());
        assert!(timestamp("01/03/2024").is_none());
    }

    #[test]
    fn repeated_and_comma_separated_parameters_are_one_list() {
        let q: Vec<(String, String)> = vec![
            ("period".into(), "202401".into()),
            ("period".into(), "202402,202403".into()),
            ("orgUnit".into(), "58;5801".into()),
        ];
        assert_eq!(list(&q, &["period"]), vec!["202401", "202402", "202403"]);
        assert_eq!(list(&q, &["orgUnit"]), vec!["58", "5801"]);
    }
}
