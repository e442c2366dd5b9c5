//! DHIS2's analytics parameters (`dimension`, `filter`, `asOf`, `relativePeriodDate`,
//! `locale`) parsed into a [`Query`], every item checked against the engine.

use super::relative::RelativePeriod;
use super::{
    param_of, units, DataItem, DataKind, Dimension, Lang, Options, PeriodItem, Query, QueryError,
    UnitItem,
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
    /// periods count from unless `relativePeriodDate` says otherwise. DHIS2's options are read
    /// into [`Options`] (those chiso does not answer are refused by name); other parameters
    /// are not analytics' (the language, the API's own); `locale` (`en`, `vi`, `en_GB` …)
    /// names the language of the names, Vietnamese when it is not given
    /// ([`Query::lang_asked`] tells the caller, who may put the request's language instead).
    ///
    /// Errors come in this order: the form of each `dimension`/`filter` and the dates, in
    /// the order given; a missing dimension; then each dimension's items in the order the
    /// dimensions were given.
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
        let mut lang_asked = false;
        let mut options = Options::default();
        let mut specs: Vec<(bool, Dimension, String)> = Vec::new();
        for (k, v) in params {
            let (k, v) = (k.as_ref(), v.as_ref());
            match k {
                "dimension" | "filter" => {
                    let is_row = k == "dimension";
                    let param = param_of(is_row);
                    // `co` alone: every option of the elements' breakdowns.
                    let (dim, items) = if v == "co" {
                        ("co", "")
                    } else {
                        v.split_once(':').ok_or_else(|| QueryError::NotADimension {
                            param,
                            value: v.to_string(),
                        })?
                    };
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
                // DHIS2's `locale` (`en`, `en_GB`, `vi`, `vi_VN`); `displayProperty=en|vi`
                // is chiso's older spelling of the same.
                "locale" | "displayProperty" if Lang::parse(v).is_some() => {
                    lang = Lang::parse(v).unwrap_or_default();
                    lang_asked = true;
                    if k == "displayProperty" {
                        options.read(k, v)?;
                    }
                }
                _ => {
                    options.read(k, v)?;
                }
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
            lang_asked,
            options,
            user_units: Vec::new(),
        };
        for (is_row, d, items) in specs {
            let param = param_of(is_row);
            let items: Vec<&str> = items
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if d == Dimension::Category {
                if !is_row {
                    // DHIS2 refuses category option combos as a filter (E7110).
                    return Err(QueryError::Unsupported {
                        param: "filter",
                        reason: "category option combos cannot be specified as filter; give co as a dimension",
                    });
                }
                if !items.is_empty() {
                    return Err(QueryError::Unsupported {
                        param: "dimension",
                        reason: "co takes no items: dimension=co breaks every element down by all its options",
                    });
                }
                q.rows.push(d);
                continue;
            }
            if items.is_empty() {
                return Err(QueryError::NoItems {
                    param,
                    dimension: d,
                });
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
                Dimension::Category => {}
                Dimension::Unit => {
                    for it in items {
                        q.units.push(unit_item(engine, param, it)?);
                    }
                    // Every level and group checked now; a filter's units are added up
                    // together when evaluated.
                    units::resolve(engine, &q.units, is_row, as_of, &[])?;
                }
            }
            if is_row {
                q.rows.push(d);
            }
        }
        if q.is_row(Dimension::Category) {
            if let Some(d) = q
                .data
                .iter()
                .find(|d| !matches!(d.kind, DataKind::Element { .. }))
            {
                return Err(QueryError::CategoryNeedsElements { item: d.id.clone() });
            }
        }
        Ok(q)
    }
}

/// An indicator code, a data set's reporting metric (`DATASET.REPORTING_RATE`…), an element
/// code or `ELEMENT.OPTION` (`ELEMENT.default`: the element whole); an indicator's code wins.
fn data_item(engine: &Engine, param: &'static str, it: &str) -> Result<DataItem, QueryError> {
    let bad = |reason| QueryError::BadDataItem {
        param,
        item: it.to_string(),
        reason,
    };
    let metric = it.split_once('.').and_then(|(ds, m)| {
        let m = crate::reporting::METRICS.iter().find(|x| **x == m)?;
        engine.reporting_of(ds).map(|_| (ds, *m))
    });
    let kind = if engine.has_indicator(it) {
        DataKind::Indicator(Code::parse(it).map_err(bad)?)
    } else if let Some((ds, metric)) = metric {
        DataKind::Reporting {
            data_set: Code::parse(ds).map_err(bad)?,
            metric,
        }
    } else {
        let (el, opt) = match it.split_once('.') {
            // DHIS2's default category option combo: the element whole.
            Some((a, "default" | "HllvX50cXC0")) => (a, None),
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
    } else if it == "USER_ORGUNIT_GRANDCHILDREN" {
        Ok(UnitItem::UserOrgUnitGrandchildren)
    } else {
        let c = code(it)?;
        engine.children_of(&c)?;
        Ok(UnitItem::Unit(c))
    }
}
