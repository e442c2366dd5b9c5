//! What chiso logs, on standard error: `CHISO_LOG` chooses what (`warn` by default; `info`
//! adds a line per request with its latency; the syntax of tracing's EnvFilter), and
//! `CHISO_LOG_FORMAT=json` writes one JSON object a line for a log collector instead of text:
//! `time` (UTC, RFC 3339), `level`, `target`, the event's own fields (`message` among them),
//! and `spans` — the request it happened in, outermost first, each with its `name` and its
//! fields (`method`, `uri`).

use serde_json::{Map, Value};
use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// Start logging as `CHISO_LOG` and `CHISO_LOG_FORMAT` say.
pub(crate) fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CHISO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let json = std::env::var("CHISO_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        fmt.fmt_fields(JsonFields).event_format(Json).init();
    } else {
        fmt.init();
    }
}

/// Fields into a JSON object: numbers and booleans as themselves, the rest as text.
struct Visitor<'a>(&'a mut Map<String, Value>);

impl Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), Value::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().into(), Value::String(value.to_string()));
    }
}

/// A span's fields kept as a JSON object's text, so that an event can nest them.
struct JsonFields;

impl<'w> FormatFields<'w> for JsonFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut map = Map::new();
        fields.record(&mut Visitor(&mut map));
        write!(writer, "{}", Value::Object(map))
    }

    fn add_fields(
        &self,
        current: &'w mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let mut map = match serde_json::from_str::<Value>(&current.fields) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        fields.record(&mut Visitor(&mut map));
        current.fields = Value::Object(map).to_string();
        Ok(())
    }
}

/// One event, one line of JSON.
struct Json;

impl<S, N> FormatEvent<S, N> for Json
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut line = Map::new();
        line.insert(
            "time".into(),
            chrono::Utc::now()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                .into(),
        );
        line.insert("level".into(), meta.level().as_str().into());
        line.insert("target".into(), meta.target().into());
        let mut fields = Map::new();
        event.record(&mut Visitor(&mut fields));
        for (k, v) in fields {
            // The line's own keys stay what they say.
            let k = if line.contains_key(&k) {
                format!("field.{k}")
            } else {
                k
            };
            line.insert(k, v);
        }
        if let Some(scope) = ctx.event_scope() {
            let spans: Vec<Value> = scope
                .from_root()
                .map(|span| {
                    let ext = span.extensions();
                    let fields = ext
                        .get::<FormattedFields<N>>()
                        .and_then(|f| serde_json::from_str::<Value>(&f.fields).ok())
                        .unwrap_or_else(|| Value::Object(Map::new()));
                    serde_json::json!({ "name": span.name(), "fields": fields })
                })
                .collect();
            if !spans.is_empty() {
                line.insert("spans".into(), spans.into());
            }
        }
        writeln!(writer, "{}", Value::Object(line))
    }
}
