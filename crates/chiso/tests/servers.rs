//! Three `chiso serve` processes on one PostgreSQL database: a write through any of them
//! reaches the other two's engines at once (PostgreSQL's NOTIFY wakes their followers; the
//! poll every second stays as a safety net). The convergence time is measured and printed.

mod common;
use common::*;
use std::time::{Duration, Instant};

const LIVE: &str = "/api/analytics?dimension=dx:VB_DEN&filter=ou:22738&filter=pe:2024";
const PROVINCE: &str = "/api/analytics?dimension=dx:VB_DEN&filter=ou:58&filter=pe:2024";

fn value(addr: &str, path: &str, token: &str) -> Option<String> {
    analytics_value(&http(addr, "GET", path, Some(token)).body)
}

/// How long until every server answers `expected`, polling all of them; None after 10 s.
fn converge(addrs: &[String], path: &str, token: &str, expected: &str) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if addrs
            .iter()
            .all(|a| value(a, path, token).as_deref() == Some(expected))
        {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[test]
fn three_servers_on_one_postgres_converge_after_a_burst() {
    let db = PgDb::create("chiso_servers");
    let (token, _) = demo_with_tokens(&db.url());
    let dir = tempdir("servers");
    let env = [("CHISO_LOG", "warn")];
    let servers: Vec<Server> = (0..3)
        .map(|i| Server::start(&db.url(), &env, dir.join(format!("server{i}.log"))))
        .collect();
    let addrs: Vec<String> = servers.iter().map(|s| s.addr.clone()).collect();
    for a in &addrs {
        assert_eq!(http(a, "GET", "/api/health", None).status, 200);
    }

    // One write at a time, through each server in turn: how long until the two others see it.
    let mut single = Vec::new();
    for i in 0..30u32 {
        let through = &addrs[i as usize % 3];
        let v = 7000 + i;
        let w = http(
            through,
            "POST",
            &format!("/api/dataValues?de=VB_DEN&pe=2024&ou=22738&value={v}"),
            Some(&token),
        );
        assert_eq!(w.status, 201, "{w:?}");
        let t = converge(&addrs, LIVE, &token, &v.to_string());
        single
            .push(t.unwrap_or_else(|| panic!("write {v} did not reach every server within 10 s")));
    }
    single.sort();
    println!(
        "one write, seen by all three servers after: p50 {:?}, p90 {:?}, max {:?} ({} writes)",
        percentile(&single, 0.5),
        percentile(&single, 0.9),
        single[single.len() - 1],
        single.len()
    );

    // A burst: three clients writing at once, 40 writes each, one through each server.
    let start = Instant::now();
    let writers: Vec<_> = addrs
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let (a, token) = (a.clone(), token.clone());
            std::thread::spawn(move || {
                for n in 0..40u32 {
                    let v = 10_000 * (i as u32 + 1) + n;
                    let w = http(
                        &a,
                        "POST",
                        &format!("/api/dataValues?de=VB_DEN&pe=2024&ou=22738&value={v}"),
                        Some(&token),
                    );
                    assert_eq!(w.status, 201, "{w:?}");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let burst = start.elapsed();
    // The database's own final value: every server must come to it.
    let truth = db.query(
        "SELECT value FROM data_values WHERE element = 'VB_DEN' AND unit = '22738' \
         AND period = '2024' AND breakdown = ''",
    );
    let t = converge(&addrs, LIVE, &token, truth.trim())
        .unwrap_or_else(|| panic!("the servers did not agree on {truth} within 10 s"));
    let province: Vec<Option<String>> = addrs.iter().map(|a| value(a, PROVINCE, &token)).collect();
    assert!(
        province[0].is_some() && province.iter().all(|p| p == &province[0]),
        "{province:?}"
    );
    println!(
        "burst of 120 writes through three servers in {burst:?}; all three agreed {t:?} after the last acknowledgement"
    );
    assert!(
        percentile(&single, 0.5) < Duration::from_millis(250),
        "followers are not woken: {single:?}"
    );
    drop(servers);
    let _ = std::fs::remove_dir_all(dir);
}
