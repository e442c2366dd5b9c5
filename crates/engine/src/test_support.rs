//! Fixtures shared by the engine's unit tests.

use chiso_core::StoredUnit;
use chiso_core::{
    AggregationType, Code, DataElement, DataValue, Direction, Indicator, Period, SourceTag, Unit,
    UnitKind, ValueType,
};
use chrono::{NaiveDate, Utc};

pub(crate) fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

pub(crate) fn unit(
    i: usize,
    parent: Option<usize>,
    level: i32,
    to: Option<NaiveDate>,
    from: Option<NaiveDate>,
    prefix: &str,
) -> StoredUnit {
    StoredUnit {
        unit: Unit {
            code: c(&format!("{prefix}{i}")),
            gso_code: None,
            name_vi: format!("Đơn vị {i}"),
            name_en: None,
            kind: UnitKind::Other,
            parent: parent.map(|p| c(&format!("{prefix}{p}"))),
            valid_from: from,
            valid_to: to,
            lat: None,
            lon: None,
        },
        level,
    }
}

pub(crate) fn element(code: &str) -> DataElement {
    DataElement {
        code: c(code),
        name_vi: code.into(),
        name_en: None,
        value_type: ValueType::Number,
        aggregation: AggregationType::Sum,
        unit_of_measure: None,
        breakdown: None,
        description: None,
    }
}

pub(crate) fn value(el: &str, unit: &str, p: Period, x: f64) -> DataValue {
    DataValue {
        element: c(el),
        unit: c(unit),
        period: p,
        breakdown: None,
        value: x.to_string(),
        num: Some(x),
        comment: None,
        source: SourceTag::Illustrative,
        stored_by: "t".into(),
        stored_at: Utc::now(),
    }
}

/// A random tree: unit i's parent is one of the units before it (unit 0 is the root).
pub(crate) fn tree(parents: &[usize]) -> Vec<StoredUnit> {
    let mut levels = vec![1i32];
    let mut out = vec![unit(0, None, 1, None, None, "U")];
    for (i, &p) in parents.iter().enumerate() {
        let i = i + 1;
        let p = p % i;
        levels.push(levels[p] + 1);
        out.push(unit(i, Some(p), levels[i], None, None, "U"));
    }
    out
}

pub(crate) fn descendants(units: &[StoredUnit], root: &str) -> Vec<String> {
    let mut out = vec![root.to_string()];
    let mut i = 0;
    while i < out.len() {
        let cur = out[i].clone();
        out.extend(
            units
                .iter()
                .filter(|u| u.unit.parent.as_ref().map(|p| p.as_str()) == Some(cur.as_str()))
                .map(|u| u.unit.code.to_string()),
        );
        i += 1;
    }
    out
}

pub(crate) fn ratio_indicator() -> Indicator {
    Indicator {
        code: c("R"),
        name_vi: "R".into(),
        name_en: None,
        numerator: "#{N}".into(),
        denominator: "#{D}".into(),
        factor: 100.0,
        decimals: 2,
        direction: Direction::HigherIsBetter,
        unit_label: None,
        is_rate: true,
        description: None,
        published: false,
    }
}
