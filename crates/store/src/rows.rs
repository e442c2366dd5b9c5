//! Reading rows into domain types, and the column lists they read.

use crate::common::*;
use crate::sql::{stmt, Row, SqlBackend};
use crate::{StoreError, StoredUnit};
use chiso_core::{AuditEntry, Code, DataElement, DataValue, Indicator, Period, SourceTag, Unit};
use std::collections::HashMap;

pub(crate) const UNIT_COLS: &str =
    "code, gso_code, name_vi, name_en, kind, parent, level, valid_from, valid_to, lat, lon";

pub(crate) const ELEMENT_COLS: &str =
    "code, name_vi, name_en, value_type, aggregation, unit_of_measure, breakdown, description";

pub(crate) const INDICATOR_COLS: &str =
    "code, name_vi, name_en, numerator, denominator, factor, decimals, direction, unit_label, is_rate, description, published";

pub(crate) const TARGET_COLS: &str =
    "code, framework, position, name_vi, name_en, scope_kind, scope_code, period, \
     indicator, comparator, value, due, completed_on, note, pillar";

pub(crate) const TOKEN_COLS: &str =
    "id, username, name, token_hash, created_at, last_used_at, revoked_at";

pub(crate) const VALUE_COLS: &str =
    "element, unit, period, breakdown, value, num, comment, source, stored_by, stored_at";

pub(crate) const EVIDENCE_COLS: &str = "id, data_set, unit, period, element, file_name, content_type, size, sha256, doc_number, doc_date, summary, uploaded_by, uploaded_at";

pub(crate) fn report_key(data_set: &Code, unit: &Code, period: &Period) -> String {
    format!("report:{data_set}/{unit}/{period}")
}

pub(crate) fn completion_from_row<B: SqlBackend>(
    r: &Row<B>,
) -> Result<chiso_core::Completion, StoreError> {
    let p: String = r.get("period")?;
    Ok(chiso_core::Completion {
        data_set: code_of(r.get("data_set")?)?,
        unit: code_of(r.get("unit")?)?,
        period: period_of(&p)?,
        completed_by: r.get("completed_by")?,
        completed_at: r.get("completed_at")?,
        on_time: r.get("on_time")?,
    })
}

pub(crate) fn approval_from_row<B: SqlBackend>(
    r: &Row<B>,
) -> Result<chiso_core::Approval, StoreError> {
    let p: String = r.get("period")?;
    let step: i32 = r.get("step")?;
    Ok(chiso_core::Approval {
        data_set: code_of(r.get("data_set")?)?,
        unit: code_of(r.get("unit")?)?,
        period: period_of(&p)?,
        step: u8::try_from(step)
            .map_err(|_| StoreError::Corrupt(format!("approval step {step}")))?,
        level_unit: code_of(r.get("level_unit")?)?,
        approved_by: r.get("approved_by")?,
        approved_at: r.get("approved_at")?,
    })
}

pub(crate) fn exception_from_row<B: SqlBackend>(
    r: &Row<B>,
) -> Result<chiso_core::LockException, StoreError> {
    let p: String = r.get("period")?;
    Ok(chiso_core::LockException {
        data_set: code_of(r.get("data_set")?)?,
        unit: code_of(r.get("unit")?)?,
        period: period_of(&p)?,
        until: r.get("until")?,
        granted_by: r.get("granted_by")?,
        reason: r.get("reason")?,
    })
}

pub(crate) fn evidence_from_row<B: SqlBackend>(
    r: &Row<B>,
) -> Result<chiso_core::Evidence, StoreError> {
    let p: String = r.get("period")?;
    Ok(chiso_core::Evidence {
        id: r.get("id")?,
        data_set: code_of(r.get("data_set")?)?,
        unit: code_of(r.get("unit")?)?,
        period: period_of(&p)?,
        element: opt_code(r.get("element")?)?,
        file_name: r.get("file_name")?,
        content_type: r.get("content_type")?,
        size: r.get("size")?,
        sha256: r.get("sha256")?,
        doc_number: r.get("doc_number")?,
        doc_date: r.get("doc_date")?,
        summary: r.get("summary")?,
        uploaded_by: r.get("uploaded_by")?,
        uploaded_at: r.get("uploaded_at")?,
    })
}

pub(crate) fn unit_from_row<B: SqlBackend>(r: &Row<B>) -> Result<StoredUnit, StoreError> {
    Ok(StoredUnit {
        unit: Unit {
            code: code_of(r.get("code")?)?,
            gso_code: r.get("gso_code")?,
            name_vi: r.get("name_vi")?,
            name_en: r.get("name_en")?,
            kind: kind_of(&r.get::<String>("kind")?)?,
            parent: opt_code(r.get("parent")?)?,
            valid_from: r.get("valid_from")?,
            valid_to: r.get("valid_to")?,
            lat: r.get("lat")?,
            lon: r.get("lon")?,
        },
        level: r.get("level")?,
    })
}

pub(crate) fn element_from_row<B: SqlBackend>(r: &Row<B>) -> Result<DataElement, StoreError> {
    Ok(DataElement {
        code: code_of(r.get("code")?)?,
        name_vi: r.get("name_vi")?,
        name_en: r.get("name_en")?,
        value_type: value_type_of(&r.get::<String>("value_type")?)?,
        aggregation: aggregation_of(&r.get::<String>("aggregation")?)?,
        unit_of_measure: r.get("unit_of_measure")?,
        breakdown: opt_code(r.get("breakdown")?)?,
        description: r.get("description")?,
    })
}

pub(crate) fn indicator_from_row<B: SqlBackend>(r: &Row<B>) -> Result<Indicator, StoreError> {
    let direction: String = r.get("direction")?;
    Ok(Indicator {
        code: code_of(r.get("code")?)?,
        name_vi: r.get("name_vi")?,
        name_en: r.get("name_en")?,
        numerator: r.get("numerator")?,
        denominator: r.get("denominator")?,
        factor: r.get("factor")?,
        decimals: r.get::<i32>("decimals")?.clamp(0, 6) as u8,
        direction: chiso_core::Direction::parse(&direction)
            .ok_or_else(|| StoreError::Corrupt(format!("direction '{direction}'")))?,
        unit_label: r.get("unit_label")?,
        is_rate: r.get("is_rate")?,
        description: r.get("description")?,
        published: r.get("published")?,
    })
}

pub(crate) fn token_from_row<B: SqlBackend>(r: &Row<B>) -> Result<crate::TokenRecord, StoreError> {
    Ok(crate::TokenRecord {
        id: r.get("id")?,
        username: r.get("username")?,
        name: r.get("name")?,
        token_hash: r.get("token_hash")?,
        created_at: r.get("created_at")?,
        last_used_at: r.get("last_used_at")?,
        revoked_at: r.get("revoked_at")?,
    })
}

pub(crate) fn audit_from_row<B: SqlBackend>(r: &Row<B>) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: r.get("id")?,
        at: r.get("at")?,
        actor: r.get("actor")?,
        via: r.get("via")?,
        action: r.get("action")?,
        entity: r.get("entity")?,
        old_value: r.get("old_value")?,
        new_value: r.get("new_value")?,
    })
}

pub(crate) fn value_from_row<B: SqlBackend>(r: &Row<B>) -> Result<DataValue, StoreError> {
    let source: String = r.get("source")?;
    Ok(DataValue {
        element: code_of(r.get("element")?)?,
        unit: code_of(r.get("unit")?)?,
        period: period_of(&r.get::<String>("period")?)?,
        breakdown: opt_code(r.get("breakdown")?)?,
        value: r.get("value")?,
        num: r.get("num")?,
        comment: r.get("comment")?,
        source: SourceTag::parse(&source).map_err(StoreError::Corrupt)?,
        stored_by: r.get("stored_by")?,
        stored_at: r.get("stored_at")?,
    })
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    def: &str,
    what: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(def).map_err(|e| StoreError::Corrupt(format!("{what} definition: {e}")))
}

/// Each data element's value type, by code.
pub(crate) async fn value_types<B: SqlBackend>(
    db: &B,
) -> Result<HashMap<String, chiso_core::ValueType>, StoreError> {
    stmt(format!("SELECT {ELEMENT_COLS} FROM data_elements"))
        .fetch_all(db)
        .await?
        .iter()
        .map(|r| element_from_row(r).map(|e| (e.code.to_string(), e.value_type)))
        .collect()
}
