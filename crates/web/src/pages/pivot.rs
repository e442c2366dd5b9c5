//! The data explorer's pivot: an analytics answer (DHIS2's grid) laid out with one dimension
//! down the rows and one across the columns; the third dimension is a caption when it has one
//! item, else a second row heading. Cells are the answer's values exactly as the analytics API
//! writes them (the same rounding), so the page, its exports and `/api/analytics` agree.

use chiso_engine::analytics::{Dimension, Grid};
use std::collections::HashMap;

/// The table a page shows and its exports write.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct Pivot {
    /// The row headings' dimension names (`dx`, `pe`, `ou`), outer first.
    pub row_dims: Vec<&'static str>,
    /// The column dimension's name.
    pub col_dim: &'static str,
    pub columns: Vec<Item>,
    pub rows: Vec<PivotRow>,
    /// The dimensions of one item, written above the table.
    pub fixed: Vec<(&'static str, Item)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct Item {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct PivotRow {
    pub heads: Vec<Item>,
    /// The value of each column as the analytics API writes it (`"98.9"`), or none.
    pub cells: Vec<Option<String>>,
}

/// The items of a dimension in the answer's order, with their names.
fn items(g: &Grid, d: Dimension) -> Vec<Item> {
    let Some(meta) = &g.meta_data else {
        return Vec::new();
    };
    meta.dimensions
        .get(d.name())
        .map(|ids| {
            ids.iter()
                .map(|id| Item {
                    id: id.clone(),
                    name: meta
                        .items
                        .get(id)
                        .map(|m| m.name.clone())
                        .unwrap_or_else(|| id.clone()),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Lay `g` out with `rows` down and `cols` across (two different dimensions of dx, pe, ou).
pub(crate) fn pivot(g: &Grid, rows: Dimension, cols: Dimension) -> Pivot {
    let third = Dimension::ALL
        .into_iter()
        .find(|d| *d != rows && *d != cols)
        .unwrap_or(Dimension::Unit);
    let col_of = |name: &str| g.headers.iter().position(|h| h.name == name);
    let (Some(vi), idx) = (
        col_of("value"),
        [Dimension::Data, Dimension::Period, Dimension::Unit].map(|d| col_of(d.name())),
    ) else {
        return Pivot {
            row_dims: vec![rows.name()],
            col_dim: cols.name(),
            columns: Vec::new(),
            rows: Vec::new(),
            fixed: Vec::new(),
        };
    };
    let at = |d: Dimension| match d {
        Dimension::Data => idx[0],
        Dimension::Period => idx[1],
        _ => idx[2],
    };
    let mut values: HashMap<(String, String, String), String> = HashMap::new();
    for r in &g.rows {
        let get = |d: Dimension| at(d).and_then(|i| r.get(i)).cloned().unwrap_or_default();
        if let Some(v) = r.get(vi) {
            values.insert((get(rows), get(cols), get(third)), v.clone());
        }
    }
    let columns = items(g, cols);
    let outer = items(g, rows);
    let inner = items(g, third);
    let mut fixed = Vec::new();
    let (row_dims, inner_rows): (Vec<&'static str>, Vec<Option<Item>>) = if inner.len() <= 1 {
        if let Some(i) = inner.first() {
            fixed.push((third.name(), i.clone()));
        }
        (vec![rows.name()], vec![inner.first().cloned()])
    } else {
        (
            vec![rows.name(), third.name()],
            inner.iter().cloned().map(Some).collect(),
        )
    };
    let third_id = |i: &Option<Item>| i.as_ref().map(|i| i.id.clone()).unwrap_or_default();
    let mut out = Vec::new();
    for o in &outer {
        for i in &inner_rows {
            let mut heads = vec![o.clone()];
            if row_dims.len() > 1 {
                if let Some(i) = i {
                    heads.push(i.clone());
                }
            }
            let cells = columns
                .iter()
                .map(|c| {
                    values
                        .get(&(o.id.clone(), c.id.clone(), third_id(i)))
                        .cloned()
                })
                .collect();
            out.push(PivotRow { heads, cells });
        }
    }
    Pivot {
        row_dims,
        col_dim: cols.name(),
        columns,
        rows: out,
        fixed,
    }
}

/// How many decimals a value as the API writes it has (`"98.9"`: 1).
pub(crate) fn decimals(v: &str) -> u8 {
    v.split_once('.')
        .map(|(_, f)| f.len().min(15) as u8)
        .unwrap_or(0)
}

impl Pivot {
    /// The `dx` item of cell (`r`, `c`): from the columns, the row headings or the caption.
    pub(crate) fn dx_at(&self, r: usize, c: usize) -> Option<&str> {
        if self.col_dim == "dx" {
            return self.columns.get(c).map(|i| i.id.as_str());
        }
        if let Some(k) = self.row_dims.iter().position(|d| *d == "dx") {
            return self
                .rows
                .get(r)
                .and_then(|row| row.heads.get(k))
                .map(|i| i.id.as_str());
        }
        self.fixed
            .iter()
            .find(|(d, _)| *d == "dx")
            .map(|(_, i)| i.id.as_str())
    }
}

impl Pivot {
    /// The items of cell (`r`, `c`) as `dx|pe|ou` ids — what `/api/analytics` names the row
    /// of its answer by.
    pub(crate) fn key_at(&self, r: usize, c: usize) -> String {
        let id_of = |dim: &str| -> String {
            if self.col_dim == dim {
                return self
                    .columns
                    .get(c)
                    .map(|i| i.id.clone())
                    .unwrap_or_default();
            }
            if let Some(k) = self.row_dims.iter().position(|d| *d == dim) {
                return self
                    .rows
                    .get(r)
                    .and_then(|row| row.heads.get(k))
                    .map(|i| i.id.clone())
                    .unwrap_or_default();
            }
            self.fixed
                .iter()
                .find(|(d, _)| *d == dim)
                .map(|(_, i)| i.id.clone())
                .unwrap_or_default()
        };
        format!("{}|{}|{}", id_of("dx"), id_of("pe"), id_of("ou"))
    }
}
