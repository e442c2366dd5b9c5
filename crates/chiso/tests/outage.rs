//! A database that does not answer: a real `chiso serve` on PostgreSQL behind a TCP proxy
//! that cuts the network (a partition: silence, no reset), and on SQLite locked by another
//! process. What needs the database answers 503 with `Retry-After` within the timeouts —
//! never a hang, never "log in" —, what needs only the engine is still answered, and service
//! resumes by itself when the database is back.

mod common;
use common::*;
use std::time::{Duration, Instant};

const CONNECT: u64 = 2;
const STATEMENT: u64 = 3;
/// The most a request may take while the database does not answer: both waits, and a margin
/// for this busy machine.
const BOUND: Duration = Duration::from_secs(CONNECT + STATEMENT + 2);

/// A figure the token's account reads live (the value the test writes).
const ANALYTICS: &str = "/api/analytics?dimension=dx:VB_DEN&filter=ou:22738&filter=pe:2024";
/// A published figure anyone reads (the official view).
const PUBLIC: &str = "/api/analytics?dimension=dx:VB_DEN&filter=ou:58&filter=pe:2023";

fn env() -> Vec<(&'static str, String)> {
    vec![
        ("CHISO_DB_CONNECT_TIMEOUT", CONNECT.to_string()),
        ("CHISO_DB_STATEMENT_TIMEOUT", STATEMENT.to_string()),
        ("CHISO_LOG", "warn".to_string()),
    ]
}

fn write(addr: &str, token: &str, value: u32) -> Answer {
    http(
        addr,
        "POST",
        &format!("/api/dataValues?de=VB_DEN&pe=2024&ou=22738&value={value}"),
        Some(token),
    )
}

/// Poll until `f` holds, at most `limit`; how long it took.
fn until(limit: Duration, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

fn assert_503(a: &Answer, what: &str) {
    assert_eq!(a.status, 503, "{what}: {a:?}");
    let retry = a.header("retry-after").and_then(|v| v.parse::<u64>().ok());
    assert_eq!(retry, Some(CONNECT), "{what}: Retry-After: {a:?}");
    assert!(a.took < BOUND, "{what} took {:?} (bound {BOUND:?})", a.took);
}

#[test]
fn postgres_cut_off_answers_503_keeps_engine_reads_and_resumes() {
    let db = PgDb::create("chiso_outage_pg");
    let (token, unused_token) = demo_with_tokens(&db.url());
    let proxy = Proxy::start(&db.hostport());
    let dir = tempdir("outage-pg");
    let env = env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start(
        &db.url_via(&format!("127.0.0.1:{}", proxy.port)),
        &env,
        dir.join("server.log"),
    );
    let addr = server.addr.as_str();

    // In service: a write, read back from the engine by anyone and by the token.
    let health = http(addr, "GET", "/api/health", None);
    assert_eq!(health.status, 200, "{health:?}");
    assert!(
        health.body.contains("\"database_reachable\":true"),
        "{}",
        health.body
    );
    assert_eq!(write(addr, &token, 4100).status, 201);
    let live = http(addr, "GET", ANALYTICS, Some(&token));
    assert_eq!(
        analytics_value(&live.body).as_deref(),
        Some("4100"),
        "{live:?}"
    );
    let public = analytics_value(&http(addr, "GET", PUBLIC, None).body);
    assert!(public.is_some());

    // The network to PostgreSQL is cut.
    proxy.cut(true);
    let w = write(addr, &token, 4200);
    assert_503(&w, "a write");
    // DHIS2's path answers DHIS2's web message (in English, as DHIS2 clients expect): from the
    // write (its token taken again within its second) or from the check of its token.
    assert!(
        w.body.contains("\"httpStatusCode\":503")
            && (w.body.contains("database is unavailable")
                || w.body.contains("the database cannot be reached")),
        "{}",
        w.body
    );
    let h = http(addr, "GET", "/api/health", None);
    assert_503(&h, "the health");
    assert!(
        h.body.contains("\"database_reachable\":false")
            && h.body.contains("\"status\":\"degraded\""),
        "{}",
        h.body
    );
    // A token never seen by this server cannot be checked: 503, not 401 "log in".
    assert_503(
        &http(addr, "GET", ANALYTICS, Some(&unused_token)),
        "an unchecked token",
    );
    // A page that needs the database: the error page, in Vietnamese.
    let page = http(addr, "GET", "/units/58", None);
    assert_503(&page, "a page");
    assert!(
        page.body
            .contains("Cơ sở dữ liệu tạm thời không truy cập được"),
        "{}",
        page.body
    );
    // What the engine answers alone is still answered, at once: public analytics, and the
    // token this server verified a moment ago.
    for (path, t, expected) in [
        (PUBLIC, None, public.clone()),
        (ANALYTICS, Some(token.as_str()), Some("4100".to_string())),
    ] {
        let a = http(addr, "GET", path, t);
        assert_eq!(a.status, 200, "{a:?}");
        assert_eq!(analytics_value(&a.body), expected);
        assert!(
            a.took < Duration::from_secs(1),
            "an engine read took {:?}",
            a.took
        );
    }
    // Still cut after several follower turns: still answered the same way, never a hang.
    std::thread::sleep(Duration::from_secs(STATEMENT + 1));
    assert_503(&write(addr, &token, 4300), "a write later");
    assert_eq!(http(addr, "GET", ANALYTICS, Some(&token)).status, 200);

    // The network is back: service resumes without a restart.
    proxy.cut(false);
    let back = until(Duration::from_secs(30), || {
        http(addr, "GET", "/api/health", None).status == 200
    });
    let back = back.unwrap_or_else(|| {
        panic!(
            "no recovery: {}",
            std::fs::read_to_string(&server.log).unwrap_or_default()
        )
    });
    println!("healthy again {back:?} after the network came back");
    assert_eq!(write(addr, &token, 4400).status, 201);
    let a = http(addr, "GET", ANALYTICS, Some(&token));
    assert_eq!(analytics_value(&a.body).as_deref(), Some("4400"), "{a:?}");
    // The token never used is checked now.
    assert_eq!(
        http(addr, "GET", ANALYTICS, Some(&unused_token)).status,
        200
    );

    // Every connection of the server killed (as a restart of PostgreSQL would): the next
    // requests are answered on new connections, with no error.
    let killed = db.kill_connections();
    assert!(killed >= 1, "no connection to kill");
    assert_eq!(write(addr, &token, 4500).status, 201);
    assert_eq!(http(addr, "GET", "/api/health", None).status, 200);
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    assert!(
        log.contains("the database is unavailable"),
        "not logged: {log}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sqlite_locked_by_another_process_answers_503_keeps_reads_and_resumes() {
    let dir = tempdir("outage-sqlite");
    let path = dir.join("chiso.db");
    let url = format!("sqlite://{}", path.display());
    let (token, _) = demo_with_tokens(&url);
    let env = env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start(&url, &env, dir.join("server.log"));
    let addr = server.addr.as_str();
    assert_eq!(write(addr, &token, 5100).status, 201);

    // Another process (a maintenance tool, a copy taken the wrong way) takes the database's
    // write lock and keeps it.
    let mut lock = std::process::Command::new("sqlite3")
        .arg(&path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::{BufRead, Write};
        let stdin = lock.stdin.as_mut().unwrap();
        writeln!(stdin, ".timeout 5000\nBEGIN EXCLUSIVE;\nSELECT 'locked';").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(lock.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "locked");
    }
    let w = write(addr, &token, 5200);
    assert_503(&w, "a write to a locked SQLite database");
    // Reads go on (the write-ahead log lets readers past the writer's lock), from the engine
    // and from the database.
    let a = http(addr, "GET", ANALYTICS, Some(&token));
    assert_eq!(analytics_value(&a.body).as_deref(), Some("5100"), "{a:?}");
    assert_eq!(http(addr, "GET", "/api/health", None).status, 200);

    // The other process lets go: writes resume without a restart.
    drop(lock.stdin.take());
    let _ = lock.wait();
    assert_eq!(write(addr, &token, 5300).status, 201);
    let a = http(addr, "GET", ANALYTICS, Some(&token));
    assert_eq!(analytics_value(&a.body).as_deref(), Some("5300"), "{a:?}");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
