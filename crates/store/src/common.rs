//! What every role of the store shares: checks of a batch against itself and the stored
//! rows, the parsing of stored codes, and the shape of a chained audit row.

use crate::{FieldError, StoreError, StoredUnit};
use chiso_core::{
    AggregationType, Code, DataElement, ParsedValue, Period, SuccessorLink, Unit, UnitKind,
    ValueType,
};
use std::collections::{HashMap, HashSet};

/// Most field errors reported for one request; past that the list says how many more.
pub(crate) const MAX_ERRORS: usize = 100;

pub(crate) fn push_error(errors: &mut Vec<FieldError>, e: FieldError) {
    if errors.len() < MAX_ERRORS {
        errors.push(e);
    }
}

pub(crate) fn code_of(s: String) -> Result<Code, StoreError> {
    Code::parse(&s).map_err(|e| StoreError::Corrupt(format!("stored code '{s}': {e}")))
}

pub(crate) fn opt_code(s: Option<String>) -> Result<Option<Code>, StoreError> {
    s.filter(|s| !s.is_empty()).map(code_of).transpose()
}

pub(crate) fn kind_of(s: &str) -> Result<UnitKind, StoreError> {
    UnitKind::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unit kind '{s}'")))
}

pub(crate) fn value_type_of(s: &str) -> Result<ValueType, StoreError> {
    ValueType::parse(s).ok_or_else(|| StoreError::Corrupt(format!("value type '{s}'")))
}

pub(crate) fn aggregation_of(s: &str) -> Result<AggregationType, StoreError> {
    AggregationType::parse(s).ok_or_else(|| StoreError::Corrupt(format!("aggregation '{s}'")))
}

pub(crate) fn period_of(s: &str) -> Result<Period, StoreError> {
    Period::parse(s).map_err(|e| StoreError::Corrupt(format!("stored period: {e}")))
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Check a batch of units against each other and the stored ones, and compute every unit's
/// level. Returns the levels of all units (stored and new) or the errors.
pub(crate) fn plan_units(
    units: &[Unit],
    existing: &HashMap<String, StoredUnit>,
) -> Result<HashMap<String, i32>, StoreError> {
    let mut errors = Vec::new();
    let mut parents: HashMap<&str, Option<&str>> = existing
        .iter()
        .map(|(c, u)| (c.as_str(), u.unit.parent.as_ref().map(|p| p.as_str())))
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        if let Err(e) = u.check() {
            push_error(&mut errors, FieldError::new(Some(i), "unit", e.to_string()));
        }
        if let Some(j) = seen.insert(u.code.as_str(), i) {
            push_error(
                &mut errors,
                FieldError::new(
                    Some(i),
                    "code",
                    format!("unit {} appears twice (also item {})", u.code, j + 1),
                ),
            );
        }
        parents.insert(u.code.as_str(), u.parent.as_ref().map(|p| p.as_str()));
    }
    for (i, u) in units.iter().enumerate() {
        if let Some(p) = &u.parent {
            if !parents.contains_key(p.as_str()) {
                push_error(
                    &mut errors,
                    FieldError::new(Some(i), "parent", format!("unknown parent unit {p}")),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let mut levels: HashMap<String, i32> = HashMap::new();
    for &start in parents.keys() {
        if levels.contains_key(start) {
            continue;
        }
        // Walk up to a unit whose level is known (or a root), then fill the chain.
        let mut chain = vec![start];
        let mut on_chain: HashSet<&str> = HashSet::from([start]);
        let mut base = 0;
        let mut cur = start;
        loop {
            match parents.get(cur).copied().flatten() {
                None => break,
                Some(p) => {
                    if let Some(l) = levels.get(p) {
                        base = *l;
                        break;
                    }
                    if !on_chain.insert(p) {
                        // Name the submitted unit that closes the cycle.
                        let i = units
                            .iter()
                            .position(|u| on_chain.contains(u.code.as_str()));
                        let who = i.map(|i| units[i].code.as_str()).unwrap_or(start);
                        return Err(StoreError::invalid(
                            i,
                            "parent",
                            format!("unit {who} would be below itself (a cycle through {p})"),
                        ));
                    }
                    chain.push(p);
                    cur = p;
                }
            }
        }
        for (depth, c) in chain.iter().rev().enumerate() {
            levels.insert((*c).to_string(), base + depth as i32 + 1);
        }
    }
    Ok(levels)
}

/// Check an element definition against the known breakdowns.
pub(crate) fn check_element(
    i: usize,
    e: &DataElement,
    breakdowns: &HashSet<String>,
    errors: &mut Vec<FieldError>,
) {
    if let Err(r) = e.check() {
        push_error(errors, FieldError::new(Some(i), "data_element", r));
    }
    if let Some(b) = &e.breakdown {
        if !breakdowns.contains(b.as_str()) {
            push_error(
                errors,
                FieldError::new(Some(i), "breakdown", format!("unknown breakdown {b}")),
            );
        }
    }
}

/// Check a successor link's shape.
pub(crate) fn check_link(i: usize, l: &SuccessorLink, errors: &mut Vec<FieldError>) {
    if let Err(r) = l.check() {
        push_error(errors, FieldError::new(Some(i), "successor", r));
    }
}

/// A value checked against its element: the parsed value or the reason.
pub(crate) fn parse_value(value_type: ValueType, raw: &str) -> Result<ParsedValue, String> {
    ParsedValue::parse(value_type, raw).map_err(|e| format!("{} / {e}", e.vi()))
}

/// One audit row, chained, ready to insert.
pub(crate) struct AuditRow<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}
