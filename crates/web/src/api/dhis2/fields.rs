//! DHIS2's metadata query language over JSON objects: `fields=` (a selection, nested with
//! `[…]`, `*`, `:all`, the presets and `!` exclusions), `filter=` (`property:operator:value`,
//! `rootJunction`), `order=` and paging (`page`, `pageSize`, `paging=false`, the `pager`).
//! Pure functions, so the shapes are tested without a server.

use serde_json::{Map, Value};
use std::cmp::Ordering;

/// One selected field: its name and what to select inside it (none: the whole value, or
/// the reference `{id}` of an object).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Select {
    /// Every field (`*`, `:all`, `:owner`).
    All,
    /// A field by name, with an optional selection inside it.
    Field(String, Option<Vec<Select>>),
    /// A field left out (`!name`).
    Not(String),
}

/// Why a `fields`, `filter` or `order` parameter cannot be read: DHIS2's E-code and the
/// message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QueryError {
    pub code: &'static str,
    pub message: String,
}

/// A refusal in the request's language (DHIS2's English words, or Vietnamese), naming the
/// parameter.
fn err(code: &'static str, vi: String, en: String) -> QueryError {
    QueryError {
        code,
        message: super::message::say(vi, en),
    }
}

/// The presets DHIS2 names with a colon.
fn preset(name: &str) -> Option<Vec<Select>> {
    let f = |names: &[&str]| {
        names
            .iter()
            .map(|n| Select::Field((*n).to_string(), None))
            .collect()
    };
    match name {
        ":all" | ":owner" | "*" => Some(vec![Select::All]),
        ":identifiable" => Some(f(&["id", "name", "code", "created", "lastUpdated", "href"])),
        ":nameable" => Some(f(&[
            "id",
            "name",
            "shortName",
            "code",
            "description",
            "created",
            "lastUpdated",
            "href",
        ])),
        ":simple" => Some(vec![Select::All]),
        _ => None,
    }
}

/// Parse `fields` (several parameters are one list).
pub(crate) fn parse_fields(params: &[&str]) -> Result<Vec<Select>, QueryError> {
    let mut out = Vec::new();
    for p in params {
        let chars: Vec<char> = p.chars().collect();
        let mut at = 0;
        out.extend(parse_list(&chars, &mut at, 0)?);
        if at < chars.len() {
            return Err(err(
                "E7651",
                format!(
                    "fields: `{p}` viết sai ở vị trí {at}: cần `,`, `[` hoặc `]` nhưng gặp `{}`",
                    chars[at]
                ),
                format!(
                    "fields: Illegal fields expression `{p}`, expected `,`, `[` or `]` at position {at} but found `{}`",
                    chars[at]
                ),
            ));
        }
    }
    Ok(out)
}

fn parse_list(chars: &[char], at: &mut usize, depth: usize) -> Result<Vec<Select>, QueryError> {
    if depth > 10 {
        return Err(err(
            "E7651",
            "fields: lồng nhau quá 10 tầng".into(),
            "fields: nested more than 10 levels deep".into(),
        ));
    }
    let mut out = Vec::new();
    loop {
        let start = *at;
        while *at < chars.len() && !matches!(chars[*at], ',' | '[' | ']' | '(' | ')') {
            *at += 1;
        }
        let name: String = chars[start..*at]
            .iter()
            .collect::<String>()
            .trim()
            .to_string();
        let mut inner = None;
        if *at < chars.len() && (chars[*at] == '[' || chars[*at] == '(') {
            let close = if chars[*at] == '[' { ']' } else { ')' };
            *at += 1;
            let list = parse_list(chars, at, depth + 1)?;
            if *at >= chars.len() || chars[*at] != close {
                return Err(err(
                    "E7651",
                    format!("fields: thiếu `{close}` ở vị trí {at}"),
                    format!(
                        "fields: Illegal fields expression, expected `{close}` at position {at}"
                    ),
                ));
            }
            *at += 1;
            inner = Some(list);
        }
        // A renaming or transformer (`name~rename(x)`, `name::size`) selects the field as is.
        let name = name
            .split(['~', '|'])
            .next()
            .unwrap_or("")
            .split("::")
            .next()
            .unwrap_or("")
            .to_string();
        if !name.is_empty() {
            if let Some(n) = name.strip_prefix('!') {
                out.push(Select::Not(n.to_string()));
            } else if let Some(p) = preset(&name) {
                out.extend(p);
            } else {
                out.push(Select::Field(name, inner));
            }
        }
        if *at < chars.len() && chars[*at] == ',' {
            *at += 1;
            continue;
        }
        return Ok(out);
    }
}

/// The selection of a value: objects keep the fields selected; a list selects in each item.
pub(crate) fn select(v: &Value, sel: &[Select]) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(|x| select(x, sel)).collect()),
        Value::Object(obj) => {
            let all = sel.iter().any(|s| matches!(s, Select::All));
            let mut out = Map::new();
            if all {
                for (k, x) in obj {
                    out.insert(k.clone(), x.clone());
                }
            }
            for s in sel {
                if let Select::Field(name, inner) = s {
                    if let Some(x) = obj.get(name) {
                        let x = match inner {
                            Some(inner) => select(x, inner),
                            None if !all => reference(x),
                            None => x.clone(),
                        };
                        out.insert(name.clone(), x);
                    }
                }
            }
            for s in sel {
                if let Select::Not(name) = s {
                    out.remove(name);
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// A field selected without a selection inside it: an object that has an `id` is given as
/// its reference `{"id": …}` (DHIS2's way); lists of them likewise; anything else whole.
fn reference(v: &Value) -> Value {
    match v {
        Value::Object(o) => match o.get("id") {
            Some(id) => serde_json::json!({ "id": id }),
            None => v.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(reference).collect()),
        other => other.clone(),
    }
}

/// One `filter=property:operator:value`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Filter {
    path: Vec<String>,
    op: String,
    value: String,
}

const OPERATORS: &[&str] = &[
    "eq", "!eq", "ne", "neq", "ieq", "in", "!in", "like", "!like", "ilike", "!ilike", "$like",
    "!$like", "$ilike", "!$ilike", "like$", "!like$", "ilike$", "!ilike$", "null", "!null",
    "empty", "gt", "ge", "lt", "le", "token", "!token",
];

pub(crate) fn parse_filter(s: &str) -> Result<Filter, QueryError> {
    let mut parts = s.splitn(3, ':');
    let (Some(path), Some(op)) = (parts.next(), parts.next()) else {
        return Err(err(
            "E2014",
            format!("filter: không đọc được `{s}`; ghi thuộc_tính:phép_so:giá_trị, ví dụ name:like:Ninh"),
            format!("filter: Unable to parse filter `{s}`: write property:operator:value, e.g. name:like:Ninh"),
        ));
    };
    let value = parts.next().unwrap_or("").to_string();
    if !OPERATORS.contains(&op) {
        return Err(err(
            "E2035",
            format!("filter `{s}`: không có phép so `{op}`; dùng eq, ne, in, like, ilike, gt, lt, null …"),
            format!("filter `{s}`: Operator not supported: `{op}`; use eq, ne, in, like, ilike, gt, lt, null ..."),
        ));
    }
    if path.is_empty() {
        return Err(err(
            "E2014",
            format!("filter: `{s}` thiếu tên thuộc tính trước dấu `:`"),
            format!("filter: Unable to parse filter `{s}`: the property is missing"),
        ));
    }
    let needs_value = !matches!(op, "null" | "!null" | "empty");
    if needs_value && value.is_empty() && !matches!(op, "eq" | "!eq" | "ne" | "neq") {
        return Err(err(
            "E2014",
            format!("filter: `{s}` thiếu giá trị sau phép so `{op}`"),
            format!("filter: Unable to parse filter `{s}`: the value is missing"),
        ));
    }
    Ok(Filter {
        path: path.split('.').map(str::to_string).collect(),
        op: op.to_string(),
        value,
    })
}

/// The values at a property path (a list on the way gives each of its items').
fn values_at<'a>(v: &'a Value, path: &[String], out: &mut Vec<&'a Value>) {
    let Some((first, rest)) = path.split_first() else {
        out.push(v);
        return;
    };
    match v {
        Value::Array(items) => {
            for x in items {
                values_at(x, path, out);
            }
        }
        Value::Object(o) => {
            if let Some(x) = o.get(first) {
                if rest.is_empty() {
                    if let Value::Array(items) = x {
                        out.extend(items.iter());
                        if items.is_empty() {
                            out.push(x);
                        }
                    } else {
                        out.push(x);
                    }
                } else {
                    values_at(x, rest, out);
                }
            }
        }
        _ => {}
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn compare(v: &Value, w: &str) -> Option<Ordering> {
    match v {
        Value::Number(n) => {
            let (a, b) = (n.as_f64()?, w.parse::<f64>().ok()?);
            a.partial_cmp(&b)
        }
        Value::String(s) => Some(s.as_str().cmp(w)),
        _ => None,
    }
}

impl Filter {
    pub(crate) fn matches(&self, obj: &Value) -> bool {
        let mut found = Vec::new();
        values_at(obj, &self.path, &mut found);
        let (negated, op) = match self.op.strip_prefix('!') {
            Some(op) => (true, op),
            None if matches!(self.op.as_str(), "ne" | "neq") => (true, "eq"),
            None => (false, self.op.as_str()),
        };
        let list: Vec<String> = self
            .value
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|s| s.trim().to_string())
            .collect();
        let lower = self.value.to_lowercase();
        let one = |v: &Value| -> bool {
            let t = text(v);
            match op {
                "eq" => t.as_deref() == Some(self.value.as_str()),
                "ieq" => t.is_some_and(|t| t.to_lowercase() == lower),
                "in" => t.is_some_and(|t| list.contains(&t)),
                "like" | "ilike" | "token" => t.is_some_and(|t| t.to_lowercase().contains(&lower)),
                "$like" | "$ilike" => t.is_some_and(|t| t.to_lowercase().starts_with(&lower)),
                "like$" | "ilike$" => t.is_some_and(|t| t.to_lowercase().ends_with(&lower)),
                "null" => v.is_null(),
                "empty" => matches!(v, Value::Array(a) if a.is_empty()),
                "gt" => compare(v, &self.value) == Some(Ordering::Greater),
                "ge" => matches!(
                    compare(v, &self.value),
                    Some(Ordering::Greater | Ordering::Equal)
                ),
                "lt" => compare(v, &self.value) == Some(Ordering::Less),
                "le" => matches!(
                    compare(v, &self.value),
                    Some(Ordering::Less | Ordering::Equal)
                ),
                _ => false,
            }
        };
        let hit = if op == "null" && found.is_empty() {
            true
        } else {
            found.iter().any(|v| one(v))
        };
        hit != negated
    }
}

/// One `order=property:asc|desc`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Order {
    field: String,
    descending: bool,
    ignore_case: bool,
}

pub(crate) fn parse_order(s: &str) -> Result<Vec<Order>, QueryError> {
    s.split(',')
        .filter(|x| !x.trim().is_empty())
        .map(|x| {
            let (field, dir) = x.trim().split_once(':').unwrap_or((x.trim(), "asc"));
            let (descending, ignore_case) = match dir.to_ascii_lowercase().as_str() {
                "asc" => (false, false),
                "iasc" => (false, true),
                "desc" => (true, false),
                "idesc" => (true, true),
                _ => {
                    return Err(err(
                        "E2015",
                        format!("order: không đọc được `{x}`; ghi thuộc_tính:asc, desc, iasc hoặc idesc"),
                        format!("order: Unable to parse order param: `{x}`; write property:asc, desc, iasc or idesc"),
                    ))
                }
            };
            Ok(Order {
                field: field.to_string(),
                descending,
                ignore_case,
            })
        })
        .collect()
}

fn order_key(v: &Value, o: &Order) -> (u8, f64, String) {
    match v.get(&o.field) {
        Some(Value::Number(n)) => (0, n.as_f64().unwrap_or(0.0), String::new()),
        Some(Value::String(s)) if o.ignore_case => (1, 0.0, s.to_lowercase()),
        Some(Value::String(s)) => (1, 0.0, s.clone()),
        Some(Value::Bool(b)) => (1, 0.0, b.to_string()),
        _ => (2, 0.0, String::new()),
    }
}

pub(crate) fn sort(items: &mut [Value], orders: &[Order]) {
    items.sort_by(|a, b| {
        for o in orders {
            let (ka, kb) = (order_key(a, o), order_key(b, o));
            let c =
                ka.0.cmp(&kb.0)
                    .then(ka.1.partial_cmp(&kb.1).unwrap_or(Ordering::Equal))
                    .then(ka.2.cmp(&kb.2));
            let c = if o.descending { c.reverse() } else { c };
            if c != Ordering::Equal {
                return c;
            }
        }
        Ordering::Equal
    });
}

/// DHIS2's pager.
pub(crate) fn pager(page: usize, page_size: usize, total: usize, base: &str) -> Value {
    let page_count = total.div_ceil(page_size.max(1)).max(1);
    let mut p = serde_json::json!({
        "page": page,
        "pageCount": page_count,
        "total": total,
        "pageSize": page_size,
    });
    let link = |n: usize| {
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}page={n}")
    };
    if page < page_count {
        p["nextPage"] = Value::from(link(page + 1));
    }
    if page > 1 {
        p["prevPage"] = Value::from(link(page - 1));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn unit() -> Value {
        json!({"id": "5801", "code": "5801", "name": "Phan Rang", "level": 2,
               "parent": {"id": "58", "name": "Ninh Thuận"},
               "children": [{"id": "A", "name": "a"}, {"id": "B", "name": "b"}],
               "dataSetElements": [{"dataSet": {"id": "BM", "name": "Biểu", "periodType": "Yearly"}}]})
    }

    #[test]
    fn fields_select_nested_and_reference() {
        let sel = parse_fields(&["id,level,parent,children[name]"]).unwrap();
        assert_eq!(
            select(&unit(), &sel),
            json!({"id": "5801", "level": 2, "parent": {"id": "58"},
                   "children": [{"name": "a"}, {"name": "b"}]})
        );
        let sel = parse_fields(&["dataSetElements[dataSet[id,periodType]]"]).unwrap();
        assert_eq!(
            select(&unit(), &sel),
            json!({"dataSetElements": [{"dataSet": {"id": "BM", "periodType": "Yearly"}}]})
        );
        let sel = parse_fields(&["*,!children,!dataSetElements"]).unwrap();
        let got = select(&unit(), &sel);
        assert_eq!(got["parent"]["name"], "Ninh Thuận");
        assert!(got.get("children").is_none());
        assert!(parse_fields(&["id,children[name"]).is_err());
    }

    #[test]
    fn filters_compare_as_dhis2() {
        let u = unit();
        for (f, hit) in [
            ("level:eq:2", true),
            ("level:eq:3", false),
            ("parent.id:eq:58", true),
            ("id:in:[1,5801]", true),
            ("name:ilike:phan", true),
            ("name:like:rang", true),
            ("name:!ilike:phan", false),
            ("children.id:eq:B", true),
            ("level:gt:1", true),
            ("code:null:", false),
            ("description:null:", true),
        ] {
            assert_eq!(parse_filter(f).unwrap().matches(&u), hit, "{f}");
        }
        assert_eq!(parse_filter("level:between:1").unwrap_err().code, "E2035");
        assert_eq!(parse_filter("level").unwrap_err().code, "E2014");
    }

    #[test]
    fn pager_and_order() {
        let p = pager(1, 2, 5, "/api/dataElements");
        assert_eq!(p["pageCount"], 3);
        assert_eq!(p["nextPage"], "/api/dataElements?page=2");
        assert!(p.get("prevPage").is_none());
        let mut items = vec![json!({"n": "b"}), json!({"n": "a"}), json!({"n": "C"})];
        sort(&mut items, &parse_order("n:idesc").unwrap());
        assert_eq!(items[0]["n"], "C");
        assert!(parse_order("n:sideways").is_err());
    }
}
