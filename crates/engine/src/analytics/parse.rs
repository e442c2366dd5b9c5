//! DHIS2's analytics parameters (`dimension`, `filter`, `asOf`, `relativePeriodDate`,
//! `locale`) parsed into a [`Query`], every item checked against the engine.

use super::relative::RelativePeriod;
use super::{
    param_of, units, DataItem, DataKind, Dimension, Lang, PeriodItem, Query, QueryError, UnitItem,
};
use crate::Engine;
use chiso_core::{Code, Period};
use chrono::NaiveDate;

fn date(param: &'static str, v: &str) -> Result<NaiveDate, QueryError> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| QueryError::NotADate {
        param,
        value: v.to_string(),
    })
}

impl Query {
    /// Parse the request's parameters, in the order given. `today` is the day relative
    /// periods count from unless `relativePeriodDate` says otherwise. Parameters chiso does
    /// not need (`skipMeta`, `displayProperty`…) are ignored; `locale` or `displayProperty`
    /// starting with `en` asks for English names.
    ///
    /// Errors come in this order: the form of each `dimension`/`filter` and the dates, in
    /// the order given; a missing dimension; then each dimension's items in the order the
    /// dimensions were given (an `ou` filter resolving to several units is refused there).
    pub fn parse<K, V>(
        engine: &Engine,
        params: impl IntoIterator<Item = (K, V)>,
        today: NaiveDate,
    ) -> Result<Query, QueryError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut as_of = None;
        let mut at = today;
        let mut lang = Lang::Vi;
        let mut specs: Vec<(bool, Dimension, String)> = Vec::new();
        for (k, v) in params {
            let (k, v) = (k.as_ref(), v.as_ref());
            match k {
                "dimension" | "filter" => {
                    let is_row = k == "dimension";
                    let param = param_of(is_row);
                    let (dim, items) =
                        v.split_once(':').ok_or_else(|| QueryError::NotADimension {
                            param,
                            value: v.to_string(),
                        })?;
                    let d = Dimension::parse(dim).ok_or_else(|| QueryError::UnknownDimension {
                        param,
                        name: dim.to_string(),
                    })?;
                    if specs.iter().any(|(_, e, _)| *e == d) {
                        return Err(QueryError::Twice {
                            param,
                            dimension: d,
                        });
                    }
                    specs.push((is_row, d, items.to_string()));
                }
                "asOf" => as_of = Some(date("asOf", v)?),
                "relativePeriodDate" => at = date("relativePeriodDate", v)?,
                "locale" | "displayProperty" if v.starts_with("en") => lang = Lang::En,
                _ => {}
            }
        }
        for d in Dimension::ALL {
            if !specs.iter().any(|(_, e, _)| *e == d) {
                return Err(QueryError::Missing(d));
            }
        }
        let mut q = Query {
            data: Vec::new(),
            periods: Vec::new(),
            units: Vec::new(),
            rows: Vec::new(),
            today: at,
            as_of,
            lang,
        };
        for (is_row, d, items) in specs {
            let param = param_of(is_row);
            let items: Vec<&str> = items
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if items.is_empty() {
                return Err(QueryError::NoItems { param });
            }
            match d {
                Dimension::Data => {
                    for it in items {
                        q.data.push(data_item(engine, param, it)?);
                    }
                }
                Dimension::Period => {
                    for it in items {
                        q.periods.push(period_item(param, it, at)?);
                    }
                }
                Dimension::Unit => {
                    for it in items {
                        q.units.push(unit_item(engine, param, it)?);
                    }
                    let resolved = units::resolve(engine, &q.units, is_row, as_of)?;
                    if !is_row && resolved.len() > 1 {
                        // Several units as a filter: DHIS2 adds them up; chiso answers each
                        // only as a dimension.
                        return Err(QueryError::SeveralUnitsAsFilter);
                    }
                }
            }
            if is_row {
                q.rows.push(d);
            }
        }
        Ok(q)
    }
}

/// An indicator code, an element code or `ELEMENT.OPTION` (an indicator's code wins).
fn data_item(engine: &Engine, param: &'static str, it: &str) -> Result<DataItem, QueryError> {
    let bad = |reason| QueryError::BadDataItem {
        param,
        item: it.to_string(),
        reason,
    };
    let kind = if engine.has_indicator(it) {
        DataKind::Indicator(Code::parse(it).map_err(bad)?)
    } else {
        let (el, opt) = match it.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (it, None),
        };
        let element = Code::parse(el).map_err(bad)?;
        if !engine.has_element(el) {
            return Err(QueryError::UnknownData {
                param,
                item: it.to_string(),
            });
        }
        let option = opt.map(Code::parse).transpose().map_err(bad)?;
        DataKind::Element { element, option }
    };
    Ok(DataItem {
        id: it.to_string(),
        kind,
    })
}

/// A relative period that can be counted from `at`, else a period id.
fn period_item(param: &'static str, it: &str, at: NaiveDate) -> Result<PeriodItem, QueryError> {
    if let Some(r) = RelativePeriod::parse(it).filter(|r| r.periods(at).is_some()) {
        return Ok(PeriodItem::Relative(r));
    }
    Period::parse(it)
        .map(PeriodItem::Fixed)
        .map_err(|reason| QueryError::BadPeriod {
            param,
            item: it.to_string(),
            reason,
        })
}

/// `LEVEL-n`, `OU_GROUP-CODE`, `GROUP-CODE`, `USER_ORGUNIT`, `USER_ORGUNIT_CHILDREN` or a
/// unit code; groups and units must exist.
fn unit_item(engine: &Engine, param: &'static str, it: &str) -> Result<UnitItem, QueryError> {
    let code = |s: &str| {
        Code::parse(s).map_err(|reason| QueryError::BadUnitItem {
            param,
            item: it.to_string(),
            reason,
        })
    };
    if let Some(l) = it.strip_prefix("LEVEL-") {
        let level = l
            .parse::<i32>()
            .ok()
            .filter(|l| (1..=20).contains(l))
            .ok_or_else(|| QueryError::BadLevel {
                param,
                item: it.to_string(),
            })?;
        Ok(UnitItem::Level(level))
    } else if let Some(g) = it.strip_prefix("OU_GROUP-") {
        let group = code(g)?;
        engine.group_members(&group)?;
        Ok(UnitItem::OuGroup {
            id: it.to_string(),
            group,
        })
    } else if let Some(g) = it.strip_prefix("GROUP-") {
        let group = code(g)?;
        engine.group_members(&group)?;
        Ok(UnitItem::Group {
            id: it.to_string(),
            group,
        })
    } else if it == "USER_ORGUNIT" {
        Ok(UnitItem::UserOrgUnit)
    } else if it == "USER_ORGUNIT_CHILDREN" {
        Ok(UnitItem::UserOrgUnitChildren)
    } else {
        let c = code(it)?;
        engine.children_of(&c)?;
        Ok(UnitItem::Unit(c))
    }
}
