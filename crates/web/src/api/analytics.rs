//! `GET /api/analytics`: DHIS2's analytics query form, answered from the live engine.
//!
//! `dimension=dx:A;B&dimension=pe:2023;LAST_12_MONTHS&dimension=ou:58;LEVEL-3` or
//! `filter=ou:…`. `dx` takes indicator codes, element codes and `ELEMENT.OPTION`; `pe` takes
//! period ids and relative periods; `ou` takes unit codes, `LEVEL-n` (under the listed units,
//! or everywhere), `OU_GROUP-CODE` (the group's members, one by one; as a filter, the group
//! as a whole), `GROUP-CODE` (chiso: the group as one item), `USER_ORGUNIT` and
//! `USER_ORGUNIT_CHILDREN` (the roots and their children until accounts exist). chiso adds
//! `asOf=YYYY-MM-DD`: read the figures in the structure of that date (e.g. 2023 figures in the
//! 2025 units). Values are full precision: rounding is for display.

use crate::auth::{require_scope, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::RawQuery;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chiso_core::{Code, Period, PeriodType};
use chiso_engine::Engine;
use chiso_engine::Scope;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Most rows one answer may hold.
pub const MAX_ROWS: usize = 200_000;

#[derive(Serialize, ToSchema)]
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

#[derive(Serialize, ToSchema)]
pub struct MetaItem {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct MetaData {
    pub items: BTreeMap<String, MetaItem>,
    pub dimensions: BTreeMap<String, Vec<String>>,
}

/// DHIS2's analytics response.
#[derive(Serialize, ToSchema)]
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

#[derive(Clone, Debug)]
pub(crate) enum Dx {
    Indicator(String),
    Element(Code, Option<Code>),
}

#[derive(Clone, Debug)]
pub(crate) struct OuItem {
    id: String,
    scope: Scope,
}

pub(crate) struct AnalyticsQuery {
    dims: Vec<char>,
    dx: Vec<(String, Dx)>,
    pe: Vec<Period>,
    ou: Vec<OuItem>,
    as_of: Option<NaiveDate>,
    lang: String,
}

pub(crate) fn bad(field: &str, reason: impl Into<String>) -> ApiError {
    ApiError::bad(field, reason)
}

/// DHIS2's relative periods, at a reference date.
pub(crate) fn relative(name: &str, at: NaiveDate) -> Option<Vec<Period>> {
    let cur = |t| Period::of_type_containing(t, at, chiso_core::Convention::Calendar);
    let last_n = |t, n: i64| -> Option<Vec<Period>> {
        let c = cur(t)?;
        (1..=n).rev().map(|k| c.offset(-k)).collect()
    };
    Some(match name {
        "TODAY" => vec![cur(PeriodType::Day)?],
        "THIS_WEEK" => vec![cur(PeriodType::Week)?],
        "LAST_WEEK" => last_n(PeriodType::Week, 1)?,
        "LAST_4_WEEKS" => last_n(PeriodType::Week, 4)?,
        "THIS_MONTH" => vec![cur(PeriodType::Month)?],
        "LAST_MONTH" => last_n(PeriodType::Month, 1)?,
        "LAST_3_MONTHS" => last_n(PeriodType::Month, 3)?,
        "LAST_6_MONTHS" => last_n(PeriodType::Month, 6)?,
        "LAST_12_MONTHS" => last_n(PeriodType::Month, 12)?,
        "THIS_QUARTER" => vec![cur(PeriodType::Quarter)?],
        "LAST_QUARTER" => last_n(PeriodType::Quarter, 1)?,
        "LAST_4_QUARTERS" => last_n(PeriodType::Quarter, 4)?,
        "THIS_SIX_MONTH" => vec![cur(PeriodType::SixMonth)?],
        "LAST_SIX_MONTH" => last_n(PeriodType::SixMonth, 1)?,
        "LAST_2_SIXMONTHS" => last_n(PeriodType::SixMonth, 2)?,
        "THIS_YEAR" => vec![cur(PeriodType::Year)?],
        "LAST_YEAR" => last_n(PeriodType::Year, 1)?,
        "LAST_5_YEARS" => last_n(PeriodType::Year, 5)?,
        "LAST_10_YEARS" => last_n(PeriodType::Year, 10)?,
        _ => return None,
    })
}

pub(crate) fn parse(engine: &Engine, raw: &str) -> Result<AnalyticsQuery, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw)
        .map_err(|e| bad("query", format!("unreadable query: {e}")))?;
    let mut as_of = None;
    let mut at = crate::clock::today_in_vietnam();
    let mut lang = "vi".to_string();
    let mut specs: Vec<(bool, char, String)> = Vec::new();
    for (k, v) in &pairs {
        match k.as_str() {
            "dimension" | "filter" => {
                let (dim, items) = v.split_once(':').ok_or_else(|| {
                    bad(k, format!("'{v}': write DIMENSION:ITEM;ITEM, e.g. dx:A;B"))
                })?;
                let d = match dim {
                    "dx" => 'x',
                    "pe" => 'p',
                    "ou" => 'o',
                    other => {
                        return Err(bad(
                            k,
                            format!("unknown dimension '{other}'; use dx, pe or ou"),
                        ))
                    }
                };
                if specs.iter().any(|(_, e, _)| *e == d) {
                    return Err(bad(k, format!("dimension {dim} is given twice")));
                }
                specs.push((k == "dimension", d, items.to_string()));
            }
            "asOf" => {
                as_of = Some(
                    NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map_err(|_| bad("asOf", format!("'{v}' is not a date (YYYY-MM-DD)")))?,
                );
            }
            "relativePeriodDate" => {
                at = NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                    bad(
                        "relativePeriodDate",
                        format!("'{v}' is not a date (YYYY-MM-DD)"),
                    )
                })?;
            }
            "locale" | "displayProperty" if v.starts_with("en") => {
                lang = "en".into();
            }
            _ => {} // DHIS2 options chiso does not need (skipMeta, displayProperty…) are ignored
        }
    }
    for (d, name) in [('x', "dx"), ('p', "pe"), ('o', "ou")] {
        if !specs.iter().any(|(_, e, _)| *e == d) {
            return Err(bad(
                "dimension",
                format!("the {name} dimension is missing (as a dimension or a filter)"),
            ));
        }
    }
    let mut q = AnalyticsQuery {
        dims: Vec::new(),
        dx: Vec::new(),
        pe: Vec::new(),
        ou: Vec::new(),
        as_of,
        lang,
    };
    for (is_dim, d, items) in specs {
        let field = if is_dim { "dimension" } else { "filter" };
        let items: Vec<&str> = items
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if items.is_empty() {
            return Err(bad(field, "a dimension needs at least one item"));
        }
        match d {
            'x' => {
                for it in items {
                    let dx = if engine.has_indicator(it) {
                        Dx::Indicator(it.to_string())
                    } else {
                        let (el, opt) = match it.split_once('.') {
                            Some((a, b)) => (a, Some(b)),
                            None => (it, None),
                        };
                        let code = Code::parse(el)
                            .map_err(|e| bad(field, format!("dx item '{it}': {e}")))?;
                        if !engine.has_element(el) {
                            return Err(bad(
                                field,
                                format!("unknown indicator or data element {it}"),
                            ));
                        }
                        let opt = opt
                            .map(Code::parse)
                            .transpose()
                            .map_err(|e| bad(field, format!("dx item '{it}': {e}")))?;
                        Dx::Element(code, opt)
                    };
                    q.dx.push((it.to_string(), dx));
                }
            }
            'p' => {
                for it in items {
                    match relative(it, at) {
                        Some(ps) => q.pe.extend(ps),
                        None => {
                            q.pe.push(Period::parse(it).map_err(|e| bad(field, e.to_string()))?)
                        }
                    }
                }
            }
            _ => {
                let mut bases = Vec::new();
                let mut levels = Vec::new();
                for it in &items {
                    if let Some(l) = it.strip_prefix("LEVEL-") {
                        levels.push(
                            l.parse::<i32>()
                                .ok()
                                .filter(|l| (1..=20).contains(l))
                                .ok_or_else(|| {
                                    bad(field, format!("'{it}': LEVEL- needs a level from 1 to 20"))
                                })?,
                        );
                    } else if let Some(g) = it.strip_prefix("OU_GROUP-") {
                        let g = Code::parse(g).map_err(|e| bad(field, format!("'{it}': {e}")))?;
                        if is_dim {
                            for m in engine.group_members(&g)? {
                                q.ou.push(OuItem {
                                    id: m.to_string(),
                                    scope: Scope::Unit(m),
                                });
                            }
                        } else {
                            engine.group_members(&g)?;
                            q.ou.push(OuItem {
                                id: it.to_string(),
                                scope: Scope::Group(g),
                            });
                        }
                    } else if let Some(g) = it.strip_prefix("GROUP-") {
                        let g = Code::parse(g).map_err(|e| bad(field, format!("'{it}': {e}")))?;
                        engine.group_members(&g)?;
                        q.ou.push(OuItem {
                            id: it.to_string(),
                            scope: Scope::Group(g),
                        });
                    } else if *it == "USER_ORGUNIT" || *it == "USER_ORGUNIT_CHILDREN" {
                        for r in engine.roots() {
                            if *it == "USER_ORGUNIT" {
                                q.ou.push(OuItem {
                                    id: r.to_string(),
                                    scope: Scope::Unit(r),
                                });
                            } else {
                                for ch in engine.children_of(&r)? {
                                    q.ou.push(OuItem {
                                        id: ch.to_string(),
                                        scope: Scope::Unit(ch),
                                    });
                                }
                            }
                        }
                    } else {
                        let c = Code::parse(it).map_err(|e| bad(field, format!("'{it}': {e}")))?;
                        engine.children_of(&c)?;
                        bases.push(c);
                    }
                }
                if levels.is_empty() {
                    q.ou.extend(bases.into_iter().map(|c| OuItem {
                        id: c.to_string(),
                        scope: Scope::Unit(c),
                    }));
                } else {
                    let roots = if bases.is_empty() {
                        engine.roots()
                    } else {
                        bases
                    };
                    for l in levels {
                        for r in &roots {
                            for u in engine.units_at_level(r, l, q.as_of)? {
                                q.ou.push(OuItem {
                                    id: u.to_string(),
                                    scope: Scope::Unit(u),
                                });
                            }
                        }
                    }
                }
                if !is_dim && q.ou.len() > 1 {
                    // Several units as a filter: DHIS2 adds them up; chiso answers each only as a dimension.
                    return Err(bad(field, "an ou filter takes one unit or one OU_GROUP-; list several units as a dimension"));
                }
            }
        }
        if is_dim {
            q.dims.push(d);
        }
    }
    Ok(q)
}

pub(crate) fn number(v: f64) -> String {
    let s = format!("{v}");
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

pub(crate) async fn grid(st: &AppState, raw: Option<String>, who: &Who) -> Result<Grid, ApiError> {
    let q = {
        let engine = st.app.read().await;
        parse(&engine, raw.as_deref().unwrap_or(""))?
    };
    let public = {
        let engine = st.app.read().await;
        let codes: Vec<&str> =
            q.dx.iter()
                .map(|(id, d)| {
                    if matches!(d, Dx::Indicator(_)) {
                        id.as_str()
                    } else {
                        ""
                    }
                })
                .collect();
        crate::auth::public_indicators(st, who, &engine, &codes)
    };
    if !public {
        for ou in &q.ou {
            require_scope(st, who, Action::Read, &ou.scope).await?;
        }
    }
    let engine = st.app.read().await;
    let combos = q.dx.len() * q.pe.len() * q.ou.len();
    if combos > MAX_ROWS {
        return Err(bad(
            "dimension",
            format!("{combos} combinations asked; at most {MAX_ROWS} per request"),
        ));
    }
    let mut rows = Vec::new();
    for (dx_id, dx) in &q.dx {
        for pe in &q.pe {
            for ou in &q.ou {
                let v = match dx {
                    Dx::Indicator(code) => engine
                        .indicator(code, &ou.scope, pe, q.as_of)?
                        .map(|v| v.value),
                    Dx::Element(el, opt) => {
                        engine.element(el, opt.as_ref(), &ou.scope, pe, q.as_of)?
                    }
                };
                let Some(v) = v else { continue };
                let mut row = Vec::with_capacity(4);
                for d in &q.dims {
                    row.push(match d {
                        'x' => dx_id.clone(),
                        'p' => pe.to_string(),
                        _ => ou.id.clone(),
                    });
                }
                row.push(number(v));
                rows.push(row);
            }
        }
    }
    drop(engine);
    // Names for the metadata.
    let mut items = BTreeMap::new();
    let lang = q.lang.as_str();
    let names = [
        ("dx", "Data", "Dữ liệu"),
        ("pe", "Period", "Kỳ"),
        ("ou", "Organisation unit", "Đơn vị"),
    ];
    for (k, en, vi) in names {
        items.insert(
            k.to_string(),
            MetaItem {
                name: if lang == "en" { en } else { vi }.to_string(),
            },
        );
    }
    let indicators = st.store.indicators().await?;
    let elements = st.store.elements().await?;
    for (id, dx) in &q.dx {
        let name = match dx {
            Dx::Indicator(c) => indicators
                .iter()
                .find(|i| i.code.as_str() == c)
                .map(|i| i.name(lang).to_string()),
            Dx::Element(c, _) => elements
                .iter()
                .find(|e| e.code == *c)
                .map(|e| e.name(lang).to_string()),
        };
        items.insert(
            id.clone(),
            MetaItem {
                name: name.unwrap_or_else(|| id.clone()),
            },
        );
    }
    for p in &q.pe {
        items.insert(
            p.to_string(),
            MetaItem {
                name: crate::format::period(
                    p,
                    if lang == "en" {
                        crate::i18n::Lang::En
                    } else {
                        crate::i18n::Lang::Vi
                    },
                ),
            },
        );
    }
    let codes: Vec<Code> =
        q.ou.iter()
            .filter_map(|o| match &o.scope {
                Scope::Unit(c) => Some(c.clone()),
                _ => None,
            })
            .collect();
    let units = st
        .store
        .units(&chiso_store::UnitQuery {
            codes,
            ..Default::default()
        })
        .await?;
    let groups = st.store.groups().await?;
    for o in &q.ou {
        let name = match &o.scope {
            Scope::Unit(c) => units
                .iter()
                .find(|u| u.unit.code == *c)
                .map(|u| u.unit.name(lang).to_string()),
            Scope::Group(g) => {
                groups
                    .iter()
                    .find(|x| x.code == *g)
                    .map(|x| match (lang, &x.name_en) {
                        ("en", Some(n)) => n.clone(),
                        _ => x.name_vi.clone(),
                    })
            }
        };
        items.insert(
            o.id.clone(),
            MetaItem {
                name: name.unwrap_or_else(|| o.id.clone()),
            },
        );
    }
    let mut dimensions = BTreeMap::new();
    dimensions.insert(
        "dx".to_string(),
        q.dx.iter().map(|(i, _)| i.clone()).collect(),
    );
    dimensions.insert(
        "pe".to_string(),
        q.pe.iter().map(|p| p.to_string()).collect(),
    );
    dimensions.insert(
        "ou".to_string(),
        q.ou.iter().map(|o| o.id.clone()).collect(),
    );
    dimensions.insert("co".to_string(), vec![]);
    let header = |name: &str, column: &str, meta: bool, number: bool| Header {
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
    };
    let mut headers: Vec<Header> = q
        .dims
        .iter()
        .map(|d| match d {
            'x' => header("dx", "Data", true, false),
            'p' => header("pe", "Period", true, false),
            _ => header("ou", "Organisation unit", true, false),
        })
        .collect();
    headers.push(header("value", "Value", false, true));
    let width = headers.len();
    Ok(Grid {
        height: rows.len(),
        width,
        header_width: width,
        headers,
        meta_data: MetaData { items, dimensions },
        rows,
    })
}

/// Analytics as JSON, in DHIS2's response shape.
#[utoipa::path(get, path = "/api/analytics", tag = "analytics",
    params(
        ("dimension" = Vec<String>, Query, description = "dx:ITEM;ITEM, pe:PERIOD;RELATIVE_PERIOD, ou:UNIT;LEVEL-n;OU_GROUP-CODE (repeat the parameter)"),
        ("filter" = Option<Vec<String>>, Query, description = "Same form as dimension; the items are fixed, not listed in rows"),
        ("asOf" = Option<String>, Query, description = "Read the figures in the structure of this date (YYYY-MM-DD)"),
        ("relativePeriodDate" = Option<String>, Query, description = "The date relative periods count from (default: today in Vietnam)")
    ),
    responses((status = 200, body = Grid), (status = 400, body = ErrorBody)))]
pub async fn analytics(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Grid>, ApiError> {
    Ok(Json(grid(&st, raw, &who).await?))
}

/// Analytics as JSON at the path DHIS2 clients also use (`/api/analytics.json`).
#[utoipa::path(get, path = "/api/analytics.json", tag = "analytics",
    params(
        ("dimension" = Vec<String>, Query, description = "As for /api/analytics"),
        ("filter" = Option<Vec<String>>, Query, description = "As for /api/analytics"),
        ("asOf" = Option<String>, Query, description = "As for /api/analytics")
    ),
    responses((status = 200, body = Grid), (status = 400, body = ErrorBody)))]
pub async fn analytics_json(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Grid>, ApiError> {
    Ok(Json(grid(&st, raw, &who).await?))
}

/// Analytics as CSV: a header line of column names, then one line per row.
#[utoipa::path(get, path = "/api/analytics.csv", tag = "analytics",
    params(
        ("dimension" = Vec<String>, Query, description = "As for /api/analytics"),
        ("filter" = Option<Vec<String>>, Query, description = "As for /api/analytics"),
        ("asOf" = Option<String>, Query, description = "As for /api/analytics")
    ),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody)))]
pub async fn analytics_csv(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let g = grid(&st, raw, &who).await?;
    let esc = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = g
        .headers
        .iter()
        .map(|h| esc(&h.column))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in &g.rows {
        out.push_str(&r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response())
}
