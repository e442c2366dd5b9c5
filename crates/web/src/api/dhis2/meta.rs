//! chiso's definitions in DHIS2's metadata shape: data elements, indicators, organisation
//! units (with `level`, `parent`, `path`), their groups and levels, data sets, the breakdowns
//! as categories and category combinations, period types and constants. An object's `id` is
//! its code, and it answers by either. Lists take `fields=`, `filter=`, `order=` and paging
//! as DHIS2's do ([`super::fields`]).

use super::fields::{self, Select};
pub(crate) use super::locale::{lang_of, shared_names_lang};
use super::message::Dhis2Error;
use crate::auth::{require, Action, Who};
use crate::i18n::Lang;
use crate::AppState;
use chiso_core::{AggregationType, DataElement, PeriodType, ValueType};
use serde_json::{json, Map, Value};

/// DHIS2's identifiers of the default category combination and option combination.
pub(crate) const DEFAULT_COMBO: &str = "bjDvmb4bfuf";
pub(crate) const DEFAULT_OPTION_COMBO: &str = "HllvX50cXC0";

/// A kind of metadata object, by DHIS2's collection name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    DataElements,
    Indicators,
    OrganisationUnits,
    OrganisationUnitGroups,
    OrganisationUnitLevels,
    DataSets,
    CategoryCombos,
    CategoryOptionCombos,
    Categories,
    CategoryOptions,
    PeriodTypes,
    Constants,
}

impl Kind {
    pub(crate) const ALL: [Kind; 12] = [
        Kind::DataElements,
        Kind::Indicators,
        Kind::OrganisationUnits,
        Kind::OrganisationUnitGroups,
        Kind::OrganisationUnitLevels,
        Kind::DataSets,
        Kind::CategoryCombos,
        Kind::CategoryOptionCombos,
        Kind::Categories,
        Kind::CategoryOptions,
        Kind::PeriodTypes,
        Kind::Constants,
    ];

    /// The collection's name in paths and answers.
    pub(crate) fn plural(self) -> &'static str {
        match self {
            Kind::DataElements => "dataElements",
            Kind::Indicators => "indicators",
            Kind::OrganisationUnits => "organisationUnits",
            Kind::OrganisationUnitGroups => "organisationUnitGroups",
            Kind::OrganisationUnitLevels => "organisationUnitLevels",
            Kind::DataSets => "dataSets",
            Kind::CategoryCombos => "categoryCombos",
            Kind::CategoryOptionCombos => "categoryOptionCombos",
            Kind::Categories => "categories",
            Kind::CategoryOptions => "categoryOptions",
            Kind::PeriodTypes => "periodTypes",
            Kind::Constants => "constants",
        }
    }

    /// The object's class name in messages.
    /// The object in Vietnamese, as chiso's pages name it.
    fn singular_vi(self) -> &'static str {
        match self {
            Kind::DataElements => "chỉ tiêu",
            Kind::Indicators => "chỉ số",
            Kind::OrganisationUnits => "đơn vị",
            Kind::OrganisationUnitGroups => "nhóm đơn vị",
            Kind::OrganisationUnitLevels => "cấp đơn vị",
            Kind::DataSets => "biểu mẫu",
            Kind::CategoryCombos | Kind::Categories => "cách phân tổ",
            Kind::CategoryOptionCombos | Kind::CategoryOptions => "mục phân tổ",
            Kind::PeriodTypes => "loại kỳ",
            Kind::Constants => "hằng số",
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Kind::DataElements => "DataElement",
            Kind::Indicators => "Indicator",
            Kind::OrganisationUnits => "OrganisationUnit",
            Kind::OrganisationUnitGroups => "OrganisationUnitGroup",
            Kind::OrganisationUnitLevels => "OrganisationUnitLevel",
            Kind::DataSets => "DataSet",
            Kind::CategoryCombos => "CategoryCombo",
            Kind::CategoryOptionCombos => "CategoryOptionCombo",
            Kind::Categories => "Category",
            Kind::CategoryOptions => "CategoryOption",
            Kind::PeriodTypes => "PeriodType",
            Kind::Constants => "Constant",
        }
    }
}

/// DHIS2's name of a period type.
pub(crate) fn period_type_name(t: PeriodType) -> &'static str {
    match t {
        PeriodType::Day => "Daily",
        PeriodType::Week => "Weekly",
        PeriodType::Month => "Monthly",
        PeriodType::Quarter => "Quarterly",
        PeriodType::SixMonth => "SixMonthly",
        PeriodType::Year => "Yearly",
    }
}

pub(crate) fn value_type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Number => "NUMBER",
        ValueType::Integer => "INTEGER",
        ValueType::IntegerPositive => "INTEGER_POSITIVE",
        ValueType::IntegerZeroOrPositive => "INTEGER_ZERO_OR_POSITIVE",
        ValueType::IntegerNegative => "INTEGER_NEGATIVE",
        ValueType::Percentage => "PERCENTAGE",
        ValueType::UnitInterval => "UNIT_INTERVAL",
        ValueType::Boolean => "BOOLEAN",
        ValueType::TrueOnly => "TRUE_ONLY",
        ValueType::Text => "TEXT",
        ValueType::Date => "DATE",
    }
}

pub(crate) fn aggregation_name(t: AggregationType) -> &'static str {
    match t {
        AggregationType::Sum => "SUM",
        AggregationType::Average => "AVERAGE",
        AggregationType::AverageOverTime => "AVERAGE_SUM_ORG_UNIT",
        AggregationType::LastValue => "LAST",
        AggregationType::Min => "MIN",
        AggregationType::Max => "MAX",
        AggregationType::Count => "COUNT",
    }
}

/// A name in the request's language, falling back to the Vietnamese one.
fn named(vi: &str, en: Option<&str>, lang: Lang) -> String {
    match (lang, en) {
        (Lang::En, Some(e)) if !e.trim().is_empty() => e.to_string(),
        _ => vi.to_string(),
    }
}

/// The fields every identifiable object has: `id` (= its code), `code`, `name` (the stored,
/// Vietnamese name), `displayName` (in the request's language) and the short names.
fn identifiable(code: &str, vi: &str, en: Option<&str>, lang: Lang) -> Map<String, Value> {
    let display = named(vi, en, lang);
    let short = |s: &str| s.chars().take(50).collect::<String>();
    let mut m = Map::new();
    m.insert("id".into(), Value::from(code));
    m.insert("code".into(), Value::from(code));
    m.insert("name".into(), Value::from(vi));
    m.insert("shortName".into(), Value::from(short(vi)));
    m.insert("displayName".into(), Value::from(display.clone()));
    m.insert("displayShortName".into(), Value::from(short(&display)));
    m
}

/// Everything the metadata is built from, read once per request.
pub(crate) struct Defs {
    pub elements: Vec<DataElement>,
    pub indicators: Vec<chiso_core::Indicator>,
    pub data_sets: Vec<chiso_core::DataSet>,
    pub breakdowns: Vec<chiso_core::Breakdown>,
    pub groups: Vec<chiso_core::UnitGroup>,
    pub constants: Vec<chiso_core::Constant>,
}

impl Defs {
    pub(crate) async fn read(st: &AppState) -> Result<Defs, Dhis2Error> {
        let s = st.store.as_ref();
        let e = |e: chiso_store::StoreError| Dhis2Error::from(crate::error::ApiError::from(e));
        Ok(Defs {
            elements: s.elements().await.map_err(e)?,
            indicators: s.indicators().await.map_err(e)?,
            data_sets: s.data_sets().await.map_err(e)?,
            breakdowns: s.breakdowns().await.map_err(e)?,
            groups: s.groups().await.map_err(e)?,
            constants: s.constants().await.map_err(e)?,
        })
    }
}

fn reference(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "displayName": name})
}

fn data_element(e: &DataElement, d: &Defs, lang: Lang) -> Value {
    let mut m = identifiable(e.code.as_str(), &e.name_vi, e.name_en.as_deref(), lang);
    let name = e.name(lang.as_str()).to_string();
    m.insert("formName".into(), Value::from(name));
    if let Some(desc) = &e.description {
        m.insert("description".into(), Value::from(desc.clone()));
    }
    m.insert(
        "valueType".into(),
        Value::from(value_type_name(e.value_type)),
    );
    m.insert(
        "aggregationType".into(),
        Value::from(aggregation_name(e.aggregation)),
    );
    m.insert("domainType".into(), Value::from("AGGREGATE"));
    // chiso keeps zeros.
    m.insert("zeroIsSignificant".into(), Value::from(true));
    m.insert("dimensionItemType".into(), Value::from("DATA_ELEMENT"));
    let combo = match &e.breakdown {
        Some(b) => {
            let name = d
                .breakdowns
                .iter()
                .find(|x| x.code == *b)
                .map(|x| named(&x.name_vi, x.name_en.as_deref(), lang))
                .unwrap_or_else(|| b.to_string());
            reference(b.as_str(), &name)
        }
        None => reference(DEFAULT_COMBO, "default"),
    };
    m.insert("categoryCombo".into(), combo);
    let sets: Vec<Value> = d
        .data_sets
        .iter()
        .filter(|ds| ds.elements.contains(&e.code))
        .map(|ds| {
            json!({
                "dataSet": {
                    "id": ds.code.as_str(),
                    "name": named(&ds.name_vi, ds.name_en.as_deref(), lang),
                    "periodType": period_type_name(ds.period_type),
                },
                "dataElement": {"id": e.code.as_str()},
            })
        })
        .collect();
    m.insert("dataSetElements".into(), Value::Array(sets));
    m.insert("dataElementGroups".into(), json!([]));
    m.insert("legendSets".into(), json!([]));
    if let Some(u) = &e.unit_of_measure {
        // Not a DHIS2 field; DHIS2 clients ignore it.
        m.insert("unitOfMeasure".into(), Value::from(u.clone()));
    }
    Value::Object(m)
}

/// An indicator in DHIS2's shape, beside chiso's own fields (`/api/indicators` serves both
/// kinds of clients).
pub(crate) fn indicator(i: &chiso_core::Indicator, lang: Lang) -> Value {
    let mut m = match serde_json::to_value(i) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    m.extend(identifiable(
        i.code.as_str(),
        &i.name_vi,
        i.name_en.as_deref(),
        lang,
    ));
    m.insert("annualized".into(), Value::from(false));
    m.insert("dimensionItemType".into(), Value::from("INDICATOR"));
    let factor = if i.factor.fract() == 0.0 {
        Value::from(i.factor as i64)
    } else {
        Value::from(i.factor)
    };
    let percent = i.factor == 100.0;
    let type_name = match (percent, lang) {
        (true, Lang::En) => "Per cent".to_string(),
        (true, Lang::Vi) => "Phần trăm".to_string(),
        (false, Lang::En) => format!("Factor {}", i.factor),
        (false, Lang::Vi) => format!("Hệ số {}", i.factor),
    };
    m.insert(
        "indicatorType".into(),
        json!({"id": format!("FACTOR_{}", factor), "name": type_name, "displayName": type_name,
               "factor": factor, "number": !i.is_rate}),
    );
    m.insert("legendSets".into(), json!([]));
    m.insert("indicatorGroups".into(), json!([]));
    Value::Object(m)
}

/// A constant in DHIS2's shape beside chiso's fields.
pub(crate) fn constant(c: &chiso_core::Constant, lang: Lang) -> Value {
    let mut m = match serde_json::to_value(c) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    m.extend(identifiable(
        c.code.as_str(),
        &c.name_vi,
        c.name_en.as_deref(),
        lang,
    ));
    Value::Object(m)
}

fn day(d: chrono::NaiveDate) -> String {
    format!("{}T00:00:00.000", d.format("%Y-%m-%d"))
}

fn org_units(d: &Defs, lang: Lang, engine: &chiso_engine::Engine) -> Vec<Value> {
    let tree = engine.tree();
    tree.units()
        .iter()
        .map(|u| {
            let code = u.code.as_str();
            let mut m = identifiable(code, &u.name_vi, u.name_en.as_deref(), lang);
            let level = tree.level(code).unwrap_or(1);
            m.insert("level".into(), Value::from(level));
            let mut path: Vec<&str> = tree.ancestors(code).map(|a| a.code.as_str()).collect();
            path.reverse();
            path.push(code);
            m.insert("path".into(), Value::from(format!("/{}", path.join("/"))));
            if let Some(p) = tree.ancestors(code).next() {
                let n = named(&p.name_vi, p.name_en.as_deref(), lang);
                m.insert("parent".into(), reference(p.code.as_str(), &n));
            }
            let children: Vec<Value> = tree
                .children(code)
                .map(|c| {
                    reference(
                        c.code.as_str(),
                        &named(&c.name_vi, c.name_en.as_deref(), lang),
                    )
                })
                .collect();
            m.insert("leaf".into(), Value::from(children.is_empty()));
            m.insert("children".into(), Value::Array(children));
            let opening = u
                .valid_from
                .map(day)
                .unwrap_or_else(|| "1900-01-01T00:00:00.000".into());
            m.insert("openingDate".into(), Value::from(opening));
            if let Some(to) = u.valid_to {
                m.insert("closedDate".into(), Value::from(day(to)));
            }
            let groups: Vec<Value> = d
                .groups
                .iter()
                .filter(|g| g.members.contains(&u.code))
                .map(|g| {
                    reference(
                        g.code.as_str(),
                        &named(&g.name_vi, g.name_en.as_deref(), lang),
                    )
                })
                .collect();
            m.insert("organisationUnitGroups".into(), Value::Array(groups));
            if let (Some(lat), Some(lon)) = (u.lat, u.lon) {
                m.insert(
                    "geometry".into(),
                    json!({"type": "Point", "coordinates": [lon, lat]}),
                );
            }
            m.insert("dimensionItemType".into(), Value::from("ORGANISATION_UNIT"));
            Value::Object(m)
        })
        .collect()
}

fn levels(engine: &chiso_engine::Engine, lang: Lang) -> Vec<Value> {
    let tree = engine.tree();
    let deepest = tree
        .units()
        .iter()
        .filter_map(|u| tree.level(u.code.as_str()))
        .max()
        .unwrap_or(0);
    (1..=deepest)
        .map(|l| {
            let name = match (l, lang) {
                (1, Lang::Vi) => "Tỉnh, thành phố".to_string(),
                (1, Lang::En) => "Province".to_string(),
                (n, Lang::Vi) => format!("Cấp {n}"),
                (n, Lang::En) => format!("Level {n}"),
            };
            json!({"id": format!("LEVEL-{l}"), "code": format!("LEVEL-{l}"), "level": l,
                   "name": name, "displayName": name})
        })
        .collect()
}

fn data_sets(d: &Defs, lang: Lang) -> Vec<Value> {
    d.data_sets
        .iter()
        .map(|ds| {
            let mut m = identifiable(ds.code.as_str(), &ds.name_vi, ds.name_en.as_deref(), lang);
            m.insert(
                "periodType".into(),
                Value::from(period_type_name(ds.period_type)),
            );
            let elements: Vec<Value> = ds
                .elements
                .iter()
                .map(|e| {
                    let name = d
                        .elements
                        .iter()
                        .find(|x| x.code == *e)
                        .map(|x| x.name(lang.as_str()).to_string())
                        .unwrap_or_else(|| e.to_string());
                    json!({"dataElement": reference(e.as_str(), &name),
                           "dataSet": {"id": ds.code.as_str()}})
                })
                .collect();
            m.insert("dataSetElements".into(), Value::Array(elements));
            let compulsory: Vec<Value> = ds
                .compulsory
                .iter()
                .map(|e| json!({"dataElement": {"id": e.as_str()}, "categoryOptionCombo": {"id": DEFAULT_OPTION_COMBO}}))
                .collect();
            m.insert("compulsoryDataElementOperands".into(), Value::Array(compulsory));
            m.insert("categoryCombo".into(), reference(DEFAULT_COMBO, "default"));
            m.insert("expiryDays".into(), Value::from(ds.lock_days.unwrap_or(0)));
            m.insert("timelyDays".into(), Value::from(ds.due_days));
            m.insert("openFuturePeriods".into(), Value::from(0));
            m.insert("approveData".into(), Value::from(ds.approval));
            m.insert("formType".into(), Value::from("DEFAULT"));
            m.insert("dimensionItemType".into(), Value::from("REPORTING_RATE"));
            Value::Object(m)
        })
        .collect()
}

fn combos(d: &Defs, lang: Lang) -> (Vec<Value>, Vec<Value>, Vec<Value>, Vec<Value>) {
    let default_option = json!({"id": DEFAULT_OPTION_COMBO, "code": "default", "name": "default",
                                "displayName": "default", "ignoreApproval": false});
    let mut combos = vec![json!({
        "id": DEFAULT_COMBO, "code": "default", "name": "default", "displayName": "default",
        "dataDimensionType": "DISAGGREGATION", "skipTotal": false, "isDefault": true,
        "categories": [{"id": "GLevLNI9wkl", "name": "default"}],
        "categoryOptionCombos": [{"id": DEFAULT_OPTION_COMBO, "name": "default"}],
    })];
    let mut option_combos = vec![default_option];
    let mut categories = vec![
        json!({"id": "GLevLNI9wkl", "code": "default", "name": "default",
        "displayName": "default", "dataDimensionType": "DISAGGREGATION",
        "categoryOptions": [{"id": "xYerKDKCefk", "name": "default"}]}),
    ];
    let mut options = vec![
        json!({"id": "xYerKDKCefk", "code": "default", "name": "default",
        "displayName": "default"}),
    ];
    for b in &d.breakdowns {
        let bname = named(&b.name_vi, b.name_en.as_deref(), lang);
        let opts: Vec<Value> = b
            .options
            .iter()
            .map(|o| {
                reference(
                    o.code.as_str(),
                    &named(&o.name_vi, o.name_en.as_deref(), lang),
                )
            })
            .collect();
        let mut c = identifiable(b.code.as_str(), &b.name_vi, b.name_en.as_deref(), lang);
        c.insert("dataDimensionType".into(), Value::from("DISAGGREGATION"));
        c.insert("skipTotal".into(), Value::from(false));
        c.insert("isDefault".into(), Value::from(false));
        c.insert(
            "categories".into(),
            json!([reference(b.code.as_str(), &bname)]),
        );
        c.insert("categoryOptionCombos".into(), Value::Array(opts.clone()));
        combos.push(Value::Object(c));
        let mut cat = identifiable(b.code.as_str(), &b.name_vi, b.name_en.as_deref(), lang);
        cat.insert("dataDimensionType".into(), Value::from("DISAGGREGATION"));
        cat.insert("categoryOptions".into(), Value::Array(opts));
        categories.push(Value::Object(cat));
        for o in &b.options {
            let mut oc = identifiable(o.code.as_str(), &o.name_vi, o.name_en.as_deref(), lang);
            oc.insert("categoryCombo".into(), reference(b.code.as_str(), &bname));
            oc.insert("categoryOptions".into(), json!([{"id": o.code.as_str()}]));
            option_combos.push(Value::Object(oc.clone()));
            let mut co = identifiable(o.code.as_str(), &o.name_vi, o.name_en.as_deref(), lang);
            co.insert(
                "categories".into(),
                json!([reference(b.code.as_str(), &bname)]),
            );
            options.push(Value::Object(co));
        }
    }
    (combos, option_combos, categories, options)
}

fn period_types() -> Vec<Value> {
    [
        ("Daily", "P1D", "yyyyMMdd", 1),
        ("Weekly", "P7D", "yyyyWn", 7),
        ("Monthly", "P1M", "yyyyMM", 30),
        ("Quarterly", "P3M", "yyyyQn", 91),
        ("SixMonthly", "P6M", "yyyySn", 182),
        ("Yearly", "P1Y", "yyyy", 365),
    ]
    .into_iter()
    .map(|(name, iso, fmt, order)| {
        json!({"name": name, "isoDuration": iso, "isoFormat": fmt, "frequencyOrder": order})
    })
    .collect()
}

/// Every object of a kind, whole.
pub(crate) fn objects(
    kind: Kind,
    d: &Defs,
    lang: Lang,
    engine: &chiso_engine::Engine,
) -> Vec<Value> {
    match kind {
        Kind::DataElements => d
            .elements
            .iter()
            .map(|e| data_element(e, d, lang))
            .collect(),
        Kind::Indicators => d.indicators.iter().map(|i| indicator(i, lang)).collect(),
        Kind::OrganisationUnits => org_units(d, lang, engine),
        Kind::OrganisationUnitGroups => d
            .groups
            .iter()
            .map(|g| {
                let mut m = identifiable(g.code.as_str(), &g.name_vi, g.name_en.as_deref(), lang);
                m.insert(
                    "organisationUnits".into(),
                    Value::Array(
                        g.members
                            .iter()
                            .map(|u| json!({"id": u.as_str()}))
                            .collect(),
                    ),
                );
                m.insert(
                    "dimensionItemType".into(),
                    Value::from("ORGANISATION_UNIT_GROUP"),
                );
                Value::Object(m)
            })
            .collect(),
        Kind::OrganisationUnitLevels => levels(engine, lang),
        Kind::DataSets => data_sets(d, lang),
        Kind::CategoryCombos => combos(d, lang).0,
        Kind::CategoryOptionCombos => combos(d, lang).1,
        Kind::Categories => combos(d, lang).2,
        Kind::CategoryOptions => combos(d, lang).3,
        Kind::PeriodTypes => period_types(),
        Kind::Constants => d.constants.iter().map(|c| constant(c, lang)).collect(),
    }
}

/// The request's query as pairs, repeated keys kept.
pub(crate) fn pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, Dhis2Error> {
    serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| {
        Dhis2Error::bad(
            "E1001",
            super::message::say(
                format!("không đọc được chuỗi tham số (sau dấu ?): {e}"),
                format!("unreadable query string (after the ?): {e}"),
            ),
        )
    })
}

fn all<'a>(q: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    q.iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn one<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn flag(q: &[(String, String)], key: &str) -> Option<bool> {
    one(q, key).map(|v| v.eq_ignore_ascii_case("true"))
}

fn number(q: &[(String, String)], key: &str, default: usize) -> Result<usize, Dhis2Error> {
    match one(q, key) {
        None | Some("") => Ok(default),
        Some(v) => v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            Dhis2Error::conflict(
                "E2009",
                super::message::say(
                    format!("{key}: `{v}` phải là số nguyên từ 1 trở lên"),
                    format!("{key}: `{v}` must be a whole number from 1"),
                ),
            )
        }),
    }
}

/// How a list is answered: DHIS2's default (`id,displayName`, pages of 50) or, on a path
/// chiso shares, chiso's (every field, one page).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Defaults {
    Dhis2,
    Shared,
}

fn bad_query(e: fields::QueryError) -> Dhis2Error {
    Dhis2Error::conflict(e.code, e.message)
}

/// A list answer: the objects filtered, ordered, paged and with the fields asked.
pub(crate) fn list_answer(
    kind: Kind,
    mut items: Vec<Value>,
    q: &[(String, String)],
    path: &str,
    defaults: Defaults,
) -> Result<Value, Dhis2Error> {
    let field_params = all(q, "fields");
    let sel: Vec<Select> = if field_params.is_empty() {
        match defaults {
            // Period types have neither `id` nor `displayName`: DHIS2 lists them whole.
            Defaults::Dhis2 if kind == Kind::PeriodTypes => vec![Select::All],
            Defaults::Dhis2 => fields::parse_fields(&["id,displayName"]).map_err(bad_query)?,
            Defaults::Shared => vec![Select::All],
        }
    } else {
        fields::parse_fields(&field_params).map_err(bad_query)?
    };
    let filters = all(q, "filter")
        .into_iter()
        .map(fields::parse_filter)
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad_query)?;
    let any = one(q, "rootJunction").is_some_and(|j| j.eq_ignore_ascii_case("OR"));
    if kind == Kind::OrganisationUnits {
        // DHIS2's shortcuts for units: `level=`, `parent=`… here as filters.
        let levels: Vec<&str> = all(q, "level");
        if !levels.is_empty() {
            items.retain(|u| {
                let l = u
                    .get("level")
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
                    .to_string();
                levels.contains(&l.as_str())
            });
        }
        if let Some(p) = one(q, "parent") {
            items.retain(|u| u.pointer("/parent/id").and_then(Value::as_str) == Some(p));
        }
    }
    if !filters.is_empty() {
        items.retain(|x| {
            if any {
                filters.iter().any(|f| f.matches(x))
            } else {
                filters.iter().all(|f| f.matches(x))
            }
        });
    }
    if let Some(o) = one(q, "order") {
        fields::sort(&mut items, &fields::parse_order(o).map_err(bad_query)?);
    }
    let total = items.len();
    let paging = match flag(q, "paging") {
        Some(p) => p,
        None => {
            defaults == Defaults::Dhis2 || one(q, "page").is_some() || one(q, "pageSize").is_some()
        }
    };
    let mut out = Map::new();
    let page_items: Vec<Value> = if paging {
        let size = number(q, "pageSize", 50)?;
        let page = number(q, "page", 1)?;
        out.insert("pager".into(), fields::pager(page, size, total, path));
        items
            .into_iter()
            .skip((page - 1).saturating_mul(size))
            .take(size)
            .collect()
    } else {
        if defaults == Defaults::Shared {
            out.insert("pager".into(), fields::pager(1, total.max(1), total, path));
        }
        items
    };
    out.insert(
        kind.plural().into(),
        Value::Array(page_items.iter().map(|x| fields::select(x, &sel)).collect()),
    );
    Ok(Value::Object(out))
}

/// One object, by id or code, with the fields asked (all by default).
pub(crate) fn item_answer(
    kind: Kind,
    items: Vec<Value>,
    id: &str,
    q: &[(String, String)],
) -> Result<Value, Dhis2Error> {
    let id = id.strip_suffix(".json").unwrap_or(id);
    let found = items.into_iter().find(|x| {
        x.get("id").and_then(Value::as_str) == Some(id)
            || x.get("code").and_then(Value::as_str) == Some(id)
            || (kind == Kind::PeriodTypes && x.get("name").and_then(Value::as_str) == Some(id))
    });
    let Some(obj) = found else {
        return Err(Dhis2Error::not_found(super::message::say(
            format!(
                "không có {} mã `{id}` (/api/{}/{id})",
                kind.singular_vi(),
                kind.plural()
            ),
            format!("{} with id {id} could not be found.", kind.singular()),
        )));
    };
    let field_params = all(q, "fields");
    if field_params.is_empty() {
        return Ok(obj);
    }
    let sel = fields::parse_fields(&field_params).map_err(bad_query)?;
    Ok(fields::select(&obj, &sel))
}

/// Read the objects of a kind for a request (who may read metadata is checked).
pub(crate) async fn read_objects(
    st: &AppState,
    who: &Who,
    kind: Kind,
    lang: Lang,
) -> Result<Vec<Value>, Dhis2Error> {
    require(st, who, Action::ReadMeta, &[])
        .await
        .map_err(Dhis2Error::from)?;
    let d = Defs::read(st).await?;
    let engine = st.app.read().await;
    Ok(objects(kind, &d, lang, &engine))
}

/// `/api/metadata`: every kind (or those named `kind=true`), with the fields asked.
pub(crate) async fn metadata(
    st: &AppState,
    who: &Who,
    q: &[(String, String)],
) -> Result<Value, Dhis2Error> {
    require(st, who, Action::ReadMeta, &[])
        .await
        .map_err(Dhis2Error::from)?;
    let lang = lang_of(q);
    let d = Defs::read(st).await?;
    let engine = st.app.read().await;
    let named: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| flag(q, k.plural()) == Some(true))
        .collect();
    let kinds = if named.is_empty() {
        Kind::ALL.to_vec()
    } else {
        named
    };
    let field_params = all(q, "fields");
    let sel = if field_params.is_empty() {
        vec![Select::All]
    } else {
        fields::parse_fields(&field_params).map_err(bad_query)?
    };
    let mut out = Map::new();
    out.insert(
        "system".into(),
        json!({"version": super::message::VERSION, "date": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
               "calendar": "iso8601"}),
    );
    for k in kinds {
        let items = objects(k, &d, lang, &engine);
        out.insert(
            k.plural().into(),
            Value::Array(items.iter().map(|x| fields::select(x, &sel)).collect()),
        );
    }
    Ok(Value::Object(out))
}
