//! The import summary DHIS2 answers a POST to `/api/dataValueSets` with, and its web message
//! envelope.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The counts of an import summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCount {
    pub imported: u64,
    pub updated: u64,
    pub ignored: u64,
    pub deleted: u64,
}

/// One conflict of an import: `object` is the offending identifier, `value` the message,
/// `indexes` the positions of the values concerned (from 0 in JSON and XML, from 1 in CSV).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub object: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    #[serde(default)]
    pub indexes: Vec<usize>,
}

/// The status of an import summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportStatus {
    Success,
    Warning,
    Error,
}

/// The import options DHIS2 echoes in a summary (its defaults, with `dryRun` and
/// `importStrategy` as asked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportOptions {
    pub id_schemes: Map<String, Value>,
    pub dry_run: bool,
    pub preheat_cache: bool,
    #[serde(rename = "async")]
    pub is_async: bool,
    /// CREATE_AND_UPDATE, CREATE, UPDATE or DELETE.
    pub import_strategy: String,
    pub merge_mode: String,
    pub report_mode: String,
    pub skip_existing_check: bool,
    pub sharing: bool,
    pub skip_notifications: bool,
    pub skip_audit: bool,
    pub dataset_allows_periods: bool,
    pub strict_periods: bool,
    pub strict_data_elements: bool,
    pub strict_category_option_combos: bool,
    pub strict_attribute_option_combos: bool,
    pub strict_organisation_units: bool,
    pub strict_data_set_approval: bool,
    pub strict_data_set_locking: bool,
    pub strict_data_set_input_periods: bool,
    pub require_category_option_combo: bool,
    pub require_attribute_option_combo: bool,
    pub skip_pattern_validation: bool,
    pub ignore_empty_collection: bool,
    pub force: bool,
    pub first_row_is_header: bool,
    pub skip_last_updated: bool,
    pub merge_data_values: bool,
    pub skip_cache: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            id_schemes: Map::new(),
            dry_run: false,
            preheat_cache: false,
            is_async: false,
            import_strategy: "CREATE_AND_UPDATE".into(),
            merge_mode: "REPLACE".into(),
            report_mode: "FULL".into(),
            skip_existing_check: false,
            sharing: false,
            skip_notifications: false,
            skip_audit: false,
            dataset_allows_periods: false,
            strict_periods: false,
            strict_data_elements: false,
            strict_category_option_combos: false,
            strict_attribute_option_combos: false,
            strict_organisation_units: false,
            strict_data_set_approval: false,
            strict_data_set_locking: false,
            strict_data_set_input_periods: false,
            require_category_option_combo: false,
            require_attribute_option_combo: false,
            skip_pattern_validation: false,
            ignore_empty_collection: false,
            force: false,
            first_row_is_header: true,
            skip_last_updated: false,
            merge_data_values: false,
            skip_cache: false,
        }
    }
}

/// DHIS2's import summary of a data value import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub status: ImportStatus,
    pub import_options: ImportOptions,
    pub description: String,
    pub import_count: ImportCount,
    pub conflicts: Vec<Conflict>,
    /// The positions of the values refused, from the conflicts.
    pub rejected_indexes: Vec<usize>,
    /// DHIS2 sends "false" (a string) when the import did not complete a data set.
    pub data_set_complete: String,
}

impl ImportSummary {
    /// A summary: SUCCESS without conflicts; WARNING with conflicts when something was
    /// written; ERROR with conflicts when nothing was (chiso refuses a bad batch whole).
    pub fn new(options: ImportOptions, count: ImportCount, conflicts: Vec<Conflict>) -> Self {
        let wrote = count.imported + count.updated + count.deleted > 0;
        let status = match (conflicts.is_empty(), wrote) {
            (true, _) => ImportStatus::Success,
            (false, true) => ImportStatus::Warning,
            (false, false) => ImportStatus::Error,
        };
        let description = match status {
            ImportStatus::Error => {
                "Không nhập giá trị nào: dữ liệu có lỗi (Import process failed: nothing was imported)"
            }
            _ => "Import process completed successfully",
        }
        .to_string();
        let mut rejected: Vec<usize> = conflicts
            .iter()
            .flat_map(|c| c.indexes.iter().copied())
            .collect();
        rejected.sort_unstable();
        rejected.dedup();
        ImportSummary {
            status,
            import_options: options,
            description,
            import_count: count,
            conflicts,
            rejected_indexes: rejected,
            data_set_complete: "false".into(),
        }
    }
}

/// The HTTP status code DHIS2 answers an import with: 200, or 409 when there are conflicts.
pub fn http_status_code(summary: &ImportSummary) -> u16 {
    match summary.status {
        ImportStatus::Success => 200,
        ImportStatus::Warning | ImportStatus::Error => 409,
    }
}

/// The summary in DHIS2's (2.38+) web message envelope.
pub fn web_message(summary: &ImportSummary) -> Value {
    let (http, status, message) = match summary.status {
        ImportStatus::Success => ("OK", "OK", "Import was successful."),
        ImportStatus::Warning => (
            "Conflict",
            "WARNING",
            "One more conflicts encountered, please check import summary.",
        ),
        ImportStatus::Error => (
            "Conflict",
            "ERROR",
            "An error occurred, please check import summary.",
        ),
    };
    let mut response = Map::new();
    response.insert("responseType".into(), Value::from("ImportSummary"));
    if let Ok(Value::Object(fields)) = serde_json::to_value(summary) {
        response.extend(fields);
    }
    serde_json::json!({
        "httpStatus": http,
        "httpStatusCode": http_status_code(summary),
        "status": status,
        "message": message,
        "response": response,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_message_matches_dhis2() {
        let ok = ImportSummary::new(
            ImportOptions::default(),
            ImportCount {
                imported: 2,
                updated: 1,
                ignored: 0,
                deleted: 0,
            },
            vec![],
        );
        let m = web_message(&ok);
        assert_eq!(m["httpStatus"], "OK");
        assert_eq!(m["httpStatusCode"], 200);
        assert_eq!(m["status"], "OK");
        assert_eq!(m["message"], "Import was successful.");
        let r = &m["response"];
        assert_eq!(r["responseType"], "ImportSummary");
        assert_eq!(r["status"], "SUCCESS");
        assert_eq!(r["description"], "Import process completed successfully");
        assert_eq!(
            r["importCount"],
            serde_json::json!({"imported": 2, "updated": 1, "ignored": 0, "deleted": 0})
        );
        assert_eq!(r["conflicts"], serde_json::json!([]));
        assert_eq!(r["rejectedIndexes"], serde_json::json!([]));
        assert_eq!(r["dataSetComplete"], "false");
        assert_eq!(r["importOptions"]["idSchemes"], serde_json::json!({}));
        assert_eq!(r["importOptions"]["importStrategy"], "CREATE_AND_UPDATE");
        assert_eq!(r["importOptions"]["async"], false);
        assert_eq!(r["importOptions"]["dryRun"], false);

        let conflict = Conflict {
            object: "XYZ".into(),
            value: "Không có chỉ tiêu XYZ".into(),
            error_code: Some("E7610".into()),
            property: Some("dataElement".into()),
            indexes: vec![3, 1],
        };
        let bad = ImportSummary::new(
            ImportOptions::default(),
            ImportCount {
                ignored: 4,
                ..ImportCount::default()
            },
            vec![conflict],
        );
        let m = web_message(&bad);
        assert_eq!(
            (&m["httpStatus"], &m["httpStatusCode"], &m["status"]),
            (
                &Value::from("Conflict"),
                &Value::from(409),
                &Value::from("ERROR")
            )
        );
        assert_eq!(
            m["message"],
            "An error occurred, please check import summary."
        );
        assert_eq!(m["response"]["status"], "ERROR");
        assert_eq!(m["response"]["rejectedIndexes"], serde_json::json!([1, 3]));
        assert_eq!(
            m["response"]["conflicts"][0],
            serde_json::json!({"object": "XYZ", "value": "Không có chỉ tiêu XYZ",
                               "errorCode": "E7610", "property": "dataElement",
                               "indexes": [3, 1]})
        );
        let partial = ImportSummary::new(
            ImportOptions::default(),
            ImportCount {
                imported: 1,
                ..ImportCount::default()
            },
            bad.conflicts.clone(),
        );
        let m = web_message(&partial);
        assert_eq!(
            (m["status"].as_str(), m["httpStatusCode"].as_u64()),
            (Some("WARNING"), Some(409))
        );
        assert_eq!(
            m["message"],
            "One more conflicts encountered, please check import summary."
        );
    }
}
