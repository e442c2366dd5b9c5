//! The answer in DHIS2's analytics shape: headers, metadata (names and the items of each
//! dimension) and one row per combination that has a value, written as the options say.

pub use super::options::number;
use super::options::{rounded, IdScheme, SortOrder};
use super::{DataItem, DataKind, Dimension, Lang, QueryError, Resolved, UnitScope};
use crate::{Engine, Scope};
use chiso_core::{Breakdown, Code, DataElement, Period, UnitGroup};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// DHIS2's id of the default category option combo (an element without breakdown, in `co`).
pub const DEFAULT_OPTION_COMBO: &str = "HllvX50cXC0";

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
    #[serde(rename = "ouHierarchy", skip_serializing_if = "Option::is_none")]
    pub ou_hierarchy: Option<BTreeMap<String, String>>,
    #[serde(rename = "ouNameHierarchy", skip_serializing_if = "Option::is_none")]
    pub ou_name_hierarchy: Option<BTreeMap<String, String>>,
}

/// DHIS2's analytics response.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Grid {
    pub headers: Vec<Header>,
    /// Names and the items of each dimension; left out with `skipMeta=true`.
    #[serde(rename = "metaData", skip_serializing_if = "Option::is_none")]
    pub meta_data: Option<MetaData>,
    /// One row per combination that has a value: the dimension items, then the value.
    pub rows: Vec<Vec<String>>,
    /// DHIS2's per-cell context; chiso has none to give.
    #[serde(rename = "rowContext")]
    pub row_context: BTreeMap<String, BTreeMap<String, String>>,
    pub height: usize,
    pub width: usize,
    #[serde(rename = "headerWidth")]
    pub header_width: usize,
}

/// The names the engine does not hold, given by the caller: elements', breakdowns' and
/// groups' names, and how a period is named in a language. Indicator and unit names come
/// from the engine.
pub struct Labels<'a> {
    pub elements: &'a [DataElement],
    /// The breakdowns of the elements named (their options name `ELEMENT.OPTION` and `co`).
    pub breakdowns: &'a [Breakdown],
    pub groups: &'a [UnitGroup],
    pub period: &'a (dyn Fn(&Period, Lang) -> String + Sync),
}

impl Labels<'_> {
    /// The name of one option of an element's breakdown, in a language (the Vietnamese one
    /// when it has no English name), as `/api/categoryOptionCombos` names it.
    fn option_name(&self, element: &Code, option: &Code, lang: Lang) -> Option<String> {
        let breakdown = self
            .elements
            .iter()
            .find(|e| e.code == *element)?
            .breakdown
            .as_ref()?;
        let o = self
            .breakdowns
            .iter()
            .find(|b| b.code == *breakdown)?
            .options
            .iter()
            .find(|o| o.code == *option)?;
        Some(match (lang, &o.name_en) {
            (Lang::En, Some(n)) if !n.trim().is_empty() => n.clone(),
            _ => o.name_vi.clone(),
        })
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

/// The units of one row's cell: the `ou` item of the row (none for a filter), and the units
/// added up (none below another).
type UnitCell<'a> = (Option<&'a UnitScope>, Vec<u32>);

/// One computed cell: the value and, for an indicator, its parts.
struct Cell {
    value: f64,
    decimals: Option<u8>,
    /// numerator, denominator, factor.
    parts: Option<(f64, f64, f64)>,
}

impl Resolved {
    /// The `co` items of a data item: its element's breakdown options, or the default.
    fn options_of(&self, engine: &Engine, dx: &DataItem) -> Vec<Option<Code>> {
        match &dx.kind {
            DataKind::Element {
                element,
                option: None,
            } if self.rows.contains(&Dimension::Category) => {
                let opts = engine
                    .elements
                    .get(element.as_str())
                    .and_then(|e| engine.option_codes.get(e.id as usize))
                    .cloned()
                    .unwrap_or_default();
                if opts.is_empty() {
                    vec![None]
                } else {
                    opts.into_iter().map(Some).collect()
                }
            }
            _ => vec![None],
        }
    }

    /// One cell over `units` (none below another) and `periods`, taken as one: a row's
    /// single unit and period, or a filter's items aggregated together.
    fn cell(
        &self,
        engine: &Engine,
        dx: &DataItem,
        co: Option<&Code>,
        periods: &[Period],
        units: &[u32],
    ) -> Result<Option<Cell>, QueryError> {
        let view = self.options.view.unwrap_or(crate::View::Live);
        Ok(match &dx.kind {
            DataKind::Indicator(code) => engine
                .indicator_over(view, code.as_str(), units, periods, self.as_of)?
                .map(|v| Cell {
                    value: v.value,
                    decimals: engine.indicator_def(code.as_str()).map(|d| d.decimals),
                    parts: engine
                        .indicator_def(code.as_str())
                        .map(|d| (v.numerator, v.denominator, d.factor)),
                }),
            DataKind::Element { element, option } => engine
                .element_over(
                    view,
                    element,
                    co.or(option.as_ref()),
                    units,
                    periods,
                    self.as_of,
                )?
                .map(|value| Cell {
                    value,
                    decimals: None,
                    parts: None,
                }),
            DataKind::Reporting { data_set, metric } => engine
                .reporting_metric(data_set.as_str(), metric, units, periods)
                .map(|value| Cell {
                    value,
                    decimals: None,
                    parts: None,
                }),
        })
    }

    /// The units of each row: every `ou` item alone when `ou` is a row dimension; as a
    /// filter, all its items as one (each unit once), as DHIS2 aggregates over a filter.
    fn unit_cells(&self, engine: &Engine) -> Result<Vec<UnitCell<'_>>, QueryError> {
        if self.rows.contains(&Dimension::Unit) {
            self.units
                .iter()
                .map(|ou| Ok((Some(ou), engine.scope_units(&ou.scope)?)))
                .collect()
        } else if self.units.is_empty() {
            // A filter that names no unit (a level with none): no cell, not a count of 0.
            Ok(Vec::new())
        } else {
            let scopes: Vec<Scope> = self.units.iter().map(|u| u.scope.clone()).collect();
            Ok(vec![(None, engine.union_units(&scopes)?)])
        }
    }

    /// The periods of each row: every `pe` item alone when `pe` is a row dimension; as a
    /// filter, all its periods as one.
    fn period_cells(&self) -> Vec<(Option<&Period>, &[Period])> {
        if self.rows.contains(&Dimension::Period) {
            self.periods
                .iter()
                .map(|p| (Some(p), std::slice::from_ref(p)))
                .collect()
        } else {
            vec![(None, &self.periods[..])]
        }
    }

    /// Every combination of a data item (with its options under `co`), a period and a unit
    /// (in that nesting), one row for each that has a value: the row dimensions' item ids,
    /// then the value (and its parts with `includeNumDen`), ordered by value when asked. A
    /// dimension given as a filter is one cell over all its items (`filter=ou:A;B`: the
    /// values of A and B added up once each, indicators as Σnumerator / Σdenominator).
    pub fn rows(&self, engine: &Engine) -> Result<Vec<Vec<String>>, QueryError> {
        self.check_size()?;
        let o = &self.options;
        let mut rows: Vec<(f64, Vec<String>)> = Vec::new();
        if o.skip_data {
            return Ok(Vec::new());
        }
        let unit_cells = self.unit_cells(engine)?;
        let period_cells = self.period_cells();
        for dx in &self.data {
            let cos = self.options_of(engine, dx);
            for co in &cos {
                for (pe, periods) in &period_cells {
                    for (ou, units) in &unit_cells {
                        let Some(cell) = self.cell(engine, dx, co.as_ref(), periods, units)? else {
                            continue;
                        };
                        let mut row = Vec::with_capacity(self.rows.len() + 6);
                        for d in &self.rows {
                            row.push(match d {
                                Dimension::Data => dx.id.clone(),
                                Dimension::Period => pe.map(|p| p.to_string()).unwrap_or_default(),
                                Dimension::Unit => ou.map(|u| u.id.clone()).unwrap_or_default(),
                                Dimension::Category => co
                                    .as_ref()
                                    .map(|c| c.to_string())
                                    .unwrap_or_else(|| DEFAULT_OPTION_COMBO.to_string()),
                            });
                        }
                        row.push(rounded(cell.value, cell.decimals, o.skip_rounding));
                        if o.include_num_den {
                            match cell.parts {
                                Some((n, d, f)) => {
                                    row.push(rounded(n, None, o.skip_rounding));
                                    row.push(rounded(d, None, o.skip_rounding));
                                    row.push(number(f));
                                    row.push(number(f));
                                    row.push("1".into());
                                }
                                None => row.extend(std::iter::repeat_n(String::new(), 5)),
                            }
                        }
                        rows.push((cell.value, row));
                    }
                }
            }
        }
        match o.order {
            Some(SortOrder::Ascending) => rows.sort_by(|a, b| a.0.total_cmp(&b.0)),
            Some(SortOrder::Descending) => rows.sort_by(|a, b| b.0.total_cmp(&a.0)),
            None => {}
        }
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }

    /// The names of the dimensions and of every item, in the query's language; each unit's
    /// ancestors with `showHierarchy`.
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
            ("co", "Category option combo", "Phân tổ"),
        ] {
            name(
                k,
                Some(if self.lang == Lang::En { en } else { vi }.to_string()),
            );
        }
        for dx in &self.data {
            name(&dx.id, self.data_name(engine, labels, dx));
        }
        for r in &self.relative {
            name(r.name(), Some(r.label(self.lang)));
        }
        for p in &self.periods {
            name(&p.to_string(), Some((labels.period)(p, self.lang)));
        }
        for o in &self.units {
            name(&o.id, self.unit_name(engine, labels, o));
        }
        let mut cos: Vec<String> = Vec::new();
        if self.rows.contains(&Dimension::Category) {
            for dx in &self.data {
                for c in self.options_of(engine, dx) {
                    let id = c
                        .as_ref()
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| DEFAULT_OPTION_COMBO.to_string());
                    if !cos.contains(&id) {
                        let option_name = match (&dx.kind, &c) {
                            (DataKind::Element { element, .. }, Some(o)) => {
                                labels.option_name(element, o, self.lang)
                            }
                            _ => None,
                        };
                        name(
                            &id,
                            Some(if id == DEFAULT_OPTION_COMBO {
                                "default".into()
                            } else {
                                option_name.unwrap_or_else(|| id.clone())
                            }),
                        );
                        cos.push(id);
                    }
                }
            }
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
        dimensions.insert("co".to_string(), cos);
        let (mut ou_hierarchy, mut ou_name_hierarchy) = (None, None);
        if self.options.show_hierarchy {
            let (mut ids, mut names) = (BTreeMap::new(), BTreeMap::new());
            for o in &self.units {
                if let Scope::Unit(c) = &o.scope {
                    let mut up: Vec<&chiso_core::Unit> =
                        engine.tree().ancestors(c.as_str()).collect();
                    up.reverse();
                    let id_path: Vec<&str> = up.iter().map(|u| u.code.as_str()).collect();
                    ids.insert(
                        o.id.clone(),
                        format!("/{}", id_path.join("/")).replace("//", "/"),
                    );
                    let mut name_path: Vec<&str> = up.iter().map(|u| u.name(lang)).collect();
                    if let Some(me) = engine.tree().unit(c.as_str()) {
                        name_path.push(me.name(lang));
                    }
                    names.insert(o.id.clone(), format!("/{}", name_path.join("/")));
                }
            }
            ou_hierarchy = Some(ids);
            ou_name_hierarchy = Some(names);
        }
        MetaData {
            items,
            dimensions,
            ou_hierarchy,
            ou_name_hierarchy,
        }
    }

    fn data_name(&self, engine: &Engine, labels: &Labels, dx: &DataItem) -> Option<String> {
        let lang = self.lang.as_str();
        match &dx.kind {
            DataKind::Indicator(c) => engine
                .indicator_def(c.as_str())
                .map(|i| i.name(lang).to_string()),
            // `ELEMENT.OPTION`: the element's name and the option's, as DHIS2 names an
            // operand ("Văn bản đến Nữ").
            DataKind::Element { element, option } => {
                let name = labels
                    .elements
                    .iter()
                    .find(|e| e.code == *element)
                    .map(|e| e.name(lang).to_string())?;
                Some(match option {
                    Some(o) => match labels.option_name(element, o, self.lang) {
                        Some(on) => format!("{name} {on}"),
                        None => format!("{name} {o}"),
                    },
                    None => name,
                })
            }
            DataKind::Reporting { data_set, metric } => {
                let what = match (*metric, self.lang) {
                    ("REPORTING_RATE", Lang::En) => "Reporting rate",
                    ("REPORTING_RATE", Lang::Vi) => "Tỷ lệ báo cáo",
                    ("REPORTING_RATE_ON_TIME", Lang::En) => "Reporting rate on time",
                    ("REPORTING_RATE_ON_TIME", Lang::Vi) => "Tỷ lệ báo cáo đúng hạn",
                    ("ACTUAL_REPORTS", Lang::En) => "Actual reports",
                    ("ACTUAL_REPORTS", Lang::Vi) => "Số báo cáo đã nộp",
                    ("ACTUAL_REPORTS_ON_TIME", Lang::En) => "Actual reports on time",
                    ("ACTUAL_REPORTS_ON_TIME", Lang::Vi) => "Số báo cáo nộp đúng hạn",
                    (_, Lang::En) => "Expected reports",
                    (_, Lang::Vi) => "Số báo cáo phải nộp",
                };
                Some(format!("{data_set} {what}"))
            }
        }
    }

    fn unit_name(&self, engine: &Engine, labels: &Labels, o: &UnitScope) -> Option<String> {
        let lang = self.lang.as_str();
        match &o.scope {
            Scope::Unit(c) => engine
                .tree()
                .unit(c.as_str())
                .map(|u| u.name(lang).to_string()),
            Scope::Group(g) => {
                labels
                    .groups
                    .iter()
                    .find(|x| x.code == *g)
                    .map(|x| match (self.lang, &x.name_en) {
                        (Lang::En, Some(n)) => n.clone(),
                        _ => x.name_vi.clone(),
                    })
            }
            Scope::Units(_) => None,
        }
    }

    /// The answer: headers (the row dimensions, then the value and, with `includeNumDen`, its
    /// parts), metadata and rows. Refused beyond [`super::MAX_ROWS`] combinations.
    pub fn evaluate(&self, engine: &Engine, labels: &Labels) -> Result<Grid, QueryError> {
        let mut rows = self.rows(engine)?;
        let mut meta = self.meta_data(engine, labels);
        let mut headers: Vec<Header> = self
            .rows
            .iter()
            .map(|d| match d {
                Dimension::Data => header("dx", "Data", true, false),
                Dimension::Period => header("pe", "Period", true, false),
                Dimension::Unit => header("ou", "Organisation unit", true, false),
                Dimension::Category => header("co", "Category option combo", true, false),
            })
            .collect();
        headers.push(header("value", "Value", false, true));
        if self.options.include_num_den {
            for (n, c) in [
                ("numerator", "Numerator"),
                ("denominator", "Denominator"),
                ("factor", "Factor"),
                ("multiplier", "Multiplier"),
                ("divisor", "Divisor"),
            ] {
                headers.push(header(n, c, false, true));
            }
        }
        if self.options.id_scheme == IdScheme::Name {
            // Items named instead of identified, in rows and metadata alike.
            let named = |id: &String| {
                meta.items
                    .get(id)
                    .map(|m| m.name.clone())
                    .unwrap_or_else(|| id.clone())
            };
            let dims = self.rows.len();
            for r in &mut rows {
                for cell in r.iter_mut().take(dims) {
                    *cell = named(cell);
                }
            }
            let dimensions = meta
                .dimensions
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().map(named).collect()))
                .collect();
            let items = meta
                .items
                .iter()
                .map(|(k, v)| (named(k), v.clone()))
                .collect();
            meta.dimensions = dimensions;
            meta.items = items;
        }
        let width = headers.len();
        Ok(Grid {
            height: rows.len(),
            width,
            header_width: width,
            headers,
            meta_data: (!self.options.skip_meta).then_some(meta),
            rows,
            row_context: BTreeMap::new(),
        })
    }
}
