//! A server killed with SIGKILL in the middle of a burst of writes: after the restart every
//! write it acknowledged is in the database with its value, and the audit chain verifies.

use chiso_core::Code;
use chiso_store::{UnitQuery, ValueQuery};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ELEMENT: &str = "KILL_TEST";
const WRITERS: usize = 16;

fn chiso() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chiso"))
}

fn run(args: &[&str]) -> String {
    let out = chiso().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "chiso {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

/// The province's units, an account and its API token (the secret).
fn prepared(url: &str) -> String {
    run(&["units", "import", "--province", "58", "--database", url]);
    run(&[
        "user",
        "add",
        "ghi.thu",
        "--name",
        "Ghi thử",
        "--role",
        "system_admin",
        "--database",
        url,
    ]);
    let out = run(&[
        "token",
        "create",
        "ghi.thu",
        "--name",
        "burst",
        "--database",
        url,
    ]);
    out.lines()
        .map(str::trim)
        .find(|l| l.len() == 64 && l.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(|| panic!("{out}"))
        .to_string()
}

/// `chiso serve` on a free port, and its address once it listens (the caller kills it and
/// waits for it).
#[allow(clippy::zombie_processes)]
fn serve(url: &str) -> (Child, String) {
    let mut child = chiso()
        .args(["serve", "--listen", "127.0.0.1:0", "--database", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(pos) = line.find("http://") {
            let addr = line[pos + 7..]
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_string();
            return (child, addr);
        }
        seen.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server printed no address: {seen:?}");
}

/// One request on a connection of its own; the status, or None when the connection failed
/// (the server is gone) before a whole answer came.
fn request(addr: &str, method: &str, path: &str, token: &str, body: &str) -> Option<u16> {
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: ApiToken {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).ok()?;
    let status: u16 = resp.split_whitespace().nth(1)?.parse().ok()?;
    // A whole answer: its body is there (an acknowledgement cut short is none).
    let (_, body) = resp.split_once("\r\n\r\n")?;
    body.ends_with('}').then_some(status)
}

fn day(n: usize) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(n as u64);
    d.format("%Y%m%d").to_string()
}

/// Writers send one value per request to keys nobody else writes, each on a connection of
/// its own, until the server dies; it is killed once 300 writes were acknowledged.
fn acknowledged_writes_survive_a_kill(url: &str) {
    let token = prepared(url);
    let (mut server, addr) = serve(url);
    let element = format!(
        r#"{{"data_elements":[{{"code":"{ELEMENT}","name_vi":"Ghi thử","value_type":"integer","aggregation":"sum"}}]}}"#
    );
    assert_eq!(
        request(&addr, "POST", "/api/data-elements", &token, &element),
        Some(200)
    );
    let units: Vec<String> = rt().block_on(async {
        let store = chiso_store::open(url).await.unwrap();
        let units = store.units(&UnitQuery::default()).await.unwrap();
        store.close().await;
        // The units that existed on the days written (2020 on): not the 2025 structure.
        units
            .into_iter()
            .map(|u| u.unit.code.to_string())
            .filter(|c| !c.starts_with("2025-"))
            .collect()
    });
    let acked: Arc<Mutex<HashMap<(String, String), String>>> = Default::default();
    let dead = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (acked, dead, units) = (acked.clone(), dead.clone(), units.clone());
        let (addr, token) = (addr.clone(), token.clone());
        writers.push(std::thread::spawn(move || {
            for j in 0.. {
                if dead.load(Ordering::SeqCst) {
                    break;
                }
                let k = j * WRITERS + w;
                let (unit, period) = (&units[k % units.len()], day(k / units.len()));
                let body = format!(
                    r#"{{"data_values":[{{"element":"{ELEMENT}","unit":"{unit}","period":"{period}","value":{k}}}]}}"#
                );
                match request(&addr, "POST", "/api/data-values", &token, &body) {
                    Some(200) => {
                        acked
                            .lock()
                            .unwrap()
                            .insert((unit.clone(), period), k.to_string());
                    }
                    Some(status) => panic!("write {k} answered {status}"),
                    None => {
                        if dead.load(Ordering::SeqCst) {
                            break;
                        }
                    }
                }
            }
        }));
    }
    let started = Instant::now();
    while acked.lock().unwrap().len() < 300 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    // SIGKILL in the middle of the burst: no shutdown, no checkpoint.
    server.kill().unwrap();
    dead.store(true, Ordering::SeqCst);
    let _ = server.wait();
    for w in writers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 300, "{} writes acknowledged", acked.len());

    // The restart: the store opens (recovering its log) and holds every acknowledged write.
    let stored: HashMap<(String, String), String> = rt().block_on(async {
        let store = chiso_store::open(url).await.unwrap();
        let q = ValueQuery {
            elements: vec![Code::parse(ELEMENT).unwrap()],
            ..Default::default()
        };
        let values = store.values(&q).await.unwrap();
        let check = store.verify_audit().await.unwrap();
        assert_eq!((check.broken, check.values), (None, None));
        store.close().await;
        values
            .into_iter()
            .map(|v| ((v.unit.to_string(), v.period.to_string()), v.value))
            .collect()
    });
    let lost: Vec<_> = acked
        .iter()
        .filter(|(k, v)| stored.get(*k) != Some(*v))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes lost, e.g. {:?}",
        lost.len(),
        acked.len(),
        lost.first()
    );
    let out = run(&["audit", "verify", "--database", url]);
    assert!(out.contains("unbroken"), "{out}");
    // The server starts again on the same database.
    let (mut again, addr) = serve(url);
    assert_eq!(request(&addr, "GET", "/api/health", &token, ""), Some(200));
    again.kill().unwrap();
    let _ = again.wait();
}

#[test]
fn a_server_killed_mid_burst_keeps_every_acknowledged_write_sqlite() {
    let dir = std::env::temp_dir().join(format!("chiso-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    acknowledged_writes_survive_a_kill(&format!("sqlite://{}", dir.join("k.db").display()));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_server_killed_mid_burst_keeps_every_acknowledged_write_postgres() {
    let url = std::env::var("CHISO_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("set CHISO_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test)")
    });
    let schema = format!("chiso_kill_{}", std::process::id());
    rt().block_on(async {
        let s = chiso_store::PgStore::open_in_schema(&url, &schema)
            .await
            .unwrap();
        chiso_store::AuditReads::close(&s).await;
    });
    let sep = if url.contains('?') { '&' } else { '?' };
    let in_schema = format!("{url}{sep}options=-csearch_path%3D{schema}");
    acknowledged_writes_survive_a_kill(&in_schema);
    chiso_store::PgStore::drop_schema_now(&url, &schema);
}
