//! The answer in DHIS2's analytics shape: headers, metadata (names and the items of each
//! dimension) and one row per combination that has a value.

use super::{DataKind, Dimension, Lang, QueryError, Resolved};
use crate::{Engine, Scope};
use chiso_core::{DataElement, Period, UnitGroup};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

// No doc comments on these three types: they would become descriptions in the OpenAPI
// document.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Header {
    pub name: String,
    pub column: String,
    #[serde(rename = "valueType")]
    pub value_type: String,
    #[serde(rename = "type")]
    pub java_type: String,
    pub hidden: bool,
    pub meta: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MetaItem {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MetaData {
    pub items: BTreeMap<String, MetaItem>,
    pub dimensions: BTreeMap<String, Vec<String>>,
}

/// DHIS2's analytics response.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Grid {
    pub headers: Vec<Header>,
    #[serde(rename = "metaData")]
    pub meta_data: MetaData,
    /// One row per combination that has a value: the dimension items, then the value.
    pub rows: Vec<Vec<String>>,
    pub height: usize,
    pub width: usize,
    #[serde(rename = "headerWidth")]
    pub header_width: usize,
}

/// The names the engine does not hold, given by the caller: elements' and groups' names, and
/// how a period is named in a language. Indicator and unit names come from the engine.
pub struct Labels<'a> {
    pub elements: &'a [DataElement],
    pub groups: &'a [UnitGroup],
    pub period: &'a (dyn Fn(&Period, Lang) -> String + Sync),
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

fn header(name: &str, column: &str, meta: bool, number: bool) -> Header {
    Header {
        name: name.into(),
        column: column.into(),
        value_type: if number { "NUMBER" } else { "TEXT" }.into(),
        java_type: if number {
            "java.lang.Double"
        } else {
            "java.lang.String"
        }
        .into(),
        hidden: false,
        meta,
    }
}

impl Resolved {
    /// Every combination of a data item, a period and a unit (in that nesting), one row for
    /// each that has a value: the row dimensions' item ids, then the value.
    pub fn rows(&self, engine: &Engine) -> Result<Vec<Vec<String>>, QueryError> {
        self.check_size()?;
        let mut rows = Vec::new();
        for dx in &self.data {
            for pe in &self.periods {
                for ou in &self.units {
                    let v = match &dx.kind {
                        DataKind::Indicator(code) => engine
                            .indicator(code.as_str(), &ou.scope, pe, self.as_of)?
                            .map(|v| v.value),
                        DataKind::Element { element, option } => {
                            engine.element(element, option.as_ref(), &ou.scope, pe, self.as_of)?
                        }
                    };
                    let Some(v) = v else { continue };
                    let mut row = Vec::with_capacity(self.rows.len() + 1);
                    for d in &self.rows {
                        row.push(match d {
                            Dimension::Data => dx.id.clone(),
                            Dimension::Period => pe.to_string(),
                            Dimension::Unit => ou.id.clone(),
                        });
                    }
                    row.push(number(v));
                    rows.push(row);
                }
            }
        }
        Ok(rows)
    }

    /// The names of the dimensions and of every item, in the query's language.
    pub fn meta_data(&self, engine: &Engine, labels: &Labels) -> MetaData {
        let lang = self.lang.as_str();
        let mut items = BTreeMap::new();
        let mut name = |id: &str, name: Option<String>| {
            items.insert(
                id.to_string(),
                MetaItem {
                    name: name.unwrap_or_else(|| id.to_string()),
                },
            );
        };
        for (k, en, vi) in [
            ("dx", "Data", "Dữ liệu"),
            ("pe", "Period", "Kỳ"),
            ("ou", "Organisation unit", "Đơn vị"),
        ] {
            name(
                k,
                Some(if self.lang == Lang::En { en } else { vi }.to_string()),
            );
        }
        for dx in &self.data {
            let n = match &dx.kind {
                DataKind::Indicator(c) => engine
                    .indicator_def(c.as_str())
                    .map(|i| i.name(lang).to_string()),
                DataKind::Element { element, .. } => labels
                    .elements
                    .iter()
                    .find(|e| e.code == *element)
                    .map(|e| e.name(lang).to_string()),
            };
            name(&dx.id, n);
        }
        for p in &self.periods {
            name(&p.to_string(), Some((labels.period)(p, self.lang)));
        }
        for o in &self.units {
            let n = match &o.scope {
                Scope::Unit(c) => engine
                    .tree()
                    .unit(c.as_str())
                    .map(|u| u.name(lang).to_string()),
                Scope::Group(g) => labels.groups.iter().find(|x| x.code == *g).map(|x| {
                    match (self.lang, &x.name_en) {
                        (Lang::En, Some(n)) => n.clone(),
                        _ => x.name_vi.clone(),
                    }
                }),
            };
            name(&o.id, n);
        }
        let mut dimensions = BTreeMap::new();
        dimensions.insert(
            "dx".to_string(),
            self.data.iter().map(|d| d.id.clone()).collect(),
        );
        dimensions.insert(
            "pe".to_string(),
            self.periods.iter().map(|p| p.to_string()).collect(),
        );
        dimensions.insert(
            "ou".to_string(),
            self.units.iter().map(|o| o.id.clone()).collect(),
        );
        dimensions.insert("co".to_string(), vec![]);
        MetaData { items, dimensions }
    }

    /// The answer: headers (the row dimensions, then the value), metadata and rows. Refused
    /// beyond [`super::MAX_ROWS`] combinations.
    pub fn evaluate(&self, engine: &Engine, labels: &Labels) -> Result<Grid, QueryError> {
        let rows = self.rows(engine)?;
        let meta_data = self.meta_data(engine, labels);
        let mut headers: Vec<Header> = self
            .rows
            .iter()
            .map(|d| match d {
                Dimension::Data => header("dx", "Data", true, false),
                Dimension::Period => header("pe", "Period", true, false),
                Dimension::Unit => header("ou", "Organisation unit", true, false),
            })
            .collect();
        headers.push(header("value", "Value", false, true));
        let width = headers.len();
        Ok(Grid {
            height: rows.len(),
            width,
            header_width: width,
            headers,
            meta_data,
            rows,
        })
    }
}
