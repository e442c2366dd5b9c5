//! The audit log page, filtered (administrators only): each change read as its fields, old →
//! new, in the page's language; a large batch as a summary; the raw JSON kept for experts.

use crate::auth::{allowed, Action, Who};
use crate::format;
use crate::i18n::{I18n, Lang};
use crate::pages::{login_or_forbidden, Page, PageQuery};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize, Default)]
pub struct AuditFilter {
    lang: Option<String>,
    entity: Option<String>,
    action: Option<String>,
    actor: Option<String>,
    /// How many of the newest rows to show (the "older rows" link asks for more).
    shown: Option<usize>,
}

/// Rows a page shows at first, and the most it ever shows.
const PAGE_ROWS: usize = 50;
const MAX_ROWS: usize = 2_000;

pub(crate) async fn audit_page(
    State(st): State<AppState>,
    Query(q): Query<AuditFilter>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
) -> Response {
    let page = Page::new(
        &PageQuery {
            lang: q.lang.clone(),
        },
        &headers,
        &uri,
        &who,
    );
    let lang = page.lang;
    if !allowed(
        &who,
        Action::Administer,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return login_or_forbidden(&st, &page, &who, "/admin/audit");
    }
    let clean = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let shown = q.shown.unwrap_or(PAGE_ROWS).clamp(1, MAX_ROWS);
    let query = chiso_store::AuditQuery {
        entity_prefix: clean(&q.entity),
        action_prefix: clean(&q.action),
        actor: clean(&q.actor),
        limit: Some(shown as i64 + 1),
    };
    let (rows, check) = match (st.store.audit(&query).await, st.store.verify_audit().await) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) | (_, Err(e)) => return page.respond(&st, Err(e.into())),
    };
    let chain = match check.broken {
        None => st
            .i18n
            .t(lang, "audit-intact", &[("rows", check.rows.to_string())]),
        Some((id, why)) => st.i18n.t(
            lang,
            "audit-broken",
            &[("id", id.to_string()), ("why", why)],
        ),
    };
    // One row more than shown was read: whether older rows remain.
    let more = (rows.len() > shown && shown < MAX_ROWS).then(|| {
        let mut q2 = vec![format!("shown={}", (shown + PAGE_ROWS).min(MAX_ROWS))];
        for (k, v) in [
            ("entity", &q.entity),
            ("action", &q.action),
            ("actor", &q.actor),
        ] {
            if let Some(v) = clean(v) {
                q2.push(format!("{k}={}", crate::pages::account::encode_next(&v)));
            }
        }
        format!("/admin/audit?{}", q2.join("&"))
    });
    let rows: Vec<minijinja::Value> = rows
        .iter()
        .take(shown)
        .map(|e| {
            minijinja::context! {
                id => e.id,
                at => moment(e.at, lang),
                actor => e.actor.clone(),
                via => e.via.clone(),
                action => e.action.clone(),
                entity => e.entity.clone(),
                changes => readable(&st.i18n, lang, e),
                old_raw => e.old_value.as_deref().map(raw),
                new_raw => e.new_value.as_deref().map(raw),
            }
        })
        .collect();
    page.render(
        &st,
        StatusCode::OK,
        "audit.html",
        minijinja::context! { rows, chain, more, entity => q.entity.unwrap_or_default(), action => q.action.unwrap_or_default(), actor => q.actor.unwrap_or_default() },
    )
}

/// A moment in Vietnam's time (UTC+7), to the second: "04/12/2026 18:34:40",
/// "4 Dec 2026 18:34:40".
fn moment(at: chrono::DateTime<chrono::Utc>, lang: Lang) -> String {
    let local = (at + chrono::Duration::hours(7)).naive_utc();
    format!(
        "{} {}",
        format::date(local.date(), lang),
        local.format("%H:%M:%S")
    )
}

/// At most this many characters of a stored JSON text are shown, pretty-printed.
const RAW_LIMIT: usize = 20_000;

/// The stored JSON for experts, pretty-printed (the text as stored when it is not JSON).
fn raw(text: &str) -> String {
    let pretty = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_string());
    shorten(&pretty, RAW_LIMIT)
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max).collect::<String>())
    } else {
        s.to_string()
    }
}

/// At most this many fields of a record added or removed are listed.
const SHOWN_FIELDS: usize = 6;

/// An audit row in words: one line per field, "Field: old → new" for a change, "Field: value"
/// for a record added or removed; a batch of values as one summary line.
fn readable(i18n: &I18n, lang: Lang, e: &chiso_core::AuditEntry) -> Vec<String> {
    let parse = |v: &Option<String>| {
        v.as_deref()
            .map(|t| serde_json::from_str::<Value>(t).map_err(|_| t.to_string()))
    };
    let (old, new) = (parse(&e.old_value), parse(&e.new_value));
    if e.action == "data_value.batch" {
        if let Some(Ok(Value::Object(summary))) = &new {
            return vec![batch(i18n, lang, summary)];
        }
    }
    let entity = e.entity.as_str();
    match (old, new) {
        (Some(Ok(Value::Object(o))), Some(Ok(Value::Object(n)))) => {
            let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
            keys.sort_by_key(|k| (rank(k), k.as_str()));
            keys.dedup();
            keys.into_iter()
                .filter(|k| !HIDDEN.contains(&k.as_str()))
                .filter_map(|k| {
                    let (a, b) = (o.get(k.as_str()), n.get(k.as_str()));
                    if a == b {
                        return None;
                    }
                    let a = shown(i18n, lang, entity, k, a);
                    let b = shown(i18n, lang, entity, k, b);
                    // A change finer than what is shown (a time to the nanosecond) is left to
                    // the raw record.
                    (a != b).then(|| format!("{}: {a} → {b}", field(i18n, lang, entity, k)))
                })
                .collect()
        }
        (None, Some(Ok(Value::Object(m)))) | (Some(Ok(Value::Object(m))), None) => {
            record(i18n, lang, entity, &m)
        }
        (old, new) => {
            // Not JSON records (an event's detail): the text itself, shortened.
            let text = |v: Option<Result<Value, String>>| match v {
                None => None,
                Some(Ok(v)) => Some(shown(i18n, lang, entity, "", Some(&v))),
                Some(Err(t)) => Some(shorten(&t, 200)),
            };
            match (text(old), text(new)) {
                (Some(a), Some(b)) => vec![format!("{a} → {b}")],
                (Some(a), None) | (None, Some(a)) => vec![a],
                (None, None) => Vec::new(),
            }
        }
    }
}

/// Fields never listed: the number a value's text already gives.
const HIDDEN: [&str; 1] = ["num"];

/// Fields listed first, in this order; the others after them by name.
fn rank(field: &str) -> usize {
    const FIRST: [&str; 12] = [
        "value",
        "name_vi",
        "name_en",
        "name",
        "title",
        "text",
        "status",
        "progress",
        "comment",
        "note",
        "source",
        "description",
    ];
    FIRST
        .iter()
        .position(|f| *f == field)
        .unwrap_or(FIRST.len())
}

/// A record added or removed: its first fields with a value, leaving out those its key already
/// names (a value's element, unit and period).
fn record(i18n: &I18n, lang: Lang, entity: &str, m: &Map<String, Value>) -> Vec<String> {
    let key_parts: Vec<&str> = entity
        .split([':', '/', '>'])
        .filter(|p| !p.is_empty())
        .collect();
    let mut keys: Vec<&String> = m
        .keys()
        .filter(|k| !HIDDEN.contains(&k.as_str()))
        .filter(|k| match &m[k.as_str()] {
            Value::Null => false,
            Value::String(s) => !s.is_empty() && !key_parts.contains(&s.as_str()),
            Value::Array(a) => !a.is_empty(),
            Value::Object(o) => !o.is_empty(),
            _ => true,
        })
        .collect();
    keys.sort_by_key(|k| (rank(k), k.as_str()));
    let more = keys.len().saturating_sub(SHOWN_FIELDS);
    let mut lines: Vec<String> = keys
        .into_iter()
        .take(SHOWN_FIELDS)
        .map(|k| {
            format!(
                "{}: {}",
                field(i18n, lang, entity, k),
                shown(i18n, lang, entity, k, m.get(k.as_str()))
            )
        })
        .collect();
    if more > 0 {
        lines.push(i18n.t(lang, "audit-more-fields", &[("n", more.to_string())]));
    }
    lines
}

/// The first of these messages that exists, in the page's language.
fn first_message(i18n: &I18n, lang: Lang, keys: &[String]) -> Option<String> {
    keys.iter().find_map(|key| {
        let label = i18n.t(lang, key, &[]);
        (label != *key).then_some(label)
    })
}

/// A field's name in the page's language: `audit-field-KIND-NAME` for what the field means in
/// one kind of record (a register entry's operator is a network operator), else
/// `audit-field-NAME`; the stored name when neither exists.
fn field(i18n: &I18n, lang: Lang, entity: &str, name: &str) -> String {
    let name_key = name.replace('_', "-");
    let kind = entity.split(':').next().unwrap_or("").replace('_', "-");
    first_message(
        i18n,
        lang,
        &[
            format!("audit-field-{kind}-{name_key}"),
            format!("audit-field-{name_key}"),
        ],
    )
    .unwrap_or_else(|| name.to_string())
}

/// A field's value as people read it: "—" for none, numbers and dates in the page's format,
/// yes/no and named choices in words, text in quotes, a short list by its items (a small
/// record in a list by its values), a long one by its count.
fn shown(i18n: &I18n, lang: Lang, entity: &str, name: &str, v: Option<&Value>) -> String {
    let Some(v) = v else { return "—".into() };
    match v {
        Value::Null => "—".into(),
        Value::Bool(b) => format::value(&b.to_string(), lang),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format::count(x, lang),
            _ => format::decimal(&n.to_string(), lang),
        },
        Value::String(s) => text(i18n, lang, entity, name, s),
        Value::Array(items) => {
            let item = |i: &Value| match i {
                Value::Object(o) if o.len() <= 3 => {
                    let parts: Option<Vec<String>> = o
                        .iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| match v {
                            Value::Array(_) | Value::Object(_) => None,
                            v => Some(shown(i18n, lang, entity, k, Some(v))),
                        })
                        .collect();
                    parts.map(|p| p.join(" "))
                }
                Value::Array(_) | Value::Object(_) => None,
                other => Some(shown(i18n, lang, entity, name, Some(other))),
            };
            let list: Option<Vec<String>> = items.iter().map(item).collect();
            match list {
                Some(list) if list.len() <= 5 => list.join(", "),
                _ => i18n.t(lang, "audit-items", &[("n", items.len().to_string())]),
            }
        }
        Value::Object(o) => i18n.t(lang, "audit-fields", &[("n", o.len().to_string())]),
    }
}

/// The name of a choice stored as a code ("in_progress", "higher_is_better"), when there is
/// one: `audit-value-FIELD-CODE`, else the page's own names of sources, unit kinds and plan
/// statuses.
fn choice(i18n: &I18n, lang: Lang, entity: &str, name: &str, code: &str) -> Option<String> {
    let kind = entity.split(':').next().unwrap_or("");
    let code_key = code.replace('_', "-");
    let mut keys = vec![format!("audit-value-{}-{code_key}", name.replace('_', "-"))];
    match (kind, name) {
        (_, "source") => keys.push(format!("source-{}", code.split(':').next().unwrap_or(code))),
        ("unit", "kind") => keys.push(format!("kind-{code_key}")),
        ("plan", "status") => keys.push(format!("plan-status-{code_key}")),
        _ => {}
    }
    first_message(i18n, lang, &keys)
}

fn text(i18n: &I18n, lang: Lang, entity: &str, name: &str, s: &str) -> String {
    if !s.is_empty() && !s.chars().any(char::is_whitespace) {
        if let Some(label) = choice(i18n, lang, entity, name, s) {
            return label;
        }
    }
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(s) {
        return moment(at.with_timezone(&chrono::Utc), lang);
    }
    if name == "value" || chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
        return format::value(s, lang);
    }
    if s.chars().any(char::is_whitespace) {
        format!("“{}”", shorten(s, 120))
    } else {
        shorten(s, 120)
    }
}

/// A batch row (a write of 1,000 values or more, its values listed in a CSV body): what it did,
/// in one line.
fn batch(i18n: &I18n, lang: Lang, summary: &Map<String, Value>) -> String {
    let num = |k: &str| format::count(summary.get(k).and_then(Value::as_f64).unwrap_or(0.0), lang);
    let elements: Vec<&str> = summary
        .get("elements")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut names = elements
        .iter()
        .take(3)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if elements.len() > 3 {
        names.push_str(", …");
    }
    let source = summary
        .get("source")
        .map(|s| shown(i18n, lang, "data_value", "source", Some(s)))
        .unwrap_or_else(|| "—".into());
    let bytes = summary.get("bytes").and_then(Value::as_f64).unwrap_or(0.0);
    let size = format!("{} KB", format::count((bytes / 1024.0).ceil(), lang));
    let sha: String = summary
        .get("sha256")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(12)
        .collect();
    i18n.t(
        lang,
        "audit-batch",
        &[
            ("values", num("values")),
            ("inserted", num("inserted")),
            ("updated", num("updated")),
            ("deleted", num("deleted")),
            ("elements", format::count(elements.len() as f64, lang)),
            ("names", names),
            ("source", source),
            ("size", size),
            ("sha", sha),
        ],
    )
}
