//! What the server measures, in Prometheus's text format (served at `/metrics`): request
//! latency by route, the application's write calls (in flight, duration, outcome), the
//! follower (its syncs, the engine's lag behind the database), the database's reachability
//! and the pool's connections. Counters are plain atomics; nothing here touches the database.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// A latency histogram (cumulative buckets, as Prometheus reads them).
#[derive(Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if s <= *b {
                self.counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in BUCKETS.iter().enumerate() {
            let n = self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {n}");
        }
        let n = self.count();
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {n}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let braces = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                format!("{{{s}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {sum}", braces(labels));
        let _ = writeln!(out, "{name}_count{} {n}", braces(labels));
    }
}

/// A histogram per label set.
#[derive(Default)]
struct Family(Mutex<BTreeMap<String, std::sync::Arc<Histogram>>>);

impl Family {
    fn get(&self, labels: String) -> Option<std::sync::Arc<Histogram>> {
        let mut m = self.0.lock().ok()?;
        Some(m.entry(labels).or_default().clone())
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        if let Ok(m) = self.0.lock() {
            for (labels, h) in m.iter() {
                h.render(out, name, labels);
            }
        }
    }
}

/// A label value with `\`, `"` and line ends escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Every measure of one server process.
#[derive(Default)]
pub struct Metrics {
    requests: Family,
    writes: Family,
    writes_in_flight: AtomicI64,
    syncs: Histogram,
    synced_rows: AtomicU64,
    unavailable: AtomicU64,
}

/// The figures of the moment that the server reads when `/metrics` is asked.
pub struct Gauges {
    pub database_reachable: bool,
    pub engine_seen: i64,
    pub database_head: i64,
    pub lag_seconds: f64,
    pub pool_size: u32,
    pub pool_idle: u32,
    pub pool_max: u32,
}

impl Metrics {
    /// A request answered: its method, route template (never the raw path), status, latency.
    pub fn request(&self, method: &str, route: &str, status: u16, d: Duration) {
        let labels = format!(
            "method=\"{}\",route=\"{}\",status=\"{status}\"",
            label(method),
            label(route)
        );
        if let Some(h) = self.requests.get(labels) {
            h.observe(d);
        }
    }

    /// A request answered 503 because the database was unavailable.
    pub fn unavailable(&self) {
        self.unavailable.fetch_add(1, Ordering::Relaxed);
    }

    /// Time a write call of the application (`kind`: values, delete, completion, approval,
    /// structure): counted in flight while it waits for the write order and commits, then
    /// recorded with its outcome (`ok`, `refused`, `unavailable`, `error`).
    pub async fn write<T>(
        &self,
        kind: &'static str,
        f: impl std::future::Future<Output = Result<T, chiso_store::StoreError>>,
    ) -> Result<T, chiso_store::StoreError> {
        self.writes_in_flight.fetch_add(1, Ordering::Relaxed);
        let start = Instant::now();
        let r = f.await;
        self.writes_in_flight.fetch_sub(1, Ordering::Relaxed);
        let result = match &r {
            Ok(_) => "ok",
            Err(chiso_store::StoreError::Invalid(_)) => "refused",
            Err(e) if e.is_unavailable() => "unavailable",
            Err(_) => "error",
        };
        if let Some(h) = self
            .writes
            .get(format!("kind=\"{kind}\",result=\"{result}\""))
        {
            h.observe(start.elapsed());
        }
        r
    }

    /// A sync of the follower that applied `rows` audit rows.
    pub(crate) fn synced(&self, rows: usize, d: Duration) {
        self.syncs.observe(d);
        self.synced_rows.fetch_add(rows as u64, Ordering::Relaxed);
    }

    /// Everything, in Prometheus's text exposition format (version 0.0.4).
    pub fn render(&self, g: &Gauges) -> String {
        let mut out = String::new();
        self.requests.render(
            &mut out,
            "chiso_http_request_duration_seconds",
            "Time to answer a request, by method, route template and status.",
        );
        let gauge = |out: &mut String, name: &str, kind: &str, help: &str, v: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
            );
        };
        gauge(
            &mut out,
            "chiso_http_unavailable_total",
            "counter",
            "Requests answered 503 because the database was unavailable.",
            self.unavailable.load(Ordering::Relaxed).to_string(),
        );
        self.writes.render(
            &mut out,
            "chiso_write_duration_seconds",
            "Time of a write call of the application (waiting for the write order, commit, engine update), by kind and outcome.",
        );
        gauge(
            &mut out,
            "chiso_writes_in_flight",
            "gauge",
            "Write calls entered and not finished: queued behind the write order or committing.",
            self.writes_in_flight.load(Ordering::Relaxed).to_string(),
        );
        let _ = writeln!(
            out,
            "# HELP chiso_follower_sync_duration_seconds Time of one catch-up with the database's audit log.\n# TYPE chiso_follower_sync_duration_seconds histogram"
        );
        self.syncs
            .render(&mut out, "chiso_follower_sync_duration_seconds", "");
        let lag = (g.database_head - g.engine_seen).max(0);
        for (name, kind, help, v) in [
            (
                "chiso_follower_rows_total",
                "counter",
                "Audit rows read by the follower.",
                self.synced_rows.load(Ordering::Relaxed).to_string(),
            ),
            (
                "chiso_database_up",
                "gauge",
                "1 when the last check reached the database, else 0.",
                u8::from(g.database_reachable).to_string(),
            ),
            (
                "chiso_engine_seen_audit_id",
                "gauge",
                "The newest audit row applied to this server's engine.",
                g.engine_seen.to_string(),
            ),
            (
                "chiso_database_audit_head",
                "gauge",
                "The newest audit row in the database at the last check.",
                g.database_head.to_string(),
            ),
            (
                "chiso_engine_lag_rows",
                "gauge",
                "Audit rows (by id) the database holds beyond this server's engine.",
                lag.to_string(),
            ),
            (
                "chiso_engine_lag_seconds",
                "gauge",
                "Seconds since the engine was last seen in step with the database (0 when it is).",
                format!("{:.3}", g.lag_seconds),
            ),
            (
                "chiso_db_pool_connections",
                "gauge",
                "Connections the pool holds open (busy or idle).",
                g.pool_size.to_string(),
            ),
            (
                "chiso_db_pool_idle_connections",
                "gauge",
                "Open connections not in use.",
                g.pool_idle.to_string(),
            ),
            (
                "chiso_db_pool_max_connections",
                "gauge",
                "The most connections the pool opens.",
                g.pool_max.to_string(),
            ),
        ] {
            gauge(&mut out, name, kind, help, v);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_counts_into_cumulative_buckets() {
        let m = Metrics::default();
        m.request("GET", "/api/units/{code}", 200, Duration::from_millis(3));
        m.request("GET", "/api/units/{code}", 200, Duration::from_millis(300));
        let text = m.render(&Gauges {
            database_reachable: true,
            engine_seen: 7,
            database_head: 9,
            lag_seconds: 1.5,
            pool_size: 2,
            pool_idle: 1,
            pool_max: 8,
        });
        let line = |prefix: &str| {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .map(|l| l.rsplit(' ').next().unwrap_or("").to_string())
        };
        let series = "chiso_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/units/{code}\",status=\"200\",";
        assert_eq!(
            line(&format!("{series}le=\"0.0025\"}}")).as_deref(),
            Some("0")
        );
        assert_eq!(
            line(&format!("{series}le=\"0.005\"}}")).as_deref(),
            Some("1")
        );
        assert_eq!(line(&format!("{series}le=\"0.5\"}}")).as_deref(), Some("2"));
        assert_eq!(
            line(&format!("{series}le=\"+Inf\"}}")).as_deref(),
            Some("2")
        );
        assert_eq!(line("chiso_engine_lag_rows ").as_deref(), Some("2"));
        assert_eq!(line("chiso_db_pool_max_connections ").as_deref(), Some("8"));
    }
}
