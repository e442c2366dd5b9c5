//! The audit head kept outside the database by a running server (`--audit-head-file`, syslog,
//! signed with `--audit-head-key`), `chiso audit verify --expect-file` over those records, and
//! the server's JSON logs — real processes on real files.

mod common;

use common::{chiso, ok, run, tempdir, Server};
use std::path::Path;
use std::time::{Duration, Instant};

fn records(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("chiso-audit-head "))
        .map(str::to_string)
        .collect()
}

fn wait_records(file: &Path, n: usize) -> Vec<String> {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let r = records(file);
        if r.len() >= n {
            return r;
        }
        assert!(
            Instant::now() < until,
            "{n} records were not written: {r:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The head a record holds: `SEQ:HASH`.
fn head_of(record: &str) -> &str {
    record.split(' ').nth(2).unwrap()
}

fn verify(url: &str, file: &Path, key: Option<&Path>) -> (bool, String, String) {
    let mut cmd = chiso();
    cmd.args(["audit", "verify", "--database", url, "--expect-file"])
        .arg(file);
    if let Some(k) = key {
        cmd.arg("--key").arg(k);
    }
    run(&mut cmd)
}

/// A running server records the head at its start and again when a write moves it, each
/// record signed; verify holds the database to every record; a wrong key, an altered record
/// and an older copy of the database each fail, naming the line. Its log is JSON, a line per
/// request with the request's method and path and its latency.
#[test]
fn the_server_records_the_audit_head_and_verify_holds_the_database_to_every_record() {
    let dir = tempdir("anchor");
    let url = format!("sqlite://{}", dir.join("a.db").display());
    ok(chiso().args(["demo", "--no-serve", "--database", &url]));
    let key = dir.join("head.key");
    std::fs::write(&key, format!("{}\n", "s3cr3t-k3y-".repeat(4))).unwrap();
    let heads = dir.join("heads").join("audit-heads.log");

    let server = Server::start(
        &url,
        &[
            ("CHISO_AUDIT_HEAD_FILE", heads.to_str().unwrap()),
            ("CHISO_AUDIT_HEAD_EVERY", "1s"),
            ("CHISO_AUDIT_HEAD_KEY", key.to_str().unwrap()),
            ("CHISO_LOG", "info"),
            ("CHISO_LOG_FORMAT", "json"),
        ],
        dir.join("server.log"),
    );
    let first = wait_records(&heads, 1);
    assert_eq!(
        head_of(&first[0]),
        ok(chiso().args(["audit", "head", "--database", &url])).trim()
    );
    assert!(first[0].contains(" hmac-sha256="), "{}", first[0]);
    // A backup of the live database now: it holds the first record's head only.
    let before = dir.join("before");
    ok(chiso()
        .args(["backup", "--database", &url, "--to"])
        .arg(&before));
    // A write from the command line moves the head; the next record holds the new one.
    let csv = dir.join("retail.csv");
    std::fs::write(
        &csv,
        "element,period,unit,breakdown,value\nBAN_LE_TONG,2023,58,,61234\n",
    )
    .unwrap();
    ok(chiso().arg("import").arg(&csv).args(["--database", &url]));
    let both = wait_records(&heads, 2);
    let seq = |r: &str| {
        head_of(r)
            .split(':')
            .next()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    assert!(seq(&both[1]) > seq(&both[0]), "{both:?}");
    assert_eq!(
        common::http(&server.addr, "GET", "/api/health", None).status,
        200
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        records(&heads).len(),
        2,
        "an unmoved head is not recorded again"
    );
    drop(server);

    // Every line of the log is a JSON object; the request to /api/health is one of them.
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let health = lines
        .iter()
        .find(|l| l["spans"][0]["fields"]["uri"] == "/api/health" && l["latency"].is_string())
        .unwrap_or_else(|| panic!("no line for the request: {log}"));
    assert_eq!(health["level"], "INFO");
    assert_eq!(health["spans"][0]["fields"]["method"], "GET");
    assert_eq!(health["status"], 200);
    assert!(
        health["latency"].as_str().unwrap().ends_with(" ms"),
        "{health}"
    );
    assert!(health["time"].as_str().unwrap().ends_with('Z'));
    assert!(lines
        .iter()
        .any(|l| l["message"] == "audit head recorded" && l["seq"] == seq(&both[1])));

    // The database holds every record, with and without the key.
    let (fine, out, err) = verify(&url, &heads, Some(&key));
    assert!(fine, "{out}{err}");
    assert!(
        out.contains(&format!(
            "holding the 2 recorded heads up to {}",
            seq(&both[1])
        )),
        "{out}"
    );
    assert!(verify(&url, &heads, None).0);
    // Another key: the first record's HMAC fails.
    let other = dir.join("other.key");
    std::fs::write(&other, "x".repeat(32)).unwrap();
    let (fine, _, err) = verify(&url, &heads, Some(&other));
    assert!(
        !fine && err.contains("line 1: the record's HMAC is wrong"),
        "{err}"
    );
    // A record altered without the key (another hash for the second head).
    let altered = dir.join("altered.log");
    let hash = head_of(&both[1]).split(':').nth(1).unwrap();
    let forged: String = hash.chars().rev().collect();
    std::fs::write(
        &altered,
        std::fs::read_to_string(&heads)
            .unwrap()
            .replace(hash, &forged),
    )
    .unwrap();
    let (fine, _, err) = verify(&url, &altered, Some(&key));
    assert!(
        !fine && err.contains("line 2: the record's HMAC is wrong"),
        "{err}"
    );
    let (fine, _, err) = verify(&url, &altered, None);
    assert!(
        !fine && err.contains("does not have the hash recorded earlier") && err.contains("line 2)"),
        "{err}"
    );
    // The copy taken before the write, restored: it does not hold the second record.
    let older = format!("sqlite://{}", dir.join("older.db").display());
    ok(chiso()
        .arg("restore")
        .arg(&before)
        .args(["--database", &older]));
    let (fine, _, err) = verify(&older, &heads, Some(&key));
    assert!(
        !fine && err.contains(&format!("has no row {}", seq(&both[1]))) && err.contains("line 2)"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `--audit-head-syslog` sends the same record to the syslog socket; a short key, or a key
/// without anywhere to write, stops the start with the reason.
#[cfg(unix)]
#[test]
fn the_head_goes_to_syslog_and_bad_options_stop_the_start() {
    let dir = tempdir("anchor-syslog");
    let url = format!("sqlite://{}", dir.join("a.db").display());
    ok(chiso().args(["demo", "--no-serve", "--database", &url]));
    let socket = dir.join("log.sock");
    let syslog = std::os::unix::net::UnixDatagram::bind(&socket).unwrap();
    syslog
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let server = Server::start(
        &url,
        &[
            ("CHISO_AUDIT_HEAD_SYSLOG", "true"),
            ("CHISO_SYSLOG_SOCKET", socket.to_str().unwrap()),
        ],
        dir.join("server.log"),
    );
    let mut buf = [0u8; 1024];
    let n = syslog.recv(&mut buf).expect("a syslog message");
    drop(server);
    let msg = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(msg.starts_with("<85>"), "authpriv.notice: {msg}");
    let rec = &msg[msg.find("chiso-audit-head ").unwrap()..];
    assert_eq!(
        head_of(rec),
        ok(chiso().args(["audit", "head", "--database", &url])).trim()
    );
    // The syslog text verifies like the file.
    let saved = dir.join("syslog.txt");
    std::fs::write(&saved, format!("{msg}\n")).unwrap();
    assert!(verify(&url, &saved, None).0);

    let short = dir.join("short.key");
    std::fs::write(&short, "short").unwrap();
    let heads = dir.join("heads.log");
    let serve = |more: &[&std::ffi::OsStr]| {
        run(chiso()
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &url])
            .args(more))
    };
    let (fine, _, err) = serve(&[
        "--audit-head-file".as_ref(),
        heads.as_os_str(),
        "--audit-head-key".as_ref(),
        short.as_os_str(),
    ]);
    assert!(!fine && err.contains("at least 32"), "{err}");
    let (fine, _, err) = serve(&["--audit-head-key".as_ref(), short.as_os_str()]);
    assert!(
        !fine && err.contains("--audit-head-key needs --audit-head-file"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
