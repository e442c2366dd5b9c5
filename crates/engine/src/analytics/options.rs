//! DHIS2's analytics options: what the answer holds (`skipMeta`, `skipData`, `includeNumDen`,
//! `showHierarchy`), how values are written (`skipRounding`) and named (`outputIdScheme`),
//! their order (`order`). Options chiso does not answer are refused by name
//! ([`QueryError::Unsupported`]), never ignored.

use super::QueryError;

/// How items are identified in rows and metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdScheme {
    /// The id, which in chiso is the code (DHIS2's UID and CODE alike).
    #[default]
    Id,
    /// The name, in the answer's language.
    Name,
}

/// Rows ordered by their value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Ascending,
    Descending,
}

/// The options of an answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Options {
    /// Full precision (DHIS2 rounds: an indicator to its decimals, anything else to two).
    pub skip_rounding: bool,
    /// No metadata.
    pub skip_meta: bool,
    /// No rows.
    pub skip_data: bool,
    /// The numerator, denominator, factor, multiplier and divisor after the value.
    pub include_num_den: bool,
    /// Each unit's path of ancestors in the metadata (`ouHierarchy`, `ouNameHierarchy`).
    pub show_hierarchy: bool,
    pub id_scheme: IdScheme,
    pub order: Option<SortOrder>,
    /// The view the figures are read in (`view=official|live`; none: live, as before).
    pub view: Option<crate::View>,
}

fn flag(param: &'static str, v: &str) -> Result<bool, QueryError> {
    match v.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" | "" => Ok(false),
        _ => Err(QueryError::BadOption {
            param,
            value: v.to_string(),
            allowed: "true or false",
        }),
    }
}

/// Options DHIS2 clients send that chiso does not answer, and why.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("columns", "table layouts are not supported; leave columns, rows and tableLayout out and read the rows"),
    ("rows", "table layouts are not supported; leave columns, rows and tableLayout out and read the rows"),
    ("tableLayout", "table layouts are not supported; leave columns, rows and tableLayout out and read the rows"),
    ("measureCriteria", "filtering rows by their value is not supported"),
    ("preAggregationMeasureCriteria", "filtering values before aggregation is not supported"),
    ("approvalLevel", "approval levels are not supported; chiso reads every stored value"),
    ("userOrgUnit", "userOrgUnit is not supported; USER_ORGUNIT is the units of the token's or session's roles"),
    ("startDate", "start and end dates are not supported; name the periods in pe"),
    ("endDate", "start and end dates are not supported; name the periods in pe"),
    ("timeField", "time fields are not supported"),
    ("orgUnitField", "org unit fields are not supported"),
    ("completedOnly", "completedOnly is not supported; values are read whether or not their report is complete"),
    ("hierarchyMeta", "hierarchyMeta is not supported; use showHierarchy=true"),
    ("includeMetadataDetails", "includeMetadataDetails is not supported"),
    ("enhancedConditions", "enhanced conditions are not supported"),
];

impl Options {
    /// Read one parameter into the options. `Ok(true)` when the parameter is an option.
    pub(super) fn read(&mut self, k: &str, v: &str) -> Result<bool, QueryError> {
        match k {
            "skipRounding" => self.skip_rounding = flag("skipRounding", v)?,
            "skipMeta" => self.skip_meta = flag("skipMeta", v)?,
            "skipData" => self.skip_data = flag("skipData", v)?,
            "includeNumDen" => self.include_num_den = flag("includeNumDen", v)?,
            "showHierarchy" => self.show_hierarchy = flag("showHierarchy", v)?,
            // chiso leaves out the rows without a value, as DHIS2 does by default.
            "hideEmptyRows" | "hideEmptyColumns" | "ignoreLimit" | "includeDimensionUids" => {
                flag(
                    match k {
                        "hideEmptyRows" => "hideEmptyRows",
                        "hideEmptyColumns" => "hideEmptyColumns",
                        "ignoreLimit" => "ignoreLimit",
                        _ => "includeDimensionUids",
                    },
                    v,
                )?;
            }
            "outputIdScheme"
            | "outputDataElementIdScheme"
            | "outputOrgUnitIdScheme"
            | "outputDataItemIdScheme" => {
                let param = match k {
                    "outputIdScheme" => "outputIdScheme",
                    "outputDataElementIdScheme" => "outputDataElementIdScheme",
                    "outputOrgUnitIdScheme" => "outputOrgUnitIdScheme",
                    _ => "outputDataItemIdScheme",
                };
                self.id_scheme = match v.to_ascii_uppercase().as_str() {
                    "UID" | "CODE" | "ID" => IdScheme::Id,
                    "NAME" => IdScheme::Name,
                    _ => {
                        return Err(QueryError::BadOption {
                            param,
                            value: v.to_string(),
                            allowed: "UID, CODE or NAME",
                        })
                    }
                };
            }
            "view" => {
                self.view = Some(crate::View::parse(v).ok_or_else(|| QueryError::BadOption {
                    param: "view",
                    value: v.to_string(),
                    allowed: "official or live",
                })?);
            }
            "order" | "sortOrder" => {
                self.order = match v.to_ascii_uppercase().as_str() {
                    "ASC" => Some(SortOrder::Ascending),
                    "DESC" => Some(SortOrder::Descending),
                    "" | "NONE" => None,
                    _ => {
                        return Err(QueryError::BadOption {
                            param: "order",
                            value: v.to_string(),
                            allowed: "ASC or DESC",
                        })
                    }
                };
            }
            "displayProperty" => {
                if !matches!(
                    v.to_ascii_uppercase().as_str(),
                    "NAME" | "SHORTNAME" | "EN" | "VI" | ""
                ) {
                    return Err(QueryError::BadOption {
                        param: "displayProperty",
                        value: v.to_string(),
                        allowed: "NAME or SHORTNAME",
                    });
                }
            }
            "aggregationType" => {
                // Each element is added up its own way; DHIS2's DEFAULT is that.
                if !v.eq_ignore_ascii_case("DEFAULT") {
                    return Err(QueryError::Unsupported {
                        param: "aggregationType",
                        reason: "only DEFAULT: each data element is aggregated its own way (see its aggregationType in /api/dataElements)",
                    });
                }
            }
            other => {
                if let Some((param, reason)) = UNSUPPORTED.iter().find(|(p, _)| *p == other) {
                    return Err(QueryError::Unsupported { param, reason });
                }
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// A value at full precision (`-0` written `0`).
pub fn number(v: f64) -> String {
    let s = format!("{v}");
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// A value as DHIS2 writes it: rounded half up to `decimals` (two unless an indicator says),
/// a whole number without decimals; at full precision when `skip_rounding`.
pub fn rounded(v: f64, decimals: Option<u8>, skip_rounding: bool) -> String {
    if skip_rounding {
        return number(v);
    }
    let d = i32::from(decimals.unwrap_or(2).min(10));
    let f = 10f64.powi(d);
    // Half up, away from zero, on the decimal digits as written (12.345 → 12.35).
    let scaled = (v * f * 1e6).round() / 1e6;
    let r = scaled.abs().round().copysign(v) / f;
    number(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_rounded_as_dhis2_rounds_them() {
        assert_eq!(rounded(95.97197898423818, None, false), "95.97");
        assert_eq!(rounded(95.97197898423818, Some(1), false), "96");
        assert_eq!(rounded(12.345, None, false), "12.35");
        assert_eq!(rounded(-12.345, None, false), "-12.35");
        assert_eq!(rounded(1520.0, None, false), "1520");
        assert_eq!(rounded(0.004, None, false), "0");
        assert_eq!(rounded(95.97197898423818, None, true), "95.97197898423818");
    }

    #[test]
    fn options_are_read_or_refused_by_name() {
        let mut o = Options::default();
        assert_eq!(o.read("skipMeta", "true"), Ok(true));
        assert!(o.skip_meta);
        assert_eq!(o.read("outputIdScheme", "NAME"), Ok(true));
        assert_eq!(o.id_scheme, IdScheme::Name);
        assert_eq!(o.read("lang", "en"), Ok(false));
        assert_eq!(o.read("columns", "dx").unwrap_err().param(), "columns");
        assert_eq!(
            o.read("aggregationType", "SUM").unwrap_err().param(),
            "aggregationType"
        );
        assert!(o.read("aggregationType", "DEFAULT").is_ok());
        assert_eq!(o.read("skipData", "maybe").unwrap_err().param(), "skipData");
    }
}
