//! What the tests of real servers share: the binary, a PostgreSQL database of their own, a
//! server on a real port, a raw HTTP client with a deadline, and a TCP proxy that can cut the
//! network between chiso and PostgreSQL.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The binary under test; `CHISO_TEST_BIN` runs the same test against another build (to show
/// what an older release did).
pub fn chiso() -> Command {
    match std::env::var_os("CHISO_TEST_BIN") {
        Some(bin) => Command::new(bin),
        None => Command::new(env!("CARGO_BIN_EXE_chiso")),
    }
}

pub fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("chiso-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A command that must succeed; its standard output.
pub fn ok(cmd: &mut Command) -> String {
    let (ok, out, err) = run(cmd);
    assert!(ok, "{out}\n{err}");
    out
}

/// A command that must end by itself within `secs`: a server that keeps running where it
/// should have been refused fails the test instead of hanging it.
pub fn run_within(cmd: &mut Command, secs: u64) -> (bool, String, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {secs} s: it was not refused");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The database files of `demo.db…` in `dir`, byte for byte (the shared-memory index is not
/// data; an empty write-ahead log holds nothing).
pub fn db_bytes(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("demo.db"))
        .filter(|e| !e.file_name().to_string_lossy().ends_with("-shm"))
        .filter(|e| e.metadata().map(|m| m.len() > 0).unwrap_or(false))
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The PostgreSQL server of the tests (`CHISO_TEST_POSTGRES_URL`).
pub fn pg_admin_url() -> String {
    std::env::var("CHISO_TEST_POSTGRES_URL")
        .expect("set CHISO_TEST_POSTGRES_URL to run the PostgreSQL tests")
}

fn psql(url: &str, sql: &str) -> String {
    let (ok, out, err) = run(Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-Atq", "-c", sql])
        .stdin(Stdio::null()));
    assert!(ok, "psql {sql}: {err}");
    out
}

/// A database of its own on the test server, dropped at the end.
pub struct PgDb {
    admin: String,
    pub name: String,
}

impl PgDb {
    pub fn create(name: &str) -> PgDb {
        let admin = pg_admin_url();
        let name = format!("{name}_{}", std::process::id());
        psql(
            &admin,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        );
        psql(&admin, &format!("CREATE DATABASE {name}"));
        PgDb { admin, name }
    }

    /// The database's URL through `host:port` (the server's own, or a proxy's).
    pub fn url_via(&self, hostport: &str) -> String {
        let (scheme_user, rest) = self.admin.split_once('@').unwrap();
        let rest = rest.split_once('/').map(|(_, r)| r).unwrap_or("");
        let query = rest
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        format!("{scheme_user}@{hostport}/{}{query}", self.name)
    }

    pub fn url(&self) -> String {
        self.url_via(&self.hostport())
    }

    /// The PostgreSQL server's `host:port`.
    pub fn hostport(&self) -> String {
        let rest = self.admin.split_once('@').unwrap().1;
        rest.split('/').next().unwrap().to_string()
    }

    /// One query's rows, as psql prints them unaligned.
    pub fn query(&self, sql: &str) -> String {
        psql(&self.url(), sql)
    }

    /// End every connection to the database but this one (as `pg_terminate_backend`, or a
    /// restart of PostgreSQL, would); the number ended.
    pub fn kill_connections(&self) -> usize {
        psql(
            &self.admin,
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{}' AND pid <> pg_backend_pid()",
                self.name
            ),
        )
        .lines()
        .filter(|l| l.trim() == "t")
        .count()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = run(Command::new("psql").args([
            &self.admin,
            "-c",
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        ]));
    }
}

/// Load the demo into a database and make an administrator's API tokens: one used before an
/// outage, one never used.
pub fn demo_with_tokens(url: &str) -> (String, String) {
    let (ok, _, err) = run(chiso().args(["demo", "--no-serve", "--database", url]));
    assert!(ok, "{err}");
    let (ok, _, err) = run(chiso().args([
        "user",
        "add",
        "ops.admin",
        "--name",
        "Ops",
        "--role",
        "system_admin",
        "--database",
        url,
    ]));
    assert!(ok, "{err}");
    let token = || {
        let (ok, out, err) = run(chiso().args([
            "token",
            "create",
            "ops.admin",
            "--name",
            "probe",
            "--database",
            url,
        ]));
        assert!(ok, "{err}");
        out.split("ApiToken ")
            .nth(1)
            .and_then(|t| t.split_whitespace().next())
            .unwrap_or_else(|| panic!("no token printed: {out}"))
            .to_string()
    };
    (token(), token())
}

/// A `chiso serve` on a real port, killed at the end.
pub struct Server {
    child: Child,
    pub addr: String,
    pub log: std::path::PathBuf,
}

impl Server {
    pub fn start(database: &str, env: &[(&str, &str)], log: std::path::PathBuf) -> Server {
        let mut cmd = chiso();
        cmd.args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--public-read",
            "--database",
            database,
        ])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut addr = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(pos) = line.find("http://") {
                let url = line[pos..].split_whitespace().next().unwrap();
                addr = Some(
                    url.trim_start_matches("http://")
                        .trim_end_matches('/')
                        .to_string(),
                );
                break;
            }
        }
        // Keep reading what it prints, so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let addr = addr.unwrap_or_else(|| {
            panic!(
                "the server printed no address: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
        Server { child, addr, log }
    }
}

impl Server {
    /// Stop it as a service manager does (SIGTERM), and wait until it has exited.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let (ok, _, err) = run(Command::new("kill").args(["-TERM", &pid]));
        assert!(ok, "{err}");
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer, and how long it took.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
    pub took: Duration,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// One request on a new connection; gives up after 60 s (a hang is a failure, not a stall).
pub fn http(addr: &str, method: &str, path: &str, token: Option<&str>) -> Answer {
    let start = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let auth = token
        .map(|t| format!("Authorization: ApiToken {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let read = s.read_to_end(&mut raw);
    let took = start.elapsed();
    assert!(
        read.is_ok(),
        "{method} {path}: no answer within 60 s ({read:?})"
    );
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head: head.to_string(),
        body: body.to_string(),
        took,
    }
}

/// The value of the only row of an analytics answer.
pub fn analytics_value(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v["rows"][0][1].as_str().map(str::to_string)
}

/// A TCP proxy in front of PostgreSQL that can cut the network: while cut, nothing passes in
/// either direction and new connections are accepted but never reach the server — no reset,
/// no end of stream, as in a partition; when restored, what was waiting passes on.
pub struct Proxy {
    pub port: u16,
    cut: Arc<AtomicBool>,
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let (up, c) = (upstream.to_string(), cut.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let (up, c) = (up.clone(), c.clone());
                std::thread::spawn(move || {
                    while c.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    let Ok(server) = TcpStream::connect(&up) else {
                        return;
                    };
                    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                        return;
                    };
                    let c3 = c.clone();
                    std::thread::spawn(move || pump(client, server, c3));
                    pump(s2, c2, c);
                });
            }
        });
        Proxy { port, cut }
    }

    pub fn cut(&self, cut: bool) {
        self.cut.store(cut, Ordering::SeqCst);
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, cut: Arc<AtomicBool>) {
    let _ = from.set_read_timeout(Some(Duration::from_millis(50)));
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if cut.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(_) => break,
        };
        while cut.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}
