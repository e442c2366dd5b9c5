//! What both backends share for writing many values at once: the rows in their written form
//! (borrowed from the request, never copied per value), and the batch audit record — one row
//! of the audit log for a large write, with every value's old and new state in a CSV body
//! whose SHA-256 the row's hash covers.

use crate::StoreError;
use chiso_core::{AuditEntry, Code, DataValue, Period, SourceTag, ValueType};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};

/// From this many changed values on, a write is audited as one batch row instead of one row
/// per value: a value's history stays readable either way (see [`expand_batch`]).
pub(crate) const BATCH_AUDIT_MIN: usize = 1000;

/// The action and entity of a batch row of the audit log.
pub(crate) const BATCH_ACTION: &str = "data_value.batch";
pub(crate) const BATCH_ENTITY: &str = "data_value:*";

/// A period's stored columns, worked out once per distinct period of a write.
pub(crate) struct PeriodCols {
    pub period: Period,
    pub text: String,
}

impl PeriodCols {
    pub fn of(p: &Period) -> PeriodCols {
        PeriodCols {
            period: *p,
            text: p.to_string(),
        }
    }
}

/// One value as it will be written (key, canonical text, number, comment, source).
pub(crate) struct ValueOut<'a> {
    pub element: &'a str,
    pub unit: &'a str,
    pub period: &'a PeriodCols,
    pub breakdown: &'a str,
    pub value: String,
    pub num: Option<f64>,
    pub comment: Option<&'a str>,
    pub source: &'a str,
}

impl ValueOut<'_> {
    pub fn key(&self) -> (&str, &str, &str, &str) {
        (self.element, self.unit, &self.period.text, self.breakdown)
    }
}

/// The sort key of a stored value, comparable with [`ValueOut::key`].
pub(crate) fn stored_key(v: &DataValue) -> (&str, &str, String, &str) {
    (
        v.element.as_str(),
        v.unit.as_str(),
        v.period.to_string(),
        v.breakdown.as_ref().map(|b| b.as_str()).unwrap_or(""),
    )
}

const BODY_HEADER: [&str; 13] = [
    "op",
    "element",
    "unit",
    "period",
    "breakdown",
    "value",
    "comment",
    "source",
    "old_value",
    "old_comment",
    "old_source",
    "old_stored_by",
    "old_stored_at",
];

/// The body of a batch audit row, written as the batch is: CSV (RFC 4180) with a header.
pub(crate) struct BatchBody {
    buf: Vec<u8>,
    elements: BTreeSet<String>,
    last_element: String,
    /// The source of the batch's first value written: a value with the same source leaves
    /// its source field empty, and the summary names it.
    source: Option<String>,
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
}

/// Append one CSV field (quoted only when it must be), after a comma unless it is the first.
fn field(buf: &mut Vec<u8>, s: &str, first: bool) {
    if !first {
        buf.push(b',');
    }
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        buf.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

impl BatchBody {
    /// A body for about `n` values.
    pub fn new(n: usize) -> BatchBody {
        let mut buf = Vec::with_capacity(n.saturating_mul(64).min(1 << 30));
        for (k, h) in BODY_HEADER.iter().enumerate() {
            field(&mut buf, h, k == 0);
        }
        buf.push(b'\n');
        BatchBody {
            buf,
            elements: BTreeSet::new(),
            last_element: String::new(),
            source: None,
            inserted: 0,
            updated: 0,
            deleted: 0,
        }
    }

    fn note_element(&mut self, e: &str) {
        // Values come in key order: an element's values follow each other.
        if self.last_element != e {
            self.last_element.clear();
            self.last_element.push_str(e);
            if !self.elements.contains(e) {
                self.elements.insert(e.to_string());
            }
        }
    }

    fn old_fields(&mut self, old: Option<&DataValue>) {
        match old {
            None => self.buf.extend_from_slice(b",,,,,\n"),
            Some(o) => {
                field(&mut self.buf, &o.value, false);
                field(&mut self.buf, o.comment.as_deref().unwrap_or(""), false);
                field(&mut self.buf, &o.source.to_string(), false);
                field(&mut self.buf, &o.stored_by, false);
                field(&mut self.buf, &o.stored_at.to_rfc3339(), false);
                self.buf.push(b'\n');
            }
        }
    }

    /// A value written: inserted when `old` is None, else updated.
    pub fn wrote(&mut self, v: &ValueOut<'_>, old: Option<&DataValue>) {
        self.note_element(v.element);
        let op = if old.is_some() {
            self.updated += 1;
            "u"
        } else {
            self.inserted += 1;
            "i"
        };
        let source = self.source.get_or_insert_with(|| v.source.to_string());
        let source = if source == v.source { "" } else { v.source };
        let b = &mut self.buf;
        field(b, op, true);
        for f in [
            v.element,
            v.unit,
            &v.period.text,
            v.breakdown,
            &v.value,
            v.comment.unwrap_or(""),
            source,
        ] {
            field(b, f, false);
        }
        self.old_fields(old);
    }

    /// A value deleted.
    pub fn deleted(&mut self, old: &DataValue) {
        self.note_element(old.element.as_str());
        self.deleted += 1;
        let period = old.period.to_string();
        let breakdown = old.breakdown.as_ref().map(|b| b.as_str()).unwrap_or("");
        let b = &mut self.buf;
        field(b, "d", true);
        for f in [
            old.element.as_str(),
            old.unit.as_str(),
            &period,
            breakdown,
            "",
            "",
            "",
        ] {
            field(b, f, false);
        }
        self.old_fields(Some(old));
    }

    pub fn len(&self) -> u64 {
        self.inserted + self.updated + self.deleted
    }

    /// The body, the `elements` column (";A;B;") and the summary kept in the audit row.
    pub fn finish(self) -> (Vec<u8>, String, String) {
        let body = self.buf;
        let elements = format!(
            ";{};",
            self.elements.iter().cloned().collect::<Vec<_>>().join(";")
        );
        let summary = serde_json::json!({
            "values": self.inserted + self.updated + self.deleted,
            "inserted": self.inserted,
            "updated": self.updated,
            "deleted": self.deleted,
            "elements": self.elements,
            "source": self.source,
            "bytes": body.len(),
            "sha256": sha256_hex(&body),
        })
        .to_string();
        (body, elements, summary)
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

/// Whether a batch row's body still matches the digest its summary (and so its hash) holds.
pub(crate) fn body_matches(summary: Option<&str>, body: &[u8]) -> bool {
    let want = summary
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .and_then(|v| v.get("sha256").and_then(|h| h.as_str()).map(str::to_string));
    want.is_some_and(|w| w == sha256_hex(body))
}

/// Which entries of a batch to expand: those whose entity and action start with these (all
/// when None), and of those only the last `last` (the newest).
#[derive(Default, Clone, Copy)]
pub(crate) struct BatchFilter<'a> {
    pub entity: Option<&'a str>,
    pub action: Option<&'a str>,
    pub last: Option<usize>,
}

fn op_action(op: &str) -> &'static str {
    match op {
        "i" => "data_value.insert",
        "u" => "data_value.update",
        "d" => "data_value.delete",
        _ => "",
    }
}

fn entity_of(rec: &csv::StringRecord) -> String {
    let f = |i: usize| rec.get(i).unwrap_or("");
    format!("data_value:{}/{}/{}/{}", f(1), f(2), f(3), f(4))
}

/// The per-value entries of a batch row, as the per-value rows of a small write read: action
/// `data_value.insert|update|delete`, entity `data_value:E/U/P/B`, old and new values as JSON;
/// those `filter` keeps, in the order written.
pub(crate) fn expand_batch(
    row: &AuditEntry,
    body: &[u8],
    types: &HashMap<String, ValueType>,
    filter: BatchFilter<'_>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let bad = |e: String| StoreError::Corrupt(format!("audit batch {}: {e}", row.id));
    // The source a written value has when its field is empty.
    let batch_source = row
        .new_value
        .as_deref()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .and_then(|v| v.get("source").and_then(|s| s.as_str()).map(str::to_string))
        .unwrap_or_default();
    let kept = |rec: &csv::StringRecord, entity: &str| {
        filter.entity.is_none_or(|p| entity.starts_with(p))
            && filter
                .action
                .is_none_or(|p| op_action(rec.get(0).unwrap_or("")).starts_with(p))
    };
    let mut rec = csv::StringRecord::new();
    // Only the newest `last` are wanted: count the kept ones first, then skip the older ones
    // (a large batch is expanded without building an entry for each of its values).
    let mut skip = 0usize;
    if let Some(last) = filter.last {
        let mut r = csv::ReaderBuilder::new().from_reader(body);
        let mut n = 0usize;
        while r.read_record(&mut rec).map_err(|e| bad(e.to_string()))? {
            if kept(&rec, &entity_of(&rec)) {
                n += 1;
            }
        }
        skip = n.saturating_sub(last);
    }
    let mut r = csv::ReaderBuilder::new().from_reader(body);
    let mut out = Vec::new();
    while r.read_record(&mut rec).map_err(|e| bad(e.to_string()))? {
        let f = |i: usize| rec.get(i).unwrap_or("");
        let entity = entity_of(&rec);
        if !kept(&rec, &entity) {
            continue;
        }
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let code = |s: &str| Code::parse(s).map_err(|e| bad(format!("code '{s}': {e}")));
        let element = code(f(1))?;
        let unit = code(f(2))?;
        let period = Period::parse(f(3)).map_err(|e| bad(e.to_string()))?;
        let breakdown = if f(4).is_empty() {
            None
        } else {
            Some(code(f(4))?)
        };
        let num = |text: &str| {
            types
                .get(element.as_str())
                .and_then(|t| chiso_core::ParsedValue::parse(*t, text).ok())
                .and_then(|p| p.num)
        };
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let value = |text: &str, comment: &str, source: &str, by: &str, at: DateTime<Utc>| {
            Ok::<_, StoreError>(DataValue {
                element: element.clone(),
                unit: unit.clone(),
                period,
                breakdown: breakdown.clone(),
                value: text.to_string(),
                num: num(text),
                comment: opt(comment),
                source: SourceTag::parse(source).map_err(bad)?,
                stored_by: by.to_string(),
                stored_at: at,
            })
        };
        let new_source = if f(7).is_empty() {
            batch_source.as_str()
        } else {
            f(7)
        };
        let (action, old, new) = match f(0) {
            "i" => (
                "data_value.insert",
                None,
                Some(value(f(5), f(6), new_source, &row.actor, row.at)?),
            ),
            op @ ("u" | "d") => {
                let old_at = DateTime::parse_from_rfc3339(f(12))
                    .map_err(|e| bad(format!("time '{}': {e}", f(12))))?
                    .with_timezone(&Utc);
                let old = Some(value(f(8), f(9), f(10), f(11), old_at)?);
                if op == "u" {
                    (
                        "data_value.update",
                        old,
                        Some(value(f(5), f(6), new_source, &row.actor, row.at)?),
                    )
                } else {
                    ("data_value.delete", old, None)
                }
            }
            other => return Err(bad(format!("operation '{other}'"))),
        };
        out.push(AuditEntry {
            id: row.id,
            at: row.at,
            actor: row.actor.clone(),
            via: row.via.clone(),
            action: action.to_string(),
            entity,
            old_value: old.as_ref().map(crate::common::json),
            new_value: new.as_ref().map(crate::common::json),
        });
    }
    Ok(out)
}
